// [[changes.standard]]: the catalogue of pre-approved standard changes.
#include <gtest/gtest.h>

#include "config/config.hpp"

namespace swarmbot::config {
namespace {

EnvLookup Env() {
  return [](const std::string& name) -> std::optional<std::string> {
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
  };
}

std::string ErrorOf(const std::string& toml) {
  try {
    ParseConfig(toml, "swarmbot.toml", Env());
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(ChangeCatalogue, ReadsEachStandardChangeWithItsSteps) {
  const Config config = ParseConfig(R"(
[[changes.standard]]
name = "restart-pricing"
title = "Restart the pricing service"
steps = ["Drain", "Restart", "Check"]
[[changes.standard]]
name = "rotate-certs"
title = "Rotate the TLS certificates"
steps = ["Rotate"]
)",
                                    "swarmbot.toml", Env());
  ASSERT_EQ(config.standard_changes.size(), 2u);
  EXPECT_EQ(config.standard_changes[0].name, "restart-pricing");
  EXPECT_EQ(config.standard_changes[0].title, "Restart the pricing service");
  EXPECT_EQ(config.standard_changes[0].steps,
            (std::vector<std::string>{"Drain", "Restart", "Check"}));
  EXPECT_EQ(config.standard_changes[1].steps.size(), 1u);
}

TEST(ChangeCatalogue, NamesTheKeyOfAnEntryThatCantBeUsed) {
  EXPECT_EQ(ErrorOf("[[changes.standard]]\nname = \"Bad Name\"\ntitle = \"t\"\nsteps = [\"s\"]\n"),
            "swarmbot.toml: changes.standard[0].name: must be lowercase letters, digits, - or _ "
            "(at most 40)");
  EXPECT_EQ(ErrorOf("[[changes.standard]]\nname = \"a\"\ntitle = \"t\"\nsteps = []\n"),
            "swarmbot.toml: changes.standard[0].steps: must list 1 to 30 steps");
  EXPECT_EQ(ErrorOf("[[changes.standard]]\nname = \"a\"\ntitle = \"\"\nsteps = [\"s\"]\n"),
            "swarmbot.toml: changes.standard[0].title: must be a title of 1 to 200 characters");
  EXPECT_EQ(ErrorOf("[[changes.standard]]\nname = \"a\"\ntitle = \"t\"\nsteps = [\"s\"]\n"
                    "[[changes.standard]]\nname = \"a\"\ntitle = \"u\"\nsteps = [\"s\"]\n"),
            "swarmbot.toml: changes.standard[1].name: \"a\" is in the catalogue twice");
  EXPECT_EQ(ErrorOf("[[changes.standard]]\nname = \"a\"\ntitle = \"t\"\nsteps = [\"s\"]\n"
                    "owner = \"me\"\n"),
            "swarmbot.toml: changes.standard[0].owner: unknown key");
  EXPECT_EQ(ErrorOf("[changes]\nstandard = 3\n"),
            "swarmbot.toml: changes.standard: must be a list of tables ([[changes.standard]])");
}

// Check 19: a title of spaces, or with BEL and U+202E, passed check-config
// while the entry's name and steps were checked.
TEST(ChangeCatalogue, RefusesABlankTitleOrStepAndControlCharactersInEither) {
  const auto entry = [](const std::string& title, const std::string& step) {
    return "[[changes.standard]]\nname = \"a\"\ntitle = \"" + title + "\"\nsteps = [\"" + step +
           "\"]\n";
  };
  EXPECT_EQ(ErrorOf(entry("   ", "s")),
            "swarmbot.toml: changes.standard[0].title: must not be only spaces");
  EXPECT_EQ(ErrorOf(entry("Restart\\u0007", "s")),
            "swarmbot.toml: changes.standard[0].title: contains the control character U+0007; it "
            "must be one line");
  EXPECT_EQ(ErrorOf(entry("Restart \\u202Egnicirp", "s")),
            "swarmbot.toml: changes.standard[0].title: contains U+202E, a direction control that "
            "would reorder the text around it; remove it");
  EXPECT_EQ(ErrorOf(entry("t", " ")),
            "swarmbot.toml: changes.standard[0].steps: must not be only spaces");
  EXPECT_EQ(ErrorOf(entry("t", "Drain\\u2066")),
            "swarmbot.toml: changes.standard[0].steps: contains U+2066, a direction control that "
            "would reorder the text around it; remove it");
}

}  // namespace
}  // namespace swarmbot::config
