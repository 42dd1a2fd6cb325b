#pragma once

#include <array>
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

// Words in an incident's subject or description that call for a skill.
struct RoutingRule {
  std::string skill;
  std::vector<std::string> words;  // lowercase
};

// [routing]: how incidents find an owner.
struct RoutingConfig {
  bool assign_on_declare = true;  // route each declared incident at once
  int default_capacity = 3;       // open incidents per person when the people file names none
  std::vector<RoutingRule> rules;
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
  // Service territories offered when an incident is declared ([incidents]).
  std::vector<std::string> territories{"North", "East", "South", "West"};
  // Priority 1..4 by [impact][urgency], each in the order high, medium, low.
  std::array<std::array<int, 3>, 3> priority_matrix{{{1, 2, 3}, {2, 3, 4}, {3, 4, 4}}};
  std::string log_level = "info";
  RoutingConfig routing;

  // For e-mails whose gateway names no territory or owner (POST /api/cases/email).
  std::string intake_email_territory;
  std::string intake_email_owner;  // a Slack user id or empty

  // [spike]: groups of similar new cases (see lifecycle::SpikeSettings).
  int spike_window_minutes = 60;
  double spike_similarity = 0.5;
  int spike_min_cases = 5;
  int spike_min_contacts = 3;

  // [swarm] timeline_reaction: the emoji name (without colons) that puts a
  // message in a swarm channel on the incident's timeline.
  std::string swarm_timeline_reaction = "pushpin";
  // [swarm] private: whether swarm channels are private by default.
  bool swarm_private = false;
  // [swarm] private_from_priority: incidents of this priority or more urgent
  // (P1 ≤ p ≤ this) get private channels whatever `private` says; 0: none.
  int swarm_private_from_priority = 0;

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
