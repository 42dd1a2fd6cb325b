#include "emulator/detail/http_delivery.hpp"

#include <map>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include "common/crypto.hpp"
#include "common/form.hpp"
#include "common/tls.hpp"
#include "emulator/detail/net.hpp"
#include "emulator/detail/payloads.hpp"

namespace swarmbot::emulator::detail {
namespace {

constexpr std::string_view kUserAgent = "Slackbot 1.0 (+https://api.slack.com/robots)";

struct PostResult {
  bool ok = false;  // a 2xx answer
  int status = 0;
  std::string body;
  bool no_retry = false;
  std::string failure;  // Slack's retry reasons: http_timeout, connection_failed…
};

bool IsLoopback(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host == "::1";
}

std::string Failure(const beast::error_code& ec, const char* otherwise) {
  return ec == beast::error::timeout ? "http_timeout" : otherwise;
}

template <class Stream>
asio::awaitable<PostResult> Exchange(Stream& stream, HttpRequest& req) {
  PostResult result;
  if (auto [ec, n] = co_await http::async_write(stream, req, kTuple); ec) {
    result.failure = Failure(ec, "connection_failed");
    co_return result;
  }
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  if (auto [ec, n] = co_await http::async_read(stream, buffer, res, kTuple); ec) {
    result.failure = Failure(ec, "connection_failed");
    co_return result;
  }
  result.status = static_cast<int>(res.result_int());
  result.ok = result.status >= 200 && result.status < 300;
  result.body = res.body();
  result.no_retry = res["X-Slack-No-Retry"] == "1";
  if (!result.ok) {
    result.failure = "http_error";
  }
  co_return result;
}

}  // namespace

struct HttpDelivery::State {
  explicit State(Core& c) : core(c) {}

  Core& core;
  bool stopped = false;
  std::map<std::string, std::shared_ptr<asio::ssl::context>> tls_contexts;
  std::vector<std::weak_ptr<asio::steady_timer>> timers;
  std::vector<std::weak_ptr<beast::tcp_stream>> streams;

  asio::ssl::context& Tls(const std::string& ca_file) {
    auto& ctx = tls_contexts[ca_file];
    if (!ctx) {
      ctx = std::make_shared<asio::ssl::context>(MakeClientTlsContext(ca_file));
    }
    return *ctx;
  }

