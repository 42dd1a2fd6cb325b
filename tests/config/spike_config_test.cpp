#include <map>
#include <string>

#include <gtest/gtest.h>

#include "config/config.hpp"

namespace swarmbot::config {
namespace {

const std::map<std::string, std::string> kEnv{{"SWARMBOT_BOT_TOKEN", "xoxb-1-secretbot"},
                                              {"SWARMBOT_APP_TOKEN", "xapp-1-secretapp"},
                                              {"SWARMBOT_INTAKE_API_KEY", "intake-key-123"}};

Config Parse(const std::string& toml) {
  return ParseConfig(toml, "swarmbot.toml", [](const std::string& name) {
    const auto it = kEnv.find(name);
    return it == kEnv.end() ? std::nullopt : std::optional(it->second);
  });
}

std::string ErrorOf(const std::string& toml) {
  try {
    Parse(toml);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(SpikeConfig, ReadsTheSpikeTable) {
  const Config config =
      Parse("[spike]\nwindow_minutes = 20\nsimilarity = 0.6\nmin_cases = 8\nmin_contacts = 4\n");
  EXPECT_EQ(config.spike_window_minutes, 20);
  EXPECT_DOUBLE_EQ(config.spike_similarity, 0.6);
  EXPECT_EQ(config.spike_min_cases, 8);
  EXPECT_EQ(config.spike_min_contacts, 4);
}

TEST(SpikeConfig, DefaultsWithoutTheTable) {
  const Config config = Parse("");
  EXPECT_EQ(config.spike_window_minutes, 60);
  EXPECT_DOUBLE_EQ(config.spike_similarity, 0.5);
  EXPECT_EQ(config.spike_min_cases, 5);
  EXPECT_EQ(config.spike_min_contacts, 3);
}

TEST(SpikeConfig, NamesTheKeyOfAValueOutOfRange) {
  EXPECT_EQ(ErrorOf("[spike]\nwindow_minutes = 0\n"),
            "swarmbot.toml: spike.window_minutes: must be a whole number from 1 to 1440");
  EXPECT_EQ(ErrorOf("[spike]\nsimilarity = 1.5\n"),
            "swarmbot.toml: spike.similarity: must be a number above 0 and at most 1, such as 0.5");
  EXPECT_EQ(ErrorOf("[spike]\nsimilarity = \"high\"\n").find("spike.similarity"), 15u);
  EXPECT_EQ(ErrorOf("[spike]\nmin_cases = 1\n"),
            "swarmbot.toml: spike.min_cases: must be a whole number from 2 to 100000");
  EXPECT_EQ(ErrorOf("[spike]\nmin_cases = 4\nmin_contacts = 5\n"),
            "swarmbot.toml: spike.min_contacts: must be a whole number from 1 to 4");
  EXPECT_EQ(ErrorOf("[spike]\nthreshold = 3\n"), "swarmbot.toml: spike.threshold: unknown key");
}

// [swarm] sits beside [spike]: both tune how incidents are watched.
TEST(SwarmConfig, MarksWithThePushpinUnlessConfigured) {
  EXPECT_EQ(Parse("").swarm_timeline_reaction, "pushpin");
  EXPECT_EQ(Parse("[swarm]\ntimeline_reaction = \"eyes\"\n").swarm_timeline_reaction, "eyes");
}

TEST(SwarmConfig, RefusesAReactionWrittenWithColonsOrLeftEmpty) {
  const std::string expected =
      "swarmbot.toml: swarm.timeline_reaction: must be an emoji name without colons or spaces, "
      "such as \"pushpin\"";
  EXPECT_EQ(ErrorOf("[swarm]\ntimeline_reaction = \":pushpin:\"\n"), expected);
  EXPECT_EQ(ErrorOf("[swarm]\ntimeline_reaction = \"\"\n"), expected);
  EXPECT_EQ(ErrorOf("[swarm]\ntimeline_reaction = 3\n"),
            "swarmbot.toml: swarm.timeline_reaction: must be a string");
  EXPECT_EQ(ErrorOf("[swarm]\nreaction = \"eyes\"\n"),
            "swarmbot.toml: swarm.reaction: unknown key");
}

TEST(SwarmConfig, ChannelsArePublicUnlessConfiguredPrivateOrByPriority) {
  const Config defaults = Parse("");
  EXPECT_FALSE(defaults.swarm_private);
  EXPECT_EQ(defaults.swarm_private_from_priority, 0);
  const Config set = Parse("[swarm]\nprivate = true\nprivate_from_priority = 2\n");
  EXPECT_TRUE(set.swarm_private);
  EXPECT_EQ(set.swarm_private_from_priority, 2);
  EXPECT_EQ(ErrorOf("[swarm]\nprivate = \"yes\"\n"),
            "swarmbot.toml: swarm.private: must be true or false");
  EXPECT_EQ(ErrorOf("[swarm]\nprivate_from_priority = 5\n"),
            "swarmbot.toml: swarm.private_from_priority: must be a whole number from 0 to 4");
}

TEST(SwarmConfig, LargeGroupInvitesAskAboveTwentyFiveUnlessConfigured) {
  EXPECT_EQ(Parse("").swarm_confirm_group_invites_over, 25);
  EXPECT_EQ(Parse("[swarm]\nconfirm_group_invites_over = 0\n").swarm_confirm_group_invites_over, 0);
  EXPECT_EQ(Parse("[swarm]\nconfirm_group_invites_over = 200\n").swarm_confirm_group_invites_over,
            200);
  const std::string expected =
      "swarmbot.toml: swarm.confirm_group_invites_over: must be a whole number from 0 to 10000";
  EXPECT_EQ(ErrorOf("[swarm]\nconfirm_group_invites_over = -1\n"), expected);
  EXPECT_EQ(ErrorOf("[swarm]\nconfirm_group_invites_over = 10001\n"), expected);
  EXPECT_EQ(ErrorOf("[swarm]\nconfirm_group_invites_over = \"25\"\n"), expected);
}

}  // namespace
}  // namespace swarmbot::config
