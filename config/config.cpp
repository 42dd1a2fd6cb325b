#include "config/config.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include <boost/asio/ip/address.hpp>
#include <toml++/toml.h>

#include "common/form.hpp"
#include "common/text_checks.hpp"
#include "config/change_catalogue.hpp"
#include "config/detail/broadcast_config.hpp"
#include "config/detail/cab_config.hpp"
#include "config/detail/toml_read.hpp"

namespace swarmbot::config {
namespace {

using detail::Fail;

// Every key swarmbot reads, by table. Anything else is a typo that would
// otherwise be silently ignored.
const std::map<std::string, std::set<std::string>>& KnownKeys() {
  static const std::map<std::string, std::set<std::string>> kKeys{
      {"slack", {"mode", "api_base_url", "ca_file", "incident_channel", "effects_in_flight"}},
      {"http", {"listen", "port"}},
      {"store", {"path"}},
      {"roles", {"incident_managers", "incident_manager_groups"}},
      {"incidents", {"territories", "priority"}},
      {"log", {"level"}},
      {"intake", {"email_territory", "email_owner"}},
      {"routing", {"assign_on_declare", "default_capacity", "rules"}},
      {"spike", {"window_minutes", "similarity", "min_cases", "min_contacts"}},
      {"broadcast",
       {"from", "from_name", "subject", "body", "unsubscribe_url", "unsubscribe_mailto",
        "rate_per_second", "max_attempts", "retry_seconds", "give_up_after_minutes"}},
      {"smtp", {"url", "starttls", "username", "ca_file", "timeout_seconds"}},
      {"problems", {"reopen_days"}},
      {"changes", {"standard"}},
      {"banner", {"clear_on_close", "max_age_seconds"}},
      {"cab", {"channel", "escalation_channel", "policies"}},
      {"swarm",
       {"timeline_reaction", "invitation_timeout_minutes", "private", "private_from_priority",
        "confirm_group_invites_over"}},
  };
  return kKeys;
}

// What a top-level name that is no section of ours was written as.
std::string UnknownTopLevel(const std::string& name, const toml::node& node) {
  if (node.is_table()) {
    return "unknown section";
  }
  if (!node.is_array_of_tables()) {
    return "unknown key outside any section";
  }
  std::string problem = "unknown array of tables ([[" + name + "]])";
  // The import files' tables, pasted into the config by mistake.
  if (name == "person") {
    problem += "; people go in a file of their own: swarmbot import people FILE";
  } else if (name == "asset") {
    problem += "; assets go in a file of their own: swarmbot import assets FILE";
  }
  return problem;
}

void RejectUnknownKeys(const toml::table& root, const std::string& source) {
  for (const auto& [section, node] : root) {
    const std::string name(section.str());
    const auto known = KnownKeys().find(name);
    if (known == KnownKeys().end()) {
      Fail(source, name, UnknownTopLevel(name, node));
    }
    const toml::table* table = node.as_table();
    if (table == nullptr) {
      Fail(source, name, "must be a table ([" + name + "])");
    }
    for (const auto& [key, value] : *table) {
      if (!known->second.contains(std::string(key.str()))) {
        Fail(source, name + "." + std::string(key.str()), "unknown key");
      }
    }
  }
}

std::string ReadString(const toml::table& root, const std::string& source,
                       const std::string& section, const std::string& key,
                       const std::string& fallback) {
  const toml::node* node = root.at_path(section + "." + key).node();
  if (node == nullptr) {
    return fallback;
  }
  const auto value = node->value<std::string>();
  if (!node->is_string() || !value) {
    Fail(source, section + "." + key, "must be a string");
  }
  return *value;
}

std::string ReadFileText(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    throw ConfigError("cannot read " + path + " (no such file)");
  }
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw ConfigError("cannot read " + path + " (not a regular file)");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ConfigError("cannot read " + path);
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Secrets travel in HTTP headers and signatures: a stray space, CR or LF would
// break them at best and inject a header at worst.
void CheckSecretCharacters(const std::string& var, const std::string& value) {
  for (unsigned char c : value) {
    if (c <= 0x20 || c == 0x7f) {
      throw ConfigError(var + ": contains a space or control character");
    }
  }
}

}  // namespace

// SWARMBOT_<NAME> or the file named by SWARMBOT_<NAME>_FILE; a trailing newline
// in the file is not part of the secret.
Secret detail::ReadSecret(const EnvLookup& env, const std::string& name) {
  const std::string var = "SWARMBOT_" + name;
  const auto value = env(var);
  const auto file = env(var + "_FILE");
  const bool has_value = value && !value->empty();
  const bool has_file = file && !file->empty();
  if (has_value && has_file) {
    throw ConfigError(var + " and " + var + "_FILE are both set; set one of them");
  }
  if (has_value) {
    CheckSecretCharacters(var, *value);
    return Secret(*value);
  }
  if (has_file) {
    std::string text;
    try {
      text = ReadFileText(*file);
    } catch (const ConfigError&) {
      throw ConfigError(var + "_FILE: cannot read the file it names");
    }
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
      text.pop_back();
    }
    CheckSecretCharacters(var + "_FILE", text);
    return Secret(std::move(text));
  }
  return {};
}

