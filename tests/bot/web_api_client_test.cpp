// WebApiClient against the Slack emulator over loopback TLS.
#include "bot/web_api_client.hpp"

#include <algorithm>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "emulator/detail/certificate.hpp"
#include "emulator/emulator.hpp"
#include "tests/bot/bot_testing.hpp"

namespace swarmbot::bot {
namespace {

using namespace std::chrono_literals;
using emulator::Emulator;
using emulator::Fault;

class WebApiClientTest : public ::testing::Test {
 protected:
  WebApiClientTest() {
    emulator_.WriteCaFile(dir_ / "ca.pem");
    client_ = MakeClient(emulator_.options().bot_token);
    incidents_ = emulator_.AddChannel("incidents", {emulator_.BotUserId()});
  }

  std::unique_ptr<WebApiClient> MakeClient(Secret token, std::string ca_file = {},
                                           std::chrono::milliseconds timeout = 5s) {
    WebApiOptions options;
    options.base_url = emulator_.BaseUrl();
    options.ca_file = ca_file.empty() ? (dir_ / "ca.pem").string() : ca_file;
    options.bot_token = std::move(token);
    options.request_timeout = timeout;
    options.clock = &clock_;
    return std::make_unique<WebApiClient>(io_.executor(), options);
  }

  Result<ApiReply> Call(std::string method, std::string args) {
    return io_.Run(client_->Call(std::move(method), std::move(args)));
  }

  static boost::json::object Json(const ApiReply& reply) {
    return boost::json::parse(reply.body).as_object();
  }

  swarmbot::testing::TempDir dir_;
  FakeClock clock_;
  Emulator emulator_;
  swarmbot::bot::testing::IoThread io_;
  std::unique_ptr<WebApiClient> client_;
  ChannelId incidents_;
};

TEST_F(WebApiClientTest, CallsTheEmulatorOverVerifiedTls) {
  auto reply = Call("auth.test", "{}");
  ASSERT_TRUE(reply) << reply.error().detail;
  EXPECT_EQ(Json(*reply).at("user_id").as_string(), emulator_.BotUserId().str());
}

TEST_F(WebApiClientTest, RefusesAServerItsCaDoesNotVouchFor) {
  const auto stranger = emulator::detail::MakeCertificate();
  swarmbot::testing::WriteFile(dir_ / "other-ca.pem", stranger.ca_pem);
  auto client = MakeClient(emulator_.options().bot_token, (dir_ / "other-ca.pem").string());
  auto reply = io_.Run(client->Call("auth.test", "{}"));
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, Errc::kUnavailable);
  EXPECT_NE(reply.error().detail.find("TLS handshake"), std::string::npos) << reply.error().detail;
  EXPECT_EQ(emulator_.CallCount("auth.test"), 0);
}

TEST_F(WebApiClientTest, PostsJsonAndReadsFormOnlyMethods) {
  auto posted = Call("chat.postMessage",
                     R"({"channel":")" + incidents_.str() +
                         R"(","text":"INC-1 declared","blocks":[{"type":"section","text":)"
                         R"({"type":"mrkdwn","text":"*INC-1* declared"}}]})");
  ASSERT_TRUE(posted) << posted.error().detail;
  const std::string ts(Json(*posted).at("ts").as_string());

  auto info = Call("conversations.info", R"({"channel":")" + incidents_.str() + R"("})");
  ASSERT_TRUE(info) << info.error().detail;
  EXPECT_EQ(Json(*info).at("channel").at("name").as_string(), "incidents");

  auto permalink = Call("chat.getPermalink", R"({"channel":")" + incidents_.str() +
                                                 R"(","message_ts":")" + ts + R"("})");
  ASSERT_TRUE(permalink) << permalink.error().detail;

  auto channel = emulator_.Channel(incidents_);
  ASSERT_TRUE(channel);
  ASSERT_EQ(channel->messages.size(), 1u);
  EXPECT_EQ(channel->messages[0].text, "INC-1 declared");
  EXPECT_NE(channel->messages[0].blocks_json.find("*INC-1* declared"), std::string::npos);
}

TEST_F(WebApiClientTest, ReturnsSlacksErrorCodesAsTypedResults) {
  auto missing = Call("conversations.info", R"({"channel":"C0DOESNOTEXIST"})");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::kSlackError);
  EXPECT_EQ(missing.error().slack_error, "channel_not_found");

  ASSERT_TRUE(Call("conversations.create", R"({"name":"inc-1-discount-code-errors"})"));
  auto taken = Call("conversations.create", R"({"name":"inc-1-discount-code-errors"})");
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().slack_error, "name_taken");
  EXPECT_FALSE(taken.error().Retryable());
}

TEST_F(WebApiClientTest, ReportsARejectedTokenAsUnauthenticated) {
  auto client = MakeClient(Secret("xoxb-not-a-real-token"));
  auto reply = io_.Run(client->Call("auth.test", "{}"));
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, Errc::kUnauthenticated);
  EXPECT_EQ(reply.error().slack_error, "invalid_auth");
}

TEST_F(WebApiClientTest, SendsTheAppTokenOnlyWhereAsked) {
  auto opened =
      io_.Run(client_->CallWithToken("apps.connections.open", "{}", emulator_.options().app_token));
  ASSERT_TRUE(opened) << opened.error().detail;
  EXPECT_EQ(std::string_view(Json(*opened).at("url").as_string()).substr(0, 6), "wss://");

  // The bot token is the wrong kind of token for this method.
  auto refused = Call("apps.connections.open", "{}");
  ASSERT_FALSE(refused);
  EXPECT_FALSE(refused.error().Retryable());
}

