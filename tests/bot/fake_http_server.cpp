#include "tests/bot/fake_http_server.hpp"

#include <cctype>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "tests/support/testing.hpp"

namespace swarmbot::bot::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct FakeHttpServer::Impl {
  Mode mode;
  int status;
  std::string body;
  std::map<std::string, std::string> headers;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::thread accept_thread;
  mutable std::mutex mutex;
  mutable std::condition_variable stopping_cv;
  mutable std::condition_variable closed_cv;
  int closed_by_server = 0;
  bool stopping = false;
  std::vector<Seen> seen;
  int connections = 0;
  std::vector<std::shared_ptr<tcp::socket>> sockets;
  std::vector<std::thread> workers;

  void Serve(std::shared_ptr<tcp::socket> socket) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> req;
      beast::error_code ec;
      http::read(*socket, buffer, req, ec);
      if (ec) {
        return;
      }
      Record(req);
      if (mode == Mode::kNeverAnswer) {
        std::unique_lock lock(mutex);
        stopping_cv.wait(lock, [&] { return stopping; });
        return;
      }
      http::response<http::string_body> res{static_cast<http::status>(status), 11};
      res.set(http::field::content_type, "application/json; charset=utf-8");
      for (const auto& [name, value] : headers) {
        res.set(name, value);
      }
      res.body() = body;
      res.keep_alive(true);
      res.prepare_payload();
      http::write(*socket, res, ec);
      if (ec || mode == Mode::kCloseAfterEachAnswer) {
        socket->shutdown(tcp::socket::shutdown_both, ec);
        socket->close(ec);
        std::lock_guard lock(mutex);
        ++closed_by_server;
        closed_cv.notify_all();
        return;
      }
    }
  }

  void Record(const http::request<http::string_body>& req) {
    Seen entry;
    entry.method = std::string(req.method_string());
    entry.target = std::string(req.target());
    entry.body = req.body();
    for (const auto& field : req) {
      std::string name(field.name_string());
      for (char& c : name) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      entry.headers[name] = std::string(field.value());
    }
    std::lock_guard lock(mutex);
    seen.push_back(std::move(entry));
  }

  void AcceptLoop() {
    for (;;) {
      auto socket = std::make_shared<tcp::socket>(io);
      beast::error_code ec;
      acceptor.accept(*socket, ec);
      std::lock_guard lock(mutex);
      if (ec || stopping) {
        return;
      }
      ++connections;
      sockets.push_back(socket);
      workers.emplace_back([this, socket] { Serve(socket); });
    }
  }
};

FakeHttpServer::FakeHttpServer(Mode mode, int status, std::string body,
                               std::map<std::string, std::string> headers)
    : impl_(std::make_unique<Impl>()) {
  impl_->mode = mode;
  impl_->status = status;
  impl_->body = std::move(body);
  impl_->headers = std::move(headers);
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen();
  impl_->accept_thread = std::thread([this] { impl_->AcceptLoop(); });
}

FakeHttpServer::~FakeHttpServer() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
    beast::error_code ignored;
    for (auto& socket : impl_->sockets) {
      socket->shutdown(tcp::socket::shutdown_both, ignored);
    }
  }
  impl_->stopping_cv.notify_all();
  beast::error_code ignored;
  // Wake the blocking accept with one last connection.
  tcp::socket poke(impl_->io);
  poke.connect(impl_->acceptor.local_endpoint(), ignored);
  impl_->accept_thread.join();
  for (auto& worker : impl_->workers) {
    worker.join();
  }
}

std::uint16_t FakeHttpServer::Port() const {
  return impl_->acceptor.local_endpoint().port();
}

std::string FakeHttpServer::BaseUrl() const {
  return "http://127.0.0.1:" + std::to_string(Port()) + "/api/";
}

std::vector<FakeHttpServer::Seen> FakeHttpServer::Requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->seen;
}

bool FakeHttpServer::WaitForServerClosed(int count) const {
  std::unique_lock lock(impl_->mutex);
  return impl_->closed_cv.wait_for(lock, swarmbot::testing::kTestTimeout,
                                   [&] { return impl_->closed_by_server >= count; });
}

int FakeHttpServer::Connections() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->connections;
}

}  // namespace swarmbot::bot::testing
