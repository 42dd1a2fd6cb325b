// A user group larger than [swarm] confirm_group_invites_over (default 25)
// is invited only after whoever named it confirms, through the real binary:
// the question, Invite all (once, however often clicked, and only by the
// asker), Cancel, an archived channel or closed incident, a restart between
// question and click, and a group that changed meanwhile.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include "demo/takeout.hpp"
#include "tests/e2e/e2e_fixture.hpp"

namespace swarmbot::e2e {
namespace {

constexpr std::string_view kConfirm = "swarm.groups.confirm";
constexpr std::string_view kCancel = "swarm.groups.cancel";

bool Has(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

class GroupInviteConfirm : public EndToEnd {
 protected:
  // A group of `size` new people ("<handle>-0"…), kept in members_.
  UserGroupId BigGroup(const std::string& handle, int size) {
    for (int i = 0; i < size; ++i) {
      const std::string name = handle + "-" + std::to_string(i);
      members_.push_back(slack().AddUser(name, name + "@example.com"));
    }
    return slack().AddUserGroup(handle, members_);
  }

  static std::string GroupMention(const UserGroupId& group) {
    return "<!subteam^" + group.str() + "|@" + group.str() + ">";
  }

  // The question with Invite all and Cancel shown to `user`, once it comes.
  std::optional<emulator::EphemeralSnapshot> Question(const UserId& user) {
    std::optional<emulator::EphemeralSnapshot> found;
    Eventually("the group invite question", [&] {
      for (const auto& ephemeral : slack().Ephemerals(user)) {
        if (!ephemeral.deleted && Has(ephemeral.blocks_json, kConfirm)) {
          found = ephemeral;
          return true;
        }
      }
      return false;
    });
    return found;
  }

  // Priya starts INC-1's swarm, then asks in it to invite a new group of 30
  // (`engineering`) and gets the question; returns the swarm channel.
  ChannelId AskToInviteThirty(std::optional<emulator::EphemeralSnapshot>& question,
                              UserGroupId& group) {
    const ChannelId swarm = StartSwarmWithHistory();
    group = BigGroup("engineering", 30);
    Type(people().priya, swarm, "/swarm", "invite " + GroupMention(group));
    question = Question(people().priya);
    return swarm;
  }

  // Whether `user` got an ephemeral answer saying `part`.
  bool Told(const UserId& user, std::string_view part) {
    return static_cast<bool>(
        Eventually(std::string(part), [&] { return EphemeralSays(slack(), user, part); }));
  }

  std::size_t MembersIn(const ChannelId& channel) {
    const auto snapshot = slack().Channel(channel);
    return static_cast<std::size_t>(std::count_if(
        members_.begin(), members_.end(), [&](const UserId& m) { return snapshot->HasMember(m); }));
  }

  // SELECT count(*) FROM `what`, in swarmbot's database file.
  int Count(const std::string& what) {
    SQLite::Database reader(stack_->DatabaseFile().string(), SQLite::OPEN_READONLY);
    reader.setBusyTimeout(5000);
    return reader.execAndGet("SELECT count(*) FROM " + what).getInt();
  }

  // How many `/swarm invite`s of user groups the incident's timeline holds.
  int GroupInvites() {
    return Count("timeline WHERE kind = 'swarm_invited' AND text LIKE '%user group%'");
  }

  // Joins the first `count` of members_ to `swarm` and waits until swarmbot
  // has recorded each join.
  void JoinFirst(int count, const ChannelId& swarm) {
    for (int i = 0; i < count; ++i) {
      ASSERT_TRUE(slack().JoinChannel(members_[static_cast<std::size_t>(i)], swarm));
    }
    const std::string joined =
        "swarm_members WHERE left_at IS NULL AND joined_at IS NOT NULL AND user_id IN (" +
        MemberList(count) + ")";
    ASSERT_TRUE(Polled([&] { return Count(joined) == count; })) << "their joins recorded";
  }

  // 'U1','U2',… for the first `count` of members_.
  std::string MemberList(int count) {
    std::string list;
    for (int i = 0; i < count; ++i) {
      list += (list.empty() ? "'" : ",'") + members_[static_cast<std::size_t>(i)].str() + "'";
    }
    return list;
  }

  // Whether anything shown to `user` holds the group question's buttons.
  bool Asked(const UserId& user) {
    const auto all = slack().Ephemerals(user);
    return std::any_of(all.begin(), all.end(),
                       [](const auto& e) { return Has(e.blocks_json, kConfirm); });
  }

  bool HasSwarmChannel() {
    const auto channels = slack().Channels();
    return std::any_of(channels.begin(), channels.end(),
                       [](const auto& c) { return c.name.starts_with("inc-1-"); });
  }

  std::vector<UserId> members_;
};

TEST_F(GroupInviteConfirm, InvitingALargeGroupAsksFirstAndInvitesNobodyYet) {
  const ChannelId swarm = StartSwarmWithHistory();
  const UserGroupId group = BigGroup("engineering", 30);
  const std::string reply = Type(people().priya, swarm, "/swarm",
                                 "invite <@" + people().omar.str() + "> " + GroupMention(group));
  EXPECT_TRUE(Has(reply, "Counting the members of 1 group")) << reply;
  const auto question = Question(people().priya);
  ASSERT_TRUE(question);
  EXPECT_TRUE(Has(question->blocks_json, "Invite all 30")) << question->blocks_json;
  EXPECT_TRUE(Has(question->blocks_json, "<!subteam^" + group.str() + "> (30 people)"));
  EXPECT_TRUE(Has(question->blocks_json, "Nothing has happened yet"));
  EXPECT_EQ(MembersIn(swarm), 0u);
  EXPECT_EQ(GroupInvites(), 0);
  EXPECT_FALSE(slack().Channel(swarm)->HasMember(people().omar)) << "named people wait too";
}

TEST_F(GroupInviteConfirm, ADoubleClickedConfirmationInvitesEveryoneOnce) {
  const ChannelId swarm = StartSwarmWithHistory();
  const UserGroupId group = BigGroup("engineering", 30);
  Type(people().priya, swarm, "/swarm",
       "invite <@" + people().omar.str() + "> " + GroupMention(group));
  const auto question = Question(people().priya);
  ASSERT_TRUE(question);
  ASSERT_TRUE(
      slack().ClickEphemeralButtonAs(people().priya, question->ts, std::string(kConfirm), 2));
  EXPECT_TRUE(Eventually("all 30 and Omar in the channel", [&] {
    return MembersIn(swarm) == 30 && slack().Channel(swarm)->HasMember(people().omar);
  }));
  EXPECT_TRUE(Told(people().priya, "You confirmed this already; nobody more was invited."));
  EXPECT_TRUE(Told(people().priya, "Inviting <@" + people().omar.str() + ">"));
  const auto answers = slack().Ephemerals(people().priya);
  EXPECT_EQ(std::count_if(answers.begin(), answers.end(),
                          [](const auto& e) { return Has(e.text, "Inviting "); }),
            1);
  EXPECT_EQ(GroupInvites(), 1);
  EXPECT_EQ(Count("timeline WHERE kind = 'group_invite_confirmed'"), 1);
}

TEST_F(GroupInviteConfirm, OnlyTheAskerMayConfirm) {
  std::optional<emulator::EphemeralSnapshot> question;
  UserGroupId group;
  const ChannelId swarm = AskToInviteThirty(question, group);
  ASSERT_TRUE(question);
  ASSERT_TRUE(slack().ClickEphemeralButtonAs(people().omar, question->ts, std::string(kConfirm)));
  EXPECT_TRUE(Told(people().omar, "who asked, can confirm this invitation; nothing was changed"));
  EXPECT_EQ(MembersIn(swarm), 0u);
  EXPECT_EQ(GroupInvites(), 0);
  ASSERT_TRUE(slack().ClickEphemeralButton(people().priya, question->ts, std::string(kConfirm)));
  EXPECT_TRUE(Eventually("all 30 in the channel", [&] { return MembersIn(swarm) == 30; }));
}

TEST_F(GroupInviteConfirm, CancelInvitesNobodyAndSaysSo) {
  std::optional<emulator::EphemeralSnapshot> question;
  UserGroupId group;
  const ChannelId swarm = AskToInviteThirty(question, group);
  ASSERT_TRUE(question);
  ASSERT_TRUE(slack().ClickEphemeralButton(people().priya, question->ts, std::string(kCancel)));
  EXPECT_TRUE(Told(people().priya, "Cancelled: nobody was invited to the swarm of INC-1."));
  EXPECT_EQ(MembersIn(swarm), 0u);
  EXPECT_EQ(GroupInvites(), 0);
}

TEST_F(GroupInviteConfirm, AConfirmationAfterTheChannelWasArchivedInvitesNobody) {
  const ChannelId swarm = StartSwarmWithHistory();
  const UserGroupId group = BigGroup("engineering", 30);
  Type(people().priya, people().incidents, "/swarm", "invite INC-1 " + GroupMention(group));
  const auto question = Question(people().priya);
  ASSERT_TRUE(question);
  Type(people().mara, people().incidents, "/incident", "resolve INC-1 rule extended");
  Type(people().mara, swarm, "/swarm", "close");
  ASSERT_TRUE(
      Eventually("the channel archived", [&] { return slack().Channel(swarm)->is_archived; }));
  ASSERT_TRUE(slack().ClickEphemeralButton(people().priya, question->ts, std::string(kConfirm)));
  EXPECT_TRUE(Told(people().priya, "has been archived since you asked, so nobody was invited"));
  EXPECT_EQ(MembersIn(swarm), 0u);
  EXPECT_EQ(GroupInvites(), 0);
}

TEST_F(GroupInviteConfirm, AConfirmationAfterTheIncidentClosedInvitesNobody) {
  scenario_->ImportPeople();
  ASSERT_EQ(DeclareFeast25(), "INC-1");
  const UserGroupId group = BigGroup("engineering", 30);
  Type(people().priya, people().incidents, "/swarm", "start INC-1 " + GroupMention(group));
  const auto question = Question(people().priya);
  ASSERT_TRUE(question);
  EXPECT_FALSE(HasSwarmChannel()) << "no swarm channel before the confirmation";
  Type(people().mara, people().incidents, "/incident", "resolve INC-1 rule extended");
  Type(people().mara, people().incidents, "/incident", "close INC-1 Fixed");
  ASSERT_TRUE(slack().ClickEphemeralButton(people().priya, question->ts, std::string(kConfirm)));
  EXPECT_TRUE(Told(people().priya, "INC-1 is closed, so nobody was invited."));
  EXPECT_FALSE(HasSwarmChannel());
  EXPECT_EQ(GroupInvites(), 0);
}

TEST_F(GroupInviteConfirm, AStartConfirmedAfterARestartReadsTheGroupAgain) {
  scenario_->ImportPeople();
  ASSERT_EQ(DeclareFeast25(), "INC-1");
  const UserGroupId group = BigGroup("engineering", 30);
  const std::string reply =
      Type(people().priya, people().incidents, "/swarm", "start INC-1 " + GroupMention(group));
  EXPECT_TRUE(Has(reply, "Counting the members of 1 group")) << reply;
  const auto question = Question(people().priya);
  ASSERT_TRUE(question);
  // The group changes, and swarmbot restarts, before the click.
  const UserId late = slack().AddUser("late-joiner", "late@example.com");
  std::vector<UserId> now(members_.begin() + 1, members_.end());
  now.push_back(late);
  slack().SetUserGroupMembers(group, now);
  ASSERT_EQ(stack_->StopSwarmbot(), 0);
  stack_->StartSwarmbot();
  ASSERT_TRUE(slack().ClickEphemeralButton(people().priya, question->ts, std::string(kConfirm)));
  EXPECT_TRUE(Told(people().priya, "Starting the swarm for INC-1"));
  const ChannelId swarm =
      SwarmChannelWith({people().priya, late}, "the swarm with the late joiner");
  EXPECT_TRUE(Eventually("the group as it is now", [&] { return MembersIn(swarm) == 29; }));
  EXPECT_FALSE(slack().Channel(swarm)->HasMember(members_.front())) << "left the group meanwhile";
}

TEST_F(GroupInviteConfirm, ASmallGroupIsInvitedWithoutAsking) {
  const ChannelId swarm = StartSwarmWithHistory();
  const UserGroupId group = BigGroup("oncall", 25);
  Type(people().priya, swarm, "/swarm", "invite " + GroupMention(group));
  EXPECT_TRUE(Told(people().priya, "Inviting the members of 1 group to the swarm of INC-1."));
  EXPECT_TRUE(Eventually("all 25 in the channel", [&] { return MembersIn(swarm) == 25; }));
  const auto all = slack().Ephemerals(people().priya);
  EXPECT_TRUE(std::none_of(all.begin(), all.end(),
                           [](const auto& e) { return Has(e.blocks_json, kConfirm); }));
}

// Check 20: 28 of a group of 30 were in the swarm channel already, yet the
// invitation asked "Invite all 30?" and counted them against the limit.
TEST_F(GroupInviteConfirm, PeopleInTheChannelAlreadyDoNotCountAgainstTheLimit) {
  const ChannelId swarm = StartSwarmWithHistory();
  const UserGroupId group = BigGroup("devops-all", 30);
  JoinFirst(28, swarm);
  Type(people().priya, swarm, "/swarm", "invite " + GroupMention(group));
  EXPECT_TRUE(Told(people().priya,
                   "Inviting the members of 1 group to the swarm of INC-1. 28 people in the group "
                   "are in the swarm channel already."));
  EXPECT_TRUE(Eventually("all 30 in the channel", [&] { return MembersIn(swarm) == 30; }));
  EXPECT_FALSE(Asked(people().priya));
  EXPECT_EQ(GroupInvites(), 1);
}

TEST_F(GroupInviteConfirm, AGroupWhollyInTheChannelIsSaidSoWithoutAsking) {
  const ChannelId swarm = StartSwarmWithHistory();
  const UserGroupId group = BigGroup("devops-all", 30);
  JoinFirst(30, swarm);
  Type(people().priya, swarm, "/swarm", "invite " + GroupMention(group));
  EXPECT_TRUE(Told(people().priya,
                   "Nobody to invite: 30 people in the group are in the swarm channel already. "
                   "Nothing was changed."));
  EXPECT_FALSE(Asked(people().priya));
  EXPECT_EQ(GroupInvites(), 0) << "nothing was invited";
}

TEST_F(GroupInviteConfirm, TheQuestionCountsOnlyWhomItWouldAdd) {
  const ChannelId swarm = StartSwarmWithHistory();
  const UserGroupId group = BigGroup("engineering", 40);
  JoinFirst(10, swarm);
  Type(people().priya, swarm, "/swarm", "invite " + GroupMention(group));
  const auto question = Question(people().priya);
  ASSERT_TRUE(question);
  EXPECT_TRUE(Has(question->blocks_json, "Invite all 30")) << question->blocks_json;
  EXPECT_TRUE(Has(question->blocks_json, "<!subteam^" + group.str() +
                                             "> (40 people) adds 30 people to the swarm of INC-1"))
      << question->blocks_json;
  EXPECT_TRUE(Has(question->blocks_json,
                  "10 people in the group are in the swarm channel already. Nothing has happened"))
      << question->blocks_json;
  EXPECT_TRUE(Has(question->text, "Invite 30 people")) << question->text;
  // The click reads the group again and invites whoever isn't in yet.
  ASSERT_TRUE(slack().ClickEphemeralButton(people().priya, question->ts, std::string(kConfirm)));
  EXPECT_TRUE(Eventually("all 40 in the channel", [&] { return MembersIn(swarm) == 40; }));
}

}  // namespace
}  // namespace swarmbot::e2e
