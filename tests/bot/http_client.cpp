#include "tests/bot/http_client.hpp"

#include <limits>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "common/tls.hpp"

namespace swarmbot::bot::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::optional<std::string> HttpReply::Header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (beast::iequals(key, name)) {
      return value;
    }
  }
  return std::nullopt;
}

struct HttpClient::Impl {
  std::uint16_t port;
  std::string ca_pem;
  asio::io_context io;
  std::optional<asio::ssl::context> tls;
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;
  int connections = 0;

  bool Open() const { return plain != nullptr || secure != nullptr; }

  void Connect() {
    tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
    buffer.clear();
    ++connections;
    if (ca_pem.empty()) {
      plain = std::make_unique<beast::tcp_stream>(io);
      plain->connect(endpoint);
      return;
    }
    if (!tls) {
      tls.emplace(asio::ssl::context::tls_client);
      tls->add_certificate_authority(asio::buffer(ca_pem));
      tls->set_verify_mode(asio::ssl::verify_peer);
    }
    secure = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(io, *tls);
    SetTlsHostName(secure->native_handle(), "127.0.0.1");
    beast::get_lowest_layer(*secure).connect(endpoint);
    secure->handshake(asio::ssl::stream_base::client);
  }

  void Close() {
    plain.reset();
    secure.reset();
  }

  template <class Message>
  HttpReply Exchange(Message& req) {
    if (!Open()) {
      Connect();
    }
    // A HEAD answer announces a Content-Length but carries no body.
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    parser.skip(req.method() == http::verb::head);
    if (plain) {
      http::write(*plain, req);
      http::read(*plain, buffer, parser);
    } else {
      http::write(*secure, req);
      http::read(*secure, buffer, parser);
    }
    auto res = parser.release();
    return Finish(res);
  }

  HttpReply Finish(http::response<http::string_body>& res) {
    HttpReply reply;
    reply.status = static_cast<int>(res.result_int());
    reply.body = res.body();
    reply.keep_alive = res.keep_alive();
    for (const auto& field : res) {
      reply.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    if (!reply.keep_alive) {
      Close();
    }
    return reply;
  }
};

HttpClient::HttpClient(std::uint16_t port, std::string ca_pem) : impl_(std::make_unique<Impl>()) {
  impl_->port = port;
  impl_->ca_pem = std::move(ca_pem);
}

HttpClient::~HttpClient() = default;

HttpReply HttpClient::Send(const std::string& method, const std::string& target,
                           const std::string& body,
                           std::vector<std::pair<std::string, std::string>> headers) {
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1");
  for (auto& [name, value] : headers) {
    req.set(name, value);
  }
  req.body() = body;
  req.keep_alive(true);
  req.prepare_payload();
  return impl_->Exchange(req);
}

HttpReply HttpClient::SendRaw(const std::string& bytes) {
  if (!impl_->Open()) {
    impl_->Connect();
  }
  http::response<http::string_body> res;
  if (impl_->plain) {
    asio::write(impl_->plain->socket(), asio::buffer(bytes));
    http::read(*impl_->plain, impl_->buffer, res);
  } else {
    asio::write(*impl_->secure, asio::buffer(bytes));
    http::read(*impl_->secure, impl_->buffer, res);
  }
  return impl_->Finish(res);
}

int HttpClient::Connections() const {
  return impl_->connections;
}

}  // namespace swarmbot::bot::testing
