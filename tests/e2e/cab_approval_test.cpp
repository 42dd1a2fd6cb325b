// CAB approval over the wire: swarmbot runs as a real process against the
// emulator; Dev opens an emergency change with /change, plans and does its
// step, Mara (an incident manager: there is no swarm) verifies it, Dev
// submits it, and CAB members click the request's buttons in Slack.

#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "demo/scenario.hpp"
#include "demo/stack.hpp"
#include "tests/e2e/e2e_fixture.hpp"
#include "tests/support/testing.hpp"

namespace swarmbot::e2e {
namespace {

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

class CabApproval : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_ = std::make_unique<demo::Stack>(demo::Stack::Options{
        .swarmbot_binary = testing::SwarmbotBinary(),
        .work_dir = dir_.path(),
        .log_level = "debug",
    });
    scenario_ = std::make_unique<demo::Scenario>(*stack_, [](const std::string&) {});
    const demo::TakeOut& p = people();
    cab_channel_ = slack().AddChannel("cab", {p.kofi, p.ana, p.luis, slack().BotUserId()});
    stack_->SetExtraConfig("[cab]\nchannel = \"" + cab_channel_.str() +
                           "\"\n[cab.policies.emergency]\ngroups = [\"" + p.cab.str() +
                           "\"]\nrule = \"n_of_m\"\nn = 2\ndeadline_hours = 0\n");
    stack_->StartSwarmbot();
  }

  emulator::Emulator& slack() { return stack_->slack(); }
  const demo::TakeOut& people() const { return scenario_->people(); }

