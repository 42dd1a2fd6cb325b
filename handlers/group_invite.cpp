#include "handlers/group_invite.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include "common/count_text.hpp"
#include "common/duration_text.hpp"
#include "common/form.hpp"
#include "handlers/block_kit.hpp"
#include "handlers/detail/slack_call.hpp"
#include "handlers/expert_commands.hpp"
#include "handlers/mrkdwn.hpp"
#include "handlers/reply.hpp"
#include "handlers/swarm_commands.hpp"

namespace swarmbot::handlers {
namespace {

namespace json = boost::json;
namespace effect = lifecycle::effect;
using boost::asio::awaitable;

constexpr std::string_view kVersion = "g1";

Clock::TimePoint AskedAt(const GroupInviteRequest& request) {
  return Clock::TimePoint(std::chrono::milliseconds(request.asked_at_ms));
}

std::optional<std::int64_t> ParseNumber(std::string_view text) {
  std::int64_t number = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc{} || end != text.data() + text.size() || number < 0) {
    return std::nullopt;
  }
  return number;
}

// " 28 people in the group are in the swarm channel already." and, when
// `deactivated` counts anyone, how many have a deactivated Slack account;
// "" when neither.
std::string LeftOutNote(std::size_t groups, std::size_t present, std::size_t deactivated) {
  const std::string in_groups = groups == 1 ? " in the group" : " in the groups";
  std::string note;
  if (present > 0) {
    note = Counted(static_cast<std::int64_t>(present), "person", "people") + in_groups +
           (present == 1 ? " is" : " are") + " in the swarm channel already";
  }
  if (deactivated > 0) {
    note += (note.empty()
                 ? Counted(static_cast<std::int64_t>(deactivated), "person", "people") + in_groups
                 : " and " + Counted(static_cast<std::int64_t>(deactivated), "person", "people")) +
            (deactivated == 1 ? " has a deactivated Slack account"
                              : " have deactivated Slack accounts");
  }
  return note.empty() ? note : " " + note + ".";
}

// The question: which groups, how many people it would add (`total`; the
// groups' sizes count everyone), why the rest don't count, and the two
// buttons. Group mentions go in the blocks only; the top-level text names no
// group, so no notification can page one.
json::object Question(const GroupInviteRequest& request, std::size_t total,
                      const std::vector<std::pair<UserGroupId, std::size_t>>& sizes, int threshold,
                      std::string_view left_out) {
  std::vector<std::string> parts;
  for (const auto& [group, size] : sizes) {
    parts.push_back(UsergroupMention(group) + " (" +
                    Counted(static_cast<std::int64_t>(size), "person", "people") + ")");
  }
  const std::string number = store::IncidentNumberText(request.incident);
  const std::string people = Counted(static_cast<std::int64_t>(total), "person", "people");
  const std::string doing = request.kind == GroupInviteRequest::Kind::kStart
                                ? "Starting the swarm of " + number + " with "
                                : "Inviting ";
  std::string text = doing + JoinWithAnd(parts) + " adds " + people + " to the swarm of " + number +
                     ", more than the " + std::to_string(threshold) + " that go without asking." +
                     std::string(left_out) + " Nothing has happened yet";
  if (!request.users.empty()) {
    text += "; the people you named wait with them";
  }
  text += ".";
  BlockMessage message("Invite " + people + " to the swarm of " + number + "?");
  message.Section(text);
  json::object reply = message.ToObject();
  const std::string value = EncodeGroupInvite(request);
  reply["blocks"].as_array().push_back(json::object{
      {"type", "actions"},
      {"block_id", "group_invite_actions"},
      {"elements", json::array{ActionButton("Invite all " + std::to_string(total),
                                            kGroupInviteConfirmActionId, value, "primary"),
                               ActionButton("Cancel", kGroupInviteCancelActionId, value)}}});
  return reply;
}

// An answer to a click through its response_url; `replace` swaps the
// question for it (so its buttons go), else it shows beside it.
void Answer(detail::Services& services, const detail::FlatJson& payload, std::string_view mrkdwn,
            bool replace) {
  detail::AnswerClick(services, payload, mrkdwn, "swarm.groups", replace);
}

// The text of an ephemeral reply JSON ({"text": …}).
std::string ReplyText(const std::string& reply_json) {
  auto flat = detail::FlattenJson(reply_json, 1);
  return flat ? flat->StringOr("text") : std::string();
}

// Why a confirmation can't run any more, if it can't: the incident closed,
// or (for an invite) the swarm channel it was for was archived.
std::optional<std::string> Outdated(detail::Services& services, const GroupInviteRequest& request) {
  const std::string number = store::IncidentNumberText(request.incident);
  auto incident = services.incidents.FindIncident(request.incident);
  if (!incident) {
    return RefusalText(incident.error()) + " Nobody was invited.";
  }
  if (!incident->Open()) {
    return number + " is closed, so nobody was invited.";
  }
  if (request.kind != GroupInviteRequest::Kind::kInvite) {
    return std::nullopt;
  }
  auto swarm = services.swarms.FindByIncident(request.incident);
  const bool live = swarm && *swarm &&
                    ((*swarm)->state == store::SwarmState::kStarting ||
                     (*swarm)->state == store::SwarmState::kActive);
  const bool same =
      live && (request.swarm_channel.empty() || (*swarm)->channel_id == request.swarm_channel);
  if (!same) {
    return "The swarm channel of " + number +
           " this was for has been archived since you asked, so nobody was invited.";
  }
  return std::nullopt;
}

}  // namespace

