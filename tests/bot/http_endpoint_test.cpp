#include "bot/http_endpoint.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "bot/signature.hpp"
#include "common/form.hpp"
#include "emulator/detail/certificate.hpp"
#include "store/database.hpp"
#include "tests/bot/bot_testing.hpp"
#include "tests/bot/http_client.hpp"

namespace swarmbot::bot {
namespace {

using swarmbot::bot::testing::HttpClient;
using swarmbot::bot::testing::HttpReply;
using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kSigningSecret = "test-signing-secret-0123456789";
constexpr const char* kApiKey = "test-api-key-abcdef";

class HttpEndpointTest : public ::testing::Test {
 protected:
  void StartEndpoint(HttpEndpointOptions options = {}) {
    options.signing_secret = Secret(kSigningSecret);
    io_.Invoke([&] {
      db_ = std::move(store::Database::Open(":memory:").value());
      filter_ = std::make_unique<DeliveryFilter>(*db_, clock_);
      endpoint_ = std::make_unique<HttpEndpoint>(
          io_.executor(), clock_, *filter_,
          [this](const InboundRequest& request) { return recorder_(request); }, options);
      endpoint_->AddApiRoute("POST", "/api/cases", Secret(kApiKey), [this](const ApiRequest& req) {
        api_requests_.push_back(req);
        HttpAnswer answer;
        answer.status = 201;
        answer.body = R"({"case":"CASE-1"})";
        answer.headers.emplace_back("Location", "/api/cases/CASE-1");
        return answer;
      });
      endpoint_->Start();
      return 0;
    });
  }

  ~HttpEndpointTest() override {
    io_.Invoke([this] {
      if (endpoint_) {
        endpoint_->Stop();
      }
      return 0;
    });
    // Connections end on the io thread; tear down there after they're closed.
    io_.Invoke([this] {
      endpoint_.reset();
      filter_.reset();
      db_.reset();
      return 0;
    });
  }

  std::uint16_t Port() { return endpoint_->Port(); }

  Headers Signed(const std::string& body, std::int64_t skew_seconds = 0) {
    const std::string ts = std::to_string(clock_.UnixSeconds() + skew_seconds);
    return {{"X-Slack-Request-Timestamp", ts},
            {"X-Slack-Signature", ComputeSlackSignature(Secret(kSigningSecret), ts, body)}};
  }

  HttpReply PostSigned(HttpClient& client, const std::string& target, const std::string& body,
                       const std::string& content_type, Headers extra = {}) {
    Headers headers = Signed(body);
    headers.emplace_back("Content-Type", content_type);
    for (auto& h : extra) {
      headers.push_back(std::move(h));
    }
    return client.Send("POST", target, body, headers);
  }

  // For requests that are refused or answered synchronously: their dispatch
  // (if any) happened before the answer was written.
  std::size_t DispatchedOnIo() {
    return io_.Invoke([this] { return recorder_.Count(); });
  }

  swarmbot::bot::testing::IoThread io_;
  FakeClock clock_;
  swarmbot::bot::testing::Recorder recorder_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<DeliveryFilter> filter_;
  std::unique_ptr<HttpEndpoint> endpoint_;
  std::vector<ApiRequest> api_requests_;
};

const std::string kCommandBody =
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=takeout&channel_id=C1&"
    "channel_name=incidents&user_id=U2CERLKJA&user_name=ann&command=%2Fincident&text=declare+"
    "FEAST25+fails&api_app_id=A1&is_enterprise_install=false&response_url=https%3A%2F%2Fhooks."
    "slack.com%2Fcommands%2FT1%2F1%2Fx&trigger_id=1.2.abc";

TEST_F(HttpEndpointTest, AnswersHealthChecks) {
  StartEndpoint();
  HttpClient client(Port());
  const auto reply = client.Send("GET", "/healthz", "");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "ok\n");
}

TEST_F(HttpEndpointTest, DispatchesASignedSlashCommandAsJsonAndAnswersWithTheReply) {
  StartEndpoint();
  recorder_.SetReply([](const InboundRequest&) {
    return InboundReply{R"({"response_type":"ephemeral","text":"INC-1 declared"})"};
  });
  HttpClient client(Port());
  const auto reply =
      PostSigned(client, "/slack/commands", kCommandBody, "application/x-www-form-urlencoded");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, R"({"response_type":"ephemeral","text":"INC-1 declared"})");
  EXPECT_EQ(reply.Header("Content-Type"), "application/json");

