#include "bot/socket_mode_client.hpp"

#include <atomic>
#include <deque>
#include <exception>
#include <functional>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
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

using Ws = websocket::stream<detail::TlsStream>;

enum class EndReason { kNone, kClosed, kWarning, kRefresh, kTooMany, kLinkDisabled, kStopped };

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
    case EndReason::kTooMany:
      return "too_many_websockets";
    case EndReason::kLinkDisabled:
      return "link_disabled";
    case EndReason::kStopped:
      return "stopped";
  }
  return "unknown";
}

// A frame for the writer and, for "acknowledge first" deliveries, the
// dispatch that must wait until the ack is on the wire.
struct Outgoing {
  std::string text;
  std::function<void()> after;
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
  SocketModeOptions options;
  asio::ssl::context tls;
  asio::steady_timer sleep_timer;
  bool stopped = false;
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
  void Stop();
  InboundReply SafeDispatch(const InboundRequest& request);
};

// One WebSocket from open to close: a reader, a writer and two watchdogs
// (no hello; draining after `warning`), all on the io thread.
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
    asio::co_spawn(client_->executor,
                   Watchdog(self, client_->options.hello_timeout, /*until_hello=*/true),
                   LogCoroutineFailure);
  }

  // Why the main loop should move on: the first reason wins. The socket may
  // stay open after a `warning`, draining on its own.
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

 private:
  asio::awaitable<void> ReadLoop(std::shared_ptr<Session> self) {
    for (;;) {
      beast::flat_buffer buffer;
      auto [ec, bytes] = co_await ws_->async_read(buffer, kTuple);
      (void)bytes;
      if (ec) {
        // Closed or aborted: we (or Slack) ended it on purpose.
        if (closing_ || ec == websocket::error::closed || ec == asio::error::operation_aborted) {
          spdlog::info("event=socket_mode.closed socket={}", id_);
        } else {
          spdlog::warn("event=socket_mode.closed socket={} error=\"{}\"", id_, ec.message());
        }
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
    (void)self;
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
      if (!broken) {
        auto [ec, bytes] = co_await ws_->async_write(asio::buffer(item.text), kTuple);
        (void)bytes;
        if (ec) {
          spdlog::warn("event=socket_mode.write_failed socket={} error=\"{}\"", id_, ec.message());
          broken = true;
        }
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

  asio::awaitable<void> Watchdog(std::shared_ptr<Session> self, std::chrono::milliseconds after,
                                 bool until_hello) {
    asio::steady_timer timer(client_->executor, after);
    co_await timer.async_wait(kTuple);
    if (read_ended_) {
      co_return;
    }
    if (until_hello && !had_hello_) {
      spdlog::warn("event=socket_mode.no_hello socket={} after_ms={}", id_, after.count());
      Abort();
    } else if (!until_hello) {
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
    if (reason == "warning" || reason == "refresh_requested") {
      // Slack wants us on a new socket (and closes this one in about 10 s
      // after a warning): open the next one now and keep serving here until
      // Slack closes it or the drain times out, so that nothing sent here in
      // between goes unanswered (bolt-js#1061).
      Signal(EndReason::kWarning);
      asio::co_spawn(client_->executor,
                     Watchdog(shared_from_this(), client_->options.drain_timeout, false),
                     LogCoroutineFailure);
      return;
    }
    if (reason == "link_disabled") {
      Signal(EndReason::kLinkDisabled);
    } else if (reason == "too_many_websockets") {
      Signal(EndReason::kTooMany);
    } else {
      Signal(EndReason::kRefresh);
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
      Enqueue({BuildAck(frame.envelope_id, ""),
               [client = client_, request = std::move(envelope->request)] {
                 client->SafeDispatch(request);
               }});
      return;
    }
    const auto started = std::chrono::steady_clock::now();
    const InboundReply reply = client_->SafeDispatch(envelope->request);
    const auto took = std::chrono::steady_clock::now() - started;
    if (took > kSlowDispatch) {
      spdlog::warn("event=socket_mode.slow_dispatch socket={} type={} ms={}", id_, frame.type_name,
                   std::chrono::duration_cast<std::chrono::milliseconds>(took).count());
    }
    bool dropped = false;
    std::string ack = BuildAck(frame.envelope_id, reply.body_json, &dropped);
    if (dropped) {
      spdlog::error("event=socket_mode.reply_not_json socket={} type={}", id_, frame.type_name);
    }
    Enqueue({std::move(ack), nullptr});
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
      spdlog::info("event=socket_mode.reconnect_in ms={}", delay.count());
      sleep_timer.expires_after(delay);
      co_await sleep_timer.async_wait(kTuple);
    }
  }
  Stop();
  co_return Status{};
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
  switch (end) {
    case EndReason::kWarning:
    case EndReason::kRefresh:
      // Slack asked for a new socket: no delay, unless this one never worked
      // (a loop of instant refreshes would be a storm).
      co_return session->HadHello() ? std::chrono::milliseconds(0) : backoff.Next();
    case EndReason::kTooMany:
      co_return backoff.NextAtCap();
    case EndReason::kLinkDisabled:
      spdlog::error("event=socket_mode.link_disabled detail=\"Socket Mode is off for the app\"");
      Stop();
      co_return std::chrono::milliseconds(0);
    case EndReason::kStopped:
      Stop();
      co_return std::chrono::milliseconds(0);
    case EndReason::kNone:
    case EndReason::kClosed:
      break;
  }
  co_return backoff.Next();
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
