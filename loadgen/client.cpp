#include "loadgen/client.hpp"

#include <atomic>
#include <optional>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace swarmbot::loadgen {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// Slack gives up on an acknowledgement after 3 s; wait longer, so that a slow
// answer is measured rather than cut off.
constexpr std::chrono::seconds kExchangeTimeout{30};

// One keep-alive connection, opened on first use and again after the server closes it.
class Connection {
 public:
  Connection(std::uint16_t port, const std::string& signing_secret,
             std::atomic<std::size_t>& opened)
      : endpoint_(asio::ip::make_address("127.0.0.1"), port),
        signing_secret_(signing_secret),
        opened_(opened) {}

  Outcome Exchange(const Request& request) {
    Outcome outcome;
    outcome.kind = request.kind;
    const auto started = std::chrono::steady_clock::now();
    beast::error_code ec;
    http::response<http::string_body> response;
    if (!Send(request, response, ec)) {
      outcome.body = ec.message();
    } else {
      outcome.status = static_cast<int>(response.result_int());
      outcome.body = std::move(response.body());
      if (!response.keep_alive()) {
        stream_.reset();
      }
    }
    outcome.latency = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - started);
    return outcome;
  }

 private:
  bool Send(const Request& request, http::response<http::string_body>& response,
            beast::error_code& ec) {
    if (!stream_ && !Open(ec)) {
      return false;
    }
    http::request<http::string_body> message(http::verb::post, request.path, 11);
    message.set(http::field::host, "127.0.0.1");
    message.set(http::field::user_agent, "Slackbot 1.0 (swarmbot-load)");
    message.set(http::field::content_type, request.content_type);
    const SignatureHeaders signed_now = Sign(signing_secret_, request.body);
    message.set("X-Slack-Request-Timestamp", signed_now.timestamp);
    message.set("X-Slack-Signature", signed_now.signature);
    message.keep_alive(true);
    message.body() = request.body;
    message.prepare_payload();
    stream_->expires_after(kExchangeTimeout);
    http::write(*stream_, message, ec);
    if (!ec) {
      http::read(*stream_, buffer_, response, ec);
    }
    if (ec) {
      stream_.reset();
      return false;
    }
    return true;
  }

  bool Open(beast::error_code& ec) {
    stream_.emplace(io_);
    stream_->expires_after(kExchangeTimeout);
    stream_->connect(endpoint_, ec);
    if (ec) {
      stream_.reset();
      return false;
    }
    buffer_.clear();
    ++opened_;
    return true;
  }

  asio::io_context io_;
  tcp::endpoint endpoint_;
  const std::string& signing_secret_;
  std::atomic<std::size_t>& opened_;
  std::optional<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
};

}  // namespace

Traffic SendAll(const std::vector<Request>& requests, std::uint16_t port,
                const std::string& signing_secret, std::size_t connections) {
  Traffic traffic;
  traffic.outcomes.resize(requests.size());
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> opened{0};
  const auto started = std::chrono::steady_clock::now();
  {
    std::vector<std::jthread> workers;
    for (std::size_t c = 0; c < connections; ++c) {
      workers.emplace_back([&] {
        Connection connection(port, signing_secret, opened);
        for (std::size_t i = next++; i < requests.size(); i = next++) {
          traffic.outcomes[i] = connection.Exchange(requests[i]);
        }
      });
    }
  }
  traffic.elapsed = std::chrono::steady_clock::now() - started;
  traffic.connections_opened = opened;
  return traffic;
}

}  // namespace swarmbot::loadgen
