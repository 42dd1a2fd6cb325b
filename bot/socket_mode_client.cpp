#include "bot/socket_mode_client.hpp"

#include <atomic>
#include <deque>
#include <exception>
#include <functional>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <poll.h>
#include <spdlog/spdlog.h>

#include "bot/backoff.hpp"
#include "bot/detail/connect.hpp"
#include "bot/detail/json.hpp"
#include "bot/inbound_parse.hpp"
#include "common/form.hpp"
#include "common/tls.hpp"

namespace swarmbot::bot {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kMaxFrameBytes = 16u << 20;
// Slack allows 3 s for an acknowledgement; warn well before a slow handler
// starts costing deliveries.
constexpr std::chrono::milliseconds kSlowDispatch{2'000};

// The WebSocket's transport: the TLS stream, whose closing handshake reports
// no error of its own. When a frame breaks RFC 6455, Beast sends a close frame,
// shuts TLS down and reports the shutdown's error if it has one; Slack often
// answers the shutdown with more data ("application data after close notify"),
// which would hide why we closed the socket.
class WsTransport : public detail::TlsStream {
 public:
  explicit WsTransport(detail::TlsStream&& stream) : detail::TlsStream(std::move(stream)) {}
};

struct QuietTeardown {
  WsTransport& stream;
  beast::role_type role;
  bool started = false;

  template <class Self>
  void operator()(Self& self, beast::error_code ec = {}) {
    if (!started) {
      started = true;
      beast::async_teardown(role, static_cast<detail::TlsStream&>(stream), std::move(self));
      return;
    }
    if (ec) {
      spdlog::debug("event=socket_mode.tls_shutdown error=\"{}\"", ec.message());
    }
    self.complete({});
  }
};

// Found by Beast through argument-dependent lookup.
template <class Handler>
void async_teardown(beast::role_type role, WsTransport& stream, Handler&& handler) {
  asio::async_compose<Handler, void(beast::error_code)>(QuietTeardown{stream, role}, handler,
                                                        stream);
}

using Ws = websocket::stream<WsTransport>;

enum class EndReason {
  kNone,
  kClosed,
  kWarning,
  kRefresh,
  kOtherDisconnect,
  kTooMany,
  kLinkDisabled,
  kStopped
};

std::string_view EndReasonName(EndReason reason) {
  switch (reason) {
    case EndReason::kNone:
      return "none";
    case EndReason::kClosed:
      return "closed";
    case EndReason::kWarning:
      return "warning";
    case EndReason::kRefresh:
      return "refresh_requested";
    case EndReason::kOtherDisconnect:
      return "disconnect";
    case EndReason::kTooMany:
      return "too_many_websockets";
    case EndReason::kLinkDisabled:
      return "link_disabled";
    case EndReason::kStopped:
      return "stopped";
  }
  return "unknown";
}

EndReason DisconnectEnd(const std::string& reason) {
  if (reason == "warning") {
    return EndReason::kWarning;
  }
  if (reason == "refresh_requested") {
    return EndReason::kRefresh;
  }
  if (reason == "link_disabled") {
    return EndReason::kLinkDisabled;
  }
  if (reason == "too_many_websockets") {
    return EndReason::kTooMany;
  }
  return EndReason::kOtherDisconnect;
}

// Whether a read failed because Slack's frame broke RFC 6455, after which
// Beast has closed the socket with a close frame of its own.
bool IsProtocolFailure(const beast::error_code& ec) {
  return ec == websocket::error::message_too_big || ec == websocket::condition::protocol_violation;
}

// The close code Beast sent for a protocol failure (RFC 6455 section 7.4.1).
int SentCloseCode(const beast::error_code& ec) {
  if (ec == websocket::error::message_too_big) {
    return websocket::close_code::too_big;
  }
  if (ec == websocket::error::bad_frame_payload) {
    return websocket::close_code::bad_payload;
  }
  return websocket::close_code::protocol_error;
}

// A frame for the writer and, for "acknowledge first" deliveries, the
// dispatch that must wait until the ack is on the wire.
// `lost` runs instead when the frame could not be sent.
struct Outgoing {
  std::string text;
  std::function<void()> after;
  std::function<void()> lost{};
};

void LogCoroutineFailure(std::exception_ptr e) {
  if (!e) {
    return;
  }
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    spdlog::error("event=socket_mode.coroutine_failed error=\"{}\"", ex.what());
  }
}

// Run()'s failure after Slack's `link_disabled`: retrying can't help until
// someone turns Socket Mode back on.
Error LinkDisabled() {
  Error e = MakeError(Errc::kSlackError,
                      "Socket Mode was turned off for the app in its settings (link_disabled)");
  e.slack_error = "link_disabled";
  return e;
}

asio::awaitable<bool> Cancelled() {
  auto state = co_await asio::this_coro::cancellation_state;
  co_return state.cancelled() != asio::cancellation_type::none;
}

}  // namespace