  const auto requests = recorder_.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].kind, InboundKind::kSlashCommand);
  const auto payload = boost::json::parse(requests[0].payload_json).as_object();
  EXPECT_EQ(payload.at("command").as_string(), "/incident");
  EXPECT_EQ(payload.at("text").as_string(), "declare FEAST25 fails");
  EXPECT_EQ(payload.at("response_url").as_string(), "https://hooks.slack.com/commands/T1/1/x");
}

TEST_F(HttpEndpointTest, RejectsBadSignaturesWith401AndDispatchesNothing) {
  StartEndpoint();
  HttpClient client(Port());
  const std::string form = "application/x-www-form-urlencoded";

  Headers forged = Signed(kCommandBody);
  forged.emplace_back("Content-Type", form);
  EXPECT_EQ(client.Send("POST", "/slack/commands", kCommandBody + "&x=1", forged).status, 401);

  Headers stale = Signed(kCommandBody, -301);
  EXPECT_EQ(client.Send("POST", "/slack/commands", kCommandBody, stale).status, 401);

  Headers future = Signed(kCommandBody, +301);
  EXPECT_EQ(client.Send("POST", "/slack/commands", kCommandBody, future).status, 401);

  Headers no_signature = {Signed(kCommandBody)[0]};
  EXPECT_EQ(client.Send("POST", "/slack/commands", kCommandBody, no_signature).status, 401);

  Headers no_timestamp = {Signed(kCommandBody)[1]};
  EXPECT_EQ(client.Send("POST", "/slack/events", kCommandBody, no_timestamp).status, 401);

  EXPECT_EQ(client.Send("POST", "/slack/interactive", "payload=%7B%7D", {}).status, 401);
  EXPECT_EQ(DispatchedOnIo(), 0u);
}

TEST_F(HttpEndpointTest, ARequestPlayedAgainIsAnsweredButRunsOnce) {
  StartEndpoint();
  recorder_.SetReply([](const InboundRequest&) {
    return InboundReply{R"({"response_type":"ephemeral","text":"INC-1 declared"})"};
  });
  HttpClient client(Port());
  const Headers captured = Signed(kCommandBody);
  auto send = [&](const std::string& content_type) {
    Headers headers = captured;
    headers.emplace_back("Content-Type", content_type);
    return client.Send("POST", "/slack/commands", kCommandBody, headers);
  };
  EXPECT_EQ(send("application/x-www-form-urlencoded").body,
            R"({"response_type":"ephemeral","text":"INC-1 declared"})");
  clock_.Advance(std::chrono::seconds(90));  // still inside the five-minute window
  for (const char* type : {"application/x-www-form-urlencoded", "text/plain"}) {
    const auto again = send(type);
    EXPECT_EQ(again.status, 200) << type;
    EXPECT_EQ(again.body, "") << type;
  }
  EXPECT_EQ(DispatchedOnIo(), 1u);

  // The same command signed anew (Slack would send a new timestamp) runs.
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_EQ(
      PostSigned(client, "/slack/commands", kCommandBody, "application/x-www-form-urlencoded").body,
      R"({"response_type":"ephemeral","text":"INC-1 declared"})");
  EXPECT_EQ(DispatchedOnIo(), 2u);
}

