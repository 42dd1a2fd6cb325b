// Step 2 of the Take-Out scenario through the real binary and the emulator:
// the FEAST25 cases raise one spike alert in the managers' channel that grows
// as they arrive, the unrelated cases stay out, and `--cluster` links them.

#include <algorithm>

#include "demo/takeout.hpp"
#include "tests/e2e/e2e_fixture.hpp"
#include "tests/lifecycle/spike_wordings.hpp"

namespace swarmbot::e2e {
namespace {

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Check 19's FEAST25 cases came 12 by e-mail, 10 by chat, 8 by messaging and
// 6 by phone.
std::string FeastChannel(std::size_t i) {
  if (i < 12) {
    return "email";
  }
  if (i < 22) {
    return "chat";
  }
  return i < 30 ? "messaging" : "phone";
}

class SpikeEndToEnd : public EndToEnd {
 protected:
  // swarmbot's spike alerts in the managers' channel, oldest first.
  std::vector<emulator::MessageSnapshot> Alerts() {
    std::vector<emulator::MessageSnapshot> alerts;
    if (const auto channel = slack().Channel(people().incidents)) {
      std::copy_if(channel->messages.begin(), channel->messages.end(), std::back_inserter(alerts),
                   [](const auto& m) { return Contains(m.text, "SPIKE-"); });
    }
    return alerts;
  }

  bool OneAlertWith(const std::string& part) {
    const auto alerts = Alerts();
    return alerts.size() == 1 && Contains(alerts[0].blocks_json, part);
  }

