// Fault switches: 429, 5xx, delay, hold, perform-then-drop.
#include "tests/emulator/helpers.hpp"

namespace swarmbot::emulator::testing {
namespace {

using std::chrono::milliseconds;
using swarmbot::testing::kTestTimeout;

using Faults = EmulatorTest;

Headers Bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

TEST_F(Faults, AnswersWith429AndRetryAfterThenRecovers) {
  emulator_.FailNext("chat.postMessage", 2, Fault::RateLimited(std::chrono::seconds(7)));
  json::object args{{"channel", ws_.general.str()}, {"text", "hi"}};
  for (int i = 0; i < 2; ++i) {
    auto reply = client_.Request("POST", "/api/chat.postMessage", json::serialize(args),
                                 "application/json; charset=utf-8", Bearer(bot_token_));
    EXPECT_EQ(reply.status, 429);
    EXPECT_EQ(reply.headers["retry-after"], "7");
    EXPECT_EQ(ErrorOf(reply.Json()), "ratelimited");
  }
  EXPECT_TRUE(emulator_.Channel(ws_.general)->messages.empty());
  EXPECT_TRUE(IsOk(Call("chat.postMessage", args)));
  EXPECT_EQ(emulator_.Channel(ws_.general)->messages.size(), 1u);
  EXPECT_EQ(emulator_.CallCount("chat.postMessage"), 3);
}

TEST_F(Faults, AnswersWithServerErrorsWithoutDoingAnything) {
  emulator_.FailNext("conversations.create", 1, Fault::HttpError(503));
  auto reply = client_.Request("POST", "/api/conversations.create",
                               json::serialize(json::object{{"name", "inc-1"}}),
                               "application/json; charset=utf-8", Bearer(bot_token_));
  EXPECT_EQ(reply.status, 503);
  EXPECT_FALSE(emulator_.ChannelByName("inc-1"));
  EXPECT_TRUE(IsOk(Call("conversations.create", {{"name", "inc-1"}})));
}

TEST_F(Faults, AppliesAWildcardToEveryMethod) {
  emulator_.FailNext("*", 2, Fault::HttpError(500));
  EXPECT_EQ(client_.Request("POST", "/api/auth.test", "", "", Bearer(bot_token_)).status, 500);
  EXPECT_EQ(client_.Request("POST", "/api/users.list", "", "", Bearer(bot_token_)).status, 500);
  EXPECT_EQ(client_.Request("POST", "/api/auth.test", "", "", Bearer(bot_token_)).status, 200);
}

TEST_F(Faults, DelaysACallAndThenDoesIt) {
  emulator_.FailNext("auth.test", 1, Fault::Delay(milliseconds(200)));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(IsOk(Call("auth.test", {})));
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(200));
}

TEST_F(Faults, HoldsACallUntilReleasedAndThenDoesIt) {
  emulator_.FailNext("conversations.create", 1, Fault::Hold());
  auto pending = client_.RequestAsync("POST", "/api/conversations.create",
                                      json::serialize(json::object{{"name", "inc-2-held"}}),
                                      "application/json; charset=utf-8", Bearer(bot_token_));
  ASSERT_TRUE(emulator_.WaitForHeld("conversations.create", kTestTimeout));
  EXPECT_FALSE(emulator_.ChannelByName("inc-2-held"));
  emulator_.ReleaseHeld(false);
  HttpReply reply = pending.get();
  EXPECT_EQ(reply.status, 200);
  EXPECT_TRUE(IsOk(reply.Json()));
  EXPECT_TRUE(emulator_.ChannelByName("inc-2-held"));
}

TEST_F(Faults, DropsAHeldCallWithoutDoingIt) {
  emulator_.FailNext("conversations.create", 1, Fault::Hold());
  auto pending = client_.RequestAsync("POST", "/api/conversations.create",
                                      json::serialize(json::object{{"name", "inc-3-dropped"}}),
                                      "application/json; charset=utf-8", Bearer(bot_token_));
  ASSERT_TRUE(emulator_.WaitForHeld("conversations.create", kTestTimeout));
  emulator_.ReleaseHeld(true);
  HttpReply reply = pending.get();
  EXPECT_EQ(reply.status, 0);
  EXPECT_FALSE(reply.error.empty());
  EXPECT_FALSE(emulator_.ChannelByName("inc-3-dropped"));
}

TEST_F(Faults, PerformsThenDropsTheConnection) {
  emulator_.FailNext("conversations.create", 1, Fault::PerformThenDrop());
  auto reply = client_.Request("POST", "/api/conversations.create",
                               json::serialize(json::object{{"name", "inc-4-lost-answer"}}),
                               "application/json; charset=utf-8", Bearer(bot_token_));
  EXPECT_EQ(reply.status, 0);                                 // the answer is lost…
  EXPECT_TRUE(emulator_.ChannelByName("inc-4-lost-answer"));  // …but the channel exists
  EXPECT_EQ(ErrorOf(Call("conversations.create", {{"name", "inc-4-lost-answer"}})), "name_taken");
}

TEST_F(Faults, AppliesToResponseUrls) {
  emulator_.FailNext("response_url", 1, Fault::HttpError(500));
  FakeApp app(emulator_);
  ASSERT_TRUE(emulator_.SlashCommand(ws_.mara, ws_.general, "/incident", "status"));
  const std::string url = Str(app.OfType("slash_commands").at(0).at("payload").at("response_url"));
  const std::string path = url.substr(url.find("/response/"));
  const std::string body = json::serialize(json::object{{"text", "later"}});
  EXPECT_EQ(client_.Request("POST", path, body, "application/json").status, 500);
  EXPECT_EQ(client_.Request("POST", path, body, "application/json").status, 200);
  EXPECT_EQ(emulator_.Ephemerals(ws_.mara).size(), 1u);
}

TEST_F(Faults, ClearsPendingFaults) {
  emulator_.FailNext("auth.test", 5, Fault::HttpError(500));
  emulator_.ClearFaults();
  EXPECT_TRUE(IsOk(Call("auth.test", {})));
}

}  // namespace
}  // namespace swarmbot::emulator::testing
