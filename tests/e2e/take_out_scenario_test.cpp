// The whole Take-Out scenario (shared/scenarios/take-out-discount-code.md)
// through the real binary, played with the same Scenario helpers as `make
// demo`, with every "Expect" of the scenario file checked at its step. The
// customer e-mail goes to a real SMTP server on loopback.
#include <algorithm>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

#include "demo/smtp_sink.hpp"
#include "demo/walkthrough.hpp"
#include "tests/e2e/e2e_fixture.hpp"

namespace swarmbot::e2e {
namespace {

bool Has(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

std::size_t Occurrences(std::string_view text, std::string_view part) {
  std::size_t count = 0;
  for (auto at = text.find(part); at != std::string_view::npos; at = text.find(part, at + 1)) {
    ++count;
  }
  return count;
}

class TakeOutScenario : public EndToEnd {
 protected:
  void SetUp() override {
    mail_ = std::make_unique<demo::SmtpSink>(dir_ / "mail");
    MakeStack();
    scenario_->PrepareLaterSteps(mail_->Url());
    stack_->StartSwarmbot();
  }

  const demo::TakeOut& p() const { return people(); }

  // What `who` reads in answer to `/<command> <text>` typed in #incident-managers.
  std::string Ask(const UserId& who, const std::string& command, const std::string& text) {
    return Type(who, p().incidents, command, text);
  }
  std::string CaseCard(const std::string& number) {
    return Ask(p().mara, "/case", "show " + number);
  }
  std::string IncidentCard() { return Ask(p().mara, "/incident", "status " + incident_); }

  bool DirectMessageSays(const UserId& user, std::string_view part) {
    const auto dm = slack().DirectMessage(user);
    return dm && std::any_of(dm->messages.begin(), dm->messages.end(), [&](const auto& m) {
             return Has(m.text, part) || Has(m.blocks_json, part);
           });
  }

  // The spike alert in #incident-managers: the message whose text names SPIKE-1.
  std::optional<emulator::MessageSnapshot> SpikeAlert() {
    const auto channel = slack().Channel(p().incidents);
    for (const auto& message : channel->messages) {
      if (Has(message.text, "SPIKE-1")) {
        return message;
      }
    }
    return std::nullopt;
  }

  std::vector<std::string> UnrelatedCaseNumbers() const {
    std::vector<std::string> numbers;
    const auto feast = scenario_->Feast25CaseNumbers();
    for (const std::string& number : all_cases_) {
      if (std::find(feast.begin(), feast.end(), number) == feast.end()) {
        numbers.push_back(number);
      }
    }
    return numbers;
  }

  // Omar owns three open incidents before the day starts, so he is at capacity.
  void BeforeTheDay() {
    scenario_->ImportPeople();
    scenario_->ImportAssets();
    for (const char* subject :
         {"Loyalty points missing", "Rewards balance shows zero", "Loyalty tier not updated"}) {
      const std::string number =
          scenario_->DeclareIncident(p().mara, p().incidents, std::string(subject) + " impact=low");
      ASSERT_TRUE(Eventually("Omar owns " + number,
                             [&] { return DirectMessageSays(p().omar, "You now own " + number); }));
    }
  }

  void Step1CasesArrive() {
    all_cases_ = scenario_->CasesArrive();
    ASSERT_EQ(all_cases_.size(), 46u);
    const std::string list = Ask(p().ravi, "/case", "list");
    EXPECT_TRUE(Has(list, "(new, open)")) << "step 1: /case list shows new and open cases\n"
                                          << list;
    EXPECT_TRUE(Has(list, "newest first")) << "step 1: newest first\n" << list;
    const auto newest = list.find("`" + all_cases_.back() + "` · new · phone");
    const auto next = list.find("`" + all_cases_[all_cases_.size() - 2] + "` · new · web");
    EXPECT_NE(newest, std::string::npos) << "step 1: each case with its channel\n" << list;
    EXPECT_LT(newest, next) << "step 1: the newest case comes first\n" << list;
  }

  void Step2Spike() {
    std::optional<emulator::MessageSnapshot> alert;
    ASSERT_TRUE(Eventually("the spike alert", [&] {
      alert = SpikeAlert();
      return alert && Has(alert->blocks_json, "36 similar cases");
    })) << "step 2: one alert counting the 36 FEAST25 cases";
    const std::string& blocks = alert->blocks_json;
    EXPECT_TRUE(Has(blocks, "email 12, chat 10, messaging 8, phone 6")) << "step 2: the channels\n"
                                                                        << blocks;
    EXPECT_TRUE(Has(blocks, "North 24, East 12")) << "step 2: the territories\n" << blocks;
    EXPECT_TRUE(Has(blocks, "FEAST25 code rejected at checkout")) << "step 2: sample subjects";
    EXPECT_TRUE(Has(blocks, "spike.declare")) << "step 2: a Declare incident button";
    for (const demo::CaseSpec& spec : scenario_->cases()) {
      if (!spec.about_feast25) {
        EXPECT_FALSE(Has(blocks, spec.subject))
            << "step 2: the unrelated case \"" << spec.subject << "\" is not in the cluster";
      }
    }
  }

  void Step3Declare() {
    const std::string refused =
        scenario_->Declare(p().mara, p().incidents, "", {{"subject", {""}}});
    EXPECT_TRUE(Has(refused, "\"subject\"") && Has(refused, "Subject is required"))
        << "step 3: an empty subject gets an inline error\n"
        << refused;
    EXPECT_FALSE(scenario_->LastDeclareModal(p().mara).empty())
        << "step 3: the form stays open after the error";
    incident_ =
        scenario_->DeclareFromSpikeAlert(p().mara, p().incidents,
                                         {{"subject", {"FEAST25 discount code fails at checkout"}},
                                          {"impact", {"high"}},
                                          {"urgency", {"high"}},
                                          {"territories", {"North", "East"}}});
    ASSERT_EQ(incident_, "INC-4") << "step 3: INC-n exists";
    const std::string card = IncidentCard();
    EXPECT_TRUE(Has(card, "INC-4 · FEAST25 discount code fails at checkout")) << card;
    EXPECT_TRUE(Has(card, "*Priority*\nP1 (impact high, urgency high)"))
        << "step 3: priority from impact × urgency\n"
        << card;
    EXPECT_TRUE(Has(card, "*Impacted territories*\nNorth, East")) << card;
  }

  void Step4LinkCases() {
    ASSERT_TRUE(Eventually("the alert showing INC-4", [&] {
      const auto alert = SpikeAlert();
      return alert && Has(alert->blocks_json, "Declared as *INC-4*");
    }));
    EXPECT_TRUE(Has(IncidentCard(), "*Linked cases*\n36 (email 12, chat 10, messaging 8, phone 6)"))
        << "step 4: 36 cases linked";
    for (const std::string& number : scenario_->Feast25CaseNumbers()) {
      const std::string card = CaseCard(number);
      EXPECT_TRUE(Has(card, "*Status*\nheld") && Has(card, "*Incident*\nheld by INC-4"))
          << "step 4: " << number << " is held by INC-4\n"
          << card;
    }
    for (const std::string& number : UnrelatedCaseNumbers()) {
      EXPECT_TRUE(Has(CaseCard(number), "*Incident*\nnone"))
          << "step 2: the unrelated " << number << " stays out of the cluster";
    }
    for (const UserId& rep : {p().ravi, p().lena, p().tom}) {
      const std::string queue = Type(rep, p().support, "/case", "mine");
      EXPECT_FALSE(Has(queue, "FEAST25")) << "step 4: gone from the reps' queues\n" << queue;
      EXPECT_TRUE(Has(queue, "· new ·")) << "step 4: the unrelated cases stay\n" << queue;
    }
  }

  void Step5Route() {
    ASSERT_TRUE(Eventually("Priya's direct message", [&] {
      return DirectMessageSays(p().priya, "You now own *INC-4*") &&
             DirectMessageSays(p().priya, "FEAST25 discount code fails at checkout");
    })) << "step 5: Priya gets a direct message with the incident summary";
    EXPECT_TRUE(Has(IncidentCard(), "*Owner*\n<@" + p().priya.str() + ">"))
        << "step 5: Priya owns it";
    EXPECT_FALSE(DirectMessageSays(p().omar, "INC-4")) << "step 5: not Omar (at capacity)";
    EXPECT_FALSE(DirectMessageSays(p().chen, "INC-4")) << "step 5: not Chen (wrong skill)";
  }

  void Step6TakeCases() {
    const std::string moved = Ask(p().priya, "/incident", "take-cases INC-4");
    EXPECT_TRUE(Has(moved, "Moved 36 cases of INC-4 to <@" + p().priya.str() + ">")) << moved;
    for (const std::string& number : scenario_->Feast25CaseNumbers()) {
      EXPECT_TRUE(Has(CaseCard(number), "*Owner*\n<@" + p().priya.str() + ">"))
          << "step 6: " << number << " is owned by Priya";
    }
    for (const UserId& rep : {p().ravi, p().lena, p().tom}) {
      EXPECT_TRUE(Eventually("the rep told",
                             [&] {
                               return DirectMessageSays(
                                   rep, "12 cases of yours moved to <@" + p().priya.str() + ">");
                             }))
          << "step 6: " << rep.str() << " is told which of their cases moved";
    }
  }

  void Step7Knowledge() {
    const auto kb = std::string(SWARMBOT_SOURCE_DIR) + "/samples/kb";
    ASSERT_EQ(stack_->RunSwarmbotCommand({"import", "kb", "--dir", kb}).status, 0);
    const std::string found = Ask(p().priya, "/kb", "INC-4 discount code checkout");
    EXPECT_TRUE(Has(found, "articles* for _discount code checkout_, best first"))
        << "step 7: matching articles ranked\n"
        << found;
    EXPECT_TRUE(Has(found, "…")) << "step 7: with snippets\n" << found;
    EXPECT_FALSE(Has(found, "FEAST25")) << "step 7: none offers a workaround for this code";
    EXPECT_TRUE(Has(IncidentCard(), "Searched the knowledge base for"))
        << "step 7: the search is on the incident's timeline";
  }

  void Step8Swarm() {
    ASSERT_FALSE(scenario_->ImportHistory().empty());
    Ask(p().priya, "/swarm", "start INC-4");
    ASSERT_TRUE(Eventually("the swarm channel with its pinned summary", [&] {
      for (const auto& channel : slack().Channels()) {
        if (channel.name.starts_with("inc-4-") && !channel.pins.empty()) {
          swarm_ = channel.id;
        }
      }
      return !swarm_.empty();
    })) << "step 8: a channel named from the incident, with a pinned summary";
    const auto channel = *slack().Channel(swarm_);
    EXPECT_EQ(channel.name, "inc-4-feast25-discount-code-fails-at-checkout") << "step 8";
    EXPECT_TRUE(Has(channel.topic, "INC-4 · P1 · in progress"))
        << "step 8: the topic shows number, priority and state: " << channel.topic;
    const auto* pinned = channel.FindMessage(channel.pins.front());
    ASSERT_NE(pinned, nullptr);
    EXPECT_TRUE(Has(pinned->blocks_json, "INC-4 · FEAST25 discount code fails at checkout"))
        << "step 8: the pinned summary";

    const auto experts = scenario_->AskExperts(p().priya, swarm_);
    const std::string& blocks = experts.blocks_json;
    const auto sofia = blocks.find("<@" + p().sofia.str() + ">");
    EXPECT_EQ(sofia, blocks.find("<@")) << "step 8: Sofia first\n" << blocks;
    EXPECT_TRUE(Has(blocks, "promotions level 5; resolved INC-12 and INC-31"))
        << "step 8: with reasons (skill and past incidents)\n"
        << blocks;
    // Proposes people (Sofia and at least one more), each with its button.
    const auto proposed = Occurrences(blocks, "<@");
    EXPECT_GE(proposed, 2u) << "step 8: people proposed\n" << blocks;
    for (std::size_t i = 1; i <= proposed; ++i) {
      EXPECT_TRUE(Has(blocks, "experts.invite." + std::to_string(i)))
          << "step 8: an Invite button each\n"
          << blocks;
    }
    scenario_->InviteExpert(p().priya, swarm_, experts, 1);
    scenario_->AcceptInvitation(p().sofia, swarm_);
    Type(p().priya, swarm_, "/swarm", "invite <!subteam^" + p().devops.str() + "|@devops>");
    EXPECT_TRUE(Eventually("Dev and Ines in the swarm", [&] {
      const auto now = slack().Channel(swarm_);
      return now->HasMember(p().dev) && now->HasMember(p().ines);
    })) << "step 8: Priya invites @devops, and Dev and Ines join";
  }

  void Step9Problem() {
    problem_ = scenario_->OpenProblem(p().dev, swarm_);
    EXPECT_EQ(problem_, "PRB-1");
    EXPECT_EQ(Type(p().dev, swarm_, "/problem", "cause The rule checks the minimum after the cut"),
              "Root-cause note added to PRB-1.");
    EXPECT_EQ(Type(p().dev, swarm_, "/problem", "asset checkout-service pricing-service"),
              "Impacted assets added to PRB-1: checkout-service, pricing-service.");
    const std::string card = Ask(p().mara, "/problem", "show PRB-1");
    EXPECT_TRUE(Has(card, "*Incidents*\nINC-4")) << "step 9: linked to the incident\n" << card;
    EXPECT_TRUE(Has(card, "The rule checks the minimum after the cut"))
        << "step 9: with root-cause notes\n"
        << card;
    EXPECT_TRUE(Has(card, "checkout-service") && Has(card, "pricing-service"))
        << "step 9: and impacted assets\n"
        << card;
    EXPECT_TRUE(Eventually("the link announced in the swarm channel", [&] {
      const auto news = scenario_->LatestMessageWith(swarm_, "linked to INC-4");
      return news && Has(news->blocks_json, "PRB-1");
    })) << "step 9: the link is announced in the channel";
  }

  void Step10Banner() {
    const std::string set = Type(p().priya, swarm_, "/banner",
                                 "set --audience signed-in FEAST25 fails; use FEAST25B instead");
    EXPECT_TRUE(Has(set, "Site banner up for INC-4")) << set;
    EXPECT_TRUE(Has(scenario_->FetchBanner("signed-in").text, "FEAST25B"))
        << "step 10: signed-in customers get the banner";
    const auto everyone = scenario_->FetchBanner("everyone");
    EXPECT_EQ(everyone.status, 200);
    EXPECT_EQ(everyone.text, "") << "step 10: signed-in users only\n" << everyone.body;
    EXPECT_FALSE(Has(stack_->Request("GET", "/status", {}, "").body, "FEAST25B"))
        << "step 10: nor on the public status page";
  }

  void Step11Change() {
    change_ = scenario_->OpenChange(p().dev, swarm_, "new PRB-1",
                                    {{"change_title", {"Fix the FEAST25 validation rule"}},
                                     {"change_type", {"emergency"}},
                                     {"change_risk", {"medium"}}});
    ASSERT_EQ(change_, "CHG-1");
    const std::string card = Ask(p().mara, "/change", "show CHG-1");
    EXPECT_TRUE(Has(card, "emergency")) << card;
    EXPECT_TRUE(Has(card, "fixes PRB-1")) << "step 11: the change links to the problem\n" << card;
  }

  void Step12WorkPlan() {
    for (const char* step : {"Fix validation", "Deploy", "Verify checkout"}) {
      EXPECT_TRUE(Has(Type(p().dev, swarm_, "/change", std::string("step add CHG-1 ") + step),
                      "Added step"));
    }
    for (const char* n : {"1", "2", "3"}) {
      EXPECT_TRUE(Has(Type(p().dev, swarm_, "/change", std::string("done CHG-1 ") + n), "done"))
          << "step 12: step " << n << " marked done";
    }
    EXPECT_TRUE(Has(Type(p().dev, swarm_, "/change", "verify CHG-1 1"), "someone other than"))
        << "step 12: the doer can't verify their own step";
    EXPECT_TRUE(Has(Type(p().dev, swarm_, "/change", "submit CHG-1"), "can't be submitted yet"))
        << "step 13: submitting before all steps are verified is refused";
    EXPECT_FALSE(scenario_->ApprovalRequest("CHG-1")) << "step 13: nothing went to #cab";
    for (const char* n : {"1", "2", "3"}) {
      EXPECT_EQ(Type(p().ines, swarm_, "/change", std::string("verify CHG-1 ") + n),
                std::string("Step ") + n + " of CHG-1 is verified.")
          << "step 12: verified by someone other than its doer";
    }
  }

  bool RequestShows(std::string_view part) {
    const auto request = scenario_->ApprovalRequest("CHG-1");
    return request && Has(request->blocks_json, part);
  }

  void Step13Approval() {
    EXPECT_TRUE(Has(Type(p().dev, swarm_, "/change", "submit CHG-1"), "submitted for approval"));
    ASSERT_TRUE(Eventually("the request in #cab", [&] {
      return RequestShows("cab.approve") && RequestShows("cab.reject");
    })) << "step 13: a message with Approve and Reject buttons goes to the CAB channel";
    EXPECT_TRUE(Has(scenario_->Vote(p().mara, "CHG-1"), "Only members of @cab can vote on CHG-1"))
        << "step 13: a click by a non-CAB person is refused";
    EXPECT_TRUE(Has(scenario_->Vote(p().kofi, "CHG-1"), "1 of 2 needed")) << "step 13: Kofi";
    EXPECT_TRUE(Has(scenario_->Vote(p().kofi, "CHG-1"), "already approved"))
        << "step 13: Kofi clicking again is answered";
    EXPECT_FALSE(RequestShows("Approved: CHG-1")) << "step 13: and changes nothing";
    EXPECT_TRUE(Has(scenario_->Vote(p().ana, "CHG-1"), "approved")) << "step 13: Ana approves";
    EXPECT_TRUE(Eventually("the outcome in place of the buttons", [&] {
      return RequestShows("Approved: CHG-1") && !RequestShows("cab.approve") &&
             !RequestShows("cab.reject");
    })) << "step 13: with two approvals the buttons are replaced by the outcome";
    EXPECT_TRUE(Eventually("the approval in the swarm channel", [&] {
      const auto news = scenario_->LatestMessageWith(swarm_, "CHG-1 is approved");
      return news && Has(news->blocks_json, "<@" + p().kofi.str() + ">") &&
             !Has(news->blocks_json, "&lt;@");
    })) << "step 13: the swarm is told, naming the approvers as people, not raw ids";
  }

  // Whether the change, problem, incident and cases are all still open.
  void ExpectNothingClosed() {
    EXPECT_FALSE(Has(Ask(p().mara, "/change", "show CHG-1"), "Fixed by CHG-1"))
        << "step 14: the change stays open";
    EXPECT_FALSE(Has(Ask(p().mara, "/problem", "show PRB-1"), "Resolution"))
        << "step 14: the problem stays open";
    EXPECT_TRUE(Has(IncidentCard(), "*State*\nin progress")) << "step 14: the incident stays open";
    for (const std::string& number : scenario_->Feast25CaseNumbers()) {
      EXPECT_TRUE(Has(CaseCard(number), "*Status*\nheld")) << "step 14: " << number << " open";
    }
  }

  void Step14CloseEverything() {
    // A store failure at the last part (the cases) must leave nothing half-closed.
    SQLite::Database db(stack_->DatabaseFile().string(), SQLite::OPEN_READWRITE);
    db.setBusyTimeout(5000);
    db.exec(
        "CREATE TRIGGER refuse_case_close BEFORE UPDATE OF status ON cases "
        "WHEN NEW.status = 'closed' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END");
    EXPECT_TRUE(Has(scenario_->CloseChange(p().dev, swarm_, "CHG-1"), "nothing was changed"))
        << "step 14: a failing close says so";
    ExpectNothingClosed();
    db.exec("DROP TRIGGER refuse_case_close");

    EXPECT_EQ(scenario_->CloseChange(p().dev, swarm_, "CHG-1"),
              "Closed CHG-1; problems closed: PRB-1; incidents closed: INC-4; 36 cases closed.")
        << "step 14: one close action closes everything";
    EXPECT_TRUE(Has(Ask(p().mara, "/change", "show CHG-1"), "Fixed by CHG-1"));
    const std::string problem = Ask(p().mara, "/problem", "show PRB-1");
    EXPECT_TRUE(Has(problem, "*Resolution*\nFixed by CHG-1"))
        << "step 14: the problem closed with a note\n"
        << problem;
    const std::string incident = IncidentCard();
    EXPECT_TRUE(Has(incident, "*State*\nclosed")) << "step 14: the incident closed\n" << incident;
    for (const std::string& number : scenario_->Feast25CaseNumbers()) {
      const std::string card = CaseCard(number);
      EXPECT_TRUE(Has(card, "*Status*\nclosed") && Has(card, "*Resolution*\nFixed by CHG-1"))
          << "step 14: " << number << " closed with a resolution note\n"
          << card;
    }
  }

  void Step15TellCustomers() {
    EXPECT_TRUE(Has(Ask(p().priya, "/banner", "clear INC-4"), "Site banner taken down"));
    for (const char* audience : {"signed-in", "everyone"}) {
      EXPECT_EQ(scenario_->FetchBanner(audience).text, "")
          << "step 15: the banner endpoint returns nothing for " << audience;
    }
    const std::string preview = scenario_->EmailCustomers(p().priya, p().incidents, "INC-4");
    EXPECT_TRUE(Has(preview, "36 customers")) << preview;
    ASSERT_TRUE(mail_->WaitForCount(36));
    ASSERT_TRUE(Eventually("the e-mail's progress done", [&] {
      return scenario_->LatestMessageWith(p().incidents, "is done").has_value();
    }));
    std::map<std::string, int> copies;
    for (const auto& received : mail_->Received()) {
      for (const auto& to : received.rcpt_tos) {
        ++copies[to];
      }
    }
    std::map<std::string, int> expected;
    for (const demo::CaseSpec& spec : scenario_->cases()) {
      if (spec.about_feast25) {
        expected[spec.contact_email] = 1;
      }
    }
    EXPECT_EQ(copies, expected) << "step 15: exactly one e-mail per distinct contact of the "
                                   "linked cases, none to the unrelated cases' contacts";
  }

  void Step16CloseTheSwarm() {
    ASSERT_TRUE(Eventually("the swarm channel archived", [&] {
      return slack().Channel(swarm_)->is_archived;
    })) << "step 16: the channel is archived";
    EXPECT_TRUE(Has(slack().Channel(swarm_)->topic, "closed"))
        << "step 16: the topic shows the final state: " << slack().Channel(swarm_)->topic;
    const auto summary = scenario_->LatestMessageWith(swarm_, "swarm closed");
    ASSERT_TRUE(summary) << "step 16: a summary is posted";
    const std::string& blocks = summary->blocks_json;
    for (const char* part : {"Swarm duration", "*Members*", "*Records*", "Time to resolve"}) {
      EXPECT_TRUE(Has(blocks, part)) << "step 16: the summary has " << part << "\n" << blocks;
    }
    for (const UserId& who : {p().priya, p().sofia, p().dev, p().ines}) {
      EXPECT_TRUE(Has(blocks, "<@" + who.str() + "> joined")) << "step 16: the people";
    }
    EXPECT_TRUE(Has(blocks, "Incident INC-4 (closed)")) << "step 16: the records";
    EXPECT_TRUE(Has(blocks, "Problems: PRB-1 (closed)")) << "step 16: the records";
    EXPECT_TRUE(Has(blocks, "Changes: CHG-1 (closed)")) << "step 16: the records\n" << blocks;
    EXPECT_TRUE(Has(blocks, ":tada: *Great teamwork")) << "step 16: the celebration message";
  }

  // The steps in order; a later step builds on the earlier ones, so it stops
  // at the first that couldn't go on.
  void PlayEveryStep() {
    using Step = void (TakeOutScenario::*)();
    for (Step step :
         {&TakeOutScenario::BeforeTheDay, &TakeOutScenario::Step1CasesArrive,
          &TakeOutScenario::Step2Spike, &TakeOutScenario::Step3Declare,
          &TakeOutScenario::Step4LinkCases, &TakeOutScenario::Step5Route,
          &TakeOutScenario::Step6TakeCases, &TakeOutScenario::Step7Knowledge,
          &TakeOutScenario::Step8Swarm, &TakeOutScenario::Step9Problem,
          &TakeOutScenario::Step10Banner, &TakeOutScenario::Step11Change,
          &TakeOutScenario::Step12WorkPlan, &TakeOutScenario::Step13Approval,
          &TakeOutScenario::Step14CloseEverything, &TakeOutScenario::Step15TellCustomers,
          &TakeOutScenario::Step16CloseTheSwarm}) {
      (this->*step)();
      if (HasFatalFailure()) {
        return;
      }
    }
  }

  std::unique_ptr<demo::SmtpSink> mail_;
  std::vector<std::string> all_cases_;
  std::string incident_;
  ChannelId swarm_;
  std::string problem_;
  std::string change_;
};

TEST_F(TakeOutScenario, AllSixteenStepsMeetEveryExpectationOfTheScenarioFile) {
  PlayEveryStep();
}

// `make demo` plays the same steps and must keep doing so to the end.
TEST(TakeOutDemo, PlaysEveryStepAndEndsWithTheClosingSummary) {
  testing::TempDir dir;
  demo::Stack stack({.swarmbot_binary = testing::SwarmbotBinary(), .work_dir = dir.path()});
  std::string narrated;
  demo::Scenario scenario(stack, [&](const std::string& line) { narrated += line + "\n"; });
  std::ostringstream out;
  ASSERT_NO_THROW(demo::PlayWalkthrough(scenario, out));
  const std::string shown = out.str();
  // Replies are narrated as people read them: names, never raw Slack ids.
  EXPECT_TRUE(Has(narrated, "(only visible to you)")) << narrated;
  EXPECT_FALSE(Has(narrated, "<@U")) << narrated;
  EXPECT_FALSE(Has(narrated, "<#C")) << narrated;
  for (int step = 1; step <= 16; ++step) {
    EXPECT_TRUE(Has(shown, "== Step " + std::to_string(step) + ":")) << "step " << step;
  }
  EXPECT_TRUE(Has(shown, "== What Slack shows ==\n#incident-managers"));
  EXPECT_TRUE(Has(shown, "after /banner set, audience=signed-in: HTTP 200"));
  EXPECT_TRUE(Has(shown, "36 e-mails to 36 distinct recipients; the FEAST25 cases have 36"));
  // What the README quotes from the demo is what the demo shows.
  EXPECT_TRUE(
      Has(shown, "with a \"Declare incident\" button; the 10 unrelated cases are not in it"))
      << shown;
  EXPECT_TRUE(Has(narrated, "dev types: /change step done CHG-1 1\n")) << narrated;
  EXPECT_FALSE(Has(narrated, "types: /change done ")) << "the README documents /change step done";
  const auto summary = shown.rfind("== The closing summary ==");
  ASSERT_NE(summary, std::string::npos);
  EXPECT_TRUE(Has(shown.substr(summary), ":tada:")) << shown.substr(summary);
}

}  // namespace
}  // namespace swarmbot::e2e