TEST_F(HttpEndpointTest, AcceptsTimestampsWithinTheWindow) {
  StartEndpoint();
  HttpClient client(Port());
  Headers late = Signed(kCommandBody, -299);
  EXPECT_EQ(client.Send("POST", "/slack/commands", kCommandBody, late).status, 200);
  EXPECT_EQ(DispatchedOnIo(), 1u);
}

TEST_F(HttpEndpointTest, AcknowledgesButtonClicksAndThenDispatchesThem) {
  StartEndpoint();
  recorder_.SetReply([](const InboundRequest&) { return InboundReply{R"({"ignored":true})"}; });
  HttpClient client(Port());
  const std::string payload = R"({"type":"block_actions","user":{"id":"U1"},)"
                              R"("actions":[{"action_id":"approve","value":"CHG-1"}]})";
  const std::string body = "payload=" + FormEncode(payload);
  const auto reply =
      PostSigned(client, "/slack/interactive", body, "application/x-www-form-urlencoded");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "");
  ASSERT_TRUE(recorder_.WaitForCount(1));
  const auto requests = recorder_.Requests();
  EXPECT_EQ(requests[0].kind, InboundKind::kInteractive);
  EXPECT_EQ(requests[0].payload_json, payload);
}

TEST_F(HttpEndpointTest, AnswersViewSubmissionsWithTheHandlersResponseAction) {
  StartEndpoint();
  const std::string errors = R"({"response_action":"errors","errors":{"title_blk":"Required"}})";
  recorder_.SetReply([&](const InboundRequest&) { return InboundReply{errors}; });
  HttpClient client(Port());
  const std::string body =
      "payload=" + FormEncode(R"({"type":"view_submission","view":{"id":"V1"}})");
  const auto reply =
      PostSigned(client, "/slack/interactive", body, "application/x-www-form-urlencoded");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, errors);
}

TEST_F(HttpEndpointTest, EchoesTheUrlVerificationChallenge) {
  StartEndpoint();
  HttpClient client(Port());
  const std::string body = R"({"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl",)"
                           R"("challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",)"
                           R"("type":"url_verification"})";
  const auto reply = PostSigned(client, "/slack/events", body, "application/json");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(boost::json::parse(reply.body).at("challenge").as_string(),
            "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P");
  EXPECT_EQ(DispatchedOnIo(), 0u);
}

TEST_F(HttpEndpointTest, DispatchesAnEventOnceWhenSlackRetriesIt) {
  StartEndpoint();
  HttpClient client(Port());
  const std::string event =
      R"({"type":"event_callback","event_id":"Ev0MEMBER",)"
      R"("event":{"type":"member_joined_channel","user":"U1","channel":"C1"}})";
  EXPECT_EQ(PostSigned(client, "/slack/events", event, "application/json").status, 200);
  EXPECT_EQ(PostSigned(client, "/slack/events", event, "application/json",
                       {{"X-Slack-Retry-Num", "1"}, {"X-Slack-Retry-Reason", "http_timeout"}})
                .status,
            200);

  // A retry whose first attempt never arrived is the only copy: keep it.
  const std::string other =
      R"({"type":"event_callback","event_id":"Ev0OTHER","event":{"type":"reaction_added"}})";
  EXPECT_EQ(PostSigned(client, "/slack/events", other, "application/json",
                       {{"X-Slack-Retry-Num", "2"}, {"X-Slack-Retry-Reason", "http_error"}})
                .status,
            200);
  // Repeats are dropped before the answer is written, and deliveries are
  // dispatched in order, so once the second id is in, the count is final.
  ASSERT_TRUE(recorder_.WaitForCount(2));
  const auto requests = recorder_.Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].kind, InboundKind::kEvent);
  EXPECT_EQ(requests[0].delivery_id, "Ev0MEMBER");
  EXPECT_EQ(requests[0].payload_json, event);
  EXPECT_EQ(requests[1].delivery_id, "Ev0OTHER");
}

