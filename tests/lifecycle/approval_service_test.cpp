#include "lifecycle/approval_service.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "lifecycle/approval_effects.hpp"
#include "lifecycle/transaction.hpp"
#include "store/outbox.hpp"

namespace swarmbot::lifecycle {
namespace {

using namespace std::chrono_literals;

const UserId kDev{"UDEV"};
const UserId kKofi{"UKOFI"};
const UserId kLena{"ULENA"};
const UserId kOutsider{"UOUT"};
const UserGroupId kEcab{"S0ECAB"};

struct Decision {
  std::string subject;
  bool approved = false;
  int plan_version = 0;
  std::string summary;
};

CabSettings Settings() {
  CabSettings s;
  s.channel = ChannelId("C0CAB");
  s.escalation_channel = ChannelId("C0MGR");
  ApprovalPolicy emergency;
  emergency.groups = {kEcab};
  emergency.rule = ApprovalRule::kNOfM;
  emergency.n = 2;
  emergency.deadline = 2h;
  s.policies["emergency"] = emergency;
  return s;
}

ApprovalSubject Subject(std::string type = "emergency", int version = 1) {
  ApprovalSubject s;
  s.subject = "CHG-3";
  s.type = std::move(type);
  s.requester = kDev;
  s.title = "Re-enable FEAST25 validation";
  s.risk = "medium";
  s.plan_version = version;
  s.plan = {{"Deploy the fixed validator", UserId("UDEV"), UserId("UKOFI")},
            {"Re-run the checkout tests", UserId("UDEV"), UserId("ULENA")}};
  return s;
}

class ApprovalServiceTest : public ::testing::Test {
 protected:
  ApprovalServiceTest() {
    service_.on_decided = [this](std::string_view subject, bool approved, int version,
                                 std::string_view summary) -> Status {
      decisions_.push_back({std::string(subject), approved, version, std::string(summary)});
      return decide_result_;
    };
  }

  Status Open(const ApprovalSubject& subject) {
    return InTransaction(*db_, "test_open", [&] { return service_.OpenInTransaction(subject); });
  }

  Status Withdraw(std::string_view reason) {
    return InTransaction(*db_, "test_withdraw",
                         [&] { return service_.WithdrawInTransaction("CHG-3", reason); });
  }

  // Opens CHG-3 and resolves @ecab to Kofi, Lena and the requester, as the
  // post effect does; returns the request id.
  std::int64_t OpenAndPost() {
    EXPECT_TRUE(Open(Subject()));
    const std::int64_t id = LastRequest();
    EXPECT_TRUE(service_.RecordMembers(id, {{kEcab, "ecab", {kKofi, kLena, kDev}}}));
    EXPECT_TRUE(service_.RecordPosted(id, ChannelId("C0CAB"), MessageTs("1700000000.000100")));
    return id;
  }

  std::int64_t LastRequest() {
    return db_->Sql().execAndGet("SELECT MAX(id) FROM approval_requests").getInt64();
  }

  std::vector<std::string> PendingKinds() {
    std::vector<std::string> kinds;
    for (const auto& item : store::Outbox(*db_).Pending()) {
      kinds.push_back(item.kind);
    }
    return kinds;
  }

  FakeClock clock_;
  std::unique_ptr<store::Database> db_ = store::Database::Open(":memory:").value();
  ApprovalService service_{*db_, clock_, Settings()};
  std::vector<Decision> decisions_;
  Status decide_result_;
};

TEST_F(ApprovalServiceTest, OpeningStoresTheRequestAndQueuesThePostAndTheDeadline) {
  ASSERT_TRUE(Open(Subject()));
  const auto pending = store::Outbox(*db_).Pending();
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].kind, effect::kCabPostRequest);
  EXPECT_EQ(pending[1].kind, effect::kCabDeadline);
  EXPECT_NE(pending[0].stream, pending[1].stream);

  auto record = service_.Find(LastRequest());
  ASSERT_TRUE(record);
  EXPECT_EQ(record->request.subject, "CHG-3");
  EXPECT_EQ(record->request.plan.size(), 2u);
  EXPECT_EQ(record->request.plan_digest, PlanDigest(1, Subject().plan));
  ASSERT_TRUE(record->request.deadline_at);
  EXPECT_EQ(*record->request.deadline_at, clock_.Now() + 2h);
}

TEST_F(ApprovalServiceTest, ATypeWithoutAPolicyIsRefusedNamingTheConfigKey) {
  const Status opened = Open(Subject("normal"));
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, Errc::kConflict);
  EXPECT_NE(opened.error().user_message.find("[cab.policies.normal]"), std::string::npos);
  EXPECT_EQ(db_->Sql().execAndGet("SELECT COUNT(*) FROM approval_requests").getInt(), 0);
  EXPECT_TRUE(PendingKinds().empty());
}

