// SocketModeClient against a peer that breaks the WebSocket protocol (RFC 6455)
// on purpose, which the emulator never does: the client closes the socket
// with the right close code and logs that code and why, not the TLS error of
// the closing handshake.
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <gtest/gtest.h>

#include "bot/socket_mode_client.hpp"
#include "common/tls.hpp"
#include "emulator/detail/certificate.hpp"
#include "store/database.hpp"
#include "tests/bot/bot_testing.hpp"

namespace swarmbot::bot {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using namespace std::chrono_literals;
using swarmbot::testing::kTestTimeout;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// Serves apps.connections.open with its own wss:// URL; on each socket it
// says hello, sends `bad_frame` as raw bytes and records the close code the
// client answers with. On 127.0.0.1 with a throwaway certificate.
class RudePeer {
 public:
  explicit RudePeer(std::string bad_frame)
      : bad_frame_(std::move(bad_frame)),
        certificate_(emulator::detail::MakeCertificate()),
        tls_(MakeServerTlsContext(certificate_.chain_pem, certificate_.key_pem)),
        acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    asio::co_spawn(io_, Accept(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~RudePeer() {
    io_.stop();
    thread_.join();
  }
  RudePeer(const RudePeer&) = delete;
  RudePeer& operator=(const RudePeer&) = delete;

  std::string BaseUrl() const { return "https://127.0.0.1:" + Port() + "/api/"; }
  const std::string& CaPem() const { return certificate_.ca_pem; }

  // The close code of the first socket the client closed (bounded by
  // kTestTimeout).
  std::optional<int> WaitForCloseCode() {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, kTestTimeout, [&] { return close_code_.has_value(); });
    return close_code_;
  }

 private:
  std::string Port() const { return std::to_string(acceptor_.local_endpoint().port()); }

  asio::awaitable<void> Accept() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(kTuple);
      if (ec) {
        co_return;
      }
      asio::co_spawn(io_, Serve(TlsStream(std::move(socket), tls_)), asio::detached);
    }
  }

  asio::awaitable<void> Serve(TlsStream stream) {
    auto [handshake] = co_await stream.async_handshake(asio::ssl::stream_base::server, kTuple);
    if (handshake) {
      co_return;
    }
    beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> request;
      auto [ec, bytes] = co_await http::async_read(stream, buffer, request, kTuple);
      if (ec) {
        co_return;
      }
      if (websocket::is_upgrade(request)) {
        co_await BeRude(std::move(stream), std::move(request));
        co_return;
      }
      http::response<http::string_body> answer{http::status::ok, request.version()};
      answer.set(http::field::content_type, "application/json");
      answer.body() = R"({"ok":true,"url":"wss://127.0.0.1:)" + Port() + R"(/link/"})";
      answer.prepare_payload();
      co_await http::async_write(stream, answer, kTuple);
    }
  }

  asio::awaitable<void> BeRude(TlsStream stream, http::request<http::string_body> request) {
    websocket::stream<TlsStream> ws(std::move(stream));
    if (auto [ec] = co_await ws.async_accept(request, kTuple); ec) {
      co_return;
    }
    ws.text(true);
    const std::string hello = R"({"type":"hello","num_connections":1})";
    co_await ws.async_write(asio::buffer(hello), kTuple);
    co_await asio::async_write(ws.next_layer(), asio::buffer(bad_frame_), kTuple);
    beast::flat_buffer buffer;
    auto [ec, bytes] = co_await ws.async_read(buffer, kTuple);
    if (ec == websocket::error::closed) {
      std::lock_guard lock(mutex_);
      close_code_ = close_code_.value_or(ws.reason().code);
      changed_.notify_all();
    }
  }

  std::string bad_frame_;
  emulator::detail::Certificate certificate_;
  asio::ssl::context tls_;
  asio::io_context io_;  // after tls_: the sockets it still holds go first
  asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::optional<int> close_code_;
};

