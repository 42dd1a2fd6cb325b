#pragma once

#include <cstdint>
#include <memory>

namespace swarmbot::emulator::detail {

class Core;

// The HTTPS listener on 127.0.0.1: Web API calls (/api/<method>), response_url
// posts (/response/<id>), and WebSocket upgrades (/link/) handed to Socket
// Mode. Applies the fault switches. Runs on the emulator thread.
class Server {
 public:
  explicit Server(Core& core);
  ~Server();

  // Binds 127.0.0.1:`port` (0 = ephemeral) and returns the bound port.
  std::uint16_t Listen(std::uint16_t port);
  void Start();
  // Closes the listener and every open connection (emulator thread).
  void Stop();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace swarmbot::emulator::detail
