#include "emulator/detail/socket_mode.hpp"

#include <deque>
#include <map>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include "common/crypto.hpp"
#include "emulator/detail/net.hpp"

namespace swarmbot::emulator::detail {
namespace {

using WsStream = websocket::stream<TlsStream>;

constexpr auto kSweepInterval = std::chrono::milliseconds(20);
constexpr auto kHandshakeTimeout = std::chrono::seconds(30);
// After this long without an ack, a command or click is given up for good.
constexpr auto kInteractiveGrace = std::chrono::seconds(2);

std::string NewEnvelopeId() {
  std::string hex = RandomHex(16);
  hex[12] = '4';  // a version 4 UUID
  hex[16] = "89ab"[hex[16] % 4];
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

struct Frame {
  std::string text;
  bool close = false;  // a close frame instead of text
};

// One open WebSocket. A single writer coroutine drains `outbox`, so frames
// never interleave; the reader runs alongside it.
struct Connection {
  Connection(TlsStream stream, int connection_id) : ws(std::move(stream)), id(connection_id) {}

  WsStream ws;
  int id;
  bool open = true;
  bool writing = false;
  // Told to go away (a disconnect message): Slack sends it no new envelopes
  // while another socket can take them.
  bool retiring = false;
  std::deque<Frame> outbox;
};

struct InFlight {
  Delivery delivery;
  int connection = 0;
  Clock::TimePoint sent;
  std::chrono::steady_clock::time_point sent_steady;
};

}  // namespace

struct SocketMode::State {
  explicit State(Core& c) : core(c), sweeper(c.io) {}

  Core& core;
  asio::steady_timer sweeper;
  bool stopped = false;
  int next_id = 0;
  std::size_t next_socket = 0;
  std::vector<std::shared_ptr<Connection>> connections;
  std::map<std::string, InFlight> in_flight;
  std::deque<Delivery> waiting;  // events with no socket to go to
  std::vector<std::weak_ptr<asio::steady_timer>> close_timers;