struct SocketModeClient::Impl : std::enable_shared_from_this<Impl> {
  class Session;

  Impl(asio::any_io_executor ex, WebApiClient& a, DeliveryFilter& f, Dispatch d,
       SocketModeOptions o)
      : executor(std::move(ex)),
        api(a),
        filter(f),
        dispatch(std::move(d)),
        options(std::move(o)),
        tls(MakeClientTlsContext(options.ca_file)),
        sleep_timer(executor) {}

  asio::any_io_executor executor;
  WebApiClient& api;
  DeliveryFilter& filter;
  Dispatch dispatch;
  KeepEvent keep;
  SocketModeOptions options;
  asio::ssl::context tls;
  asio::steady_timer sleep_timer;
  bool stopped = false;
  // Set when Slack refused a new socket while an older one still served: the
  // pause before the next attempt ends as soon as no socket is left.
  bool wake_when_unserved = false;
  Status outcome{};  // what Run() returns
  std::vector<std::weak_ptr<Session>> sessions;

  std::atomic<std::int64_t> connections{0};
  std::atomic<std::int64_t> hellos{0};
  std::atomic<std::int64_t> envelopes{0};
  std::atomic<std::int64_t> duplicates{0};
  std::atomic<std::int64_t> disconnects{0};
  std::atomic<int> live_with_hello{0};
  std::atomic<int> open_sockets{0};

  void Changed() const {
    if (options.on_change) {
      options.on_change();
    }
  }

  asio::awaitable<Status> Run(std::shared_ptr<Impl> self);
  asio::awaitable<Result<std::string>> OpenUrl();
  asio::awaitable<Result<std::unique_ptr<Ws>>> Connect(std::string url);
  // One socket from connect to its end; returns the delay before the next.
  asio::awaitable<std::chrono::milliseconds> Serve(std::shared_ptr<Impl> self, std::string url,
                                                   std::int64_t& next_id, Backoff& backoff);
  std::chrono::milliseconds NextDelay(EndReason end, const Session& session, Backoff& backoff);
  asio::awaitable<void> Pause(std::chrono::milliseconds delay);
  // Whether a socket other than `except` has said hello and is still open
  // (draining or not); with `serving_only`, one that isn't draining.
  bool OtherSocketUp(const Session* except, bool serving_only) const;
  void SocketEnded();
  void Stop();
  InboundReply SafeDispatch(const InboundRequest& request);
  // A reply whose ack could not be sent, posted to the request's response_url.
  asio::awaitable<void> RespondInstead(std::string response_url, std::string body_json);
};

