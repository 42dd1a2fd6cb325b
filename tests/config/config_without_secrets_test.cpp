#include <gtest/gtest.h>

#include "config/config.hpp"
#include "tests/support/testing.hpp"

namespace swarmbot::config {
namespace {

// `swarmbot import …` only writes the local store; the Slack tokens, the API
// keys and the SMTP password are none of its business.
class ConfigWithoutSecrets : public ::testing::Test {
 protected:
  std::string Write(const std::string& toml) {
    const auto file = dir_ / "swarmbot.toml";
    testing::WriteFile(file, toml);
    return file.string();
  }

  testing::TempDir dir_;
};

TEST_F(ConfigWithoutSecrets, ReadsTheStorePathWithNoSecretSet) {
  const Config config = LoadConfigWithoutSecrets(
      Write("[store]\npath = \"history.db\"\n[smtp]\nurl = \"smtp://mail.example.com:587\"\n"
            "username = \"swarmbot\"\n[broadcast]\nfrom = \"support@example.com\"\n"
            "unsubscribe_mailto = \"unsubscribe@example.com\"\n"));
  EXPECT_EQ(config.store_path, "history.db");
  EXPECT_TRUE(config.bot_token.Empty());
  EXPECT_TRUE(config.intake_api_key.Empty());
  EXPECT_TRUE(config.broadcast.smtp.password.Empty());
}

TEST_F(ConfigWithoutSecrets, StillChecksTheFile) {
  try {
    LoadConfigWithoutSecrets(Write("[store]\npaht = \"history.db\"\n"));
    FAIL() << "an unknown key was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("store.paht"), std::string::npos) << e.what();
  }
}

TEST_F(ConfigWithoutSecrets, ServingStillNeedsThem) {
  EXPECT_THROW(
      LoadConfig(Write("[store]\npath = \"history.db\"\n"),
                 [](const std::string&) -> std::optional<std::string> { return std::nullopt; }),
      ConfigError);
}

}  // namespace
}  // namespace swarmbot::config
