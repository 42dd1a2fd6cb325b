#include "app/mail_worker.hpp"

#include <spdlog/spdlog.h>

#include "common/clock.hpp"
#include "mailer/smtp_sender.hpp"
#include "store/database.hpp"

namespace swarmbot::app {
namespace {

// Also the longest the worker sleeps without being woken: a deferred
// recipient comes due without anyone starting anything.
constexpr std::chrono::seconds kIdleWait{30};
// How long a write waits for the other connection's transaction.
constexpr int kBusyTimeoutMs = 5000;
// Between tries of the start-up recovery while the store is busy.
constexpr std::chrono::seconds kRecoveryRetry{1};

}  // namespace

lifecycle::BroadcastSettings BroadcastSettingsFrom(const config::Config& config) {
  const config::BroadcastConfig& b = config.broadcast;
  lifecycle::BroadcastSettings settings;
  settings.enabled = b.Enabled() && !b.from.empty();
  settings.from = b.from;
  settings.from_name = b.from_name;
  settings.subject_template = b.subject;
  settings.body_template = b.body;
  settings.unsubscribe_url = b.unsubscribe_url;
  settings.unsubscribe_mailto = b.unsubscribe_mailto;
  settings.max_attempts = b.max_attempts;
  settings.retry_after = std::chrono::seconds(b.retry_seconds);
  settings.give_up_after = std::chrono::minutes(b.give_up_after_minutes);
  return settings;
}

MailWorker::MailWorker(const config::Config& config, std::function<void()> on_progress)
    : config_(config), on_progress_(std::move(on_progress)) {}

MailWorker::~MailWorker() {
  Stop();
}

void MailWorker::Start() {
  if (!config_.broadcast.Enabled()) {
    spdlog::info("event=mail.disabled reason=no_smtp_url");
    return;
  }
  thread_ = std::thread([this] { Run(); });
}

void MailWorker::Wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wake_.notify_one();
}

void MailWorker::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void MailWorker::Run() {
  auto db = store::Database::Open(config_.store_path);
  if (!db) {
    spdlog::error("event=mail.failed part=store detail=\"{}\"", db.error().detail);
    return;
  }
  (*db)->Sql().setBusyTimeout(kBusyTimeoutMs);
  SystemClock clock;
  lifecycle::BroadcastService service(**db, clock, BroadcastSettingsFrom(config_));
  const config::SmtpConfig& smtp = config_.broadcast.smtp;
  mailer::SmtpSender sender({.url = smtp.url,
                             .starttls = smtp.starttls,
                             .username = smtp.username,
                             .password = smtp.password,
                             .ca_file = smtp.ca_file,
                             .timeout = std::chrono::seconds(smtp.timeout_seconds)});
  lifecycle::BroadcastRunner runner(service, sender, clock,
                                    {.rate_per_second = config_.broadcast.rate_per_second});
  spdlog::info("event=mail.started rate_per_second={}", config_.broadcast.rate_per_second);
  bool recovered = false;
  while (true) {
    // Deliveries a crash left mid-send are settled before anything is sent.
    // Another writer holding the store at start only delays that: it is
    // tried again every round until it succeeds.
    if (!recovered) {
      const auto interrupted = service.RecoverInterrupted();
      recovered = interrupted.has_value();
      if (recovered && *interrupted > 0) {
        on_progress_();
      }
    }
    const auto step = recovered
                          ? runner.RunOnce()
                          : lifecycle::BroadcastRunner::Step{false, clock.Now() + kRecoveryRetry};
    if (step.sent) {
      on_progress_();
    }
    std::unique_lock lock(mutex_);
    if (stopping_) {
      break;
    }
    std::chrono::system_clock::duration wait = kIdleWait;
    if (step.wake_at) {
      wait = std::min(wait, *step.wake_at - clock.Now());
    }
    if (wait > std::chrono::system_clock::duration::zero()) {
      wake_.wait_for(lock, wait, [this] { return woken_ || stopping_; });
    }
    woken_ = false;
    if (stopping_) {
      break;
    }
  }
  spdlog::info("event=mail.stopped");
}

}  // namespace swarmbot::app
