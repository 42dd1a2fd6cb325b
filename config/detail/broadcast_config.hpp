#pragma once

#include <string>

#include <toml++/toml.h>

#include "common/secret.hpp"
#include "config/config.hpp"

namespace swarmbot::config::detail {

// SWARMBOT_<name> from the environment, or the file SWARMBOT_<name>_FILE names.
// Throws ConfigError when both are set or the file can't be read.
Secret ReadSecret(const EnvLookup& env, const std::string& name);

// Reads [broadcast] and [smtp] into config.broadcast, checking the templates'
// placeholders, the addresses and the URL, and reads SWARMBOT_SMTP_PASSWORD
// when a username is set. Throws ConfigError naming the key.
void ReadBroadcast(const toml::table& root, const std::string& source, const EnvLookup& env,
                   Config& config);

}  // namespace swarmbot::config::detail
