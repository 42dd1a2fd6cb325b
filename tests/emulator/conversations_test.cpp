// conversations.*: names, membership, archiving, pagination.
#include "tests/emulator/helpers.hpp"

namespace swarmbot::emulator::testing {
namespace {

using Conversations = EmulatorTest;

TEST_F(Conversations, CreatesAChannelWithTheBotAsMember) {
  auto reply = Call("conversations.create", {{"name", "inc-42-discount-code-errors"}});
  ASSERT_TRUE(IsOk(reply));
  const auto& channel = reply.at("channel").as_object();
  EXPECT_EQ(channel.at("name"), "inc-42-discount-code-errors");
  EXPECT_EQ(Str(channel.at("id")).front(), 'C');
  EXPECT_TRUE(channel.at("is_member").as_bool());
  EXPECT_FALSE(channel.at("is_private").as_bool());
  auto snapshot = emulator_.ChannelByName("inc-42-discount-code-errors");
  ASSERT_TRUE(snapshot);
  EXPECT_TRUE(snapshot->HasMember(emulator_.BotUserId()));
  EXPECT_EQ(snapshot->creator, emulator_.BotUserId());
}

TEST_F(Conversations, EnforcesSlacksChannelNameRules) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"", "invalid_name_required"},
      {std::string(81, 'a'), "invalid_name_maxlength"},
      {"Has-Upper", "invalid_name_specials"},
      {"has space", "invalid_name_specials"},
      {"dots.not.allowed", "invalid_name_specials"},
      {"---", "invalid_name_punctuation"},
      {"_-_", "invalid_name_punctuation"},
      {"general", "name_taken"},
  };
  for (const auto& [name, error] : cases) {
    EXPECT_EQ(ErrorOf(Call("conversations.create", {{"name", name}})), error) << "'" << name << "'";
  }
  EXPECT_TRUE(IsOk(Call("conversations.create", {{"name", std::string(80, 'a')}})));
  EXPECT_TRUE(IsOk(Call("conversations.create", {{"name", "inc_7-ok"}})));
}

TEST_F(Conversations, KeepsArchivedNamesTaken) {
  const std::string id = CreateChannel("inc-1-checkout");
  ASSERT_TRUE(IsOk(Call("conversations.archive", {{"channel", id}})));
  EXPECT_EQ(ErrorOf(Call("conversations.create", {{"name", "inc-1-checkout"}})), "name_taken");
}

TEST_F(Conversations, InvitesPeopleAndReportsEachFailure) {
  const std::string id = CreateChannel("inc-2-swarm");
  auto reply = Call("conversations.invite",
                    {{"channel", id}, {"users", ws_.mara.str() + "," + ws_.priya.str()}});
  ASSERT_TRUE(IsOk(reply)) << json::serialize(reply);
  EXPECT_TRUE(emulator_.Channel(ChannelId(id))->HasMember(ws_.priya));

  EXPECT_EQ(ErrorOf(Call("conversations.invite", {{"channel", id}, {"users", ws_.mara.str()}})),
            "already_in_channel");
  EXPECT_EQ(ErrorOf(Call("conversations.invite",
                         {{"channel", id}, {"users", emulator_.BotUserId().str()}})),
            "cant_invite_self");
  EXPECT_EQ(ErrorOf(Call("conversations.invite", {{"channel", id}, {"users", "U0NOBODY00"}})),
            "user_not_found");
  EXPECT_EQ(ErrorOf(Call("conversations.invite", {{"channel", id}})), "no_user");
  EXPECT_EQ(
      ErrorOf(Call("conversations.invite", {{"channel", "C0MISSING0"}, {"users", ws_.dev.str()}})),
      "channel_not_found");
  EXPECT_EQ(ErrorOf(Call("conversations.invite",
                         {{"channel", ws_.incidents.str()}, {"users", ws_.dev.str()}})),
            "not_in_channel");

  // One bad id fails the whole call and leaves everyone out…
  auto mixed =
      Call("conversations.invite", {{"channel", id}, {"users", ws_.dev.str() + ",U0NOBODY00"}});
  EXPECT_EQ(ErrorOf(mixed), "user_not_found");
  ASSERT_EQ(mixed.at("errors").as_array().size(), 1u);
  EXPECT_EQ(mixed.at("errors").at(0).at("user"), "U0NOBODY00");
  EXPECT_FALSE(emulator_.Channel(ChannelId(id))->HasMember(ws_.dev));
  // …unless forced.
  auto forced = Call("conversations.invite",
                     {{"channel", id}, {"users", ws_.dev.str() + ",U0NOBODY00"}, {"force", true}});
  ASSERT_TRUE(IsOk(forced)) << json::serialize(forced);
  EXPECT_EQ(forced.at("errors").as_array().size(), 1u);
  EXPECT_TRUE(emulator_.Channel(ChannelId(id))->HasMember(ws_.dev));
}

