#include "handlers/spike_alert.hpp"

#include <algorithm>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include "common/count_text.hpp"
#include "common/duration_text.hpp"
#include "handlers/command_text.hpp"
#include "handlers/detail/slack_call.hpp"
#include "handlers/incident_view.hpp"
#include "handlers/mrkdwn.hpp"
#include "handlers/reply.hpp"
#include "lifecycle/effects.hpp"

namespace swarmbot::handlers {

namespace json = boost::json;
using boost::asio::awaitable;

namespace {

using detail::CallSlack;
using detail::IsSlackError;

constexpr std::string_view kLinkClusterUsage =
    "Usage: `/incident link [INC-n] --cluster [SPIKE-n]`";
constexpr std::size_t kSubjectShown = 150;
constexpr std::size_t kCasesNamed = 10;

std::string CaseNames(const std::vector<std::int64_t>& numbers) {
  std::string text;
  for (std::size_t i = 0; i < numbers.size() && i < kCasesNamed; ++i) {
    text += (i == 0 ? "" : ", ") + store::CaseNumberText(numbers[i]);
  }
  if (numbers.size() > kCasesNamed) {
    text += " and " + std::to_string(numbers.size() - kCasesNamed) + " more";
  }
  return text;
}

std::string Plural(std::size_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

// "2026-03-01 14:05 → 14:25 UTC"; the second date only when it differs.
std::string TimeSpan(Clock::TimePoint first, Clock::TimePoint last) {
  const std::string from = FormatTime(first);
  const std::string to = FormatTime(last);
  constexpr std::size_t kDate = 11;  // "2026-03-01 "
  if (from.compare(0, kDate, to, 0, kDate) == 0) {
    return from.substr(0, from.size() - 4) + " → " + to.substr(kDate);
  }
  return from + " → " + to;
}

// Built outside the coroutines: GCC 12 mishandles braced lists of string
// literals inside them.
json::object UpdateArgs(const BlockMessage& message, const store::Spike& spike) {
  json::object args = message.ToObject();
  args["channel"] = spike.alert_channel.str();
  args["ts"] = spike.alert_ts.str();
  return args;
}

json::object JoinArgs(const ChannelId& channel) {
  return json::object{{"channel", channel.str()}};
}

Status Failed(std::int64_t spike, std::string_view what, const Error& error) {
  if (!error.Retryable()) {
    spdlog::warn("event=spike.effect_failed spike={} what=\"{}\" error={}",
                 store::SpikeNumberText(spike), what,
                 error.slack_error.empty() ? error.detail : error.slack_error);
  }
  return error;
}

// "INC-2, INC-4": the open incidents holding some of the spike's cases.
std::string HolderNames(const store::SpikeFacts& facts) {
  std::string names;
  for (std::int64_t incident : facts.holders) {
    names += (names.empty() ? "" : ", ") + store::IncidentNumberText(incident);
  }
  return names;
}

// Why an undeclared spike has nothing left to declare, or "" when it has:
// every case it holds is closed or linked to an open incident already.
std::string NothingToDeclare(std::int64_t spike, const store::SpikeFacts& facts) {
  if (facts.unheld > 0) {
    return "";
  }
  if (facts.holders.empty()) {
    return "Every case of " + store::SpikeNumberText(spike) + " is closed.";
  }
  const std::string names = HolderNames(facts);
  const std::string first = store::IncidentNumberText(facts.holders.front());
  return "Its open cases are linked to " + names + " already. `/incident link " + first +
         " --cluster " + store::SpikeNumberText(spike) + "` links later ones to " + first + ".";
}

// The button's question; when incidents hold some of the cases already, it
// says how many are nobody's, so a declaration isn't taken for the whole spike.
std::string DeclarePrompt(const store::SpikeFacts& facts) {
  if (facts.holders.empty()) {
    return "Looks like one problem. Declare an incident for these cases?";
  }
  const std::string names = HolderNames(facts);
  return Plural(static_cast<std::size_t>(facts.unheld), "case is", "cases are") +
         " nobody's yet; the others are linked to " + names +
         ". Declare an incident for those, or link them there?";
}

}  // namespace

BlockMessage SpikeAlert(const lifecycle::SpikeStatus& status) {
  const store::SpikeFacts& facts = status.facts;
  const std::string number = store::SpikeNumberText(status.spike.number);
  const std::string span = FormatDuration(
      std::chrono::duration_cast<std::chrono::seconds>(facts.last_at - facts.first_at));
  BlockMessage message(number + ": " + std::to_string(facts.cases) + " similar cases in " + span +
                       " (" + CountsText(facts.by_channel) + ")");
  message.Header("Spike: " + std::to_string(facts.cases) + " similar cases in " + span);
  message.Section("*" + number + "* · " +
                  Plural(static_cast<std::size_t>(facts.cases), "case", "cases") + " from " +
                  Plural(static_cast<std::size_t>(facts.contacts), "customer", "customers") +
                  " · " + TimeSpan(facts.first_at, facts.last_at));
  message.Fields({"*Channels*\n" + EscapeMrkdwn(CountsText(facts.by_channel)),
                  "*Territories*\n" + EscapeMrkdwn(CountsText(facts.by_territory))});
  std::string samples = "*Sample subjects*";
  for (const std::string& subject : facts.subjects) {
    samples += "\n• " + EscapeMrkdwn(Truncate(subject, kSubjectShown));
  }
  message.Section(samples);
  if (status.spike.incident) {
    const std::string incident = store::IncidentNumberText(*status.spike.incident);
    message.Section(":white_check_mark: Declared as *" + incident + "* · `/incident status " +
                    incident + "`");
  } else if (const std::string done = NothingToDeclare(status.spike.number, facts); !done.empty()) {
    message.Section(":link: " + done);
  } else {
    message.SectionWithButton(DeclarePrompt(facts), "Declare incident", kSpikeDeclareActionId,
                              number);
  }
  message.Context({"Cases that fit this group keep updating this alert."});
  return message;
}

awaitable<Status> SpikeAlerts::Run(store::OutboxItem& item, SlackApi& api) {
  detail::LogEffectRun(item);
  const auto spike = detail::RequiredNumberArg(item, lifecycle::effect::kArgSpike);
  if (!spike) {
    co_return spike.error();
  }
  if (item.kind == lifecycle::effect::kPostSpikeAlert) {
    co_return co_await Post(item, api, *spike);
  }
  if (item.kind == lifecycle::effect::kUpdateSpikeAlert) {
    co_return co_await Update(api, *spike);
  }
  co_return MakeError(Errc::kInternal, "unknown effect kind " + item.kind);
}

awaitable<Status> SpikeAlerts::Post(store::OutboxItem& item, SlackApi& api, std::int64_t spike) {
  const ChannelId channel = services_.settings.managers_channel;
  auto status = services_.spikes.StatusOf(spike);
  if (!status) {
    co_return status.error();
  }
  if (channel.empty() || !status->spike.alert_ts.empty()) {
    co_return Status{};
  }
  if (item.attempts > 0) {
    // Slack may have posted it before a crash kept the outbox from hearing.
    const json::object query = detail::HistoryQuery(channel);
    auto history = co_await CallSlack(api, "conversations.history", query);
    if (!history) {
      co_return Failed(spike, "look for the alert", history.error());
    }
    if (auto ts = detail::FindTaggedMessage(*history, item.id)) {
      co_return services_.spikes.RecordAlert(spike, channel, *ts);
    }
  }
  const json::object args = detail::TaggedPostArgs(SpikeAlert(*status), channel, item.id);
  auto posted = co_await CallSlack(api, "chat.postMessage", args);
  if (!posted && IsSlackError(posted.error(), "not_in_channel")) {
    // A public channel the bot may join; a private one needs an invitation.
    const json::object join = JoinArgs(channel);
    auto joined = co_await CallSlack(api, "conversations.join", join);
    if (!joined) {
      co_return Failed(spike, "join the incident managers' channel", joined.error());
    }
    posted = co_await CallSlack(api, "chat.postMessage", args);
  }
  if (!posted) {
    co_return Failed(spike, "post the alert", posted.error());
  }
  spdlog::info("event=spike.alerted spike={} cases={}", store::SpikeNumberText(spike),
               status->facts.cases);
  co_return services_.spikes.RecordAlert(spike, channel, MessageTs(posted->StringOr("ts")));
}

awaitable<Status> SpikeAlerts::Update(SlackApi& api, std::int64_t spike) {
  // Cleared first, so a case that joins while this runs queues one more.
  if (auto started = services_.spikes.StartUpdate(spike); !started) {
    co_return started;
  }
  auto status = services_.spikes.StatusOf(spike);
  if (!status) {
    co_return status.error();
  }
  if (status->spike.alert_ts.empty()) {
    co_return Status{};  // not posted (yet); the post shows the current state
  }
  const json::object args = UpdateArgs(SpikeAlert(*status), status->spike);
  auto updated = co_await CallSlack(api, "chat.update", args);
  if (!updated) {
    co_return Failed(spike, "update the alert", updated.error());
  }
  co_return Status{};
}

void SpikeCommands::HandleDeclareClick(const detail::FlatJson& payload, std::size_t index) {
  const UserId user(payload.StringOr("user.id"));
  const auto spike =
      store::ParseSpikeNumber(payload.StringOr("actions." + std::to_string(index) + ".value"));
  if (!spike || user.empty()) {
    spdlog::warn("event=spike.declare.malformed user={}", user.str());
    Answer(payload, "That button is out of date; nothing was changed.");
    return;
  }
  const std::string number = store::SpikeNumberText(*spike);
  if (!detail::IsIncidentManager(services_.settings, user)) {
    spdlog::info("event=spike.declare.refused spike={} user={} reason=role", number, user.str());
    Answer(payload, "Only incident managers can declare incidents; nothing was changed." +
                        detail::WhomToAsk(services_.settings));
    return;
  }
  if (auto declarable = CheckDeclarable(*spike); !declarable) {
    Answer(payload, RefusalText(declarable.error()));
    return;
  }
  auto prefill = services_.spikes.Prefill(*spike);
  if (!prefill) {
    Answer(payload, RefusalText(prefill.error()));
    return;
  }
  if (!open_modal_) {
    spdlog::error("event=spike.declare.no_modal spike={}", number);
    Answer(payload, "The declare form can't be opened right now; nothing was changed.");
    return;
  }
  if (auto opened = open_modal_(payload.StringOr("trigger_id"), user,
                                ChannelId(payload.StringOr("channel.id")), *prefill);
      !opened) {
    Answer(payload, RefusalText(opened.error()));
  }
}

Status SpikeCommands::CheckDeclarable(std::int64_t spike) {
  auto status = services_.spikes.StatusOf(spike);
  if (!status) {
    return status.error();
  }
  if (status->spike.incident) {
    // A spike is declared once, also after its incident closed: similar
    // cases from then on make a new spike with an alert of its own.
    const std::string name = store::IncidentNumberText(*status->spike.incident);
    const auto incident = services_.incidents.FindIncident(*status->spike.incident);
    if (incident && !incident->Open()) {
      return MakeError(Errc::kConflict, "spike declared, incident closed",
                       store::SpikeNumberText(spike) + " was already declared as " + name +
                           ", which is closed; nothing was declared. If it is the same "
                           "problem, `/incident reopen " +
                           name +
                           "` brings it back; similar cases that arrive from now on make "
                           "a new spike.");
    }
    return MakeError(Errc::kConflict, "spike already declared",
                     store::SpikeNumberText(spike) + " was already declared as " + name + ".");
  }
  if (const std::string done = NothingToDeclare(spike, status->facts); !done.empty()) {
    return MakeError(Errc::kConflict, "nothing to declare", done + " Nothing was declared.");
  }
  return {};
}

void SpikeCommands::Answer(const detail::FlatJson& payload, const std::string& mrkdwn) {
  detail::AnswerClick(services_, payload, mrkdwn, "spike");
}

bool IsClusterLink(const std::vector<std::string>& words) {
  return std::any_of(words.begin(), words.end(),
                     [](const std::string& word) { return Lowercase(word) == "--cluster"; });
}

std::string SpikeCommands::LinkCluster(const SlashCommand& command) {
  constexpr std::string_view kWhat = "/incident link --cluster";
  auto words = Tokenize(TextAfterWords(command.text, 1));
  std::erase_if(words, [](const std::string& word) { return Lowercase(word) == "--cluster"; });
  std::size_t consumed = 0;
  auto incident = detail::ResolveIncident(services_, words, command.channel, consumed,
                                          "/incident link INC-3 --cluster SPIKE-2");
  if (!incident) {
    return RefusalReply(kWhat, incident.error(), kLinkClusterUsage);
  }
  if (auto allowed = detail::MayChangeIncident(services_, *incident, command.user, "link cases");
      !allowed) {
    return RefusalReply(kWhat, allowed.error());
  }
  words.erase(words.begin(), words.begin() + static_cast<std::ptrdiff_t>(consumed));
  if (words.size() > 1 || (words.size() == 1 && !store::ParseSpikeNumber(words.front()))) {
    return RefusalReply(kWhat,
                        MakeError(Errc::kInvalidInput, "bad spike reference",
                                  "`" + EscapeMrkdwn(Truncate(words.front(), 40)) +
                                      "` isn't a spike; spikes are named like SPIKE-2"),
                        kLinkClusterUsage);
  }
  Result<std::int64_t> spike =
      words.empty() ? services_.spikes.SpikeOfIncident(*incident, services_.settings.spike_window)
                    : Result<std::int64_t>(*store::ParseSpikeNumber(words.front()));
  if (!spike) {
    return RefusalReply(kWhat, spike.error());
  }
  auto linked = services_.spikes.LinkToIncident(*spike, *incident, command.user);
  if (!linked) {
    return RefusalReply(kWhat, linked.error(), kLinkClusterUsage);
  }
  const std::string inc = store::IncidentNumberText(*incident);
  const std::string number = store::SpikeNumberText(*spike);
  std::string text =
      linked->linked.empty()
          ? "The cases of " + number + " were already linked to " + inc + "; nothing changed."
          : "Linked " + Plural(linked->linked.size(), "case", "cases") + " of " + number + " to " +
                inc + ": " + CaseNames(linked->linked) + ".";
  if (!linked->linked.empty() && !linked->already_linked.empty()) {
    text += " " +
            Counted(static_cast<std::int64_t>(linked->already_linked.size()), "already was",
                    "already were") +
            ".";
  }
  if (!linked->held_elsewhere.empty()) {
    text += " Left alone, held by other incidents: " + CaseNames(linked->held_elsewhere) + ".";
  }
  if (!linked->closed.empty()) {
    text += " Left alone, closed: " + CaseNames(linked->closed) + ".";
  }
  return EphemeralText(text);
}

}  // namespace swarmbot::handlers
