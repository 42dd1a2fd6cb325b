#include "bot/http_endpoint.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <exception>
#include <map>
#include <stdexcept>
#include <unordered_map>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "bot/inbound_parse.hpp"
#include "bot/signature.hpp"
#include "common/crypto.hpp"
#include "common/form.hpp"
#include "common/tls.hpp"

namespace swarmbot::bot {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kHeaderLimit = 16 * 1024;

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string JsonError(std::string_view code) {
  return boost::json::serialize(boost::json::object{{"ok", false}, {"error", code}});
}

HttpAnswer Text(int status, std::string body) {
  HttpAnswer answer;
  answer.status = status;
  answer.content_type = "text/plain; charset=utf-8";
  answer.body = std::move(body);
  return answer;
}

HttpAnswer Json(int status, std::string body) {
  HttpAnswer answer;
  answer.status = status;
  answer.body = std::move(body);
  return answer;
}

// What one request produced: the answer, and possibly a delivery to dispatch
// once the answer is on the wire (Slack's "acknowledge first" rule).
struct Outcome {
  HttpAnswer answer;
  std::optional<InboundRequest> after_write;
};

// Keeps a connection in Impl::connections for as long as its coroutine runs,
// however it ends.
class ConnectionRegistration {
 public:
  ConnectionRegistration(std::unordered_map<std::uint64_t, beast::tcp_stream*>& registry,
                         std::uint64_t id, beast::tcp_stream& stream)
      : registry_(registry), id_(id) {
    registry_[id_] = &stream;
  }
  ~ConnectionRegistration() { registry_.erase(id_); }
  ConnectionRegistration(const ConnectionRegistration&) = delete;
  ConnectionRegistration& operator=(const ConnectionRegistration&) = delete;

 private:
  std::unordered_map<std::uint64_t, beast::tcp_stream*>& registry_;
  std::uint64_t id_;
};

struct ApiRoute {
  std::string method;
  Secret api_key;
  ApiHandler handler;
  bool open = false;  // no key needed
};

bool KeyMatches(const Request& req, const Secret& key) {
  std::string_view presented;
  if (auto it = req.find(http::field::authorization); it != req.end()) {
    const std::string_view value = it->value();
    // The scheme name is case-insensitive (RFC 9110 §11.1).
    constexpr std::string_view kBearer = "bearer ";
    if (value.size() > kBearer.size() &&
        boost::beast::iequals(value.substr(0, kBearer.size()), kBearer)) {
      presented = value.substr(kBearer.size());
    }
  }
  if (presented.empty()) {
    if (auto it = req.find("X-Api-Key"); it != req.end()) {
      presented = it->value();
    }
  }
  return !presented.empty() && !key.Empty() && ConstantTimeEqual(presented, key.Reveal());
}

ApiRequest ToApiRequest(const Request& req, std::string_view path, std::string_view query) {
  ApiRequest out;
  out.method = std::string(req.method_string());
  out.path = std::string(path);
  out.query = std::string(query);
  for (const auto& field : req) {
    std::string name = Lower(field.name_string());
    if (name == "authorization" || name == "x-api-key") {
      continue;
    }
    out.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  out.body = req.body();
  return out;
}

Response ToResponse(const HttpAnswer& answer, unsigned version, bool keep_alive) {
  Response res{static_cast<http::status>(answer.status), version};
  if (!answer.body.empty() || answer.status != 200) {
    res.set(http::field::content_type, answer.content_type);
  }
  for (const auto& [name, value] : answer.headers) {
    res.set(name, value);
  }
  res.body() = answer.body;
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

}  // namespace

std::optional<std::string> ApiRequest::Header(std::string_view name) const {
  const std::string wanted = Lower(name);
  for (const auto& [key, value] : headers) {
    if (key == wanted) {
      return value;
    }
  }
  return std::nullopt;
}

std::size_t ApiRequest::HeaderCount(std::string_view name) const {
  const std::string wanted = Lower(name);
  return static_cast<std::size_t>(std::count_if(
      headers.begin(), headers.end(), [&](const auto& header) { return header.first == wanted; }));
}

namespace {

// What the delivery filter remembers of a verified request: its timestamp and
// a prefix of its signature, unique enough (96 bits) without storing the
// whole signature.
std::string ReplayKey(std::string_view timestamp, std::string_view signature) {
  constexpr std::size_t kKeptSignatureChars = 3 + 24;  // "v0=" and 24 hex digits
  return "sig:" + std::string(timestamp) + ":" +
         std::string(signature.substr(0, kKeptSignatureChars));
}

}  // namespace

struct HttpEndpoint::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::any_io_executor ex, const Clock& c, DeliveryFilter& f, Dispatch d,
       HttpEndpointOptions o)
      : executor(std::move(ex)),
        clock(c),
        filter(f),
        dispatch(std::move(d)),
        options(std::move(o)),
        verifier(options.signing_secret, clock),
        acceptor(executor) {}