TEST_F(WebApiClientTest, HoldsARateLimitedMethodBackUntilRetryAfterWithoutSendingIt) {
  emulator_.FailNext("chat.postMessage", 1, Fault::RateLimited(7s));
  const std::string args = R"({"channel":")" + incidents_.str() + R"(","text":"hello"})";
  auto limited = Call("chat.postMessage", args);
  ASSERT_FALSE(limited);
  EXPECT_EQ(limited.error().code, Errc::kRateLimited);
  EXPECT_EQ(limited.error().retry_after, 7s);

  clock_.Advance(5s);
  auto held = Call("chat.postMessage", args);
  ASSERT_FALSE(held);
  EXPECT_EQ(held.error().code, Errc::kRateLimited);
  EXPECT_EQ(held.error().retry_after, 2s) << "the time left, so the caller retries when it ends";
  EXPECT_EQ(emulator_.CallCount("chat.postMessage"), 1) << "a held call must not be sent";
  ASSERT_TRUE(Call("conversations.setTopic",
                   R"({"channel":")" + incidents_.str() + R"(","topic":"INC-1 · P2"})"))
      << "Slack limits each method on its own";

  clock_.Advance(2s);
  ASSERT_TRUE(Call("chat.postMessage", args));
  EXPECT_EQ(emulator_.CallCount("chat.postMessage"), 2);
  const auto channel = emulator_.Channel(incidents_);
  EXPECT_EQ(std::count_if(channel->messages.begin(), channel->messages.end(),
                          [](const auto& m) { return m.text == "hello"; }),
            1);
}

TEST_F(WebApiClientTest, HoldsPostsBackAfterTheWorkspacePostingCap) {
  // chat.postMessage's own `rate_limited` (HTTP 200, no Retry-After).
  emulator_.FailNext("chat.postMessage", 1, Fault::Refused("rate_limited"));
  const std::string args = R"({"channel":")" + incidents_.str() + R"(","text":"hello"})";
  auto capped = Call("chat.postMessage", args);
  ASSERT_FALSE(capped);
  EXPECT_EQ(capped.error().code, Errc::kRateLimited);
  EXPECT_EQ(capped.error().retry_after, 5s);
  EXPECT_EQ(Call("chat.postMessage", args).error().code, Errc::kRateLimited);
  EXPECT_EQ(emulator_.CallCount("chat.postMessage"), 1);

  clock_.Advance(5s);
  ASSERT_TRUE(Call("chat.postMessage", args));
  EXPECT_EQ(emulator_.Channel(incidents_)->messages.size(), 1u);
}

TEST_F(WebApiClientTest, ReportsServerErrorsAsRetryable) {
  emulator_.FailNext("conversations.setTopic", 2, Fault::HttpError(503));
  const std::string args = R"({"channel":")" + incidents_.str() + R"(","topic":"INC-1 · P2"})";
  for (int i = 0; i < 2; ++i) {
    auto failed = Call("conversations.setTopic", args);
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().code, Errc::kUnavailable);
  }
  ASSERT_TRUE(Call("conversations.setTopic", args));
  EXPECT_EQ(emulator_.Channel(incidents_)->topic, "INC-1 · P2");
}

TEST_F(WebApiClientTest, DoesNotResendAWriteWhoseAnswerWasLost) {
  // Warm a keep-alive connection, then lose the answer to a post on it: the
  // client must hand the failure back instead of posting twice.
  ASSERT_TRUE(Call("auth.test", "{}"));
  emulator_.FailNext("chat.postMessage", 1, Fault::PerformThenDrop());
  auto lost = Call("chat.postMessage",
                   R"({"channel":")" + incidents_.str() + R"(","text":"exactly once"})");
  ASSERT_FALSE(lost);
  EXPECT_EQ(lost.error().code, Errc::kUnavailable);
  EXPECT_EQ(emulator_.CallCount("chat.postMessage"), 1);
  EXPECT_EQ(emulator_.Channel(incidents_)->messages.size(), 1u);
  ASSERT_TRUE(Call("auth.test", "{}")) << "the client recovers with a new connection";
}

// Slack expires a trigger_id 3 s after the click: a views.open that gets no
// answer is given up on after a few seconds, not the usual request timeout.
TEST_F(WebApiClientTest, ACallWithATriggerIdWaitsOnlyAsLongAsTheTriggerLives) {
  auto client = MakeClient(emulator_.options().bot_token, {}, 15s);
  emulator_.FailNext("views.open", 1, Fault::Hold());
  const auto started = std::chrono::steady_clock::now();
  auto opened = io_.Run(client->Call(
      "views.open",
      R"({"trigger_id":"123.456.abc","view":{"type":"modal","title":{"type":"plain_text",)"
      R"("text":"Declare"},"blocks":[]}})"));
  const auto waited = std::chrono::steady_clock::now() - started;
  emulator_.ReleaseHeld(/*drop_connection=*/true);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, Errc::kUnavailable);
  EXPECT_LT(waited, 8s) << "waited the whole request timeout";
}

}  // namespace
}  // namespace swarmbot::bot
