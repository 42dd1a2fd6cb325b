// WebApiClient's HTTP behaviour against a scripted local server (plain HTTP,
// allow_insecure): encodings, headers, keep-alive, status mapping.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "bot/web_api_client.hpp"
#include "common/form.hpp"
#include "tests/bot/bot_testing.hpp"
#include "tests/bot/fake_http_server.hpp"

namespace swarmbot::bot {
namespace {

using swarmbot::bot::testing::FakeHttpServer;
using Mode = FakeHttpServer::Mode;
using namespace std::chrono_literals;

constexpr const char* kBotToken = "xoxb-test-transport-token";

class WebApiTransportTest : public ::testing::Test {
 protected:
  std::unique_ptr<WebApiClient> MakeClient(const FakeHttpServer& server,
                                           std::chrono::milliseconds timeout = 5s) {
    WebApiOptions options;
    options.base_url = server.BaseUrl();
    options.bot_token = Secret(kBotToken);
    options.allow_insecure = true;
    options.request_timeout = timeout;
    return std::make_unique<WebApiClient>(io_.executor(), options);
  }

  Result<ApiReply> Call(WebApiClient& client, std::string method, std::string args) {
    return io_.Run(client.Call(std::move(method), std::move(args)));
  }

  swarmbot::bot::testing::IoThread io_;
};

TEST_F(WebApiTransportTest, SendsJsonWithTheBotTokenInTheHeader) {
  FakeHttpServer server(Mode::kKeepAlive, 200,
                        R"({"ok":true,"channel":"C1","ts":"1503435956.000247"})");
  auto client = MakeClient(server);
  const std::string args =
      R"({"channel":"C1","text":"hi","blocks":[{"type":"section","text":{"type":"mrkdwn","text":"*hi*"}}]})";
  auto reply = Call(*client, "chat.postMessage", args);
  ASSERT_TRUE(reply) << reply.error().detail;
  EXPECT_EQ(reply->body, R"({"ok":true,"channel":"C1","ts":"1503435956.000247"})");

  const auto seen = server.Requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].target, "/api/chat.postMessage");
  EXPECT_EQ(seen[0].headers.at("authorization"), std::string("Bearer ") + kBotToken);
  EXPECT_EQ(seen[0].headers.at("content-type"), "application/json; charset=utf-8");
  EXPECT_EQ(seen[0].body, args);
}

TEST_F(WebApiTransportTest, SendsFormBodiesToMethodsThatRefuseJson) {
  FakeHttpServer server(Mode::kKeepAlive);
  auto client = MakeClient(server);
  ASSERT_TRUE(Call(*client, "conversations.list",
                   R"({"types":"public_channel","limit":200,"exclude_archived":true,)"
                   R"("cursor":"dXNlcjpVMDYxTkZUVDI=","team_id":null,"extra":{"a":[1,"b"]}})"));
  ASSERT_TRUE(Call(*client, "users.info", R"({"user":"U1"})"));

  const auto seen = server.Requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].headers.at("content-type"), "application/x-www-form-urlencoded");
  auto fields = ParseForm(seen[0].body);
  ASSERT_TRUE(fields);
  EXPECT_EQ(FormValue(*fields, "types"), "public_channel");
  EXPECT_EQ(FormValue(*fields, "limit"), "200");
  EXPECT_EQ(FormValue(*fields, "exclude_archived"), "true");
  EXPECT_EQ(FormValue(*fields, "cursor"), "dXNlcjpVMDYxTkZUVDI=");
  EXPECT_EQ(FormValue(*fields, "team_id"), std::nullopt);
  EXPECT_EQ(boost::json::parse(*FormValue(*fields, "extra")),
            boost::json::parse(R"({"a":[1,"b"]})"));
  EXPECT_EQ(seen[1].body, "user=U1");
}

TEST_F(WebApiTransportTest, ChoosesTheEncodingPerMethod) {
  EXPECT_TRUE(WebApiClient::AcceptsJson("chat.postMessage"));
  EXPECT_TRUE(WebApiClient::AcceptsJson("conversations.create"));
  EXPECT_TRUE(WebApiClient::AcceptsJson("conversations.history"));
  EXPECT_TRUE(WebApiClient::AcceptsJson("apps.connections.open"));
  EXPECT_FALSE(WebApiClient::AcceptsJson("conversations.info"));
  EXPECT_FALSE(WebApiClient::AcceptsJson("conversations.members"));
  EXPECT_FALSE(WebApiClient::AcceptsJson("conversations.list"));
  EXPECT_FALSE(WebApiClient::AcceptsJson("users.lookupByEmail"));
  EXPECT_FALSE(WebApiClient::AcceptsJson("usergroups.users.list"));
  EXPECT_FALSE(WebApiClient::AcceptsJson("chat.getPermalink"));
}

