// What an operator meets before and around serving: check-config on the files
// swarmbot reads, the shipped example, and the log lines of every command.

#include <cstdlib>
#include <filesystem>
#include <regex>
#include <sstream>

#include <sys/wait.h>

#include "tests/e2e/e2e_fixture.hpp"

namespace swarmbot::e2e {
namespace {

// Runs `swarmbot <args> --config <dir>/swarmbot.toml` with test secrets;
// returns the exit status, and stdout and stderr together in `output`.
int RunIn(const testing::TempDir& dir, const std::string& args, std::string& output) {
  const std::string command =
      "SWARMBOT_BOT_TOKEN=xoxb-test SWARMBOT_APP_TOKEN=xapp-test SWARMBOT_INTAKE_API_KEY=k " +
      testing::SwarmbotBinary().string() + " " + args + " --config " +
      (dir / "swarmbot.toml").string() + " >" + (dir / "out").string() + " 2>&1";
  const int status = std::system(command.c_str());
  output = testing::ReadFile(dir / "out");
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The lines of `text` that are log lines rather than a command's own words.
std::vector<std::string> LogLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.find("event=") != std::string::npos) {
      lines.push_back(line);
    }
  }
  return lines;
}

// serve's format (common/log.cpp): UTC time to the millisecond, level, event.
const std::regex& ServeLogLine() {
  static const std::regex kLine(
      R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (trace|debug|info|warn|error) event=.*)");
  return kLine;
}

using Operator = EndToEnd;

// Check 19: a missing smtp.ca_file passed check-config and serve started,
// while a missing slack.ca_file was refused with exit 2.
TEST_F(Operator, TheMailServersCertificateFileIsCheckedAsSlacksIs) {
  const auto mail = [](const std::string& ca_file) {
    return "[smtp]\nurl = \"smtps://127.0.0.1:2465\"\nca_file = \"" + ca_file +
           "\"\n[broadcast]\nfrom = \"support@takeout.example\"\n"
           "unsubscribe_mailto = \"unsubscribe@takeout.example\"\n";
  };
  const std::string missing = (stack_->work_dir() / "mail-ca.pem").string();
  stack_->SetExtraConfig(mail(missing));
  const auto refused = stack_->RunSwarmbotCommand({"check-config"});
  EXPECT_EQ(refused.status, 2);
  EXPECT_EQ(refused.output, "swarmbot: config: " + (stack_->work_dir() / "swarmbot.toml").string() +
                                ": smtp.ca_file: cannot load certificates from " + missing +
                                " (no such file)\n");

  stack_->SetExtraConfig(mail((stack_->work_dir() / "emulator-ca.pem").string()));
  const auto accepted = stack_->RunSwarmbotCommand({"check-config"});
  EXPECT_EQ(accepted.status, 0) << accepted.output;
}

// Check 19: `import` logged "[2026-12-06 03:09:27.219] [info] …" while serve
// logs "2026-12-06T03:09:20.768Z info …".
TEST_F(Operator, ImportsLogAsServeDoes) {
  const auto served = LogLines(testing::ReadFile(stack_->LogFile()));
  ASSERT_FALSE(served.empty());
  for (const std::string& line : served) {
    EXPECT_TRUE(std::regex_match(line, ServeLogLine())) << line;
  }

  testing::TempDir dir;  // a new store, so that the import logs its migration
  testing::WriteFile(dir / "swarmbot.toml",
                     "[slack]\nincident_channel = \"C0INC\"\n[store]\npath = \"" +
                         (dir / "swarmbot.db").string() + "\"\n");
  testing::WriteFile(dir / "people.toml", "[[person]]\nuser = \"U0ANN0001\"\nname = \"Ann\"\n");
  std::string output;
  ASSERT_EQ(RunIn(dir, "import people " + (dir / "people.toml").string(), output), 0) << output;
  const auto imported = LogLines(output);
  ASSERT_FALSE(imported.empty()) << output;
  for (const std::string& line : imported) {
    EXPECT_TRUE(std::regex_match(line, ServeLogLine())) << line;
  }
  EXPECT_EQ(output.find("[info]"), std::string::npos) << output;
}

// Check 19: the example's made-up ids passed check-config, so a literal copy
// would have posted into channels that don't exist.
TEST(ExampleConfig, ACopyAsItIsIsRefusedUntilItsPlaceholdersAreReplaced) {
  testing::TempDir dir;
  const std::string example =
      testing::ReadFile(std::filesystem::path(SWARMBOT_SOURCE_DIR) / "swarmbot.example.toml");
  testing::WriteFile(dir / "swarmbot.toml", example);
  std::string output;
  EXPECT_EQ(RunIn(dir, "check-config", output), 2);
  EXPECT_EQ(output, "swarmbot: config: " + (dir / "swarmbot.toml").string() +
                        ": slack.incident_channel: still holds the example's placeholder "
                        "<incidents channel id>; replace it with the id of the channel where "
                        "incidents are announced, such as C0123456789\n");
}

}  // namespace
}  // namespace swarmbot::e2e