namespace {

using detail::ReadSecret;

void RequireSecret(const Secret& secret, const std::string& name, const std::string& prefix,
                   const std::string& why) {
  const std::string var = "SWARMBOT_" + name;
  if (secret.Empty()) {
    throw ConfigError(var + ": missing (set it, or " + var + "_FILE, " + why + ")");
  }
  if (!prefix.empty() && secret.Reveal().rfind(prefix, 0) != 0) {
    throw ConfigError(var + ": must start with " + prefix);
  }
}

void ReadSlack(const toml::table& root, const std::string& source, Config& config) {
  const std::string mode = ReadString(root, source, "slack", "mode", "socket");
  if (mode == "socket") {
    config.mode = Mode::kSocket;
  } else if (mode == "http") {
    config.mode = Mode::kHttp;
  } else {
    Fail(source, "slack.mode", "must be \"socket\" or \"http\"");
  }
  config.api_base_url = ReadString(root, source, "slack", "api_base_url", config.api_base_url);
  // The bot token travels with every call, so never in clear text.
  auto url = ParseUrl(config.api_base_url);
  if (!url || url->scheme != "https") {
    Fail(source, "slack.api_base_url", "must be an https:// URL");
  }
  if (url->target.find_first_of("?#") != std::string::npos) {
    Fail(source, "slack.api_base_url", "must not have a query or fragment");
  }
  if (config.api_base_url.back() != '/') {
    config.api_base_url.push_back('/');
  }
  config.ca_file = ReadString(root, source, "slack", "ca_file", "");
  if (!config.ca_file.empty()) {
    detail::CheckCaFile(source, "slack.ca_file", config.ca_file);
  }
  config.effects_in_flight =
      detail::ReadWhole(root.at_path("slack.effects_in_flight").node(), source,
                        "slack.effects_in_flight", config.effects_in_flight, 1, 32);
  config.incident_channel = ReadString(root, source, "slack", "incident_channel", "");
  if (config.incident_channel.find_first_not_of(" \t") == std::string::npos) {
    config.incident_channel.clear();  // blank is as good as missing (RequireServeSettings)
  }
  detail::RefusePlaceholder(source, "slack.incident_channel", config.incident_channel,
                            "the id of the channel where incidents are announced, such as "
                            "C0123456789");
  static const std::regex kChannelId("[CG][A-Z0-9]{2,}");
  if (!config.incident_channel.empty() && !std::regex_match(config.incident_channel, kChannelId)) {
    Fail(source, "slack.incident_channel", "must be a channel id such as C0123456789, not a name");
  }
}

void ReadHttp(const toml::table& root, const std::string& source, Config& config) {
  config.http_listen = ReadString(root, source, "http", "listen", config.http_listen);
  boost::system::error_code ec;
  boost::asio::ip::make_address(config.http_listen, ec);
  if (ec) {
    Fail(source, "http.listen", "must be an IP address such as 127.0.0.1 or ::1");
  }
  if (const toml::node* node = root.at_path("http.port").node()) {
    const auto port = node->value<std::int64_t>();
    if (!node->is_integer() || !port || *port < 0 || *port > 65535) {
      Fail(source, "http.port", "must be a whole number from 0 to 65535");
    }
    config.http_port = static_cast<std::uint16_t>(*port);
  }
}

void CheckStorePath(const std::string& source, const std::string& path) {
  namespace fs = std::filesystem;
  detail::RefuseBlank(source, "store.path", path);
  detail::RefuseControls(source, "store.path", path);
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    Fail(source, "store.path", "names a folder; it must name the database file");
  }
  const fs::path parent = fs::absolute(path, ec).parent_path();
  if (!fs::is_directory(parent, ec)) {
    Fail(source, "store.path", "its folder " + parent.string() + " does not exist");
  }
}