std::string EncodeGroupInvite(const GroupInviteRequest& request) {
  FormFields fields{{"v", std::string(kVersion)},
                    {"kind", request.kind == GroupInviteRequest::Kind::kStart ? "start" : "invite"},
                    {"incident", std::to_string(request.incident)},
                    {"asker", request.asker.str()},
                    {"channel", request.channel.str()},
                    {"swarm", request.swarm_channel.str()},
                    {"at", std::to_string(request.asked_at_ms)}};
  for (const UserId& user : request.users) {
    fields.emplace_back("u", user.str());
  }
  for (const UserGroupId& group : request.groups) {
    fields.emplace_back("g", group.str());
  }
  return BuildForm(fields);
}

std::optional<GroupInviteRequest> DecodeGroupInvite(std::string_view value) {
  auto fields = ParseForm(value);
  if (!fields || FormValue(*fields, "v") != kVersion) {
    return std::nullopt;
  }
  GroupInviteRequest request;
  const std::string kind = FormValue(*fields, "kind").value_or("");
  if (kind == "start") {
    request.kind = GroupInviteRequest::Kind::kStart;
  } else if (kind != "invite") {
    return std::nullopt;
  }
  const auto incident = ParseNumber(FormValue(*fields, "incident").value_or(""));
  const auto asked = ParseNumber(FormValue(*fields, "at").value_or(""));
  request.asker = UserId(FormValue(*fields, "asker").value_or(""));
  request.channel = ChannelId(FormValue(*fields, "channel").value_or(""));
  request.swarm_channel = ChannelId(FormValue(*fields, "swarm").value_or(""));
  if (!incident || *incident <= 0 || !asked || !IsSlackId(request.asker.str()) ||
      (!request.channel.empty() && !IsSlackId(request.channel.str())) ||
      (!request.swarm_channel.empty() && !IsSlackId(request.swarm_channel.str()))) {
    return std::nullopt;
  }
  request.incident = *incident;
  request.asked_at_ms = *asked;
  for (const auto& [name, id] : *fields) {
    if ((name == "u" || name == "g") && !IsSlackId(id)) {
      return std::nullopt;
    }
    if (name == "u") {
      request.users.emplace_back(id);
    } else if (name == "g") {
      request.groups.emplace_back(id);
    }
  }
  if (request.groups.empty()) {
    return std::nullopt;
  }
  return request;
}