  bool EphemeralFor(const UserId& user, const std::string& part) {
    const auto shown = slack().Ephemerals(user);
    return std::any_of(shown.begin(), shown.end(),
                       [&](const auto& e) { return Contains(e.text, part); });
  }
};

TEST_F(SpikeEndToEnd, TakeOutCasesRaiseOneAlertThatGrowsAndLinksByCluster) {
  ASSERT_EQ(scenario_->CasesArrive().size(), 46u);

  // 36 of the 46: the ten unrelated cases are not counted.
  ASSERT_TRUE(Eventually("one alert counting the 36 FEAST25 cases",
                         [&] { return OneAlertWith("36 similar cases"); }));
  const emulator::MessageSnapshot alert = Alerts().front();
  EXPECT_TRUE(alert.edited) << "later cases update the alert instead of posting anew";
  EXPECT_TRUE(Contains(alert.blocks_json, "email 12, chat 10, messaging 8, phone 6"))
      << alert.blocks_json;
  EXPECT_TRUE(Contains(alert.blocks_json, "North 24, East 12")) << alert.blocks_json;
  EXPECT_TRUE(Contains(alert.blocks_json, "FEAST25"));
  for (const auto& spec : scenario_->cases()) {
    if (!spec.about_feast25) {
      EXPECT_FALSE(Contains(alert.blocks_json, spec.subject)) << spec.subject;
    }
  }

  // Priya is in the channel but is no incident manager.
  ASSERT_TRUE(slack().ClickButton(people().priya, people().incidents, alert.ts, "spike.declare"));
  EXPECT_TRUE(Eventually("the refusal shown to Priya",
                         [&] { return EphemeralFor(people().priya, "Only incident managers"); }));

  const std::string incident = DeclareFeast25();
  ASSERT_EQ(incident, "INC-1");
  const std::string unbound =
      Type(people().mara, people().incidents, "/incident", "link INC-1 --cluster");
  EXPECT_TRUE(Contains(unbound, "SPIKE-1 (36 cases)")) << unbound;

  const std::string linked =
      Type(people().mara, people().incidents, "/incident", "link INC-1 --cluster SPIKE-1");
  EXPECT_TRUE(Contains(linked, "Linked 36 cases of SPIKE-1 to INC-1")) << linked;
  EXPECT_TRUE(Eventually("the alert showing the incident without its button", [&] {
    return OneAlertWith("Declared as *INC-1*") &&
           !Contains(Alerts().front().blocks_json, "spike.declare");
  }));
  const std::string status = Type(people().mara, people().incidents, "/incident", "status INC-1");
  EXPECT_TRUE(Contains(status, "36")) << status;
}

// Check 19 posted the FEAST25 cases in five subjects and three descriptions:
// the fifth subject grew a second spike of its own (29 + 7).
TEST_F(SpikeEndToEnd, EveryWordingOfTheFaultCountsInOneAlert) {
  using testing::wordings::kFeastDescriptions;
  using testing::wordings::kFeastSubjects;
  using testing::wordings::kOtherComplaints;
  const std::vector<UserId> reps{people().ravi, people().lena, people().tom};
  demo::CaseSpec spec;
  for (std::size_t i = 0; i < 36; ++i) {
    spec = {"Diner " + std::to_string(i),
            "diner" + std::to_string(i) + "@example.com",
            FeastChannel(i),
            i % 2 == 0 ? "North" : "East",
            kFeastSubjects[i % 5],
            kFeastDescriptions[i % 3],
            reps[i % 3]};
    ASSERT_EQ(stack_->PostCase(demo::CaseJson(spec)).status, 201);
  }
  for (std::size_t j = 0; j < kOtherComplaints.size(); ++j) {
    spec = {"Other " + std::to_string(j),
            "other" + std::to_string(j) + "@example.com",
            j % 2 == 0 ? "chat" : "web",
            "South",
            kOtherComplaints[j][0],
            kOtherComplaints[j][1],
            reps[j % 3]};
    ASSERT_EQ(stack_->PostCase(demo::CaseJson(spec)).status, 201);
  }

  ASSERT_TRUE(Eventually("one alert counting the 36 cases",
                         [&] { return OneAlertWith("36 similar cases"); }));
  for (const auto& [subject, description] : kOtherComplaints) {
    EXPECT_FALSE(Contains(Alerts().front().blocks_json, subject)) << subject;
  }
  ASSERT_EQ(DeclareFeast25(), "INC-1");
  const std::string linked =
      Type(people().mara, people().incidents, "/incident", "link INC-1 --cluster SPIKE-1");
  EXPECT_TRUE(Contains(linked, "Linked 36 cases of SPIKE-1 to INC-1")) << linked;
}

TEST_F(SpikeEndToEnd, DeclaringFromTheAlertOpensTheModalAndLinksTheSpikesCases) {
  scenario_->CasesArrive();
  ASSERT_TRUE(Eventually("the alert at 36 cases", [&] { return OneAlertWith("36 similar"); }));

  const std::string incident = scenario_->DeclareFromSpikeAlert(
      people().mara, people().incidents, {{"territories", {"North", "East"}}});
  ASSERT_EQ(incident, "INC-1");
  EXPECT_TRUE(Eventually("the alert showing the incident without its button", [&] {
    return OneAlertWith("Declared as *INC-1*") &&
           !Contains(Alerts().front().blocks_json, "spike.declare");
  }));
  // Mara isn't told to link what is linked already.
  EXPECT_TRUE(Eventually("Mara's direct message", [&] {
    const auto dm = slack().DirectMessage(people().mara);
    return dm && !dm->messages.empty() &&
           Contains(dm->messages.back().blocks_json, "36 cases are linked already");
  }));
  const std::string status = Type(people().mara, people().incidents, "/incident", "status INC-1");
  EXPECT_TRUE(Contains(status, "36 (email 12, chat 10, messaging 8, phone 6)")) << status;
  EXPECT_TRUE(Contains(status, "FEAST25")) << "the subject came from the spike: " << status;
  for (const auto& spec : scenario_->cases()) {
    if (!spec.about_feast25) {
      EXPECT_FALSE(Contains(status, spec.subject)) << spec.subject;
    }
  }
}

TEST_F(SpikeEndToEnd, ARestartNeitherForgetsTheSpikeNorAlertsAgain) {
  scenario_->CasesArrive();
  ASSERT_TRUE(Eventually("the alert at 36 cases", [&] { return OneAlertWith("36 similar"); }));

  EXPECT_EQ(stack_->StopSwarmbot(), 0);
  stack_->StartSwarmbot();
  demo::CaseSpec late = scenario_->cases().front();
  late.contact_email = "late@mail.example";
  ASSERT_EQ(stack_->PostCase(demo::CaseJson(late)).status, 201);

  EXPECT_TRUE(Eventually("the same alert at 37 cases", [&] { return OneAlertWith("37 similar"); }));
}

}  // namespace
}  // namespace swarmbot::e2e
