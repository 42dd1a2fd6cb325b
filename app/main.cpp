// swarmbot's command line. Everything it runs lives in the libraries; this
// file only reads the arguments and the config and hands over.

#include <cstdio>
#include <optional>

#include <CLI/CLI.hpp>

#include "app/app.hpp"
#include "common/log.hpp"
#include "config/config.hpp"

namespace {

std::optional<swarmbot::config::Config> LoadOrExplain(const std::string& path) {
  try {
    return swarmbot::config::LoadConfig(path, swarmbot::config::ProcessEnvironment());
  } catch (const swarmbot::config::ConfigError& e) {
    std::fprintf(stderr, "swarmbot: config: %s\n", e.what());
    return std::nullopt;
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"swarmbot: the incident lifecycle in Slack"};
  cli.require_subcommand(1);
  std::string config_path = "swarmbot.toml";
  int ready_fd = -1;

  CLI::App* serve = cli.add_subcommand("serve", "Connect to Slack and serve until stopped");
  serve->add_option("--config,-c", config_path, "The config file")->capture_default_str();
  serve->add_option("--ready-fd", ready_fd,
                    "Write 'ready http_port=N' to this file descriptor once serving");

  CLI::App* check = cli.add_subcommand("check-config", "Check the config and secrets, then exit");
  check->add_option("--config,-c", config_path, "The config file")->capture_default_str();

  cli.add_subcommand("version", "Print the version");
  CLI11_PARSE(cli, argc, argv);

  if (cli.got_subcommand("version")) {
    std::printf("swarmbot 0.1.0\n");
    return swarmbot::app::kExitOk;
  }
  const auto config = LoadOrExplain(config_path);
  if (!config) {
    return swarmbot::app::kExitConfig;
  }
  if (cli.got_subcommand(check)) {
    std::printf("%s: ok\n", config_path.c_str());
    return swarmbot::app::kExitOk;
  }
  swarmbot::InitLogging(config->log_level);
  swarmbot::app::ServeOptions options;
  if (ready_fd >= 0) {
    options.ready_fd = ready_fd;
  }
  return swarmbot::app::Serve(*config, options);
}