TEST_F(HttpEndpointTest, DispatchesARealSlackEventSample) {
  StartEndpoint();
  HttpClient client(Port());
  const std::string body =
      swarmbot::testing::ReadFile(swarmbot::testing::SharedDir() /
                                  "reference/slack-samples/java-slack-sdk/json-logs/samples/events/"
                                  "MemberJoinedChannelPayload.json");
  EXPECT_EQ(PostSigned(client, "/slack/events", body, "application/json").status, 200);
  ASSERT_TRUE(recorder_.WaitForCount(1));
  EXPECT_EQ(recorder_.Requests()[0].payload_json, body);
}

TEST_F(HttpEndpointTest, AnswersSslChecksAndRateLimitNoticesWithoutDispatching) {
  StartEndpoint();
  HttpClient client(Port());
  const std::string check = "ssl_check=1&token=xyzz0WbapA4vBCDEFasx0q6G";
  EXPECT_EQ(
      PostSigned(client, "/slack/commands", check, "application/x-www-form-urlencoded").status,
      200);
  const std::string limited = R"({"token":"x","type":"app_rate_limited","team_id":"T123456",)"
                              R"("minute_rate_limited":1518467820,"api_app_id":"A123456"})";
  EXPECT_EQ(PostSigned(client, "/slack/events", limited, "application/json").status, 200);
  EXPECT_EQ(DispatchedOnIo(), 0u);
}

TEST_F(HttpEndpointTest, RejectsMalformedBodiesWith400AndKeepsServing) {
  StartEndpoint();
  HttpClient client(Port());
  const std::string form = "application/x-www-form-urlencoded";
  EXPECT_EQ(PostSigned(client, "/slack/commands", "text=%zz&command=%2Fx", form).status, 400);
  EXPECT_EQ(PostSigned(client, "/slack/commands", "text=hello", form).status, 400);
  EXPECT_EQ(PostSigned(client, "/slack/interactive", "nopayload=1", form).status, 400);
  EXPECT_EQ(PostSigned(client, "/slack/interactive", "payload=%7Bnot+json", form).status, 400);
  EXPECT_EQ(PostSigned(client, "/slack/interactive", "payload=%5B1%5D", form).status, 400);
  EXPECT_EQ(PostSigned(client, "/slack/events", "{\"type\":", "application/json").status, 400);
  EXPECT_EQ(PostSigned(client, "/slack/events", "[]", "application/json").status, 400);
  EXPECT_EQ(DispatchedOnIo(), 0u);
  EXPECT_EQ(client.Send("GET", "/healthz", "").status, 200);
}

TEST_F(HttpEndpointTest, RefusesBodiesOverTheLimitWith413) {
  HttpEndpointOptions options;
  options.body_limit = 1024;
  StartEndpoint(options);
  HttpClient client(Port());
  const std::string big = "text=" + std::string(2000, 'a') + "&command=%2Fincident";
  const auto refused =
      PostSigned(client, "/slack/commands", big, "application/x-www-form-urlencoded");
  EXPECT_EQ(refused.status, 413);
  EXPECT_EQ(refused.body, "request too large\n") << "Slack's routes keep their plain answer";
  EXPECT_EQ(DispatchedOnIo(), 0u);
  HttpClient again(Port());
  EXPECT_EQ(again.Send("GET", "/healthz", "").status, 200);
}

