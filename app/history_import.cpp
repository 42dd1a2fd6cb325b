#include "app/history_import.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "app/app.hpp"
#include "common/clock.hpp"
#include "expertfinder/eval.hpp"
#include "lifecycle/expert_service.hpp"
#include "store/database.hpp"

namespace swarmbot::app {
namespace {

// Longest id accepted, in bytes; ids are shown in reasons ("resolved INC-12").
constexpr std::size_t kMaxId = 100;

// The rows to store, or the first record that can't be one.
Result<std::vector<store::HistoryRow>> ToRows(
    const std::vector<expertfinder::EvalIncident>& incidents) {
  std::vector<store::HistoryRow> rows;
  for (std::size_t i = 0; i < incidents.size(); ++i) {
    const expertfinder::HistoryRecord& record = incidents[i].record;
    const std::string where = "record " + std::to_string(i + 1);
    if (record.id.empty() || record.id.size() > kMaxId) {
      return MakeError(Errc::kInvalidInput, "bad id",
                       where + ": `id` must be 1 to " + std::to_string(kMaxId) + " characters");
    }
    if (record.resolver.empty()) {
      return MakeError(Errc::kInvalidInput, "no expert", where + ": `expert` is missing");
    }
    if (record.text.size() + incidents[i].title.size() >
        lifecycle::ExpertService::kMaxHistoryText) {
      return MakeError(Errc::kInvalidInput, "too long",
                       where + ": title and text exceed " +
                           std::to_string(lifecycle::ExpertService::kMaxHistoryText) +
                           " characters");
    }
    store::HistoryRow row;
    row.id = record.id;
    row.at = record.time;
    row.title = incidents[i].title;
    row.text = record.text;
    row.components = record.components;
    row.resolver = record.resolver;
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

int ImportHistory(const config::Config& config, const std::filesystem::path& file) {
  std::error_code ec;
  std::ifstream in(file, std::ios::binary);
  if (!std::filesystem::is_regular_file(file, ec) || !in) {
    std::fprintf(stderr, "swarmbot: import history: cannot read %s\n", file.string().c_str());
    return kExitConfig;
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto incidents = expertfinder::ParseIncidents(text.str(), file.filename().string());
  if (!incidents) {
    const Error& error = incidents.error();
    std::fprintf(stderr, "swarmbot: import history: %s\n",
                 (error.user_message.empty() ? error.detail : error.user_message).c_str());
    return kExitConfig;
  }
  auto rows = ToRows(*incidents);
  if (!rows) {
    std::fprintf(stderr, "swarmbot: import history: %s: %s\n", file.filename().string().c_str(),
                 rows.error().user_message.c_str());
    return kExitConfig;
  }
  auto db = store::Database::Open(config.store_path);
  if (!db) {
    std::fprintf(stderr, "swarmbot: store: %s\n", db.error().user_message.c_str());
    return kExitConfig;
  }
  // A running swarmbot may hold the write lock for a moment.
  (*db)->Sql().setBusyTimeout(5000);
  SystemClock clock;
  lifecycle::ExpertService experts(**db, clock, {});
  auto imported = experts.ImportHistory(*rows);
  if (!imported) {
    std::fprintf(stderr, "swarmbot: import history: %s\n", imported.error().detail.c_str());
    return kExitFailure;
  }
  std::printf("imported %s: %zu records (%d added, %d updated)\n", file.filename().string().c_str(),
              rows->size(), imported->added, imported->updated);
  return kExitOk;
}

}  // namespace swarmbot::app
