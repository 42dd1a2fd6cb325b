// chat.* and pins/reactions/bookmarks: Slack's rules for posting and editing.
#include "tests/emulator/helpers.hpp"

namespace swarmbot::emulator::testing {
namespace {

using Chat = EmulatorTest;

json::array Repeat(const json::value& block, int n) {
  json::array out;
  for (int i = 0; i < n; ++i) {
    out.push_back(block);
  }
  return out;
}

json::object Section(const std::string& text) {
  return {{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", text}}}};
}

json::object Button(const std::string& label, const std::string& action_id,
                    const std::string& value) {
  return {{"type", "button"},
          {"text", {{"type", "plain_text"}, {"text", label}}},
          {"action_id", action_id},
          {"value", value}};
}

TEST_F(Chat, PostsAMessageAndReturnsItsTs) {
  auto reply = Call("chat.postMessage", {{"channel", ws_.general.str()}, {"text", "hello"}});
  ASSERT_TRUE(IsOk(reply)) << json::serialize(reply);
  EXPECT_EQ(reply.at("channel"), ws_.general.str().c_str());
  const auto& message = reply.at("message").as_object();
  EXPECT_EQ(message.at("text"), "hello");
  EXPECT_EQ(message.at("bot_id"), emulator_.options().bot_id.c_str());
  EXPECT_EQ(message.at("ts"), reply.at("ts"));
  auto channel = emulator_.Channel(ws_.general);
  ASSERT_EQ(channel->messages.size(), 1u);
  EXPECT_EQ(channel->messages[0].ts.str(), Str(reply.at("ts")));
}

TEST_F(Chat, GivesEveryMessageAStrictlyIncreasingTs) {
  FakeClock clock;  // frozen time: the emulator must still keep ts unique
  Options options;
  options.clock = &clock;
  Emulator emulator(options);
  auto w = Populate(emulator);
  HttpsClient client(emulator.Port(), emulator.CaPem());
  std::string previous;
  for (int i = 0; i < 5; ++i) {
    auto reply = client.CallJson("chat.postMessage", {{"channel", w.general.str()}, {"text", "x"}},
                                 emulator.options().bot_token.Reveal());
    const std::string ts = Str(reply.at("ts"));
    ASSERT_EQ(ts.size(), 17u) << ts;
    EXPECT_EQ(ts[10], '.');
    EXPECT_GT(ts, previous);
    previous = ts;
  }
  EXPECT_EQ(previous, "1700000000.000004");
}

TEST_F(Chat, PostsInPublicChannelsWithoutMembership) {
  EXPECT_TRUE(IsOk(Call("chat.postMessage", {{"channel", ws_.incidents.str()}, {"text", "hi"}})));
}

TEST_F(Chat, CannotSeePrivateChannelsItIsNotIn) {
  EXPECT_EQ(ErrorOf(Call("chat.postMessage", {{"channel", ws_.secret.str()}, {"text", "hi"}})),
            "channel_not_found");
}

TEST_F(Chat, PostsToAUserIdInTheBotsDirectMessage) {
  auto reply = Call("chat.postMessage", {{"channel", ws_.priya.str()}, {"text", "you own INC-1"}});
  ASSERT_TRUE(IsOk(reply));
  EXPECT_EQ(Str(reply.at("channel")).front(), 'D');
  auto dm = emulator_.DirectMessage(ws_.priya);
  ASSERT_TRUE(dm);
  EXPECT_EQ(dm->messages.at(0).text, "you own INC-1");
}

TEST_F(Chat, RefusesEmptyMessagesAndArchivedChannels) {
  EXPECT_EQ(ErrorOf(Call("chat.postMessage", {{"channel", ws_.general.str()}})), "no_text");
  EXPECT_EQ(ErrorOf(Call("chat.postMessage", {{"text", "x"}})), "channel_not_found");
  const std::string channel = CreateChannel("inc-1-archived");
  ASSERT_TRUE(IsOk(Call("conversations.archive", {{"channel", channel}})));
  // The bot left on archive, so the channel is invisible only if private;
  // this one is public and says why it refuses.
  EXPECT_EQ(ErrorOf(Call("chat.postMessage", {{"channel", channel}, {"text", "x"}})),
            "is_archived");
}

TEST_F(Chat, StoresMetadataAndReturnsItOnlyWhenAskedFor) {
  json::object metadata{{"event_type", "incident_summary"},
                        {"event_payload", {{"incident", "INC-1"}}}};
  ASSERT_TRUE(
      IsOk(Call("chat.postMessage",
                {{"channel", ws_.general.str()}, {"text", "summary"}, {"metadata", metadata}})));
  auto plain = Call("conversations.history", {{"channel", ws_.general.str()}});
  EXPECT_FALSE(plain.at("messages").at(0).as_object().contains("metadata"));
  auto full = Call("conversations.history",
                   {{"channel", ws_.general.str()}, {"include_all_metadata", true}});
  EXPECT_EQ(full.at("messages").at(0).at("metadata"), metadata);
  EXPECT_NE(emulator_.Channel(ws_.general)->messages.at(0).metadata_json.find("INC-1"),
            std::string::npos);
}

TEST_F(Chat, TakesStructuredArgumentsAsJsonStringsInForms) {
  json::array blocks{Section("*INC-1*")};
  auto reply = CallForm(
      "chat.postMessage",
      {{"channel", ws_.general.str()}, {"text", "INC-1"}, {"blocks", json::serialize(blocks)}});
  ASSERT_TRUE(IsOk(reply)) << json::serialize(reply);
  EXPECT_EQ(reply.at("message").at("blocks").at(0).at("text").at("text"), "*INC-1*");
  EXPECT_EQ(ErrorOf(CallForm("chat.postMessage",
                             {{"channel", ws_.general.str()}, {"blocks", "[{not json"}})),
            "invalid_blocks_format");
}

TEST_F(Chat, RejectsBlocksOverBlockKitLimitsWithMessages) {
  struct Case {
    const char* what;
    json::array blocks;
  };
  const std::vector<Case> cases{
      {"51 blocks", Repeat(json::object{{"type", "divider"}}, 51)},
      {"section text over 3000", {Section(std::string(3001, 'x'))}},
      {"header over 150",
       {json::object{{"type", "header"},
                     {"text", {{"type", "plain_text"}, {"text", std::string(151, 'h')}}}}}},
      {"button text over 75",
       {json::object{{"type", "actions"}, {"elements", {Button(std::string(76, 'b'), "a", "v")}}}}},
      {"button value over 2000",
       {json::object{{"type", "actions"},
                     {"elements", {Button("ok", "a", std::string(2001, 'v'))}}}}},
      {"action_id over 255",
       {json::object{{"type", "actions"},
                     {"elements", {Button("ok", std::string(256, 'a'), "v")}}}}},
      {"block_id over 255",
       {json::object{{"type", "divider"}, {"block_id", std::string(256, 'b')}}}},
      {"26 actions elements",
       {json::object{{"type", "actions"}, {"elements", Repeat(Button("ok", "", "v"), 26)}}}},
      {"unknown block type", {json::object{{"type", "hologram"}}}},
  };
  for (const auto& c : cases) {
    auto reply = Call("chat.postMessage",
                      {{"channel", ws_.general.str()}, {"text", "x"}, {"blocks", c.blocks}});
    EXPECT_EQ(ErrorOf(reply), "invalid_blocks") << c.what;
    ASSERT_TRUE(reply.contains("response_metadata")) << c.what;
    const auto& messages = reply.at("response_metadata").at("messages").as_array();
    ASSERT_FALSE(messages.empty()) << c.what;
    EXPECT_NE(Str(messages[0]).find("[json-pointer:/blocks"), std::string::npos)
        << c.what << ": " << Str(messages[0]);
  }
  auto fine = Call(
      "chat.postMessage",
      {{"channel", ws_.general.str()},
       {"text", "x"},
       {"blocks", json::array{Section(std::string(3000, 'x')),
                              json::object{{"type", "actions"},
                                           {"elements", Repeat(Button("ok", "", "v"), 25)}}}}});
  EXPECT_TRUE(IsOk(fine)) << json::serialize(fine).substr(0, 300);
}

TEST_F(Chat, UpdatesOnlyItsOwnMessagesAndLimitsTheText) {
  const std::string ts = Post(ws_.general.str(), "draft");
  auto reply = Call("chat.update", {{"channel", ws_.general.str()}, {"ts", ts}, {"text", "final"}});
  ASSERT_TRUE(IsOk(reply));
  EXPECT_EQ(reply.at("text"), "final");
  auto message = emulator_.Channel(ws_.general)->messages.at(0);
  EXPECT_EQ(message.text, "final");
  EXPECT_TRUE(message.edited);

  EXPECT_EQ(
      ErrorOf(Call("chat.update",
                   {{"channel", ws_.general.str()}, {"ts", ts}, {"text", std::string(4001, 'x')}})),
      "msg_too_long");
  EXPECT_EQ(ErrorOf(Call("chat.update",
                         {{"channel", ws_.general.str()}, {"ts", "1.000001"}, {"text", "x"}})),
            "message_not_found");
  auto user_ts = emulator_.PostMessageAs(ws_.mara, ws_.general, "mine");
  ASSERT_TRUE(user_ts);
  EXPECT_EQ(ErrorOf(Call("chat.update",
                         {{"channel", ws_.general.str()}, {"ts", user_ts->str()}, {"text", "x"}})),
            "cant_update_message");
}

TEST_F(Chat, KeepsBlocksWhenAnUpdateLeavesThemOutAndClearsThemWithAnEmptyList) {
  auto posted = Call(
      "chat.postMessage",
      {{"channel", ws_.general.str()}, {"text", "x"}, {"blocks", json::array{Section("one")}}});
  const std::string ts = Str(posted.at("ts"));
  ASSERT_TRUE(
      IsOk(Call("chat.update", {{"channel", ws_.general.str()}, {"ts", ts}, {"text", "y"}})));
  EXPECT_FALSE(emulator_.Channel(ws_.general)->messages.at(0).blocks_json.empty());
  ASSERT_TRUE(IsOk(Call(
      "chat.update",
      {{"channel", ws_.general.str()}, {"ts", ts}, {"text", "z"}, {"blocks", json::array{}}})));
  EXPECT_TRUE(emulator_.Channel(ws_.general)->messages.at(0).blocks_json.empty());
}

TEST_F(Chat, DeletesItsOwnMessages) {
  const std::string ts = Post(ws_.general.str(), "oops");
  auto reply = Call("chat.delete", {{"channel", ws_.general.str()}, {"ts", ts}});
  ASSERT_TRUE(IsOk(reply));
  EXPECT_EQ(reply.at("ts"), ts.c_str());
  EXPECT_TRUE(emulator_.Channel(ws_.general)->messages.empty());
  EXPECT_EQ(ErrorOf(Call("chat.delete", {{"channel", ws_.general.str()}, {"ts", ts}})),
            "message_not_found");
}

TEST_F(Chat, PostsEphemeralsOnlyToMembers) {
  auto reply = Call("chat.postEphemeral",
                    {{"channel", ws_.general.str()}, {"user", ws_.dev.str()}, {"text", "psst"}});
  ASSERT_TRUE(IsOk(reply));
  EXPECT_TRUE(reply.contains("message_ts"));
  auto ephemerals = emulator_.Ephemerals(ws_.dev);
  ASSERT_EQ(ephemerals.size(), 1u);
  EXPECT_EQ(ephemerals[0].text, "psst");
  EXPECT_TRUE(emulator_.Channel(ws_.general)->messages.empty());
  EXPECT_EQ(
      ErrorOf(Call("chat.postEphemeral",
                   {{"channel", ws_.incidents.str()}, {"user", ws_.dev.str()}, {"text", "psst"}})),
      "user_not_in_channel");
}

TEST_F(Chat, GivesPermalinks) {
  const std::string ts = Post(ws_.general.str(), "link me");
  auto reply = CallForm("chat.getPermalink", {{"channel", ws_.general.str()}, {"message_ts", ts}});
  ASSERT_TRUE(IsOk(reply));
  std::string digits = ts;
  digits.erase(digits.find('.'), 1);
  EXPECT_NE(Str(reply.at("permalink")).find("/archives/" + ws_.general.str() + "/p" + digits),
            std::string::npos);
}

TEST_F(Chat, PinsAMessageOnce) {
  const std::string ts = Post(ws_.general.str(), "summary");
  EXPECT_TRUE(IsOk(Call("pins.add", {{"channel", ws_.general.str()}, {"timestamp", ts}})));
  EXPECT_EQ(ErrorOf(Call("pins.add", {{"channel", ws_.general.str()}, {"timestamp", ts}})),
            "already_pinned");
  EXPECT_EQ(ErrorOf(Call("pins.add",
                         {{"channel", ws_.general.str()}, {"timestamp", "1700000000.999999"}})),
            "message_not_found");
  EXPECT_EQ(ErrorOf(Call("pins.add", {{"channel", ws_.general.str()}})), "no_item_specified");
  auto channel = emulator_.Channel(ws_.general);
  EXPECT_EQ(channel->pins.size(), 1u);
  EXPECT_TRUE(channel->messages.at(0).pinned);
  auto history = Call("conversations.history", {{"channel", ws_.general.str()}});
  EXPECT_EQ(history.at("pin_count").as_int64(), 1);
}

TEST_F(Chat, ReactsOncePerEmoji) {
  const std::string ts = Post(ws_.general.str(), "done");
  json::object args{
      {"channel", ws_.general.str()}, {"timestamp", ts}, {"name", "white_check_mark"}};
  EXPECT_TRUE(IsOk(Call("reactions.add", args)));
  EXPECT_EQ(ErrorOf(Call("reactions.add", args)), "already_reacted");
  args["name"] = ":tada:";
  EXPECT_EQ(ErrorOf(Call("reactions.add", args)), "invalid_name");
}

TEST_F(Chat, AddsLinkBookmarks) {
  auto reply = Call("bookmarks.add", {{"channel_id", ws_.general.str()},
                                      {"title", "Runbook"},
                                      {"type", "link"},
                                      {"link", "https://runbooks.example/checkout"}});
  ASSERT_TRUE(IsOk(reply)) << json::serialize(reply);
  EXPECT_EQ(reply.at("bookmark").at("title"), "Runbook");
  EXPECT_EQ(emulator_.Channel(ws_.general)->bookmarks.at(0).link,
            "https://runbooks.example/checkout");
  EXPECT_EQ(ErrorOf(Call("bookmarks.add", {{"channel_id", ws_.general.str()},
                                           {"title", "x"},
                                           {"type", "link"},
                                           {"link", "ftp://nope"}})),
            "invalid_link");
  EXPECT_EQ(ErrorOf(Call("bookmarks.add",
                         {{"channel_id", ws_.general.str()}, {"title", "x"}, {"type", "folder"}})),
            "invalid_bookmark_type");
}

TEST_F(Chat, ListsAChannelsBookmarks) {
  ASSERT_TRUE(IsOk(Call("bookmarks.add", {{"channel_id", ws_.general.str()},
                                          {"title", "INC-1"},
                                          {"type", "link"},
                                          {"link", "https://takeout.slack.com/archives/C1/p1"}})));
  auto reply = CallForm("bookmarks.list", {{"channel_id", ws_.general.str()}});
  ASSERT_TRUE(IsOk(reply)) << json::serialize(reply);
  ASSERT_EQ(reply.at("bookmarks").as_array().size(), 1u);
  EXPECT_EQ(reply.at("bookmarks").at(0).at("title"), "INC-1");
  EXPECT_EQ(ErrorOf(CallForm("bookmarks.list", {{"channel_id", "CNOPE"}})), "channel_not_found");
}

}  // namespace
}  // namespace swarmbot::emulator::testing
