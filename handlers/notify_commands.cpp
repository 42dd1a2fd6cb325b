#include "handlers/notify_commands.hpp"

#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include "common/mail_address.hpp"
#include "handlers/command_text.hpp"
#include "handlers/help_text.hpp"
#include "handlers/mrkdwn.hpp"
#include "handlers/reply.hpp"
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
  if (preview->skipped > 0) {
    notes.push_back(Count(preview->skipped, "contact address isn't", "contact addresses aren't") +
                    " usable and will be left out.");
  }
  if (preview->unsubscribed > 0) {
    notes.push_back(Count(preview->unsubscribed, "customer", "customers") +
                    " unsubscribed and will be left out.");
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
         action_id == kNotifyPreviewActionId;
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
  const auto broadcast = store::ParseBroadcastNumber(payload.StringOr(base + ".value"));
  if (!broadcast || user.empty()) {
    spdlog::warn("event=notify.click.malformed user={}", user.str());
    Answer(payload, "That button is out of date; nothing was sent.", false);
    return;
  }
  const std::string number = store::BroadcastNumberText(*broadcast);
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
  if (!started->started) {
    const std::string state = b.state == store::BroadcastState::kCancelled ? "was cancelled"
                              : b.state == store::BroadcastState::kDone    ? "was sent already"
                                                                           : "is sending already";
    Answer(payload, number + " " + state + "; nothing more was sent.", false);
    return;
  }
  Answer(payload,
         "Sending " + number + " to " + Count(started->recipients, "customer", "customers") +
             "; progress shows in " + ChannelMention(b.report_channel) + ".",
         true);
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

BlockMessage BroadcastProgress(const lifecycle::BroadcastStatus& status) {
  const store::DeliveryCounts& c = status.counts;
  const std::string number = store::BroadcastNumberText(status.broadcast.number);
  const std::string inc = store::IncidentNumberText(status.broadcast.incident);
  const bool done = status.broadcast.state == store::BroadcastState::kDone;
  const int failed = c.refused + c.uncertain;
  const std::string tally = std::to_string(c.sent) + " sent · " + std::to_string(failed) +
                            " failed · " + std::to_string(c.pending) + " remaining";
  BlockMessage message(number + " e-mail to the customers of " + inc + ": " + tally);
  message.Section((done ? ":white_check_mark: *" : ":envelope: *") + number +
                  "* e-mail to the customers of *" + inc + "*" +
                  (done ? " is done" : " is being sent") + "\n" + tally + " of " +
                  std::to_string(c.Total()));
  if (done) {
    std::string final_line = "Sent to " + std::to_string(c.sent) + " of " +
                             Count(c.Total(), "customer", "customers") + ".";
    if (!status.refused.empty()) {
      final_line += " Not delivered:";
      for (const store::Delivery& d : status.refused) {
        final_line += "\n• " + EscapeMrkdwn(MaskAddress(d.email)) + " — " +
                      (d.state == store::DeliveryState::kUncertain
                           ? std::string("interrupted while sending, not sent again")
                           : EscapeMrkdwn(Truncate(d.reply, 120)));
      }
      if (failed > static_cast<int>(status.refused.size())) {
        final_line +=
            "\n• and " + std::to_string(failed - static_cast<int>(status.refused.size())) + " more";
      }
    }
    message.Section(final_line);
  }
  message.Context({"Started by " + UserMention(status.broadcast.requested_by) +
                   ". One e-mail per contact address of the incident's linked cases."});
  return message;
}

}  // namespace swarmbot::handlers