TEST_F(ApprovalServiceTest, AStandardChangeWithoutAPolicyIsPreApproved) {
  ASSERT_TRUE(Open(Subject("standard")));
  ASSERT_EQ(decisions_.size(), 1u);
  EXPECT_TRUE(decisions_[0].approved);
  EXPECT_EQ(decisions_[0].subject, "CHG-3");
  EXPECT_TRUE(PendingKinds().empty());
}

TEST_F(ApprovalServiceTest, AMalformedSubjectIsRefused) {
  ApprovalSubject bad = Subject();
  bad.subject = "CHG-3; DROP TABLE";
  EXPECT_EQ(Open(bad).error().code, Errc::kInvalidInput);
  ApprovalSubject huge = Subject();
  huge.plan.assign(ApprovalService::kMaxPlanSteps + 1, {"step", {}, {}});
  EXPECT_EQ(Open(huge).error().code, Errc::kInvalidInput);
}

TEST_F(ApprovalServiceTest, NobodyVotesBeforeTheMembersAreKnown) {
  ASSERT_TRUE(Open(Subject()));
  auto vote = service_.Vote(LastRequest(), kKofi, true, "");
  ASSERT_FALSE(vote);
  EXPECT_EQ(vote.error().code, Errc::kConflict);
}

TEST_F(ApprovalServiceTest, AnOutsiderIsRefusedNamingTheGroup) {
  const std::int64_t id = OpenAndPost();
  auto vote = service_.Vote(id, kOutsider, true, "");
  ASSERT_FALSE(vote);
  EXPECT_EQ(vote.error().code, Errc::kForbidden);
  EXPECT_EQ(vote.error().user_message,
            "Only members of @ecab can vote on CHG-3 (2 approvals needed); nothing was counted.");
  EXPECT_TRUE(service_.Find(id)->request.votes.empty());
}

TEST_F(ApprovalServiceTest, TheRequesterCannotApproveTheirOwnChange) {
  const std::int64_t id = OpenAndPost();
  auto vote = service_.Vote(id, kDev, true, "");
  ASSERT_FALSE(vote);
  EXPECT_EQ(vote.error().code, Errc::kForbidden);
  EXPECT_NE(vote.error().user_message.find("own change"), std::string::npos);
}

TEST_F(ApprovalServiceTest, VotesCountOnceAndTheRuleDecides) {
  const std::int64_t id = OpenAndPost();
  auto first = service_.Vote(id, kKofi, true, "");
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->counted);
  EXPECT_EQ(first->reply, "You approved CHG-3 · 1 of 2 needed.");

  clock_.Advance(1min);
  auto again = service_.Vote(id, kKofi, true, "");
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->counted);
  EXPECT_NE(again->reply.find("You already approved CHG-3 at 22:13 UTC"), std::string::npos);
  EXPECT_TRUE(decisions_.empty());

  auto second = service_.Vote(id, kLena, true, "");
  ASSERT_TRUE(second);
  EXPECT_TRUE(second->decided);
  ASSERT_EQ(decisions_.size(), 1u);
  EXPECT_TRUE(decisions_[0].approved);
  EXPECT_EQ(decisions_[0].plan_version, 1);
  EXPECT_EQ(service_.Find(id)->request.state, store::ApprovalState::kApproved);
  EXPECT_EQ(PendingKinds().back(), effect::kCabUpdateRequest);

  auto late = service_.Vote(id, UserId("UOTHER"), true, "");
  ASSERT_FALSE(late);
  EXPECT_NE(late.error().user_message.find("no longer open"), std::string::npos);
}

TEST_F(ApprovalServiceTest, ARejectionNeedsAReasonAndDecidesAtOnce) {
  const std::int64_t id = OpenAndPost();
  EXPECT_EQ(service_.Vote(id, kLena, false, "  ").error().code, Errc::kInvalidInput);
  EXPECT_EQ(service_.Vote(id, kLena, false, std::string(ApprovalService::kMaxReason + 1, 'x'))
                .error()
                .code,
            Errc::kInvalidInput);
  ASSERT_TRUE(service_.Vote(id, kLena, false, "No rollback step"));
  ASSERT_EQ(decisions_.size(), 1u);
  EXPECT_FALSE(decisions_[0].approved);
  EXPECT_NE(decisions_[0].summary.find("No rollback step"), std::string::npos);
  EXPECT_EQ(service_.Find(id)->request.state, store::ApprovalState::kRejected);
}

TEST_F(ApprovalServiceTest, ADecisionTheChangeRefusesRollsTheVoteBack) {
  const std::int64_t id = OpenAndPost();
  ASSERT_TRUE(service_.Vote(id, kKofi, true, ""));
  decide_result_ = MakeError(Errc::kConflict, "stale plan", "The plan changed meanwhile.");
  auto vote = service_.Vote(id, kLena, true, "");
  ASSERT_FALSE(vote);
  EXPECT_EQ(vote.error().user_message, "The plan changed meanwhile.");
  auto record = service_.Find(id);
  EXPECT_EQ(record->request.state, store::ApprovalState::kOpen);
  EXPECT_EQ(record->request.votes.size(), 1u);
}

