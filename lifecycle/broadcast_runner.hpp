#pragma once

#include <chrono>
#include <optional>

#include "common/clock.hpp"
#include "lifecycle/broadcast_service.hpp"
#include "lifecycle/mail_sender.hpp"

namespace swarmbot::lifecycle {

// The mail worker's loop body: sends due deliveries one at a time, at most
// `rate_per_second` a second, and pauses when the server can't be reached.
// The caller owns the waiting (a thread in the app, a FakeClock in tests), so
// pacing is tested without sleeping.
class BroadcastRunner {
 public:
  struct Options {
    double rate_per_second = 5;
    std::chrono::seconds unavailable_pause{5};  // doubles while the server stays away
    std::chrono::seconds max_pause{300};
  };

  BroadcastRunner(BroadcastService& service, MailSender& sender, const Clock& clock,
                  Options options);

  struct Step {
    bool sent = false;                        // a message went to the sender
    std::optional<Clock::TimePoint> wake_at;  // when there is more to do; none: wait to be woken
  };
  // Sends the next due message if the pace allows. Store failures are
  // logged and come back as a short pause.
  Step RunOnce();

 private:
  BroadcastService& service_;
  MailSender& sender_;
  const Clock& clock_;
  Options options_;
  std::chrono::system_clock::duration interval_;
  std::optional<Clock::TimePoint> next_slot_;
  std::chrono::seconds pause_;
};

}  // namespace swarmbot::lifecycle
