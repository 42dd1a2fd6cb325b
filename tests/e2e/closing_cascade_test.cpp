// Steps 9 and 11 to 14 of the Take-Out scenario together through the real
// binary (issue #5): Dev opens the problem in the swarm channel, plans an
// emergency change that fixes it, others verify each step, the CAB approves
// by buttons, and closing the change closes the problem, the incident and
// every linked case, each with a resolution note.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/e2e/e2e_fixture.hpp"

namespace swarmbot::e2e {
namespace {

class ClosingCascade : public EndToEnd {
 protected:
  // Restarts swarmbot with a #cab channel and @cab approving emergencies, 2 of 3.
  void SetUp() override {
    EndToEnd::SetUp();
    const demo::TakeOut& p = people();
    cab_channel_ = slack().AddChannel("cab", {p.kofi, p.ana, p.luis, slack().BotUserId()});
    stack_->StopSwarmbot();
    stack_->SetExtraConfig(demo::TakeOutRoutingToml() + "\n[cab]\nchannel = \"" +
                           cab_channel_.str() + "\"\n[cab.policies.emergency]\ngroups = [\"" +
                           p.cab.str() + "\"]\nrule = \"n_of_m\"\nn = 2\ndeadline_hours = 0\n");
    stack_->StartSwarmbot();
  }

  static bool Has(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
  }

  // Starts INC-1's swarm with Dev and Ines; returns its channel once both are in.
  // Dev and Ines are responders on the people list: in the swarm, they may
  // open the problem and the change that close INC-1.
  ChannelId StartSwarm() {
    const demo::TakeOut& p = people();
    scenario_->ImportPeople();
    Type(p.mara, p.incidents, "/swarm",
         "start INC-1 <@" + p.dev.str() + "|dev> <@" + p.ines.str() + "|ines>");
    const ChannelId channel =
        SwarmChannelWith({p.dev, p.ines}, "the swarm channel with Dev and Ines");
    // Members tie the problem and the change to INC-1 once swarmbot knows them.
    for (const UserId& member : {p.dev, p.ines}) {
      EXPECT_TRUE(LogSays("event=swarm.member_joined incident=INC-1 user=" + member.str()));
    }
    return channel;
  }

  // The approval request for CHG-1 in #cab, once posted.
  std::optional<emulator::MessageSnapshot> Request() {
    return MessageMentioning(slack(), cab_channel_, "CHG-1");
  }

  bool RequestShows(std::string_view text) {
    const auto message = Request();
    return message && Has(message->blocks_json, text);
  }

  bool Told(const UserId& user, std::string_view text) {
    return EphemeralSays(slack(), user, text);
  }

  void Vote(const UserId& user) {
    const auto request = Request();
    ASSERT_TRUE(request);
    ASSERT_TRUE(slack().ClickButton(user, cab_channel_, request->ts, "cab.approve"));
  }

  // What Mara sees when she types `/<command> <text>`: the blocks of the answer.
  std::string Shown(const std::string& command, const std::string& text) {
    Type(people().mara, people().incidents, command, text);
    const auto shown = slack().Ephemerals(people().mara);
    return shown.empty() ? "" : shown.back().blocks_json;
  }

