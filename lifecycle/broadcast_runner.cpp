#include "lifecycle/broadcast_runner.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "store/broadcast_repository.hpp"

namespace swarmbot::lifecycle {
namespace {

std::string_view VerdictName(SendVerdict verdict) {
  switch (verdict) {
    case SendVerdict::kAccepted:
      return "accepted";
    case SendVerdict::kRefused:
      return "refused";
    case SendVerdict::kDeferred:
      return "deferred";
    case SendVerdict::kNotSent:
      return "not_sent";
    case SendVerdict::kLoginRefused:
      return "login_refused";
    case SendVerdict::kUnknown:
      return "unconfirmed";
  }
  return "unconfirmed";
}

}  // namespace

BroadcastRunner::BroadcastRunner(BroadcastService& service, MailSender& sender, const Clock& clock,
                                 Options options)
    : service_(service),
      sender_(sender),
      clock_(clock),
      options_(options),
      interval_(std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::duration<double>(1.0 / std::max(options.rate_per_second, 0.001)))),
      pause_(options.unavailable_pause) {}

BroadcastRunner::Step BroadcastRunner::RunOnce() {
  const auto now = clock_.Now();
  if (next_slot_ && now < *next_slot_) {
    return {false, next_slot_};
  }
  auto claimed = service_.ClaimNext();
  if (!claimed) {
    spdlog::error("event=broadcast.claim_failed detail=\"{}\"", claimed.error().detail);
    return {false, now + options_.unavailable_pause};
  }
  if (!*claimed) {
    auto next = service_.NextDueAt();
    return {false, next ? *next : std::optional<Clock::TimePoint>{}};
  }
  const ClaimedMail& mail = **claimed;
  const SendResult result = sender_.Send(mail.mail);
  // Paced by when sends start, so a slow server doesn't slow us further.
  next_slot_ = std::max(next_slot_.value_or(now), now) + interval_;
  spdlog::info("event=broadcast.send broadcast={} delivery={} attempt={} verdict={} code={}",
               store::BroadcastNumberText(mail.broadcast), mail.delivery, mail.attempt,
               VerdictName(result.verdict), result.code);
  if (result.verdict == SendVerdict::kNotSent || result.verdict == SendVerdict::kLoginRefused) {
    spdlog::warn(
        "event=broadcast.{} pause_s={} detail=\"{}\"",
        result.verdict == SendVerdict::kLoginRefused ? "smtp_login_refused" : "server_unavailable",
        pause_.count(), result.reply);
    next_slot_ = clock_.Now() + pause_;
    pause_ = std::min(pause_ * 2, options_.max_pause);
  } else {
    pause_ = options_.unavailable_pause;
  }
  if (result.verdict == SendVerdict::kUnknown) {
    // What happened, for the operator: swarmbot itself was not interrupted.
    spdlog::warn("event=broadcast.unconfirmed broadcast={} delivery={} attempt={} detail=\"{}\"",
                 store::BroadcastNumberText(mail.broadcast), mail.delivery, mail.attempt,
                 result.reply);
  }
  if (auto recorded = service_.RecordOutcome(mail, result); !recorded) {
    // The delivery stays "sending" and becomes "uncertain" at the next start:
    // never a second copy.
    spdlog::error("event=broadcast.record_failed delivery={} detail=\"{}\"", mail.delivery,
                  recorded.error().detail);
  }
  return {true, next_slot_};
}

}  // namespace swarmbot::lifecycle
