#include "lifecycle/broadcast_service.hpp"

#include <algorithm>
#include <iterator>
#include <set>

#include <spdlog/spdlog.h>

#include "common/mail_address.hpp"
#include "common/text_template.hpp"
#include "lifecycle/banner_service.hpp"
#include "lifecycle/effects.hpp"
#include "lifecycle/smtp_address.hpp"
#include "lifecycle/transaction.hpp"
#include "store/banner_repository.hpp"
#include "store/case_link_repository.hpp"
#include "store/case_repository.hpp"
#include "store/incident_repository.hpp"
#include "store/outbox.hpp"
#include "store/records.hpp"
#include "store/swarm_repository.hpp"
#include "store/timeline_repository.hpp"
#include "store/unsubscribe_repository.hpp"

namespace swarmbot::lifecycle {
namespace {

constexpr std::size_t kSamples = 3;
constexpr std::size_t kRefusedShown = 5;
constexpr std::size_t kMaxReply = 300;
constexpr std::string_view kWithheldReply = "not sent: the broadcast was stopped first";
constexpr std::string_view kUnsubscribedReply = "not sent: the customer unsubscribed meanwhile";

struct Recipient {
  std::string email;  // as the case has it; mailed in its SmtpAddress form
  std::string name;
};

// Who an address reaches: its SMTP form with ASCII letters lowered, so that
// "kunde@BÜCHER.example" and "kunde@bücher.example" are one recipient (and
// one unsubscription); the address itself, folded, when it can't be mailed.
std::string RecipientKey(std::string_view email) {
  const auto smtp = SmtpAddress(email);
  return FoldAddress(smtp ? std::string_view(*smtp) : email);
}

// One recipient per address, ignoring ASCII case, in case order; unusable
// and unsubscribed addresses are counted (once each), not mailed, and the
// unusable ones named with their cases.
std::vector<Recipient> Recipients(store::Database& db, std::int64_t incident,
                                  BroadcastPreview& preview) {
  store::CaseRepository cases(db);
  store::UnsubscribeRepository unsubscribed(db);
  std::vector<Recipient> recipients;
  std::set<std::string> seen;
  for (const std::int64_t number : store::CaseLinkRepository(db).LinkedCases(incident)) {
    const auto found = cases.Find(number);
    if (!found || found->contact_email.empty()) {
      continue;
    }
    const std::string folded = RecipientKey(found->contact_email);
    if (const auto smtp = SmtpAddress(found->contact_email); !smtp) {
      auto same =
          std::find_if(preview.unusable.begin(), preview.unusable.end(),
                       [&](const UnusableContact& u) { return FoldAddress(u.email) == folded; });
      if (same == preview.unusable.end()) {
        preview.unusable.push_back(
            {found->contact_email, found->contact_name, {}, smtp.error().user_message});
        same = std::prev(preview.unusable.end());
      }
      same->cases.push_back(number);
      continue;
    }
    if (!seen.insert(folded).second) {
      continue;
    }
    if (unsubscribed.Contains(folded)) {
      ++preview.unsubscribed;
    } else {
      recipients.push_back({found->contact_email, found->contact_name});
    }
  }
  preview.skipped = static_cast<int>(preview.unusable.size());
  return recipients;
}

// RFC 3986 unreserved characters stay; everything else is %XX.
std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

std::string OneLine(std::string text) {
  std::replace_if(
      text.begin(), text.end(), [](char c) { return c == '\r' || c == '\n' || c == '\t'; }, ' ');
  return text;
}

Error NotConfigured() {
  return MakeError(Errc::kUnavailable, "broadcast e-mail not configured",
                   "Customer e-mail isn't set up here: swarmbot.toml needs [smtp] url and "
                   "[broadcast] from. Nothing was sent.");
}

Error UnknownBroadcast(std::int64_t broadcast) {
  return MakeError(Errc::kNotFound, "unknown broadcast",
                   store::BroadcastNumberText(broadcast) + " doesn't exist.");
}

Error AlreadySending(const store::Broadcast& running, const store::DeliveryCounts& counts) {
  return MakeError(Errc::kConflict, "broadcast already sending",
                   store::BroadcastNumberText(running.number) + " is already e-mailing the " +
                       "customers of " + store::IncidentNumberText(running.incident) + " (" +
                       std::to_string(counts.sent) + " of " + std::to_string(counts.Total()) +
                       " sent); nothing new was started.");
}

}  // namespace

bool ServerClosing(std::string_view reason) {
  return reason.starts_with("421");
}

BroadcastService::BroadcastService(store::Database& db, const Clock& clock,
                                   BroadcastSettings settings)
    : db_(db), clock_(clock), settings_(std::move(settings)) {}

std::string BroadcastService::UnsubscribeUrl(const std::string& email) const {
  if (settings_.unsubscribe_url.empty()) {
    return settings_.unsubscribe_mailto.empty() ? "" : "mailto:" + settings_.unsubscribe_mailto;
  }
  static constexpr std::string_view kUrlPlaceholders[] = {"email"};
  auto parsed = TextTemplate::Parse(settings_.unsubscribe_url, kUrlPlaceholders);
  if (!parsed) {
    return "";  // the config check refuses such a URL at start
  }
  return parsed->Render([&](std::string_view) { return PercentEncode(email); });
}

std::string BroadcastService::Render(const std::string& text, const store::Incident& incident,
                                     const std::string& email, const std::string& name) const {
  auto parsed = TextTemplate::Parse(text, kMailPlaceholders);
  if (!parsed) {
    return text;  // checked at start and when the draft was made
  }
  return parsed->Render([&](std::string_view placeholder) -> std::string {
    if (placeholder == "incident") {
      return store::IncidentNumberText(incident.number);
    }
    if (placeholder == "public_title") {
      return OneLine(PublicTitleOf(store::BannerRepository(db_).PublicTitle(incident.number),
                                   incident.territories));
    }
    if (placeholder == "contact_name") {
      return name.empty() ? "customer" : OneLine(name);
    }
    if (placeholder == "contact_email") {
      return email;
    }
    return UnsubscribeUrl(email);
  });
}

Result<BroadcastPreview> BroadcastService::Prepare(std::int64_t incident, const UserId& user,
                                                   const ChannelId& where) {
  if (!settings_.enabled) {
    return NotConfigured();
  }
  for (const std::string* text : {&settings_.subject_template, &settings_.body_template}) {
    if (auto parsed = TextTemplate::Parse(*text, kMailPlaceholders); !parsed) {
      return MakeError(Errc::kInternal, "bad broadcast template", parsed.error().user_message);
    }
  }
  return InTransaction(db_, "broadcast_prepare", [&]() -> Result<BroadcastPreview> {
    store::BroadcastRepository repo(db_);
    const auto found = store::IncidentRepository(db_).Find(incident);
    if (!found) {
      return MakeError(Errc::kNotFound, "unknown incident",
                       store::IncidentNumberText(incident) + " doesn't exist.");
    }
    if (auto running = repo.FindByIncident(incident, store::BroadcastState::kSending)) {
      return AlreadySending(*running, repo.Counts(running->number));
    }
    BroadcastPreview preview;
    preview.incident = incident;
    const auto recipients = Recipients(db_, incident, preview);
    if (recipients.empty()) {
      std::string why = preview.unsubscribed > 0
                            ? "'s customers have all unsubscribed"
                            : " has no linked case with a contact e-mail address";
      if (!preview.unusable.empty()) {
        why = " has no linked case with a contact address swarmbot can e-mail";
        for (std::size_t i = 0; i < preview.unusable.size(); ++i) {
          const UnusableContact& u = preview.unusable[i];
          why += (i == 0 ? " (" : ", ") + store::CaseNumberText(u.cases.front()) + ": " +
                 MaskAddress(u.email);
        }
        why += ")";
      }
      return MakeError(Errc::kInvalidInput, "no recipients",
                       store::IncidentNumberText(incident) + why + "; nothing to send.");
    }
    ChannelId report = where;
    if (auto swarm = store::SwarmRepository(db_).FindByIncident(incident);
        swarm && !swarm->channel_id.empty() && swarm->state == store::SwarmState::kActive) {
      report = swarm->channel_id;
    }
    store::Broadcast draft;
    draft.incident = incident;
    draft.requested_by = user;
    draft.report_channel = report;
    draft.subject_template = settings_.subject_template;
    draft.body_template = settings_.body_template;
    draft.created_at = clock_.Now();
    preview.previous = repo.FindByIncident(incident, store::BroadcastState::kDone);
    preview.broadcast = repo.Insert(draft);
    for (const Recipient& r : recipients) {
      repo.AddDelivery(preview.broadcast, r.email, r.name, draft.created_at);
    }
    preview.recipients = static_cast<int>(recipients.size());
    for (std::size_t i = 0; i < recipients.size() && i < kSamples; ++i) {
      preview.samples.push_back(recipients[i].email);
    }
    preview.subject =
        Render(draft.subject_template, *found, recipients.front().email, recipients.front().name);
    preview.body =
        Render(draft.body_template, *found, recipients.front().email, recipients.front().name);
    return preview;
  });
}

Result<bool> BroadcastService::HasRecipients(std::int64_t incident) {
  return InReadTransaction(db_, "broadcast_recipients", [&]() -> Result<bool> {
    BroadcastPreview counted;
    return !Recipients(db_, incident, counted).empty();
  });
}

void BroadcastService::QueueProgress(std::int64_t broadcast, std::string_view kind) {
  store::Outbox(db_).Enqueue(store::BroadcastNumberText(broadcast), kind,
                             {{std::string(effect::kArgBroadcast), std::to_string(broadcast)}},
                             clock_.Now());
  store::BroadcastRepository(db_).MarkReported(broadcast, clock_.Now());
}

Result<BroadcastService::Started> BroadcastService::Start(std::int64_t broadcast,
                                                          const UserId& user) {
  return InTransaction(db_, "broadcast_start", [&]() -> Result<Started> {
    store::BroadcastRepository repo(db_);
    auto found = repo.Find(broadcast);
    if (!found) {
      return UnknownBroadcast(broadcast);
    }
    Started out;
    out.recipients = repo.Counts(broadcast).Total();
    if (found->state != store::BroadcastState::kDraft) {
      if (found->state == store::BroadcastState::kCancelled && found->finished_at) {
        out.superseded_by = repo.StartedAt(found->incident, *found->finished_at, broadcast);
      }
      out.broadcast = *found;
      return out;
    }
    if (auto running = repo.FindByIncident(found->incident, store::BroadcastState::kSending)) {
      return AlreadySending(*running, repo.Counts(running->number));
    }
    if (auto refreshed = RefreshRecipients(*found, out); !refreshed) {
      return refreshed.error();
    }
    const auto now = clock_.Now();
    repo.Transition(broadcast, store::BroadcastState::kDraft, store::BroadcastState::kSending, now);
    // Older previews of the same incident would mail the same people again.
    while (auto stale = repo.FindByIncident(found->incident, store::BroadcastState::kDraft)) {
      repo.Transition(stale->number, store::BroadcastState::kDraft,
                      store::BroadcastState::kCancelled, now);
    }
    store::TimelineRepository(db_).Append(found->incident, now, user.str(), "broadcast_started",
                                          "E-mail " + store::BroadcastNumberText(broadcast) +
                                              " to " + std::to_string(out.recipients) +
                                              (out.recipients == 1 ? " customer" : " customers") +
                                              " started");
    QueueProgress(broadcast, effect::kPostBroadcastProgress);
    out.broadcast = *repo.Find(broadcast);
    out.started = true;
    spdlog::info("event=broadcast.started broadcast={} incident={} recipients={} user={}",
                 store::BroadcastNumberText(broadcast), store::IncidentNumberText(found->incident),
                 out.recipients, user.str());
    return out;
  });
}

Status BroadcastService::RefreshRecipients(const store::Broadcast& draft, Started& out) {
  store::BroadcastRepository repo(db_);
  store::UnsubscribeRepository unsubscribed(db_);
  BroadcastPreview counted;
  const std::vector<Recipient> recipients = Recipients(db_, draft.incident, counted);
  std::set<std::string> current;
  for (const Recipient& r : recipients) {
    current.insert(RecipientKey(r.email));
  }
  std::set<std::string> previewed;
  for (const store::Delivery& d : repo.Deliveries(draft.number)) {
    const std::string folded = RecipientKey(d.email);
    previewed.insert(folded);
    if (!current.contains(folded)) {
      repo.RemoveDelivery(d.id);
      ++(unsubscribed.Contains(folded) ? out.left_out_unsubscribed : out.left_out_unlinked);
    }
  }
  for (const Recipient& r : recipients) {
    if (!previewed.contains(RecipientKey(r.email)) &&
        repo.AddDelivery(draft.number, r.email, r.name, clock_.Now())) {
      ++out.added;
    }
  }
  out.recipients = repo.Counts(draft.number).Total();
  if (out.recipients == 0) {
    return MakeError(Errc::kInvalidInput, "no recipients left",
                     "Nothing was sent: since the preview of " +
                         store::BroadcastNumberText(draft.number) + ", no linked case of " +
                         store::IncidentNumberText(draft.incident) +
                         " has a contact who can be e-mailed.");
  }
  // Never handed to the server: recorded as not delivered, with why, so the
  // final message names them among those to follow up with.
  const auto now = clock_.Now();
  for (const UnusableContact& u : counted.unusable) {
    if (!repo.AddDelivery(draft.number, u.email, u.name, now)) {
      continue;
    }
    for (const store::Delivery& d : repo.Deliveries(draft.number)) {
      if (d.state == store::DeliveryState::kPending &&
          FoldAddress(d.email) == FoldAddress(u.email)) {
        repo.SetDelivery(d.id, store::DeliveryState::kRefused, 0, now, u.reason, now);
        ++out.unusable;
      }
    }
  }
  return {};
}

Result<store::Broadcast> BroadcastService::Stop(std::int64_t broadcast, const UserId& user) {
  return InTransaction(db_, "broadcast_stop", [&]() -> Result<store::Broadcast> {
    store::BroadcastRepository repo(db_);
    auto found = repo.Find(broadcast);
    if (!found) {
      return UnknownBroadcast(broadcast);
    }
    if (found->state != store::BroadcastState::kSending) {
      return MakeError(Errc::kConflict, "broadcast not sending",
                       store::BroadcastNumberText(broadcast) + " is " +
                           std::string(store::Name(found->state)) + "; there is nothing to stop.");
    }
    StopSending(*found, user, "");
    return *repo.Find(broadcast);
  });
}

void BroadcastService::StopSending(const store::Broadcast& broadcast, const UserId& by,
                                   const std::string& reason) {
  store::BroadcastRepository repo(db_);
  const auto now = clock_.Now();
  if (!repo.Transition(broadcast.number, store::BroadcastState::kSending,
                       store::BroadcastState::kStopped, now)) {
    return;
  }
  const int withheld = repo.WithholdPending(broadcast.number, kWithheldReply, now);
  repo.SetStopped(broadcast.number, by, reason);
  const auto counts = repo.Counts(broadcast.number);
  store::TimelineRepository(db_).Append(
      broadcast.incident, now, by.empty() ? "swarmbot" : by.str(), "broadcast_stopped",
      "E-mail " + store::BroadcastNumberText(broadcast.number) +
          " stopped: " + std::to_string(counts.sent) + " sent, " + std::to_string(withheld) +
          " not sent" + (reason.empty() ? "" : " (" + reason + ")"));
  spdlog::info("event=broadcast.stopped broadcast={} by={} sent={} withheld={}",
               store::BroadcastNumberText(broadcast.number), by.empty() ? "swarmbot" : by.str(),
               counts.sent, withheld);
  QueueProgress(broadcast.number, effect::kUpdateBroadcastProgress);
  store::Outbox(db_).Enqueue(
      store::BroadcastNumberText(broadcast.number), effect::kPostBroadcastStopped,
      {{std::string(effect::kArgBroadcast), std::to_string(broadcast.number)}}, now);
}

void BroadcastService::NoteServer(SendVerdict verdict, const std::string& reply) {
  store::BroadcastRepository repo(db_);
  const bool login_refused = verdict == SendVerdict::kLoginRefused;
  if (verdict != SendVerdict::kNotSent && !login_refused) {
    for (const std::int64_t number : repo.ClearUnreachable()) {
      QueueProgress(number, effect::kUpdateBroadcastProgress);
    }
    return;
  }
  const auto now = clock_.Now();
  const auto marks = repo.MarkUnreachable(now, reply, login_refused);
  for (const std::int64_t number : marks.marked) {
    if (login_refused) {
      // The operator's cue: the credentials, not the network. The reply is
      // the server's, which never holds the password.
      spdlog::warn(
          "event=broadcast.smtp_login_refused broadcast={} detail=\"check [smtp] username and "
          "SWARMBOT_SMTP_PASSWORD, then restart; the queue is kept\"",
          store::BroadcastNumberText(number));
    } else {
      spdlog::warn("event=broadcast.server_unreachable broadcast={}",
                   store::BroadcastNumberText(number));
    }
    QueueProgress(number, effect::kUpdateBroadcastProgress);
    // The worker may try no send near the limit (it waits between tries), so
    // a timer of its own gives up on time. Its own stream: it holds back the
    // progress updates of "BC-n" otherwise.
    store::Outbox(db_).EnqueueAt(
        store::BroadcastNumberText(number) + std::string(effect::kBroadcastGiveUpStreamSuffix),
        effect::kCheckBroadcastGiveUp,
        {{std::string(effect::kArgBroadcast), std::to_string(number)}}, now,
        now + settings_.give_up_after);
  }
  for (const std::int64_t number : marks.changed) {
    QueueProgress(number, effect::kUpdateBroadcastProgress);
  }
  for (const std::int64_t number : repo.InState(store::BroadcastState::kSending)) {
    GiveUpIfDue(*repo.Find(number), now);
  }
}

void BroadcastService::GiveUpIfDue(const store::Broadcast& broadcast, Clock::TimePoint now) {
  if (broadcast.state == store::BroadcastState::kSending && broadcast.unreachable_since &&
      now - *broadcast.unreachable_since >= settings_.give_up_after) {
    StopSending(broadcast, UserId(),
                (broadcast.login_refused
                     ? "the mail server refused swarmbot's login (check [smtp] username and "
                       "SWARMBOT_SMTP_PASSWORD): "
                 : ServerClosing(broadcast.unreachable_reason)
                     ? "the mail server kept turning swarmbot away: "
                     : "the mail server couldn't be reached: ") +
                    broadcast.unreachable_reason);
  }
}

Status BroadcastService::GiveUpIfStillUnreachable(std::int64_t broadcast) {
  return InTransaction(db_, "broadcast_give_up_check", [&]() -> Status {
    const auto found = store::BroadcastRepository(db_).Find(broadcast);
    if (!found) {
      return UnknownBroadcast(broadcast);
    }
    GiveUpIfDue(*found, clock_.Now());
    return {};
  });
}

Result<store::Broadcast> BroadcastService::Cancel(std::int64_t broadcast, const UserId& user) {
  return InTransaction(db_, "broadcast_cancel", [&]() -> Result<store::Broadcast> {
    store::BroadcastRepository repo(db_);
    auto found = repo.Find(broadcast);
    if (!found) {
      return UnknownBroadcast(broadcast);
    }
    if (!repo.Transition(broadcast, store::BroadcastState::kDraft,
                         store::BroadcastState::kCancelled, clock_.Now())) {
      return MakeError(Errc::kConflict, "broadcast not a draft",
                       store::BroadcastNumberText(broadcast) + " is " +
                           std::string(store::Name(found->state)) + "; it can't be cancelled now.");
    }
    spdlog::info("event=broadcast.cancelled broadcast={} user={}",
                 store::BroadcastNumberText(broadcast), user.str());
    return *repo.Find(broadcast);
  });
}

Result<BroadcastStatus> BroadcastService::StatusOf(std::int64_t broadcast) {
  return InReadTransaction(db_, "broadcast_status", [&]() -> Result<BroadcastStatus> {
    store::BroadcastRepository repo(db_);
    auto found = repo.Find(broadcast);
    if (!found) {
      return UnknownBroadcast(broadcast);
    }
    BroadcastStatus status{*found, repo.Counts(broadcast), {}, {}, {}};
    if (found->state == store::BroadcastState::kSending && found->unreachable_since) {
      status.give_up_at = *found->unreachable_since + settings_.give_up_after;
    }
    status.refused = repo.DeliveriesIn(broadcast, store::DeliveryState::kRefused,
                                       static_cast<int>(kRefusedShown));
    const auto uncertain = repo.DeliveriesIn(broadcast, store::DeliveryState::kUncertain,
                                             static_cast<int>(kRefusedShown));
    status.refused.insert(status.refused.end(), uncertain.begin(), uncertain.end());
    // Only the final message names them; progress while sending needn't look them up.
    if (found->state == store::BroadcastState::kDone ||
        found->state == store::BroadcastState::kStopped) {
      store::CaseLinkRepository links(db_);
      for (const store::Delivery& d : status.refused) {
        status.cases_by_address[FoldAddress(d.email)] =
            links.CasesWithContact(found->incident, d.email);
      }
    }
    return status;
  });
}

Status BroadcastService::RecordProgressMessage(std::int64_t broadcast, const MessageTs& ts) {
  return InTransaction(db_, "broadcast_progress_ts", [&]() -> Status {
    store::BroadcastRepository(db_).SetProgressTs(broadcast, ts);
    return {};
  });
}

Result<std::optional<ClaimedMail>> BroadcastService::ClaimNext() {
  return InTransaction(db_, "broadcast_claim", [&]() -> Result<std::optional<ClaimedMail>> {
    store::BroadcastRepository repo(db_);
    const auto now = clock_.Now();
    auto due = repo.NextDue(now);
    // Someone who unsubscribed while the broadcast was going out is spared
    // the rest of it. An address without an SMTP form never gets here
    // (Recipients), unless libidn2 changed its mind since the preview.
    store::UnsubscribeRepository unsubscribed(db_);
    std::optional<Result<std::string>> to;
    while (due) {
      to = SmtpAddress(due->email);
      if (unsubscribed.Contains(RecipientKey(due->email))) {
        repo.SetDelivery(due->id, store::DeliveryState::kWithheld, due->attempts, due->not_before,
                         std::string(kUnsubscribedReply), now);
      } else if (!*to) {
        repo.SetDelivery(due->id, store::DeliveryState::kRefused, due->attempts, due->not_before,
                         to->error().user_message, now);
      } else {
        break;
      }
      ReportProgress(due->broadcast);
      due = repo.NextDue(now);
    }
    if (!due) {
      return std::optional<ClaimedMail>{};
    }
    const auto broadcast = repo.Find(due->broadcast);
    const auto incident = store::IncidentRepository(db_).Find(broadcast->incident);
    ClaimedMail claimed;
    claimed.delivery = due->id;
    claimed.broadcast = due->broadcast;
    claimed.attempt = due->attempts + 1;
    OutgoingMail& mail = claimed.mail;
    mail.from = settings_.from;
    mail.from_name = OneLine(settings_.from_name);
    mail.to = **to;
    mail.to_name = OneLine(due->contact_name);
    mail.subject =
        OneLine(Render(broadcast->subject_template, *incident, due->email, due->contact_name));
    mail.body = Render(broadcast->body_template, *incident, due->email, due->contact_name);
    const auto at = settings_.from.find('@');
    mail.message_id = "swarmbot." + store::BroadcastNumberText(due->broadcast) + "." +
                      std::to_string(due->id) + settings_.from.substr(at);
    mail.date = now;
    mail.unsubscribe_url = settings_.unsubscribe_url.empty() ? "" : UnsubscribeUrl(due->email);
    mail.unsubscribe_mailto = settings_.unsubscribe_mailto;
    repo.SetDelivery(due->id, store::DeliveryState::kSending, claimed.attempt, due->not_before,
                     due->reply, now);
    return std::optional<ClaimedMail>(std::move(claimed));
  });
}

Status BroadcastService::RecordOutcome(const ClaimedMail& claimed, const SendResult& result) {
  return InTransaction(db_, "broadcast_outcome", [&]() -> Status {
    store::BroadcastRepository repo(db_);
    const auto delivery = repo.FindDelivery(claimed.delivery);
    if (!delivery || delivery->state != store::DeliveryState::kSending) {
      return {};  // recovered as uncertain meanwhile; that record stands
    }
    const auto now = clock_.Now();
    const std::string reply = OneLine(result.reply.substr(0, kMaxReply));
    bool final = true;
    switch (result.verdict) {
      case SendVerdict::kAccepted:
        repo.SetDelivery(delivery->id, store::DeliveryState::kSent, delivery->attempts, now, reply,
                         now);
        break;
      case SendVerdict::kRefused:
        repo.SetDelivery(delivery->id, store::DeliveryState::kRefused, delivery->attempts, now,
                         reply, now);
        break;
      case SendVerdict::kUnknown:
      case SendVerdict::kDeferred:
        // An unconfirmed message is sent again, like a deferred one: a server
        // that never said 250 to it took no responsibility for it, and one
        // that hangs up mid-message has most likely dropped it. A second copy
        // carries the same Message-ID, so mail readers can tell it apart;
        // a customer left without the notice can't. After the last attempt
        // it stays uncertain: it may have arrived.
        if (delivery->attempts >= settings_.max_attempts) {
          const bool unconfirmed = result.verdict == SendVerdict::kUnknown;
          repo.SetDelivery(
              delivery->id,
              unconfirmed ? store::DeliveryState::kUncertain : store::DeliveryState::kRefused,
              delivery->attempts, now,
              (unconfirmed ? "not confirmed after " : "gave up after ") +
                  std::to_string(delivery->attempts) +
                  (delivery->attempts == 1 ? " attempt: " : " attempts: ") + reply,
              now);
        } else {
          final = false;
          const auto pause = settings_.retry_after * (1 << (delivery->attempts - 1));
          repo.SetDelivery(delivery->id, store::DeliveryState::kPending, delivery->attempts,
                           now + pause, reply, now);
        }
        break;
      case SendVerdict::kNotSent:
      case SendVerdict::kLoginRefused:
        // Nothing reached the server: the attempt doesn't count against them.
        final = false;
        repo.SetDelivery(delivery->id, store::DeliveryState::kPending, delivery->attempts - 1,
                         delivery->not_before, reply, now);
        break;
    }
    NoteServer(result.verdict, reply);
    if (repo.Find(claimed.broadcast)->state == store::BroadcastState::kStopped) {
      // Stopped while this one was with the server: nothing goes back in line.
      repo.WithholdPending(claimed.broadcast, kWithheldReply, now);
      QueueProgress(claimed.broadcast, effect::kUpdateBroadcastProgress);
      return {};
    }
    if (!final) {
      return {};
    }
    repo.NoteOutcome(claimed.broadcast);
    ReportProgress(claimed.broadcast);
    return {};
  });
}

void BroadcastService::ReportProgress(std::int64_t number) {
  store::BroadcastRepository repo(db_);
  const auto now = clock_.Now();
  const auto broadcast = repo.Find(number);
  const auto counts = repo.Counts(number);
  if (counts.pending == 0 &&
      repo.Transition(number, store::BroadcastState::kSending, store::BroadcastState::kDone, now)) {
    store::TimelineRepository(db_).Append(
        broadcast->incident, now, "swarmbot", "broadcast_done",
        "E-mail " + store::BroadcastNumberText(number) + ": " + std::to_string(counts.sent) +
            " sent, " + std::to_string(counts.refused) + " not delivered" +
            (counts.uncertain > 0
                 ? ", " + std::to_string(counts.uncertain) + " uncertain (may have arrived)"
                 : ""));
    spdlog::info("event=broadcast.done broadcast={} sent={} refused={} uncertain={}",
                 store::BroadcastNumberText(number), counts.sent, counts.refused, counts.uncertain);
    QueueProgress(number, effect::kUpdateBroadcastProgress);
    return;
  }
  const bool due_by_count = broadcast->unreported >= settings_.progress_every;
  const bool due_by_time =
      !broadcast->reported_at || now - *broadcast->reported_at >= settings_.progress_interval;
  if (broadcast->unreported > 0 && (due_by_count || due_by_time)) {
    QueueProgress(number, effect::kUpdateBroadcastProgress);
  }
}

Result<int> BroadcastService::RecoverInterrupted() {
  return InTransaction(db_, "broadcast_recover", [&]() -> Result<int> {
    store::BroadcastRepository repo(db_);
    const int n = repo.MarkInterrupted(clock_.Now());
    if (n > 0) {
      spdlog::warn("event=broadcast.interrupted deliveries={}", n);
    }
    // The interrupted ones may have been the last of their broadcast.
    for (const std::int64_t number : repo.InState(store::BroadcastState::kSending)) {
      repo.NoteOutcome(number);
      ReportProgress(number);
    }
    return n;
  });
}

Result<std::optional<Clock::TimePoint>> BroadcastService::NextDueAt() {
  return InReadTransaction(db_, "broadcast_next_due",
                           [&]() -> Result<std::optional<Clock::TimePoint>> {
                             return store::BroadcastRepository(db_).NextDueAt();
                           });
}

}  // namespace swarmbot::lifecycle