  void Write(const std::shared_ptr<Connection>& c, Frame frame);
  asio::awaitable<void> Writer(std::shared_ptr<Connection> c);
  asio::awaitable<void> Reader(std::shared_ptr<Connection> c);
  asio::awaitable<void> Sweep();
  void Send(Delivery d);
  void OnFrame(const std::string& text);
  void Redeliver(Delivery d);
  void Closed(const std::shared_ptr<Connection>& c);
  void UpdateCount();
  json::object Hello(int id) const;
  asio::awaitable<void> Serve(TlsStream stream, HttpRequest req);
};

void SocketMode::State::Write(const std::shared_ptr<Connection>& c, Frame frame) {
  if (!c->open) {
    return;
  }
  c->outbox.push_back(std::move(frame));
  if (!c->writing) {
    c->writing = true;
    asio::co_spawn(core.io, Writer(c),
                   [](std::exception_ptr e) { LogCoroutineEnd("socket_writer", e); });
  }
}

asio::awaitable<void> SocketMode::State::Writer(std::shared_ptr<Connection> c) {
  while (!c->outbox.empty() && c->open) {
    Frame frame = std::move(c->outbox.front());
    c->outbox.pop_front();
    if (frame.close) {
      co_await c->ws.async_close(websocket::close_code::normal, kTuple);
      break;
    }
    c->ws.text(true);
    auto [ec, n] = co_await c->ws.async_write(asio::buffer(frame.text), kTuple);
    if (ec) {
      break;
    }
  }
  c->writing = false;
}

asio::awaitable<void> SocketMode::State::Reader(std::shared_ptr<Connection> c) {
  beast::flat_buffer buffer;
  for (;;) {
    auto [ec, n] = co_await c->ws.async_read(buffer, kTuple);
    if (ec) {
      break;
    }
    OnFrame(beast::buffers_to_string(buffer.data()));
    buffer.consume(buffer.size());
  }
}

void SocketMode::State::OnFrame(const std::string& text) {
  boost::system::error_code ec;
  json::value frame = json::parse(text, ec);
  const json::object* obj = ec ? nullptr : frame.if_object();
  const json::value* id = obj != nullptr ? obj->if_contains("envelope_id") : nullptr;
  if (id == nullptr || !id->is_string()) {
    spdlog::debug("event=emulator.socket_frame_ignored size={}", text.size());
    return;
  }
  auto it = in_flight.find(std::string(id->as_string()));
  if (it == in_flight.end()) {
    return;  // a late or repeated ack
  }
  Delivery delivery = std::move(it->second.delivery);
  in_flight.erase(it);
  AckResult ack{true, {}, {}};
  if (const json::value* payload = obj->if_contains("payload"); payload && !payload->is_null()) {
    ack.body = json::serialize(*payload);
  }
  if (delivery.on_ack) {
    delivery.on_ack(std::move(ack));
  }
}

void SocketMode::State::Send(Delivery d) {
  if (connections.empty()) {
    if (d.kind == DeliveryKind::kEvent) {
      waiting.push_back(std::move(d));
    } else if (d.on_ack) {
      d.on_ack(AckResult{false, {}, "dispatch_failed: no Socket Mode connection is open"});
    }
    return;
  }
  std::vector<std::shared_ptr<Connection>> candidates;
  for (const auto& connection : connections) {
    if (!connection->retiring) {
      candidates.push_back(connection);
    }
  }
  if (candidates.empty()) {
    candidates = connections;
  }
  auto& c = candidates[next_socket++ % candidates.size()];
  const std::string envelope_id = NewEnvelopeId();
  json::object envelope{{"envelope_id", envelope_id},
                        {"type", EnvelopeType(d.kind)},
                        {"payload", d.payload},
                        {"accepts_response_payload", d.accepts_response_payload}};
  if (d.kind == DeliveryKind::kEvent) {
    envelope["retry_attempt"] = d.retry_attempt;
    envelope["retry_reason"] = d.retry_reason;
  }
  // Stamped before the write: the socket may hand the frame to the app at
  // once, and a test that then advances the clock must not move the stamp.
  in_flight[envelope_id] =
      InFlight{std::move(d), c->id, core.clock.Now(), std::chrono::steady_clock::now()};
  Write(c, Frame{json::serialize(envelope)});
}

void SocketMode::State::Redeliver(Delivery d) {
  if (d.retry_attempt >= core.options.max_event_retries) {
    spdlog::debug("event=emulator.event_dropped attempts={}", d.retry_attempt + 1);
    return;
  }
  ++d.retry_attempt;
  d.retry_reason = "timeout";
  core.Deliver(std::move(d));
}

asio::awaitable<void> SocketMode::State::Sweep() {
  while (!stopped) {
    sweeper.expires_after(kSweepInterval);
    co_await sweeper.async_wait(kTuple);
    const auto now = core.clock.Now();
    const auto steady_now = std::chrono::steady_clock::now();
    for (auto it = in_flight.begin(); it != in_flight.end();) {
      InFlight& f = it->second;
      const bool event = f.delivery.kind == DeliveryKind::kEvent;
      if (event && now - f.sent >= core.options.socket_redelivery_after) {
        Delivery d = std::move(f.delivery);
        it = in_flight.erase(it);
        Redeliver(std::move(d));
      } else if (!event &&
                 steady_now - f.sent_steady > core.options.ack_deadline + kInteractiveGrace) {
        Delivery d = std::move(f.delivery);
        it = in_flight.erase(it);
        if (d.on_ack) {
          d.on_ack(AckResult{false, {}, "operation_timeout"});
        }
      } else {
        ++it;
      }
    }
  }
}

void SocketMode::State::Closed(const std::shared_ptr<Connection>& c) {
  c->open = false;
  std::erase(connections, c);
  UpdateCount();
  for (auto it = in_flight.begin(); it != in_flight.end();) {
    if (it->second.connection != c->id) {
      ++it;
      continue;
    }
    Delivery d = std::move(it->second.delivery);
    it = in_flight.erase(it);
    if (d.kind == DeliveryKind::kEvent) {
      Redeliver(std::move(d));
    } else if (d.on_ack) {
      d.on_ack(AckResult{false, {}, "dispatch_failed: the socket closed before the ack"});
    }
  }
}

void SocketMode::State::UpdateCount() {
  std::lock_guard lock(core.mu);
  core.open_sockets = static_cast<int>(connections.size());
  core.NotifyLocked();
}

json::object SocketMode::State::Hello(int id) const {
  return {{"type", "hello"},
          {"num_connections", connections.size()},
          {"debug_info", json::object{{"host", "applink-emulator-" + std::to_string(id)},
                                      {"build_number", 1},
                                      {"approximate_connection_time", 18060}}},
          {"connection_info", json::object{{"app_id", core.options.app_id}}}};
}

asio::awaitable<void> SocketMode::State::Serve(TlsStream stream, HttpRequest req) {
  const std::string target(req.target());
  const auto q = target.find('?');
  auto fields = ParseForm(q == std::string::npos ? std::string_view{}
                                                 : std::string_view(target).substr(q + 1));
  const auto ticket = fields ? FormValue(*fields, "ticket") : std::nullopt;
  bool valid = false;
  if (target.rfind("/link/", 0) == 0 && ticket) {
    std::lock_guard lock(core.mu);
    valid = core.ws.UseTicket(*ticket);
  }
  if (!valid || stopped) {
    HttpResponse res{http::status::unauthorized, req.version()};
    res.set(http::field::content_type, "text/plain");
    res.body() = "invalid or used ticket";
    res.prepare_payload();
    co_await http::async_write(stream, res, kTuple);
    co_return;
  }

  auto c = std::make_shared<Connection>(std::move(stream), ++next_id);
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = kHandshakeTimeout;
  timeouts.idle_timeout = core.options.ping_interval * 2;
  timeouts.keep_alive_pings = true;  // a ping after half the idle time (reference §5.5)
  c->ws.set_option(timeouts);
  if (auto [ec] = co_await c->ws.async_accept(req, kTuple); ec) {
    co_return;
  }
  if (static_cast<int>(connections.size()) >= core.options.max_sockets) {
    Write(c, Frame{json::serialize(
                 json::object{{"type", "disconnect"}, {"reason", "too_many_websockets"}})});
    Write(c, Frame{{}, true});
    co_await Reader(c);
    co_return;
  }
  connections.push_back(c);
  UpdateCount();
  Write(c, Frame{json::serialize(Hello(c->id))});
  std::deque<Delivery> queued;
  queued.swap(waiting);
  for (auto& d : queued) {
    Send(std::move(d));
  }
  co_await Reader(c);
  Closed(c);
}

asio::awaitable<void> ServeWebSocket(SocketMode& socket_mode, TlsStream stream, HttpRequest req) {
  co_await socket_mode.state().Serve(std::move(stream), std::move(req));
}

SocketMode::SocketMode(Core& core) : state_(std::make_unique<State>(core)) {}

SocketMode::~SocketMode() = default;

void SocketMode::Start() {
  asio::co_spawn(state_->core.io, state_->Sweep(),
                 [](std::exception_ptr e) { LogCoroutineEnd("socket_sweep", e); });
}

void SocketMode::Stop() {
  state_->stopped = true;
  state_->sweeper.cancel();
  DropAll();
  for (auto& [id, f] : state_->in_flight) {
    if (f.delivery.on_ack) {
      f.delivery.on_ack(AckResult{false, {}, "emulator stopped"});
    }
  }
  state_->in_flight.clear();
  state_->waiting.clear();
  for (auto& weak : state_->close_timers) {
    if (auto timer = weak.lock(); timer) {
      timer->cancel();
    }
  }
}

void SocketMode::Send(Delivery delivery) {
  state_->Send(std::move(delivery));
}

void SocketMode::Disconnect(const std::string& reason) {
  const std::string text =
      json::serialize(json::object{{"type", "disconnect"},
                                   {"reason", reason},
                                   {"debug_info", json::object{{"host", "applink-emulator"}}}});
  auto sockets = state_->connections;
  for (auto& c : sockets) {
    c->retiring = true;
    state_->Write(c, Frame{text});
  }
  auto timer = std::make_shared<asio::steady_timer>(state_->core.io,
                                                    state_->core.options.disconnect_close_after);
  std::erase_if(state_->close_timers, [](const auto& weak) { return weak.expired(); });
  state_->close_timers.push_back(timer);
  timer->async_wait([this, timer, sockets](beast::error_code ec) {
    if (ec || state_->stopped) {
      return;
    }
    for (auto& c : sockets) {
      state_->Write(c, Frame{{}, true});
    }
  });
}

void SocketMode::DropAll() {
  for (auto& c : state_->connections) {
    beast::error_code ignored;
    auto& socket = beast::get_lowest_layer(c->ws).socket();
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }
}

}  // namespace swarmbot::emulator::detail