// One WebSocket from open to close: a reader, a writer and two watchdogs
// (no hello; draining after `warning` or `refresh_requested`), all on the io
// thread.
class SocketModeClient::Impl::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(std::shared_ptr<Impl> client, std::unique_ptr<Ws> ws, std::int64_t id)
      : client_(std::move(client)),
        ws_(std::move(ws)),
        id_(id),
        wake_writer_(client_->executor),
        end_signal_(client_->executor) {
    wake_writer_.expires_at(asio::steady_timer::time_point::max());
    end_signal_.expires_at(asio::steady_timer::time_point::max());
  }

  void Start() {
    ++client_->open_sockets;
    client_->Changed();
    auto self = shared_from_this();
    asio::co_spawn(client_->executor, ReadLoop(self), LogCoroutineFailure);
    asio::co_spawn(client_->executor, WriteLoop(self), LogCoroutineFailure);
    asio::co_spawn(client_->executor, HelloWatchdog(self), LogCoroutineFailure);
  }

  // Why the main loop should move on: the first reason wins. The socket may
  // stay open after a `warning` or `refresh_requested`, draining on its own.
  asio::awaitable<EndReason> WaitForEnd() {
    while (end_ == EndReason::kNone) {
      co_await end_signal_.async_wait(kTuple);
      if (end_ != EndReason::kNone) {
        break;
      }
      const bool cancelled = co_await Cancelled();
      if (cancelled) {
        co_return EndReason::kStopped;
      }
    }
    co_return end_;
  }

  // Flushes queued frames, then sends a close frame.
  void Close() {
    closing_ = true;
    wake_writer_.cancel();
  }

  void Signal(EndReason reason) {
    if (end_ == EndReason::kNone) {
      end_ = reason;
      end_signal_.cancel();
    }
  }

  bool HadHello() const { return had_hello_; }
  bool Up() const { return had_hello_ && !read_ended_; }
  bool Draining() const { return draining_; }

 private:
  asio::awaitable<void> ReadLoop(std::shared_ptr<Session> self) {
    for (;;) {
      beast::flat_buffer buffer;
      auto [ec, bytes] = co_await ws_->async_read(buffer, kTuple);
      (void)bytes;
      if (ec) {
        LogClosed(ec);
        break;
      }
      HandleFrame(beast::buffers_to_string(buffer.data()));
    }
    read_ended_ = true;
    if (had_hello_) {
      --client_->live_with_hello;
    }
    --client_->open_sockets;
    Signal(EndReason::kClosed);
    Close();
    client_->Changed();
    client_->SocketEnded();
    (void)self;
  }

  // Who ended the socket and why, with the close code when there was one.
  void LogClosed(const beast::error_code& ec) const {
    if (IsProtocolFailure(ec)) {
      spdlog::warn("event=socket_mode.closed socket={} by=swarmbot close_code={} reason=\"{}\"",
                   id_, SentCloseCode(ec), ec.message());
    } else if (closing_ || ec == asio::error::operation_aborted) {
      spdlog::info("event=socket_mode.closed socket={} by=swarmbot", id_);
    } else if (ec == websocket::error::closed) {
      spdlog::info("event=socket_mode.closed socket={} by=slack close_code={}", id_,
                   static_cast<int>(ws_->reason().code));
    } else {
      spdlog::warn("event=socket_mode.closed socket={} error=\"{}\"", id_, ec.message());
    }
  }

  asio::awaitable<void> WriteLoop(std::shared_ptr<Session> self) {
    ws_->text(true);
    bool broken = false;
    for (;;) {
      if (queue_.empty()) {
        if (closing_) {
          break;
        }
        wake_writer_.expires_at(asio::steady_timer::time_point::max());
        co_await wake_writer_.async_wait(kTuple);
        continue;
      }
      Outgoing item = std::move(queue_.front());
      queue_.pop_front();
      broken = broken || PeerHungUp();
      if (!broken) {
        broken = !co_await Write(item.text);
      }
      if (broken && item.lost) {
        item.lost();
      }
      // The delivery is already recorded as seen, so it runs even when the ack
      // didn't make it: Slack's redelivery would be dropped as a repeat.
      if (item.after) {
        item.after();
      }
    }
    if (!broken && !read_ended_) {
      auto [ec] = co_await ws_->async_close(websocket::close_code::normal, kTuple);
      if (ec) {
        spdlog::debug("event=socket_mode.close_failed socket={} error=\"{}\"", id_, ec.message());
        Abort();
      }
    }
    (void)self;
  }

  asio::awaitable<bool> Write(const std::string& text) {
    auto [ec, bytes] = co_await ws_->async_write(asio::buffer(text), kTuple);
    (void)bytes;
    if (ec) {
      spdlog::warn("event=socket_mode.write_failed socket={} error=\"{}\"", id_, ec.message());
    }
    co_return !ec;
  }

  // Whether Slack has already ended the TCP connection (FIN, RST or error)
  // while the reader has yet to notice: a frame written now would be lost
  // though the write itself succeeds.
  bool PeerHungUp() {
    pollfd fd{beast::get_lowest_layer(*ws_).socket().native_handle(), POLLRDHUP, 0};
    if (fd.fd < 0) {
      return true;
    }
    if (::poll(&fd, 1, 0) <= 0 || (fd.revents & (POLLRDHUP | POLLHUP | POLLERR)) == 0) {
      return false;
    }
    spdlog::warn("event=socket_mode.peer_gone socket={}", id_);
    return true;
  }

  asio::awaitable<void> HelloWatchdog(std::shared_ptr<Session> self) {
    asio::steady_timer timer(client_->executor, client_->options.hello_timeout);
    co_await timer.async_wait(kTuple);
    if (!read_ended_ && !had_hello_) {
      spdlog::warn("event=socket_mode.no_hello socket={} after_ms={}", id_,
                   client_->options.hello_timeout.count());
      Abort();
    }
    (void)self;
  }

  // Closes a draining socket once the drain time has passed and another
  // socket serves; until then it keeps serving, so that no delivery finds
  // the bot without a socket (Slack may refuse the next one, e.g. with
  // `too_many_websockets`).
  asio::awaitable<void> DrainWatchdog(std::shared_ptr<Session> self) {
    asio::steady_timer timer(client_->executor);
    do {
      timer.expires_after(client_->options.drain_timeout);
      co_await timer.async_wait(kTuple);
    } while (!read_ended_ && !client_->stopped && !client_->OtherSocketUp(this, true));
    if (!read_ended_) {
      spdlog::info("event=socket_mode.drained socket={}", id_);
      Close();
    }
    (void)self;
  }

  // Drops the TCP connection; the reader then ends the session.
  void Abort() {
    beast::error_code ignored;
    beast::get_lowest_layer(*ws_).socket().close(ignored);
  }

  void Enqueue(Outgoing item) {
    queue_.push_back(std::move(item));
    wake_writer_.cancel();
  }

  void HandleFrame(const std::string& text) {
    auto frame = ParseSocketFrame(text);
    if (!frame) {
      spdlog::warn("event=socket_mode.bad_frame socket={} error=\"{}\"", id_, frame.error().detail);
      return;
    }
    switch (frame->type) {
      case FrameType::kHello:
        if (!had_hello_) {
          had_hello_ = true;
          ++client_->hellos;
          ++client_->live_with_hello;
        }
        spdlog::info("event=socket_mode.hello socket={} num_connections={}", id_,
                     frame->num_connections);
        client_->Changed();
        return;
      case FrameType::kDisconnect:
        HandleDisconnect(frame->disconnect_reason);
        return;
      case FrameType::kEventsApi:
      case FrameType::kSlashCommands:
      case FrameType::kInteractive:
        HandleEnvelope(*frame);
        return;
      case FrameType::kUnknown:
        spdlog::info("event=socket_mode.unknown_frame socket={} type={}", id_, frame->type_name);
        // An envelope of a kind we don't know still needs its ack, or Slack
        // keeps sending it.
        if (!frame->envelope_id.empty()) {
          Enqueue({BuildAck(frame->envelope_id, ""), nullptr});
        }
        return;
    }
  }

  void HandleDisconnect(const std::string& reason) {
    ++client_->disconnects;
    client_->Changed();
    spdlog::info("event=socket_mode.disconnect socket={} reason={}", id_, reason);
    const EndReason end = DisconnectEnd(reason);
    Signal(end);
    if (end == EndReason::kWarning || end == EndReason::kRefresh) {
      // Slack wants us on a new socket (and closes this one in about 10 s
      // after a warning): open the next one now and keep serving here until
      // Slack closes it or the drain ends, so that nothing sent here in
      // between goes unanswered (bolt-js#1061).
      draining_ = true;
      asio::co_spawn(client_->executor, DrainWatchdog(shared_from_this()), LogCoroutineFailure);
      return;
    }
    Close();
  }

  void HandleEnvelope(const SocketFrame& frame) {
    ++client_->envelopes;
    auto envelope = ToInboundRequest(frame);
    if (!envelope) {
      spdlog::warn("event=socket_mode.bad_envelope socket={} type={} error=\"{}\"", id_,
                   frame.type_name, envelope.error().detail);
      if (!frame.envelope_id.empty()) {
        Enqueue({BuildAck(frame.envelope_id, ""), nullptr});
      }
      return;
    }
    spdlog::debug(
        "event=socket_mode.envelope socket={} type={} payload_type={} envelope_id={} "
        "retry_attempt={}",
        id_, frame.type_name, envelope->payload_type, frame.envelope_id, frame.retry_attempt);
    if (!client_->filter.FirstDelivery(envelope->request.delivery_id)) {
      ++client_->duplicates;
      client_->Changed();
      spdlog::info("event=socket_mode.duplicate_dropped socket={} delivery_id={} retry_attempt={}",
                   id_, envelope->request.delivery_id, frame.retry_attempt);
      Enqueue({BuildAck(frame.envelope_id, ""), nullptr});
      return;
    }
    if (!envelope->replies_in_ack) {
      if (envelope->request.kind == InboundKind::kEvent && client_->keep) {
        client_->keep(envelope->request);  // before the ack: Slack won't redeliver after it
      }
      Enqueue({BuildAck(frame.envelope_id, ""),
               [client = client_, request = std::move(envelope->request)] {
                 client->SafeDispatch(request);
               }});
      return;
    }
    Enqueue(AckWithReply(frame, *envelope));
  }

  // Runs the handler now: its reply travels in the ack.
  Outgoing AckWithReply(const SocketFrame& frame, const EnvelopeRequest& envelope) {
    const auto started = std::chrono::steady_clock::now();
    const InboundReply reply = client_->SafeDispatch(envelope.request);
    const auto took = std::chrono::steady_clock::now() - started;
    if (took > kSlowDispatch) {
      spdlog::warn("event=socket_mode.slow_dispatch socket={} type={} ms={}", id_, frame.type_name,
                   std::chrono::duration_cast<std::chrono::milliseconds>(took).count());
    }
    bool dropped = false;
    Outgoing ack{BuildAck(frame.envelope_id, reply.body_json, &dropped), nullptr};
    if (dropped) {
      spdlog::error("event=socket_mode.reply_not_json socket={} type={}", id_, frame.type_name);
      return ack;
    }
    ack.lost = ReplyElsewhere(frame.type_name, envelope.response_url, reply.body_json);
    return ack;
  }

  // What to do when the ack carrying `body_json` can't be sent: the handler
  // has acted, and Slack will tell the user the command failed, so the reply
  // goes to the payload's response_url instead (when it has one: a view
  // submission's response_action has nowhere else to go).
  std::function<void()> ReplyElsewhere(const std::string& type, const std::string& response_url,
                                       const std::string& body_json) {
    if (body_json.empty()) {
      return nullptr;
    }
    if (response_url.empty()) {
      return [id = id_, type] {
        spdlog::warn("event=socket_mode.reply_lost socket={} type={}", id, type);
      };
    }
    return [client = client_, id = id_, type, url = response_url, body = body_json] {
      spdlog::warn("event=socket_mode.reply_by_response_url socket={} type={}", id, type);
      asio::co_spawn(client->executor, client->RespondInstead(url, body), LogCoroutineFailure);
    };
  }

  std::shared_ptr<Impl> client_;
  std::unique_ptr<Ws> ws_;
  std::int64_t id_;
  std::deque<Outgoing> queue_;
  asio::steady_timer wake_writer_;
  asio::steady_timer end_signal_;
  EndReason end_ = EndReason::kNone;
  bool closing_ = false;
  bool read_ended_ = false;
  bool had_hello_ = false;
  bool draining_ = false;
};

