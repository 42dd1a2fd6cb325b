#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "bot/delivery_filter.hpp"
#include "bot/dispatch.hpp"
#include "common/clock.hpp"
#include "common/secret.hpp"

namespace swarmbot::bot {

// A request to one of the application's own HTTP routes (AddApiRoute), after
// its API key was checked.
struct ApiRequest {
  std::string method{};  // "GET", "POST"…
  std::string path{};    // without the query, e.g. "/api/cases"
  std::string query{};   // raw text after '?', may be empty
  // Header names in lowercase. Credentials (Authorization, X-Api-Key) are
  // removed so that a handler can't log them by accident.
  std::vector<std::pair<std::string, std::string>> headers{};
  std::string body{};

  // The first value of header `name` (any case), if present.
  std::optional<std::string> Header(std::string_view name) const;
  // How many times header `name` (any case) came.
  std::size_t HeaderCount(std::string_view name) const;
};

struct HttpAnswer {
  int status = 200;
  std::string content_type = "application/json";
  std::string body{};
  std::vector<std::pair<std::string, std::string>> headers{};
};

using ApiHandler = std::function<HttpAnswer(const ApiRequest&)>;

struct HttpEndpointOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port, see Port()
  // PEM text; both set → HTTPS, both empty → plain HTTP (e.g. behind a proxy).
  std::string tls_cert_pem{};
  std::string tls_key_pem{};
  // Slack's signing secret. Empty → the Slack routes answer 404 (Socket Mode
  // only deployments serve just the API routes and /healthz).
  Secret signing_secret{};
  std::string events_path = "/slack/events";
  std::string commands_path = "/slack/commands";
  std::string interactive_path = "/slack/interactive";
  std::size_t body_limit = 1 << 20;  // larger bodies → 413
  // How long a client may take to send one request's header and body, and how
  // long an idle keep-alive connection stays open.
  std::chrono::milliseconds read_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};
};

// The HTTP/1.1 server for request-URL mode and the application's own API.
//
// Slack routes (POST, signed; https://api.slack.com/authentication/verifying-requests-from-slack):
// a bad or missing signature, or a timestamp more than 5 minutes from the clock,
// is answered 401 and nothing else happens. Commands (form) reach Dispatch as a
// JSON object of strings; interactivity as its `payload` JSON; Events API
// bodies are deduplicated by event_id, kept (KeepEventsWith), answered 200,
// then dispatched.
// `url_verification` echoes the challenge, `ssl_check=1` gets a bare 200.
// Malformed bodies get 400 with a short text, oversized ones 413.
//
// API routes: an exact path and method, guarded by a shared key sent as
// `Authorization: Bearer <key>` or `X-Api-Key: <key>` (401 without it). Unknown
// path → 404, known path with another method → 405. `GET /healthz` → 200.
// Public routes (AddPublicRoute) are the same without the key.
//
// Everything runs on `executor` (swarmbot's io thread): call AddApiRoute before
// Start, and Start/Stop on that thread or before it runs. The clock, filter and
// the handlers must outlive the endpoint's connections.
class HttpEndpoint {
 public:
  HttpEndpoint(boost::asio::any_io_executor executor, const Clock& clock, DeliveryFilter& filter,
               Dispatch dispatch, HttpEndpointOptions options);
  ~HttpEndpoint();
  HttpEndpoint(const HttpEndpoint&) = delete;
  HttpEndpoint& operator=(const HttpEndpoint&) = delete;

  void AddApiRoute(std::string method, std::string path, Secret api_key, ApiHandler handler);
  // A route anyone may read without a key (e.g. a public status page). Its
  // handler still never sees an Authorization or X-Api-Key header.
  void AddPublicRoute(std::string method, std::string path, ApiHandler handler);

  // Given `keep`, an Events API delivery that passed the duplicate check is
  // handed to it before the 200 goes out (see KeepEvent). Call before Start.
  void KeepEventsWith(KeepEvent keep);

  // Binds, listens and starts accepting. Throws std::system_error if the
  // address can't be bound, std::invalid_argument for bad options (start-up
  // errors, reported by main).
  void Start();

  // The bound port (after Start).
  std::uint16_t Port() const;

  // Stops accepting and closes every open connection.
  void Stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace swarmbot::bot