SlashCommand GroupInviteCommand(const GroupInviteRequest& request) {
  SlashCommand command;
  command.command = "/swarm";
  command.text =
      std::string(request.kind == GroupInviteRequest::Kind::kStart ? "start" : "invite") + " " +
      store::IncidentNumberText(request.incident);
  for (const UserId& user : request.users) {
    command.text += " <@" + user.str() + ">";
  }
  for (const UserGroupId& group : request.groups) {
    command.text += " <!subteam^" + group.str() + ">";
  }
  command.user = request.asker;
  command.channel = request.channel;
  return command;
}

bool CountsGroupsFirst(const detail::Services& services, const std::vector<UserGroupId>& groups) {
  return services.settings.confirm_group_invites_over > 0 && !groups.empty();
}

std::string QueueGroupCount(detail::Services& services, const GroupInviteRequest& request,
                            const SlashCommand& command) {
  const std::string value = EncodeGroupInvite(request);
  if (value.size() > kMaxButtonValue) {
    return EphemeralText(
        "That names too many people and groups to hold for a confirmation; name "
        "fewer at once. Nothing was changed.");
  }
  if (command.response_url.Empty()) {
    return EphemeralText(
        "Slack sent this command without a way to answer later, so I can't "
        "count the groups' members first; nothing was changed.");
  }
  if (auto queued =
          services.swarms.QueueGroupCount(request.incident, value, command.response_url.Reveal());
      !queued) {
    return RefusalReply("/swarm", queued.error());
  }
  spdlog::info("event=swarm.groups.counting incident={} user={} groups={}",
               store::IncidentNumberText(request.incident), request.asker.str(),
               request.groups.size());
  return EphemeralText(
      "Counting the members of " + Counted(std::ssize(request.groups), "group", "groups") +
      " before inviting anyone to the swarm of " + store::IncidentNumberText(request.incident) +
      "; the answer follows here in a moment.");
}

std::string PerformGroupInvite(detail::Services& services, const GroupInviteRequest& request,
                               std::string_view group_note) {
  const SlashCommand command = GroupInviteCommand(request);
  if (request.kind == GroupInviteRequest::Kind::kStart) {
    return SwarmCommands(services).Start(command, /*groups_counted=*/true, group_note);
  }
  return ExpertCommands(services).Invite(command, /*groups_counted=*/true, group_note);
}

void HandleGroupInviteClick(detail::Services& services, const detail::FlatJson& payload,
                            std::size_t index) {
  const std::string base = "actions." + std::to_string(index);
  const bool confirm = payload.StringOr(base + ".action_id") == kGroupInviteConfirmActionId;
  const UserId user(payload.StringOr("user.id"));
  const auto request = DecodeGroupInvite(payload.StringOr(base + ".value"));
  if (!request || user.empty()) {
    spdlog::warn("event=swarm.groups.click_malformed user={}", user.str());
    Answer(services, payload, "That button is out of date; nothing was changed.", false);
    return;
  }
  const std::string number = store::IncidentNumberText(request->incident);
  if (user != request->asker) {
    spdlog::info("event=swarm.groups.click_refused incident={} user={} asker={}", number,
                 user.str(), request->asker.str());
    Answer(services, payload,
           "Only " + UserMention(request->asker) + ", who asked, can " +
               (confirm ? "confirm" : "cancel") + " this invitation; nothing was changed.",
           false);
    return;
  }
  if (!confirm) {
    spdlog::info("event=swarm.groups.cancelled incident={} user={}", number, user.str());
    Answer(services, payload, "Cancelled: nobody was invited to the swarm of " + number + ".",
           true);
    return;
  }
  if (auto outdated = Outdated(services, *request)) {
    spdlog::info("event=swarm.groups.outdated incident={} user={}", number, user.str());
    Answer(services, payload, *outdated, true);
    return;
  }
  auto first = services.swarms.ClaimGroupConfirmation(
      request->incident, user,
      "Confirmed inviting the members of " +
          Counted(std::ssize(request->groups), "group", "groups") + ", as asked at " +
          FormatUtcMinute(AskedAt(*request)) + " (request " + std::to_string(request->asked_at_ms) +
          ")");
  if (!first) {
    Answer(services, payload, RefusalText(first.error()), false);
    return;
  }
  if (!*first) {
    spdlog::info("event=swarm.groups.repeated incident={} user={}", number, user.str());
    Answer(services, payload, "You confirmed this already; nobody more was invited.", false);
    return;
  }
  spdlog::info("event=swarm.groups.confirmed incident={} user={}", number, user.str());
  Answer(services, payload, ReplyText(PerformGroupInvite(services, *request)), true);
}

