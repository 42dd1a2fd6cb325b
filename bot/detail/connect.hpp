#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "common/result.hpp"

// Opening client connections, shared by the Web API and Socket Mode clients.
// Private to bot/.
namespace swarmbot::bot::detail {

using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

// Resolves and connects within `timeout`. kUnavailable on failure.
// (Streams come boxed: their catch-all constructors confuse Result's conversions.)
boost::asio::awaitable<Result<std::unique_ptr<boost::beast::tcp_stream>>> ConnectTcp(
    boost::asio::any_io_executor executor, std::string host, std::string port,
    std::chrono::milliseconds timeout);

// Connects and completes a TLS handshake that verifies the chain and `host`
// (SNI set for names, IP SAN check for literals). kUnavailable on failure,
// with "TLS handshake" in the detail when the peer wasn't trusted.
boost::asio::awaitable<Result<std::unique_ptr<TlsStream>>> ConnectTls(
    boost::asio::any_io_executor executor, boost::asio::ssl::context& tls, std::string host,
    std::string port, std::chrono::milliseconds timeout);

}  // namespace swarmbot::bot::detail