  asio::any_io_executor executor;
  const Clock& clock;
  DeliveryFilter& filter;
  Dispatch dispatch;
  KeepEvent keep;
  HttpEndpointOptions options;
  SignatureVerifier verifier;
  tcp::acceptor acceptor;
  std::optional<asio::ssl::context> tls;
  std::map<std::string, std::vector<ApiRoute>> routes;
  std::uint16_t port = 0;
  bool stopped = false;
  // Open connections, so that Stop() can close them.
  std::uint64_t next_connection = 0;
  std::unordered_map<std::uint64_t, beast::tcp_stream*> connections;

  void Start();
  void Close();
  asio::awaitable<void> Accept(std::shared_ptr<Impl> self);
  template <class Stream>
  asio::awaitable<void> Serve(Stream& stream, beast::flat_buffer& buffer);
  asio::awaitable<void> ServePlain(std::shared_ptr<Impl> self, tcp::socket socket);
  asio::awaitable<void> ServeTls(std::shared_ptr<Impl> self, tcp::socket socket);

  // Whether `path` is one of Slack's routes and they are served at all.
  bool ServesSlack(std::string_view path) const {
    return !options.signing_secret.Empty() &&
           (path == options.events_path || path == options.commands_path ||
            path == options.interactive_path);
  }
  HttpAnswer SizeRefusal(beast::error_code ec, const Request& partial) const;
  Outcome Route(const Request& req);
  Outcome HandleSlack(const Request& req, std::string_view path);
  Outcome HandleCommand(const Request& req);
  Outcome HandleInteractive(const Request& req);
  Outcome HandleEvent(const Request& req);
  Outcome HandleApi(const Request& req, std::string_view path, std::string_view query);
  InboundReply SafeDispatch(const InboundRequest& request);
};

void HttpEndpoint::Impl::Start() {
  if (options.tls_cert_pem.empty() != options.tls_key_pem.empty()) {
    throw std::invalid_argument("HTTP endpoint needs both a TLS certificate and a key, or neither");
  }
  if (!options.tls_cert_pem.empty()) {
    tls.emplace(MakeServerTlsContext(options.tls_cert_pem, options.tls_key_pem));
  }
  const tcp::endpoint endpoint{asio::ip::make_address(options.address), options.port};
  acceptor.open(endpoint.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen(asio::socket_base::max_listen_connections);
  port = acceptor.local_endpoint().port();
  spdlog::info("event=http.listening address={} port={} tls={}", options.address, port,
               tls.has_value());
  asio::co_spawn(executor, Accept(shared_from_this()), [](std::exception_ptr e) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        spdlog::error("event=http.accept_loop_failed error=\"{}\"", ex.what());
      }
    }
  });
}

