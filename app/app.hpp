#pragma once

#include <optional>

#include "config/config.hpp"

namespace swarmbot::app {

struct ServeOptions {
  // A file descriptor to which swarmbot writes "ready http_port=<port>\n" once
  // it serves, then closes; lets a supervisor or a test wait for readiness
  // without polling.
  std::optional<int> ready_fd;
};

// Exit statuses of `swarmbot serve`.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // could not start or keep running
inline constexpr int kExitConfig = 2;   // the config (or the database file) can't be used

// How long `serve` waits for another connection's write lock before a change
// fails with "nothing was changed" (see Serve). One delivery may wait more
// than once (the delivery filter, the outbox worker, the handler), and all
// of it must fit in Slack's 3 s.
inline constexpr int kServeBusyTimeoutMs = 500;

// Runs swarmbot until SIGINT or SIGTERM: opens the store, connects to Slack
// (Socket Mode or request URLs), serves the HTTP endpoint and performs the
// outbox. Returns an exit status; errors are logged as one line each.
int Serve(const config::Config& config, const ServeOptions& options);

}  // namespace swarmbot::app
