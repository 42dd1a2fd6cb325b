// Forms (modals) under load, in request-URL mode: a burst of declares opens
// every form within its trigger's life, views.open calls going out side by
// side rather than one after another behind other Slack work, and a form that
// waited past its trigger's life is never sent (check 20).
#include <algorithm>
#include <future>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/e2e/e2e_fixture.hpp"

namespace swarmbot::e2e {
namespace {

// FormOpenerOptions::max_in_flight in the app.
constexpr int kFormsAtOnce = 16;

class FormsUnderLoad : public EndToEnd {
 protected:
  void SetUp() override {}

  // Starts swarmbot with `count` incident managers besides Mara, each in the
  // managers' channel.
  void StartWithManagers(int count) {
    MakeStack(/*request_url_mode=*/true);
    std::vector<UserId> all{people().mara};
    for (int i = 0; i < count; ++i) {
      const std::string name = "manager" + std::to_string(i);
      const UserId user = slack().AddUser(name, name + "@take-out.example");
      ASSERT_TRUE(slack().JoinChannel(user, people().incidents));
      managers_.push_back(user);
      all.push_back(user);
    }
    stack_->SetIncidentManagers(all);
    stack_->StartSwarmbot();
  }

  // Every manager types /incident declare at the same moment, as in a burst;
  // returns the acknowledgements.
  std::vector<std::string> DeclareAtOnce() {
    std::vector<std::future<Result<std::string>>> typing;
    for (const UserId& user : managers_) {
      typing.push_back(std::async(std::launch::async, [this, user] {
        return slack().SlashCommand(user, people().incidents, "/incident",
                                    "declare Checkout is down");
      }));
    }
    std::vector<std::string> acks;
    for (auto& typed : typing) {
      auto ack = typed.get();
      acks.push_back(ack ? *ack : "no acknowledgement: " + ack.error().detail);
    }
    return acks;
  }

  int UnopenedNotes(const std::string& part) {
    int notes = 0;
    for (const UserId& user : managers_) {
      for (const auto& shown : slack().Ephemerals(user)) {
        if (shown.text.find("The form didn't open") != std::string::npos &&
            shown.text.find(part) != std::string::npos) {
          ++notes;
        }
      }
    }
    return notes;
  }

  int OpenForms() {
    int open = 0;
    for (const UserId& user : managers_) {
      const auto views = slack().Views(user);
      open += static_cast<int>(
          std::count_if(views.begin(), views.end(), [](const auto& view) { return view.open; }));
    }
    return open;
  }

  std::vector<UserId> managers_;
};

TEST_F(FormsUnderLoad, ABurstOfDeclaresOpensEveryFormSideBySide) {
  StartWithManagers(kFormsAtOnce);
  // Slack holds every views.open unanswered: had the calls gone out one at a
  // time, only the first would arrive before it timed out.
  slack().FailNext("views.open", kFormsAtOnce, emulator::Fault::Hold());
  for (const std::string& ack : DeclareAtOnce()) {
    EXPECT_EQ(ack, "") << "a bare acknowledgement";
  }
  ASSERT_TRUE(Eventually("every views.open in flight at once, or one given up on", [&] {
    return slack().CallCount("views.open") == kFormsAtOnce || UnopenedNotes("") > 0;
  }));
  EXPECT_EQ(slack().CallCount("views.open"), kFormsAtOnce);
  EXPECT_EQ(UnopenedNotes(""), 0) << "no form was given up on before the last call went out";

  // A call counts on arrival, a moment before it is held; releasing again
  // until every form is open lets such a latecomer go too.
  EXPECT_TRUE(Polled([&] {
    slack().ReleaseHeld(/*drop_connection=*/false);
    return OpenForms() == kFormsAtOnce || UnopenedNotes("") > 0;
  })) << "every form open, each within its trigger's life";
  EXPECT_EQ(OpenForms(), kFormsAtOnce);
  EXPECT_EQ(UnopenedNotes(""), 0) << slack().Transcript();
}

TEST_F(FormsUnderLoad, AFormThatWaitedPastItsTriggerIsNotSentAndThePersonIsTold) {
  StartWithManagers(kFormsAtOnce + 1);
  // Every place for a views.open is taken by a call Slack never answers; the
  // last form can only start once one of them gives up, after the trigger's life.
  slack().FailNext("views.open", kFormsAtOnce, emulator::Fault::Hold());
  for (const std::string& ack : DeclareAtOnce()) {
    EXPECT_EQ(ack, "") << "a bare acknowledgement";
  }
  EXPECT_TRUE(Eventually("the last one told it waited too long",
                         [&] { return UnopenedNotes("too busy to open it in time") == 1; }));
  EXPECT_TRUE(Eventually("the others told Slack didn't answer", [&] {
    return UnopenedNotes("Slack didn't answer in time") == kFormsAtOnce;
  }));
  EXPECT_EQ(slack().CallCount("views.open"), kFormsAtOnce) << "the stale trigger was never sent";
  const auto told = slack().Ephemerals(managers_.back());
  ASSERT_FALSE(told.empty());
  EXPECT_NE(told.back().text.find("Please run the command or click the button again."),
            std::string::npos)
      << told.back().text;
  slack().ReleaseHeld(/*drop_connection=*/true);
}

}  // namespace
}  // namespace swarmbot::e2e