void HttpEndpoint::Impl::Close() {
  stopped = true;
  beast::error_code ignored;
  acceptor.close(ignored);
  for (auto& [id, stream] : connections) {
    stream->socket().close(ignored);
  }
}

asio::awaitable<void> HttpEndpoint::Impl::Accept(std::shared_ptr<Impl> self) {
  auto log_end = [](std::exception_ptr e) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        spdlog::warn("event=http.connection_failed error=\"{}\"", ex.what());
      }
    }
  };
  while (!stopped) {
    auto [ec, socket] = co_await acceptor.async_accept(kTuple);
    if (ec) {
      if (stopped || ec == asio::error::operation_aborted) {
        break;
      }
      // Running out of file descriptors is the usual cause; keep serving the
      // connections we have rather than spinning.
      spdlog::warn("event=http.accept_failed error=\"{}\"", ec.message());
      asio::steady_timer pause(executor, std::chrono::milliseconds(100));
      co_await pause.async_wait(kTuple);
      continue;
    }
    if (tls) {
      asio::co_spawn(executor, ServeTls(self, std::move(socket)), log_end);
    } else {
      asio::co_spawn(executor, ServePlain(self, std::move(socket)), log_end);
    }
  }
}

asio::awaitable<void> HttpEndpoint::Impl::ServePlain(std::shared_ptr<Impl> self,
                                                     tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  const ConnectionRegistration registration(connections, next_connection++, stream);
  beast::flat_buffer buffer;
  co_await Serve(stream, buffer);
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  (void)self;
}

asio::awaitable<void> HttpEndpoint::Impl::ServeTls(std::shared_ptr<Impl> self, tcp::socket socket) {
  beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *tls);
  const ConnectionRegistration registration(connections, next_connection++,
                                            beast::get_lowest_layer(stream));
  beast::get_lowest_layer(stream).expires_after(options.read_timeout);
  auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, kTuple);
  if (!ec) {
    beast::flat_buffer buffer;
    co_await Serve(stream, buffer);
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
    co_await stream.async_shutdown(kTuple);
  } else {
    spdlog::debug("event=http.tls_handshake_failed error=\"{}\"", ec.message());
  }
  (void)self;
}

namespace {

// A client that is still sending a refused body would get a reset if we
// closed now, and a reset makes its TCP stack throw away our 413 unread. So
// read and discard what it goes on sending, within a byte and time budget,
// before the connection closes (what web servers call a lingering close).
template <class Stream>
asio::awaitable<void> DrainRefusedBody(Stream& stream) {
  constexpr std::size_t kDrainBudget = 16 * 1024 * 1024;
  constexpr auto kDrainTime = std::chrono::seconds(2);
  beast::get_lowest_layer(stream).expires_after(kDrainTime);
  std::array<char, 16 * 1024> scratch{};
  std::size_t drained = 0;
  while (drained < kDrainBudget) {
    auto [ec, read] = co_await stream.async_read_some(asio::buffer(scratch), kTuple);
    if (ec) {
      break;
    }
    drained += read;
  }
}

}  // namespace

