// swarmbot-load with small counts: the tool itself, as someone would run it.
// Timing is the tool's to report, never this test's to assert.

#include <array>
#include <cstdio>
#include <string>

#include <gtest/gtest.h>
#include <sys/wait.h>

#include "tests/support/testing.hpp"

namespace swarmbot {
namespace {

struct ToolRun {
  int status = -1;
  std::string output;
};

ToolRun RunLoadTool(const std::string& arguments) {
  ToolRun run;
  const std::string command = std::string(SWARMBOT_LOAD_BINARY) + " " + arguments + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    return run;
  }
  std::array<char, 4096> chunk{};
  while (std::fgets(chunk.data(), static_cast<int>(chunk.size()), pipe) != nullptr) {
    run.output += chunk.data();
  }
  const int wait_status = ::pclose(pipe);
  run.status = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
  return run;
}

// The line of the report that starts with `prefix`, or "".
std::string LineStartingWith(const std::string& output, const std::string& prefix) {
  for (std::size_t at = 0; at < output.size();) {
    const std::size_t end = output.find('\n', at);
    const std::string line = output.substr(at, end == std::string::npos ? end : end - at);
    if (line.starts_with(prefix)) {
      return line;
    }
    at = end == std::string::npos ? output.size() : end + 1;
  }
  return {};
}

// The value of `key=` in a report line, or "" when the line has no such field.
std::string Field(const std::string& line, const std::string& key) {
  const std::size_t at = line.find(" " + key + "=");
  if (at == std::string::npos) {
    return {};
  }
  const std::size_t begin = at + key.size() + 2;
  return line.substr(begin, line.find_first_of(" ;", begin) - begin);
}

TEST(LoadTool, AcknowledgesEveryRequestAndPerformsEveryEffectOnceEvenWhileSlackRateLimits) {
  testing::TempDir dir;
  const ToolRun run =
      RunLoadTool("--swarmbot " + testing::SwarmbotBinary().string() + " --work-dir " +
                  (dir / "work").string() +
                  " --connections 3 --requests 40 --slow-requests 30 --ratelimited-calls 6"
                  " --slowed-calls 6 --slowed-by 50");

  EXPECT_EQ(run.status, 0) << run.output;
  for (const auto& [phase, count] : {std::pair{"steady", "40"}, {"slack-degraded", "30"}}) {
    const std::string acks = LineStartingWith(run.output, std::string(phase) + " all ");
    EXPECT_EQ(Field(acks, "n"), count) << run.output;
    EXPECT_EQ(Field(acks, "errors"), "0") << run.output;
    const std::string effects = LineStartingWith(run.output, std::string(phase) + " effects ");
    EXPECT_NE(Field(effects, "expected"), "0") << "no effect was checked\n" << run.output;
    EXPECT_EQ(Field(effects, "performed"), Field(effects, "expected")) << run.output;
    for (const char* none : {"lost", "duplicated", "outbox_pending", "outbox_failed"}) {
      EXPECT_EQ(Field(effects, none), "0") << none << "\n" << run.output;
    }
  }
}

}  // namespace
}  // namespace swarmbot
