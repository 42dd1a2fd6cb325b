#include "app/history_import.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <iterator>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "app/app.hpp"
#include "app/history_file.hpp"
#include "app/import_file.hpp"
#include "app/instance_lock.hpp"
#include "lifecycle/expert_service.hpp"
#include "lifecycle/transaction.hpp"
#include "store/people_repository.hpp"

namespace swarmbot::app {
namespace {

// Unknown resolvers named in the summary; the rest are counted.
constexpr std::size_t kUnknownShown = 5;

std::string Lower(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

std::string Plural(std::size_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

std::string UnknownNote(const std::vector<UnknownResolver>& unknown) {
  std::size_t rows = 0;
  std::string names;
  for (std::size_t i = 0; i < unknown.size(); ++i) {
    rows += unknown[i].rows;
    if (i < kUnknownShown) {
      names += (i == 0 ? "" : ", ") + unknown[i].name;
    }
  }
  if (unknown.size() > kUnknownShown) {
    names += fmt::format(" and {} more", unknown.size() - kUnknownShown);
  }
  return fmt::format(
      "; {} {} someone not on swarmbot's people list ({}): they count once that person is in "
      "the people list (swarmbot import people FILE, by Slack user id or name)",
      Plural(rows, "record", "records"), rows == 1 ? "names" : "name", names);
}

}  // namespace

HistoryWriteOutcome WriteHistoryInBatches(store::Database& db, const Clock& clock,
                                          std::vector<store::HistoryRow> rows,
                                          const HistoryWriteOptions& options) {
  lifecycle::ExpertService experts(db, clock, {});
  HistoryWriteOutcome outcome;
  const std::size_t batch_rows = std::max<std::size_t>(options.batch_rows, 1);
  std::vector<store::HistoryRow> batch;
  for (std::size_t from = 0; from < rows.size(); from += batch_rows) {
    const auto first = rows.begin() + static_cast<std::ptrdiff_t>(from);
    const auto last =
        rows.begin() + static_cast<std::ptrdiff_t>(std::min(from + batch_rows, rows.size()));
    batch.assign(std::make_move_iterator(first), std::make_move_iterator(last));
    const auto started = std::chrono::steady_clock::now();
    auto imported = experts.ImportHistory(batch);
    if (!imported) {
      outcome.failure = imported.error();
      return outcome;
    }
    outcome.added += imported->added;
    outcome.updated += imported->updated;
    outcome.written += batch.size();
    // Not a wait for anything: a gap in which the bot's waiting writes get
    // the lock. SQLite's busy handler polls, so without one a steady stream
    // of batches could keep the bot out until its busy timeout.
    if (outcome.written < rows.size() && options.pause_share > 0) {
      std::this_thread::sleep_for((std::chrono::steady_clock::now() - started) *
                                  options.pause_share);
    }
  }
  return outcome;
}

Result<std::vector<UnknownResolver>> UnknownResolvers(store::Database& db,
                                                      const std::vector<store::HistoryRow>& rows) {
  auto people = lifecycle::InReadTransaction(
      db, "read_people",
      [&]() -> Result<std::vector<store::Person>> { return store::PeopleRepository(db).Active(); });
  if (!people) {
    return people.error();
  }
  // The Expert Finder's matching (lifecycle/expert_service.cpp): the user id
  // as it is, or the display name ignoring case.
  std::unordered_set<std::string> known;
  for (const store::Person& person : *people) {
    known.insert(person.user.str());
    known.insert(Lower(person.display_name));
  }
  std::vector<UnknownResolver> unknown;
  std::unordered_map<std::string, std::size_t> index_of;
  for (const store::HistoryRow& row : rows) {
    if (known.contains(row.resolver) || known.contains(Lower(row.resolver))) {
      continue;
    }
    const auto [at, added] = index_of.emplace(row.resolver, unknown.size());
    if (added) {
      unknown.push_back({row.resolver, 0});
    }
    ++unknown[at->second].rows;
  }
  return unknown;
}

std::string HistorySummary(std::string_view name, std::size_t records,
                           const HistoryWriteOutcome& outcome,
                           const std::vector<UnknownResolver>& unknown) {
  if (outcome.failure) {
    // Unavailable: SQLite's busy timeout ran out (lifecycle/transaction.hpp).
    const bool busy = outcome.failure->code == Errc::kUnavailable;
    return fmt::format(
        "import history stopped: {}: {} after {} of {} were written ({} added, {} updated); the "
        "other {} were not. Records replace by id, so {}importing the same file again completes "
        "it.",
        name,
        busy ? "the database was busy (another process held its write lock for longer than the "
               "import waits)"
             : "the store failed",
        outcome.written, Plural(records, "record", "records"), outcome.added, outcome.updated,
        records - outcome.written, busy ? "it is safe to run again: " : "");
  }
  std::string summary =
      fmt::format("imported {}: {} ({} added, {} updated)", name,
                  Plural(records, "record", "records"), outcome.added, outcome.updated);
  if (!unknown.empty()) {
    summary += UnknownNote(unknown);
  }
  return summary;
}

std::string ImportLockFile(const config::Config& config) {
  return InstanceLock::FileBeside(config.store_path, ".import.lock");
}

int ImportHistory(const config::Config& config, const std::filesystem::path& file) {
  // Held to the end: a second import's batches would interleave with these,
  // leaving a mix of both files under ids they share.
  auto lock = InstanceLock::Acquire(ImportLockFile(config),
                                    "another import of history into this database is running; "
                                    "wait for it to finish, then run this one");
  if (!lock) {
    std::fprintf(stderr, "swarmbot: import history: %s\n", lock.error().user_message.c_str());
    return kExitFailure;
  }
  SystemClock clock;
  auto records = ReadHistoryFile(file, clock.Now());
  if (!records) {
    std::fprintf(stderr, "swarmbot: import history: %s\n", records.error().user_message.c_str());
    return kExitConfig;
  }
  std::vector<store::HistoryRow> rows;
  rows.reserve(records->size());
  for (HistoryFileRecord& record : *records) {
    rows.push_back(std::move(record.row));
  }
  records->clear();
  auto db = OpenStoreForImport(config);
  if (!db) {
    return kExitConfig;
  }
  const auto unknown = UnknownResolvers(*db, rows);
  if (!unknown) {
    std::fprintf(stderr, "swarmbot: import history: %s\n", unknown.error().user_message.c_str());
    return kExitFailure;
  }
  const std::size_t total = rows.size();
  const HistoryWriteOutcome outcome = WriteHistoryInBatches(*db, clock, std::move(rows), {});
  const std::string name = file.filename().string();
  if (outcome.failure) {
    std::fprintf(stderr, "swarmbot: %s\n", HistorySummary(name, total, outcome, *unknown).c_str());
    return kExitFailure;
  }
  std::printf("%s\n", HistorySummary(name, total, outcome, *unknown).c_str());
  return kExitOk;
}

}  // namespace swarmbot::app