InboundReply SocketModeClient::Impl::SafeDispatch(const InboundRequest& request) {
  try {
    return dispatch(request);
  } catch (const std::exception& e) {
    spdlog::error("event=socket_mode.dispatch_failed error=\"{}\"", e.what());
  }
  return {};
}

asio::awaitable<Result<std::string>> SocketModeClient::Impl::OpenUrl() {
  auto reply = co_await api.CallWithToken("apps.connections.open", "{}", options.app_token);
  if (!reply) {
    co_return reply.error();
  }
  auto answer = detail::ParseApiAnswer(reply->body);
  if (!answer || answer->url.empty()) {
    co_return MakeError(Errc::kUnavailable, "apps.connections.open answered without a url");
  }
  co_return std::move(answer->url);
}

asio::awaitable<Result<std::unique_ptr<Ws>>> SocketModeClient::Impl::Connect(std::string url) {
  auto parsed = ParseUrl(url);
  if (!parsed || parsed->scheme != "wss") {
    co_return MakeError(Errc::kUnavailable, "apps.connections.open gave a URL that isn't wss://");
  }
  auto stream = co_await detail::ConnectTls(executor, tls, parsed->host, parsed->port,
                                            options.connect_timeout);
  if (!stream) {
    co_return stream.error();
  }
  auto ws = std::make_unique<Ws>(std::move(**stream));
  // The WebSocket's own timeouts take over from the TCP stream's.
  beast::get_lowest_layer(*ws).expires_never();
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = options.connect_timeout;
  timeouts.idle_timeout = options.idle_timeout;
  timeouts.keep_alive_pings = true;
  ws->set_option(timeouts);
  ws->read_message_max(kMaxFrameBytes);
  ws->set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
    req.set(beast::http::field::user_agent, "swarmbot/0.1");
  }));
  const bool default_port = parsed->port == "443";
  const std::string host = default_port ? parsed->host : parsed->host + ":" + parsed->port;
  auto [ec] = co_await ws->async_handshake(host, parsed->target, kTuple);
  if (ec) {
    co_return MakeError(Errc::kUnavailable,
                        "WebSocket handshake with " + parsed->host + " failed: " + ec.message());
  }
  co_return std::move(ws);
}

