// The asset catalogue file behind `swarmbot import assets` (issue #5).
#include "config/asset_file.hpp"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "config/config.hpp"
#include "tests/support/testing.hpp"

namespace swarmbot::config {
namespace {

std::string Message(const std::string& text) {
  auto parsed = ParseAssetFile(text, "assets.toml");
  return parsed ? std::string("parsed") : parsed.error().user_message;
}

TEST(AssetFile, ReadsTheSampleCatalogue) {
  std::ifstream in(std::string(SWARMBOT_SOURCE_DIR) + "/samples/assets.toml");
  std::ostringstream text;
  text << in.rdbuf();
  auto assets = ParseAssetFile(text.str(), "assets.toml");
  ASSERT_TRUE(assets) << assets.error().user_message;
  ASSERT_GE(assets->size(), 2u);
  EXPECT_EQ((*assets)[0].name, "checkout-service");
  EXPECT_EQ((*assets)[0].team, "payments");
  EXPECT_EQ((*assets)[1].name, "pricing-service");
}

TEST(AssetFile, NamesTheLineAndKeyOfAMistake) {
  EXPECT_EQ(Message("[[asset]]\nname = \"a\"\n[[asset]]\nteam = \"x\"\n"),
            "assets.toml:3: asset[2].name: missing");
  EXPECT_EQ(Message("[[asset]]\nname = \"Checkout Service\"\n"),
            "assets.toml:2: asset[1].name: must be lowercase letters, digits, '-', '_' or '.' "
            "(at most 80), such as \"checkout-service\"");
  EXPECT_EQ(Message("[[asset]]\nname = \"a\"\nowner = \"x\"\n"),
            "assets.toml:3: asset[1].owner: unknown key");
  EXPECT_EQ(Message("[[asset]]\nname = \"a\"\n[[asset]]\nname = \"a\"\n"),
            "assets.toml:3: asset[2]: a is listed twice");
  EXPECT_EQ(Message("[[asset]]\nname = \"a\"\ndescription = \"" + std::string(501, 'x') + "\"\n"),
            "assets.toml:3: asset[1].description: must be one line of at most 500 characters");
  EXPECT_EQ(Message("name = \"a\"\n"),
            "assets.toml:1: name: unknown key (asset files hold only [[asset]] tables)");
  EXPECT_EQ(Message(""), "assets.toml: no [[asset]] tables");
  EXPECT_EQ(Message("[[asset]\n").substr(0, 14), "assets.toml:1:");
}

TEST(AssetFile, TheReopenWindowComesFromTheProblemsTable) {
  const EnvLookup env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "SWARMBOT_BOT_TOKEN") {
      return "xoxb-1-test";
    }
    if (name == "SWARMBOT_APP_TOKEN") {
      return "xapp-1-test";
    }
    if (name == "SWARMBOT_INTAKE_API_KEY") {
      return "intake-key-test";
    }
    return std::nullopt;
  };
  EXPECT_EQ(ParseConfig("", "swarmbot.toml", env).problems_reopen_days, 7);
  EXPECT_EQ(ParseConfig("[problems]\nreopen_days = 3\n", "swarmbot.toml", env).problems_reopen_days,
            3);
  EXPECT_THROW(ParseConfig("[problems]\nreopen_days = -1\n", "swarmbot.toml", env), ConfigError);
  EXPECT_THROW(ParseConfig("[problems]\nreopen_dayz = 1\n", "swarmbot.toml", env), ConfigError);
}

}  // namespace
}  // namespace swarmbot::config
