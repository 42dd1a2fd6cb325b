#include "handlers/approval_buttons.hpp"

#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "common/form.hpp"
#include "handlers/approval_view.hpp"
#include "handlers/router.hpp"
#include "lifecycle/approval_effects.hpp"
#include "lifecycle/change_service.hpp"
#include "lifecycle/effects.hpp"
#include "lifecycle/transaction.hpp"
#include "store/outbox.hpp"
#include "tests/handlers/modal_testing.hpp"

namespace swarmbot::handlers {
namespace {

namespace json = boost::json;

constexpr std::string_view kResponseUrl = "https://hooks.slack.com/actions/T1/2/secret";
const UserGroupId kEcab{"S0ECAB"};

std::string Str(const json::value& value) {
  return std::string(value.as_string());
}

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

lifecycle::CabSettings Cab() {
  lifecycle::CabSettings cab;
  cab.channel = ChannelId("C0CAB");
  cab.escalation_channel = ChannelId("C0MGR");
  lifecycle::ApprovalPolicy emergency;
  emergency.groups = {kEcab};
  emergency.rule = lifecycle::ApprovalRule::kNOfM;
  emergency.n = 2;
  cab.policies["emergency"] = emergency;
  return cab;
}

Settings WithCab() {
  Settings settings;
  settings.cab = Cab();
  return settings;
}

class ApprovalButtonsTest : public ::testing::Test {
 protected:
  // CHG-1 is a real change: Dev plans one step, does it, Kofi verifies it and
  // Dev submits it, so the request comes from the submit hook. It is posted
  // with @ecab resolved to Kofi, Lena and the requester Dev.
  void SetUp() override {
    lifecycle::ChangeService& changes = wiring_.changes;
    lifecycle::ChangeInput input;
    input.title = "Fix <FEAST25> & friends";
    input.type = store::ChangeType::kEmergency;
    input.risk = store::Level::kMedium;
    auto change = changes.Create(input, UserId("UDEV"));
    ASSERT_TRUE(change);
    ASSERT_EQ(change->number, 1);
    ASSERT_TRUE(changes.AddStep(1, "Deploy the validator", UserId("UDEV")));
    ASSERT_TRUE(changes.MarkDone(1, 1, UserId("UDEV")));
    ASSERT_TRUE(changes.Verify(1, 1, UserId("UKOFI")));
    auto submitted = changes.Submit(1, UserId("UDEV"));
    ASSERT_TRUE(submitted) << submitted.error().user_message;
    plan_version_ = submitted->plan_version;
    id_ = db_->Sql().execAndGet("SELECT MAX(id) FROM approval_requests").getInt64();
    ASSERT_TRUE(service_.RecordMembers(
        id_, {{kEcab, "ecab", {UserId("UKOFI"), UserId("ULENA"), UserId("UDEV")}}}));
    ASSERT_TRUE(service_.RecordPosted(id_, ChannelId("C0CAB"), MessageTs("1700000000.000100")));
  }

  json::object Message() { return ApprovalRequestObject(service_.Find(id_).value()); }

  // The buttons of the request message as Slack shows them (none once decided).
  std::vector<json::object> Buttons() {
    std::vector<json::object> buttons;
    const json::object message = Message();
    for (const auto& block : message.at("blocks").as_array()) {
      if (block.at("type") == "actions") {
        for (const auto& element : block.at("elements").as_array()) {
          buttons.push_back(element.as_object());
        }
      }
    }
    return buttons;
  }

  // A block_actions payload as Slack sends for a click on `action_id`.
  std::string ClickPayload(std::string_view action_id, std::string_view value,
                           std::string_view user) {
    const json::object payload{
        {"type", "block_actions"},
        {"user", {{"id", user}, {"username", "someone"}}},
        {"trigger_id", "12345.98765.abcd"},
        {"response_url", kResponseUrl},
        {"channel", {{"id", "C0CAB"}}},
        {"container", {{"type", "message"}, {"message_ts", "1700000000.000100"}}},
        {"actions", json::array{{{"type", "button"},
                                 {"action_id", action_id},
                                 {"block_id", "cab.vote." + std::to_string(id_)},
                                 {"value", value}}}}};
    return json::serialize(payload);
  }