void SocketModeClient::Impl::Stop() {
  stopped = true;
  sleep_timer.cancel();
  for (auto& weak : sessions) {
    if (auto session = weak.lock()) {
      session->Signal(EndReason::kStopped);
      session->Close();
    }
  }
}

asio::awaitable<void> SocketModeClient::Impl::RespondInstead(std::string response_url,
                                                             std::string body_json) {
  const Status sent = co_await api.Respond(std::move(response_url), std::move(body_json));
  if (sent) {
    spdlog::info("event=socket_mode.reply_sent_by_response_url");
  } else {
    spdlog::error("event=socket_mode.reply_lost error={} detail=\"{}\"",
                  ErrcName(sent.error().code), sent.error().detail);
  }
}

bool SocketModeClient::Impl::OtherSocketUp(const Session* except, bool serving_only) const {
  for (const auto& weak : sessions) {
    const auto session = weak.lock();
    if (session && session.get() != except && session->Up() &&
        !(serving_only && session->Draining())) {
      return true;
    }
  }
  return false;
}

void SocketModeClient::Impl::SocketEnded() {
  if (wake_when_unserved && !OtherSocketUp(nullptr, false)) {
    spdlog::info("event=socket_mode.reconnect_now detail=\"the last open socket closed\"");
    sleep_timer.cancel();
  }
}

