// Step 7 of the Take-Out scenario through the real binary and the emulator:
// the knowledge folder is imported with `swarmbot import kb`, Priya searches
// in the swarm channel, attaches an article, and the pinned summary shows it.

#include <algorithm>
#include <filesystem>

#include "tests/e2e/e2e_fixture.hpp"

namespace swarmbot::e2e {
namespace {

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

const std::filesystem::path kSamples = std::filesystem::path(SWARMBOT_SOURCE_DIR) / "samples/kb";

class Knowledge : public EndToEnd {
 protected:
  std::optional<emulator::ChannelSnapshot> SwarmChannel() {
    for (const auto& channel : slack().Channels()) {
      if (channel.name.rfind("inc-1-", 0) == 0) {
        return channel;
      }
    }
    return std::nullopt;
  }

  // The latest ephemeral shown to `user` whose blocks hold `part`.
  std::optional<emulator::EphemeralSnapshot> EphemeralWith(const UserId& user,
                                                           const std::string& part) {
    auto all = slack().Ephemerals(user);
    for (auto it = all.rbegin(); it != all.rend(); ++it) {
      if (Contains(it->blocks_json, part) || Contains(it->text, part)) {
        return *it;
      }
    }
    return std::nullopt;
  }
};

TEST_F(Knowledge, SearchInTheSwarmChannelAttachesAWorkaroundToTheSummary) {
  const auto imported = stack_->RunSwarmbotCommand({"import", "kb", "--dir", kSamples.string()});
  ASSERT_EQ(imported.status, 0) << imported.output;
  EXPECT_TRUE(Contains(imported.output, "8 added")) << imported.output;
  const auto again = stack_->RunSwarmbotCommand({"import", "kb", "--dir", kSamples.string()});
  EXPECT_TRUE(Contains(again.output, "0 added, 0 updated, 8 unchanged")) << again.output;

  ASSERT_EQ(DeclareFeast25(), "INC-1");
  Type(people().priya, people().incidents, "/swarm", "start INC-1");
  ASSERT_TRUE(Eventually("the pinned summary", [&] {
    const auto channel = SwarmChannel();
    return channel && !channel->pins.empty();
  }));
  const ChannelId swarm = SwarmChannel()->id;

  // Ranked results with snippets, the matched words in bold, Attach buttons.
  Type(people().priya, swarm, "/kb", "discount code checkout");
  const auto results = EphemeralWith(people().priya, "kb.attach");
  ASSERT_TRUE(results) << "no results with Attach buttons";
  const std::string& blocks = results->blocks_json;
  EXPECT_TRUE(Contains(blocks, "Attach to INC-1")) << blocks;
  EXPECT_TRUE(Contains(blocks, "*discount*") || Contains(blocks, "*code*")) << blocks;
  EXPECT_LT(blocks.find("discount code is"), blocks.find("How promo codes work")) << blocks;

  // The top result is attached; a second click is answered, not repeated.
  ASSERT_TRUE(slack().ClickEphemeralButton(people().priya, results->ts, "kb.attach"));
  ASSERT_TRUE(Eventually("the attach answer", [&] {
    return EphemeralWith(people().priya, "as a workaround").has_value();
  }));
  ASSERT_TRUE(slack().ClickEphemeralButton(people().priya, results->ts, "kb.attach"));
  ASSERT_TRUE(Eventually("the repeat answer", [&] {
    return EphemeralWith(people().priya, "is already attached").has_value();
  }));
  EXPECT_TRUE(Eventually("the pinned summary's Workaround field", [&] {
    const auto channel = SwarmChannel();
    const auto* summary = channel ? channel->FindMessage(channel->pins.front()) : nullptr;
    return summary && Contains(summary->blocks_json, "Workaround") &&
           Contains(summary->blocks_json, "discount code is");
  }));

  // The search and the one attachment are on the incident's timeline.
  const std::string status = Type(people().mara, people().incidents, "/incident", "status INC-1");
  EXPECT_TRUE(Contains(status, "Searched the knowledge base")) << status;
  EXPECT_TRUE(Contains(status, "as a workaround")) << status;
}

}  // namespace
}  // namespace swarmbot::e2e
