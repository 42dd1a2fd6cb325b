#include "bot/web_api_client.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <optional>
#include <stdexcept>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <spdlog/spdlog.h>

#include "bot/detail/connect.hpp"
#include "bot/detail/json.hpp"
#include "common/form.hpp"
#include "common/tls.hpp"

namespace swarmbot::bot {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
// conversations.history pages with big Block Kit messages can run to megabytes.
constexpr std::uint64_t kResponseBodyLimit = 32ull << 20;
// When a 429 comes without a usable Retry-After.
constexpr std::chrono::seconds kDefaultRetryAfter{5};
// A 429 holds its method for every incident (rate limits are per method), so
// an absurd Retry-After (Slack's own are seconds to a minute) must not stall
// them for long: past five minutes it is retried then, and refused again if
// Slack still means it.
constexpr std::chrono::seconds kMaxRetryAfter{300};

using Response = http::response<http::string_body>;
using Request = http::request<http::string_body>;

// One keep-alive connection, plain or TLS.
struct Connection {
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<detail::TlsStream> tls;
  beast::flat_buffer buffer;

  beast::tcp_stream& Lowest() { return plain ? *plain : beast::get_lowest_layer(*tls); }
};

// How a kept-alive connection that the server closed shows up when we use it.
bool IsStaleConnection(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::ssl::error::stream_truncated;
}

std::chrono::seconds ParseRetryAfter(std::string_view header) {
  std::int64_t seconds = 0;
  const auto* end = header.data() + header.size();
  const auto [ptr, ec] = std::from_chars(header.data(), end, seconds);
  if (header.empty() || ec != std::errc{} || ptr != end || seconds < 0) {
    return kDefaultRetryAfter;
  }
  return std::min(std::chrono::seconds(seconds), kMaxRetryAfter);
}

bool IsValidMethodName(std::string_view method) {
  if (method.empty() || method.size() > 100) {
    return false;
  }
  return std::all_of(method.begin(), method.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_';
  });
}

std::string HostHeader(const Url& url) {
  const bool default_port =
      (url.Secure() && url.port == "443") || (!url.Secure() && url.port == "80");
  const bool ipv6 = url.host.find(':') != std::string::npos;
  std::string host = ipv6 ? "[" + url.host + "]" : url.host;
  return default_port ? host : host + ":" + url.port;
}

std::string PoolKey(const Url& url) {
  return url.scheme + "://" + url.host + ":" + url.port;
}

struct RoundTripOutcome {
  beast::error_code ec;
  bool sent = false;      // the whole request was written
  bool answered = false;  // some of a response arrived
};

// Methods that only read, so sending one twice does no harm.
bool IsReadOnlyMethod(std::string_view method) {
  return !WebApiClient::AcceptsJson(method) || method == "conversations.history" ||
         method == "auth.test";
}

// Whether a call's JSON arguments hold a top-level trigger_id (views.open,
// views.push…), which Slack honours only within 3 s of the click.
bool CarriesTrigger(std::string_view args_json) {
  if (args_json.find("\"trigger_id\"") == std::string_view::npos) {
    return false;
  }
  bool found = false;
  const auto read = detail::ForEachField(args_json, "arguments",
                                         [&](std::string_view key, detail::ondemand::value&) {
                                           found = found || key == "trigger_id";
                                           return true;
                                         });
  return read && found;
}

// An idle keep-alive connection must have nothing to read: bytes or an EOF
// mean the server closed it (or broke protocol) while it sat in the pool.
bool StillOpen(beast::tcp_stream& stream) {
  auto& socket = stream.socket();
  beast::error_code ec;
  socket.non_blocking(true, ec);
  if (ec) {
    return false;
  }
  char byte = 0;
  socket.receive(asio::buffer(&byte, 1), asio::ip::tcp::socket::message_peek, ec);
  beast::error_code ignored;
  socket.non_blocking(false, ignored);
  return ec == asio::error::would_block;
}

}  // namespace

