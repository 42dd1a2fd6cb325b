// swarmbot-demo: plays the Take-Out scenario against the built-in Slack
// emulator with the real swarmbot binary, and prints what everyone saw.

#include <chrono>
#include <exception>
#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>

#include "common/crypto.hpp"
#include "demo/scenario.hpp"
#include "demo/walkthrough.hpp"

int main(int argc, char** argv) {
  CLI::App cli{"Plays the Take-Out incident scenario against a local Slack emulator."};
  std::string binary;
  std::string work_dir;
  bool keep = false;
  cli.add_option("--swarmbot", binary, "Path of the swarmbot binary")->required();
  cli.add_option("--work-dir", work_dir, "Where the config, database and log go");
  cli.add_flag("--keep", keep, "Keep the work folder (database and log) afterwards");
  CLI11_PARSE(cli, argc, argv);

  namespace fs = std::filesystem;
  const fs::path dir = work_dir.empty()
                           ? fs::temp_directory_path() / ("swarmbot-demo-" + swarmbot::RandomHex(4))
                           : fs::path(work_dir);
  const auto started = std::chrono::steady_clock::now();
  int status = 0;
  try {
    swarmbot::demo::Stack stack({.swarmbot_binary = binary, .work_dir = dir});
    swarmbot::demo::Scenario scenario(stack, [](const std::string& line) {
      std::cout << line << "\n" << std::flush;
    });
    swarmbot::demo::PlayWalkthrough(scenario, std::cout);
    stack.StopSwarmbot();
  } catch (const std::exception& e) {
    std::cerr << "demo failed: " << e.what() << "\n(the log is in " << (dir / "swarmbot.log")
              << ")\n";
    keep = true;
    status = 1;
  }
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started);
  std::cout << "\ndemo finished in " << seconds.count() << " s\n";
  if (keep) {
    std::cout << "the work folder (config, database, log) is kept in " << dir.string() << "\n";
  } else {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
  return status;
}
