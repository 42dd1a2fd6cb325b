#pragma once

#include <string>

#include <toml++/toml.h>

namespace swarmbot::config::detail {

// Stops start-up with "<source>: <key>: <what>" (a ConfigError).
[[noreturn]] void Fail(const std::string& source, const std::string& key, const std::string& what);

// A whole number from `low` to `high` at `node` (`key` names it in the error);
// `fallback` when the key is absent.
int ReadWhole(const toml::node* node, const std::string& source, const std::string& key,
              int fallback, int low, int high);

}  // namespace swarmbot::config::detail
