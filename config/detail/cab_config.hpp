#pragma once

#include <string>

#include <toml++/toml.h>

#include "config/config.hpp"

namespace swarmbot::config::detail {

// [roles] incident_manager_groups: a list of Slack user group ids.
void ReadRoleGroups(const toml::table& root, const std::string& source, Config& config);

// [cab] with its [cab.policies.<type>] tables. Throws ConfigError naming the
// key: an unknown key or rule, n below 1 (or n without n_of_m), ids that
// aren't Slack-shaped, a policy without groups or mandatory approvers, a
// policy without [cab] channel, a deadline without escalation_channel.
void ReadCab(const toml::table& root, const std::string& source, Config& config);

}  // namespace swarmbot::config::detail
