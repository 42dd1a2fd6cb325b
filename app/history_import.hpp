#pragma once

#include <filesystem>

#include "config/config.hpp"

namespace swarmbot::app {

// `swarmbot import history FILE`: adds past tickets (JSON Lines shaped like
// shared/data/expertise/train.jsonl: id, time, title, text, components,
// expert) to the Expert Finder's history, replacing rows with the same id.
// `expert` is a Slack user id or a name from the people file. Prints a
// one-line summary. kExitConfig with the file and line when the file can't
// be used (nothing changes then), kExitFailure when the store fails.
int ImportHistory(const config::Config& config, const std::filesystem::path& file);

}  // namespace swarmbot::app