// Check 11: an e-mail over 1 MiB got a text/plain 413, unlike every other
// refusal of the intake APIs.
TEST_F(HttpEndpointTest, RefusesAnOversizedApiRequestInJsonNamingTheLimit) {
  HttpEndpointOptions options;
  options.body_limit = 1024;
  StartEndpoint(options);
  HttpClient client(Port());
  const auto body = client.Send("POST", "/api/cases/email", std::string(2000, 'a'),
                                {{"X-Api-Key", kApiKey}, {"Content-Type", "message/rfc822"}});
  EXPECT_EQ(body.status, 413);
  EXPECT_EQ(body.Header("Content-Type"), "application/json");
  const auto refusal = boost::json::parse(body.body).as_object();
  EXPECT_EQ(refusal.at("error").as_string(), "too_large");
  EXPECT_EQ(refusal.at("message").as_string(), "the request body is larger than 1 KiB");

  HttpClient other(Port());
  const auto headers =
      other.Send("GET", "/api/site/banner", "", {{"X-Filler", std::string(20'000, 'h')}});
  EXPECT_EQ(headers.status, 431);
  EXPECT_EQ(headers.Header("Content-Type"), "application/json");
  EXPECT_EQ(boost::json::parse(headers.body).at("message").as_string(),
            "the request headers are larger than 16 KiB");
  EXPECT_TRUE(io_.Invoke([this] { return api_requests_.empty(); }));
}

TEST_F(HttpEndpointTest, AnswersGarbageWith400) {
  StartEndpoint();
  HttpClient client(Port());
  const auto reply = client.SendRaw("HELLO WORLD\r\n\r\n");
  EXPECT_EQ(reply.status, 400);
}

TEST_F(HttpEndpointTest, GuardsApiRoutesWithTheKey) {
  StartEndpoint();
  HttpClient client(Port());
  const std::string body = R"({"subject":"FEAST25 fails"})";
  auto missing = client.Send("POST", "/api/cases", body, {{"Content-Type", "application/json"}});
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(boost::json::parse(missing.body).at("error").as_string(), "unauthorized");
  EXPECT_EQ(client.Send("POST", "/api/cases", body, {{"Authorization", "Bearer wrong-key"}}).status,
            401);
  EXPECT_EQ(client.Send("POST", "/api/cases", body, {{"X-Api-Key", "test-api-key-abcdeX"}}).status,
            401);
  EXPECT_EQ(client.Send("POST", "/api/cases", body, {{"Authorization", kApiKey}}).status, 401);
  EXPECT_TRUE(io_.Invoke([this] { return api_requests_.empty(); }));

  auto bearer = client.Send("POST", "/api/cases?source=web", body,
                            {{"Authorization", std::string("Bearer ") + kApiKey},
                             {"Idempotency-Key", "k-1"},
                             {"Content-Type", "application/json"}});
  EXPECT_EQ(bearer.status, 201);
  EXPECT_EQ(bearer.body, R"({"case":"CASE-1"})");
  EXPECT_EQ(bearer.Header("Location"), "/api/cases/CASE-1");
  EXPECT_EQ(client.Send("POST", "/api/cases", body, {{"X-Api-Key", kApiKey}}).status, 201);

  const auto seen = io_.Invoke([this] { return api_requests_; });
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].path, "/api/cases");
  EXPECT_EQ(seen[0].query, "source=web");
  EXPECT_EQ(seen[0].body, body);
  EXPECT_EQ(seen[0].Header("idempotency-key"), "k-1");
  EXPECT_EQ(seen[0].Header("Authorization"), std::nullopt) << "credentials stay out of handlers";
  EXPECT_EQ(seen[1].Header("X-Api-Key"), std::nullopt);
}

TEST_F(HttpEndpointTest, ServesPublicRoutesWithoutAKeyAndStillHidesCredentials) {
  StartEndpoint();
  io_.Invoke([this] {
    endpoint_->AddPublicRoute("GET", "/status", [this](const ApiRequest& req) {
      api_requests_.push_back(req);
      HttpAnswer answer;
      answer.content_type = "text/html; charset=utf-8";
      answer.body = "<p>ok</p>";
      return answer;
    });
    return 0;
  });
  HttpClient client(Port());
  auto page = client.Send("GET", "/status", "", {{"Authorization", "Bearer something"}});
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.body, "<p>ok</p>");
  EXPECT_EQ(client.Send("POST", "/status", "", {}).status, 405);
  EXPECT_EQ(client.Send("POST", "/status", "", {}).Header("Allow"), "GET, HEAD");
  EXPECT_EQ(client.Send("POST", "/api/cases", "{}", {}).status, 401) << "others keep their key";
  const auto seen = io_.Invoke([this] { return api_requests_; });
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].Header("Authorization"), std::nullopt);
}

