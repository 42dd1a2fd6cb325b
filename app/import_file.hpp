#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "store/database.hpp"

namespace swarmbot::app {

// What the `swarmbot import …` commands share. Each prints its own one-line
// reason to stderr, naming the import (`what`, e.g. "people"), on failure.

// Why `file` can't be imported, if it can't: "cannot read F: no such file",
// "cannot read F: not a regular file"; nullopt when it is a regular file.
// Every import says it in these words.
std::optional<std::string> UnreadableImportFile(const std::filesystem::path& file);

// The text of a regular file, or nullopt when it can't be read.
std::optional<std::string> ReadImportFile(const std::filesystem::path& file, std::string_view what);

// The store named by the config, waiting a moment for a running swarmbot's
// write lock; nullptr when it can't be opened.
std::unique_ptr<store::Database> OpenStoreForImport(const config::Config& config);

}  // namespace swarmbot::app