asio::awaitable<void> SocketModeClient::Impl::Pause(std::chrono::milliseconds delay) {
  if (!wake_when_unserved || OtherSocketUp(nullptr, false)) {
    spdlog::info("event=socket_mode.reconnect_in ms={}", delay.count());
    sleep_timer.expires_after(delay);
    co_await sleep_timer.async_wait(kTuple);
  }
  wake_when_unserved = false;
}

asio::awaitable<Status> SocketModeClient::Impl::Run(std::shared_ptr<Impl> self) {
  Backoff backoff(options.backoff_initial, options.backoff_cap);
  std::int64_t next_id = 0;
  while (!stopped) {
    std::chrono::milliseconds delay{0};
    auto url = co_await OpenUrl();
    if (!url) {
      if (url.error().code == Errc::kUnauthenticated) {
        spdlog::error("event=socket_mode.rejected error={} detail=\"app token refused\"",
                      url.error().slack_error);
        co_return url.error();
      }
      delay = backoff.Next();
      if (url.error().retry_after) {
        delay = std::max<std::chrono::milliseconds>(delay, *url.error().retry_after);
      }
      spdlog::warn("event=socket_mode.open_failed error=\"{}\"", url.error().detail);
    } else {
      delay = co_await Serve(self, std::move(*url), next_id, backoff);
      if (stopped) {
        break;
      }
    }
    // GCC 12 miscompiles co_await inside && and ||, so it stays a statement.
    const bool cancelled = co_await Cancelled();
    if (stopped || cancelled) {
      break;
    }
    if (delay.count() > 0) {
      co_await Pause(delay);
    }
  }
  Stop();
  co_return outcome;
}