TEST_F(ApprovalServiceTest, AChangedPlanSupersedesTheRequestEvenAfterApproval) {
  const std::int64_t id = OpenAndPost();
  ASSERT_TRUE(service_.Vote(id, kKofi, true, ""));
  ASSERT_TRUE(service_.Vote(id, kLena, true, ""));
  ASSERT_TRUE(Withdraw("step 2 was edited after approval"));
  auto record = service_.Find(id);
  EXPECT_EQ(record->request.state, store::ApprovalState::kSuperseded);
  EXPECT_EQ(record->request.outcome, "Superseded: step 2 was edited after approval");
  EXPECT_TRUE(Withdraw("again"));  // nothing live: nothing to do
}

TEST_F(ApprovalServiceTest, AVoteOnASupersededRequestIsAnsweredWithWhatHappened) {
  const std::int64_t id = OpenAndPost();
  ASSERT_TRUE(Open(Subject("emergency", 2)));
  EXPECT_EQ(service_.Find(id)->request.state, store::ApprovalState::kSuperseded);
  auto vote = service_.Vote(id, kKofi, true, "");
  ASSERT_FALSE(vote);
  EXPECT_NE(vote.error().user_message.find("Superseded: submitted again"), std::string::npos);
}

TEST_F(ApprovalServiceTest, TheDeadlineComesDueOnceAndOnlyWhileUndecided) {
  const std::int64_t id = OpenAndPost();
  store::Outbox outbox(*db_);
  while (auto item = outbox.ClaimNext(clock_.Now())) {
    EXPECT_NE(item->kind, effect::kCabDeadline);
    outbox.MarkDone(item->id, clock_.Now());
  }
  clock_.Advance(2h);
  auto due = outbox.ClaimNext(clock_.Now());
  ASSERT_TRUE(due);
  EXPECT_EQ(due->kind, effect::kCabDeadline);
  EXPECT_TRUE(service_.DueForEscalation(id).value());
  ASSERT_TRUE(service_.RecordEscalated(id));
  EXPECT_FALSE(service_.DueForEscalation(id).value());
}

TEST_F(ApprovalServiceTest, ADecidedRequestIsNotEscalated) {
  const std::int64_t id = OpenAndPost();
  ASSERT_TRUE(service_.Vote(id, kLena, false, "Not tonight"));
  clock_.Advance(3h);
  EXPECT_FALSE(service_.DueForEscalation(id).value());
}

TEST_F(ApprovalServiceTest, HistoryKeepsEveryVoteWithThePlanItSaw) {
  const std::int64_t first = OpenAndPost();
  ASSERT_TRUE(service_.Vote(first, kKofi, true, ""));
  ASSERT_TRUE(Open(Subject("emergency", 2)));
  const std::int64_t second = LastRequest();
  ASSERT_TRUE(service_.RecordMembers(second, {{kEcab, "ecab", {kKofi, kLena}}}));
  ASSERT_TRUE(service_.Vote(second, kLena, false, "Still no rollback"));

  auto history = service_.History("CHG-3");
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 2u);
  const auto& old_vote = (*history)[0].request.votes.at(0);
  EXPECT_EQ(old_vote.user, kKofi);
  EXPECT_EQ(old_vote.plan_version, 1);
  EXPECT_EQ(old_vote.plan_digest, PlanDigest(1, Subject().plan));
  const auto& new_vote = (*history)[1].request.votes.at(0);
  EXPECT_EQ(new_vote.plan_version, 2);
  EXPECT_EQ(new_vote.reason, "Still no rollback");
  EXPECT_NE(old_vote.plan_digest, new_vote.plan_digest);
}

TEST_F(ApprovalServiceTest, RoleGroupMembersAreCachedAndReplaced) {
  const UserGroupId managers("S0MGRS");
  ASSERT_TRUE(service_.RecordGroupMembers(managers, {kKofi, kLena}));
  EXPECT_TRUE(service_.InAnyGroup({managers}, kKofi));
  ASSERT_TRUE(service_.RecordGroupMembers(managers, {kLena}));
  EXPECT_FALSE(service_.InAnyGroup({managers}, kKofi));
  EXPECT_TRUE(service_.InAnyGroup({UserGroupId("S0OTHER"), managers}, kLena));
  ASSERT_TRUE(service_.QueueRoleRefresh({managers}));
  EXPECT_EQ(PendingKinds(), std::vector<std::string>{std::string(effect::kCabRefreshRoles)});
}

}  // namespace
}  // namespace swarmbot::lifecycle
