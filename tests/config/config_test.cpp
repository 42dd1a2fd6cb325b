#include "config/config.hpp"

#include <map>
#include <regex>

#include <gtest/gtest.h>

#include "tests/support/testing.hpp"

namespace swarmbot::config {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  EnvLookup Env() const {
    return [this](const std::string& name) -> std::optional<std::string> {
      auto it = env_.find(name);
      return it == env_.end() ? std::nullopt : std::optional(it->second);
    };
  }

  // Returns the ConfigError's message, or "" if parsing succeeded.
  std::string ErrorOf(const std::string& toml) const {
    try {
      ParseConfig(toml, "swarmbot.toml", Env());
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  }

  std::map<std::string, std::string> env_{{"SWARMBOT_BOT_TOKEN", "xoxb-1-secretbot"},
                                          {"SWARMBOT_APP_TOKEN", "xapp-1-secretapp"},
                                          {"SWARMBOT_INTAKE_API_KEY", "intake-key-123"}};
};

TEST_F(ConfigTest, ReadsEveryKeyAndSecretsFromTheEnvironment) {
  const Config config = ParseConfig(R"(
[slack]
mode = "socket"
api_base_url = "https://127.0.0.1:8443/api"
incident_channel = "C0MANAGERS"
[http]
listen = "0.0.0.0"
port = 8080
[store]
path = "/tmp/swarmbot.db"
[roles]
incident_managers = ["U0MARA", "U0KOFI"]
[log]
level = "debug"
)",
                                    "swarmbot.toml", Env());
  EXPECT_EQ(config.mode, Mode::kSocket);
  EXPECT_EQ(config.api_base_url, "https://127.0.0.1:8443/api/");
  EXPECT_EQ(config.incident_channel, "C0MANAGERS");
  EXPECT_EQ(config.http_listen, "0.0.0.0");
  EXPECT_EQ(config.http_port, 8080);
  EXPECT_EQ(config.store_path, "/tmp/swarmbot.db");
  EXPECT_EQ(config.incident_managers, (std::vector<std::string>{"U0MARA", "U0KOFI"}));
  EXPECT_EQ(config.log_level, "debug");
  EXPECT_EQ(config.bot_token.Reveal(), "xoxb-1-secretbot");
  EXPECT_EQ(config.app_token.Reveal(), "xapp-1-secretapp");
}

TEST_F(ConfigTest, AnEmptyFileGivesTheDefaults) {
  const Config config = ParseConfig("", "swarmbot.toml", Env());
  EXPECT_EQ(config.mode, Mode::kSocket);
  EXPECT_EQ(config.api_base_url, "https://slack.com/api/");
  EXPECT_EQ(config.http_port, 3000);
}