Errc ClassifySlackError(std::string_view code) {
  static constexpr std::array<std::string_view, 2> kRateLimited = {"ratelimited", "rate_limited"};
  static constexpr std::array<std::string_view, 4> kTransient = {
      "internal_error", "fatal_error", "service_unavailable", "request_timeout"};
  static constexpr std::array<std::string_view, 5> kAuth = {
      "invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"};
  auto in = [&](const auto& set) { return std::find(set.begin(), set.end(), code) != set.end(); };
  if (in(kRateLimited)) {
    return Errc::kRateLimited;
  }
  if (in(kTransient)) {
    return Errc::kUnavailable;
  }
  if (in(kAuth)) {
    return Errc::kUnauthenticated;
  }
  return Errc::kSlackError;
}

Result<ApiReply> InterpretApiAnswer(int http_status, std::string_view retry_after,
                                    std::string body) {
  if (http_status == 429) {
    Error e = MakeError(Errc::kRateLimited, "HTTP 429 from Slack");
    e.slack_error = "ratelimited";
    e.retry_after = ParseRetryAfter(retry_after);
    return e;
  }
  if (http_status >= 500 || http_status == 408) {
    return MakeError(Errc::kUnavailable, "HTTP " + std::to_string(http_status) + " from Slack");
  }
  if (http_status != 200) {
    Error e = MakeError(
        http_status == 401 || http_status == 403 ? Errc::kUnauthenticated : Errc::kSlackError,
        "HTTP " + std::to_string(http_status) + " from Slack");
    e.slack_error = "http_" + std::to_string(http_status);
    return e;
  }
  auto answer = detail::ParseApiAnswer(body);
  if (!answer) {
    // A proxy's HTML error page or a cut-off body: the call may succeed later.
    return MakeError(Errc::kUnavailable, "unreadable answer from Slack: " + answer.error().detail);
  }
  if (!answer->ok) {
    const std::string code = answer->error.empty() ? "unknown_error" : answer->error;
    Error e = MakeError(ClassifySlackError(code), "Slack answered " + code);
    e.slack_error = code;
    if (e.code == Errc::kRateLimited && !retry_after.empty()) {
      e.retry_after = ParseRetryAfter(retry_after);
    }
    return e;
  }
  return ApiReply{std::move(body), std::move(answer->warning)};
}

bool WebApiClient::AcceptsJson(std::string_view method) {
  // Slack reads these only from query strings or form bodies
  // (json_input_supported=false in the method reference).
  // bookmarks.list is missing from the method reference; a form body is
  // read by every method, so it is the safe choice there.
  static constexpr std::array<std::string_view, 5> kFormOnly = {
      "conversations.info", "conversations.members", "conversations.list", "chat.getPermalink",
      "bookmarks.list"};
  if (std::find(kFormOnly.begin(), kFormOnly.end(), method) != kFormOnly.end()) {
    return false;
  }
  return !(method.starts_with("users.") || method.starts_with("usergroups."));
}

struct WebApiClient::Impl {
  Impl(asio::any_io_executor ex, WebApiOptions o)
      : executor(std::move(ex)),
        options(std::move(o)),
        clock(options.clock != nullptr ? *options.clock : own_clock),
        tls(MakeClientTlsContext(options.ca_file)) {
    auto url = ParseUrl(options.base_url);
    if (!url) {
      throw std::invalid_argument("Web API base URL: " + url.error().detail);
    }
    if (!url->Secure() && !options.allow_insecure) {
      throw std::invalid_argument("Web API base URL must be https://");
    }
    if (url->scheme != "https" && url->scheme != "http") {
      throw std::invalid_argument("Web API base URL must be http(s)://");
    }
    base = *url;
    const auto query = base.target.find('?');
    if (query != std::string::npos) {
      throw std::invalid_argument("Web API base URL must not have a query");
    }
    if (base.target.back() != '/') {
      base.target.push_back('/');
    }
  }

  asio::any_io_executor executor;
  WebApiOptions options;
  SystemClock own_clock;
  const Clock& clock;
  asio::ssl::context tls;
  Url base;
  std::map<std::string, std::vector<std::unique_ptr<Connection>>> idle;
  // Until when each rate-limited method is held back.
  std::map<std::string, Clock::TimePoint, std::less<>> held_until;