void ReadRoles(const toml::table& root, const std::string& source, Config& config) {
  const toml::node* node = root.at_path("roles.incident_managers").node();
  if (node == nullptr) {
    return;
  }
  const toml::array* list = node->as_array();
  if (list == nullptr) {
    Fail(source, "roles.incident_managers", "must be a list of Slack user ids");
  }
  for (const auto& item : *list) {
    const auto id = item.value<std::string>();
    if (!item.is_string() || !id || id->empty()) {
      Fail(source, "roles.incident_managers", "must be a list of Slack user ids");
    }
    config.incident_managers.push_back(*id);
  }
}

void ReadIntake(const toml::table& root, const std::string& source, Config& config) {
  config.intake_email_territory = ReadString(root, source, "intake", "email_territory", "");
  if (config.intake_email_territory.size() > 100) {
    Fail(source, "intake.email_territory", "must be at most 100 characters");
  }
  config.intake_email_owner = ReadString(root, source, "intake", "email_owner", "");
  static const std::regex kUserId("[UW][A-Z0-9]{2,}");
  if (!config.intake_email_owner.empty() && !std::regex_match(config.intake_email_owner, kUserId)) {
    Fail(source, "intake.email_owner", "must be a Slack user id such as U0123ABCD");
  }
}

std::size_t CodePoints(const std::string& text) {
  std::size_t count = 0;
  for (unsigned char c : text) {
    count += (c & 0xC0) != 0x80 ? 1 : 0;
  }
  return count;
}

// Territory names become Slack select options: at most 75 characters, and at
// most 100 options in one select.
void ReadTerritories(const toml::table& root, const std::string& source, Config& config) {
  constexpr std::size_t kMaxTerritories = 100;
  constexpr std::size_t kMaxName = 75;
  const toml::node* node = root.at_path("incidents.territories").node();
  if (node == nullptr) {
    return;
  }
  const std::string key = "incidents.territories";
  const toml::array* list = node->as_array();
  if (list == nullptr || list->empty() || list->size() > kMaxTerritories) {
    Fail(source, key, "must be a list of 1 to 100 territory names");
  }
  config.territories.clear();
  for (const auto& item : *list) {
    const auto name = item.value<std::string>();
    if (!item.is_string() || !name || name->empty() || CodePoints(*name) > kMaxName) {
      Fail(source, key, "each territory must be a name of 1 to 75 characters");
    }
    for (unsigned char c : *name) {
      if (c < 0x20 || c == 0x7f) {
        Fail(source, key, "a territory name contains a control character");
      }
    }
    if (std::find(config.territories.begin(), config.territories.end(), *name) !=
        config.territories.end()) {
      Fail(source, key, "\"" + *name + "\" is listed twice");
    }
    config.territories.push_back(*name);
  }
}

