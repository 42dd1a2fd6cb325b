#include <map>
#include <string>

#include <gtest/gtest.h>

#include "config/config.hpp"

namespace swarmbot::config {
namespace {

Config ParseWith(const std::string& toml, std::map<std::string, std::string> env) {
  env.emplace("SWARMBOT_BOT_TOKEN", "xoxb-1-secretbot");
  env.emplace("SWARMBOT_APP_TOKEN", "xapp-1-secretapp");
  env.emplace("SWARMBOT_INTAKE_API_KEY", "intake-key-123");
  return ParseConfig(toml, "swarmbot.toml", [&env](const std::string& name) {
    const auto it = env.find(name);
    return it == env.end() ? std::nullopt : std::optional(it->second);
  });
}

std::string ErrorOf(const std::string& toml) {
  try {
    ParseWith(toml, {});
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(BannerConfig, ReadsTheBannerTableAndTheSiteKey) {
  const Config config = ParseWith("[banner]\nclear_on_close = false\nmax_age_seconds = 5\n",
                                  {{"SWARMBOT_SITE_API_KEY", "site-key-42"}});
  EXPECT_FALSE(config.banner_clear_on_close);
  EXPECT_EQ(config.banner_max_age_seconds, 5);
  EXPECT_EQ(config.site_api_key.Reveal(), "site-key-42");
}

TEST(BannerConfig, DefaultsWithoutTheTableAndWithoutTheKey) {
  const Config config = ParseWith("", {});
  EXPECT_TRUE(config.banner_clear_on_close);
  EXPECT_EQ(config.banner_max_age_seconds, 30);
  EXPECT_TRUE(config.site_api_key.Empty());
}

TEST(BannerConfig, NamesABadValue) {
  EXPECT_EQ(ErrorOf("[banner]\nclear_on_close = \"yes\"\n"),
            "swarmbot.toml: banner.clear_on_close: must be true or false");
  EXPECT_EQ(ErrorOf("[banner]\nmax_age_seconds = 7200\n"),
            "swarmbot.toml: banner.max_age_seconds: must be a whole number from 0 to 3600");
  EXPECT_EQ(ErrorOf("[banner]\nttl = 3\n"), "swarmbot.toml: banner.ttl: unknown key");
}

}  // namespace
}  // namespace swarmbot::config
