#include "tests/emulator/support.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <gtest/gtest.h>

#include "common/tls.hpp"

namespace swarmbot::emulator::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

asio::ssl::context ClientContext(const std::string& ca_pem) {
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.add_certificate_authority(asio::buffer(ca_pem));
  ctx.set_verify_mode(asio::ssl::verify_peer);
  return ctx;
}

std::string Lower(std::string s) {
  for (auto& c : s) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return s;
}

template <class Message>
std::map<std::string, std::string> HeaderMap(const Message& m) {
  std::map<std::string, std::string> out;
  for (const auto& field : m) {
    out[Lower(std::string(field.name_string()))] = std::string(field.value());
  }
  return out;
}

}  // namespace

json::object HttpReply::Json() const {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  EXPECT_FALSE(ec) << "not JSON: " << body;
  if (ec || !v.is_object()) {
    ADD_FAILURE() << "not a JSON object: " << body;
    return {};
  }
  return v.as_object();
}

HttpReply HttpsClient::Request(std::string verb, std::string target, std::string body,
                               std::string content_type, Headers headers) const {
  HttpReply reply;
  try {
    asio::io_context io;
    auto ctx = ClientContext(ca_pem_);
    beast::ssl_stream<beast::tcp_stream> stream(io, ctx);
    if (!SetTlsHostName(stream.native_handle(), "127.0.0.1")) {
      reply.error = "bad host name";
      return reply;
    }
    beast::get_lowest_layer(stream).connect(
        tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
    stream.handshake(asio::ssl::stream_base::client);
    http::request<http::string_body> req{http::string_to_verb(verb), target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (!content_type.empty()) {
      req.set(http::field::content_type, content_type);
    }
    for (const auto& [name, value] : headers) {
      req.set(name, value);
    }
    req.body() = std::move(body);
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    reply.status = static_cast<int>(res.result_int());
    reply.body = res.body();
    reply.headers = HeaderMap(res);
    beast::error_code ignored;
    stream.shutdown(ignored);
  } catch (const std::exception& e) {
    reply.error = e.what();
  }
  return reply;
}

std::future<HttpReply> HttpsClient::RequestAsync(std::string verb, std::string target,
                                                 std::string body, std::string content_type,
                                                 Headers headers) const {
  return std::async(std::launch::async,
                    [=, this] { return Request(verb, target, body, content_type, headers); });
}

json::object HttpsClient::CallJson(const std::string& method, const json::object& args,
                                   const std::string& token) const {
  Headers headers;
  if (!token.empty()) {
    headers.emplace_back("Authorization", "Bearer " + token);
  }
  HttpReply reply = Request("POST", "/api/" + method, json::serialize(args),
                            "application/json; charset=utf-8", headers);
  EXPECT_EQ(reply.status, 200) << method << ": " << reply.error << reply.body;
  return reply.Json();
}

json::object HttpsClient::CallForm(const std::string& method, const FormFields& args,
                                   const std::string& token) const {
  Headers headers;
  if (!token.empty()) {
    headers.emplace_back("Authorization", "Bearer " + token);
  }
  HttpReply reply = Request("POST", "/api/" + method, BuildForm(args),
                            "application/x-www-form-urlencoded", headers);
  EXPECT_EQ(reply.status, 200) << method << ": " << reply.error << reply.body;
  return reply.Json();
}

// ---- WsClient ----------------------------------------------------------------

struct WsClient::Impl {
  explicit Impl(const std::string& ca_pem) : ctx(ClientContext(ca_pem)), ws(io, ctx) {}

  asio::io_context io;
  asio::ssl::context ctx;
  websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws;
  beast::flat_buffer buffer;
  std::thread thread;

  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::string> frames;
  bool closed = false;
  bool clean = false;
  int pings = 0;
  std::deque<std::string> outbox;
  bool writing = false;

  void Read() {
    ws.async_read(buffer, [this](beast::error_code ec, std::size_t) {
      std::lock_guard lock(mu);
      if (ec) {
        closed = true;
        clean = ec == websocket::error::closed;
        cv.notify_all();
        return;
      }
      frames.push_back(beast::buffers_to_string(buffer.data()));
      buffer.consume(buffer.size());
      cv.notify_all();
      Read();
    });
  }

  void Write() {
    if (writing || outbox.empty()) {
      return;
    }
    writing = true;
    ws.async_write(asio::buffer(outbox.front()), [this](beast::error_code, std::size_t) {
      outbox.pop_front();
      writing = false;
      Write();
    });
  }
};

std::unique_ptr<WsClient> WsClient::Connect(const std::string& url, const std::string& ca_pem,
                                            std::string* error) {
  auto parsed = ParseUrl(url);
  if (!parsed) {
    *error = "bad url";
    return nullptr;
  }
  auto impl = std::make_unique<Impl>(ca_pem);
  try {
    auto& tls = impl->ws.next_layer();
    if (!SetTlsHostName(tls.native_handle(), parsed->host)) {
      *error = "bad host";
      return nullptr;
    }
    beast::get_lowest_layer(impl->ws).connect(
        tcp::endpoint(asio::ip::make_address(parsed->host),
                      static_cast<unsigned short>(std::stoi(parsed->port))));
    tls.handshake(asio::ssl::stream_base::client);
    websocket::response_type res;
    beast::error_code ec;
    impl->ws.handshake(res, parsed->host, parsed->target, ec);
    if (ec) {
      *error = "handshake refused: " + std::to_string(res.result_int());
      return nullptr;
    }
  } catch (const std::exception& e) {
    *error = e.what();
    return nullptr;
  }
  Impl* raw = impl.get();
  raw->ws.control_callback([raw](websocket::frame_type kind, beast::string_view) {
    if (kind == websocket::frame_type::ping) {
      std::lock_guard lock(raw->mu);
      ++raw->pings;
      raw->cv.notify_all();
    }
  });
  raw->Read();
  raw->thread = std::thread([raw] { raw->io.run(); });
  return std::unique_ptr<WsClient>(new WsClient(std::move(impl)));
}

WsClient::WsClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

WsClient::~WsClient() {
  Drop();
  impl_->thread.join();
}

void WsClient::Drop() {
  asio::post(impl_->io, [this] {
    beast::error_code ignored;
    beast::get_lowest_layer(impl_->ws).socket().close(ignored);
  });
}

std::optional<std::string> WsClient::Next(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mu);
  impl_->cv.wait_for(lock, timeout, [&] { return !impl_->frames.empty() || impl_->closed; });
  if (impl_->frames.empty()) {
    return std::nullopt;
  }
  std::string frame = std::move(impl_->frames.front());
  impl_->frames.pop_front();
  return frame;
}

std::optional<json::object> WsClient::NextJson(std::chrono::milliseconds timeout) {
  auto frame = Next(timeout);
  if (!frame) {
    return std::nullopt;
  }
  json::value v = json::parse(*frame);
  return v.as_object();
}

void WsClient::Send(std::string text) {
  asio::post(impl_->io, [this, text = std::move(text)]() mutable {
    impl_->outbox.push_back(std::move(text));
    impl_->Write();
  });
}

bool WsClient::WaitClosed(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mu);
  return impl_->cv.wait_for(lock, timeout, [&] { return impl_->closed; });
}

