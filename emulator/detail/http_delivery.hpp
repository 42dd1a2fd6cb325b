#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/result.hpp"
#include "emulator/detail/core.hpp"

namespace swarmbot::emulator::detail {

// Request-URL mode: deliveries as signed HTTP POSTs (reference §1.1) to the
// app's URLs, with Slack's retries for events (X-Slack-Retry-Num/Reason,
// honouring X-Slack-No-Retry). Only loopback targets are contacted. Runs on
// the emulator thread.
class HttpDelivery {
 public:
  explicit HttpDelivery(Core& core);
  ~HttpDelivery();

  void Send(Delivery delivery, RequestUrls urls);
  // The url_verification handshake against `events_url`; `done` runs on the
  // emulator thread.
  void Verify(std::string events_url, std::string ca_file, std::function<void(Status)> done);
  void Stop();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace swarmbot::emulator::detail