  ::testing::AssertionResult Eventually(const std::string& what,
                                        const std::function<bool()>& predicate) {
    if (slack().WaitFor(predicate, testing::kTestTimeout)) {
      return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << "timed out waiting for: " << what;
  }

  // Dev's emergency CHG-1 with one step he did and Mara verified, submitted
  // through the real commands (unless told not to): the request comes from
  // the submit hook.
  void Submit(bool submit = true) {
    const demo::TakeOut& p = people();
    const ChannelId& here = p.incidents;
    ASSERT_EQ(OpenChangeForm(slack(), *scenario_, p.dev, here, "new",
                             {{"change_title", {"Restore FEAST25 validation"}},
                              {"change_type", {"emergency"}},
                              {"change_risk", {"high"}}}),
              "");
    ASSERT_EQ(scenario_->Type(p.dev, here, "/change", "step add CHG-1 Deploy validator 2.4.1"),
              "Added step 1 to CHG-1.");
    ASSERT_TRUE(Contains(scenario_->Type(p.dev, here, "/change", "done CHG-1 1"), "is done"));
    ASSERT_EQ(scenario_->Type(p.mara, here, "/change", "verify CHG-1 1"),
              "Step 1 of CHG-1 is verified.");
    if (submit) {
      ASSERT_EQ(scenario_->Type(p.dev, here, "/change", "submit CHG-1"),
                "CHG-1 was submitted for approval (plan version 2).");
    }
  }

  // How many messages in #cab are about CHG-1.
  int RequestsPosted() {
    int posted = 0;
    const auto channel = slack().Channel(cab_channel_);
    for (const auto& message : channel->messages) {
      posted += Contains(message.blocks_json, "CHG-1") ? 1 : 0;
    }
    return posted;
  }

  // The request message in the CAB channel, once posted.
  std::optional<emulator::MessageSnapshot> Request() {
    return MessageMentioning(slack(), cab_channel_, "CHG-1");
  }

  bool RequestShows(std::string_view text) {
    const auto message = Request();
    return message && Contains(message->blocks_json, text);
  }

  // swarmbot's log says `part` within the test timeout; the log is no part
  // of the workspace, so it is read again every 50 ms.
  bool LogSays(const std::string& part) {
    const auto deadline = std::chrono::steady_clock::now() + testing::kTestTimeout;
    while (std::chrono::steady_clock::now() < deadline) {
      const auto said = [&] {
        return testing::ReadFile(stack_->LogFile()).find(part) != std::string::npos;
      };
      if (slack().WaitFor(said, std::chrono::milliseconds(50))) {
        return true;
      }
    }
    return false;
  }

  bool Told(const UserId& user, std::string_view text) {
    return EphemeralSays(slack(), user, text);
  }

  void Click(const UserId& user, const std::string& action) {
    ASSERT_TRUE(slack().ClickButton(user, cab_channel_, Request()->ts, action));
  }

  testing::TempDir dir_;
  std::unique_ptr<demo::Stack> stack_;
  std::unique_ptr<demo::Scenario> scenario_;
  ChannelId cab_channel_;
};

TEST_F(CabApproval, MembersApproveByButtonsAndTheOutcomeReplacesThem) {
  Submit();
  ASSERT_TRUE(Eventually("the request in #cab", [&] { return RequestShows("0 of 2 needed"); }));
  EXPECT_TRUE(RequestShows("2 of @cab"));
  EXPECT_TRUE(RequestShows("Deploy validator 2.4.1"));

  Click(people().ravi, "cab.approve");
  EXPECT_TRUE(Eventually("Ravi refused", [&] {
    return Told(
        people().ravi,
        "Only members of @cab can vote on CHG-1 (2 approvals needed); nothing was counted.");
  }));

  Click(people().kofi, "cab.approve");
  EXPECT_TRUE(Eventually("Kofi's vote counted", [&] {
    return Told(people().kofi, "You approved CHG-1 · 1 of 2 needed");
  }));
  EXPECT_TRUE(Eventually("the tally grows", [&] { return RequestShows("1 of 2 needed"); }));
  Click(people().kofi, "cab.approve");
  EXPECT_TRUE(Eventually("Kofi's second click answered",
                         [&] { return Told(people().kofi, "You already approved CHG-1"); }));

  Click(people().ana, "cab.approve");
  EXPECT_TRUE(Eventually("the outcome", [&] { return RequestShows("Approved: CHG-1"); }));
  EXPECT_FALSE(Contains(Request()->blocks_json, "cab.approve"));
  EXPECT_TRUE(Request()->edited);
}

TEST_F(CabApproval, RejectAsksForAReasonInAModal) {
  Submit();
  ASSERT_TRUE(Eventually("the request in #cab", [&] { return RequestShows("0 of 2 needed"); }));
  Click(people().luis, "cab.reject");
  std::string view_id;
  ASSERT_TRUE(Eventually("the reason form", [&] {
    for (const auto& view : slack().Views(people().luis)) {
      if (view.open && view.callback_id == "cab.reject_reason") {
        view_id = view.id;
      }
    }
    return !view_id.empty();
  }));
  auto empty = slack().FillAndSubmitView(people().luis, view_id, {{"reason", {""}}});
  ASSERT_TRUE(empty);
  EXPECT_TRUE(Contains(*empty, "Say why you reject it"));
  // A reason is shown as typed, and never pages anyone.
  auto submitted = slack().FillAndSubmitView(people().luis, view_id,
                                             {{"reason", {"No rollback step <!channel>"}}});
  ASSERT_TRUE(submitted);
  EXPECT_EQ(*submitted, "");
  EXPECT_TRUE(Eventually("the rejection", [&] {
    return RequestShows("Rejected: CHG-1") && RequestShows("No rollback step &lt;!channel&gt;");
  }));
  EXPECT_FALSE(Contains(Request()->blocks_json, "cab.reject"));
  // Notifications read the message's text: it tells the outcome, not a stale tally.
  EXPECT_TRUE(Contains(Request()->text, "Rejected by <@" + people().luis.str() + ">"))
      << Request()->text;
  EXPECT_FALSE(Contains(Request()->text, "No approvals yet")) << Request()->text;
}

// Check 21: a reason holding a mention was escaped in #cab but pinged from
// the plan message and the news, and `/change submit` escaped only its first
// '<'. Every place that quotes it shows it as typed, escaped once.
TEST_F(CabApproval, ARejectionsReasonPingsNobodyWhereverItIsQuoted) {
  Submit();
  const demo::TakeOut& p = people();
  ASSERT_TRUE(Eventually("the request in #cab", [&] { return RequestShows("0 of 2 needed"); }));
  Click(p.luis, "cab.reject");
  std::string view_id;
  ASSERT_TRUE(Eventually("the reason form", [&] {
    for (const auto& view : slack().Views(p.luis)) {
      if (view.open && view.callback_id == "cab.reject_reason") {
        view_id = view.id;
      }
    }
    return !view_id.empty();
  }));
  // Ravi has no part in CHG-1: nothing else mentions him.
  const std::string live = "<@" + p.ravi.str() + ">";
  auto submitted = slack().FillAndSubmitView(p.luis, view_id,
                                             {{"reason", {"No rollback <!channel> & " + live}}});
  ASSERT_TRUE(submitted);
  ASSERT_EQ(*submitted, "");
  ASSERT_TRUE(Eventually("the rejection in #cab", [&] {
    return RequestShows("No rollback &lt;!channel&gt; &amp; &lt;@" + p.ravi.str() + "&gt;");
  })) << Request()->blocks_json;

  // The plan message, where the change was opened.
  ASSERT_TRUE(Eventually("the plan says it was rejected", [&] {
    const auto plan = MessageMentioning(slack(), p.incidents, "Work plan · CHG-1");
    return plan && Contains(plan->blocks_json, "No rollback");
  }));
  const auto plan = MessageMentioning(slack(), p.incidents, "Work plan · CHG-1");
  EXPECT_FALSE(Contains(plan->blocks_json, live)) << plan->blocks_json;
  EXPECT_FALSE(Contains(plan->blocks_json, "<!channel>")) << plan->blocks_json;
  EXPECT_TRUE(Contains(plan->blocks_json, "&amp; &lt;")) << plan->blocks_json;
  EXPECT_TRUE(Contains(plan->blocks_json, "Rejected by <@" + p.luis.str() + ">"))
      << plan->blocks_json;

  // The change's history, rendered as the news in a swarm channel is.
  const std::string shown = scenario_->Type(p.dev, p.incidents, "/change", "show CHG-1");
  EXPECT_FALSE(Contains(shown, live)) << shown;
  EXPECT_TRUE(Contains(shown, "No rollback &lt;")) << shown;

  const std::string again = scenario_->Type(p.dev, p.incidents, "/change", "submit CHG-1");
  EXPECT_TRUE(Contains(again, "rejected by <@" + p.luis.str() + ">")) << again;
  EXPECT_FALSE(Contains(again, live)) << again;
  EXPECT_FALSE(Contains(again, "<!channel>")) << again;
  EXPECT_TRUE(Contains(again, "No rollback &lt;")) << again;
  EXPECT_TRUE(Contains(again, "!channel&gt; &amp; &lt;")) << again;
}

// Check 21: a form's inline errors are plain text in Slack, and showed a
// mention's markup (<@U…>) as typed. They name people in words instead.
TEST_F(CabApproval, AReasonFormsErrorNamesPeopleInPlainWords) {
  Submit();
  const demo::TakeOut& p = people();
  ASSERT_TRUE(Eventually("the request in #cab", [&] { return RequestShows("0 of 2 needed"); }));
  const auto form_of = [&](const UserId& who) {
    std::string id;
    EXPECT_TRUE(Eventually("the reason form", [&] {
      for (const auto& view : slack().Views(who)) {
        if (view.open && view.callback_id == "cab.reject_reason") {
          id = view.id;
        }
      }
      return !id.empty();
    }));
    return id;
  };
  Click(p.luis, "cab.reject");
  const std::string luis_form = form_of(p.luis);
  Click(p.ana, "cab.reject");
  const std::string ana_form = form_of(p.ana);
  ASSERT_FALSE(luis_form.empty() || ana_form.empty());
  auto first = slack().FillAndSubmitView(p.luis, luis_form, {{"reason", {"No rollback & <x>"}}});
  ASSERT_TRUE(first);
  ASSERT_EQ(*first, "");
  auto late = slack().FillAndSubmitView(p.ana, ana_form, {{"reason", {"Too risky"}}});
  ASSERT_TRUE(late);
  EXPECT_TRUE(Contains(*late, "\"errors\"")) << *late;
  EXPECT_TRUE(Contains(*late, "Rejected by user " + p.luis.str() + ": No rollback & <x>")) << *late;
  EXPECT_FALSE(Contains(*late, "<@")) << *late;
  EXPECT_FALSE(Contains(*late, "&amp;")) << *late;
}

TEST_F(CabApproval, VotesWhileALostPostIsRetriedStillReplaceTheButtonsWithTheOutcome) {
  Submit(/*submit=*/false);
  const demo::TakeOut& p = people();
  // Slack posts the request but its answer is lost: swarmbot doesn't know the
  // message's ts, and retries the post a second or more later.
  slack().FailNext("chat.postMessage", 1, emulator::Fault::PerformThenDrop());
  ASSERT_EQ(scenario_->Type(p.dev, p.incidents, "/change", "submit CHG-1"),
            "CHG-1 was submitted for approval (plan version 2).");
  ASSERT_TRUE(Eventually("the request in #cab", [&] { return RequestShows("cab.approve"); }));
  // The CAB decides before the retry.
  Click(p.kofi, "cab.approve");
  Click(p.ana, "cab.approve");
  ASSERT_TRUE(
      Eventually("Ana's deciding vote", [&] { return Told(p.ana, "that decides it: approved"); }));
  EXPECT_TRUE(Eventually("the outcome instead of the buttons", [&] {
    return RequestShows("Approved: CHG-1") && !RequestShows("cab.approve");
  })) << Request()->blocks_json;
  EXPECT_EQ(RequestsPosted(), 1) << "the request was posted again";
}

TEST_F(CabApproval, AFullPlanOfLongStepsStillReachesTheCab) {
  const demo::TakeOut& p = people();
  ASSERT_EQ(OpenChangeForm(slack(), *scenario_, p.dev, p.incidents, "new",
                           {{"change_title", {"Big plan"}},
                            {"change_type", {"emergency"}},
                            {"change_risk", {"low"}}}),
            "");
  for (int n = 1; n <= 30; ++n) {
    ASSERT_EQ(scenario_->Type(p.dev, p.incidents, "/change",
                              "step add CHG-1 " + std::to_string(n) + " " + std::string(490, 's')),
              "Added step " + std::to_string(n) + " to CHG-1.");
  }
  EXPECT_EQ(scenario_->Type(p.dev, p.incidents, "/change", "step add CHG-1 one too many"),
            "A plan holds at most 30 steps.");
  for (int n = 1; n <= 30; ++n) {
    scenario_->Type(p.dev, p.incidents, "/change", "done CHG-1 " + std::to_string(n));
    scenario_->Type(p.mara, p.incidents, "/change", "verify CHG-1 " + std::to_string(n));
  }
  EXPECT_TRUE(Contains(scenario_->Type(p.dev, p.incidents, "/change", "submit CHG-1"),
                       "was submitted for approval"));
  ASSERT_TRUE(Eventually("the request in #cab", [&] { return RequestShows("cab.approve"); }));
  EXPECT_TRUE(RequestShows("30. 30 sss")) << "the last step isn't shown to the CAB";
  Click(p.kofi, "cab.approve");
  Click(p.ana, "cab.approve");
  EXPECT_TRUE(Eventually("the outcome", [&] { return RequestShows("Approved: CHG-1"); }));
  // `/change show` of the whole plan and its history fits in one reply too.
  scenario_->Type(p.dev, p.incidents, "/change", "show CHG-1");
  const auto shown = slack().Ephemerals(p.dev);
  ASSERT_FALSE(shown.empty());
  EXPECT_TRUE(Contains(shown.back().blocks_json, "*30.* 30 sss")) << shown.back().text;
}

// Issue #4: a mandatory approver whose Slack account is deactivated can't
// vote, so the request could only wait; the CAB is told so when it is asked.
TEST_F(CabApproval, ARequestSaysAMandatoryApproverWithADeactivatedAccountCannotApprove) {
  const demo::TakeOut& p = people();
  stack_->StopSwarmbot();
  stack_->SetExtraConfig(
      "[cab]\nchannel = \"" + cab_channel_.str() + "\"\nescalation_channel = \"" +
      p.incidents.str() + "\"\n[cab.policies.emergency]\ngroups = [\"" + p.cab.str() +
      "\"]\nrule = \"any\"\nmandatory = [\"" + p.luis.str() + "\"]\ndeadline_hours = 4\n");
  stack_->StartSwarmbot();
  slack().DeactivateUser(p.luis);
  ASSERT_TRUE(LogSays("event=routing.slack_account user=" + p.luis.str() + " deactivated=true"));

  Submit();
  const std::string warning = "<@" + p.luis.str() +
                              "> must approve CHG-1, but their Slack account is deactivated, so "
                              "it can't be approved: nobody approves in their place.";
  ASSERT_TRUE(Eventually("the request in #cab", [&] { return RequestShows("0 of 1 needed"); }));
  EXPECT_TRUE(RequestShows(warning)) << Request()->blocks_json;
  EXPECT_TRUE(RequestShows("Unless it is rejected, it is escalated at ")) << Request()->blocks_json;

  // Kofi's approval counts but can't decide it; the warning stays.
  Click(p.kofi, "cab.approve");
  EXPECT_TRUE(Eventually("the tally grows", [&] { return RequestShows("1 of 1 needed"); }));
  EXPECT_TRUE(RequestShows(warning));
  EXPECT_FALSE(RequestShows("Approved: CHG-1"));
  // Check 17 #8: the tally doesn't say it waits for someone who can't vote.
  EXPECT_TRUE(RequestShows("<@" + p.luis.str() + "> can't approve (Slack account deactivated)"))
      << Request()->blocks_json;
  EXPECT_FALSE(RequestShows("waiting for <@" + p.luis.str() + ">")) << Request()->blocks_json;
}

TEST_F(CabApproval, ARequestSlackRefusesIsToldToTheRequester) {
  stack_->StopSwarmbot();
  // The approval channel doesn't exist: Slack refuses the post for good.
  stack_->SetExtraConfig("[cab]\nchannel = \"C0NOWHERE1\"\n[cab.policies.emergency]\ngroups = [\"" +
                         people().cab.str() + "\"]\nrule = \"any\"\ndeadline_hours = 0\n");
  stack_->StartSwarmbot();
  Submit();
  EXPECT_TRUE(Eventually("Dev told in a direct message", [&] {
    const auto dm = slack().DirectMessage(people().dev);
    return dm && !dm->messages.empty() &&
           Contains(dm->messages.back().text,
                    "The approval request for CHG-1 couldn't be posted in <#C0NOWHERE1>: Slack "
                    "refused it (channel_not_found), so the CAB hasn't seen it.");
  }));
}

}  // namespace
}  // namespace swarmbot::e2e