class SocketModeCloseTest : public ::testing::Test {
 protected:
  ~SocketModeCloseTest() override {
    if (client_) {
      client_->Stop();
      EXPECT_EQ(running_.wait_for(kTestTimeout), std::future_status::ready);
    }
    io_.Invoke([this] {
      client_.reset();
      api_.reset();
      filter_.reset();
      db_.reset();
      return 0;
    });
  }

  // Connects a client to `peer` and waits for the close code it sent.
  std::optional<int> CloseCodeFor(RudePeer& peer) {
    swarmbot::testing::WriteFile(dir_ / "ca.pem", peer.CaPem());
    WebApiOptions api_options;
    api_options.base_url = peer.BaseUrl();
    api_options.ca_file = (dir_ / "ca.pem").string();
    api_options.bot_token = Secret("xoxb-rude-peer-test");
    SocketModeOptions options;
    options.app_token = Secret("xapp-rude-peer-test");
    options.ca_file = (dir_ / "ca.pem").string();
    options.backoff_initial = 1s;
    io_.Invoke([&] {
      db_ = std::move(store::Database::Open(":memory:").value());
      filter_ = std::make_unique<DeliveryFilter>(*db_, clock_);
      api_ = std::make_unique<WebApiClient>(io_.executor(), api_options);
      client_ = std::make_unique<SocketModeClient>(
          io_.executor(), *api_, *filter_, [](const InboundRequest&) { return InboundReply{}; },
          options);
      running_ = asio::co_spawn(io_.executor(), client_->Run(), asio::use_future);
      return 0;
    });
    return peer.WaitForCloseCode();
  }

  swarmbot::bot::testing::LogCapture log_;  // first: outlives every thread that logs
  swarmbot::testing::TempDir dir_;
  FakeClock clock_;
  swarmbot::bot::testing::IoThread io_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<DeliveryFilter> filter_;
  std::unique_ptr<WebApiClient> api_;
  std::unique_ptr<SocketModeClient> client_;
  std::future<Status> running_;
};

// A final text frame (FIN + opcode 1) of `payload`, unmasked unless `mask`.
std::string TextFrame(const std::string& payload, bool mask = false, char first = '\x81') {
  std::string frame{first, static_cast<char>(payload.size() | (mask ? 0x80 : 0))};
  if (mask) {
    frame += std::string(4, '\0');  // a zero key leaves the payload as it is
  }
  return frame + payload;
}

TEST_F(SocketModeCloseTest, LogsCloseCode1007ForTextThatIsNotUtf8) {
  RudePeer peer(TextFrame("\xff\xfe"));
  EXPECT_EQ(CloseCodeFor(peer), 1007);
  const std::string line = log_.WaitForLine("event=socket_mode.closed socket=1");
  EXPECT_NE(line.find("by=swarmbot close_code=1007 reason=\"The WebSocket frame payload was not "
                      "valid utf8\""),
            std::string::npos)
      << line;
}

TEST_F(SocketModeCloseTest, LogsCloseCode1002ForAMaskedFrameFromTheServer) {
  RudePeer peer(TextFrame("{}", /*mask=*/true));
  EXPECT_EQ(CloseCodeFor(peer), 1002);
  const std::string line = log_.WaitForLine("event=socket_mode.closed socket=1");
  EXPECT_NE(line.find("by=swarmbot close_code=1002 reason=\"The WebSocket frame was masked\""),
            std::string::npos)
      << line;
}

TEST_F(SocketModeCloseTest, LogsCloseCode1002ForReservedBits) {
  RudePeer peer(TextFrame("{}", /*mask=*/false, '\xc1'));  // RSV1 without an extension
  EXPECT_EQ(CloseCodeFor(peer), 1002);
  const std::string line = log_.WaitForLine("event=socket_mode.closed socket=1");
  EXPECT_NE(line.find("by=swarmbot close_code=1002 reason=\"The WebSocket frame"),
            std::string::npos)
      << line;
}

}  // namespace
}  // namespace swarmbot::bot
