#include "lifecycle/routing_service.hpp"

#include <gtest/gtest.h>

#include "common/form.hpp"
#include "store/outbox.hpp"
#include "tests/lifecycle/fixture.hpp"

namespace swarmbot::lifecycle {
namespace {

using std::chrono::minutes;

RoutingRules TakeOutRules() {
  RoutingRules rules;
  rules.rules = {{"promotions", {"discount", "promo", "coupon", "code"}},
                 {"payments", {"card", "refund", "payment"}},
                 {"checkout", {"checkout", "basket", "cart"}},
                 {"loyalty", {"loyalty", "points", "rewards"}}};
  return rules;
}

store::Person MakePerson(const std::string& id, std::map<std::string, int> skills,
                         int capacity = 3) {
  store::Person p;
  p.user = UserId(id);
  p.display_name = id.substr(1);
  p.time_zone = "Europe/London";
  p.capacity = capacity;
  p.skills = std::move(skills);
  return p;
}

class RoutingServiceTest : public testing::LifecycleTest {
 protected:
  void SetUp() override {
    incidents_.SetAssignOnDeclare(true);
    ASSERT_TRUE(routing_.ImportPeople({MakePerson("UPRIYA", {{"promotions", 5}, {"checkout", 3}}),
                                       MakePerson("UOMAR", {{"promotions", 4}, {"loyalty", 3}}),
                                       MakePerson("UCHEN", {{"payments", 5}})}));
  }

  // Everyone Slack shows as active.
  std::map<UserId, bool> AllActive() {
    std::map<UserId, bool> active;
    for (const UserId& user : routing_.PresenceNeeded().value()) {
      active[user] = true;
    }
    return active;
  }

  std::string OwnerOf(std::int64_t incident) {
    return incidents_.FindIncident(incident).value().owner.str();
  }

  // Pending items of `kind`, in order.
  std::vector<store::OutboxItem> Pending(std::string_view kind) {
    std::vector<store::OutboxItem> items;
    for (auto& item : store::Outbox(*db_).Pending()) {
      if (item.kind == kind) {
        items.push_back(std::move(item));
      }
    }
    return items;
  }

