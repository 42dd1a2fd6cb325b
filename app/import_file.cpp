#include "app/import_file.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>

namespace swarmbot::app {

std::optional<std::string> UnreadableImportFile(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    return "cannot read " + file.string() + ": no such file";
  }
  if (!std::filesystem::is_regular_file(file, ec)) {
    return "cannot read " + file.string() + ": not a regular file";
  }
  return std::nullopt;
}

std::optional<std::string> ReadImportFile(const std::filesystem::path& file,
                                          std::string_view what) {
  auto unreadable = UnreadableImportFile(file);
  std::ifstream in(file, std::ios::binary);
  if (!unreadable && !in) {
    unreadable = "cannot read " + file.string();
  }
  if (unreadable) {
    std::fprintf(stderr, "swarmbot: import %.*s: %s\n", static_cast<int>(what.size()), what.data(),
                 unreadable->c_str());
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::unique_ptr<store::Database> OpenStoreForImport(const config::Config& config) {
  auto db = store::Database::Open(config.store_path);
  if (!db) {
    std::fprintf(stderr, "swarmbot: store: %s\n", db.error().user_message.c_str());
    return nullptr;
  }
  // A running swarmbot may hold the write lock for a moment.
  (*db)->Sql().setBusyTimeout(5000);
  return std::move(*db);
}

}  // namespace swarmbot::app
