#include "handlers/notify_commands.hpp"

#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include "common/mail_address.hpp"
#include "handlers/command_text.hpp"
#include "handlers/help_text.hpp"
#include "handlers/mrkdwn.hpp"
#include "handlers/reply.hpp"
#include "lifecycle/incident_states.hpp"
#include "store/broadcast_repository.hpp"
#include "store/records.hpp"

namespace swarmbot::handlers {
namespace {

namespace json = boost::json;

constexpr std::string_view kWhat = "/notify customers";
constexpr std::size_t kBodyShown = 1500;

json::object Button(std::string_view text, std::string_view action, std::string_view value,
                    std::string_view style) {
  json::object button{{"type", "button"},
                      {"text", {{"type", "plain_text"}, {"text", text}, {"emoji", true}}},
                      {"action_id", action},
                      {"value", value}};
  if (!style.empty()) {
    button["style"] = style;
  }
  return button;
}

std::string Count(int n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

std::string QuoteLines(std::string_view text) {
  std::string out = ">";
  for (char c : text) {
    out += c;
    if (c == '\n') {
      out += '>';
    }
  }
  return out;
}

}  // namespace

std::string NotifyCommands::Handle(const SlashCommand& command) {
  const auto words = Tokenize(command.text);
  const std::string sub = words.empty() ? "help" : Lowercase(words.front());
  if (sub == "help") {
    return EphemeralText(HelpText("/notify"));
  }
  if (sub == "stop") {
    const auto number = words.size() == 2 ? store::ParseBroadcastNumber(words[1]) : std::nullopt;
    if (!number) {
      return RefusalReply("/notify stop",
                          MakeError(Errc::kInvalidInput, "bad stop arguments",
                                    "Say which broadcast to stop, e.g. `/notify stop BC-3` "
                                    "(its number is on the progress message)."));
    }
    return EphemeralText(StopBroadcast(*number, command.user));
  }
  if (sub != "customers") {
    return UnknownSubcommand("/notify", words.front(), command.user);
  }
  std::vector<std::string> rest;
  auto incident = detail::IncidentAndWords(services_, command, "/notify customers INC-3", rest);
  if (!incident) {
    return RefusalReply(kWhat, incident.error());
  }
  if (!rest.empty()) {
    return RefusalReply(kWhat, MakeError(Errc::kInvalidInput, "extra words",
                                         "`/notify customers` takes only the incident; the "
                                         "e-mail's text comes from the config."));
  }
  auto preview = Preview(*incident, command.user, command.channel);
  if (!preview) {
    return RefusalReply(kWhat, preview.error());
  }
  (*preview)["response_type"] = "ephemeral";
  return json::serialize(*preview);
}

namespace {

// "1 contact address can't be e-mailed and will be left out: j***@example.de
// (Jörg Kühn, CASE-57: not sent: …)": named, so someone can reach them otherwise.
std::string UnusableNote(const std::vector<lifecycle::UnusableContact>& unusable) {
  constexpr std::size_t kShown = 5;
  constexpr std::size_t kCasesShown = 3;
  std::string note =
      Count(static_cast<int>(unusable.size()), "contact address can't", "contact addresses can't") +
      " be e-mailed and will be left out:";
  for (std::size_t i = 0; i < unusable.size() && i < kShown; ++i) {
    const lifecycle::UnusableContact& u = unusable[i];
    std::string who = EscapeMrkdwn(MaskAddress(u.email)) + " (";
    if (!u.name.empty() && u.name != u.email) {
      who += EscapeMrkdwn(Truncate(u.name, 60)) + ", ";
    }
    for (std::size_t c = 0; c < u.cases.size() && c < kCasesShown; ++c) {
      who += (c == 0 ? "" : ", ") + store::CaseNumberText(u.cases[c]);
    }
    who += u.cases.size() > kCasesShown ? ", …)" : ")";
    note += (i == 0 ? " " : "; ") + who + " — " + EscapeMrkdwn(u.reason);
  }
  if (unusable.size() > kShown) {
    note += "; and " + std::to_string(unusable.size() - kShown) + " more";
  }
  return note + ".";
}

}  // namespace

Result<json::object> NotifyCommands::Preview(std::int64_t incident, const UserId& user,
                                             const ChannelId& channel) {
  if (auto allowed =
          detail::MayChangeIncident(services_, incident, user, "e-mail the incident's customers");
      !allowed) {
    return allowed.error();
  }
  auto preview = services_.broadcasts.Prepare(incident, user, channel);
  if (!preview) {
    return preview.error();
  }
  const std::string inc = store::IncidentNumberText(incident);
  const std::string number = store::BroadcastNumberText(preview->broadcast);
  std::string samples;
  for (const std::string& address : preview->samples) {
    samples += (samples.empty() ? "" : ", ") + EscapeMrkdwn(MaskAddress(address));
  }
  if (preview->recipients > static_cast<int>(preview->samples.size())) {
    samples += ", …";
  }
  BlockMessage message("Preview of the e-mail to the customers of " + inc);
  message.Header("E-mail to the customers of " + inc);
  message.Section("*To:* " + Count(preview->recipients, "customer", "customers") +
                  " (one per contact address of the linked cases): " + samples);
  message.Section("*Subject:* " + EscapeMrkdwn(preview->subject));
  message.Section(QuoteLines(EscapeMrkdwn(Truncate(preview->body, kBodyShown))));
  std::vector<std::string> notes;
  if (!preview->unusable.empty()) {
    notes.push_back(UnusableNote(preview->unusable));
  }
  if (preview->unsubscribed > 0) {
    notes.push_back(Count(preview->unsubscribed, "customer", "customers") +
                    " unsubscribed and will be left out.");
  }
  // The template usually says "fixed"; the sender decides, but knowingly.
  if (auto found = services_.incidents.FindIncident(incident);
      found && found->state != store::IncidentState::kResolved &&
      found->state != store::IncidentState::kClosed) {
    notes.push_back(":warning: " + inc + " isn't resolved yet (" +
                    lifecycle::StateLabel(found->state) +
                    "); make sure the e-mail says what is true now.");
  }
  if (preview->previous) {
    notes.push_back(":warning: " + store::BroadcastNumberText(preview->previous->number) +
                    " already e-mailed these customers; Send mails them again.");
  }
  notes.push_back("Nothing is sent until you press Send (" + number + ").");
  message.Context(notes);
  json::object reply = message.ToObject();
  reply["blocks"].as_array().push_back(
      json::object{{"type", "actions"},
                   {"block_id", "notify_actions"},
                   {"elements", json::array{Button("Send", kNotifySendActionId, number, "primary"),
                                            Button("Cancel", kNotifyCancelActionId, number, "")}}});
  spdlog::info("event=broadcast.previewed broadcast={} incident={} recipients={} user={}", number,
               inc, preview->recipients, user.str());
  return reply;
}

bool IsNotifyAction(std::string_view action_id) {
  return action_id == kNotifySendActionId || action_id == kNotifyCancelActionId ||
         action_id == kNotifyPreviewActionId || action_id == kNotifyStopActionId;
}

std::string NotifyCommands::StopBroadcast(std::int64_t broadcast, const UserId& user) {
  auto status = services_.broadcasts.StatusOf(broadcast);
  if (!status) {
    return RefusalText(status.error());
  }
  if (user != status->broadcast.requested_by) {
    if (auto allowed =
            detail::MayChangeIncident(services_, status->broadcast.incident, user,
                                      "stop e-mail to the incident's customers", "whoever sent it");
        !allowed) {
      spdlog::info("event=notify.stop.refused broadcast={} user={}",
                   store::BroadcastNumberText(broadcast), user.str());
      return RefusalText(allowed.error()) + " The e-mail goes on.";
    }
  }
  auto stopped = services_.broadcasts.Stop(broadcast, user);
  if (!stopped) {
    return RefusalText(stopped.error());
  }
  const auto after = services_.broadcasts.StatusOf(broadcast);
  const int withheld = after ? after->counts.withheld : 0;
  return "Stopped " + store::BroadcastNumberText(broadcast) + ": " +
         Count(withheld, "customer", "customers") + " not yet e-mailed won't be" +
         (after ? " (" + std::to_string(after->counts.sent) + " had been sent)." : ".");
}

namespace {

// Someone sent another preview of the same incident first, and its start
// cancelled this one: the customers hear from that one, so say which, whose,
// and how far it got.
std::string SupersededAnswer(const std::string& number, const store::Broadcast& other) {
  const std::string what = other.state == store::BroadcastState::kSending
                               ? "is already e-mailing these customers"
                           : other.state == store::BroadcastState::kDone
                               ? "has e-mailed these customers"
                               : "was e-mailing these customers until it was stopped";
  return store::BroadcastNumberText(other.number) + ", started by " +
         UserMention(other.requested_by) + ", " + what + "; " + number + " sent nothing.";
}

}  // namespace

std::string NotifyCommands::SendAnswer(const lifecycle::BroadcastService::Started& started) {
  std::vector<std::string> changes;
  if (started.left_out_unlinked > 0) {
    changes.push_back(std::to_string(started.left_out_unlinked) + " left out: " +
                      (started.left_out_unlinked == 1 ? "its case is" : "their cases are") +
                      " no longer linked");
  }
  if (started.left_out_unsubscribed > 0) {
    changes.push_back(std::to_string(started.left_out_unsubscribed) +
                      " left out: unsubscribed since");
  }
  if (started.added > 0) {
    changes.push_back(std::to_string(started.added) + " added: " +
                      (started.added == 1 ? "its case was" : "their cases were") + " linked since");
  }
  std::string answer = "Sending " + store::BroadcastNumberText(started.broadcast.number) + " to " +
                       Count(started.recipients, "customer", "customers");
  if (!changes.empty()) {
    answer += " (changed since the preview: ";
    for (std::size_t i = 0; i < changes.size(); ++i) {
      answer += (i == 0 ? "" : "; ") + changes[i];
    }
    answer += ")";
  }
  if (started.unusable > 0) {
    answer += " (" + Count(started.unusable, "contact address can't", "contact addresses can't") +
              " be e-mailed: the result names " + (started.unusable == 1 ? "it" : "them") + ")";
  }
  return answer + "; progress shows in " + ChannelMention(started.broadcast.report_channel) + ".";
}

void NotifyCommands::HandlePreviewClick(const detail::FlatJson& payload, std::string_view value) {
  const UserId user(payload.StringOr("user.id"));
  const ChannelId channel(payload.StringOr("channel.id"));
  const auto incident = store::ParseIncidentNumber(value);
  if (!incident || user.empty() || channel.empty()) {
    spdlog::warn("event=notify.preview_click.malformed user={}", user.str());
    Answer(payload, "That button is out of date; nothing was prepared.", false);
    return;
  }
  auto preview = Preview(*incident, user, channel);
  if (!preview) {
    Answer(payload, RefusalText(preview.error()), false);
    return;
  }
  detail::AnswerClick(services_, payload, std::move(*preview), "notify");
}

void NotifyCommands::HandleClick(const detail::FlatJson& payload, std::size_t index) {
  const UserId user(payload.StringOr("user.id"));
  const std::string base = "actions." + std::to_string(index);
  const std::string action = payload.StringOr(base + ".action_id");
  if (action == kNotifyPreviewActionId) {
    HandlePreviewClick(payload, payload.StringOr(base + ".value"));
    return;
  }
  const bool send = action == kNotifySendActionId;
  const bool stop = action == kNotifyStopActionId;
  const auto broadcast = store::ParseBroadcastNumber(payload.StringOr(base + ".value"));
  if (!broadcast || user.empty()) {
    spdlog::warn("event=notify.click.malformed user={}", user.str());
    Answer(payload, "That button is out of date; nothing was sent.", false);
    return;
  }
  const std::string number = store::BroadcastNumberText(*broadcast);
  if (stop) {
    Answer(payload, StopBroadcast(*broadcast, user), false);
    return;
  }
  auto status = services_.broadcasts.StatusOf(*broadcast);
  if (!status) {
    Answer(payload, RefusalText(status.error()), false);
    return;
  }
  const std::int64_t incident = status->broadcast.incident;
  if (auto allowed =
          detail::MayChangeIncident(services_, incident, user, "e-mail the incident's customers");
      !allowed) {
    spdlog::info("event=notify.click.refused broadcast={} user={}", number, user.str());
    Answer(payload, RefusalText(allowed.error()) + " Nothing was sent.", false);
    return;
  }
  if (!send) {
    auto cancelled = services_.broadcasts.Cancel(*broadcast, user);
    Answer(payload,
           cancelled ? "Cancelled " + number + "; no e-mail was sent."
                     : RefusalText(cancelled.error()),
           cancelled.has_value());
    return;
  }
  auto started = services_.broadcasts.Start(*broadcast, user);
  if (!started) {
    Answer(payload, RefusalText(started.error()), false);
    return;
  }
  const store::Broadcast& b = started->broadcast;
  if (!started->started && started->superseded_by) {
    Answer(payload, SupersededAnswer(number, *started->superseded_by), false);
    return;
  }
  if (!started->started) {
    const std::string state = b.state == store::BroadcastState::kCancelled ? "was cancelled"
                              : b.state == store::BroadcastState::kDone    ? "was sent already"
                              : b.state == store::BroadcastState::kStopped ? "was stopped"
                                                                           : "is sending already";
    Answer(payload, number + " " + state + "; nothing more was sent.", false);
    return;
  }
  Answer(payload, SendAnswer(*started), true);
}

void NotifyCommands::Answer(const detail::FlatJson& payload, const std::string& mrkdwn,
                            bool replace) {
  const std::string response_url = payload.StringOr("response_url");
  if (response_url.empty()) {
    spdlog::warn("event=notify.answer.no_response_url user={}", payload.StringOr("user.id"));
    return;
  }
  const json::object body{{"response_type", "ephemeral"},
                          {"replace_original", replace},
                          {"text", Truncate(mrkdwn, kMaxFallbackText, true)}};
  if (auto queued = services_.knowledge.QueueResponse(response_url, json::serialize(body));
      !queued) {
    spdlog::error("event=notify.answer.failed detail=\"{}\"", queued.error().detail);
  }
}

namespace {

// Who or what stopped a broadcast, for people.
std::string StoppedBy(const store::Broadcast& b) {
  if (!b.stopped_by.empty()) {
    return "stopped by " + UserMention(b.stopped_by);
  }
  std::string since;
  if (b.unreachable_since) {
    since = " (trying since " + FormatTime(*b.unreachable_since) + ")";
  }
  return "stopped by swarmbot: " + EscapeMrkdwn(Truncate(b.stop_reason, 300)) + since;
}

// "l***@example.com (Lee Park, CASE-12)": the address stays masked, so the
// name and the cases are what tell an agent whom to follow up with.
std::string WhoWasNotReached(const lifecycle::BroadcastStatus& status, const store::Delivery& d) {
  constexpr std::size_t kCasesShown = 3;
  std::vector<std::string> labels;
  if (!d.contact_name.empty() && d.contact_name != d.email) {
    labels.push_back(EscapeMrkdwn(Truncate(d.contact_name, 60)));
  }
  if (auto it = status.cases_by_address.find(FoldAddress(d.email));
      it != status.cases_by_address.end()) {
    for (std::size_t i = 0; i < it->second.size() && i < kCasesShown; ++i) {
      labels.push_back(store::CaseNumberText(it->second[i]));
    }
    if (it->second.size() > kCasesShown) {
      labels.push_back("…");
    }
  }
  std::string who = EscapeMrkdwn(MaskAddress(d.email));
  for (std::size_t i = 0; i < labels.size(); ++i) {
    who += (i == 0 ? " (" : ", ") + labels[i];
  }
  return labels.empty() ? who : who + ")";
}

// The bullet list of the shown deliveries in `state`, each with what was
// said of it (the server's reply, or why swarmbot can't tell), with "and n
// more" when `total` is larger.
std::string NotReachedList(const lifecycle::BroadcastStatus& status, store::DeliveryState state,
                           int total) {
  std::string list;
  int shown = 0;
  for (const store::Delivery& d : status.refused) {
    if (d.state != state) {
      continue;
    }
    ++shown;
    list += "\n• " + WhoWasNotReached(status, d);
    if (!d.reply.empty()) {
      list += " — " + EscapeMrkdwn(Truncate(d.reply, 120));
    }
  }
  if (total > shown) {
    list += "\n• and " + std::to_string(total - shown) + " more";
  }
  return list;
}

std::string FinalLine(const lifecycle::BroadcastStatus& status) {
  const store::DeliveryCounts& c = status.counts;
  std::string line = "Sent to " + std::to_string(c.sent) + " of " +
                     Count(c.Total(), "customer", "customers") + ".";
  if (c.withheld > 0) {
    // Withheld without a stop: they unsubscribed while it was going out.
    const bool stopped = status.broadcast.state == store::BroadcastState::kStopped;
    line += " " + Count(c.withheld, "customer was", "customers were") +
            " not e-mailed: " + (stopped ? StoppedBy(status.broadcast) : "unsubscribed meanwhile") +
            ".";
  }
  if (c.refused > 0) {
    line += " Not delivered (" + std::to_string(c.refused) +
            "):" + NotReachedList(status, store::DeliveryState::kRefused, c.refused);
  }
  if (c.uncertain > 0) {
    // The server may have taken the mail, but never confirmed it: swarmbot
    // was interrupted, or the server hung up, before its answer. Each line
    // says which.
    line += "\n" + std::to_string(c.uncertain) +
            " uncertain: may have arrived, but the mail server never confirmed it:" +
            NotReachedList(status, store::DeliveryState::kUncertain, c.uncertain);
  }
  return line;
}

}  // namespace

BlockMessage BroadcastProgress(const lifecycle::BroadcastStatus& status) {
  const store::DeliveryCounts& c = status.counts;
  const store::Broadcast& b = status.broadcast;
  const std::string number = store::BroadcastNumberText(b.number);
  const std::string inc = store::IncidentNumberText(b.incident);
  const bool done = b.state == store::BroadcastState::kDone;
  const bool stopped = b.state == store::BroadcastState::kStopped;
  std::string tally = std::to_string(c.sent) + " sent · " + std::to_string(c.refused) + " failed";
  if (c.uncertain > 0) {
    tally += " · " + std::to_string(c.uncertain) + " uncertain";
  }
  tally += " · " + std::to_string(c.pending) + " remaining";
  if (c.withheld > 0) {
    tally += " · " + std::to_string(c.withheld) + " not sent";
  }
  BlockMessage message(number + " e-mail to the customers of " + inc + ": " + tally);
  // A broadcast that reached nobody is no success, and one that missed some
  // isn't a clean one either.
  const bool reached_nobody = c.sent == 0 && c.uncertain == 0;
  const bool missed_some = c.refused > 0 || c.uncertain > 0;
  std::string icon = ":envelope: *";
  std::string how = " is being sent";
  if (done) {
    icon = reached_nobody ? ":x: *" : missed_some ? ":warning: *" : ":white_check_mark: *";
    how = reached_nobody ? " is done and reached nobody" : " is done";
  } else if (stopped) {
    icon = ":octagonal_sign: *";
    how = " was stopped";
  }
  message.Section(icon + number + "* e-mail to the customers of *" + inc + "*" + how + "\n" +
                  tally + " of " + std::to_string(c.Total()));
  if (b.state == store::BroadcastState::kSending && b.unreachable_since) {
    const std::string since = " (since " + FormatTime(*b.unreachable_since) + ": " +
                              EscapeMrkdwn(Truncate(b.unreachable_reason, 200)) + ")";
    std::string warning =
        b.login_refused
            ? ":warning: The mail server refused swarmbot's login" + since +
                  ". Check `[smtp] username` and `SWARMBOT_SMTP_PASSWORD`, then restart "
                  "swarmbot: the customers not yet e-mailed stay queued. Retrying"
        : lifecycle::ServerClosing(b.unreachable_reason)
            ? ":warning: The mail server is turning swarmbot away for now" + since +
                  "; no customer is counted as failed for it. Retrying"
            : ":warning: The mail server can't be reached" + since + ". Retrying";
    if (status.give_up_at) {
      warning += " until " + FormatTime(*status.give_up_at) +
                 "; after that the customers not yet e-mailed are recorded as not sent";
    }
    message.Section(warning + ".");
  }
  if (b.state == store::BroadcastState::kSending) {
    message.SectionWithButton(
        "Customers not yet e-mailed can still be spared: *Stop* (or "
        "`/notify stop " +
            number + "`) sends nothing more.",
        "Stop", kNotifyStopActionId, number);
  }
  if (done || stopped) {
    message.Section(FinalLine(status));
  }
  message.Context({"Started by " + UserMention(b.requested_by) +
                   ". One e-mail per contact address of the incident's linked cases."});
  return message;
}

std::string BroadcastStoppedNotice(const lifecycle::BroadcastStatus& status) {
  const store::Broadcast& b = status.broadcast;
  return ":octagonal_sign: " + store::BroadcastNumberText(b.number) +
         " (e-mail to the customers of " + store::IncidentNumberText(b.incident) + ") was " +
         StoppedBy(b) + ". " + std::to_string(status.counts.sent) + " sent, " +
         Count(status.counts.withheld, "customer", "customers") +
         " not e-mailed; `/notify customers " + store::IncidentNumberText(b.incident) +
         "` prepares a new one.";
}

}  // namespace swarmbot::handlers