TEST_F(Conversations, LimitsAnInvitationToAHundredUsers) {
  const std::string id = CreateChannel("inc-3-big");
  std::string users;
  for (int i = 0; i < 101; ++i) {
    users += (users.empty() ? "" : ",") + emulator_.AddUser("u" + std::to_string(i), "").str();
  }
  EXPECT_EQ(ErrorOf(Call("conversations.invite", {{"channel", id}, {"users", users}})),
            "too_many_users");
}

TEST_F(Conversations, ArchivingRemovesTheBotWhichThenCannotUnarchive) {
  const std::string id = CreateChannel("inc-4-done");
  ASSERT_TRUE(IsOk(Call("conversations.archive", {{"channel", id}})));
  auto channel = emulator_.Channel(ChannelId(id));
  EXPECT_TRUE(channel->is_archived);
  EXPECT_FALSE(channel->HasMember(emulator_.BotUserId()));
  EXPECT_EQ(channel->messages.back().subtype, "channel_archive");
  EXPECT_EQ(ErrorOf(Call("conversations.archive", {{"channel", id}})), "already_archived");
  EXPECT_EQ(ErrorOf(Call("conversations.unarchive", {{"channel", id}})), "not_in_channel");
  EXPECT_EQ(ErrorOf(Call("conversations.unarchive", {{"channel", ws_.general.str()}})),
            "not_archived");
  EXPECT_EQ(ErrorOf(Call("conversations.archive", {{"channel", ws_.general.str()}})),
            "cant_archive_general");
  EXPECT_EQ(ErrorOf(Call("conversations.invite", {{"channel", id}, {"users", ws_.dev.str()}})),
            "is_archived");
}

TEST_F(Conversations, SetsTopicAndPurposeUpTo250Characters) {
  const std::string id = CreateChannel("inc-5-topic");
  auto reply =
      Call("conversations.setTopic", {{"channel", id}, {"topic", "INC-5 · P2 · investigating"}});
  ASSERT_TRUE(IsOk(reply));
  EXPECT_EQ(reply.at("channel").at("topic").at("value"), "INC-5 · P2 · investigating");
  EXPECT_TRUE(
      IsOk(Call("conversations.setPurpose", {{"channel", id}, {"purpose", "Swarm on INC-5"}})));
  auto channel = emulator_.Channel(ChannelId(id));
  EXPECT_EQ(channel->topic, "INC-5 · P2 · investigating");
  EXPECT_EQ(channel->purpose, "Swarm on INC-5");
  EXPECT_EQ(
      ErrorOf(Call("conversations.setTopic", {{"channel", id}, {"topic", std::string(251, 't')}})),
      "too_long");
  EXPECT_EQ(ErrorOf(Call("conversations.setPurpose",
                         {{"channel", id}, {"purpose", std::string(251, 'p')}})),
            "too_long");
  EXPECT_EQ(
      ErrorOf(Call("conversations.setTopic", {{"channel", ws_.incidents.str()}, {"topic", "x"}})),
      "not_in_channel");
}

TEST_F(Conversations, JoinsPublicChannelsAndWarnsWhenAlreadyIn) {
  auto joined = Call("conversations.join", {{"channel", ws_.incidents.str()}});
  ASSERT_TRUE(IsOk(joined));
  EXPECT_TRUE(emulator_.Channel(ws_.incidents)->HasMember(emulator_.BotUserId()));
  auto again = Call("conversations.join", {{"channel", ws_.incidents.str()}});
  ASSERT_TRUE(IsOk(again));
  EXPECT_EQ(again.at("warning"), "already_in_channel");
  EXPECT_EQ(ErrorOf(Call("conversations.join", {{"channel", ws_.secret.str()}})),
            "channel_not_found");
}