template <class Stream>
asio::awaitable<void> HttpEndpoint::Impl::Serve(Stream& stream, beast::flat_buffer& buffer) {
  auto& lowest = beast::get_lowest_layer(stream);
  while (!stopped) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(options.body_limit);

    // Wait for the next request as long as an idle keep-alive connection may
    // stay, then give the client read_timeout for the rest of it.
    lowest.expires_after(options.idle_timeout);
    auto [peek_ec, peeked] = co_await http::async_read_header(stream, buffer, parser, kTuple);
    (void)peeked;
    beast::error_code ec = peek_ec;
    if (!ec && !parser.is_done()) {
      lowest.expires_after(options.read_timeout);
      auto [body_ec, read] = co_await http::async_read(stream, buffer, parser, kTuple);
      (void)read;
      ec = body_ec;
    }
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
        ec == asio::error::eof) {
      co_return;
    }
    if (ec) {
      const bool too_big = ec == http::error::body_limit || ec == http::error::header_limit;
      const HttpAnswer answer =
          too_big ? SizeRefusal(ec, parser.get()) : Text(400, "malformed HTTP request\n");
      spdlog::info("event=http.request status={} error=\"{}\"", answer.status, ec.message());
      Response res = ToResponse(answer, 11, false);
      lowest.expires_after(options.read_timeout);
      auto [write_ec, written] = co_await http::async_write(stream, res, kTuple);
      (void)written;
      if (!write_ec && too_big) {
        co_await DrainRefusedBody(stream);
      }
      co_return;
    }

    const Request& req = parser.get();
    const auto started = std::chrono::steady_clock::now();
    Outcome outcome = Route(req);
    const bool keep_alive = req.keep_alive();
    Response res = ToResponse(outcome.answer, req.version(), keep_alive);
    if (req.method() == http::verb::head) {
      // The GET answer's headers, Content-Length included, without its body.
      const auto length = res.body().size();
      res.body().clear();
      res.content_length(length);
    }
    const auto path = std::string_view(req.target()).substr(0, req.target().find('?'));
    spdlog::info("event=http.request method={} path={} status={} ms={}",
                 std::string_view(req.method_string()), path, outcome.answer.status,
                 std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - started)
                     .count());

    lowest.expires_after(options.read_timeout);
    auto [write_ec, written] = co_await http::async_write(stream, res, kTuple);
    (void)written;
    if (outcome.after_write) {
      SafeDispatch(*outcome.after_write);
    }
    if (write_ec || !keep_alive) {
      co_return;
    }
  }
}

namespace {

// "1 MiB", "64 KiB" or "1500 bytes": a limit as a person reads it.
std::string SizeText(std::size_t bytes) {
  constexpr std::size_t kKiB = 1024;
  if (bytes >= kKiB * kKiB && bytes % (kKiB * kKiB) == 0) {
    return std::to_string(bytes / (kKiB * kKiB)) + " MiB";
  }
  if (bytes >= kKiB && bytes % kKiB == 0) {
    return std::to_string(bytes / kKiB) + " KiB";
  }
  return std::to_string(bytes) + " bytes";
}

}  // namespace

// Slack's own routes keep a bare text answer, which is all Slack reads. Every
// other path is (or may be) one of our JSON APIs, whose errors are documented
// as {"error", "message"}; a header too large to finish reading has no path
// yet (Slack sends no such headers), so it gets JSON too.
HttpAnswer HttpEndpoint::Impl::SizeRefusal(beast::error_code ec, const Request& partial) const {
  const bool body = ec == http::error::body_limit;
  const int status = body ? 413 : 431;
  const std::string_view target = partial.target();
  const std::string_view path = target.substr(0, target.find('?'));
  if (ServesSlack(path)) {
    return Text(status, "request too large\n");
  }
  const std::string message =
      body ? "the request body is larger than " + SizeText(options.body_limit)
           : "the request headers are larger than " + SizeText(kHeaderLimit);
  return Json(status, boost::json::serialize(
                          boost::json::object{{"error", "too_large"}, {"message", message}}));
}

InboundReply HttpEndpoint::Impl::SafeDispatch(const InboundRequest& request) {
  try {
    return dispatch(request);
  } catch (const std::exception& e) {
    spdlog::error("event=http.dispatch_failed error=\"{}\"", e.what());
  }
  return {};
}

Outcome HttpEndpoint::Impl::Route(const Request& req) {
  const std::string_view target = req.target();
  const auto qmark = target.find('?');
  const std::string_view path = target.substr(0, qmark);
  const std::string_view query =
      qmark == std::string_view::npos ? std::string_view{} : target.substr(qmark + 1);

  if (path == "/healthz") {
    if (req.method() != http::verb::get) {
      Outcome out{Text(405, "method not allowed\n"), std::nullopt};
      out.answer.headers.emplace_back("Allow", "GET");
      return out;
    }
    return {Text(200, "ok\n"), std::nullopt};
  }
  if (ServesSlack(path)) {
    return HandleSlack(req, path);
  }
  return HandleApi(req, path, query);
}

