// users.* and usergroups.*.
#include "tests/emulator/helpers.hpp"

namespace swarmbot::emulator::testing {
namespace {

using Users = EmulatorTest;

TEST_F(Users, DescribesAUserWithProfileAndTimeZone) {
  auto reply = CallForm("users.info", {{"user", ws_.priya.str()}});
  ASSERT_TRUE(IsOk(reply));
  const auto& user = reply.at("user").as_object();
  EXPECT_EQ(user.at("name"), "priya");
  EXPECT_EQ(user.at("profile").at("email"), "priya@take-out.example");
  EXPECT_EQ(user.at("tz"), "Asia/Kolkata");
  EXPECT_EQ(user.at("tz_offset").as_int64(), 19800);
  EXPECT_FALSE(user.at("is_bot").as_bool());
  EXPECT_EQ(ErrorOf(CallForm("users.info", {{"user", "U0NOBODY00"}})), "user_not_found");
}

TEST_F(Users, ListsEveryoneIncludingTheBotInPages) {
  auto first = CallForm("users.list", {{"limit", "2"}});
  ASSERT_TRUE(IsOk(first));
  EXPECT_EQ(first.at("members").as_array().size(), 2u);
  const std::string cursor = Str(first.at("response_metadata").at("next_cursor"));
  ASSERT_FALSE(cursor.empty());
  auto rest = CallForm("users.list", {{"cursor", cursor}, {"limit", "10"}});
  EXPECT_EQ(rest.at("members").as_array().size(), 2u);  // bot, mara, priya, dev
  EXPECT_EQ(first.at("members").at(0).at("id"), emulator_.BotUserId().str().c_str());
  EXPECT_TRUE(first.at("members").at(0).at("is_bot").as_bool());
}

TEST_F(Users, LooksUpByEmailWithThePluralError) {
  auto reply = CallForm("users.lookupByEmail", {{"email", "dev@take-out.example"}});
  ASSERT_TRUE(IsOk(reply));
  EXPECT_EQ(reply.at("user").at("id"), ws_.dev.str().c_str());
  EXPECT_EQ(ErrorOf(CallForm("users.lookupByEmail", {{"email", "nobody@take-out.example"}})),
            "users_not_found");
}

TEST_F(Users, ReportsPresence) {
  EXPECT_EQ(CallForm("users.getPresence", {{"user", ws_.mara.str()}}).at("presence"), "active");
  emulator_.SetPresence(ws_.mara, false);
  auto away = CallForm("users.getPresence", {{"user", ws_.mara.str()}});
  EXPECT_EQ(away.at("presence"), "away");
  EXPECT_FALSE(away.contains("online"));  // detail fields are only for the token's own user
  EXPECT_TRUE(CallForm("users.getPresence", {}).contains("online"));
}

TEST_F(Users, ListsUserGroupMembers) {
  const auto devops = emulator_.AddUserGroup("devops", {ws_.dev, ws_.priya});
  auto reply = CallForm("usergroups.users.list", {{"usergroup", devops.str()}});
  ASSERT_TRUE(IsOk(reply));
  ASSERT_EQ(reply.at("users").as_array().size(), 2u);
  EXPECT_EQ(reply.at("users").at(0), ws_.dev.str().c_str());
  EXPECT_EQ(ErrorOf(CallForm("usergroups.users.list", {{"usergroup", "S0NOTHING0"}})),
            "no_such_subteam");
  auto groups = CallForm("usergroups.list", {});
  EXPECT_EQ(groups.at("usergroups").at(0).at("handle"), "devops");
}

TEST_F(Users, HidesDeactivatedUsersFromLookups) {
  emulator_.DeactivateUser(ws_.dev);
  EXPECT_EQ(ErrorOf(CallForm("users.lookupByEmail", {{"email", "dev@take-out.example"}})),
            "users_not_found");
  EXPECT_TRUE(CallForm("users.info", {{"user", ws_.dev.str()}}).at("user").at("deleted").as_bool());
  const std::string id = CreateChannel("inc-9");
  EXPECT_EQ(ErrorOf(Call("conversations.invite", {{"channel", id}, {"users", ws_.dev.str()}})),
            "user_not_found");
}

}  // namespace
}  // namespace swarmbot::emulator::testing
