// Steps 8 to 16 of the Take-Out scenario: the Expert Finder, the problem, the
// site banner, the emergency change and its approval, closing everything, and
// the customer e-mail. The steps' order lives in the walkthrough and the e2e
// test; these are the things people do in them.
#include <algorithm>
#include <chrono>
#include <fstream>
#include <set>
#include <stdexcept>
#include <string_view>

#include <boost/json.hpp>

#include "demo/scenario.hpp"

namespace swarmbot::demo {
namespace {

// The first "<prefix><digits>" in `text` ("PRB-3"), or "".
std::string RecordNumberIn(const std::string& text, const std::string& prefix) {
  for (auto at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at + 1)) {
    const auto end = text.find_first_not_of("0123456789", at + prefix.size());
    if (end != at + prefix.size()) {
      return text.substr(at, end - at);
    }
  }
  return "";
}

bool Holds(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Whether `text` names the record `number` ("CHG-1", and not as part of "CHG-12").
bool Names(const std::string& text, const std::string& number) {
  for (auto at = text.find(number); at != std::string::npos; at = text.find(number, at + 1)) {
    const auto after = at + number.size();
    if (after == text.size() || text[after] < '0' || text[after] > '9') {
      return true;
    }
  }
  return false;
}

// A form field as the person filling it sees it ("change_title" → "title"),
// as the declare form's fields are narrated.
std::string FieldName(std::string block) {
  if (block.starts_with("change_")) {
    block.erase(0, std::string_view("change_").size());
  }
  std::replace(block.begin(), block.end(), '_', ' ');
  return block;
}

}  // namespace

emulator::MessageSnapshot Scenario::AskExperts(const UserId& who, const ChannelId& swarm) {
  const auto before = LatestMessageWith(swarm, "Experts for");
  Type(who, swarm, "/swarm", "experts");
  std::optional<emulator::MessageSnapshot> list;
  Await("the Expert Finder's list", [&] {
    list = LatestMessageWith(swarm, "Experts for");
    return list && (!before || list->ts != before->ts);
  });
  return *list;
}

void Scenario::InviteExpert(const UserId& who, const ChannelId& swarm,
                            const emulator::MessageSnapshot& list, int position) {
  const auto user = stack_.slack().User(who);
  narrate_((user ? user->name : who.str()) + " clicks [Invite] on expert " +
           std::to_string(position));
  const std::string action = "experts.invite." + std::to_string(position);
  if (auto clicked = stack_.slack().ClickButton(who, swarm, list.ts, action); !clicked) {
    throw std::runtime_error("clicking Invite failed: " + clicked.error().detail);
  }
}

void Scenario::AcceptInvitation(const UserId& expert, const ChannelId& swarm) {
  auto& slack = stack_.slack();
  std::optional<emulator::MessageSnapshot> ask;
  Await("the invitation's direct message", [&] {
    const auto dm = slack.DirectMessage(expert);
    for (const auto& message : dm ? dm->messages : std::vector<emulator::MessageSnapshot>{}) {
      if (message.text.starts_with("Can you help")) {
        ask = message;
      }
    }
    return ask.has_value();
  });
  const auto user = slack.User(expert);
  narrate_((user ? user->name : expert.str()) + " clicks [Accept] in their direct message");
  const ChannelId dm = slack.DirectMessage(expert)->id;
  if (auto clicked = slack.ClickButton(expert, dm, ask->ts, "experts.accept"); !clicked) {
    throw std::runtime_error("clicking Accept failed: " + clicked.error().detail);
  }
  Await("the expert in the swarm channel",
        [&] { return slack.Channel(swarm) && slack.Channel(swarm)->HasMember(expert); });
}

void Scenario::PrepareLaterSteps(const std::string& smtp_url) {
  auto& slack = stack_.slack();
  cab_ = slack.AddChannel(
      "cab", {people_.kofi, people_.ana, people_.luis, people_.mara, slack.BotUserId()});
  stack_.SetExtraConfig(TakeOutRoutingToml() + "\n" +
                        TakeOutLaterStepsToml(people_, cab_, smtp_url));
}

std::string Scenario::ImportAssets() {
  const std::string catalogue = std::string(SWARMBOT_SOURCE_DIR) + "/samples/assets.toml";
  const auto result = stack_.RunSwarmbotCommand({"import", "assets", catalogue});
  if (result.status != 0) {
    throw std::runtime_error("swarmbot import assets failed: " + result.output);
  }
  narrate_("swarmbot import assets: the asset catalogue of samples/assets.toml is in the store");
  return result.output;
}

std::string Scenario::OpenProblem(const UserId& who, const ChannelId& swarm) {
  // Only the swarm's members (besides managers and the owner) may tie a
  // problem to its incident, so `who` must be in it as swarmbot knows it:
  // their join event may still be on its way once Slack shows them there.
  const std::string joined = "event=swarm.member_joined incident=";
  const std::string user = " user=" + who.str();
  const auto recorded = [&] {
    std::ifstream in(stack_.LogFile());
    for (std::string line; std::getline(in, line);) {
      if (line.find(joined) != std::string::npos && line.find(user) != std::string::npos) {
        return true;
      }
    }
    return false;
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!stack_.slack().WaitFor(recorded, std::chrono::milliseconds(50))) {
    if (std::chrono::steady_clock::now() >= deadline) {
      throw std::runtime_error("timed out waiting for swarmbot to record " + who.str() +
                               " in the swarm channel");
    }
  }
  const std::string reply = Type(who, swarm, "/problem", "new");
  const std::string number = RecordNumberIn(reply, "PRB-");
  if (number.empty()) {
    throw std::runtime_error("/problem new opened no problem: " + reply);
  }
  return number;
}

Scenario::SiteBanner Scenario::FetchBanner(const std::string& audience) {
  const std::string target = "/api/site/banner?audience=" + audience;
  const auto answer =
      stack_.Request("GET", target, {{"Authorization", "Bearer " + stack_.SiteApiKey()}}, "");
  SiteBanner banner{answer.status, "", answer.body};
  boost::system::error_code ec;
  const auto body = boost::json::parse(answer.body, ec);
  const auto* shown = !ec && body.is_object() ? body.as_object().if_contains("banner") : nullptr;
  if (shown != nullptr && shown->is_object()) {
    if (const auto* text = shown->as_object().if_contains("text"); text && text->is_string()) {
      banner.text = std::string(text->as_string());
    }
  }
  narrate_("  the customer site asks GET " + target + " -> " + std::to_string(answer.status) +
           ": " + (banner.text.empty() ? "no banner" : "\"" + banner.text + "\""));
  return banner;
}

std::string Scenario::FillChangeForm(
    const UserId& who, const ChannelId& where, const std::string& text,
    const std::map<std::string, std::vector<std::string>>& fields) {
  auto& slack = stack_.slack();
  std::set<std::string> before;
  for (const auto& view : slack.Views(who)) {
    before.insert(view.id);
  }
  Type(who, where, "/change", text);
  std::string view_id;
  Await("the change form", [&] {
    for (const auto& view : slack.Views(who)) {
      if (view.open && view.callback_id == "change.new" && !before.contains(view.id)) {
        view_id = view.id;
      }
    }
    return !view_id.empty();
  });
  std::string filled;
  for (const auto& [block, values] : fields) {
    filled +=
        (filled.empty() ? "" : "; ") + FieldName(block) + ": " + (values.empty() ? "" : values[0]);
  }
  narrate_("  the change form opens; they set " + filled + ", and they submit it");
  auto ack = slack.FillAndSubmitView(who, view_id, fields);
  if (!ack) {
    throw std::runtime_error("the change form's submission failed: " + ack.error().detail);
  }
  return *ack;
}

std::string Scenario::OpenChange(const UserId& who, const ChannelId& where, const std::string& text,
                                 const std::map<std::string, std::vector<std::string>>& fields) {
  const auto channel = stack_.slack().Channel(where);
  const std::size_t known = channel ? channel->messages.size() : 0;
  if (const std::string errors = FillChangeForm(who, where, text, fields); !errors.empty()) {
    throw std::runtime_error("the change form refused the submission: " + errors);
  }
  // Its work plan is posted where it was opened: the plan message names it.
  std::string plan;
  Await("the new change's work plan", [&] {
    const auto now = stack_.slack().Channel(where);
    for (std::size_t i = known; now && i < now->messages.size(); ++i) {
      if (now->messages[i].text.starts_with("Work plan of CHG-")) {
        plan = now->messages[i].text;
      }
    }
    return !plan.empty();
  });
  NarrateReply("in the channel", plan);
  return RecordNumberIn(plan, "CHG-");
}

std::optional<emulator::MessageSnapshot> Scenario::ApprovalRequest(const std::string& change) {
  const auto channel = stack_.slack().Channel(cab_);
  for (const auto& message :
       channel ? channel->messages : std::vector<emulator::MessageSnapshot>{}) {
    if (Names(message.blocks_json, change)) {
      return message;
    }
  }
  return std::nullopt;
}

std::string Scenario::Vote(const UserId& who, const std::string& change) {
  auto& slack = stack_.slack();
  const auto request = ApprovalRequest(change);
  if (!request) {
    throw std::runtime_error("no approval request for " + change + " in #cab");
  }
  const std::size_t known = slack.Ephemerals(who).size();
  const auto user = slack.User(who);
  narrate_((user ? user->name : who.str()) + " clicks [Approve] on " + change + " in #cab");
  if (auto clicked = slack.ClickButton(who, cab_, request->ts, "cab.approve"); !clicked) {
    throw std::runtime_error("clicking Approve failed: " + clicked.error().detail);
  }
  std::string answer;
  Await("swarmbot's answer to the vote", [&] {
    const auto shown = slack.Ephemerals(who);
    if (shown.size() <= known) {
      return false;
    }
    answer = shown.back().text;
    return true;
  });
  NarrateReply("only visible to them", answer);
  return answer;
}

std::string Scenario::CloseChange(const UserId& who, const ChannelId& where,
                                  const std::string& change) {
  auto& slack = stack_.slack();
  std::optional<emulator::MessageSnapshot> plan;
  Await("the Close button on the work plan of " + change, [&] {
    plan = LatestMessageWith(where, "Work plan · " + change + ":");
    return plan && Holds(plan->blocks_json, "change.close");
  });
  const std::size_t known = slack.Ephemerals(who).size();
  const auto user = slack.User(who);
  narrate_((user ? user->name : who.str()) + " clicks [Close change] on the work plan of " +
           change);
  if (auto clicked = slack.ClickButton(who, where, plan->ts, "change.close"); !clicked) {
    throw std::runtime_error("clicking Close change failed: " + clicked.error().detail);
  }
  std::string answer;
  Await("swarmbot's answer to the close", [&] {
    const auto shown = slack.Ephemerals(who);
    answer = shown.size() > known ? shown.back().text : "";
    return shown.size() > known;
  });
  NarrateReply("only visible to them", answer);
  return answer;
}

std::string Scenario::EmailCustomers(const UserId& who, const ChannelId& where,
                                     const std::string& incident) {
  const std::string preview = Type(who, where, "/notify", "customers " + incident);
  const auto shown = LatestEphemeralWith(who, "notify.send");
  if (!shown) {
    throw std::runtime_error("the e-mail preview has no Send button: " + preview);
  }
  narrate_("  they press [Send]");
  if (auto clicked = stack_.slack().ClickEphemeralButton(who, shown->ts, "notify.send"); !clicked) {
    throw std::runtime_error("clicking Send failed: " + clicked.error().detail);
  }
  std::string started;
  Await("the e-mail sending", [&] {
    const auto sending = LatestEphemeralWith(who, "Sending BC-");
    started = sending ? sending->text : "";
    return sending.has_value();
  });
  NarrateReply("only visible to them", started);
  return preview;
}

std::optional<emulator::MessageSnapshot> Scenario::LatestMessageWith(
    const ChannelId& channel, const std::string& part) const {
  const auto snapshot = stack_.slack().Channel(channel);
  if (!snapshot) {
    return std::nullopt;
  }
  for (auto it = snapshot->messages.rbegin(); it != snapshot->messages.rend(); ++it) {
    if (Holds(it->text, part) || Holds(it->blocks_json, part)) {
      return *it;
    }
  }
  return std::nullopt;
}

std::optional<emulator::EphemeralSnapshot> Scenario::LatestEphemeralWith(
    const UserId& user, const std::string& part) const {
  const auto shown = stack_.slack().Ephemerals(user);
  for (auto it = shown.rbegin(); it != shown.rend(); ++it) {
    if (!it->deleted && (Holds(it->text, part) || Holds(it->blocks_json, part))) {
      return *it;
    }
  }
  return std::nullopt;
}

}  // namespace swarmbot::demo
