#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/secret.hpp"

namespace swarmbot::config {

// How Slack reaches swarmbot.
enum class Mode {
  kSocket,  // Socket Mode: swarmbot dials out over a WebSocket; no public URL needed
  kHttp,    // request URLs: Slack POSTs signed requests to swarmbot's HTTP endpoint
};

struct Config {
  Mode mode = Mode::kSocket;
  std::string api_base_url = "https://slack.com/api/";
  std::string ca_file;           // extra trust anchor (PEM); empty: the system store only
  std::string incident_channel;  // channel id where new incidents are announced

  std::string http_listen = "127.0.0.1";
  std::uint16_t http_port = 3000;  // 0 picks a free port (see `serve --ready-file`)

  std::string store_path = "swarmbot.db";
  std::vector<std::string> incident_managers;  // Slack user ids; empty: everyone
  std::string log_level = "info";

  // [spike]: groups of similar new cases (see lifecycle::SpikeSettings).
  int spike_window_minutes = 60;
  double spike_similarity = 0.5;
  int spike_min_cases = 5;
  int spike_min_contacts = 3;

  Secret bot_token;       // xoxb-…, for the Web API
  Secret app_token;       // xapp-…, for Socket Mode
  Secret signing_secret;  // for request-URL mode
  Secret intake_api_key;  // guards POST /api/cases
};

// A config that can't be used. The message names the key and says what is
// wrong, and never contains a secret's value.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads an environment variable; injectable so tests don't touch the process's.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup ProcessEnvironment();

// Parses the TOML text and reads the secrets: each from SWARMBOT_<NAME>, or
// from the file named by SWARMBOT_<NAME>_FILE. Throws ConfigError.
Config ParseConfig(const std::string& toml_text, const std::string& source_name,
                   const EnvLookup& env);

// Reads the file at `path`, then ParseConfig. Throws ConfigError.
Config LoadConfig(const std::string& path, const EnvLookup& env);

}  // namespace swarmbot::config