TEST_F(HttpEndpointTest, Answers404ForUnknownPathsAnd405ForWrongMethods) {
  StartEndpoint();
  HttpClient client(Port());
  EXPECT_EQ(client.Send("GET", "/nope", "").status, 404);
  const auto wrong = client.Send("GET", "/api/cases", "", {{"X-Api-Key", kApiKey}});
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.Header("Allow"), "POST");
  EXPECT_EQ(client.Send("GET", "/slack/commands", "").status, 405);
  EXPECT_EQ(client.Send("POST", "/healthz", "").status, 405);
}

TEST_F(HttpEndpointTest, AnswersHeadLikeGetWithoutTheBodyOnTheSameConnection) {
  StartEndpoint();
  io_.Invoke([this] {
    endpoint_->AddPublicRoute("GET", "/status", [](const ApiRequest&) {
      HttpAnswer answer;
      answer.content_type = "text/html; charset=utf-8";
      answer.body = "<p>all good</p>";
      answer.headers.emplace_back("ETag", "\"v1\"");
      return answer;
    });
    return 0;
  });
  HttpClient client(Port());
  const auto head = client.Send("HEAD", "/status", "");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(head.Header("Content-Length"), "15");
  EXPECT_EQ(head.Header("ETag"), "\"v1\"");
  EXPECT_EQ(head.Header("Content-Type"), "text/html; charset=utf-8");
  const auto get = client.Send("GET", "/status", "");
  EXPECT_EQ(get.body, "<p>all good</p>") << "the connection is still in step";
  EXPECT_EQ(client.Connections(), 1);
  EXPECT_EQ(client.Send("HEAD", "/api/cases", "", {{"X-Api-Key", kApiKey}}).status, 405)
      << "HEAD stands in only for GET";
}

TEST_F(HttpEndpointTest, ServesManyRequestsOnOneKeptAliveConnection) {
  StartEndpoint();
  HttpClient client(Port());
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(client.Send("GET", "/healthz", "").status, 200);
  }
  EXPECT_EQ(PostSigned(client, "/slack/commands", kCommandBody, "application/x-www-form-urlencoded")
                .status,
            200);
  EXPECT_EQ(client.Connections(), 1);
}

TEST_F(HttpEndpointTest, ServesHttpsWithTheGivenCertificate) {
  const auto cert = emulator::detail::MakeCertificate();
  HttpEndpointOptions options;
  options.tls_cert_pem = cert.chain_pem;
  options.tls_key_pem = cert.key_pem;
  StartEndpoint(options);
  HttpClient client(Port(), cert.ca_pem);
  EXPECT_EQ(client.Send("GET", "/healthz", "").status, 200);
  EXPECT_EQ(PostSigned(client, "/slack/commands", kCommandBody, "application/x-www-form-urlencoded")
                .status,
            200);
  EXPECT_EQ(DispatchedOnIo(), 1u);
}

TEST_F(HttpEndpointTest, ServesOnlyApiRoutesWithoutASigningSecret) {
  io_.Invoke([&] {
    db_ = std::move(store::Database::Open(":memory:").value());
    filter_ = std::make_unique<DeliveryFilter>(*db_, clock_);
    endpoint_ = std::make_unique<HttpEndpoint>(
        io_.executor(), clock_, *filter_,
        [this](const InboundRequest& request) { return recorder_(request); },
        HttpEndpointOptions{});
    endpoint_->Start();
    return 0;
  });
  HttpClient client(Port());
  EXPECT_EQ(client.Send("POST", "/slack/commands", kCommandBody, Signed(kCommandBody)).status, 404);
  EXPECT_EQ(DispatchedOnIo(), 0u);
}

}  // namespace
}  // namespace swarmbot::bot
