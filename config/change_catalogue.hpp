#pragma once

#include <string>
#include <vector>

#include <toml++/toml.h>

#include "config/config.hpp"

namespace swarmbot::config {

// [[changes.standard]] name = "…", title = "…", steps = ["…", …]. Throws
// ConfigError naming the key for an entry that can't be used (unknown key,
// bad or repeated name, empty title, no steps, more than 30 steps, a step
// longer than 500 characters).
std::vector<StandardChange> ReadStandardChanges(const toml::table& root, const std::string& source);

}  // namespace swarmbot::config
