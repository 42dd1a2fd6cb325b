#include "bot/detail/connect.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>

#include "common/tls.hpp"

namespace swarmbot::bot::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

}  // namespace

asio::awaitable<Result<std::unique_ptr<beast::tcp_stream>>> ConnectTcp(
    asio::any_io_executor executor, std::string host, std::string port,
    std::chrono::milliseconds timeout) {
  tcp::resolver resolver(executor);
  auto [resolve_ec, endpoints] = co_await resolver.async_resolve(host, port, kTuple);
  if (resolve_ec) {
    co_return MakeError(Errc::kUnavailable, "cannot resolve " + host + ": " + resolve_ec.message());
  }
  auto stream = std::make_unique<beast::tcp_stream>(executor);
  stream->expires_after(timeout);
  auto [connect_ec, endpoint] = co_await stream->async_connect(endpoints, kTuple);
  (void)endpoint;
  if (connect_ec) {
    co_return MakeError(Errc::kUnavailable,
                        "cannot connect to " + host + ":" + port + ": " + connect_ec.message());
  }
  beast::error_code ignored;
  stream->socket().set_option(tcp::no_delay(true), ignored);
  co_return std::move(stream);
}

asio::awaitable<Result<std::unique_ptr<TlsStream>>> ConnectTls(asio::any_io_executor executor,
                                                               asio::ssl::context& tls,
                                                               std::string host, std::string port,
                                                               std::chrono::milliseconds timeout) {
  auto tcp_stream = co_await ConnectTcp(executor, host, port, timeout);
  if (!tcp_stream) {
    co_return tcp_stream.error();
  }
  auto stream = std::make_unique<TlsStream>(std::move(**tcp_stream), tls);
  if (!SetTlsHostName(stream->native_handle(), host)) {
    co_return MakeError(Errc::kUnavailable, "TLS handshake: cannot set the host name " + host);
  }
  beast::get_lowest_layer(*stream).expires_after(timeout);
  auto [ec] = co_await stream->async_handshake(asio::ssl::stream_base::client, kTuple);
  if (ec) {
    co_return MakeError(Errc::kUnavailable,
                        "TLS handshake with " + host + ":" + port + " failed: " + ec.message());
  }
  co_return std::move(stream);
}

}  // namespace swarmbot::bot::detail