Outcome HttpEndpoint::Impl::HandleSlack(const Request& req, std::string_view path) {
  if (req.method() != http::verb::post) {
    Outcome out{Text(405, "method not allowed\n"), std::nullopt};
    out.answer.headers.emplace_back("Allow", "POST");
    return out;
  }
  auto header = [&](std::string_view name) -> std::string_view {
    auto it = req.find(name);
    return it == req.end() ? std::string_view{} : std::string_view(it->value());
  };
  if (auto verified = verifier.Verify(header("X-Slack-Request-Timestamp"),
                                      header("X-Slack-Signature"), req.body());
      !verified) {
    spdlog::warn("event=http.signature_rejected path={} reason=\"{}\"", path,
                 verified.error().detail);
    return {Text(401, "invalid signature\n"), std::nullopt};
  }
  // Slack signs every request afresh, so a signature seen before is a
  // captured request played again within the five minutes the timestamp
  // allows. Answered 200 so that nobody retries it; nothing runs.
  if (!filter.FirstDelivery(
          ReplayKey(header("X-Slack-Request-Timestamp"), header("X-Slack-Signature")))) {
    spdlog::warn("event=http.replay_dropped path={}", path);
    return {Text(200, ""), std::nullopt};
  }
  if (path == options.commands_path) {
    return HandleCommand(req);
  }
  if (path == options.interactive_path) {
    return HandleInteractive(req);
  }
  return HandleEvent(req);
}

Outcome HttpEndpoint::Impl::HandleCommand(const Request& req) {
  auto fields = ParseForm(req.body());
  if (!fields) {
    return {Text(400, "malformed form body\n"), std::nullopt};
  }
  // Slack probes a command URL's certificate with ssl_check=1; it wants a 200
  // and nothing else.
  if (FormValue(*fields, "ssl_check") == "1") {
    return {Text(200, ""), std::nullopt};
  }
  if (!FormValue(*fields, "command")) {
    return {Text(400, "not a slash command: no `command` field\n"), std::nullopt};
  }
  auto json = FormToJsonObject(req.body());
  if (!json) {
    return {Text(400, "malformed form body\n"), std::nullopt};
  }
  InboundRequest request{InboundKind::kSlashCommand, std::move(*json), {}};
  const InboundReply reply = SafeDispatch(request);
  return {Json(200, reply.body_json), std::nullopt};
}

Outcome HttpEndpoint::Impl::HandleInteractive(const Request& req) {
  auto fields = ParseForm(req.body());
  if (!fields) {
    return {Text(400, "malformed form body\n"), std::nullopt};
  }
  auto payload = FormValue(*fields, "payload");
  if (!payload) {
    return {Text(400, "missing `payload` field\n"), std::nullopt};
  }
  auto summary = SummarizePayload(*payload);
  if (!summary) {
    return {Text(400, "`payload` is not a JSON object\n"), std::nullopt};
  }
  InboundRequest request{InboundKind::kInteractive, std::move(*payload), {}};
  if (RepliesInAcknowledgement(InboundKind::kInteractive, summary->type)) {
    const InboundReply reply = SafeDispatch(request);
    return {Json(200, reply.body_json), std::nullopt};
  }
  return {Text(200, ""), std::move(request)};
}

