// [swarm] invitation_timeout_minutes: how long an invited expert may take.
#include <gtest/gtest.h>

#include "config/config.hpp"

namespace swarmbot::config {
namespace {

std::optional<std::string> Secrets(const std::string& name) {
  if (name == "SWARMBOT_BOT_TOKEN") {
    return "xoxb-1-secretbot";
  }
  if (name == "SWARMBOT_APP_TOKEN") {
    return "xapp-1-secretapp";
  }
  if (name == "SWARMBOT_INTAKE_API_KEY") {
    return "intake-key-123";
  }
  return std::nullopt;
}

TEST(SwarmConfig, TheInvitationTimeoutDefaultsToFifteenMinutesAndCanBeSet) {
  EXPECT_EQ(ParseConfig("", "swarmbot.toml", Secrets).swarm_invitation_timeout_minutes, 15);
  EXPECT_EQ(ParseConfig("[swarm]\ninvitation_timeout_minutes = 5\n", "swarmbot.toml", Secrets)
                .swarm_invitation_timeout_minutes,
            5);
}

TEST(SwarmConfig, RefusesAnInvitationTimeoutThatIsNotAPositiveWholeNumber) {
  for (const char* bad : {"0", "-3", "\"15\"", "1.5", "100000"}) {
    const std::string toml = std::string("[swarm]\ninvitation_timeout_minutes = ") + bad + "\n";
    try {
      ParseConfig(toml, "swarmbot.toml", Secrets);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("swarm.invitation_timeout_minutes"), std::string::npos)
          << e.what();
    }
  }
}

// Check 19: a BEL in the reaction's name passed check-config; only a tab or
// a line break was refused.
TEST(SwarmConfig, RefusesAControlCharacterInTheTimelineReaction) {
  try {
    ParseConfig("[swarm]\ntimeline_reaction = \"pin\\u0007\"\n", "swarmbot.toml", Secrets);
    ADD_FAILURE() << "accepted a BEL";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              "swarmbot.toml: swarm.timeline_reaction: must be an emoji name without colons or "
              "spaces, such as \"pushpin\"");
  }
}

TEST(SwarmConfig, TheUserTokenIsOptionalAndReadFromTheEnvironmentOnly) {
  EXPECT_TRUE(ParseConfig("", "swarmbot.toml", Secrets).user_token.Empty());
  auto with_user = [](const std::string& token) {
    return [token](const std::string& name) -> std::optional<std::string> {
      return name == "SWARMBOT_USER_TOKEN" ? std::optional<std::string>(token) : Secrets(name);
    };
  };
  EXPECT_EQ(ParseConfig("", "swarmbot.toml", with_user("xoxp-1-secretuser")).user_token.Reveal(),
            "xoxp-1-secretuser");
  try {
    ParseConfig("", "swarmbot.toml", with_user("xoxb-1-notauser"));
    ADD_FAILURE() << "accepted a bot token as the user token";
  } catch (const ConfigError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("SWARMBOT_USER_TOKEN: must start with xoxp-"), std::string::npos)
        << message;
    EXPECT_EQ(message.find("notauser"), std::string::npos) << "never the secret itself";
  }
}

}  // namespace
}  // namespace swarmbot::config
