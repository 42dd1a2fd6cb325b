#include <map>
#include <regex>
#include <string>

#include <gtest/gtest.h>

#include "config/config.hpp"
#include "tests/support/testing.hpp"

namespace swarmbot::config {
namespace {

class CabConfigTest : public ::testing::Test {
 protected:
  Config Parse(const std::string& toml) const { return ParseConfig(toml, "swarmbot.toml", Env()); }

  // The ConfigError's message, or "" if parsing succeeded.
  std::string ErrorOf(const std::string& toml) const {
    try {
      Parse(toml);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  }

  EnvLookup Env() const {
    return [](const std::string& name) -> std::optional<std::string> {
      static const std::map<std::string, std::string> kEnv{
          {"SWARMBOT_BOT_TOKEN", "xoxb-1-secretbot"},
          {"SWARMBOT_APP_TOKEN", "xapp-1-secretapp"},
          {"SWARMBOT_INTAKE_API_KEY", "intake-key-123"}};
      auto it = kEnv.find(name);
      return it == kEnv.end() ? std::nullopt : std::optional(it->second);
    };
  }

  static constexpr const char* kHead = R"(
[cab]
channel = "C0CAB"
escalation_channel = "C0MGR"
)";
};

TEST_F(CabConfigTest, ReadsPoliciesPerChangeType) {
  const Config config = Parse(std::string(kHead) + R"(
[cab.policies.normal]
groups = ["S0CAB"]
rule = "any"
mandatory = ["U0SARA"]
allow_self_approval = true
deadline_hours = 24
[cab.policies.emergency]
groups = ["S0ECAB", "S0SEC"]
rule = "n_of_m"
n = 2
deadline_hours = 2
[roles]
incident_manager_groups = ["S0MGRS"]
)");
  EXPECT_EQ(config.cab.channel, "C0CAB");
  EXPECT_EQ(config.cab.escalation_channel, "C0MGR");
  ASSERT_EQ(config.cab.policies.size(), 2u);
  const CabPolicyConfig& normal = config.cab.policies.at("normal");
  EXPECT_EQ(normal.groups, std::vector<std::string>{"S0CAB"});
  EXPECT_EQ(normal.mandatory, std::vector<std::string>{"U0SARA"});
  EXPECT_TRUE(normal.allow_self_approval);
  const CabPolicyConfig& emergency = config.cab.policies.at("emergency");
  EXPECT_EQ(emergency.rule, "n_of_m");
  EXPECT_EQ(emergency.n, 2);
  EXPECT_EQ(emergency.deadline_hours, 2);
  EXPECT_FALSE(emergency.allow_self_approval);
  EXPECT_EQ(config.incident_manager_groups, std::vector<std::string>{"S0MGRS"});
}

TEST_F(CabConfigTest, NoCabTableMeansNoPolicies) {
  EXPECT_TRUE(Parse("").cab.policies.empty());
}

TEST_F(CabConfigTest, ErrorsNameTheKey) {
  const std::string head(kHead);
  EXPECT_EQ(ErrorOf(head + "[cab.policies.normal]\ngroups = [\"S0CAB\"]\nrule = \"majority\"\n"),
            "swarmbot.toml: cab.policies.normal.rule: must be one of any, n_of_m, all, "
            "each_group");
  EXPECT_EQ(
      ErrorOf(head + "[cab.policies.normal]\ngroups = [\"S0CAB\"]\nrule = \"n_of_m\"\nn = 0\n"),
      "swarmbot.toml: cab.policies.normal.n: must be a whole number from 1 to 1000");
  EXPECT_NE(ErrorOf(head + "[cab.policies.normal]\ngroups = [\"S0CAB\"]\nrule = \"n_of_m\"\n")
                .find("cab.policies.normal.n: is required"),
            std::string::npos);
  EXPECT_NE(ErrorOf(head + "[cab.policies.normal]\ngroups = [\"S0CAB\"]\nn = 2\n")
                .find("cab.policies.normal.n: only applies"),
            std::string::npos);
  EXPECT_NE(ErrorOf(head + "[cab.policies.normal]\ngroups = [\"cab\"]\n")
                .find("cab.policies.normal.groups: must be a list of Slack ids"),
            std::string::npos);
  EXPECT_NE(ErrorOf(head + "[cab.policies.normal]\nrule = \"any\"\n")
                .find("cab.policies.normal.groups: must name at least one"),
            std::string::npos);
  EXPECT_NE(ErrorOf(head + "[cab.policies.normal]\ngroups = [\"S0CAB\"]\nquorum = 2\n")
                .find("cab.policies.normal.quorum: unknown key"),
            std::string::npos);
  EXPECT_NE(ErrorOf(head + "[cab.policies.normal]\ngroups = [\"S0CAB\"]\nmandatory = [\"x\"]\n")
                .find("cab.policies.normal.mandatory"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[cab]\nchannel = \"general\"\n").find("cab.channel: must be a Slack channel"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[cab]\nsecret = 1\n").find("cab.secret: unknown key"), std::string::npos);
  EXPECT_NE(ErrorOf("[roles]\nincident_manager_groups = [\"U0MARA\"]\n")
                .find("roles.incident_manager_groups"),
            std::string::npos);
}

TEST_F(CabConfigTest, APolicyNeedsAChannelAndADeadlineNeedsAnEscalationChannel) {
  EXPECT_NE(
      ErrorOf("[cab.policies.normal]\ngroups = [\"S0CAB\"]\n").find("cab.channel: is required"),
      std::string::npos);
  EXPECT_NE(ErrorOf("[cab]\nchannel = \"C0CAB\"\n[cab.policies.normal]\ngroups = [\"S0CAB\"]\n")
                .find("cab.escalation_channel: is required"),
            std::string::npos);
  EXPECT_EQ(ErrorOf("[cab]\nchannel = \"C0CAB\"\n[cab.policies.normal]\ngroups = "
                    "[\"S0CAB\"]\ndeadline_hours = 0\n"),
            "");
}

TEST_F(CabConfigTest, TheExampleConfigReadsItsPolicies) {
  const std::string text = swarmbot::testing::ReadFile(std::filesystem::path(SWARMBOT_SOURCE_DIR) /
                                                       "swarmbot.example.toml");
  // Its ids are "<…>" placeholders for the operator to replace.
  std::string filled = std::regex_replace(text, std::regex(R"("<[^"]*channel id>")"), "\"C0EX1\"");
  filled = std::regex_replace(filled, std::regex(R"("<[^"]*group id>")"), "\"S0EX1\"");
  const Config config = ParseConfig(filled, "swarmbot.example.toml", Env());
  EXPECT_EQ(config.cab.policies.at("emergency").n, 2);
  EXPECT_EQ(config.cab.policies.at("normal").groups, (std::vector<std::string>{"S0EX1"}));
}

}  // namespace
}  // namespace swarmbot::config
