// Long work plans and change records laid out within Block Kit's limits, and
// the bot's own mentions shown as names rather than escaped markup.
#include "handlers/plan_layout.hpp"

#include <algorithm>

#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "handlers/approval_view.hpp"
#include "handlers/work_plan_view.hpp"

namespace swarmbot::handlers {
namespace {

namespace json = boost::json;

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// Every section and context text within Slack's 3,000 characters (counted in
// bytes, as strict as can be) and at most 50 blocks: what Slack would accept.
void ExpectWithinSlackLimits(const BlockMessage& message) {
  const json::array& blocks = message.Blocks();
  EXPECT_LE(blocks.size(), kMaxBlocks);
  for (const json::value& block : blocks) {
    const json::object& b = block.as_object();
    if (const json::value* text = b.if_contains("text")) {
      EXPECT_LE(text->at("text").as_string().size(), kMaxSectionText) << json::serialize(block);
    }
    if (const json::value* elements = b.if_contains("elements")) {
      for (const json::value& element : elements->as_array()) {
        if (const json::value* text = element.as_object().if_contains("text");
            text && text->is_string()) {
          EXPECT_LE(text->as_string().size(), kMaxSectionText);
        }
      }
    }
  }
}

std::string AllText(const BlockMessage& message) {
  return json::serialize(message.Blocks());
}

std::string LongStep(int n) {
  return std::to_string(n) + " " + std::string(490, 's');
}

TEST(PlanLayout, LinesArePackedIntoSectionsThatSlackAccepts) {
  std::vector<std::string> lines;
  for (int n = 1; n <= 30; ++n) {
    lines.push_back(LongStep(n));
  }
  const PackedLines packed = PackLines(lines, 8);
  EXPECT_EQ(packed.left_out, 0u);
  EXPECT_GT(packed.sections.size(), 1u);
  std::size_t shown = 0;
  for (const std::string& section : packed.sections) {
    EXPECT_LE(section.size(), kSectionBudget);
    shown += static_cast<std::size_t>(std::count(section.begin(), section.end(), '\n')) + 1;
  }
  EXPECT_EQ(shown, 30u);

  const PackedLines cut = PackLines(lines, 2);
  EXPECT_EQ(cut.sections.size(), 2u);
  EXPECT_EQ(cut.left_out, 30u - 10u);  // five 494-byte lines fit in each section
  // A single line longer than a section is cut to fit.
  const PackedLines huge = PackLines({std::string(10000, 'x')}, 1);
  ASSERT_EQ(huge.sections.size(), 1u);
  EXPECT_LE(huge.sections[0].size(), kSectionBudget);
}

TEST(PlanLayout, AFullPlanOfLongStepsReachesTheCabWithinSlacksLimits) {
  lifecycle::ApprovalRecord record;
  store::ApprovalRequest& r = record.request;
  r.id = 4;
  r.subject = "CHG-1";
  r.change_type = "emergency";
  r.requester = UserId("UDEV");
  r.title = "Big plan";
  r.risk = "low";
  r.plan_version = 31;
  r.plan_digest = "0123456789abcdef";
  r.members_resolved = true;
  for (int n = 1; n <= 30; ++n) {
    r.plan.push_back({LongStep(n), UserId("UDEV"), UserId("UINES")});
  }
  const BlockMessage message = ApprovalRequestMessage(record);
  ExpectWithinSlackLimits(message);
  const std::string text = AllText(message);
  EXPECT_TRUE(Contains(text, "1. 1 sss"));
  EXPECT_TRUE(Contains(text, "30. 30 sss")) << "the last step is missing";
  EXPECT_FALSE(Contains(text, "truncated"));
  const json::object object = ApprovalRequestObject(record);
  EXPECT_LE(object.at("blocks").as_array().size(), kMaxBlocks);
  EXPECT_TRUE(Contains(json::serialize(object), "cab.approve"));
}

TEST(PlanLayout, APlanTooLongForTheRequestEndsWithWhereToReadTheRest) {
  lifecycle::ApprovalRecord record;
  record.request.subject = "CHG-2";
  record.request.plan_digest = "0123456789abcdef";
  std::string euros;
  for (int i = 0; i < 300; ++i) {
    euros += "\xe2\x82\xac";  // €: three bytes, one character
  }
  for (int n = 1; n <= 40; ++n) {
    record.request.plan.push_back({euros, UserId("UDEV"), UserId("UINES")});
  }
  const BlockMessage message = ApprovalRequestMessage(record);
  ExpectWithinSlackLimits(message);
  EXPECT_TRUE(Contains(AllText(message), "more steps; `/change show CHG-2`"));
}

lifecycle::ChangeDetails FullChange() {
  lifecycle::ChangeDetails details;
  details.change.number = 1;
  details.change.title = "Big plan";
  details.change.requester = UserId("UDEV");
  details.change.state = store::ChangeState::kApproved;
  details.change.state_reason = "Approved by <@UKOFI> (any one of @cab)";
  details.change.approved_version = 31;
  for (int n = 1; n <= 30; ++n) {
    store::ChangeStep step;
    step.position = n;
    step.text = LongStep(n);
    step.done_by = UserId("UDEV");
    step.done_at = Clock::TimePoint{};
    step.verified_by = UserId("UINES");
    step.verified_at = Clock::TimePoint{};
    details.steps.push_back(step);
  }
  for (int n = 1; n <= 40; ++n) {
    details.events.push_back({Clock::TimePoint{}, "UDEV", "step_added",
                              "Step " + std::to_string(n) + " added: " + std::string(300, 'e')});
  }
  details.events.push_back({Clock::TimePoint{}, "swarmbot", "approved",
                            "Approved: Approved by <@UKOFI> (any one of @cab)"});
  return details;
}

TEST(PlanLayout, TheWorkPlanAndTheRecordOfAFullPlanFitSlacksLimits) {
  const lifecycle::ChangeDetails details = FullChange();
  const BlockMessage plan = WorkPlanMessage(details);
  ExpectWithinSlackLimits(plan);
  EXPECT_TRUE(Contains(AllText(plan), "*30.* 30 sss"));
  std::string history;
  for (int n = 0; n < 30; ++n) {
    history += "• Plan version " + std::to_string(n) +
               " (`01234567`), superseded, rule any one "
               "of @cab\n    " +
               std::string(400, 'r') + "\n";
  }
  const BlockMessage record = ChangeRecordMessage(details, history);
  ExpectWithinSlackLimits(record);
  EXPECT_TRUE(Contains(AllText(record), "*30.* 30 sss"));
}

TEST(PlanLayout, ChangeShowNamesApproversAndSaysApprovalOnce) {
  const lifecycle::ChangeDetails details = FullChange();
  const std::string record = AllText(ChangeRecordMessage(details, "• Plan version 31, approved"));
  EXPECT_TRUE(Contains(record, "Approved by <@UKOFI>"));
  EXPECT_FALSE(Contains(record, "&lt;@UKOFI&gt;"));
  std::size_t headings = 0;
  for (std::size_t at = record.find("*Approval*"); at != std::string::npos;
       at = record.find("*Approval*", at + 1)) {
    ++headings;
  }
  EXPECT_EQ(headings, 1u);
  const std::string plan = AllText(WorkPlanMessage(details));
  EXPECT_TRUE(Contains(plan, "_Approved by <@UKOFI> (any one of @cab)_"));
}

}  // namespace
}  // namespace swarmbot::handlers
