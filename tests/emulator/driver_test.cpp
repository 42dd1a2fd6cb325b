// Acting as users: the events Slack would send, clicks, WaitFor, the transcript.
#include <thread>

#include "tests/emulator/helpers.hpp"

namespace swarmbot::emulator::testing {
namespace {

using std::chrono::milliseconds;
using swarmbot::testing::kTestTimeout;

class Driver : public EmulatorTest {
 public:
  Driver() : app_(emulator_) {}

  json::object Event(const json::object& envelope) {
    return envelope.at("payload").at("event").as_object();
  }

  FakeApp app_;
};

TEST_F(Driver, TurnsAUserMessageIntoAMessageEvent) {
  auto ts = emulator_.PostMessageAs(ws_.mara, ws_.general, "FEAST25 fails at checkout");
  ASSERT_TRUE(ts);
  ASSERT_TRUE(app_.WaitForEnvelopes(1));
  const auto envelope = app_.Envelopes().at(0);
  EXPECT_EQ(envelope.at("type"), "events_api");
  const auto& payload = envelope.at("payload").as_object();
  EXPECT_EQ(payload.at("type"), "event_callback");
  EXPECT_EQ(payload.at("api_app_id"), emulator_.options().app_id.c_str());
  EXPECT_EQ(Str(payload.at("event_id")).substr(0, 2), "Ev");
  EXPECT_EQ(payload.at("authorizations").at(0).at("user_id"), emulator_.BotUserId().str().c_str());
  const auto event = Event(envelope);
  EXPECT_EQ(event.at("type"), "message");
  EXPECT_EQ(event.at("channel"), ws_.general.str().c_str());
  EXPECT_EQ(event.at("channel_type"), "channel");
  EXPECT_EQ(event.at("user"), ws_.mara.str().c_str());
  EXPECT_EQ(event.at("ts"), ts->str().c_str());
  EXPECT_TRUE(event.contains("client_msg_id"));
  EXPECT_FALSE(event.contains("bot_id"));
}

TEST_F(Driver, EchoesTheBotsOwnPostsWithItsBotId) {
  Post(ws_.general.str(), "INC-1 declared");
  ASSERT_TRUE(app_.WaitForEnvelopes(1));
  EXPECT_EQ(Event(app_.Envelopes().at(0)).at("bot_id"), emulator_.options().bot_id.c_str());
}

TEST_F(Driver, DeliversAMentionTwice) {
  ASSERT_TRUE(emulator_.PostMessageAs(ws_.mara, ws_.general,
                                      "<@" + emulator_.BotUserId().str() + "> status?"));
  ASSERT_TRUE(app_.WaitForEnvelopes(2));
  EXPECT_EQ(app_.OfType("message").size(), 1u);
  EXPECT_EQ(app_.OfType("app_mention").size(), 1u);
}

TEST_F(Driver, ReportsJoinsOnlyForChannelsTheBotIsIn) {
  ASSERT_TRUE(emulator_.JoinChannel(ws_.dev, ws_.incidents));  // the bot isn't there
  EXPECT_TRUE(emulator_.Channel(ws_.incidents)->HasMember(ws_.dev));
  const std::string id = CreateChannel("inc-1-swarm");
  ASSERT_TRUE(app_.WaitForEnvelopes(1));  // the bot's own join of the new channel
  ASSERT_TRUE(emulator_.JoinChannel(ws_.dev, ChannelId(id)));
  ASSERT_TRUE(emulator_.WaitFor([&] { return app_.OfType("member_joined_channel").size() == 2; },
                                kTestTimeout));
  const auto joins = app_.OfType("member_joined_channel");
  EXPECT_EQ(Event(joins[0]).at("user"), emulator_.BotUserId().str().c_str());
  EXPECT_EQ(Event(joins[1]).at("user"), ws_.dev.str().c_str());
  EXPECT_EQ(Event(joins[1]).at("channel"), id.c_str());
  EXPECT_FALSE(Event(joins[1]).contains("inviter"));
  for (const auto& e : app_.Envelopes()) {
    EXPECT_EQ(json::serialize(e).find(ws_.incidents.str()), std::string::npos);
  }
}

TEST_F(Driver, NamesTheInviterOfAnInvitedMember) {
  const std::string id = CreateChannel("inc-2-swarm");
  ASSERT_TRUE(IsOk(Call("conversations.invite", {{"channel", id}, {"users", ws_.priya.str()}})));
  ASSERT_TRUE(emulator_.WaitFor([&] { return app_.OfType("member_joined_channel").size() == 2; },
                                kTestTimeout));
  EXPECT_EQ(Event(app_.OfType("member_joined_channel")[1]).at("inviter"),
            emulator_.BotUserId().str().c_str());
}

TEST_F(Driver, SendsOnlySubscribedEvents) {
  emulator_.SetEventSubscriptions({"reaction_added", "member_left_channel"});
  const std::string ts = Post(ws_.general.str(), "done?");
  ASSERT_TRUE(emulator_.PostMessageAs(ws_.mara, ws_.general, "yes"));
  ASSERT_TRUE(emulator_.AddReaction(ws_.mara, ws_.general, MessageTs(ts), "white_check_mark"));
  ASSERT_TRUE(emulator_.LeaveChannel(ws_.dev, ws_.general));
  ASSERT_TRUE(app_.WaitForEnvelopes(2));
  const auto envelopes = app_.Envelopes();
  const auto reaction = Event(envelopes[0]);
  EXPECT_EQ(reaction.at("type"), "reaction_added");
  EXPECT_EQ(reaction.at("reaction"), "white_check_mark");
  EXPECT_EQ(reaction.at("item_user"), emulator_.BotUserId().str().c_str());
  EXPECT_EQ(reaction.at("item").at("ts"), ts.c_str());
  EXPECT_EQ(Event(envelopes[1]).at("type"), "member_left_channel");
  EXPECT_EQ(Event(envelopes[1]).at("user"), ws_.dev.str().c_str());
}

TEST_F(Driver, AMemberPinsAMessageAndTheBotHearsItWithTheMessage) {
  emulator_.SetEventSubscriptions({"pin_added"});
  const auto ts = emulator_.PostMessageAs(ws_.mara, ws_.general, "cause found");
  ASSERT_TRUE(ts);
  ASSERT_TRUE(emulator_.PinMessage(ws_.mara, ws_.general, *ts));
  EXPECT_EQ(emulator_.PinMessage(ws_.mara, ws_.general, *ts).error().code, Errc::kConflict);
  ASSERT_TRUE(app_.WaitForEnvelopes(1));
  const auto pin = Event(app_.Envelopes()[0]);
  EXPECT_EQ(pin.at("type"), "pin_added");
  EXPECT_EQ(pin.at("user"), ws_.mara.str().c_str());
  EXPECT_EQ(pin.at("channel_id"), ws_.general.str().c_str());
  EXPECT_EQ(pin.at("item").at("message").at("text"), "cause found");
  EXPECT_TRUE(emulator_.Channel(ws_.general)->FindMessage(*ts)->pinned);
}

TEST_F(Driver, AnnouncesArchivingToTheBot) {
  const std::string id = CreateChannel("inc-3-swarm");
  ASSERT_TRUE(IsOk(Call("conversations.archive", {{"channel", id}})));
  ASSERT_TRUE(
      emulator_.WaitFor([&] { return !app_.OfType("channel_archive").empty(); }, kTestTimeout));
  EXPECT_EQ(Event(app_.OfType("channel_archive")[0]).at("channel"), id.c_str());
}

TEST_F(Driver, OpensTheAppHome) {
  ASSERT_TRUE(emulator_.OpenAppHome(ws_.priya));
  ASSERT_TRUE(app_.WaitForEnvelopes(1));
  const auto event = Event(app_.Envelopes()[0]);
  EXPECT_EQ(event.at("type"), "app_home_opened");
  EXPECT_EQ(event.at("tab"), "home");
  EXPECT_EQ(Str(event.at("channel")).front(), 'D');
}

TEST_F(Driver, RefusesImpossibleActions) {
  EXPECT_EQ(emulator_.PostMessageAs(ws_.dev, ws_.secret, "let me in").error().code,
            Errc::kForbidden);
  EXPECT_EQ(emulator_.JoinChannel(ws_.dev, ws_.secret).error().code, Errc::kForbidden);
  EXPECT_EQ(emulator_.SlashCommand(UserId("U0NOBODY00"), ws_.general, "/incident", "").error().code,
            Errc::kNotFound);
  const std::string ts = Post(ws_.general.str(), "no buttons here");
  EXPECT_EQ(emulator_.ClickButton(ws_.mara, ws_.general, MessageTs(ts), "approve").error().code,
            Errc::kNotFound);
  EXPECT_EQ(emulator_.SubmitView(ws_.mara, "V0NOTHERE0", "{}").error().code, Errc::kNotFound);
}

TEST_F(Driver, WaitsForAConditionSetFromAnotherThread) {
  EXPECT_FALSE(emulator_.WaitFor([&] { return emulator_.ChannelByName("later").has_value(); },
                                 milliseconds(50)));
  std::thread creator([&] { CreateChannel("later"); });
  EXPECT_TRUE(emulator_.WaitFor([&] { return emulator_.ChannelByName("later").has_value(); },
                                kTestTimeout));
  creator.join();
}

TEST_F(Driver, AWaitEndsAtItsDeadlineEvenWhileTheWorkspaceKeepsChanging) {
  int posted = 0;
  EXPECT_FALSE(emulator_.WaitFor(
      [&] {
        Post(ws_.general.str(), "still busy " + std::to_string(++posted));
        return false;
      },
      milliseconds(100)));
  EXPECT_GT(posted, 1);
}

TEST_F(Driver, RendersAReadableTranscript) {
  app_.SetResponder([](const json::object& envelope) {
    if (envelope.at("type") == "slash_commands") {
      return AckPlan{true, json::object{{"text", "INC-1 declared · P2"}}};
    }
    return AckPlan{};
  });
  ASSERT_TRUE(emulator_.SlashCommand(ws_.mara, ws_.general, "/incident", "declare FEAST25 fails"));
  const std::string id = CreateChannel("inc-1-feast25-fails");
  ASSERT_TRUE(IsOk(
      Call("conversations.setTopic", {{"channel", id}, {"topic", "INC-1 · P2 · investigating"}})));
  auto summary = Call(
      "chat.postMessage",
      {{"channel", id},
       {"text", "Summary"},
       {"blocks", json::parse(R"([{"type":"header","text":{"type":"plain_text","text":"INC-1"}},
                           {"type":"section","text":{"type":"mrkdwn","text":"Owner <@)" +
                              ws_.priya.str() + R"(>"}}])")}});
  ASSERT_TRUE(IsOk(Call("pins.add", {{"channel", id}, {"timestamp", summary.at("ts")}})));
  ASSERT_TRUE(IsOk(Call("conversations.invite", {{"channel", id}, {"users", ws_.priya.str()}})));
  ASSERT_TRUE(emulator_.PostMessageAs(ws_.priya, ChannelId(id), "On it"));
  ASSERT_TRUE(IsOk(Call("conversations.archive", {{"channel", id}})));

  const std::string transcript = emulator_.Transcript();
  for (const char* expected :
       {"#general", "> mara typed /incident declare FEAST25 fails",
        "(only mara sees) swarmbot: INC-1 declared · P2", "#inc-1-feast25-fails", "[archived]",
        "topic: INC-1 · P2 · investigating", "== INC-1 ==", "Owner @priya", "[pinned]",
        "priya: On it", "@priya has joined the channel", "swarmbot archived the channel"}) {
    EXPECT_NE(transcript.find(expected), std::string::npos) << expected << "\n" << transcript;
  }
  EXPECT_NE(transcript.find("(private) #secret"), std::string::npos);
}

}  // namespace
}  // namespace swarmbot::emulator::testing
