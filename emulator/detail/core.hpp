#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/object.hpp>

#include "common/clock.hpp"
#include "common/form.hpp"
#include "common/result.hpp"
#include "emulator/detail/certificate.hpp"
#include "emulator/detail/workspace.hpp"
#include "emulator/emulator.hpp"

namespace swarmbot::emulator::detail {

class Server;
class SocketMode;
class HttpDelivery;

enum class DeliveryKind { kEvent, kCommand, kInteractive };

// The Socket Mode envelope type of a delivery kind.
const char* EnvelopeType(DeliveryKind kind);

// What came back for a delivery: the ack's payload (Socket Mode) or the HTTP
// answer's body, or why nothing usable came.
struct AckResult {
  bool ok = false;
  std::string body;
  std::string error;  // dispatch_failed, operation_timeout, http_error…
};

// One thing to hand to the app over the active transport.
struct Delivery {
  DeliveryKind kind = DeliveryKind::kEvent;
  json::object payload;       // event_callback, interactive payload, or command fields as strings
  FormFields command_fields;  // commands only: the form body for HTTP mode
  bool accepts_response_payload = false;
  int retry_attempt = 0;
  std::string retry_reason;
  std::function<void(AckResult)> on_ack;  // runs on the emulator thread; may be empty
};

// A web request being held by a kHold fault until ReleaseHeld().
struct HeldCall {
  std::string method;
  std::function<void(bool drop)> release;  // runs on the emulator thread
};

struct FaultEntry {
  std::string method;
  int remaining = 0;
  Fault fault;
};

// Where HTTP deliveries go (request-URL mode), guarded by Core::mu.
struct RequestUrls {
  std::string events;
  std::string commands;
  std::string interactive;
  std::string ca_file;
  bool Active() const { return !events.empty(); }
};

// The emulator's state and machinery, shared by its parts. Fields marked
// "guarded" need `mu`; the servers and transports run on `io`'s one thread.
class Core {
  SystemClock system_clock_;  // first: `clock` may refer to it

 public:
  explicit Core(Options options);
  ~Core();
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;

  const Options options;
  const Clock& clock;

  mutable std::mutex mu;
  std::condition_variable changed;
  std::uint64_t generation = 0;            // guarded
  Workspace ws;                            // guarded
  std::vector<FaultEntry> faults;          // guarded
  std::vector<HeldCall> held;              // guarded
  RequestUrls request_urls;                // guarded
  std::chrono::seconds signing_offset{0};  // guarded
  int open_sockets = 0;                    // guarded

  Certificate certificate;
  boost::asio::io_context io;

  Server& server() { return *server_; }
  SocketMode& socket_mode() { return *socket_mode_; }
  HttpDelivery& http_delivery() { return *http_delivery_; }

  // Wakes WaitFor callers; the caller holds `mu`.
  void NotifyLocked();
  // Takes the events the workspace queued and hands them to the transport;
  // the caller holds `lock`, which is released.
  void FlushEvents(std::unique_lock<std::mutex>& lock);
  // Hands `delivery` to the active transport (any thread).
  void Deliver(Delivery delivery);
  // Delivers and blocks until the ack or Options::ack_deadline (not on the
  // emulator thread).
  Result<std::string> DeliverAndWait(Delivery delivery);
  // The next fault for `method`, consuming one use; the caller holds `mu`.
  std::optional<Fault> TakeFaultLocked(const std::string& method);
  // Signing clock (clock + offset), in Unix seconds.
  std::int64_t SigningTime() const;

 private:
  void Route(Delivery delivery);  // on the emulator thread

  std::unique_ptr<Server> server_;
  std::unique_ptr<SocketMode> socket_mode_;
  std::unique_ptr<HttpDelivery> http_delivery_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
};

// The response_url endpoint's logic; the caller holds the workspace lock.
struct HttpAnswer;
struct HttpCall;
HttpAnswer RunResponseUrl(Workspace& ws, std::string_view id, const HttpCall& call);

// Records an acknowledgement body as Slack shows it: an ephemeral reply for
// the invoking user, or an in-channel post. The caller holds the lock.
void RecordCommandReply(Workspace& ws, const std::string& user, const std::string& channel,
                        const std::string& response_url_id, const std::string& body);

// The human-readable transcript; the caller holds the lock.
std::string RenderTranscript(const Workspace& ws);
// Mentions of people, channels and groups in `text` as their names.
std::string Readable(const Workspace& ws, const std::string& text);

}  // namespace swarmbot::emulator::detail