// [incidents.priority]: high = { high = 1, medium = 2, low = 3 }, and so on
// for medium and low impact. Given at all, every cell must be there.
void ReadPriorityMatrix(const toml::table& root, const std::string& source, Config& config) {
  static const std::array<std::string, 3> kLevelNames{"high", "medium", "low"};
  const toml::node* node = root.at_path("incidents.priority").node();
  if (node == nullptr) {
    return;
  }
  const std::string key = "incidents.priority";
  const toml::table* matrix = node->as_table();
  if (matrix == nullptr) {
    Fail(source, key,
         "must be a table of impact rows, e.g. high = { high = 1, medium = 2, "
         "low = 3 }");
  }
  for (const auto& [impact, row] : *matrix) {
    const std::string name(impact.str());
    if (std::find(kLevelNames.begin(), kLevelNames.end(), name) == kLevelNames.end()) {
      Fail(source, key + "." + name, "unknown impact (use high, medium or low)");
    }
    const toml::table* cells = row.as_table();
    if (cells == nullptr) {
      Fail(source, key + "." + name, "must be a table: { high = …, medium = …, low = … }");
    }
    for (const auto& [urgency, cell] : *cells) {
      const std::string column(urgency.str());
      if (std::find(kLevelNames.begin(), kLevelNames.end(), column) == kLevelNames.end()) {
        Fail(source, key + "." + name + "." + column, "unknown urgency (use high, medium or low)");
      }
    }
  }
  for (std::size_t i = 0; i < kLevelNames.size(); ++i) {
    for (std::size_t j = 0; j < kLevelNames.size(); ++j) {
      const std::string cell_key = key + "." + kLevelNames[i] + "." + kLevelNames[j];
      const toml::node* cell = root.at_path(cell_key).node();
      if (cell == nullptr) {
        Fail(source, cell_key, "missing; give a priority for every impact × urgency");
      }
      const auto value = cell->value<std::int64_t>();
      if (!cell->is_integer() || !value || *value < 1 || *value > 4) {
        Fail(source, cell_key, "must be a whole number from 1 to 4");
      }
      config.priority_matrix[i][j] = static_cast<int>(*value);
    }
  }
}

// Cases may only name a configured territory, so the e-mail default must be one.
void CheckEmailTerritory(const std::string& source, const Config& config) {
  const std::string& wanted = config.intake_email_territory;
  const auto same = [&](const std::string& name) {
    return std::equal(name.begin(), name.end(), wanted.begin(), wanted.end(), [](char a, char b) {
      return std::tolower(static_cast<unsigned char>(a)) ==
             std::tolower(static_cast<unsigned char>(b));
    });
  };
  if (!wanted.empty() && std::none_of(config.territories.begin(), config.territories.end(), same)) {
    Fail(source, "intake.email_territory", "must be one of incidents.territories");
  }
}

// [[routing.rules]] skill = "promotions", words = ["discount", "promo"].
RoutingRule ReadRule(const toml::node& node, const std::string& source, std::size_t index) {
  const std::string key = "routing.rules[" + std::to_string(index) + "]";
  const toml::table* table = node.as_table();
  if (table == nullptr) {
    Fail(source, key, "must be a table with skill and words");
  }
  for (const auto& [name, value] : *table) {
    if (name.str() != "skill" && name.str() != "words") {
      Fail(source, key + "." + std::string(name.str()), "unknown key");
    }
  }
  static const std::regex kName("[a-z0-9][a-z0-9_-]{0,39}");
  RoutingRule rule;
  const auto skill = (*table)["skill"].value<std::string>();
  if (!skill || !std::regex_match(*skill, kName)) {
    Fail(source, key + ".skill", "must be a skill name: lowercase letters, digits, - or _");
  }
  rule.skill = *skill;
  const toml::array* words = (*table)["words"].as_array();
  if (words == nullptr || words->empty()) {
    Fail(source, key + ".words", "must be a non-empty list of words");
  }
  static const std::regex kWord("[a-z0-9]{1,40}");
  for (const auto& item : *words) {
    const auto word = item.value<std::string>();
    if (!item.is_string() || !word || !std::regex_match(*word, kWord)) {
      Fail(source, key + ".words", "must hold single lowercase words (letters and digits)");
    }
    rule.words.push_back(*word);
  }
  return rule;
}