  asio::awaitable<PostResult> Post(std::string url_text, std::string body, std::string content_type,
                                   std::vector<std::pair<std::string, std::string>> headers,
                                   std::string ca_file);
  asio::awaitable<void> Run(Delivery d, RequestUrls urls);
  asio::awaitable<void> Wait(std::chrono::milliseconds delay);
  asio::awaitable<void> Verify(std::string events_url, std::string ca_file,
                               std::function<void(Status)> done);
};

asio::awaitable<PostResult> HttpDelivery::State::Post(
    std::string url_text, std::string body, std::string content_type,
    std::vector<std::pair<std::string, std::string>> headers, std::string ca_file) {
  PostResult result;
  auto url = ParseUrl(url_text);
  if (!url || !IsLoopback(url->host)) {
    // The emulator is a test tool: it delivers to this machine only.
    result.failure = "connection_failed";
    co_return result;
  }
  tcp::resolver resolver(core.io);
  auto [rec, endpoints] = co_await resolver.async_resolve(url->host, url->port, kTuple);
  if (rec) {
    result.failure = "connection_failed";
    co_return result;
  }
  auto tcp_stream = std::make_shared<beast::tcp_stream>(core.io);
  std::erase_if(streams, [](const auto& weak) { return weak.expired(); });
  streams.push_back(tcp_stream);
  tcp_stream->expires_after(core.options.http_timeout);
  if (auto [ec, ep] = co_await tcp_stream->async_connect(endpoints, kTuple); ec) {
    result.failure = Failure(ec, "connection_failed");
    co_return result;
  }
  HttpRequest req{http::verb::post, url->target, 11};
  req.set(http::field::host, url->host + ":" + url->port);
  req.set(http::field::user_agent, kUserAgent);
  req.set(http::field::content_type, content_type);
  for (const auto& [name, value] : headers) {
    req.set(name, value);
  }
  req.body() = std::move(body);
  req.keep_alive(false);
  req.prepare_payload();
  if (!url->Secure()) {
    co_return co_await Exchange(*tcp_stream, req);
  }
  beast::ssl_stream<beast::tcp_stream&> tls(*tcp_stream, Tls(ca_file));
  if (!SetTlsHostName(tls.native_handle(), url->host)) {
    result.failure = "ssl_error";
    co_return result;
  }
  if (auto [ec] = co_await tls.async_handshake(asio::ssl::stream_base::client, kTuple); ec) {
    result.failure = Failure(ec, "ssl_error");
    co_return result;
  }
  co_return co_await Exchange(tls, req);
}

asio::awaitable<void> HttpDelivery::State::Wait(std::chrono::milliseconds delay) {
  if (delay.count() <= 0) {
    co_return;
  }
  auto timer = std::make_shared<asio::steady_timer>(core.io, delay);
  std::erase_if(timers, [](const auto& weak) { return weak.expired(); });
  timers.push_back(timer);
  co_await timer->async_wait(kTuple);
}

asio::awaitable<void> HttpDelivery::State::Run(Delivery d, RequestUrls urls) {
  const bool event = d.kind == DeliveryKind::kEvent;
  std::string url;
  std::string body;
  std::string content_type = "application/x-www-form-urlencoded";
  if (event) {
    url = urls.events;
    body = json::serialize(d.payload);
    content_type = "application/json";
  } else if (d.kind == DeliveryKind::kCommand) {
    url = urls.commands;
    body = BuildForm(d.command_fields);
  } else {
    url = urls.interactive;
    body = BuildForm({{"payload", json::serialize(d.payload)}});
  }
  const auto& delays = core.options.http_retry_delays;
  const std::size_t attempts = event ? 1 + delays.size() : 1;
  std::string reason;
  for (std::size_t attempt = 0; attempt < attempts && !stopped; ++attempt) {
    if (attempt > 0) {
      co_await Wait(delays[attempt - 1]);
      if (stopped) {
        break;
      }
      std::lock_guard lock(core.mu);
      ++core.ws.delivery_counts["events_api"];
      core.NotifyLocked();
    }
    const std::string timestamp = std::to_string(core.SigningTime());
    const std::string signature =
        "v0=" + HmacSha256Hex(core.options.signing_secret.Reveal(), "v0:" + timestamp + ":" + body);
    std::vector<std::pair<std::string, std::string>> headers{
        {"X-Slack-Request-Timestamp", timestamp}, {"X-Slack-Signature", signature}};
    if (attempt > 0) {
      headers.emplace_back("X-Slack-Retry-Num", std::to_string(attempt));
      headers.emplace_back("X-Slack-Retry-Reason", reason);
    }
    PostResult result = co_await Post(url, body, content_type, headers, urls.ca_file);
    if (result.ok) {
      if (d.on_ack) {
        d.on_ack(AckResult{true, result.body, {}});
      }
      co_return;
    }
    reason = result.failure;
    spdlog::debug("event=emulator.http_delivery_failed kind={} attempt={} reason={} status={}",
                  EnvelopeType(d.kind), attempt, reason, result.status);
    if (result.no_retry) {
      break;
    }
  }
  if (d.on_ack) {
    d.on_ack(AckResult{false, {}, reason.empty() ? "dispatch_failed" : reason});
  }
}

asio::awaitable<void> HttpDelivery::State::Verify(std::string events_url, std::string ca_file,
                                                  std::function<void(Status)> done) {
  const std::string challenge = RandomHex(20);
  const std::string body = json::serialize(UrlVerification(core.options, challenge));
  const std::string timestamp = std::to_string(core.SigningTime());
  const std::string signature =
      "v0=" + HmacSha256Hex(core.options.signing_secret.Reveal(), "v0:" + timestamp + ":" + body);
  // Named, not braced in the call: GCC 12 miscompiles initializer lists inside co_await.
  std::vector<std::pair<std::string, std::string>> headers{{"X-Slack-Request-Timestamp", timestamp},
                                                           {"X-Slack-Signature", signature}};
  PostResult result = co_await Post(events_url, body, "application/json", headers, ca_file);
  if (!result.ok) {
    done(MakeError(Errc::kUnavailable, "url_verification failed: " + result.failure + " " +
                                           std::to_string(result.status)));
    co_return;
  }
  // Slack takes the challenge back as plain text or as {"challenge": …}.
  boost::system::error_code ec;
  const json::value answer = json::parse(result.body, ec);
  const bool echoed =
      result.body == challenge ||
      (!ec && answer.is_object() && answer.as_object().contains("challenge") &&
       answer.at("challenge").is_string() && answer.at("challenge").as_string() == challenge);
  if (echoed) {
    done(Status{});
  } else {
    done(MakeError(Errc::kInvalidInput, "url_verification: wrong challenge"));
  }
}

HttpDelivery::HttpDelivery(Core& core) : state_(std::make_unique<State>(core)) {}

HttpDelivery::~HttpDelivery() = default;

void HttpDelivery::Send(Delivery delivery, RequestUrls urls) {
  asio::co_spawn(state_->core.io, state_->Run(std::move(delivery), std::move(urls)),
                 [](std::exception_ptr e) { LogCoroutineEnd("http_delivery", e); });
}

void HttpDelivery::Verify(std::string events_url, std::string ca_file,
                          std::function<void(Status)> done) {
  asio::co_spawn(state_->core.io,
                 state_->Verify(std::move(events_url), std::move(ca_file), std::move(done)),
                 [](std::exception_ptr e) { LogCoroutineEnd("url_verification", e); });
}

void HttpDelivery::Stop() {
  state_->stopped = true;
  for (auto& weak : state_->timers) {
    if (auto timer = weak.lock(); timer) {
      timer->cancel();
    }
  }
  for (auto& weak : state_->streams) {
    if (auto stream = weak.lock(); stream) {
      beast::error_code ignored;
      stream->socket().close(ignored);
    }
  }
}

}  // namespace swarmbot::emulator::detail