  void Click(std::string_view action_id, std::string_view user, std::string value = {}) {
    if (value.empty()) {
      value = std::to_string(id_);
    }
    router_.Handle({InboundKind::kInteractive, ClickPayload(action_id, value, user), "d"});
  }

  // The last ephemeral answer queued for the response_url.
  std::string LastAnswer() {
    std::string text;
    for (const auto& item : store::Outbox(*db_).Pending()) {
      if (item.kind == lifecycle::effect::kRespond) {
        const auto body = json::parse(FormValue(item.args, lifecycle::effect::kArgBody).value());
        text = std::string(body.at("text").as_string());
      }
    }
    return text;
  }

  std::string SubmitReason(std::string_view user, std::string reason) {
    const std::string view = testing::QueuedView(*db_);
    EXPECT_FALSE(view.empty());
    return router_
        .Handle({InboundKind::kInteractive,
                 testing::ViewSubmission(view, "V1", user, {{"reason", {std::move(reason)}}}), "d"})
        .body_json;
  }

  FakeClock clock_;
  std::unique_ptr<store::Database> db_ = store::Database::Open(":memory:").value();
  lifecycle::ApprovalService service_{*db_, clock_, Cab()};
  // The services as the app wires them, on the same store as the router's.
  detail::Services wiring_{*db_, clock_, WithCab()};
  Router router_{*db_, clock_, WithCab()};
  std::int64_t id_ = 0;
  int plan_version_ = 0;
};

TEST_F(ApprovalButtonsTest, TheRequestShowsThePlanTheRuleTheTallyAndTwoButtons) {
  const std::string blocks = json::serialize(Message().at("blocks"));
  EXPECT_TRUE(Contains(blocks, "Approval needed: CHG-1"));
  EXPECT_TRUE(Contains(blocks, "Fix &lt;FEAST25&gt; &amp; friends"));
  EXPECT_TRUE(Contains(blocks, "emergency"));
  EXPECT_TRUE(Contains(blocks, "<@UDEV>"));
  EXPECT_TRUE(Contains(blocks, "1. Deploy the validator — done by <@UDEV>, verified by <@UKOFI>"));
  EXPECT_TRUE(Contains(blocks, "2 of @ecab"));
  EXPECT_TRUE(Contains(blocks, "No approvals yet · 0 of 2 needed"));
  const auto buttons = Buttons();
  ASSERT_EQ(buttons.size(), 2u);
  EXPECT_EQ(Str(buttons[0].at("action_id")), kCabApproveActionId);
  EXPECT_EQ(Str(buttons[1].at("action_id")), kCabRejectActionId);
  EXPECT_EQ(Str(buttons[0].at("value")), std::to_string(id_));
}

TEST_F(ApprovalButtonsTest, AnApproveClickCountsOnceAndTheTallyGrows) {
  Click(kCabApproveActionId, "UKOFI", std::string(Buttons()[0].at("value").as_string()));
  EXPECT_EQ(LastAnswer(), "You approved CHG-1 · 1 of 2 needed.");
  EXPECT_TRUE(Contains(json::serialize(Message()), "Approved by <@UKOFI> · 1 of 2 needed"));
  Click(kCabApproveActionId, "UKOFI");
  EXPECT_TRUE(Contains(LastAnswer(), "You already approved CHG-1 at"));
  EXPECT_EQ(service_.Find(id_)->request.votes.size(), 1u);
}

TEST_F(ApprovalButtonsTest, TheOutcomeReplacesTheButtonsOnceTheRuleIsMet) {
  Click(kCabApproveActionId, "UKOFI");
  Click(kCabApproveActionId, "ULENA");
  EXPECT_TRUE(Contains(LastAnswer(), "that decides it: approved"));
  EXPECT_TRUE(Buttons().empty());
  const std::string blocks = json::serialize(Message().at("blocks"));
  EXPECT_TRUE(Contains(blocks, "Approved: CHG-1"));
  EXPECT_TRUE(Contains(blocks, "Approved by <@UKOFI>, <@ULENA> (2 of @ecab)"));
  // The decision reached the change itself through the on_decided hook.
  EXPECT_EQ(db_->Sql().execAndGet("SELECT state FROM changes WHERE number = 1").getString(),
            "approved");
  Click(kCabApproveActionId, "UOTHER");
  EXPECT_TRUE(Contains(LastAnswer(), "no longer open for votes"));
}

TEST_F(ApprovalButtonsTest, OutsidersAndTheRequesterAreRefusedAndNothingCounts) {
  Click(kCabApproveActionId, "UOUT");
  EXPECT_EQ(LastAnswer(),
            "Only members of @ecab can vote on CHG-1 (2 approvals needed); nothing was counted.");
  Click(kCabApproveActionId, "UDEV");
  EXPECT_TRUE(Contains(LastAnswer(), "own change"));
  Click(kCabRejectActionId, "UOUT");
  EXPECT_TRUE(Contains(LastAnswer(), "Only members of @ecab can vote"));
  EXPECT_TRUE(testing::QueuedView(*db_).empty());
  EXPECT_TRUE(service_.Find(id_)->request.votes.empty());
}

TEST_F(ApprovalButtonsTest, ForgedOrStaleButtonValuesAreAnswered) {
  Click(kCabApproveActionId, "UKOFI", "abc");
  EXPECT_EQ(LastAnswer(), "That button is out of date; nothing was counted.");
  Click(kCabApproveActionId, "UKOFI", "99999");
  EXPECT_TRUE(Contains(LastAnswer(), "doesn't exist"));
  Click(kCabApproveActionId, "UKOFI", "-1");
  EXPECT_EQ(LastAnswer(), "That button is out of date; nothing was counted.");
  EXPECT_TRUE(service_.Find(id_)->request.votes.empty());
}

TEST_F(ApprovalButtonsTest, RejectAsksForAReasonAndTheRejectionDecides) {
  Click(kCabRejectActionId, "ULENA");
  const json::value view = json::parse(testing::QueuedView(*db_));
  EXPECT_EQ(Str(view.at("callback_id")), kCabRejectCallbackId);
  EXPECT_EQ(Str(view.at("private_metadata")), std::to_string(id_));

  EXPECT_TRUE(Contains(SubmitReason("ULENA", ""), "Say why you reject it"));
  const std::string huge(lifecycle::ApprovalService::kMaxReason + 1, 'x');
  EXPECT_TRUE(Contains(SubmitReason("ULENA", huge), "Keep it to 1000 characters"));
  EXPECT_TRUE(service_.Find(id_)->request.votes.empty());

  EXPECT_EQ(SubmitReason("ULENA", "No rollback <step>"), "");
  auto record = service_.Find(id_);
  EXPECT_EQ(record->request.state, store::ApprovalState::kRejected);
  const std::string blocks = json::serialize(Message().at("blocks"));
  EXPECT_TRUE(Contains(blocks, "Rejected by <@ULENA>: No rollback &lt;step&gt;"));
  EXPECT_TRUE(Buttons().empty());

  EXPECT_TRUE(Contains(SubmitReason("ULENA", "again"), "You already rejected CHG-1"));
}

// Check18 #5 and #6: a reason holding U+202E was refused as if too long,
// and the Approve answer after a rejection quoted its reason raw.
TEST_F(ApprovalButtonsTest, ABadReasonIsNamedAndALaterClickQuotesTheReasonEscaped) {
  Click(kCabRejectActionId, "ULENA");
  const std::string bidi = SubmitReason("ULENA", "Too risky \u202Eesrever");
  EXPECT_TRUE(Contains(bidi,
                       "Reason contains U+202E, a direction control that would reorder the text "
                       "around it; remove it. Nothing was recorded."))
      << bidi;
  const std::string bell = SubmitReason("ULENA", "Too risky\a");
  EXPECT_TRUE(Contains(bell, "Reason contains the control character U+0007")) << bell;
  EXPECT_TRUE(service_.Find(id_)->request.votes.empty());

  // A mention typed into it stays as typed too: a word joiner after each
  // '<' keeps it from being read as one (check 21).
  ASSERT_EQ(SubmitReason("ULENA", "Too risky <!channel> & *bold* <@UMARA>"), "");
  Click(kCabApproveActionId, "UKOFI");
  EXPECT_EQ(LastAnswer(),
            "CHG-1 is no longer open for votes. Rejected by <@ULENA>: Too risky "
            "&lt;\u2060!channel&gt; &amp; *bold* &lt;\u2060@UMARA&gt;.");
  Click(kCabApproveActionId, "ULENA");
  EXPECT_TRUE(Contains(LastAnswer(), "Too risky &lt;\u2060!channel&gt; &amp; *bold*"))
      << LastAnswer();
}

TEST_F(ApprovalButtonsTest, AReasonFormSubmittedByAnOutsiderIsRefusedInline) {
  Click(kCabRejectActionId, "ULENA");
  EXPECT_TRUE(Contains(SubmitReason("UOUT", "forged"), "Only members of @ecab can vote"));
  EXPECT_TRUE(service_.Find(id_)->request.votes.empty());
}

TEST_F(ApprovalButtonsTest, ASupersededRequestLosesItsButtonsAndSaysWhy) {
  ASSERT_TRUE(lifecycle::InTransaction(*db_, "withdraw", [&] {
    return service_.WithdrawInTransaction("CHG-1", "step 2 was added after approval");
  }));
  EXPECT_TRUE(Buttons().empty());
  EXPECT_TRUE(Contains(json::serialize(Message()), "Superseded: step 2 was added after approval"));
  Click(kCabApproveActionId, "UKOFI");
  EXPECT_TRUE(Contains(LastAnswer(), "Superseded: step 2 was added after approval"));
}

TEST_F(ApprovalButtonsTest, TheAuditListsEveryVoteWithThePlanItSaw) {
  Click(kCabApproveActionId, "UKOFI");
  Click(kCabRejectActionId, "ULENA");
  SubmitReason("ULENA", "No rollback");
  const std::string text = ApprovalHistoryText(service_.History("CHG-1").value());
  EXPECT_FALSE(Contains(text, "*Approval*"));  // /change show gives the heading
  EXPECT_TRUE(Contains(text, "rejected, rule 2 of @ecab"));
  EXPECT_TRUE(Contains(text, "<@UKOFI> approved at 2023-11-14 22:13 UTC on plan version " +
                                 std::to_string(plan_version_)));
  EXPECT_TRUE(Contains(text, "<@ULENA> rejected at"));
  EXPECT_TRUE(Contains(text, ": No rollback"));
  EXPECT_EQ(ApprovalHistoryText({}), "");
}

TEST_F(ApprovalButtonsTest, ASubteamEventQueuesARefreshOfTheRoleGroups) {
  Settings settings = WithCab();
  settings.incident_manager_groups = {UserGroupId("S0MGRS")};
  Router router(*db_, clock_, settings);
  const json::object event{
      {"type", "event_callback"},
      {"event", {{"type", "subteam_members_changed"}, {"subteam_id", "S0MGRS"}}}};
  router.Handle({InboundKind::kEvent, json::serialize(event), "d"});
  bool queued = false;
  for (const auto& item : store::Outbox(*db_).Pending()) {
    queued = queued || (item.kind == lifecycle::effect::kCabRefreshRoles &&
                        FormValue(item.args, lifecycle::effect::kArgUsergroups) == "S0MGRS");
  }
  EXPECT_TRUE(queued);
}

TEST(IncidentManagerRole, MembersOfAManagerGroupAreIncidentManagers) {
  FakeClock clock;
  auto db = store::Database::Open(":memory:").value();
  Settings settings;
  settings.incident_managers = {UserId("UMARA")};
  settings.incident_manager_groups = {UserGroupId("S0MGRS")};
  detail::Services services(*db, clock, settings);
  EXPECT_TRUE(detail::IsIncidentManager(services.settings, UserId("UMARA")));
  EXPECT_FALSE(detail::IsIncidentManager(services.settings, UserId("UPRIYA")));
  ASSERT_TRUE(services.approvals.RecordGroupMembers(UserGroupId("S0MGRS"), {UserId("UPRIYA")}));
  EXPECT_TRUE(detail::IsIncidentManager(services.settings, UserId("UPRIYA")));
  EXPECT_FALSE(detail::IsIncidentManager(services.settings, UserId("UOTHER")));
}

}  // namespace
}  // namespace swarmbot::handlers