void ReadRouting(const toml::table& root, const std::string& source, Config& config) {
  if (const toml::node* node = root.at_path("routing.assign_on_declare").node()) {
    const auto on = node->value<bool>();
    if (!node->is_boolean() || !on) {
      Fail(source, "routing.assign_on_declare", "must be true or false");
    }
    config.routing.assign_on_declare = *on;
  }
  if (const toml::node* node = root.at_path("routing.default_capacity").node()) {
    const auto capacity = node->value<std::int64_t>();
    if (!node->is_integer() || !capacity || *capacity < 0 || *capacity > 100) {
      Fail(source, "routing.default_capacity", "must be a whole number from 0 to 100");
    }
    config.routing.default_capacity = static_cast<int>(*capacity);
  }
  if (const toml::node* node = root.at_path("routing.rules").node()) {
    const toml::array* rules = node->as_array();
    if (rules == nullptr) {
      Fail(source, "routing.rules", "must be a list of tables ([[routing.rules]])");
    }
    for (std::size_t i = 0; i < rules->size(); ++i) {
      config.routing.rules.push_back(ReadRule(*rules->get(i), source, i));
    }
  }
}

int ReadWhole(const toml::table& root, const std::string& source, const std::string& key,
              int fallback, int low, int high) {
  return detail::ReadWhole(root.at_path(key).node(), source, key, fallback, low, high);
}

void ReadSpike(const toml::table& root, const std::string& source, Config& config) {
  config.spike_window_minutes =
      ReadWhole(root, source, "spike.window_minutes", config.spike_window_minutes, 1, 24 * 60);
  config.spike_min_cases =
      ReadWhole(root, source, "spike.min_cases", config.spike_min_cases, 2, 100'000);
  config.spike_min_contacts = ReadWhole(root, source, "spike.min_contacts",
                                        config.spike_min_contacts, 1, config.spike_min_cases);
  if (const toml::node* node = root.at_path("spike.similarity").node()) {
    const auto value = node->value<double>();
    if (!(node->is_floating_point() || node->is_integer()) || !value || !(*value > 0.0) ||
        *value > 1.0) {
      Fail(source, "spike.similarity", "must be a number above 0 and at most 1, such as 0.5");
    }
    config.spike_similarity = *value;
  }
}

// Slack's emoji names are short, lower case and free of colons and spaces.
void ReadSwarm(const toml::table& root, const std::string& source, Config& config) {
  const std::string name =
      ReadString(root, source, "swarm", "timeline_reaction", config.swarm_timeline_reaction);
  const bool fits = !name.empty() && name.size() <= 100 &&
                    name.find_first_of(": ") == std::string::npos &&
                    !FirstControlCharacter(name, false);
  if (!fits) {
    Fail(source, "swarm.timeline_reaction",
         "must be an emoji name without colons or spaces, such as \"pushpin\"");
  }
  config.swarm_timeline_reaction = name;
  config.swarm_invitation_timeout_minutes =
      ReadWhole(root, source, "swarm.invitation_timeout_minutes",
                config.swarm_invitation_timeout_minutes, 1, 7 * 24 * 60);
}

void ReadBanner(const toml::table& root, const std::string& source, Config& config) {
  if (const toml::node* node = root.at_path("banner.clear_on_close").node()) {
    const auto on = node->value<bool>();
    if (!node->is_boolean() || !on) {
      Fail(source, "banner.clear_on_close", "must be true or false");
    }
    config.banner_clear_on_close = *on;
  }
  config.banner_max_age_seconds =
      ReadWhole(root, source, "banner.max_age_seconds", config.banner_max_age_seconds, 0, 3600);
  if (const toml::node* node = root.at_path("swarm.private").node()) {
    const auto on = node->value<bool>();
    if (!node->is_boolean() || !on) {
      Fail(source, "swarm.private", "must be true or false");
    }
    config.swarm_private = *on;
  }
  config.swarm_private_from_priority = ReadWhole(root, source, "swarm.private_from_priority",
                                                 config.swarm_private_from_priority, 0, 4);
  config.swarm_confirm_group_invites_over =
      ReadWhole(root, source, "swarm.confirm_group_invites_over",
                config.swarm_confirm_group_invites_over, 0, 10000);
}

void ReadSecrets(const EnvLookup& env, Config& config) {
  config.bot_token = ReadSecret(env, "BOT_TOKEN");
  config.app_token = ReadSecret(env, "APP_TOKEN");
  config.signing_secret = ReadSecret(env, "SIGNING_SECRET");
  config.intake_api_key = ReadSecret(env, "INTAKE_API_KEY");
  // Optional: without it GET /api/site/banner answers 401 to everyone.
  config.site_api_key = ReadSecret(env, "SITE_API_KEY");
  // Optional: without it a reopened swarm moves to a new channel.
  config.user_token = ReadSecret(env, "USER_TOKEN");
  if (!config.user_token.Empty()) {
    RequireSecret(config.user_token, "USER_TOKEN", "xoxp-", "");
  }
  RequireSecret(config.bot_token, "BOT_TOKEN", "xoxb-", "the bot token calls the Web API");
  if (config.mode == Mode::kSocket) {
    RequireSecret(config.app_token, "APP_TOKEN", "xapp-", "Socket Mode needs the app token");
  } else {
    RequireSecret(config.signing_secret, "SIGNING_SECRET", "",
                  "request-URL mode verifies every request with it");
  }
  RequireSecret(config.intake_api_key, "INTAKE_API_KEY", "", "it guards the case intake API");
}

}  // namespace