asio::awaitable<std::chrono::milliseconds> SocketModeClient::Impl::Serve(std::shared_ptr<Impl> self,
                                                                         std::string url,
                                                                         std::int64_t& next_id,
                                                                         Backoff& backoff) {
  auto ws = co_await Connect(std::move(url));
  if (!ws) {
    spdlog::warn("event=socket_mode.connect_failed error=\"{}\"", ws.error().detail);
    co_return backoff.Next();
  }
  if (stopped) {
    // Stop() came while we were connecting: there was no session to close.
    beast::error_code ignored;
    beast::get_lowest_layer(**ws).socket().close(ignored);
    co_return std::chrono::milliseconds(0);
  }
  ++connections;
  const std::int64_t id = ++next_id;
  auto session = std::make_shared<Session>(self, std::move(*ws), id);
  std::erase_if(sessions, [](const auto& weak) { return weak.expired(); });
  sessions.push_back(session);
  spdlog::info("event=socket_mode.connected socket={}", id);
  session->Start();
  const EndReason end = co_await session->WaitForEnd();
  spdlog::info("event=socket_mode.session_end socket={} reason={}", id, EndReasonName(end));
  if (session->HadHello()) {
    backoff.Reset();
  }
  co_return NextDelay(end, *session, backoff);
}

std::chrono::milliseconds SocketModeClient::Impl::NextDelay(EndReason end, const Session& session,
                                                            Backoff& backoff) {
  switch (end) {
    case EndReason::kWarning:
    case EndReason::kRefresh:
    case EndReason::kOtherDisconnect:
      // Slack asked for a new socket: no delay, unless this one never worked
      // (a loop of instant refreshes would be a storm).
      return session.HadHello() ? std::chrono::milliseconds(0) : backoff.Next();
    case EndReason::kTooMany:
      // Refused as surplus. If an older socket still serves (draining after a
      // refresh), try again as soon as it closes rather than leave a gap.
      wake_when_unserved = OtherSocketUp(&session, false);
      return backoff.NextAtCap();
    case EndReason::kLinkDisabled:
      spdlog::error(
          "event=socket_mode.link_disabled detail=\"Socket Mode was turned off in the app's "
          "settings at api.slack.com/apps; turn it back on there, then start swarmbot again\"");
      outcome = LinkDisabled();
      Stop();
      return std::chrono::milliseconds(0);
    case EndReason::kStopped:
      Stop();
      return std::chrono::milliseconds(0);
    case EndReason::kNone:
    case EndReason::kClosed:
      break;
  }
  return backoff.Next();
}

SocketModeClient::SocketModeClient(asio::any_io_executor executor, WebApiClient& api,
                                   DeliveryFilter& filter, Dispatch dispatch,
                                   SocketModeOptions options)
    : impl_(std::make_shared<Impl>(std::move(executor), api, filter, std::move(dispatch),
                                   std::move(options))) {}

SocketModeClient::~SocketModeClient() = default;

asio::awaitable<Status> SocketModeClient::Run() {
  co_return co_await impl_->Run(impl_);
}

void SocketModeClient::KeepEventsWith(KeepEvent keep) {
  impl_->keep = std::move(keep);
}

void SocketModeClient::Stop() {
  asio::dispatch(impl_->executor, [impl = impl_] { impl->Stop(); });
}

SocketModeClient::Stats SocketModeClient::GetStats() const {
  Stats stats;
  stats.connections = impl_->connections.load();
  stats.hellos = impl_->hellos.load();
  stats.envelopes = impl_->envelopes.load();
  stats.duplicates = impl_->duplicates.load();
  stats.disconnects = impl_->disconnects.load();
  stats.open_sockets = impl_->open_sockets.load();
  stats.connected = impl_->live_with_hello.load() > 0;
  return stats;
}

}  // namespace swarmbot::bot