  ChannelId cab_channel_;
};

TEST_F(ClosingCascade, AnApprovedEmergencyChangeClosesTheProblemTheIncidentAndItsCases) {
  const demo::TakeOut& p = people();
  const std::string catalogue = std::string(SWARMBOT_SOURCE_DIR) + "/samples/assets.toml";
  ASSERT_EQ(stack_->RunSwarmbotCommand({"import", "assets", catalogue}).status, 0);
  scenario_->CasesArrive();
  const std::vector<std::string> feast = scenario_->Feast25CaseNumbers();
  ASSERT_GE(feast.size(), 2u);
  ASSERT_EQ(DeclareFeast25(), "INC-1");
  std::string cases;
  for (const std::string& number : feast) {
    cases += " " + number;
  }
  const std::string linked = Type(p.mara, p.incidents, "/incident", "link INC-1" + cases);
  ASSERT_TRUE(Has(linked, "Linked " + std::to_string(feast.size()))) << linked;
  const ChannelId swarm = StartSwarm();
  ASSERT_FALSE(swarm.empty());

  // Step 9: the problem, its cause and its assets.
  EXPECT_TRUE(Has(Type(p.dev, swarm, "/problem", "new"), "PRB-1 opened and linked to INC-1"));
  EXPECT_EQ(Type(p.dev, swarm, "/problem", "cause The FEAST25 rule's end date was wrong"),
            "Root-cause note added to PRB-1.");
  EXPECT_EQ(Type(p.dev, swarm, "/problem", "asset checkout-service pricing-service"),
            "Impacted assets added to PRB-1: checkout-service, pricing-service.");

  // Step 11: the emergency change that fixes the problem, and its plan.
  ASSERT_EQ(OpenChangeForm(slack(), *scenario_, p.dev, swarm, "new PRB-1",
                           {{"change_title", {"Restore FEAST25 validation"}},
                            {"change_type", {"emergency"}},
                            {"change_risk", {"high"}}}),
            "");
  // The change fixes the problem, not the incident; its news still reaches the swarm.
  EXPECT_TRUE(Eventually("the change announced in the swarm channel", [&] {
    const auto news = MessageMentioning(slack(), swarm, "CHG-1 (emergency) opened");
    return news && Has(news->text + news->blocks_json, "fixes PRB-1");
  }));
  for (const char* step : {"Fix the rule's end date", "Deploy validator 2.4.1", "Try FEAST25"}) {
    EXPECT_TRUE(
        Has(Type(p.dev, swarm, "/change", std::string("step add CHG-1 ") + step), "Added step"));
  }
  for (const char* n : {"1", "2", "3"}) {
    EXPECT_TRUE(Has(Type(p.dev, swarm, "/change", std::string("done CHG-1 ") + n), "is done"));
  }
  EXPECT_EQ(Type(p.dev, swarm, "/change", "verify CHG-1 1"),
            "Step 1 of CHG-1 must be verified by someone other than whoever did it.");
  EXPECT_TRUE(Has(Type(p.dev, swarm, "/change", "submit CHG-1"), "can't be submitted yet"));
  EXPECT_FALSE(Request());
  for (const char* n : {"1", "2", "3"}) {
    EXPECT_EQ(Type(p.ines, swarm, "/change", std::string("verify CHG-1 ") + n),
              std::string("Step ") + n + " of CHG-1 is verified.");
  }

  // Steps 12 and 13: submitted, and the CAB decides by buttons.
  EXPECT_EQ(Type(p.dev, swarm, "/change", "submit CHG-1"),
            "CHG-1 was submitted for approval (plan version 4).");
  ASSERT_TRUE(Eventually("the request in #cab", [&] { return RequestShows("0 of 2 needed"); }));
  EXPECT_TRUE(RequestShows("Deploy validator 2.4.1"));
  Vote(p.ravi);
  EXPECT_TRUE(Eventually("Ravi refused",
                         [&] { return Told(p.ravi, "Only members of @cab can vote on CHG-1"); }));
  Vote(p.kofi);
  EXPECT_TRUE(Eventually("the tally grows", [&] { return RequestShows("1 of 2 needed"); }));
  Vote(p.kofi);
  EXPECT_TRUE(Eventually("Kofi's second click answered",
                         [&] { return Told(p.kofi, "You already approved CHG-1"); }));
  Vote(p.ana);
  EXPECT_TRUE(Eventually("the outcome", [&] { return RequestShows("Approved: CHG-1"); }));
  EXPECT_FALSE(Has(Request()->blocks_json, "cab.approve"));
  EXPECT_FALSE(Has(Request()->blocks_json, p.ravi.str()));

  // Step 14: closing the change closes everything it fixes.
  const std::string closed = Type(p.dev, swarm, "/change", "close CHG-1 Validation restored");
  EXPECT_TRUE(Has(closed, "Closed CHG-1; problems closed: PRB-1; incidents closed: INC-1; " +
                              std::to_string(feast.size()) + " cases closed."))
      << closed;
  const std::string problem = Shown("/problem", "show PRB-1");
  EXPECT_TRUE(Has(problem, "Resolution")) << problem;
  EXPECT_TRUE(Has(problem, "Validation restored")) << problem;
  const std::string incident = Shown("/incident", "status INC-1");
  EXPECT_TRUE(Has(incident, "Closed: Validation restored")) << incident;
  for (const std::string& number : feast) {
    const std::string shown = Shown("/case", "show " + number);
    EXPECT_TRUE(Has(shown, R"(*Status*\nclosed)")) << shown;
    EXPECT_TRUE(Has(shown, R"(*Resolution*\nValidation restored)")) << shown;
  }
}

}  // namespace
}  // namespace swarmbot::e2e