TEST_F(Conversations, KicksMembersButNotItself) {
  const std::string id = CreateChannel("inc-6-kick");
  ASSERT_TRUE(IsOk(Call("conversations.invite", {{"channel", id}, {"users", ws_.dev.str()}})));
  auto kicked = Call("conversations.kick", {{"channel", id}, {"user", ws_.dev.str()}});
  ASSERT_TRUE(IsOk(kicked));
  EXPECT_TRUE(kicked.contains("errors"));
  EXPECT_FALSE(emulator_.Channel(ChannelId(id))->HasMember(ws_.dev));
  EXPECT_EQ(ErrorOf(Call("conversations.kick", {{"channel", id}, {"user", ws_.dev.str()}})),
            "not_in_channel");
  EXPECT_EQ(
      ErrorOf(Call("conversations.kick", {{"channel", id}, {"user", emulator_.BotUserId().str()}})),
      "cant_kick_self");
}

TEST_F(Conversations, DescribesAChannelWithInfo) {
  auto reply = CallForm("conversations.info",
                        {{"channel", ws_.general.str()}, {"include_num_members", "true"}});
  ASSERT_TRUE(IsOk(reply));
  EXPECT_EQ(reply.at("channel").at("num_members").as_int64(), 4);
  EXPECT_TRUE(reply.at("channel").at("is_general").as_bool());
  EXPECT_EQ(ErrorOf(CallForm("conversations.info", {{"channel", ws_.secret.str()}})),
            "channel_not_found");
}

TEST_F(Conversations, PagesThroughMembersWithOpaqueCursors) {
  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    FormFields args{{"channel", ws_.general.str()}, {"limit", "3"}};
    if (!cursor.empty()) {
      args.emplace_back("cursor", cursor);
    }
    auto reply = CallForm("conversations.members", args);
    ASSERT_TRUE(IsOk(reply)) << json::serialize(reply);
    for (const auto& m : reply.at("members").as_array()) {
      seen.push_back(Str(m));
    }
    cursor = Str(reply.at("response_metadata").at("next_cursor"));
    ++pages;
  } while (!cursor.empty() && pages < 10);
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(seen.size(), 4u);
  EXPECT_EQ(ErrorOf(CallForm("conversations.members",
                             {{"channel", ws_.general.str()}, {"cursor", "bm90LWEtY3Vyc29y"}})),
            "invalid_cursor");
}

TEST_F(Conversations, ListsChannelsByTypeAndSkipsArchivedOnRequest) {
  const std::string archived = CreateChannel("inc-7-old");
  ASSERT_TRUE(IsOk(Call("conversations.archive", {{"channel", archived}})));
  const std::string private_id = CreateChannel("inc-8-private", true);

  auto names = [&](FormFields args) {
    std::vector<std::string> out;
    std::string cursor;
    do {
      FormFields page = args;
      page.emplace_back("limit", "2");
      if (!cursor.empty()) {
        page.emplace_back("cursor", cursor);
      }
      auto reply = CallForm("conversations.list", page);
      EXPECT_TRUE(IsOk(reply));
      for (const auto& c : reply.at("channels").as_array()) {
        out.push_back(Str(c.at("name")));
      }
      cursor = Str(reply.at("response_metadata").at("next_cursor"));
    } while (!cursor.empty());
    return out;
  };
  EXPECT_EQ(names({}), (std::vector<std::string>{"general", "incidents", "inc-7-old"}));
  EXPECT_EQ(names({{"exclude_archived", "true"}}),
            (std::vector<std::string>{"general", "incidents"}));
  // Private channels only when the bot is in them.
  EXPECT_EQ(names({{"types", "private_channel"}}), (std::vector<std::string>{"inc-8-private"}));
  (void)private_id;
}

TEST_F(Conversations, ReadsHistoryNewestFirstInPages) {
  std::vector<std::string> ts;
  for (int i = 0; i < 5; ++i) {
    ts.push_back(Post(ws_.general.str(), "m" + std::to_string(i)));
  }
  auto first = Call("conversations.history", {{"channel", ws_.general.str()}, {"limit", 2}});
  ASSERT_TRUE(IsOk(first));
  EXPECT_EQ(first.at("messages").at(0).at("text"), "m4");
  EXPECT_EQ(first.at("messages").at(1).at("text"), "m3");
  EXPECT_TRUE(first.at("has_more").as_bool());
  auto second =
      Call("conversations.history", {{"channel", ws_.general.str()},
                                     {"limit", 10},
                                     {"cursor", first.at("response_metadata").at("next_cursor")}});
  EXPECT_EQ(second.at("messages").as_array().size(), 3u);
  EXPECT_FALSE(second.at("has_more").as_bool());
  EXPECT_EQ(Str(second.at("response_metadata").at("next_cursor")), "");

  auto window = Call(
      "conversations.history",
      {{"channel", ws_.general.str()}, {"oldest", ts[1]}, {"latest", ts[3]}, {"inclusive", true}});
  EXPECT_EQ(window.at("messages").as_array().size(), 3u);
  EXPECT_EQ(
      ErrorOf(Call("conversations.history", {{"channel", ws_.general.str()}, {"latest", "soon"}})),
      "invalid_ts_latest");
  EXPECT_EQ(ErrorOf(Call("conversations.history", {{"channel", ws_.incidents.str()}})),
            "not_in_channel");
}

