#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "bot/delivery_filter.hpp"
#include "bot/dispatch.hpp"
#include "bot/web_api_client.hpp"
#include "common/result.hpp"
#include "common/secret.hpp"

namespace swarmbot::bot {

struct SocketModeOptions {
  // The app-level token (xapp-…, scope connections:write).
  Secret app_token{};
  // An extra trust anchor (PEM file) for the WebSocket's TLS, e.g. the emulator's CA.
  std::string ca_file{};
  // TCP connect + TLS + WebSocket handshake.
  std::chrono::milliseconds connect_timeout{10'000};
  // A socket that sends no `hello` this long after opening is abandoned.
  std::chrono::milliseconds hello_timeout{10'000};
  // No frame (Slack's pings included) for this long → the socket is dead. We
  // ping after half of it, so a half-open connection behind a NAT is noticed
  // even in an idle workspace.
  std::chrono::milliseconds idle_timeout{30'000};
  // Reconnect delays: exponential with jitter, reset after a good hello.
  std::chrono::milliseconds backoff_initial{1'000};
  std::chrono::milliseconds backoff_cap{30'000};
  // After a `warning` or `refresh_requested` disconnect the old socket keeps
  // serving (and acking) on the side while the new one opens, this long, and
  // longer while no other socket serves.
  std::chrono::milliseconds drain_timeout{15'000};
  // Called on the io thread whenever GetStats() changes (health reporting,
  // tests that wait for a reconnect). Must be quick and must not throw.
  std::function<void()> on_change{};
};

// Slack's Socket Mode (https://api.slack.com/apis/socket-mode): no public URL,
// deliveries arrive over a WebSocket that the bot opens.
//
// Loop: apps.connections.open with the app token → WSS connect (TLS verified)
// → `hello` → envelopes. Each envelope is deduplicated (event_id for events,
// else envelope_id), turned into an InboundRequest and acknowledged within
// Slack's 3 s: events and button clicks are acknowledged first and dispatched
// afterwards; slash commands and view submissions are dispatched first and
// their reply travels in the ack's `payload`. When that ack can't be sent (the
// socket died meanwhile), the reply goes once to the payload's response_url.
// Repeats are acknowledged and dropped. One writer coroutine per socket sends
// every frame.
//
// Disconnects: `warning` and `refresh_requested` open the next socket at once
// and let the old one drain; it keeps serving past the drain time while no
// other socket does. A closed or dead socket reconnects after backoff.
// `too_many_websockets` closes the refused socket and backs off to the cap
// instead of adding to the storm, unless an older socket of ours still serves:
// then the next attempt comes as soon as that one closes. `link_disabled` ends
// Run() with an error. Never logs the socket URL (it carries a ticket), the
// token or a response_url.
//
// Runs on `executor` (the io thread); `api`, `filter` and `dispatch` must
// outlive it.
class SocketModeClient {
 public:
  SocketModeClient(boost::asio::any_io_executor executor, WebApiClient& api, DeliveryFilter& filter,
                   Dispatch dispatch, SocketModeOptions options);
  ~SocketModeClient();
  SocketModeClient(const SocketModeClient&) = delete;
  SocketModeClient& operator=(const SocketModeClient&) = delete;

  // Given `keep`, an Events API envelope that passed the duplicate check is
  // handed to it before its ack goes out (see KeepEvent). Call before Run.
  void KeepEventsWith(KeepEvent keep);

  // Serves until Stop() or cancellation (success). Retrying can't fix the
  // errors: Errc::kUnauthenticated if Slack rejects the app token,
  // Errc::kSlackError (slack_error "link_disabled") once Slack says Socket Mode
  // was turned off for the app.
  boost::asio::awaitable<Status> Run();

  // Closes the socket and makes Run() return. Safe from any thread.
  void Stop();

  // Counters for health checks and tests. Safe from any thread.
  struct Stats {
    std::int64_t connections = 0;  // sockets opened
    std::int64_t hellos = 0;
    std::int64_t envelopes = 0;    // envelopes received, repeats included
    std::int64_t duplicates = 0;   // repeats acknowledged and dropped
    std::int64_t disconnects = 0;  // `disconnect` frames received
    int open_sockets = 0;          // sockets not yet closed (2 while one drains)
    bool connected = false;        // a socket has said hello and is open
  };
  Stats GetStats() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace swarmbot::bot