TEST_F(WebApiTransportTest, ReusesOneKeptAliveConnection) {
  FakeHttpServer server(Mode::kKeepAlive);
  auto client = MakeClient(server);
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(Call(*client, "auth.test", "{}"));
  }
  EXPECT_EQ(server.Connections(), 1);
  EXPECT_EQ(server.Requests().size(), 4u);
}

TEST_F(WebApiTransportTest, ReconnectsWhenTheServerClosedTheIdleConnection) {
  FakeHttpServer server(Mode::kCloseAfterEachAnswer);
  auto client = MakeClient(server);
  ASSERT_TRUE(Call(*client, "chat.postMessage", R"({"channel":"C1","text":"one"})"));
  ASSERT_TRUE(server.WaitForServerClosed(1));
  auto second = Call(*client, "chat.postMessage", R"({"channel":"C1","text":"two"})");
  ASSERT_TRUE(second) << second.error().detail;
  EXPECT_EQ(server.Connections(), 2);
  const auto seen = server.Requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].body, R"({"channel":"C1","text":"two"})");
}

TEST_F(WebApiTransportTest, ResendsAReadMethodWhoseConnectionDiedUnderIt) {
  // Whether the close is noticed before the write or only by the read, a
  // read-only method ends up answered on a fresh connection.
  FakeHttpServer server(Mode::kCloseAfterEachAnswer);
  auto client = MakeClient(server);
  for (int i = 0; i < 3; ++i) {
    auto reply = Call(*client, "conversations.info", R"({"channel":"C1"})");
    ASSERT_TRUE(reply) << i << ": " << reply.error().detail;
  }
  EXPECT_EQ(server.Connections(), 3);
  EXPECT_EQ(server.Requests().size(), 3u);
}

TEST_F(WebApiTransportTest, ReportsATimeoutAsUnavailable) {
  FakeHttpServer server(Mode::kNeverAnswer);
  auto client = MakeClient(server, 300ms);
  auto reply = Call(*client, "conversations.archive", R"({"channel":"C1"})");
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, Errc::kUnavailable);
  EXPECT_TRUE(reply.error().Retryable());
  EXPECT_NE(reply.error().detail.find("timed out"), std::string::npos) << reply.error().detail;
  EXPECT_EQ(server.Requests().size(), 1u) << "a timed-out request is not resent by the client";
}

TEST_F(WebApiTransportTest, ReportsARefusedConnectionAsUnavailable) {
  std::string base;
  {
    FakeHttpServer gone(Mode::kKeepAlive);
    base = gone.BaseUrl();
  }
  WebApiOptions options;
  options.base_url = base;
  options.allow_insecure = true;
  WebApiClient client(io_.executor(), options);
  auto reply = Call(client, "auth.test", "{}");
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, Errc::kUnavailable);
}

TEST_F(WebApiTransportTest, MapsHttp429WithRetryAfter) {
  FakeHttpServer server(Mode::kKeepAlive, 429, R"({"ok":false,"error":"ratelimited"})",
                        {{"Retry-After", "17"}});
  auto client = MakeClient(server);
  auto reply = Call(*client, "conversations.create", R"({"name":"inc-1-x"})");
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, Errc::kRateLimited);
  ASSERT_TRUE(reply.error().retry_after.has_value());
  EXPECT_EQ(*reply.error().retry_after, 17s);
  EXPECT_EQ(reply.error().slack_error, "ratelimited");
}

TEST_F(WebApiTransportTest, MapsServerErrorsAndUnreadableAnswersAsUnavailable) {
  FakeHttpServer failing(Mode::kKeepAlive, 503, "<html>busy</html>");
  auto client = MakeClient(failing);
  auto reply = Call(*client, "chat.update", R"({"channel":"C1","ts":"1.2","text":"x"})");
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, Errc::kUnavailable);

  FakeHttpServer garbled(Mode::kKeepAlive, 200, R"({"ok":tru)");
  auto other = MakeClient(garbled);
  auto unreadable = Call(*other, "chat.update", "{}");
  ASSERT_FALSE(unreadable);
  EXPECT_EQ(unreadable.error().code, Errc::kUnavailable);
}

TEST_F(WebApiTransportTest, RejectsBadArgumentsWithoutSendingThem) {
  FakeHttpServer server(Mode::kKeepAlive);
  auto client = MakeClient(server);
  EXPECT_EQ(Call(*client, "users.info", "[1,2]").error().code, Errc::kInvalidInput);
  EXPECT_EQ(Call(*client, "../admin", "{}").error().code, Errc::kInvalidInput);
  EXPECT_EQ(Call(*client, "chat.postMessage HTTP/1.1\r\nX: y", "{}").error().code,
            Errc::kInvalidInput);
  EXPECT_TRUE(server.Requests().empty());
}

