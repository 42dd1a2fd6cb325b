#include "emulator/detail/server.hpp"

#include <map>

#include <spdlog/spdlog.h>

#include "common/tls.hpp"
#include "emulator/detail/core.hpp"
#include "emulator/detail/net.hpp"
#include "emulator/detail/socket_mode.hpp"
#include "emulator/detail/web_api.hpp"

namespace swarmbot::emulator::detail {

void LogCoroutineEnd(const char* what, std::exception_ptr error) {
  if (!error) {
    return;
  }
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    spdlog::debug("event=emulator.coroutine_end what={} error=\"{}\"", what, e.what());
  }
}

namespace {

constexpr std::size_t kBodyLimit = 8 * 1024 * 1024;
constexpr auto kHandshakeTimeout = std::chrono::seconds(30);
constexpr auto kIdleTimeout = std::chrono::seconds(300);

// What to do with a request once its fault (if any) has played out.
struct Outcome {
  HttpAnswer answer;
  bool drop = false;  // close the connection without answering
};

HttpAnswer TextAnswer(int status, std::string body) {
  HttpAnswer answer;
  answer.status = status;
  answer.content_type = "text/plain; charset=utf-8";
  answer.body = std::move(body);
  return answer;
}

HttpCall ToCall(const HttpRequest& req) {
  HttpCall call;
  call.verb = std::string(req.method_string());
  call.target = std::string(req.target());
  call.content_type = std::string(req[http::field::content_type]);
  call.authorization = std::string(req[http::field::authorization]);
  call.body = req.body();
  return call;
}

HttpResponse ToResponse(const HttpAnswer& answer, const HttpRequest& req) {
  HttpResponse res{static_cast<http::status>(answer.status), req.version()};
  res.set(http::field::server, "swarmbot-emulator");
  res.set(http::field::content_type, answer.content_type);
  for (const auto& [name, value] : answer.headers) {
    res.set(name, value);
  }
  res.keep_alive(req.keep_alive());
  res.body() = answer.body;
  res.prepare_payload();
  return res;
}

}  // namespace

struct Server::State {
  explicit State(Core& c)
      : core(c),
        tls(MakeServerTlsContext(c.certificate.chain_pem, c.certificate.key_pem)),
        acceptor(c.io) {}

  Core& core;
  asio::ssl::context tls;
  tcp::acceptor acceptor;
  bool stopped = false;
  int next_connection = 0;
  std::map<int, std::weak_ptr<TlsStream>> connections;

  asio::awaitable<void> Accept();
  asio::awaitable<void> Session(std::shared_ptr<TlsStream> stream, int id);
  asio::awaitable<Outcome> Handle(const HttpRequest& req);
  asio::awaitable<Outcome> Faulted(const std::string& method, const Fault& fault,
                                   const HttpCall& call);
  HttpAnswer Perform(const std::string& method, const HttpCall& call);
};

asio::awaitable<void> Server::State::Accept() {
  while (!stopped) {
    auto [ec, socket] = co_await acceptor.async_accept(kTuple);
    if (ec) {
      if (stopped || ec == asio::error::operation_aborted) {
        co_return;
      }
      continue;
    }
    auto stream = std::make_shared<TlsStream>(std::move(socket), tls);
    const int id = ++next_connection;
    connections[id] = stream;
    asio::co_spawn(core.io, Session(stream, id),
                   [](std::exception_ptr e) { LogCoroutineEnd("http_session", e); });
  }
}

asio::awaitable<void> Server::State::Session(std::shared_ptr<TlsStream> stream, int id) {
  auto& tcp_layer = beast::get_lowest_layer(*stream);
  tcp_layer.expires_after(kHandshakeTimeout);
  if (auto [ec] = co_await stream->async_handshake(asio::ssl::stream_base::server, kTuple); ec) {
    connections.erase(id);
    co_return;
  }
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kBodyLimit);
    tcp_layer.expires_after(kIdleTimeout);
    if (auto [ec, n] = co_await http::async_read(*stream, buffer, parser, kTuple); ec) {
      break;
    }
    HttpRequest req = parser.release();
    if (websocket::is_upgrade(req)) {
      connections.erase(id);
      tcp_layer.expires_never();
      co_await ServeWebSocket(core.socket_mode(), std::move(*stream), std::move(req));
      co_return;
    }
    tcp_layer.expires_never();
    Outcome outcome = co_await Handle(req);
    if (outcome.drop || stopped) {
      break;
    }
    HttpResponse res = ToResponse(outcome.answer, req);
    tcp_layer.expires_after(kHandshakeTimeout);
    if (auto [ec, n] = co_await http::async_write(*stream, res, kTuple); ec || !req.keep_alive()) {
      break;
    }
  }
  connections.erase(id);
  beast::error_code ignored;
  tcp_layer.socket().shutdown(tcp::socket::shutdown_both, ignored);
  tcp_layer.socket().close(ignored);
}