  // `timeout` bounds each step: connecting, the TLS handshake, the round trip.
  asio::awaitable<Result<std::unique_ptr<Connection>>> Connect(const Url& url,
                                                               std::chrono::milliseconds timeout);
  asio::awaitable<RoundTripOutcome> RoundTrip(Connection& conn, Request& req, Response& res,
                                              std::chrono::milliseconds timeout);
  asio::awaitable<Result<Response>> Exchange(const Url& url, Request req, bool replayable,
                                             std::chrono::milliseconds timeout);
  asio::awaitable<Result<ApiReply>> CallMethod(std::string method, std::string args_json,
                                               const Secret& token);
  std::unique_ptr<Connection> TakeIdle(const std::string& key);
  void ReturnIdle(const std::string& key, std::unique_ptr<Connection> conn);
  std::optional<Error> HeldBack(const std::string& method);
  void Hold(const std::string& method, Error& limited);
};

std::optional<Error> WebApiClient::Impl::HeldBack(const std::string& method) {
  const auto held = held_until.find(method);
  if (held == held_until.end()) {
    return std::nullopt;
  }
  const auto left = held->second - clock.Now();
  if (left <= Clock::TimePoint::duration::zero()) {
    held_until.erase(held);
    return std::nullopt;
  }
  Error e = MakeError(Errc::kRateLimited, method + " held back after Slack rate-limited it");
  e.slack_error = "ratelimited";
  e.retry_after = std::chrono::ceil<std::chrono::seconds>(left);
  return e;
}

void WebApiClient::Impl::Hold(const std::string& method, Error& limited) {
  // rate_limited (the workspace's posting cap) comes without a Retry-After;
  // the caller is told the hold so that it doesn't retry into it.
  limited.retry_after = limited.retry_after.value_or(kDefaultRetryAfter);
  const Clock::TimePoint until = clock.Now() + *limited.retry_after;
  auto& held = held_until[method];
  held = std::max(held, until);
  spdlog::warn("event=slack.rate_limited method={} error={} hold_s={}", method, limited.slack_error,
               limited.retry_after->count());
}

std::unique_ptr<Connection> WebApiClient::Impl::TakeIdle(const std::string& key) {
  auto it = idle.find(key);
  if (it == idle.end() || it->second.empty()) {
    return nullptr;
  }
  while (!it->second.empty()) {
    auto conn = std::move(it->second.back());
    it->second.pop_back();
    if (StillOpen(conn->Lowest())) {
      return conn;
    }
  }
  return nullptr;
}

void WebApiClient::Impl::ReturnIdle(const std::string& key, std::unique_ptr<Connection> conn) {
  auto& list = idle[key];
  if (list.size() < options.max_idle_per_host) {
    list.push_back(std::move(conn));
  }
}

asio::awaitable<Result<std::unique_ptr<Connection>>> WebApiClient::Impl::Connect(
    const Url& url, std::chrono::milliseconds timeout) {
  auto conn = std::make_unique<Connection>();
  if (url.Secure()) {
    auto stream = co_await detail::ConnectTls(executor, tls, url.host, url.port, timeout);
    if (!stream) {
      co_return stream.error();
    }
    conn->tls = std::move(*stream);
  } else {
    auto stream = co_await detail::ConnectTcp(executor, url.host, url.port, timeout);
    if (!stream) {
      co_return stream.error();
    }
    conn->plain = std::move(*stream);
  }
  co_return std::move(conn);
}