TEST_F(WebApiTransportTest, RespondsToAResponseUrlWithoutTheBotToken) {
  FakeHttpServer server(Mode::kKeepAlive, 200, "ok");
  auto client = MakeClient(server);
  const std::string url = "http://127.0.0.1:" + std::to_string(server.Port()) + "/response/abc";
  auto status = io_.Run(client->Respond(url, R"({"text":"done","replace_original":true})"));
  ASSERT_TRUE(status) << status.error().detail;
  const auto seen = server.Requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].target, "/response/abc");
  EXPECT_EQ(seen[0].headers.count("authorization"), 0u);
  EXPECT_EQ(seen[0].body, R"({"text":"done","replace_original":true})");
}

TEST_F(WebApiTransportTest, ReportsExpiredResponseUrlsAsPermanent) {
  FakeHttpServer server(Mode::kKeepAlive, 404, "expired_url");
  auto client = MakeClient(server);
  const std::string url = "http://127.0.0.1:" + std::to_string(server.Port()) + "/response/old";
  auto status = io_.Run(client->Respond(url, R"({"text":"late"})"));
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, Errc::kSlackError);
  EXPECT_FALSE(status.error().Retryable());
}

TEST(WebApiClient, RefusesPlainHttpUnlessAllowed) {
  swarmbot::bot::testing::IoThread io;
  WebApiOptions options;
  options.base_url = "http://127.0.0.1:9/api/";
  EXPECT_THROW(WebApiClient(io.executor(), options), std::invalid_argument);
  options.base_url = "not a url";
  EXPECT_THROW(WebApiClient(io.executor(), options), std::invalid_argument);
  options.base_url = "https://slack.com/api/";
  WebApiClient client(io.executor(), options);
  auto status = io.Run(client.Respond("http://hooks.slack.com/commands/T1/1/x", "{}"));
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, Errc::kInvalidInput);
}

TEST(InterpretApiAnswer, MapsSlackErrorCodesToHowTheyAreTreated) {
  auto ok = InterpretApiAnswer(200, "", R"({"ok":true,"warning":"already_in_channel"})");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->warning, "already_in_channel");

  auto taken = InterpretApiAnswer(200, "", R"({"ok":false,"error":"name_taken"})");
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().code, Errc::kSlackError);
  EXPECT_EQ(taken.error().slack_error, "name_taken");
  EXPECT_FALSE(taken.error().Retryable());

  for (const char* code : {"invalid_auth", "not_authed", "token_revoked"}) {
    auto auth = InterpretApiAnswer(200, "", std::string(R"({"ok":false,"error":")") + code + "\"}");
    ASSERT_FALSE(auth);
    EXPECT_EQ(auth.error().code, Errc::kUnauthenticated) << code;
  }
  for (const char* code :
       {"internal_error", "fatal_error", "service_unavailable", "request_timeout"}) {
    auto transient =
        InterpretApiAnswer(200, "", std::string(R"({"ok":false,"error":")") + code + "\"}");
    ASSERT_FALSE(transient);
    EXPECT_EQ(transient.error().code, Errc::kUnavailable) << code;
  }
  auto posting = InterpretApiAnswer(200, "", R"({"ok":false,"error":"rate_limited"})");
  ASSERT_FALSE(posting);
  EXPECT_EQ(posting.error().code, Errc::kRateLimited);
  EXPECT_FALSE(posting.error().retry_after.has_value());

  auto limited = InterpretApiAnswer(429, "", R"({"ok":false,"error":"ratelimited"})");
  ASSERT_FALSE(limited);
  EXPECT_EQ(limited.error().retry_after, std::chrono::seconds(5)) << "a default when none is sent";
  EXPECT_EQ(InterpretApiAnswer(429, "soon", "").error().retry_after, std::chrono::seconds(5));
  EXPECT_EQ(InterpretApiAnswer(429, "100000", "").error().retry_after, std::chrono::minutes(5))
      << "a hold of the whole method is capped";

  EXPECT_EQ(InterpretApiAnswer(200, "", R"({"error":"x"})").error().code, Errc::kUnavailable);
  EXPECT_EQ(InterpretApiAnswer(200, "", "").error().code, Errc::kUnavailable);
  EXPECT_EQ(InterpretApiAnswer(502, "", "").error().code, Errc::kUnavailable);
  EXPECT_EQ(InterpretApiAnswer(404, "", "").error().code, Errc::kSlackError);
}

}  // namespace
}  // namespace swarmbot::bot
