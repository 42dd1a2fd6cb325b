// The Web API transport rules: auth, body encodings, errors.
#include "tests/emulator/helpers.hpp"

namespace swarmbot::emulator::testing {
namespace {

using WebApi = EmulatorTest;

TEST_F(WebApi, AnswersAuthTestWithTheBotIdentity) {
  auto reply = Call("auth.test", {});
  ASSERT_TRUE(IsOk(reply));
  EXPECT_EQ(reply.at("user_id"), emulator_.BotUserId().str().c_str());
  EXPECT_EQ(reply.at("bot_id"), emulator_.options().bot_id.c_str());
  EXPECT_EQ(reply.at("team_id"), emulator_.options().team_id.c_str());
}

TEST_F(WebApi, RejectsACallWithoutATokenAsNotAuthed) {
  EXPECT_EQ(ErrorOf(client_.CallJson("auth.test", {}, "")), "not_authed");
}

TEST_F(WebApi, RejectsAnUnknownTokenAsInvalidAuth) {
  EXPECT_EQ(ErrorOf(client_.CallJson("auth.test", {}, "xoxb-not-a-real-token")), "invalid_auth");
}

TEST_F(WebApi, AcceptsTheLegacyTokenFormField) {
  auto reply = client_.CallForm("auth.test", {{"token", bot_token_}}, "");
  EXPECT_TRUE(IsOk(reply)) << json::serialize(reply);
}

TEST_F(WebApi, IgnoresATokenInsideAJsonBody) {
  auto reply = client_.CallJson("auth.test", {{"token", bot_token_}}, "");
  EXPECT_EQ(ErrorOf(reply), "not_authed");
}

TEST_F(WebApi, RefusesTheAppTokenOnBotMethods) {
  auto reply = client_.CallJson("auth.test", {}, emulator_.options().app_token.Reveal());
  EXPECT_EQ(ErrorOf(reply), "not_allowed_token_type");
}

TEST_F(WebApi, AnswersUnknownMethodsWithUnknownMethod) {
  EXPECT_EQ(ErrorOf(Call("chat.teleport", {})), "unknown_method");
}

TEST_F(WebApi, ReportsMalformedJsonAsInvalidJson) {
  auto reply = client_.Request("POST", "/api/chat.postMessage",
                               "{\"channel\":", "application/json; charset=utf-8",
                               {{"Authorization", "Bearer " + bot_token_}});
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(ErrorOf(reply.Json()), "invalid_json");
}

TEST_F(WebApi, ReportsAJsonArrayAsJsonNotObject) {
  auto reply =
      client_.Request("POST", "/api/chat.postMessage", "[1,2]", "application/json; charset=utf-8",
                      {{"Authorization", "Bearer " + bot_token_}});
  EXPECT_EQ(ErrorOf(reply.Json()), "json_not_object");
}

TEST_F(WebApi, RejectsJsonBodiesOnMethodsThatOnlyReadForms) {
  for (const char* method :
       {"conversations.info", "conversations.members", "conversations.list", "users.info",
        "users.list", "usergroups.users.list", "chat.getPermalink"}) {
    auto reply = Call(method, {{"channel", ws_.general.str()}});
    EXPECT_EQ(ErrorOf(reply), "invalid_arguments") << method;
    EXPECT_TRUE(reply.contains("response_metadata")) << method;
  }
  EXPECT_TRUE(IsOk(CallForm("conversations.info", {{"channel", ws_.general.str()}})));
}

TEST_F(WebApi, ReadsArgumentsFromTheQueryStringOfAGet) {
  auto reply = client_.Request("GET", "/api/conversations.info?channel=" + ws_.general.str(), "",
                               "", {{"Authorization", "Bearer " + bot_token_}});
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.Json().at("channel").at("name"), "general");
}

TEST_F(WebApi, WarnsAboutJsonWithoutACharset) {
  auto reply = client_.Request("POST", "/api/auth.test", "{}", "application/json",
                               {{"Authorization", "Bearer " + bot_token_}});
  auto body = reply.Json();
  ASSERT_TRUE(IsOk(body));
  EXPECT_EQ(body.at("warning"), "missing_charset");
  EXPECT_EQ(body.at("response_metadata").at("warnings").as_array().front(), "missing_charset");
}

TEST_F(WebApi, CountsCallsPerMethod) {
  Call("auth.test", {});
  Call("auth.test", {});
  client_.CallJson("auth.test", {}, "");
  EXPECT_EQ(emulator_.CallCount("auth.test"), 3);
  EXPECT_EQ(emulator_.CallCounts().at("auth.test"), 3);
}

TEST_F(WebApi, AnswersOtherPathsWith404) {
  EXPECT_EQ(client_.Request("GET", "/healthz").status, 404);
}

TEST(EmulatorTls, IsTrustedThroughItsCaAndNotWithoutIt) {
  Emulator emulator;
  HttpsClient trusting(emulator.Port(), emulator.CaPem());
  EXPECT_EQ(trusting.Request("POST", "/api/auth.test").status, 200);

  Emulator other;
  HttpsClient wrong_ca(emulator.Port(), other.CaPem());
  HttpReply reply = wrong_ca.Request("POST", "/api/auth.test");
  EXPECT_EQ(reply.status, 0);
  EXPECT_NE(reply.error.find("certificate verify failed"), std::string::npos) << reply.error;
}

TEST(EmulatorTls, WritesItsCaToAFile) {
  Emulator emulator;
  swarmbot::testing::TempDir dir;
  emulator.WriteCaFile(dir / "ca.pem");
  EXPECT_EQ(swarmbot::testing::ReadFile(dir / "ca.pem"), emulator.CaPem());
  EXPECT_NE(emulator.CaPem().find("BEGIN CERTIFICATE"), std::string::npos);
  EXPECT_EQ(emulator.BaseUrl(), "https://127.0.0.1:" + std::to_string(emulator.Port()) + "/api/");
}

TEST(EmulatorRateLimits, AnswerWith429AndRetryAfterWhenABudgetIsSpent) {
  FakeClock clock;
  Options options;
  options.rate_limits = true;
  options.clock = &clock;
  Emulator emulator(options);
  HttpsClient client(emulator.Port(), emulator.CaPem());
  const std::string app = "Bearer " + emulator.options().app_token.Reveal();
  // apps.connections.open is Tier 1: one call a minute.
  EXPECT_EQ(
      client.Request("POST", "/api/apps.connections.open", "", "", {{"Authorization", app}}).status,
      200);
  HttpReply limited =
      client.Request("POST", "/api/apps.connections.open", "", "", {{"Authorization", app}});
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.headers["retry-after"], "60");
  EXPECT_EQ(ErrorOf(limited.Json()), "ratelimited");
  clock.Advance(std::chrono::minutes(1));
  EXPECT_EQ(
      client.Request("POST", "/api/apps.connections.open", "", "", {{"Authorization", app}}).status,
      200);
}

}  // namespace
}  // namespace swarmbot::emulator::testing
