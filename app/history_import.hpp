#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "config/config.hpp"
#include "store/database.hpp"
#include "store/expert_repository.hpp"

namespace swarmbot::app {

// `swarmbot import history FILE`: adds past tickets (JSON Lines shaped like
// shared/data/expertise/train.jsonl: id, time, title, text, components,
// expert) to the Expert Finder's history, replacing rows with the same id.
// `expert` is a Slack user id or a name from the people file. The whole file
// is checked first (app/history_file.hpp); nothing is written unless every
// line is good. It is then written in short transactions, so a running
// swarmbot keeps answering. Prints a one-line summary that also names the
// experts nobody in the people list matches. kExitConfig with the file and
// line when the file can't be used (nothing changes then), kExitFailure when
// the store fails (the summary says how much was written) or when another
// import of history holds ImportLockFile (then at once, writing nothing).
int ImportHistory(const config::Config& config, const std::filesystem::path& file);

// The lock file beside the database that one import of history at a time holds.
std::string ImportLockFile(const config::Config& config);

// How the rows are written beside a running swarmbot.
struct HistoryWriteOptions {
  // Rows per transaction: a few milliseconds of holding the write lock.
  std::size_t batch_rows = 200;
  // After each batch the store is left alone for this share of the time the
  // batch took, so a swarmbot waiting for the lock gets it within a few ms
  // rather than racing the next batch.
  double pause_share = 1.0;
};

struct HistoryWriteOutcome {
  int added = 0;
  int updated = 0;
  std::size_t written = 0;       // rows committed, in file order
  std::optional<Error> failure;  // the batch that failed; rows from `written` on are not stored
};

// Upserts `rows` by id in batches of options.batch_rows, each its own
// transaction, stopping at the first batch that fails.
HistoryWriteOutcome WriteHistoryInBatches(store::Database& db, const Clock& clock,
                                          std::vector<store::HistoryRow> rows,
                                          const HistoryWriteOptions& options);

// A resolver that names nobody active in the people list, and how many rows
// name it.
struct UnknownResolver {
  std::string name;
  std::size_t rows = 0;
};

// The resolvers of `rows` the Expert Finder can't tie to a person (it matches
// a Slack user id exactly, or a display name ignoring case), in the order
// first seen. Their rows are stored but count for nobody until that person
// is in the people list.
Result<std::vector<UnknownResolver>> UnknownResolvers(store::Database& db,
                                                      const std::vector<store::HistoryRow>& rows);

// "imported NAME: N records (A added, U updated)", then what is missing: the
// unknown resolvers, or how far a failed write got.
std::string HistorySummary(std::string_view name, std::size_t records,
                           const HistoryWriteOutcome& outcome,
                           const std::vector<UnknownResolver>& unknown);

}  // namespace swarmbot::app