awaitable<Status> GroupInviteEffects::Run(store::OutboxItem& item, SlackApi& api) {
  detail::LogEffectRun(item);
  const auto request =
      DecodeGroupInvite(FormValue(item.args, effect::kArgGroupRequest).value_or(""));
  const std::string response_url = FormValue(item.args, effect::kArgResponseUrl).value_or("");
  if (!request || response_url.empty()) {
    co_return MakeError(Errc::kInternal,
                        "outbox item " + std::to_string(item.id) + " has no group request");
  }
  // Whoever asked and the people named are counted apart from the groups.
  std::vector<std::string> counted{request->asker.str()};
  for (const UserId& user : request->users) {
    counted.push_back(user.str());
  }
  const std::string& bot = services_.settings.bot_user_id.str();
  std::vector<UserId> members;
  std::vector<std::pair<UserGroupId, std::size_t>> sizes;
  bool all_read = true;  // every group was read and has members
  for (const UserGroupId& group : request->groups) {
    const json::object args{{"usergroup", group.str()}};
    auto listed = co_await detail::CallSlack(api, "usergroups.users.list", args);
    if (!listed) {
      if (listed.error().Retryable()) {
        co_return listed.error();
      }
      all_read = false;
      continue;  // the invite itself says the group couldn't be read
    }
    std::size_t size = 0;
    for (std::size_t i = 0; i < listed->ArraySize("users"); ++i) {
      const std::string member = listed->StringOr("users." + std::to_string(i));
      if (member.empty() || member == bot) {
        continue;
      }
      ++size;
      if (std::find(counted.begin(), counted.end(), member) == counted.end() &&
          std::find(members.begin(), members.end(), UserId(member)) == members.end()) {
        members.emplace_back(member);
      }
    }
    all_read = all_read && size > 0;
    sizes.emplace_back(group, size);
  }
  // Only whom the invitation would actually add counts: not people in the
  // channel now, nor deactivated accounts (the click reads all this again).
  auto grouped = services_.swarms.SortInvitees(request->incident, members);
  auto named = services_.swarms.SortInvitees(request->incident, request->users);
  if (!grouped || !named) {
    co_return grouped ? named.error() : grouped.error();
  }
  const std::size_t adding = grouped->added.size();
  const int threshold = services_.settings.confirm_group_invites_over;
  std::string body;
  if (threshold <= 0 || adding <= static_cast<std::size_t>(threshold)) {
    const std::string note = LeftOutNote(request->groups.size(), grouped->present.size(), 0);
    // An invite that would add nobody, since everyone in the groups (and
    // everyone named) is in the channel, says so and changes nothing.
    const bool nobody = request->kind == GroupInviteRequest::Kind::kInvite && adding == 0 &&
                        !grouped->present.empty() && all_read &&
                        named->present.size() == request->users.size();
    if (!nobody) {
      body = PerformGroupInvite(services_, *request, note);
    } else if (request->users.empty()) {
      body = EphemeralText("Nobody to invite:" + note + " Nothing was changed.");
    } else {
      GroupInviteRequest named_only = *request;
      named_only.groups.clear();
      body = PerformGroupInvite(services_, named_only, note);
    }
  } else {
    spdlog::info("event=swarm.groups.asked incident={} user={} people={} in_channel={}",
                 store::IncidentNumberText(request->incident), request->asker.str(), adding,
                 grouped->present.size());
    json::object question = Question(
        *request, adding, sizes, threshold,
        LeftOutNote(request->groups.size(), grouped->present.size(), grouped->deactivated.size()));
    question["response_type"] = "ephemeral";
    body = json::serialize(question);
  }
  co_return services_.knowledge.QueueResponse(response_url, body);
}

}  // namespace swarmbot::handlers
