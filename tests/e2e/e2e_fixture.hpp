#pragma once

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "demo/scenario.hpp"
#include "demo/stack.hpp"
#include "demo/takeout.hpp"
#include "tests/support/testing.hpp"

namespace swarmbot::e2e {

// `who` types `/change <text>` in `where`, waits for the change form, fills
// `fields` (block id → what is typed or picked) and submits it. Returns the
// submission's acknowledgement: "" when the form closed, else its errors.
inline std::string OpenChangeForm(emulator::Emulator& slack, demo::Scenario& scenario,
                                  const UserId& who, const ChannelId& where,
                                  const std::string& text,
                                  const std::map<std::string, std::vector<std::string>>& fields) {
  std::string view_id;
  scenario.Type(who, where, "/change", text);
  const bool opened = slack.WaitFor(
      [&] {
        for (const auto& view : slack.Views(who)) {
          if (view.open && view.callback_id == "change.new") {
            view_id = view.id;
          }
        }
        return !view_id.empty();
      },
      testing::kTestTimeout);
  if (!opened) {
    return "(the change form never opened)";
  }
  auto ack = slack.FillAndSubmitView(who, view_id, fields);
  return ack ? *ack : "(submission failed: " + ack.error().detail + ")";
}

// The first message in `channel` whose blocks mention `part`, if any.
inline std::optional<emulator::MessageSnapshot> MessageMentioning(emulator::Emulator& slack,
                                                                  const ChannelId& channel,
                                                                  std::string_view part) {
  const auto snapshot = slack.Channel(channel);
  for (const auto& message :
       snapshot ? snapshot->messages : std::vector<emulator::MessageSnapshot>{}) {
    if (message.blocks_json.find(part) != std::string::npos) {
      return message;
    }
  }
  return std::nullopt;
}

// Whether any ephemeral answer `user` got says `part`.
inline bool EphemeralSays(emulator::Emulator& slack, const UserId& user, std::string_view part) {
  for (const auto& ephemeral : slack.Ephemerals(user)) {
    if (ephemeral.text.find(part) != std::string::npos) {
      return true;
    }
  }
  return false;
}

// How many of swarmbot's direct messages to `user` say `part` (text or blocks).
inline std::size_t DirectMessagesWith(emulator::Emulator& slack, const UserId& user,
                                      std::string_view part) {
  const auto dm = slack.DirectMessage(user);
  if (!dm) {
    return 0;
  }
  return static_cast<std::size_t>(
      std::count_if(dm->messages.begin(), dm->messages.end(), [&](const auto& m) {
        return m.text.find(part) != std::string::npos ||
               m.blocks_json.find(part) != std::string::npos;
      }));
}

// Whether a message in `channel` says `part` (text or blocks).
inline bool ChannelHasMessageWith(emulator::Emulator& slack, const ChannelId& channel,
                                  std::string_view part) {
  const auto found = slack.Channel(channel);
  return found && std::any_of(found->messages.begin(), found->messages.end(), [&](const auto& m) {
           return m.text.find(part) != std::string::npos ||
                  m.blocks_json.find(part) != std::string::npos;
         });
}

// swarmbot as a real process against the emulator, with the Take-Out people.
class EndToEnd : public ::testing::Test {
 protected:
  void SetUp() override { Start(/*request_url_mode=*/false); }

  // launch_only: start the process without waiting for it, with every
  // auth.test failing (Slack unreachable), for tests of start-up itself.
  void Start(bool request_url_mode, bool launch_only = false) {
    MakeStack(request_url_mode);
    if (const std::string extra = ExtraConfig(); !extra.empty()) {
      stack_->SetExtraConfig(demo::TakeOutRoutingToml() + "\n" + extra);
    }
    if (launch_only) {
      slack().FailNext("auth.test", 1000, emulator::Fault::HttpError(503));
      stack_->LaunchSwarmbot();
      return;
    }
    stack_->StartSwarmbot();
  }

  // The stack and a quiet scenario with the Take-Out people; nothing started yet.
  void MakeStack(bool request_url_mode = false) {
    stack_ = std::make_unique<demo::Stack>(demo::Stack::Options{
        .swarmbot_binary = testing::SwarmbotBinary(),
        .work_dir = dir_.path(),
        .slack = SlackOptions(),
        .request_url_mode = request_url_mode,
        .log_level = "debug",
    });
    scenario_ = std::make_unique<demo::Scenario>(*stack_, [](const std::string&) {});
  }