EnvLookup ProcessEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    if (const char* value = std::getenv(name.c_str())) {
      return std::string(value);
    }
    return std::nullopt;
  };
}

Config ParseConfig(const std::string& toml_text, const std::string& source_name,
                   const EnvLookup& env) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    throw ConfigError(source_name + ":" + std::to_string(where.line) + ": " +
                      std::string(e.description()));
  }
  RejectUnknownKeys(root, source_name);

  Config config;
  ReadSlack(root, source_name, config);
  ReadHttp(root, source_name, config);
  config.store_path = ReadString(root, source_name, "store", "path", config.store_path);
  if (config.store_path.empty()) {
    Fail(source_name, "store.path", "must not be empty");
  }
  CheckStorePath(source_name, config.store_path);
  ReadRoles(root, source_name, config);
  ReadIntake(root, source_name, config);
  ReadTerritories(root, source_name, config);
  ReadPriorityMatrix(root, source_name, config);
  CheckEmailTerritory(source_name, config);
  ReadRouting(root, source_name, config);
  config.log_level = ReadString(root, source_name, "log", "level", config.log_level);
  static const std::set<std::string> kLevels{"trace", "debug", "info", "warn", "error"};
  if (!kLevels.contains(config.log_level)) {
    Fail(source_name, "log.level", "must be one of trace, debug, info, warn, error");
  }
  ReadSpike(root, source_name, config);
  ReadSwarm(root, source_name, config);
  config.problems_reopen_days =
      ReadWhole(root, source_name, "problems.reopen_days", config.problems_reopen_days, 0, 365);
  config.standard_changes = ReadStandardChanges(root, source_name);
  ReadBanner(root, source_name, config);
  detail::ReadRoleGroups(root, source_name, config);
  detail::ReadCab(root, source_name, config);
  if (env) {
    ReadSecrets(env, config);
  }
  detail::ReadBroadcast(root, source_name, env, config);
  return config;
}

Config LoadConfig(const std::string& path, const EnvLookup& env) {
  return ParseConfig(ReadFileText(path), path, env);
}

void RequireServeSettings(const Config& config, const std::string& source_name) {
  if (config.incident_channel.empty()) {
    Fail(source_name, "slack.incident_channel",
         "missing or blank; name the channel where incidents and spike alerts are announced, by "
         "its id such as C0123456789");
  }
}

Config LoadConfigWithoutSecrets(const std::string& path) {
  return ParseConfig(ReadFileText(path), path, EnvLookup{});
}

}  // namespace swarmbot::config