bool WsClient::WaitForPing(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mu);
  return impl_->cv.wait_for(lock, timeout, [&] { return impl_->pings > 0; });
}

bool WsClient::closed_cleanly() const {
  std::lock_guard lock(impl_->mu);
  return impl_->clean;
}

// ---- FakeApp -----------------------------------------------------------------

FakeApp::FakeApp(Emulator& emulator, std::function<AckPlan(const json::object&)> responder)
    : responder_(std::move(responder)) {
  HttpsClient client(emulator.Port(), emulator.CaPem());
  HttpReply reply =
      client.Request("POST", "/api/apps.connections.open", "", "application/x-www-form-urlencoded",
                     {{"Authorization", "Bearer " + emulator.options().app_token.Reveal()}});
  json::object opened = reply.Json();
  if (!opened.contains("url")) {
    ADD_FAILURE() << "apps.connections.open: " << reply.body;
    return;
  }
  std::string error;
  ws_ = WsClient::Connect(std::string(opened.at("url").as_string()), emulator.CaPem(), &error);
  if (!ws_) {
    ADD_FAILURE() << "connect: " << error;
    return;
  }
  auto hello = ws_->NextJson();
  if (!hello) {
    ADD_FAILURE() << "no hello";
    return;
  }
  hello_ = *hello;
  reader_ = std::thread([this] { ReadLoop(); });
}

FakeApp::~FakeApp() {
  if (ws_) {
    ws_->Drop();  // the reader sees the end of the stream and returns
  }
  if (reader_.joinable()) {
    reader_.join();
  }
}

void FakeApp::ReadLoop() {
  for (;;) {
    auto frame = ws_->Next(std::chrono::hours(1));
    if (!frame) {
      return;  // closed
    }
    json::object envelope = json::parse(*frame).as_object();
    std::function<AckPlan(const json::object&)> responder;
    {
      std::lock_guard lock(mu_);
      envelopes_.push_back(envelope);
      responder = responder_;
      cv_.notify_all();
    }
    if (!envelope.contains("envelope_id")) {
      continue;  // hello or disconnect
    }
    AckPlan plan = responder ? responder(envelope) : AckPlan{};
    if (!plan.ack) {
      continue;
    }
    json::object ack{{"envelope_id", envelope.at("envelope_id")}};
    if (!plan.payload.is_null()) {
      ack["payload"] = plan.payload;
    }
    ws_->Send(json::serialize(ack));
  }
}

bool FakeApp::WaitForEnvelopes(std::size_t count, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return envelopes_.size() >= count; });
}

std::vector<json::object> FakeApp::Envelopes() const {
  std::lock_guard lock(mu_);
  return envelopes_;
}

