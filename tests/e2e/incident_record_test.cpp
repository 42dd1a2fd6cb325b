// The incident record end to end (issue #3): the declare modal, its inline
// errors, double submissions, the role check, and guarded state moves.
#include <algorithm>
#include <chrono>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "tests/e2e/e2e_fixture.hpp"

namespace swarmbot::e2e {
namespace {

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

class IncidentRecord : public EndToEnd {
 protected:
  std::optional<emulator::ChannelSnapshot> SwarmChannel() {
    for (auto& channel : slack().Channels()) {
      if (channel.name.starts_with("inc-1-")) {
        return channel;
      }
    }
    return std::nullopt;
  }

  std::string Status(const std::string& incident) {
    Type(people().mara, people().incidents, "/incident", "status " + incident);
    const auto shown = slack().Ephemerals(people().mara);
    return shown.empty() ? "" : shown.back().text + shown.back().blocks_json;
  }
};

TEST_F(IncidentRecord, DeclaresThroughTheModalAndTellsTheDeclarerTheNumber) {
  ASSERT_EQ(DeclareFeast25(), "INC-1");
  EXPECT_EQ(slack().CallCount("views.open"), 1);
  const auto dm = slack().DirectMessage(people().mara);
  ASSERT_TRUE(dm);
  EXPECT_TRUE(Contains(dm->messages.back().text,
                       "INC-1 declared · P1 · FEAST25 discount code fails at checkout"));
  EXPECT_TRUE(Contains(dm->messages.back().blocks_json, "to link cases"));
  EXPECT_TRUE(Eventually("the announcement with the territories", [&] {
    const auto channel = slack().Channel(people().incidents);
    // Routing may post its own notice there too: look at every message.
    return channel &&
           std::any_of(channel->messages.begin(), channel->messages.end(),
                       [](const auto& m) { return Contains(m.blocks_json, "North, East"); });
  }));
  const std::string status = Status("INC-1");
  EXPECT_TRUE(Contains(status, "P1 (impact high, urgency high)")) << status;
  EXPECT_TRUE(Contains(status, "Customers get an error when applying FEAST25")) << status;
}

TEST_F(IncidentRecord, AnEmptySubjectGetsAnInlineErrorAndDeclaresNothing) {
  const std::string ack =
      scenario_->Declare(people().mara, people().incidents, "", {{"subject", {""}}});
  EXPECT_TRUE(Contains(ack, "\"response_action\":\"errors\"")) << ack;
  const std::string view_id = scenario_->LastDeclareModal(people().mara);
  ASSERT_FALSE(view_id.empty()) << "the modal stays open";
  EXPECT_TRUE(Contains(slack().View(view_id)->errors_json, "Subject is required"));
  EXPECT_TRUE(Contains(Status("INC-1"), "INC-1 doesn't exist"));

  // Fixing the field in the same modal declares.
  const auto fixed =
      slack().FillAndSubmitView(people().mara, view_id, {{"subject", {"FEAST25 fails"}}});
  ASSERT_TRUE(fixed) << fixed.error().detail;
  EXPECT_EQ(*fixed, "");
  EXPECT_TRUE(Contains(Status("INC-1"), "FEAST25 fails"));
}

TEST_F(IncidentRecord, AFormThatCannotOpenInTimeIsExplainedAndChangesNothing) {
  // Slack takes longer than the trigger's 3 s life to reach views.open.
  slack().FailNext("views.open", 1, emulator::Fault::Delay(std::chrono::milliseconds(3500)));
  EXPECT_EQ(Type(people().mara, people().incidents, "/incident", "declare Checkout is down"), "");
  EXPECT_TRUE(Eventually("Mara told that the form didn't open", [&] {
    const auto shown = slack().Ephemerals(people().mara);
    return std::any_of(shown.begin(), shown.end(), [](const auto& e) {
      return Contains(e.text, "The form didn't open (Slack answered `expired_trigger_id`)");
    });
  }));
  EXPECT_EQ(scenario_->LastDeclareModal(people().mara), "");
  EXPECT_TRUE(Contains(Status("INC-1"), "INC-1 doesn't exist"));
}

TEST_F(IncidentRecord, AFormSlackNeverAnswersForIsGivenUpOnSoonAndExplained) {
  // views.open gets no answer at all: swarmbot stops waiting within the
  // trigger's life and says so, instead of waiting 15 s and retrying later
  // with a dead trigger.
  slack().FailNext("views.open", 1, emulator::Fault::Hold());
  const auto typed = std::chrono::steady_clock::now();
  EXPECT_EQ(Type(people().mara, people().incidents, "/incident", "declare Checkout is down"), "");
  EXPECT_TRUE(Eventually("Mara told that the form didn't open", [&] {
    return EphemeralSays(slack(), people().mara,
                         "The form didn't open (Slack didn't answer in time), so nothing was "
                         "changed. Please run the command or click the button again.");
  }));
  EXPECT_LT(std::chrono::steady_clock::now() - typed, std::chrono::seconds(10));
  slack().ReleaseHeld(/*drop_connection=*/true);
  EXPECT_EQ(slack().CallCount("views.open"), 1);
  EXPECT_EQ(scenario_->LastDeclareModal(people().mara), "");
}

TEST_F(IncidentRecord, SomeoneWithoutTheRoleGetsARefusalAndNoModal) {
  const std::string reply =
      Type(people().ravi, people().support, "/incident", "declare Checkout is down");
  EXPECT_EQ(reply, "Only incident managers can declare incidents. Ask an incident manager in <#" +
                       people().incidents.str() + ">.");
  EXPECT_EQ(scenario_->LastDeclareModal(people().ravi), "");
  EXPECT_EQ(slack().CallCount("views.open"), 0);
}

TEST_F(IncidentRecord, ASecondSubmissionOfTheSameModalDeclaresOnce) {
  ASSERT_EQ(DeclareFeast25(), "INC-1");
  std::string view_id;
  for (const auto& view : slack().Views(people().mara)) {
    view_id = view.id;
  }
  const auto again = slack().ResubmitView(people().mara, view_id);
  ASSERT_TRUE(again) << again.error().detail;
  EXPECT_TRUE(Contains(*again, "This form was submitted already: it declared INC-1.")) << *again;
  EXPECT_TRUE(Contains(Status("INC-2"), "INC-2 doesn't exist"));
}

TEST_F(IncidentRecord, StateMovesAreGuardedAndTheSwarmTopicFollows) {
  ASSERT_EQ(DeclareFeast25(), "INC-1");
  const UserId mara = people().mara;
  EXPECT_EQ(Type(mara, people().incidents, "/incident", "triage INC-1"), "INC-1 is triaged now.");
  Type(mara, people().incidents, "/swarm", "start INC-1");
  EXPECT_TRUE(Eventually("the swarm channel in progress", [&] {
    const auto channel = SwarmChannel();
    return channel && Contains(channel->topic, "· in progress ·");
  }));
  EXPECT_EQ(Type(mara, people().incidents, "/incident", "resolve INC-1 code validation fixed"),
            "INC-1 is resolved now.");
  EXPECT_TRUE(Eventually("the topic to say resolved", [&] {
    const auto channel = SwarmChannel();
    return channel && Contains(channel->topic, "INC-1 · P1 · resolved ·");
  }));
  EXPECT_EQ(Type(mara, people().incidents, "/incident", "resolve INC-1"),
            "INC-1 is resolved; `resolve` works from triaged or in progress.");
  EXPECT_EQ(Type(people().ravi, people().support, "/incident", "reopen INC-1"),
            "Only incident managers and the incident's owner can change its state. Ask an "
            "incident manager in <#" +
                people().incidents.str() + ">.");
  // Check9 #13: the reply names the swarm channel, and the channel hears why.
  const auto swarm = SwarmChannel();
  ASSERT_TRUE(swarm);
  EXPECT_EQ(Type(mara, people().incidents, "/incident", "reopen INC-1 customers still see it"),
            "INC-1 is in progress now; the swarm carries on in <#" + swarm->id.str() + ">.");
  EXPECT_TRUE(Eventually("the reopening said in the swarm channel", [&] {
    return MessageMentioning(slack(), swarm->id,
                             "INC-1 was reopened by <@" + mara.str() + ">: customers still see it")
        .has_value();
  }));
}

}  // namespace
}  // namespace swarmbot::e2e
