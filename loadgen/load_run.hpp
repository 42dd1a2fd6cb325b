#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <ostream>

namespace swarmbot::loadgen {

struct LoadOptions {
  std::filesystem::path swarmbot_binary;
  std::filesystem::path work_dir;   // config, database and log
  std::size_t connections = 8;      // concurrent keep-alive connections
  std::size_t requests = 4000;      // in the steady phase
  std::size_t slow_requests = 600;  // while Slack rate-limits and is slow
  int ratelimited_calls = 20;       // Web API calls answered 429 with Retry-After
  std::chrono::seconds retry_after{1};
  int slowed_calls = 40;  // chat.postMessage calls held back by…
  std::chrono::milliseconds slowed_by{250};
  // The longest the run waits for the outbox to perform every effect of a phase.
  std::chrono::seconds effects_timeout{60};
  bool show_replies = false;  // print the first reply of each kind
};

// Starts the emulator and the swarmbot binary in request-URL mode on
// 127.0.0.1, sets up a swarm (INC-1 with its channel and PRB-1), then plays
// two phases of mixed signed requests: one against a healthy Slack, one while
// Slack rate-limits and slows the Web API. Writes one line per figure to
// `out`. Returns true when every request was acknowledged with 2xx and no
// error, and every Slack effect was performed exactly once. Throws when the
// stack can't be set up.
bool RunLoad(const LoadOptions& options, std::ostream& out);

}  // namespace swarmbot::loadgen
