#pragma once

#include <filesystem>

#include "config/config.hpp"

namespace swarmbot::app {

// `swarmbot import assets FILE`: adds or updates the asset catalogue in the
// store named by the config from the TOML file (samples/assets.toml shows the
// format) and prints a one-line summary. Returns kExitOk, or kExitConfig with
// one line naming the file, line and key when the file can't be used
// (nothing changes then), or kExitFailure when the store fails.
int ImportAssets(const config::Config& config, const std::filesystem::path& file);

}  // namespace swarmbot::app
