#pragma once

// Test-side peers of the emulator: an HTTPS client, a WebSocket client, a
// minimal Socket Mode app, and a plain HTTP(S) server that records what the
// emulator delivers in request-URL mode. All talk over real loopback sockets
// and verify TLS against the emulator's CA.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "common/form.hpp"
#include "emulator/emulator.hpp"
#include "tests/support/testing.hpp"

namespace swarmbot::emulator::testing {

namespace json = boost::json;
using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpReply {
  int status = 0;  // 0: no answer (connection closed or failed)
  std::string error;
  std::string body;
  std::map<std::string, std::string> headers;  // lowercase names

  json::object Json() const;  // the body as a JSON object (test fails otherwise)
};

// One HTTPS request per call over a fresh TLS connection verified against `ca_pem`.
class HttpsClient {
 public:
  HttpsClient(std::uint16_t port, std::string ca_pem) : port_(port), ca_pem_(std::move(ca_pem)) {}

  HttpReply Request(std::string verb, std::string target, std::string body = {},
                    std::string content_type = {}, Headers headers = {}) const;
  std::future<HttpReply> RequestAsync(std::string verb, std::string target, std::string body = {},
                                      std::string content_type = {}, Headers headers = {}) const;

  // Web API helpers: Bearer token, JSON or form body.
  json::object CallJson(const std::string& method, const json::object& args,
                        const std::string& token) const;
  json::object CallForm(const std::string& method, const FormFields& args,
                        const std::string& token) const;

 private:
  std::uint16_t port_;
  std::string ca_pem_;
};

// A WebSocket client on its own thread; frames are queued as they arrive.
class WsClient {
 public:
  // Connects to a wss:// URL. On failure returns nullptr and sets `error`
  // (including the HTTP status of a refused upgrade).
  static std::unique_ptr<WsClient> Connect(const std::string& url, const std::string& ca_pem,
                                           std::string* error);
  ~WsClient();

  // The next text frame, or nullopt when none arrives within `timeout` or the
  // socket closed.
  std::optional<std::string> Next(
      std::chrono::milliseconds timeout = swarmbot::testing::kTestTimeout);
  std::optional<json::object> NextJson(
      std::chrono::milliseconds timeout = swarmbot::testing::kTestTimeout);
  void Send(std::string text);
  bool WaitClosed(std::chrono::milliseconds timeout = swarmbot::testing::kTestTimeout);
  bool WaitForPing(std::chrono::milliseconds timeout = swarmbot::testing::kTestTimeout);
  bool closed_cleanly() const;
  // Closes the TCP connection without a close frame.
  void Drop();

  struct Impl;

 private:
  explicit WsClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// What a FakeApp does with an envelope: ack it (optionally with a payload), or not.
struct AckPlan {
  bool ack = true;
  json::value payload = nullptr;
};

// A minimal Socket Mode app: opens a connection with the app token, reads
// hello, then acks envelopes on its own thread as `responder` says.
class FakeApp {
 public:
  explicit FakeApp(Emulator& emulator,
                   std::function<AckPlan(const json::object& envelope)> responder = {});
  ~FakeApp();

  const json::object& hello() const { return hello_; }
  // Blocks until `count` envelopes (of any type) arrived; false on timeout.
  bool WaitForEnvelopes(std::size_t count,
                        std::chrono::milliseconds timeout = swarmbot::testing::kTestTimeout);
  std::vector<json::object> Envelopes() const;
  // The envelopes whose type is `type`, or events whose inner event type is `type`.
  std::vector<json::object> OfType(const std::string& type) const;
  WsClient& socket() { return *ws_; }
  void SetResponder(std::function<AckPlan(const json::object&)> responder);

 private:
  void ReadLoop();

  std::unique_ptr<WsClient> ws_;
  json::object hello_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<json::object> envelopes_;
  std::function<AckPlan(const json::object&)> responder_;
  std::thread reader_;
};

// What the emulator sent to a request URL.
struct Received {
  std::string target;
  std::map<std::string, std::string> headers;  // lowercase names
  std::string body;
};

struct Answer {
  Answer(int status_code = 200, std::string body_text = {}, std::string type = "text/plain",
         Headers extra_headers = {})
      : status(status_code),
        body(std::move(body_text)),
        content_type(std::move(type)),
        headers(std::move(extra_headers)) {}

  int status;
  std::string body;
  std::string content_type;
  Headers headers;
  bool hang = false;  // never answer (the emulator's http_timeout fires)
};

// A plain HTTP (or, with a certificate, HTTPS) server on 127.0.0.1 that
// records each request and answers as `handler` says.
class RecordingServer {
 public:
  explicit RecordingServer(std::function<Answer(const Received&)> handler,
                           std::string cert_chain_pem = {}, std::string key_pem = {});
  ~RecordingServer();

  std::uint16_t port() const;
  std::string base_url() const;
  bool WaitForRequests(std::size_t count,
                       std::chrono::milliseconds timeout = swarmbot::testing::kTestTimeout);
  std::vector<Received> Requests() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// A workspace most tests start from: three people, a public channel with the
// bot in it, a private one without the bot.
struct Workspace {
  UserId mara;
  UserId priya;
  UserId dev;
  ChannelId general;    // public, everyone and the bot
  ChannelId incidents;  // public, people only
  ChannelId secret;     // private, people only
};
Workspace Populate(Emulator& emulator);

// Reads a JSON file from the shared samples folder.
json::value ReadSample(const std::string& relative_path);

}  // namespace swarmbot::emulator::testing