asio::awaitable<RoundTripOutcome> WebApiClient::Impl::RoundTrip(Connection& conn, Request& req,
                                                                Response& res,
                                                                std::chrono::milliseconds timeout) {
  conn.Lowest().expires_after(timeout);
  http::response_parser<http::string_body> parser;
  parser.body_limit(kResponseBodyLimit);
  RoundTripOutcome out;
  if (conn.tls) {
    std::tie(out.ec, std::ignore) = co_await http::async_write(*conn.tls, req, kTuple);
    out.sent = !out.ec;
    if (out.sent) {
      std::tie(out.ec, std::ignore) =
          co_await http::async_read(*conn.tls, conn.buffer, parser, kTuple);
    }
  } else {
    std::tie(out.ec, std::ignore) = co_await http::async_write(*conn.plain, req, kTuple);
    out.sent = !out.ec;
    if (out.sent) {
      std::tie(out.ec, std::ignore) =
          co_await http::async_read(*conn.plain, conn.buffer, parser, kTuple);
    }
  }
  out.answered = parser.got_some();
  if (!out.ec) {
    res = parser.release();
  }
  co_return out;
}

asio::awaitable<Result<Response>> WebApiClient::Impl::Exchange(const Url& url, Request req,
                                                               bool replayable,
                                                               std::chrono::milliseconds timeout) {
  const std::string key = PoolKey(url);
  for (int attempt = 0;; ++attempt) {
    std::unique_ptr<Connection> conn = TakeIdle(key);
    const bool reused = conn != nullptr;
    if (!conn) {
      auto fresh = co_await Connect(url, timeout);
      if (!fresh) {
        co_return fresh.error();
      }
      conn = std::move(*fresh);
    }
    Response res;
    const RoundTripOutcome out = co_await RoundTrip(*conn, req, res, timeout);
    if (!out.ec) {
      if (res.keep_alive()) {
        ReturnIdle(key, std::move(conn));
      }
      co_return res;
    }
    // A kept-alive connection can die between TakeIdle's check and our write.
    // Sending again is safe when the request provably never arrived (the
    // write failed), or when repeating it changes nothing (a read method).
    // A write method that got no answer may have been performed ("answer
    // lost"): that goes back to the caller, whose retry checks first.
    const bool unanswered = !out.answered && IsStaleConnection(out.ec);
    if (reused && attempt == 0 && (!out.sent || (unanswered && replayable))) {
      spdlog::debug("event=slack.stale_connection host={} error=\"{}\"", url.host,
                    out.ec.message());
      continue;
    }
    const bool timed_out = out.ec == beast::error::timeout;
    co_return MakeError(Errc::kUnavailable, std::string(timed_out ? "timed out" : "failed") +
                                                " talking to " + url.host + ": " +
                                                out.ec.message());
  }
}

asio::awaitable<Result<ApiReply>> WebApiClient::Impl::CallMethod(std::string method,
                                                                 std::string args_json,
                                                                 const Secret& token) {
  if (!IsValidMethodName(method)) {
    co_return MakeError(Errc::kInvalidInput, "not a Web API method name");
  }
  if (auto held = HeldBack(method)) {
    spdlog::debug("event=slack.call_held method={} retry_after_s={}", method,
                  held->retry_after->count());
    co_return *held;
  }
  if (args_json.empty()) {
    args_json = "{}";
  }
  // A trigger_id dies 3 s after the click: waiting longer for the answer, or
  // trying again later, can't open anything.
  const auto timeout = CarriesTrigger(args_json)
                           ? std::min(options.trigger_timeout, options.request_timeout)
                           : options.request_timeout;
  Request req{http::verb::post, base.target + method, 11};
  req.set(http::field::host, HostHeader(base));
  req.set(http::field::user_agent, "swarmbot/0.1");
  req.set(http::field::authorization, "Bearer " + token.Reveal());
  req.keep_alive(true);
  if (AcceptsJson(method)) {
    req.set(http::field::content_type, "application/json; charset=utf-8");
    req.body() = std::move(args_json);
  } else {
    auto fields = detail::JsonArgsToForm(args_json);
    if (!fields) {
      co_return MakeError(Errc::kInvalidInput, method + ": " + fields.error().detail);
    }
    // No charset: Slack warns `superfluous_charset` on form bodies that name one.
    req.set(http::field::content_type, "application/x-www-form-urlencoded");
    req.body() = BuildForm(*fields);
  }
  req.prepare_payload();

  const auto started = std::chrono::steady_clock::now();
  auto res = co_await Exchange(base, std::move(req), IsReadOnlyMethod(method), timeout);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  if (!res) {
    spdlog::debug("event=slack.call method={} ms={} error=\"{}\"", method, ms, res.error().detail);
    co_return res.error();
  }
  const int status = static_cast<int>(res->result_int());
  auto retry_after = res->find(http::field::retry_after);
  auto reply = InterpretApiAnswer(
      status,
      retry_after == res->end() ? std::string_view{} : std::string_view(retry_after->value()),
      std::move(res->body()));
  spdlog::debug("event=slack.call method={} status={} ms={} error={}", method, status, ms,
                reply ? std::string("none") : reply.error().slack_error);
  if (!reply && reply.error().code == Errc::kRateLimited) {
    Error limited = reply.error();
    Hold(method, limited);
    co_return limited;
  }
  co_return reply;
}