Outcome HttpEndpoint::Impl::HandleEvent(const Request& req) {
  auto summary = SummarizePayload(req.body());
  if (!summary) {
    return {Text(400, "body is not a JSON object\n"), std::nullopt};
  }
  if (summary->type == "url_verification") {
    return {
        Json(200, boost::json::serialize(boost::json::object{{"challenge", summary->challenge}})),
        std::nullopt};
  }
  if (summary->type == "app_rate_limited") {
    spdlog::warn("event=http.app_rate_limited detail=\"Slack is dropping event deliveries\"");
    return {Text(200, ""), std::nullopt};
  }
  if (summary->type != "event_callback") {
    spdlog::info("event=http.event_ignored type={}", summary->type);
    return {Text(200, ""), std::nullopt};
  }
  const auto retry = req.find("X-Slack-Retry-Num");
  if (!filter.FirstDelivery(summary->event_id)) {
    spdlog::info("event=http.duplicate_dropped event_id={} retry={}", summary->event_id,
                 retry == req.end() ? std::string_view("0") : std::string_view(retry->value()));
    return {Text(200, ""), std::nullopt};
  }
  InboundRequest request{InboundKind::kEvent, req.body(), summary->event_id};
  if (keep) {
    keep(request);  // before the 200: Slack sends an acknowledged event no more
  }
  return {Text(200, ""), std::move(request)};
}

Outcome HttpEndpoint::Impl::HandleApi(const Request& req, std::string_view path,
                                      std::string_view query) {
  auto it = routes.find(std::string(path));
  if (it == routes.end()) {
    return {Json(404, JsonError("not_found")), std::nullopt};
  }
  const ApiRoute* route = nullptr;
  std::string allowed;
  // HEAD is answered as GET would be, without the body (the session drops it).
  const bool head = req.method() == http::verb::head;
  for (const auto& candidate : it->second) {
    if (candidate.method == req.method_string() || (head && candidate.method == "GET")) {
      route = &candidate;
    }
    allowed += allowed.empty() ? candidate.method : ", " + candidate.method;
    if (candidate.method == "GET") {
      allowed += ", HEAD";
    }
  }
  if (route == nullptr) {
    Outcome out{Json(405, JsonError("method_not_allowed")), std::nullopt};
    out.answer.headers.emplace_back("Allow", allowed);
    return out;
  }
  if (!route->open && !KeyMatches(req, route->api_key)) {
    Outcome out{Json(401, JsonError("unauthorized")), std::nullopt};
    out.answer.headers.emplace_back("WWW-Authenticate", "Bearer");
    return out;
  }
  try {
    return {route->handler(ToApiRequest(req, path, query)), std::nullopt};
  } catch (const std::exception& e) {
    spdlog::error("event=http.handler_failed path={} error=\"{}\"", path, e.what());
    return {Json(500, JsonError("internal_error")), std::nullopt};
  }
}

HttpEndpoint::HttpEndpoint(asio::any_io_executor executor, const Clock& clock,
                           DeliveryFilter& filter, Dispatch dispatch, HttpEndpointOptions options)
    : impl_(std::make_shared<Impl>(std::move(executor), clock, filter, std::move(dispatch),
                                   std::move(options))) {}

HttpEndpoint::~HttpEndpoint() {
  impl_->Close();
}

void HttpEndpoint::AddApiRoute(std::string method, std::string path, Secret api_key,
                               ApiHandler handler) {
  impl_->routes[std::move(path)].push_back(
      ApiRoute{std::move(method), std::move(api_key), std::move(handler)});
}

void HttpEndpoint::KeepEventsWith(KeepEvent keep) {
  impl_->keep = std::move(keep);
}

void HttpEndpoint::AddPublicRoute(std::string method, std::string path, ApiHandler handler) {
  impl_->routes[std::move(path)].push_back(
      ApiRoute{std::move(method), Secret{}, std::move(handler), true});
}

void HttpEndpoint::Start() {
  impl_->Start();
}

std::uint16_t HttpEndpoint::Port() const {
  return impl_->port;
}

void HttpEndpoint::Stop() {
  asio::dispatch(impl_->executor, [impl = impl_] { impl->Close(); });
}

}  // namespace swarmbot::bot
