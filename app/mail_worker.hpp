#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "config/config.hpp"
#include "lifecycle/broadcast_runner.hpp"
#include "lifecycle/broadcast_service.hpp"

namespace swarmbot::app {

// [broadcast] and [smtp] as the lifecycle and the runner take them.
lifecycle::BroadcastSettings BroadcastSettingsFrom(const config::Config& config);

// Sends customer e-mail on its own thread, with its own connection to the
// SQLite file (WAL lets it write beside the io thread), so a slow SMTP server
// never holds up Slack. At start it marks deliveries a crash interrupted as
// uncertain, then sends whatever is due, paced by [broadcast] rate_per_second.
// `on_progress` runs on the worker's thread after each message (the app wakes
// the outbox worker with it, which performs the progress updates).
class MailWorker {
 public:
  MailWorker(const config::Config& config, std::function<void()> on_progress);
  ~MailWorker();  // stops and joins
  MailWorker(const MailWorker&) = delete;
  MailWorker& operator=(const MailWorker&) = delete;

  void Start();
  // Something may be due now (a broadcast was started); thread-safe.
  void Wake();
  void Stop();

 private:
  void Run();

  const config::Config& config_;
  std::function<void()> on_progress_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool woken_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace swarmbot::app
