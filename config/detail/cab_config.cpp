#include "config/detail/cab_config.hpp"

#include <regex>
#include <set>

#include "config/detail/toml_read.hpp"

namespace swarmbot::config::detail {
namespace {

const std::set<std::string>& PolicyKeys() {
  static const std::set<std::string> kKeys{
      "groups", "rule", "n", "mandatory", "allow_self_approval", "deadline_hours"};
  return kKeys;
}

// Change types are short words: "normal", "emergency", "standard".
const std::regex& TypeName() {
  static const std::regex kType("[a-z][a-z0-9_-]{0,29}");
  return kType;
}

std::vector<std::string> ReadIds(const toml::node* node, const std::string& source,
                                 const std::string& key, const std::regex& shape,
                                 const std::string& example) {
  std::vector<std::string> ids;
  if (node == nullptr) {
    return ids;
  }
  const toml::array* list = node->as_array();
  const std::string what = "must be a list of Slack ids such as \"" + example + "\"";
  if (list == nullptr) {
    Fail(source, key, what);
  }
  for (const auto& item : *list) {
    const auto id = item.value<std::string>();
    if (id) {
      RefusePlaceholder(source, key, *id, "a Slack id such as \"" + example + "\"");
    }
    if (!item.is_string() || !id || !std::regex_match(*id, shape)) {
      Fail(source, key, what);
    }
    ids.push_back(*id);
  }
  return ids;
}

const std::regex& GroupId() {
  static const std::regex kGroup("S[A-Z0-9]{2,}");
  return kGroup;
}

const std::regex& UserIdShape() {
  static const std::regex kUser("[UW][A-Z0-9]{2,}");
  return kUser;
}

std::string ReadChannel(const toml::table& cab, const std::string& source, const std::string& key) {
  const toml::node* node = cab.get(key);
  if (node == nullptr) {
    return {};
  }
  static const std::regex kChannel("[CG][A-Z0-9]{2,}");
  const auto value = node->value<std::string>();
  if (value) {
    RefusePlaceholder(source, "cab." + key, *value, "a Slack channel id such as \"C0123ABCD\"");
  }
  if (!node->is_string() || !value || !std::regex_match(*value, kChannel)) {
    Fail(source, "cab." + key, "must be a Slack channel id such as \"C0123ABCD\"");
  }
  return *value;
}

CabPolicyConfig ReadPolicy(const toml::table& table, const std::string& source,
                           const std::string& prefix) {
  for (const auto& [key, value] : table) {
    if (!PolicyKeys().contains(std::string(key.str()))) {
      Fail(source, prefix + "." + std::string(key.str()), "unknown key");
    }
  }
  CabPolicyConfig policy;
  policy.groups = ReadIds(table.get("groups"), source, prefix + ".groups", GroupId(), "S0CAB");
  policy.mandatory =
      ReadIds(table.get("mandatory"), source, prefix + ".mandatory", UserIdShape(), "U0123ABCD");
  if (const toml::node* rule = table.get("rule")) {
    const auto name = rule->value<std::string>();
    static const std::set<std::string> kRules{"any", "n_of_m", "all", "each_group"};
    if (!rule->is_string() || !name || !kRules.contains(*name)) {
      Fail(source, prefix + ".rule", "must be one of any, n_of_m, all, each_group");
    }
    policy.rule = *name;
  }
  policy.n = ReadWhole(table.get("n"), source, prefix + ".n", 1, 1, 1000);
  if (table.get("n") != nullptr && policy.rule != "n_of_m") {
    Fail(source, prefix + ".n", "only applies to rule = \"n_of_m\"");
  }
  if (policy.rule == "n_of_m" && table.get("n") == nullptr) {
    Fail(source, prefix + ".n", "is required with rule = \"n_of_m\" (how many must approve)");
  }
  if (policy.rule == "each_group" && policy.groups.empty()) {
    Fail(source, prefix + ".groups", "must name the groups that each must approve");
  }
  if (policy.groups.empty() && policy.mandatory.empty()) {
    Fail(source, prefix + ".groups", "must name at least one user group (or mandatory approvers)");
  }
  if (const toml::node* self = table.get("allow_self_approval")) {
    const auto allowed = self->value<bool>();
    if (!self->is_boolean() || !allowed) {
      Fail(source, prefix + ".allow_self_approval", "must be true or false");
    }
    policy.allow_self_approval = *allowed;
  }
  policy.deadline_hours =
      ReadWhole(table.get("deadline_hours"), source, prefix + ".deadline_hours", 24, 0, 24 * 90);
  return policy;
}

}  // namespace

void ReadRoleGroups(const toml::table& root, const std::string& source, Config& config) {
  config.incident_manager_groups =
      ReadIds(root.at_path("roles.incident_manager_groups").node(), source,
              "roles.incident_manager_groups", GroupId(), "S0MANAGERS");
}

void ReadCab(const toml::table& root, const std::string& source, Config& config) {
  const toml::table* cab = root["cab"].as_table();
  if (cab == nullptr) {
    return;
  }
  config.cab.channel = ReadChannel(*cab, source, "channel");
  config.cab.escalation_channel = ReadChannel(*cab, source, "escalation_channel");
  const toml::node* node = cab->get("policies");
  if (node == nullptr) {
    return;
  }
  const toml::table* policies = node->as_table();
  if (policies == nullptr) {
    Fail(source, "cab.policies", "must be tables, one per change type ([cab.policies.normal])");
  }
  for (const auto& [type_key, value] : *policies) {
    const std::string type(type_key.str());
    const std::string prefix = "cab.policies." + type;
    if (!std::regex_match(type, TypeName())) {
      Fail(source, prefix, "a change type is a short lowercase word such as normal");
    }
    const toml::table* table = value.as_table();
    if (table == nullptr) {
      Fail(source, prefix, "must be a table ([" + prefix + "])");
    }
    const CabPolicyConfig policy = ReadPolicy(*table, source, prefix);
    if (config.cab.channel.empty()) {
      Fail(source, "cab.channel", "is required when policies are set: requests are posted there");
    }
    if (policy.deadline_hours > 0 && config.cab.escalation_channel.empty()) {
      Fail(source, "cab.escalation_channel",
           "is required when " + prefix + " has a deadline (set deadline_hours = 0 for none)");
    }
    config.cab.policies[type] = policy;
  }
}

}  // namespace swarmbot::config::detail