  virtual emulator::Options SlackOptions() const { return {}; }
  // TOML appended to the scenario's config, e.g. a [swarm] table.
  virtual std::string ExtraConfig() const { return {}; }

  emulator::Emulator& slack() { return stack_->slack(); }
  const demo::TakeOut& people() const { return scenario_->people(); }

  std::string Type(const UserId& who, const ChannelId& where, const std::string& command,
                   const std::string& text) {
    return scenario_->Type(who, where, command, text);
  }

  // Waits for a condition on the workspace; fails the test (not throws) on timeout.
  ::testing::AssertionResult Eventually(const std::string& what,
                                        const std::function<bool()>& predicate) {
    if (slack().WaitFor(predicate, testing::kTestTimeout)) {
      return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << "timed out waiting for: " << what;
  }

  // `check` holds, checked whenever the workspace changes and at least every
  // 50 ms: for what the workspace doesn't show, swarmbot's log and database.
  bool Polled(const std::function<bool()>& check) {
    const auto deadline = std::chrono::steady_clock::now() + testing::kTestTimeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (slack().WaitFor(check, std::chrono::milliseconds(50))) {
        return true;
      }
    }
    return false;
  }

  // swarmbot's log says `part`, now or within the test timeout.
  bool LogSays(const std::string& part) {
    return Polled(
        [&] { return testing::ReadFile(stack_->LogFile()).find(part) != std::string::npos; });
  }

  // For the Expert Finder's tests: people and history imported, INC-1
  // declared and Priya's swarm started; its channel once she is in it.
  ChannelId StartSwarmWithHistory() {
    scenario_->ImportPeople();
    scenario_->ImportHistory();
    EXPECT_EQ(DeclareFeast25(), "INC-1");
    // Routed to her, she may move it to in progress by starting the swarm.
    EXPECT_TRUE(Eventually("Priya owns INC-1", [&] {
      return DirectMessagesWith(slack(), people().priya, "You now own INC-1") > 0;
    }));
    Type(people().priya, people().incidents, "/swarm", "start INC-1");
    return SwarmChannelWith({people().priya}, "the swarm channel with Priya in it");
  }

  // INC-1's swarm channel once it exists, has its summary pinned and holds
  // every one of `members`; empty, with the test failed, if it never does.
  ChannelId SwarmChannelWith(const std::vector<UserId>& members, const std::string& what,
                             std::string_view name_prefix = "inc-1-") {
    ChannelId found;
    EXPECT_TRUE(Eventually(what, [&] {
      for (const auto& channel : slack().Channels()) {
        const bool all_in = std::all_of(members.begin(), members.end(),
                                        [&](const UserId& m) { return channel.HasMember(m); });
        if (channel.name.starts_with(name_prefix) && !channel.pins.empty() && all_in) {
          found = channel.id;
        }
      }
      return !found.empty();
    }));
    return found;
  }

  // The Take-Out people list imported again without `user`, who is then no
  // longer on it (as after an HR export that left them out).
  void DropFromThePeopleList(const UserId& user) {
    const std::string all = demo::TakeOutPeopleToml(people());
    std::string kept;
    std::size_t at = 0;
    while (at < all.size()) {
      std::size_t next = all.find("[[person]]", at + 1);
      next = next == std::string::npos ? all.size() : next;
      const std::string block = all.substr(at, next - at);
      if (block.find(user.str()) == std::string::npos) {
        kept += block;
      }
      at = next;
    }
    const auto file = stack_->work_dir() / ("people-without-" + user.str() + ".toml");
    std::ofstream(file, std::ios::trunc) << kept;
    ASSERT_EQ(stack_->RunSwarmbotCommand({"import", "people", file.string()}).status, 0);
  }

  // Declares the FEAST25 incident as Mara and returns its number ("INC-1").
  std::string DeclareFeast25() {
    return scenario_->DeclareIncident(
        people().mara, people().incidents, "",
        {{"subject", {"FEAST25 discount code fails at checkout"}},
         {"description", {"Customers get an error when applying FEAST25"}},
         {"territories", {"North", "East"}},
         {"impact", {"high"}},
         {"urgency", {"high"}}});
  }

  testing::TempDir dir_;
  std::unique_ptr<demo::Stack> stack_;
  std::unique_ptr<demo::Scenario> scenario_;
};

}  // namespace swarmbot::e2e
