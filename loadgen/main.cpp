// swarmbot-load: what a support team would feel when the bot is busy. Plays
// mixed signed Slack requests against the real swarmbot binary and the
// built-in Slack emulator on 127.0.0.1, then again while Slack rate-limits.

#include <exception>
#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>

#include "common/crypto.hpp"
#include "loadgen/load_run.hpp"

int main(int argc, char** argv) {
  CLI::App cli{"Load on swarmbot in request-URL mode, against a local Slack emulator."};
  swarmbot::loadgen::LoadOptions options;
  std::string binary;
  std::string work_dir;
  bool keep = false;
  int retry_after = 1;
  int slowed_by_ms = 250;
  int effects_timeout = 60;
  cli.add_option("--swarmbot", binary, "Path of the swarmbot binary")
      ->required()
      ->check(CLI::ExistingFile);
  cli.add_option("--work-dir", work_dir, "Where the config, database and log go");
  cli.add_flag("--keep", keep, "Keep the work folder (database and log) afterwards");
  cli.add_option("-c,--connections", options.connections, "Concurrent keep-alive connections")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  cli.add_option("-n,--requests", options.requests, "Requests in the steady phase")
      ->capture_default_str()
      ->check(CLI::Range(1, 1'000'000));
  cli.add_option("--slow-requests", options.slow_requests,
                 "Requests while Slack rate-limits and is slow")
      ->capture_default_str()
      ->check(CLI::Range(0, 1'000'000));
  cli.add_option("--ratelimited-calls", options.ratelimited_calls,
                 "Web API calls answered 429 ratelimited in the second phase")
      ->capture_default_str()
      ->check(CLI::Range(0, 10'000));
  cli.add_option("--retry-after", retry_after, "Retry-After of those answers, seconds")
      ->capture_default_str()
      ->check(CLI::Range(0, 300));
  cli.add_option("--slowed-calls", options.slowed_calls,
                 "chat.postMessage calls slowed after the rate limit")
      ->capture_default_str()
      ->check(CLI::Range(0, 10'000));
  cli.add_option("--slowed-by", slowed_by_ms, "How much each is slowed, milliseconds")
      ->capture_default_str()
      ->check(CLI::Range(0, 60'000));
  cli.add_option("--effects-timeout", effects_timeout,
                 "Seconds a phase waits for every Slack effect")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  cli.add_flag("--show-replies", options.show_replies, "Print the first reply of each kind");
  CLI11_PARSE(cli, argc, argv);
  options.retry_after = std::chrono::seconds(retry_after);
  options.slowed_by = std::chrono::milliseconds(slowed_by_ms);
  options.effects_timeout = std::chrono::seconds(effects_timeout);

  namespace fs = std::filesystem;
  options.swarmbot_binary = binary;
  options.work_dir = work_dir.empty()
                         ? fs::temp_directory_path() / ("swarmbot-load-" + swarmbot::RandomHex(4))
                         : fs::path(work_dir);
  int status = 0;
  try {
    if (!swarmbot::loadgen::RunLoad(options, std::cout)) {
      std::cout << "FAILED: see the errors, lost or duplicated effects above\n";
      keep = true;
      status = 1;
    }
  } catch (const std::exception& e) {
    std::cerr << "swarmbot-load failed: " << e.what() << "\n";
    keep = true;
    status = 2;
  }
  if (keep) {
    std::cout << "work folder kept: " << options.work_dir.string() << "\n";
  } else {
    std::error_code ignored;
    fs::remove_all(options.work_dir, ignored);
  }
  return status;
}
