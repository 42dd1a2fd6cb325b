// response_url: replies, replacements, deletions, and the 5 uses / 30 minutes limit.
#include "tests/emulator/helpers.hpp"

namespace swarmbot::emulator::testing {
namespace {

// One clock for the fixture's lifetime and the emulator it configures.
FakeClock& SharedClock() {
  static FakeClock clock;
  return clock;
}

// An app that keeps the response_url of every interaction it receives.
class ResponseUrl : public EmulatorTest {
 protected:
  ResponseUrl() : EmulatorTest(WithClock()) {
    app_ = std::make_unique<FakeApp>(emulator_, [this](const json::object& envelope) {
      const auto& payload = envelope.at("payload").as_object();
      if (payload.contains("response_url")) {
        std::lock_guard lock(mu_);
        urls_.push_back(Str(payload.at("response_url")));
      }
      return AckPlan{};
    });
  }
  static Options WithClock() {
    Options options;
    options.clock = &SharedClock();
    return options;
  }

  std::string CommandUrl() {
    EXPECT_TRUE(emulator_.SlashCommand(ws_.mara, ws_.general, "/incident", "status"));
    std::lock_guard lock(mu_);
    return urls_.back();
  }
  // The path part, for the test client that always talks to the emulator.
  static std::string PathOf(const std::string& url) { return url.substr(url.find("/response/")); }
  HttpReply Respond(const std::string& url, const json::object& body) {
    return client_.Request("POST", PathOf(url), json::serialize(body), "application/json");
  }

  FakeClock& clock_ = SharedClock();
  std::mutex mu_;
  std::vector<std::string> urls_;
  std::unique_ptr<FakeApp> app_;
};

TEST_F(ResponseUrl, HandsOutAnHttpsUrlOnTheEmulator) {
  const std::string url = CommandUrl();
  EXPECT_EQ(url.rfind("https://127.0.0.1:" + std::to_string(emulator_.Port()) + "/response/", 0),
            0u)
      << url;
}

TEST_F(ResponseUrl, PostsEphemeralByDefaultAndInChannelOnRequest) {
  const std::string url = CommandUrl();
  auto reply = Respond(url, {{"text", "Only you see this"}});
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "ok");
  EXPECT_EQ(emulator_.Ephemerals(ws_.mara).back().text, "Only you see this");
  EXPECT_EQ(emulator_.Ephemerals(ws_.mara).back().source, "response_url");

  EXPECT_EQ(Respond(url, {{"text", "Everyone sees this"}, {"response_type", "in_channel"}}).status,
            200);
  EXPECT_EQ(emulator_.Channel(ws_.general)->messages.back().text, "Everyone sees this");
}

TEST_F(ResponseUrl, ReplacesAndDeletesTheClickedMessage) {
  auto posted = Call("chat.postMessage", {{"channel", ws_.general.str()},
                                          {"text", "Approve?"},
                                          {"blocks", json::parse(R"([{"type":"actions","elements":[
                          {"type":"button","action_id":"approve","value":"CHG-1",
                           "text":{"type":"plain_text","text":"Approve"}}]}])")}});
  const MessageTs ts(Str(posted.at("ts")));
  ASSERT_TRUE(emulator_.ClickButton(ws_.mara, ws_.general, ts, "approve"));
  std::string url;
  {
    std::lock_guard lock(mu_);
    url = urls_.back();
  }
  ASSERT_EQ(Respond(url, {{"replace_original", true}, {"text", "Approved by mara"}}).status, 200);
  const auto channel = emulator_.Channel(ws_.general);
  const auto* message = channel->FindMessage(ts);
  ASSERT_NE(message, nullptr);
  EXPECT_EQ(message->text, "Approved by mara");
  EXPECT_TRUE(message->blocks_json.empty());
  EXPECT_TRUE(message->edited);

  ASSERT_EQ(Respond(url, {{"delete_original", true}}).status, 200);
  EXPECT_EQ(emulator_.Channel(ws_.general)->FindMessage(ts), nullptr);
}

TEST_F(ResponseUrl, ReplacesACommandsEarlierReply) {
  const std::string url = CommandUrl();
  ASSERT_EQ(Respond(url, {{"text", "Working…"}}).status, 200);
  ASSERT_EQ(Respond(url, {{"text", "Done"}, {"replace_original", true}}).status, 200);
  auto ephemerals = emulator_.Ephemerals(ws_.mara);
  ASSERT_EQ(ephemerals.size(), 1u);
  EXPECT_EQ(ephemerals[0].text, "Done");
}

TEST_F(ResponseUrl, AllowsFiveUses) {
  const std::string url = CommandUrl();
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Respond(url, {{"text", "update " + std::to_string(i)}}).status, 200) << i;
  }
  auto sixth = Respond(url, {{"text", "one too many"}});
  EXPECT_EQ(sixth.status, 404);
  EXPECT_EQ(sixth.body, "used_url");
}

TEST_F(ResponseUrl, ExpiresAfterThirtyMinutes) {
  const std::string url = CommandUrl();
  clock_.Advance(std::chrono::minutes(30) + std::chrono::seconds(1));
  auto late = Respond(url, {{"text", "too late"}});
  EXPECT_EQ(late.status, 404);
  EXPECT_EQ(late.body, "expired_url");
}

TEST_F(ResponseUrl, RejectsBadBodiesWithoutUsingTheUrlUp) {
  const std::string url = CommandUrl();
  EXPECT_EQ(client_.Request("POST", PathOf(url), "{not json", "application/json").status, 400);
  EXPECT_EQ(Respond(url, {{"response_type", "ephemeral"}}).status, 400);  // no text
  EXPECT_EQ(client_.Request("POST", "/response/does-not-exist", "{}", "application/json").status,
            404);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Respond(url, {{"text", "fine"}}).status, 200);
  }
}

}  // namespace
}  // namespace swarmbot::emulator::testing