  RoutingService routing_{*db_, clock_, TakeOutRules()};
};

TEST_F(RoutingServiceTest, DeclaringQueuesTheIncidentAndServingGivesItToTheBestSkill) {
  const auto feast = NewIncident("FEAST25 discount code fails at checkout");
  ASSERT_EQ(Pending("routing.assign").size(), 1u);
  EXPECT_EQ(Pending("routing.assign")[0].stream, "routing");

  auto outcomes = routing_.ServeQueue(AllActive());
  ASSERT_TRUE(outcomes);
  ASSERT_EQ(outcomes->size(), 1u);
  EXPECT_EQ(OwnerOf(feast), "UPRIYA");
  const auto dms = Pending("routing.notify_owner");
  ASSERT_EQ(dms.size(), 1u);
  EXPECT_EQ(dms[0].stream, "INC-1");
  EXPECT_EQ(FormValue(dms[0].args, "users"), "UPRIYA");
  const auto status = incidents_.StatusOf(feast).value();
  EXPECT_EQ(status.recent.back().kind, "assigned");
  EXPECT_NE(status.recent.back().text.find("promotions 5, checkout 3"), std::string::npos);
}

TEST_F(RoutingServiceTest, ADeactivatedSlackAccountIsPassedOverEvenWhenBack) {
  ASSERT_TRUE(routing_.SetPresence(UserId("UPRIYA"), store::PresenceOverride::kBack));
  ASSERT_TRUE(routing_.RecordSlackAccount(UserId("UPRIYA"), true, "user_change").value());
  EXPECT_FALSE(routing_.RecordSlackAccount(UserId("UPRIYA"), true, "user_change").value());
  const auto promo = NewIncident("Promo code rejected");
  auto needed = routing_.PresenceNeeded().value();
  EXPECT_EQ(std::count(needed.begin(), needed.end(), UserId("UPRIYA")), 0);
  ASSERT_TRUE(routing_.ServeQueue(AllActive()));
  EXPECT_EQ(OwnerOf(promo), "UOMAR");
  auto named = routing_.AssignTo(promo, UserId("UPRIYA"), UserId("UMARA"));
  ASSERT_FALSE(named);
  EXPECT_NE(named.error().user_message.find("deactivated"), std::string::npos);

  // A new import lists her again; only Slack brings her back.
  auto imported = routing_.ImportPeople(
      {MakePerson("UPRIYA", {{"promotions", 5}}), MakePerson("UOMAR", {{"promotions", 4}})});
  ASSERT_TRUE(imported);
  EXPECT_EQ(imported->slack_deactivated, 1);
  const auto second = NewIncident("Coupon not applied");
  ASSERT_TRUE(routing_.ServeQueue(AllActive()));
  EXPECT_EQ(OwnerOf(second), "UOMAR");
  ASSERT_TRUE(routing_.RecordSlackAccount(UserId("UPRIYA"), false, "user_change").value());
  const auto third = NewIncident("Discount code not applied");
  ASSERT_TRUE(routing_.ServeQueue(AllActive()));
  EXPECT_EQ(OwnerOf(third), "UPRIYA");
}

// Check 16: a reactivation Slack sent before a deactivation, arriving after
// it, took the deactivation back.
TEST_F(RoutingServiceTest, ALateAccountEventOlderThanTheLastChangesNothing) {
  const auto at = [](int seconds) { return Clock::TimePoint(std::chrono::seconds(seconds)); };
  ASSERT_TRUE(routing_.RecordSlackAccount(UserId("UPRIYA"), true, "user_change", at(2000)).value());
  EXPECT_FALSE(
      routing_.RecordSlackAccount(UserId("UPRIYA"), false, "user_change", at(1000)).value());
  const auto promo = NewIncident("Promo code rejected");
  ASSERT_TRUE(routing_.ServeQueue(AllActive()));
  EXPECT_EQ(OwnerOf(promo), "UOMAR");

  EXPECT_TRUE(
      routing_.RecordSlackAccount(UserId("UPRIYA"), false, "user_change", at(3000)).value());
}

// Check 16: Slack's account_inactive for one call marked Omar deactivated,
// and "/swarmbot back" welcomed him back while routing still passed him over.
TEST_F(RoutingServiceTest, BackClearsADeactivationLearntFromAnError) {
  ASSERT_TRUE(
      routing_.RecordSlackAccount(UserId("UPRIYA"), true, "Slack answered account_inactive"));
  auto back = routing_.SetPresence(UserId("UPRIYA"), store::PresenceOverride::kBack);
  ASSERT_TRUE(back);
  EXPECT_FALSE(back->slack_deactivated);
  const auto promo = NewIncident("Promo code rejected");
  ASSERT_TRUE(routing_.ServeQueue(AllActive()));
  EXPECT_EQ(OwnerOf(promo), "UPRIYA");
}

TEST_F(RoutingServiceTest, AnOwnerDeactivatedKeepsTheIncidentAndTheManagersAreTold) {
  const auto feast = NewIncident("FEAST25 discount code fails at checkout");
  ASSERT_TRUE(routing_.ServeQueue(AllActive()));
  ASSERT_EQ(OwnerOf(feast), "UPRIYA");
  DrainOutbox();

  ASSERT_TRUE(routing_.RecordSlackAccount(UserId("UPRIYA"), true, "user_change").value());
  EXPECT_EQ(OwnerOf(feast), "UPRIYA");
  const auto told = Pending("routing.owner_deactivated");
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(FormValue(told[0].args, "users"), "UPRIYA");
  EXPECT_EQ(Pending("incident.update_announcement").size(), 1u);
  EXPECT_TRUE(Pending("routing.assign").empty()) << "not silently reassigned";
  const auto status = incidents_.StatusOf(feast).value();
  EXPECT_TRUE(status.owner_deactivated);
  EXPECT_EQ(status.recent.back().kind, "owner_deactivated");
}

TEST_F(RoutingServiceTest, ServingTwiceAfterACrashAssignsOnceAndMessagesOnce) {
  const auto feast = NewIncident("FEAST25 discount code fails at checkout");
  ASSERT_TRUE(routing_.ServeQueue(AllActive()));
  // The effect ran again: the request is gone, so nothing changes.
  auto again = routing_.ServeQueue(AllActive());
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->empty());
  EXPECT_EQ(OwnerOf(feast), "UPRIYA");
  EXPECT_EQ(Pending("routing.notify_owner").size(), 1u);
}

TEST_F(RoutingServiceTest, PersonAtCapacityIsPassedOverForTheNextBestSkill) {
  for (int i = 0; i < 3; ++i) {
    NewIncident("Loyalty points missing " + std::to_string(i));
  }
  ASSERT_TRUE(routing_.ServeQueue(AllActive()));
  EXPECT_EQ(OwnerOf(1), "UOMAR");
  EXPECT_EQ(OwnerOf(3), "UOMAR");
  const auto promo = NewIncident("Promo code rejected");
  ASSERT_TRUE(routing_.ServeQueue(AllActive()));
  EXPECT_EQ(OwnerOf(promo), "UPRIYA");
  EXPECT_TRUE(routing_.PresenceNeeded().value().empty()) << "nothing waits";
}

TEST_F(RoutingServiceTest, AsksPresenceOnlyOfPeopleWithASkillAQueuedIncidentNeeds) {
  NewIncident("Refund card payment failing");
  EXPECT_EQ(routing_.PresenceNeeded().value(), std::vector<UserId>{UserId("UCHEN")});
  NewIncident("Website slow");  // needs no skill: anyone may take it
  EXPECT_EQ(routing_.PresenceNeeded().value().size(), 3u);
}

TEST_F(RoutingServiceTest, SlackAwayAndOwnAwayOverrideBothKeepSomeoneOut) {
  ASSERT_TRUE(routing_.SetPresence(UserId("UPRIYA"), store::PresenceOverride::kAway));
  const auto promo = NewIncident("Promo code rejected");
  auto needed = routing_.PresenceNeeded().value();
  EXPECT_EQ(std::count(needed.begin(), needed.end(), UserId("UPRIYA")), 0)
      << "an own override needs no Slack presence";
  ASSERT_TRUE(routing_.ServeQueue(AllActive()));
  EXPECT_EQ(OwnerOf(promo), "UOMAR");

  // Back beats Slack's away.
  ASSERT_TRUE(routing_.SetPresence(UserId("UPRIYA"), store::PresenceOverride::kBack));
  const auto second = NewIncident("Coupon not applied");
  ASSERT_TRUE(routing_.ServeQueue({}));  // Slack says nobody is active
  EXPECT_EQ(OwnerOf(second), "UPRIYA");
}

TEST_F(RoutingServiceTest, NobodyAvailableWaitsTellsManagersOnceAndIsServedWhenSomeoneIsBack) {
  ASSERT_TRUE(routing_.SetPresence(UserId("UCHEN"), store::PresenceOverride::kAway));
  const auto refund = NewIncident("Refund card payment failing");
  ASSERT_TRUE(routing_.ServeQueue(AllActive()));
  EXPECT_EQ(OwnerOf(refund), "");
  EXPECT_EQ(Pending("routing.tell_managers").size(), 1u);
  EXPECT_EQ(routing_.WaitingReason(refund).value(), "everyone with payments is busy: away CHEN");

  // Another pass (e.g. after a restart) doesn't tell the managers twice.
  ASSERT_TRUE(routing_.ServeQueue(AllActive()));
  EXPECT_EQ(Pending("routing.tell_managers").size(), 1u);

  DrainOutbox();
  ASSERT_TRUE(routing_.SetPresence(UserId("UCHEN"), store::PresenceOverride::kBack));
  ASSERT_EQ(Pending("routing.assign").size(), 1u) << "coming back serves the queue";
  ASSERT_TRUE(routing_.ServeQueue(AllActive()));
  EXPECT_EQ(OwnerOf(refund), "UCHEN");
  EXPECT_FALSE(routing_.WaitingReason(refund));
}

TEST_F(RoutingServiceTest, TheQueueIsServedOldestFirstWhenASlotFrees) {
  // Chen has room for one payments incident.
  ASSERT_TRUE(routing_.ImportPeople(
      {MakePerson("UPRIYA", {{"promotions", 5}}), MakePerson("UCHEN", {{"payments", 5}}, 1)}));
  const auto first = NewIncident("Card payment declined");
  const auto older = NewIncident("Refund missing");
  clock_.Advance(minutes(1));
  const auto newer = NewIncident("Refund twice");
  ASSERT_TRUE(routing_.ServeQueue(AllActive()));
  EXPECT_EQ(OwnerOf(first), "UCHEN");
  EXPECT_EQ(OwnerOf(older), "");
  EXPECT_EQ(OwnerOf(newer), "");

  DrainOutbox();
  ASSERT_TRUE(incidents_.Close(first, mara_, "fixed"));
  ASSERT_EQ(Pending("routing.assign").size(), 1u) << "closing frees a slot";
  ASSERT_TRUE(routing_.ServeQueue(AllActive()));
  EXPECT_EQ(OwnerOf(older), "UCHEN");
  EXPECT_EQ(OwnerOf(newer), "");
}

TEST_F(RoutingServiceTest, ANewImportServesTheQueue) {
  const auto refund = NewIncident("Card payment declined");
  ASSERT_TRUE(routing_.ImportPeople({MakePerson("UPRIYA", {{"promotions", 5}})}));
  ASSERT_TRUE(routing_.ServeQueue(AllActive()));
  EXPECT_EQ(OwnerOf(refund), "");
  DrainOutbox();
  auto summary = routing_.ImportPeople(
      {MakePerson("UPRIYA", {{"promotions", 5}}), MakePerson("UNEW", {{"payments", 2}})});
  ASSERT_TRUE(summary);
  EXPECT_EQ(summary->added, 1);
  EXPECT_EQ(summary->updated, 1);
  EXPECT_EQ(Pending("routing.assign").size(), 1u);
  ASSERT_TRUE(routing_.ServeQueue(AllActive()));
  EXPECT_EQ(OwnerOf(refund), "UNEW");
}

TEST_F(RoutingServiceTest, ImportReplacesSkillsAndDeactivatesPeopleLeftOut) {
  auto summary = routing_.ImportPeople({MakePerson("UPRIYA", {{"pricing", 2}})});
  ASSERT_TRUE(summary);
  EXPECT_EQ(summary->added, 0);
  EXPECT_EQ(summary->updated, 1);
  EXPECT_EQ(summary->deactivated, 2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM people"), 3);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM people WHERE active = 1"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM person_skills WHERE user_id = 'UPRIYA'"), 1);
  EXPECT_FALSE(routing_.SetPresence(UserId("UOMAR"), store::PresenceOverride::kAway));
}

TEST_F(RoutingServiceTest, AssignToNamedPersonSkipsTheQueueAndRefusesStrangers) {
  const auto promo = NewIncident("Promo code rejected");
  auto stranger = routing_.AssignTo(promo, UserId("USTRANGER"), mara_);
  ASSERT_FALSE(stranger);
  EXPECT_EQ(stranger.error().code, Errc::kNotFound);
  ASSERT_TRUE(routing_.AssignTo(promo, UserId("UCHEN"), mara_));
  EXPECT_EQ(OwnerOf(promo), "UCHEN");
  ASSERT_TRUE(routing_.ServeQueue(AllActive()));
  EXPECT_EQ(OwnerOf(promo), "UCHEN") << "the queued request was dropped";
  EXPECT_FALSE(routing_.RequestOwner(99, mara_));
}

// Check9 #9: a new owner was told by DM but left outside the swarm channel.
TEST_F(RoutingServiceTest, ANewOwnerIsInvitedToTheLiveSwarmAndTheChannelIsTold) {
  const auto promo = NewIncident("Promo code rejected");
  ASSERT_TRUE(swarms_.Start({promo, {}, {}}, mara_));
  ASSERT_TRUE(swarms_.RecordChannel(promo, ChannelId("CSWARM"), "inc-1-promo-code-rejected"));
  DrainOutbox();
  ASSERT_TRUE(routing_.AssignTo(promo, UserId("UCHEN"), mara_));
  std::vector<std::string> invited;
  std::vector<std::string> notes;
  for (const auto& item : store::Outbox(*db_).Pending()) {
    if (item.kind == "swarm.invite") {
      invited.push_back(FormValue(item.args, "users").value_or(""));
    } else if (item.kind == "swarm.post_note") {
      notes.push_back(FormValue(item.args, "text").value_or(""));
    }
  }
  EXPECT_EQ(invited, (std::vector<std::string>{"UCHEN"}));
  EXPECT_EQ(notes, (std::vector<std::string>{":bust_in_silhouette: <@UCHEN> owns INC-1 now."}));
}

TEST_F(RoutingServiceTest, AnOwnerOfAnIncidentWithoutASwarmGetsNoInvitation) {
  const auto promo = NewIncident("Promo code rejected");
  ASSERT_TRUE(routing_.AssignTo(promo, UserId("UCHEN"), mara_));
  for (const std::string& kind : PendingKinds()) {
    EXPECT_FALSE(kind.starts_with("swarm.")) << kind;
  }
}

TEST_F(RoutingServiceTest, TakeCasesMovesEveryLinkedCaseAndGroupsThemByPreviousOwner) {
  const auto feast = NewIncident("FEAST25 discount code fails at checkout");
  std::vector<std::int64_t> linked;
  for (const char* owner : {"URAVI", "ULENA", "URAVI", "UTOM", "UPRIYA"}) {
    auto in = ValidCase();
    in.owner = owner;
    linked.push_back(cases_.IntakeCase(in, {}).value().record.number);
  }
  ASSERT_TRUE(incidents_.LinkCases(feast, linked, mara_));

  auto refused = routing_.TakeCases(feast, priya_, false);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::kConflict) << "no owner yet";
  ASSERT_TRUE(routing_.ServeQueue(AllActive()));
  auto stranger = routing_.TakeCases(feast, UserId("UTOM"), false);
  ASSERT_FALSE(stranger);
  EXPECT_EQ(stranger.error().code, Errc::kForbidden);

  auto taken = routing_.TakeCases(feast, priya_, false);
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->Count(), 4u);
  EXPECT_EQ(taken->already_owned, 1u);
  ASSERT_EQ(taken->moved.size(), 3u);
  EXPECT_EQ(taken->moved[0].previous_owner.str(), "URAVI");
  EXPECT_EQ(taken->moved[0].cases, (std::vector<std::int64_t>{linked[0], linked[2]}));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM cases WHERE owner = 'UPRIYA'"), 5);
  const auto dms = Pending("routing.cases_moved");
  ASSERT_EQ(dms.size(), 3u);
  EXPECT_EQ(FormValue(dms[0].args, "users"), "URAVI");
  EXPECT_EQ(FormValue(dms[0].args, "cases"),
            std::to_string(linked[0]) + "," + std::to_string(linked[2]));

  auto again = routing_.TakeCases(feast, mara_, true);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->moved.empty());
  EXPECT_EQ(Pending("routing.cases_moved").size(), 3u) << "nothing moved, nobody told";
}

}  // namespace
}  // namespace swarmbot::lifecycle
