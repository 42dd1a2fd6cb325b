#pragma once

#include <filesystem>

#include "config/config.hpp"
#include "lifecycle/routing.hpp"

namespace swarmbot::app {

// The routing part of the config, as lifecycle::RoutingService takes it.
lifecycle::RoutingRules RoutingRulesFrom(const config::RoutingConfig& routing);

// `swarmbot import people FILE`: replaces the people list in the store named
// by the config with the TOML file's (samples/people.toml shows the format)
// and prints a one-line summary. Returns kExitOk, or kExitConfig with one
// line naming the file, line and key when the file can't be used (nothing
// changes then), or kExitFailure when the store fails.
int ImportPeople(const config::Config& config, const std::filesystem::path& file);

}  // namespace swarmbot::app
