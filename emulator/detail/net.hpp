#pragma once

// Networking types for the emulator's .cpp files that talk on sockets. Kept
// out of the other headers: Beast is slow to compile.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>

namespace swarmbot::emulator::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

using TlsStream = beast::ssl_stream<beast::tcp_stream>;
using HttpRequest = http::request<http::string_body>;
using HttpResponse = http::response<http::string_body>;

inline constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

class SocketMode;

// Takes over a connection whose request asked for a WebSocket upgrade on
// /link/: checks the ticket, accepts, and serves Socket Mode until it closes.
asio::awaitable<void> ServeWebSocket(SocketMode& socket_mode, TlsStream stream, HttpRequest req);

// Logs what ended a coroutine spawned by the emulator; never rethrows.
void LogCoroutineEnd(const char* what, std::exception_ptr error);

}  // namespace swarmbot::emulator::detail