std::vector<json::object> FakeApp::OfType(const std::string& type) const {
  std::vector<json::object> out;
  for (const auto& e : Envelopes()) {
    const auto* t = e.if_contains("type");
    if (t != nullptr && *t == type.c_str()) {
      out.push_back(e);
      continue;
    }
    const auto* payload = e.if_contains("payload");
    if (payload != nullptr && payload->is_object()) {
      const auto* event = payload->as_object().if_contains("event");
      if (event != nullptr && event->is_object() && event->at("type") == type.c_str()) {
        out.push_back(e);
      }
    }
  }
  return out;
}

void FakeApp::SetResponder(std::function<AckPlan(const json::object&)> responder) {
  std::lock_guard lock(mu_);
  responder_ = std::move(responder);
}

// ---- RecordingServer -----------------------------------------------------------

struct RecordingServer::Impl {
  Impl(std::function<Answer(const Received&)> h, const std::string& cert, const std::string& key)
      : handler(std::move(h)), acceptor(io), tls_ctx(asio::ssl::context::tls_server) {
    if (!cert.empty()) {
      tls = true;
      tls_ctx.use_certificate_chain(asio::buffer(cert));
      tls_ctx.use_private_key(asio::buffer(key), asio::ssl::context::pem);
    }
    tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    acceptor.open(endpoint.protocol());
    acceptor.bind(endpoint);
    acceptor.listen();
    Accept();
    thread = std::thread([this] { io.run(); });
  }

  template <class Stream>
  struct Session {
    explicit Session(Stream s) : stream(std::move(s)) {}
    Stream stream;
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    http::response<http::string_body> res;
  };

  void Accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        return;
      }
      if (tls) {
        auto s = std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
            beast::ssl_stream<beast::tcp_stream>(std::move(socket), tls_ctx));
        s->stream.async_handshake(asio::ssl::stream_base::server, [this, s](beast::error_code e) {
          if (!e) {
            ReadRequest(s);
          }
        });
      } else {
        ReadRequest(
            std::make_shared<Session<beast::tcp_stream>>(beast::tcp_stream(std::move(socket))));
      }
      Accept();
    });
  }

  template <class S>
  void ReadRequest(std::shared_ptr<S> s) {
    http::async_read(s->stream, s->buffer, s->req, [this, s](beast::error_code ec, std::size_t) {
      if (ec) {
        return;
      }
      Received r{std::string(s->req.target()), HeaderMap(s->req), s->req.body()};
      Answer a = handler(r);
      {
        std::lock_guard lock(mu);
        received.push_back(r);
        cv.notify_all();
      }
      if (a.hang) {
        hung.push_back(s);
        return;
      }
      s->res.result(a.status);
      s->res.version(11);
      s->res.set(http::field::content_type, a.content_type);
      for (const auto& [name, value] : a.headers) {
        s->res.set(name, value);
      }
      s->res.body() = a.body;
      s->res.keep_alive(false);
      s->res.prepare_payload();
      http::async_write(s->stream, s->res, [s](beast::error_code, std::size_t) {});
    });
  }

  std::function<Answer(const Received&)> handler;
  asio::io_context io;
  tcp::acceptor acceptor;
  asio::ssl::context tls_ctx;
  bool tls = false;
  std::vector<std::shared_ptr<void>> hung;
  std::thread thread;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Received> received;
};

RecordingServer::RecordingServer(std::function<Answer(const Received&)> handler,
                                 std::string cert_chain_pem, std::string key_pem)
    : impl_(std::make_unique<Impl>(std::move(handler), cert_chain_pem, key_pem)) {}

RecordingServer::~RecordingServer() {
  impl_->io.stop();
  impl_->thread.join();
}

std::uint16_t RecordingServer::port() const {
  return impl_->acceptor.local_endpoint().port();
}

std::string RecordingServer::base_url() const {
  return std::string(impl_->tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port());
}

bool RecordingServer::WaitForRequests(std::size_t count, std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mu);
  return impl_->cv.wait_for(lock, timeout, [&] { return impl_->received.size() >= count; });
}

std::vector<Received> RecordingServer::Requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->received;
}

// ---- Fixtures ------------------------------------------------------------------

Workspace Populate(Emulator& emulator) {
  Workspace w;
  w.mara = emulator.AddUser("mara", "mara@take-out.example", "Europe/Berlin");
  w.priya = emulator.AddUser("priya", "priya@take-out.example", "Asia/Kolkata");
  w.dev = emulator.AddUser("dev", "dev@take-out.example");
  w.general = emulator.AddChannel("general", {w.mara, w.priya, w.dev, emulator.BotUserId()});
  w.incidents = emulator.AddChannel("incidents", {w.mara, w.priya});
  w.secret = emulator.AddChannel("secret", {w.mara}, true);
  return w;
}

json::value ReadSample(const std::string& relative_path) {
  const auto path = swarmbot::testing::SharedDir() / "reference" / "slack-samples" / relative_path;
  return json::parse(swarmbot::testing::ReadFile(path));
}

}  // namespace swarmbot::emulator::testing