WebApiClient::WebApiClient(asio::any_io_executor executor, WebApiOptions options)
    : impl_(std::make_unique<Impl>(std::move(executor), std::move(options))) {}

WebApiClient::~WebApiClient() = default;

asio::awaitable<Result<ApiReply>> WebApiClient::Call(std::string method, std::string args_json) {
  co_return co_await impl_->CallMethod(std::move(method), std::move(args_json),
                                       impl_->options.bot_token);
}

asio::awaitable<Result<ApiReply>> WebApiClient::CallAsUser(std::string method,
                                                           std::string args_json) {
  if (impl_->options.user_token.Empty()) {
    co_return co_await SlackApi::CallAsUser(std::move(method), std::move(args_json));
  }
  co_return co_await impl_->CallMethod(std::move(method), std::move(args_json),
                                       impl_->options.user_token);
}

bool WebApiClient::HasUserToken() const {
  return !impl_->options.user_token.Empty();
}

asio::awaitable<Result<ApiReply>> WebApiClient::CallWithToken(std::string method,
                                                              std::string args_json, Secret token) {
  co_return co_await impl_->CallMethod(std::move(method), std::move(args_json), token);
}

asio::awaitable<Status> WebApiClient::Respond(std::string response_url, std::string body_json) {
  auto url = ParseUrl(response_url);
  if (!url || (url->scheme != "https" && url->scheme != "http")) {
    co_return MakeError(Errc::kInvalidInput, "response_url is not an http(s) URL");
  }
  if (!url->Secure() && !impl_->options.allow_insecure) {
    co_return MakeError(Errc::kInvalidInput, "response_url must be https://");
  }
  Request req{http::verb::post, url->target, 11};
  req.set(http::field::host, HostHeader(*url));
  req.set(http::field::user_agent, "swarmbot/0.1");
  req.set(http::field::content_type, "application/json; charset=utf-8");
  req.keep_alive(true);
  req.body() = std::move(body_json);
  req.prepare_payload();

  auto res = co_await impl_->Exchange(*url, std::move(req), /*replayable=*/false,
                                      impl_->options.request_timeout);
  if (!res) {
    spdlog::debug("event=slack.respond error=\"{}\"", res.error().detail);
    co_return res.error();
  }
  const int status = static_cast<int>(res->result_int());
  spdlog::debug("event=slack.respond status={}", status);
  if (status >= 200 && status < 300) {
    co_return Status{};
  }
  if (status == 429) {
    auto header = res->find(http::field::retry_after);
    Error e = MakeError(Errc::kRateLimited, "HTTP 429 from response_url");
    e.retry_after = ParseRetryAfter(header == res->end() ? std::string_view{}
                                                         : std::string_view(header->value()));
    co_return e;
  }
  if (status >= 500) {
    co_return MakeError(Errc::kUnavailable,
                        "HTTP " + std::to_string(status) + " from response_url");
  }
  Error e = MakeError(Errc::kSlackError, "HTTP " + std::to_string(status) + " from response_url");
  e.slack_error = "http_" + std::to_string(status);
  co_return e;
}

}  // namespace swarmbot::bot
