// The first part of the Take-Out scenario, through the real binary and the
// emulator: cases arrive, an incident is declared, the cases are linked, the
// swarm channel is opened and, when the incident closes, archived.

#include <algorithm>

#include "tests/e2e/e2e_fixture.hpp"

namespace swarmbot::e2e {
namespace {

std::string Mention(const UserId& user, const std::string& name) {
  return "<@" + user.str() + "|" + name + ">";
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class WalkingSkeleton : public EndToEnd {
 protected:
  std::optional<emulator::ChannelSnapshot> SwarmChannel() {
    for (const auto& channel : slack().Channels()) {
      if (channel.name.rfind("inc-1-", 0) == 0) {
        return channel;
      }
    }
    return std::nullopt;
  }
};

TEST_F(WalkingSkeleton, RunsAnIncidentFromDeclarationToArchivedChannel) {
  const auto numbers = scenario_->CasesArrive();
  ASSERT_EQ(numbers.size(), 46u);
  const auto feast = scenario_->Feast25CaseNumbers();
  ASSERT_EQ(feast.size(), 36u);

  // Step 1: the newest case comes first, with its channel.
  const std::string listing = Type(people().ravi, people().support, "/case", "list");
  const auto newest = listing.find(numbers.back());
  const auto oldest_shown = listing.find(numbers[numbers.size() - 2]);
  ASSERT_NE(newest, std::string::npos) << listing;
  ASSERT_NE(oldest_shown, std::string::npos) << listing;
  EXPECT_LT(newest, oldest_shown) << listing;
  EXPECT_TRUE(Contains(listing, scenario_->cases().back().channel)) << listing;

  // Step 3: the incident is declared and announced to the managers.
  const std::string incident = DeclareFeast25();
  ASSERT_EQ(incident, "INC-1");
  EXPECT_TRUE(Eventually("the announcement in the managers' channel", [&] {
    const auto channel = slack().Channel(people().incidents);
    return channel && std::any_of(channel->messages.begin(), channel->messages.end(),
                                  [](const auto& m) { return Contains(m.text, "INC-1"); });
  }));

  // Step 4: the 36 cases are linked and leave the reps' open queues.
  std::string link = "link INC-1";
  for (const auto& number : feast) {
    link += " " + number;
  }
  const std::string linked = Type(people().mara, people().incidents, "/incident", link);
  EXPECT_TRUE(Contains(linked, "36")) << linked;
  const std::string open_now = Type(people().ravi, people().support, "/case", "list");
  for (const auto& number : feast) {
    EXPECT_FALSE(Contains(open_now + " ", number + " ")) << number << " still listed:\n"
                                                         << open_now;
  }
  EXPECT_TRUE(
      Contains(Type(people().ravi, people().support, "/case", "show " + feast[0]), "INC-1"));

  // Step 8 (the skeleton's part): the swarm channel, its topic, the pinned
  // summary, and the people named — one group included — invited.
  const std::string started = Type(people().priya, people().incidents, "/swarm",
                                   "start INC-1 " + Mention(people().priya, "priya") + " " +
                                       Mention(people().sofia, "sofia") + " <!subteam^" +
                                       people().devops.str() + "|@devops>");
  EXPECT_TRUE(Contains(started, "INC-1")) << started;
  ASSERT_TRUE(Eventually("the swarm channel with its pinned summary and members", [&] {
    const auto channel = SwarmChannel();
    return channel && !channel->pins.empty() && channel->HasMember(people().priya) &&
           channel->HasMember(people().sofia) && channel->HasMember(people().dev) &&
           channel->HasMember(people().ines);
  }));
  const auto swarm = *SwarmChannel();
  EXPECT_EQ(swarm.name, "inc-1-feast25-discount-code-fails-at-checkout");
  EXPECT_TRUE(Contains(swarm.topic, "INC-1")) << swarm.topic;
  EXPECT_TRUE(Contains(swarm.topic, "P1")) << swarm.topic;
  const auto* summary = swarm.FindMessage(swarm.pins.front());
  ASSERT_NE(summary, nullptr);
  EXPECT_TRUE(Contains(summary->text + summary->blocks_json, "FEAST25"));
  EXPECT_FALSE(swarm.HasMember(people().omar));

  // The incident's status, asked from inside the swarm channel.
  const std::string status = Type(people().priya, swarm.id, "/incident", "status");
  EXPECT_TRUE(Contains(status, "INC-1")) << status;

  // Closing: a summary in the channel, then the channel is archived.
  const std::string closed =
      Type(people().mara, swarm.id, "/incident", "close Fixed the FEAST25 validation rule");
  EXPECT_TRUE(Contains(closed, "INC-1")) << closed;
  ASSERT_TRUE(Eventually("the swarm channel archived", [&] {
    const auto channel = SwarmChannel();
    return channel && channel->is_archived;
  }));
  const auto archived = *SwarmChannel();
  EXPECT_GE(archived.messages.size(), 2u);
  EXPECT_TRUE(
      Contains(Type(people().ravi, people().support, "/case", "show " + feast[5]), "closed"));

  // Nothing was done twice.
  EXPECT_EQ(slack().CallCount("conversations.create"), 1);
  EXPECT_EQ(slack().CallCount("conversations.archive"), 1);
  EXPECT_EQ(slack().CallCount("pins.add"), 1);
}

TEST_F(WalkingSkeleton, SecretsNeverReachTheLog) {
  scenario_->CasesArrive();
  DeclareFeast25();
  Type(people().mara, people().incidents, "/incident", "link INC-1 CASE-1 CASE-2");
  Type(people().mara, people().incidents, "/swarm", "start INC-1");
  ASSERT_TRUE(Eventually("the swarm channel", [&] { return SwarmChannel().has_value(); }));
  stack_->StopSwarmbot();

  const std::string log = testing::ReadFile(stack_->LogFile());
  ASSERT_FALSE(log.empty());
  for (const auto& secret : stack_->Secrets()) {
    EXPECT_FALSE(Contains(log, secret)) << "a secret is in the log";
  }
  EXPECT_FALSE(Contains(log, "/response/")) << "a response_url is in the log";
  EXPECT_FALSE(Contains(log, "ticket=")) << "the Socket Mode URL is in the log";
}

}  // namespace
}  // namespace swarmbot::e2e
