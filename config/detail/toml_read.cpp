#include "config/detail/toml_read.hpp"

#include <cstdint>

#include "config/config.hpp"

namespace swarmbot::config::detail {

void Fail(const std::string& source, const std::string& key, const std::string& what) {
  throw ConfigError(source + ": " + key + ": " + what);
}

int ReadWhole(const toml::node* node, const std::string& source, const std::string& key,
              int fallback, int low, int high) {
  if (node == nullptr) {
    return fallback;
  }
  const auto value = node->value<std::int64_t>();
  if (!node->is_integer() || !value || *value < low || *value > high) {
    Fail(source, key,
         "must be a whole number from " + std::to_string(low) + " to " + std::to_string(high));
  }
  return static_cast<int>(*value);
}

}  // namespace swarmbot::config::detail