TEST_F(Conversations, OpensOneDirectMessagePerUser) {
  auto first = Call("conversations.open", {{"users", ws_.priya.str()}});
  ASSERT_TRUE(IsOk(first));
  const std::string id = Str(first.at("channel").at("id"));
  EXPECT_EQ(id.front(), 'D');
  auto again = Call("conversations.open", {{"users", ws_.priya.str()}, {"return_im", true}});
  EXPECT_EQ(Str(again.at("channel").at("id")), id);
  EXPECT_TRUE(again.at("already_open").as_bool());
  EXPECT_EQ(ErrorOf(Call("conversations.open", {})), "users_list_not_supplied");
  EXPECT_EQ(ErrorOf(Call("conversations.open", {{"users", "U0NOBODY00"}})), "user_not_found");
  emulator_.DeactivateUser(ws_.dev);
  EXPECT_EQ(ErrorOf(Call("conversations.open", {{"users", ws_.dev.str()}})), "user_disabled");
}

// An app installed with a user token, which only a few methods accept.
class UserToken : public EmulatorTest {
 protected:
  static Options WithUserToken() {
    Options options;
    options.user_token = Secret("xoxp-1000000001-4000000004-emulatorusertoken01");
    return options;
  }
  UserToken() : EmulatorTest(WithUserToken()) {}

  json::object CallAsUser(const std::string& method, const json::object& args) {
    return client_.CallJson(method, args, emulator_.options().user_token.Reveal());
  }
  UserId Admin() const { return UserId(emulator_.options().user_token_user_id); }
};

TEST_F(UserToken, UnarchivesWhatTheBotTokenMayNotAndTheUserMayInviteTheBotBack) {
  const std::string id = CreateChannel("inc-9-unarchive");
  ASSERT_TRUE(IsOk(Call("conversations.archive", {{"channel", id}})));
  EXPECT_EQ(ErrorOf(Call("conversations.unarchive", {{"channel", id}})), "not_in_channel");
  ASSERT_TRUE(IsOk(CallAsUser("conversations.unarchive", {{"channel", id}})));
  auto channel = emulator_.Channel(ChannelId(id));
  EXPECT_FALSE(channel->is_archived);
  EXPECT_TRUE(channel->HasMember(Admin()));
  EXPECT_FALSE(channel->HasMember(emulator_.BotUserId()));
  EXPECT_EQ(ErrorOf(CallAsUser("conversations.unarchive", {{"channel", id}})), "not_archived");
  // Only its members may invite; the user is one now.
  ASSERT_TRUE(IsOk(CallAsUser("conversations.invite",
                              {{"channel", id}, {"users", emulator_.BotUserId().str()}})));
  EXPECT_TRUE(emulator_.Channel(ChannelId(id))->HasMember(emulator_.BotUserId()));
  EXPECT_EQ(
      ErrorOf(CallAsUser("conversations.invite", {{"channel", id}, {"users", Admin().str()}})),
      "cant_invite_self");
}

TEST_F(UserToken, IsRefusedByBotMethodsAndOnceRevoked) {
  EXPECT_EQ(
      ErrorOf(CallAsUser("chat.postMessage", {{"channel", ws_.general.str()}, {"text", "x"}})),
      "not_allowed_token_type");
  const std::string id = CreateChannel("inc-10-revoked");
  ASSERT_TRUE(IsOk(Call("conversations.archive", {{"channel", id}})));
  emulator_.RevokeUserToken();
  EXPECT_EQ(ErrorOf(CallAsUser("conversations.unarchive", {{"channel", id}})), "token_revoked");
  EXPECT_TRUE(emulator_.Channel(ChannelId(id))->is_archived);
}

TEST_F(Conversations, WithoutAUserTokenNoOtherTokenIsAccepted) {
  EXPECT_EQ(ErrorOf(client_.CallJson("conversations.unarchive", {{"channel", "C1"}}, "xoxp-")),
            "invalid_auth");
}

}  // namespace
}  // namespace swarmbot::emulator::testing
