#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
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

// [smtp]: the server customer e-mails go through.
struct SmtpConfig {
  std::string url;           // smtp://host:port or smtps://host:port; empty: no e-mail
  bool starttls = false;     // require STARTTLS on an smtp:// connection
  std::string username;      // empty: no authentication
  Secret password;           // SWARMBOT_SMTP_PASSWORD, read only when username is set
  std::string ca_file;       // extra trust anchor for the server's certificate
  int timeout_seconds = 30;  // per message, connecting included
};

// [broadcast]: the e-mail `/notify customers` sends to the contacts of an
// incident's linked cases. Templates use kMailPlaceholders
// (common/text_template.hpp) and are checked at start.
struct BroadcastConfig {
  std::string from;       // the sender's address
  std::string from_name;  // shown beside it
  std::string subject = "{incident}: {public_title} is resolved";
  std::string body =
      "Hello {contact_name},\n\nthe problem you reported ({public_title}) has been fixed. "
      "Thank you for your patience.\n\nTo stop these messages: {unsubscribe_url}\n";
  // An https:// link with an optional {email} (percent-encoded) for the
  // List-Unsubscribe header and {unsubscribe_url}; and/or a mailto address.
  std::string unsubscribe_url;
  std::string unsubscribe_mailto;
  double rate_per_second = 5;  // messages per second at most
  int max_attempts = 3;        // for a recipient the server defers (4xx)
  int retry_seconds = 60;      // first pause after a deferral; doubles each time
  // A sending broadcast whose server stays unreachable this long is stopped,
  // the rest recorded as not sent (0: at the first failed connection).
  int give_up_after_minutes = 30;
  SmtpConfig smtp;

  bool Enabled() const { return !smtp.url.empty(); }
};

// One entry of the standard change catalogue ([[changes.standard]]): a change
// pre-approved for its known plan.
struct StandardChange {
  std::string name;   // what `/change new standard NAME` names it by
  std::string title;  // the change's title
  std::vector<std::string> steps;
};

// [cab.policies.<type>]: who approves changes of one type, and how.
struct CabPolicyConfig {
  std::vector<std::string> groups;     // Slack user group ids
  std::string rule = "any";            // any | n_of_m | all | each_group
  int n = 1;                           // for n_of_m
  std::vector<std::string> mandatory;  // user ids who must approve
  bool allow_self_approval = false;
  int deadline_hours = 24;  // 0: never escalated
};

// [cab]: the Change Advisory Board's approval requests.
struct CabConfig {
  std::string channel;                              // where requests are posted
  std::string escalation_channel;                   // where overdue ones are escalated
  std::map<std::string, CabPolicyConfig> policies;  // by change type
};

struct Config {
  Mode mode = Mode::kSocket;
  std::string api_base_url = "https://slack.com/api/";
  std::string ca_file;           // extra trust anchor (PEM); empty: the system store only
  std::string incident_channel;  // channel id where new incidents are announced
  // [slack] effects_in_flight: how many outbox items of different streams run
  // at once, so that one slow Slack call doesn't hold back other incidents.
  int effects_in_flight = 4;

  std::string http_listen = "127.0.0.1";
  std::uint16_t http_port = 3000;  // 0 picks a free port (see `serve --ready-file`)

  std::string store_path = "swarmbot.db";
  std::vector<std::string> incident_managers;  // Slack user ids; empty: everyone
  // Slack user group ids whose members are incident managers too.
  std::vector<std::string> incident_manager_groups;
  CabConfig cab;
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
  // [[changes.standard]]: the catalogue of pre-approved standard changes.
  std::vector<StandardChange> standard_changes;

  BroadcastConfig broadcast;
  // [problems] reopen_days: reopening an incident within this many days of
  // its closing reopens its closed problems (0: never).
  int problems_reopen_days = 7;

  // [banner]: a banner tied to an incident comes down when it closes; how
  // long the customer site may cache the banner and the status page.
  bool banner_clear_on_close = true;
  int banner_max_age_seconds = 30;
  // [swarm] invitation_timeout_minutes: how long an invited expert has to
  // answer before the next candidate is asked.
  int swarm_invitation_timeout_minutes = 15;
  // [swarm] private: whether swarm channels are private by default.
  bool swarm_private = false;
  // [swarm] private_from_priority: incidents of this priority or more urgent
  // (P1 ≤ p ≤ this) get private channels whatever `private` says; 0: none.
  int swarm_private_from_priority = 0;
  // [swarm] confirm_group_invites_over: a command whose user groups would
  // add more people than this asks first; 0 never asks (0 to 10000).
  int swarm_confirm_group_invites_over = 25;

  Secret bot_token;       // xoxb-…, for the Web API
  Secret app_token;       // xapp-…, for Socket Mode
  Secret signing_secret;  // for request-URL mode
  Secret intake_api_key;  // guards POST /api/cases
  Secret site_api_key;    // guards GET /api/site/banner; empty: nobody may read it
  // xoxp-…, optional: lets a reopened incident's swarm unarchive its old
  // channel (Slack refuses conversations.unarchive to bot tokens).
  Secret user_token;
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
// from the file named by SWARMBOT_<NAME>_FILE. Throws ConfigError. An empty
// `env` reads no secret and requires none (see LoadConfigWithoutSecrets).
Config ParseConfig(const std::string& toml_text, const std::string& source_name,
                   const EnvLookup& env);

// Reads the file at `path`, then ParseConfig. Throws ConfigError.
Config LoadConfig(const std::string& path, const EnvLookup& env);

// What serving needs beyond a config that parses: `slack.incident_channel`,
// where incidents, routing notices and spike alerts are posted; without it
// they would be dropped without a word. Throws ConfigError.
void RequireServeSettings(const Config& config, const std::string& source_name);

// For the commands that only write the local store (`swarmbot import …`):
// every check of the file, but the secrets stay empty and none must be set.
Config LoadConfigWithoutSecrets(const std::string& path);

}  // namespace swarmbot::config
