#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <SQLiteCpp/Exception.h>
#include <spdlog/spdlog.h>

#include "common/result.hpp"
#include "store/database.hpp"

namespace swarmbot::lifecycle {

// Runs `body` (returning Result<T>) in one transaction: committed if
// it returns a value, rolled back if it returns an Error. A SQLite failure
// (disk full, a locked file) rolls back too and becomes Errc::kInternal (or
// kUnavailable while another writer holds the lock), so a store problem
// reaches the user as "nothing changed", not as a crash.
// Inside a caller's transaction it is a savepoint of it (store::NestedTransaction):
// the caller's commit decides.
template <class Body>
auto RunTransaction(store::Database& db, std::string_view operation, bool immediate, Body&& body)
    -> decltype(body()) {
  try {
    store::NestedTransaction transaction(db, immediate);
    auto result = body();
    if (result) {
      transaction.Commit();
    }
    return result;
  } catch (const SQLite::Exception& e) {
    spdlog::error("event=store.failed operation={} sqlite_code={} error=\"{}\"", operation,
                  e.getErrorCode(), e.what());
    // Another writer (an import, the mail worker) outlasted the busy timeout:
    // say so, since trying again soon is the fix.
    // Unavailable, so that an effect the outbox runs is retried, not failed.
    const bool busy = store::IsBusy(e);
    return MakeError(busy ? Errc::kUnavailable : Errc::kInternal,
                     "store failed during " + std::string(operation),
                     busy ? "swarmbot's database is busy (an import may be writing); nothing was "
                            "changed. Try again in a moment."
                          : "Something went wrong while saving that; nothing was changed.");
  }
}

// For changes: IMMEDIATE takes the write lock up front, so a second process
// waits at BEGIN instead of failing halfway with SQLITE_BUSY.
template <class Body>
auto InTransaction(store::Database& db, std::string_view operation, Body&& body) {
  return RunTransaction(db, operation, /*immediate=*/true, std::forward<Body>(body));
}

// For queries: a consistent snapshot without the write lock.
template <class Body>
auto InReadTransaction(store::Database& db, std::string_view operation, Body&& body) {
  return RunTransaction(db, operation, /*immediate=*/false, std::forward<Body>(body));
}

}  // namespace swarmbot::lifecycle