TEST_F(ConfigTest, ReadsHowManyEffectsMayBeInFlight) {
  EXPECT_EQ(ParseConfig("", "swarmbot.toml", Env()).effects_in_flight, 4);
  EXPECT_EQ(
      ParseConfig("[slack]\neffects_in_flight = 1\n", "swarmbot.toml", Env()).effects_in_flight, 1);
  EXPECT_NE(ErrorOf("[slack]\neffects_in_flight = 0\n").find("slack.effects_in_flight"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[slack]\neffects_in_flight = 33\n"), "");
}

TEST_F(ConfigTest, NamesAnUnknownKey) {
  EXPECT_EQ(ErrorOf("[slack]\nmodee = \"socket\"\n"), "swarmbot.toml: slack.modee: unknown key");
  EXPECT_EQ(ErrorOf("[slak]\n"), "swarmbot.toml: slak: unknown section");
  EXPECT_EQ(ErrorOf("mode = \"socket\"\n"), "swarmbot.toml: mode: unknown key outside any section");
}

TEST_F(ConfigTest, NamesAnUnknownArrayOfTablesAsOne) {
  EXPECT_EQ(ErrorOf("[[person]]\nuser = \"U0SOFIA\"\n"),
            "swarmbot.toml: person: unknown array of tables ([[person]]); people go in a file of "
            "their own: swarmbot import people FILE");
  EXPECT_EQ(ErrorOf("[[tenant]]\nname = \"acme\"\n"),
            "swarmbot.toml: tenant: unknown array of tables ([[tenant]])");
}

TEST_F(ConfigTest, SaysWhetherTheConfigFileIsMissingOrNotAFile) {
  const auto missing = std::filesystem::temp_directory_path() / "swarmbot-no-such-config.toml";
  auto message = [&](const std::string& path) {
    try {
      LoadConfig(path, Env());
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message(missing.string()), "cannot read " + missing.string() + " (no such file)");
  const auto directory = std::filesystem::temp_directory_path().string();
  EXPECT_EQ(message(directory), "cannot read " + directory + " (not a regular file)");
}

TEST_F(ConfigTest, NamesABadUrlPortModeAndLevel) {
  EXPECT_EQ(ErrorOf("[slack]\napi_base_url = \"slack.com\"\n"),
            "swarmbot.toml: slack.api_base_url: must be an https:// URL");
  EXPECT_EQ(ErrorOf("[http]\nport = 70000\n"),
            "swarmbot.toml: http.port: must be a whole number from 0 to 65535");
  EXPECT_EQ(ErrorOf("[http]\nport = \"80\"\n"),
            "swarmbot.toml: http.port: must be a whole number from 0 to 65535");
  EXPECT_NE(ErrorOf("[slack]\nmode = \"webhook\"\n").find("slack.mode"), std::string::npos);
  EXPECT_NE(ErrorOf("[log]\nlevel = \"loud\"\n").find("log.level"), std::string::npos);
}

TEST_F(ConfigTest, ReportsTheLineOfBrokenToml) {
  EXPECT_EQ(ErrorOf("[slack]\nmode = \n").rfind("swarmbot.toml:2: ", 0), 0u);
}

TEST_F(ConfigTest, NamesAMissingSecretWithoutPrintingAnyValue) {
  env_.erase("SWARMBOT_APP_TOKEN");
  const std::string error = ErrorOf("");
  EXPECT_EQ(error.rfind("SWARMBOT_APP_TOKEN: missing", 0), 0u) << error;
  EXPECT_EQ(error.find("xoxb-1-secretbot"), std::string::npos);
}

TEST_F(ConfigTest, RejectsATokenOfTheWrongKindWithoutEchoingIt) {
  env_["SWARMBOT_BOT_TOKEN"] = "xapp-wrong-kind";
  const std::string error = ErrorOf("");
  EXPECT_EQ(error, "SWARMBOT_BOT_TOKEN: must start with xoxb-");
}

TEST_F(ConfigTest, HttpModeNeedsTheSigningSecretButNotTheAppToken) {
  env_.erase("SWARMBOT_APP_TOKEN");
  EXPECT_EQ(ErrorOf("[slack]\nmode = \"http\"\n").rfind("SWARMBOT_SIGNING_SECRET: missing", 0), 0u);
  env_["SWARMBOT_SIGNING_SECRET"] = "8f742231b10e8888abcd99yyyzzz85a5";
  EXPECT_EQ(ErrorOf("[slack]\nmode = \"http\"\n"), "");
}

TEST_F(ConfigTest, ReadsASecretFromTheFileNamedByTheFileVariable) {
  testing::TempDir dir;
  testing::WriteFile(dir / "app-token", "xapp-from-file\n");
  env_.erase("SWARMBOT_APP_TOKEN");
  env_["SWARMBOT_APP_TOKEN_FILE"] = (dir / "app-token").string();
  const Config config = ParseConfig("", "swarmbot.toml", Env());
  EXPECT_EQ(config.app_token.Reveal(), "xapp-from-file");
}

TEST_F(ConfigTest, RefusesWhatServeCouldNotUse) {
  EXPECT_EQ(ErrorOf("[slack]\napi_base_url = \"http://slack.com/api/\"\n"),
            "swarmbot.toml: slack.api_base_url: must be an https:// URL");
  EXPECT_EQ(ErrorOf("[slack]\napi_base_url = \"https://slack.com/api/?x=1\"\n"),
            "swarmbot.toml: slack.api_base_url: must not have a query or fragment");
  EXPECT_EQ(ErrorOf("[http]\nlisten = \"localhost\"\n"),
            "swarmbot.toml: http.listen: must be an IP address such as 127.0.0.1 or ::1");
  EXPECT_EQ(ErrorOf("[slack]\nincident_channel = \"#incidents\"\n"),
            "swarmbot.toml: slack.incident_channel: must be a channel id such as C0123456789, "
            "not a name");

  testing::TempDir dir;
  testing::WriteFile(dir / "not-pem", "hello\n");
  EXPECT_EQ(ErrorOf("[slack]\nca_file = \"" + (dir / "not-pem").string() + "\"\n"),
            "swarmbot.toml: slack.ca_file: cannot load certificates from " +
                (dir / "not-pem").string() + " (unreadable, or no PEM certificate in it)");
  EXPECT_EQ(ErrorOf("[slack]\nca_file = \"" + dir.path().string() + "\"\n"),
            "swarmbot.toml: slack.ca_file: cannot load certificates from " + dir.path().string() +
                " (not a regular file)");
  EXPECT_EQ(ErrorOf("[store]\npath = \"" + dir.path().string() + "\"\n"),
            "swarmbot.toml: store.path: names a folder; it must name the database file");
  EXPECT_NE(ErrorOf("[store]\npath = \"" + (dir / "missing" / "x.db").string() + "\"\n")
                .find("does not exist"),
            std::string::npos);
}

TEST_F(ConfigTest, NeverEchoesAValueBack) {
  const std::string error = ErrorOf("[slack]\nmode = \"xoxb-1234-5678-SECRETVALUE\"\n");
  EXPECT_EQ(error.find("SECRETVALUE"), std::string::npos) << error;
}

TEST_F(ConfigTest, RefusesSecretsWithSpacesOrControlCharacters) {
  env_["SWARMBOT_BOT_TOKEN"] = "xoxb-abc\r\nX-Evil: 1";
  EXPECT_EQ(ErrorOf(""), "SWARMBOT_BOT_TOKEN: contains a space or control character");
}

TEST_F(ConfigTest, RefusesASecretSetBothWays) {
  testing::TempDir dir;
  testing::WriteFile(dir / "bot", "xoxb-from-file\n");
  env_["SWARMBOT_BOT_TOKEN_FILE"] = (dir / "bot").string();
  EXPECT_EQ(ErrorOf(""),
            "SWARMBOT_BOT_TOKEN and SWARMBOT_BOT_TOKEN_FILE are both set; set one of them");
  env_.erase("SWARMBOT_BOT_TOKEN");
  env_["SWARMBOT_BOT_TOKEN_FILE"] = dir.path().string();
  EXPECT_EQ(ErrorOf(""), "SWARMBOT_BOT_TOKEN_FILE: cannot read the file it names");
}

TEST_F(ConfigTest, ReadsTheEmailIntakeDefaultsAndNamesABadOwner) {
  const Config config = ParseConfig(
      "[intake]\nemail_territory = \"North\"\nemail_owner = \"U0RAVI\"\n", "t.toml", Env());
  EXPECT_EQ(config.intake_email_territory, "North");
  EXPECT_EQ(config.intake_email_owner, "U0RAVI");
  EXPECT_EQ(ErrorOf("[intake]\nemail_owner = \"ravi\"\n"),
            "swarmbot.toml: intake.email_owner: must be a Slack user id such as U0123ABCD");
  EXPECT_EQ(ErrorOf("[intake]\nemail_territory = \"Atlantis\"\n"),
            "swarmbot.toml: intake.email_territory: must be one of incidents.territories");
}

// Check 19: a store path of spaces or with a control character passed
// check-config, and serve made a database file of that name.
TEST_F(ConfigTest, RefusesAStorePathOfSpacesOrWithAControlCharacter) {
  EXPECT_EQ(ErrorOf("[store]\npath = \" \"\n"),
            "swarmbot.toml: store.path: must not be only spaces");
  EXPECT_EQ(ErrorOf("[store]\npath = \"\\u0007bell\"\n"),
            "swarmbot.toml: store.path: contains the control character U+0007; it must be one "
            "line");
}

// Check 19: the example's made-up ids passed check-config, so a literal copy
// would have posted into channels that don't exist. Its "<…>" placeholders
// are refused, each saying what to put there.
TEST_F(ConfigTest, TheExampleConfigAsShippedAsksForItsPlaceholders) {
  const auto example = std::filesystem::path(SWARMBOT_SOURCE_DIR) / "swarmbot.example.toml";
  EXPECT_EQ(ErrorOf(testing::ReadFile(example)),
            "swarmbot.toml: slack.incident_channel: still holds the example's placeholder "
            "<incidents channel id>; replace it with the id of the channel where incidents are "
            "announced, such as C0123456789");
  EXPECT_EQ(ErrorOf("[cab]\nchannel = \"<CAB channel id>\"\n"),
            "swarmbot.toml: cab.channel: still holds the example's placeholder <CAB channel id>; "
            "replace it with a Slack channel id such as \"C0123ABCD\"");
  EXPECT_EQ(ErrorOf("[cab.policies.normal]\ngroups = [\"<CAB user group id>\"]\n"),
            "swarmbot.toml: cab.policies.normal.groups: still holds the example's placeholder "
            "<CAB user group id>; replace it with a Slack id such as \"S0CAB\"");
}

TEST_F(ConfigTest, TheExampleConfigIsValidOnceItsPlaceholdersAreReplaced) {
  const auto example = std::filesystem::path(SWARMBOT_SOURCE_DIR) / "swarmbot.example.toml";
  const std::string text = testing::ReadFile(example);
  std::string filled = std::regex_replace(text, std::regex(R"("<[^"]*channel id>")"), "\"C0EX1\"");
  filled = std::regex_replace(filled, std::regex(R"("<[^"]*group id>")"), "\"S0EX1\"");
  ASSERT_EQ(filled.find("\"<"), std::string::npos) << "a placeholder this test doesn't fill";
  EXPECT_EQ(ErrorOf(filled), "");
}

// [incidents]: the service territories and the impact × urgency matrix.
constexpr const char* kFullMatrix = R"(
[incidents.priority]
high = { high = 1, medium = 1, low = 2 }
medium = { high = 2, medium = 3, low = 3 }
low = { high = 3, medium = 4, low = 4 }
)";

TEST_F(ConfigTest, DefaultsToFourTerritoriesAndTheUsualMatrix) {
  const Config config = ParseConfig("", "swarmbot.toml", Env());
  EXPECT_EQ(config.territories, (std::vector<std::string>{"North", "East", "South", "West"}));
  EXPECT_EQ(config.priority_matrix[0][0], 1);
  EXPECT_EQ(config.priority_matrix[1][1], 3);
  EXPECT_EQ(config.priority_matrix[2][2], 4);
}

TEST_F(ConfigTest, ReadsTerritoriesAndAWholeMatrix) {
  const Config config =
      ParseConfig(std::string("[incidents]\nterritories = [\"Nord\", \"Süd\"]\n") + kFullMatrix,
                  "swarmbot.toml", Env());
  EXPECT_EQ(config.territories, (std::vector<std::string>{"Nord", "Süd"}));
  EXPECT_EQ(config.priority_matrix[0][1], 1);
  EXPECT_EQ(config.priority_matrix[0][2], 2);
  EXPECT_EQ(config.priority_matrix[1][2], 3);
}

TEST_F(ConfigTest, ABadMatrixNamesTheCell) {
  EXPECT_EQ(ErrorOf("[incidents.priority]\nhigh = { high = 1, medium = 2, low = 3 }\n"),
            "swarmbot.toml: incidents.priority.medium.high: missing; give a priority for every "
            "impact × urgency");
  std::string out_of_range = kFullMatrix;
  out_of_range.replace(out_of_range.find("low = 4 }"), 9, "low = 5 }");
  EXPECT_EQ(ErrorOf(out_of_range),
            "swarmbot.toml: incidents.priority.low.low: must be a whole number from 1 to 4");
  EXPECT_EQ(ErrorOf(std::string(kFullMatrix) + "urgent = { high = 1 }\n"),
            "swarmbot.toml: incidents.priority.urgent: unknown impact (use high, medium or low)");
  EXPECT_EQ(ErrorOf("[incidents.priority]\nhigh = { high = 1, soon = 1 }\n"),
            "swarmbot.toml: incidents.priority.high.soon: unknown urgency (use high, medium or "
            "low)");
  EXPECT_EQ(ErrorOf("[incidents]\npriority = 3\n"),
            "swarmbot.toml: incidents.priority: must be a table of impact rows, e.g. high = { "
            "high = 1, medium = 2, low = 3 }");
}

TEST_F(ConfigTest, BadTerritoriesAreRefused) {
  EXPECT_EQ(ErrorOf("[incidents]\nterritories = []\n"),
            "swarmbot.toml: incidents.territories: must be a list of 1 to 100 territory names");
  EXPECT_EQ(ErrorOf("[incidents]\nterritories = [\"North\", \"North\"]\n"),
            "swarmbot.toml: incidents.territories: \"North\" is listed twice");
  EXPECT_EQ(ErrorOf("[incidents]\nterritories = [\"" + std::string(76, 'x') + "\"]\n"),
            "swarmbot.toml: incidents.territories: each territory must be a name of 1 to 75 "
            "characters");
  EXPECT_EQ(ErrorOf("[incidents]\nterritories = [\"a\\nb\"]\n"),
            "swarmbot.toml: incidents.territories: a territory name contains a control character");
  EXPECT_EQ(ErrorOf("[incidents]\nterritory = [\"North\"]\n"),
            "swarmbot.toml: incidents.territory: unknown key");
}

}  // namespace
}  // namespace swarmbot::config