asio::awaitable<Outcome> Server::State::Handle(const HttpRequest& req) {
  const HttpCall call = ToCall(req);
  std::string method;
  if (call.target.rfind("/api/", 0) == 0) {
    method = ApiMethodName(call.target);
  } else if (call.target.rfind("/response/", 0) == 0) {
    method = "response_url";
  } else {
    co_return Outcome{TextAnswer(404, "not found"), false};
  }
  std::optional<Fault> fault;
  {
    std::lock_guard lock(core.mu);
    ++core.ws.call_counts[method];
    fault = core.TakeFaultLocked(method);
    core.NotifyLocked();
  }
  if (fault) {
    co_return co_await Faulted(method, *fault, call);
  }
  co_return Outcome{Perform(method, call), false};
}

asio::awaitable<Outcome> Server::State::Faulted(const std::string& method, const Fault& fault,
                                                const HttpCall& call) {
  switch (fault.kind) {
    case Fault::Kind::kRateLimited:
      co_return Outcome{RateLimitedAnswer(fault.retry_after), false};
    case Fault::Kind::kHttpError:
      co_return Outcome{TextAnswer(fault.status, "emulated server error"), false};
    case Fault::Kind::kDelay: {
      asio::steady_timer timer(core.io, fault.delay);
      co_await timer.async_wait(kTuple);
      co_return Outcome{Perform(method, call), false};
    }
    case Fault::Kind::kHold: {
      auto timer =
          std::make_shared<asio::steady_timer>(core.io, asio::steady_timer::time_point::max());
      auto drop = std::make_shared<bool>(true);
      {
        std::lock_guard lock(core.mu);
        core.held.push_back(HeldCall{method, [timer, drop](bool d) {
                                       *drop = d;
                                       timer->cancel();
                                     }});
        core.NotifyLocked();
      }
      co_await timer->async_wait(kTuple);
      if (*drop || stopped) {
        co_return Outcome{{}, true};
      }
      co_return Outcome{Perform(method, call), false};
    }
    case Fault::Kind::kPerformThenDrop:
      Perform(method, call);
      co_return Outcome{{}, true};
    case Fault::Kind::kRefused:
      co_return Outcome{RefusedAnswer(fault.error), false};
  }
  co_return Outcome{Perform(method, call), false};
}

HttpAnswer Server::State::Perform(const std::string& method, const HttpCall& call) {
  std::unique_lock lock(core.mu);
  HttpAnswer answer;
  if (method == "response_url") {
    const std::string id = call.target.substr(std::string("/response/").size());
    answer = RunResponseUrl(core.ws, id.substr(0, id.find('?')), call);
  } else {
    answer = RunWebApi(core.ws, call);
  }
  core.FlushEvents(lock);
  return answer;
}

Server::Server(Core& core) : state_(std::make_unique<State>(core)) {}

Server::~Server() = default;

std::uint16_t Server::Listen(std::uint16_t port) {
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
  state_->acceptor.open(endpoint.protocol());
  state_->acceptor.set_option(asio::socket_base::reuse_address(true));
  state_->acceptor.bind(endpoint);
  state_->acceptor.listen();
  return state_->acceptor.local_endpoint().port();
}

void Server::Start() {
  asio::co_spawn(state_->core.io, state_->Accept(),
                 [](std::exception_ptr e) { LogCoroutineEnd("accept", e); });
}

void Server::Stop() {
  state_->stopped = true;
  beast::error_code ignored;
  state_->acceptor.close(ignored);
  for (auto& [id, weak] : state_->connections) {
    if (auto stream = weak.lock(); stream) {
      beast::get_lowest_layer(*stream).socket().close(ignored);
    }
  }
  std::vector<HeldCall> held;
  {
    std::lock_guard lock(state_->core.mu);
    held.swap(state_->core.held);
  }
  for (auto& h : held) {
    h.release(true);
  }
}

}  // namespace swarmbot::emulator::detail
