#pragma once

#include <filesystem>

#include "config/config.hpp"

namespace swarmbot::app {

// `swarmbot import kb`: imports the Markdown articles under `dir` into the
// store named by the config and prints a summary on stdout, one line per
// skipped file on stderr. Returns kExitOk, kExitFailure when some files were
// skipped (the others are imported), or kExitConfig when the folder or the
// database can't be used.
int ImportKnowledge(const config::Config& config, const std::filesystem::path& dir);

}  // namespace swarmbot::app
