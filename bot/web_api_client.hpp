#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "common/secret.hpp"
#include "common/slack_api.hpp"

namespace swarmbot::bot {

struct WebApiOptions {
  // Where the methods live: Slack's, or the emulator's "https://127.0.0.1:<port>/api/".
  std::string base_url = "https://slack.com/api/";
  // An extra trust anchor (PEM file), e.g. the emulator's CA; empty: system store.
  std::string ca_file{};
  Secret bot_token{};
  // Optional xoxp- token for CallAsUser; empty: CallAsUser answers not_authed.
  Secret user_token{};
  // The whole exchange: connect, TLS handshake, request and answer.
  std::chrono::milliseconds request_timeout{15'000};
  // The same for a call carrying a trigger_id (views.open): Slack expires
  // the trigger 3 s after the click, so a long wait is for nothing. A little
  // more than 3 s, so that Slack's own expired_trigger_id still comes back.
  std::chrono::milliseconds trigger_timeout{5'000};
  // Permits plain http:// base and response URLs (a local proxy, some tests).
  // Off by default: the bot token must never cross the wire in clear text.
  bool allow_insecure = false;
  // Keep-alive connections kept open per host between calls.
  std::size_t max_idle_per_host = 4;
  // Times the holds after a rate limit (below); null: the system clock. Must
  // outlive the client.
  const Clock* clock = nullptr;
};

// Slack's Web API over HTTPS (https://api.slack.com/web), as the outbox and the
// Socket Mode client see it.
//
// TLS always verifies the peer's chain and host name (SNI set). Connections are
// kept alive and reused per host; an idle one the server has closed is dropped
// before use. If a reused connection dies under a request, the request is sent
// once more on a fresh one only when it provably never arrived or the method
// only reads: a write whose answer was lost comes back as kUnavailable, so the
// caller's idempotent retry decides (never a silent double post).
// Methods that accept JSON get `application/json; charset=utf-8`; the others
// (conversations.info/members/list, users.*, usergroups.*, chat.getPermalink)
// get a form body with nested values as JSON strings. Outcomes:
//   ok:true                       → ApiReply
//   ok:false                      → kSlackError, Error::slack_error = Slack's code;
//                                   ratelimited/rate_limited → kRateLimited;
//                                   internal_error, fatal_error, service_unavailable,
//                                   request_timeout → kUnavailable;
//                                   invalid_auth, not_authed, token_revoked,
//                                   token_expired, account_inactive → kUnauthenticated
//   HTTP 429                      → kRateLimited, retry_after from Retry-After
//   5xx, timeout, reset, bad JSON → kUnavailable
// Slack limits each method on its own and wants callers to back off per
// method: after a kRateLimited answer to method M, every call to M (any
// token) is held back without being sent until Retry-After has passed (5 s
// when Slack gave none, as with chat.postMessage's `rate_limited`). A held call
// answers kRateLimited at once, with retry_after the time left; other methods
// go out as usual.
// A call whose arguments carry a trigger_id gives up after trigger_timeout,
// not request_timeout.
// Never logs tokens, response URLs or bodies.
//
// Runs on `executor` (the io thread); calls may overlap (each takes its own
// connection). The client must outlive its calls.
class WebApiClient final : public SlackApi {
 public:
  // Throws std::invalid_argument for a bad base URL (or http:// without
  // allow_insecure) and std::system_error for an unreadable CA file: start-up errors.
  WebApiClient(boost::asio::any_io_executor executor, WebApiOptions options);
  ~WebApiClient() override;
  WebApiClient(const WebApiClient&) = delete;
  WebApiClient& operator=(const WebApiClient&) = delete;

  boost::asio::awaitable<Result<ApiReply>> Call(std::string method, std::string args_json) override;
  boost::asio::awaitable<Result<ApiReply>> CallAsUser(std::string method,
                                                      std::string args_json) override;
  bool HasUserToken() const override;

  // As Call, with another token in the Authorization header (the app-level
  // xapp- token for apps.connections.open, which Slack accepts only there).
  boost::asio::awaitable<Result<ApiReply>> CallWithToken(std::string method, std::string args_json,
                                                         Secret token);

  // POSTs JSON to a response_url (no token is sent: the URL is the credential).
  // 2xx → ok; 429 → kRateLimited; 5xx, timeout → kUnavailable; other statuses
  // → kSlackError with slack_error "http_<status>".
  boost::asio::awaitable<Status> Respond(std::string response_url, std::string body_json) override;

  // Whether Slack accepts a JSON body for `method`.
  static bool AcceptsJson(std::string_view method);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// How Slack's answer to a method call reads as a Result (see WebApiClient);
// `retry_after` is the raw Retry-After header, possibly empty.
Result<ApiReply> InterpretApiAnswer(int http_status, std::string_view retry_after,
                                    std::string body);

// The Errc for Slack's ok:false `error` code.
Errc ClassifySlackError(std::string_view code);

}  // namespace swarmbot::bot
