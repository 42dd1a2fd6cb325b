#pragma once

#include <memory>
#include <string>

#include "emulator/detail/core.hpp"

namespace swarmbot::emulator::detail {

// Socket Mode's server side: the open WebSockets, envelopes sent round-robin
// to one socket each, acks matched by envelope_id, and redelivery of events
// that nobody acked (by the emulator's clock) or whose socket dropped.
// Everything runs on the emulator thread.
class SocketMode {
 public:
  explicit SocketMode(Core& core);
  ~SocketMode();

  void Start();
  void Stop();

  // Sends an envelope over one open socket. With none open, events wait for
  // the next connection and commands/interactions fail at once
  // (dispatch_failed), as a user would see.
  void Send(Delivery delivery);
  void Disconnect(const std::string& reason);
  void DropAll();

  struct State;
  State& state() { return *state_; }

 private:
  std::unique_ptr<State> state_;
};

}  // namespace swarmbot::emulator::detail
