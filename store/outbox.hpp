#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/form.hpp"
#include "store/database.hpp"

namespace swarmbot::store {

// A Slack side effect waiting to be performed. Lifecycle operations enqueue
// them in the same transaction as the change that needs them, so a crash can
// delay an effect but never lose it.
struct OutboxItem {
  std::int64_t id = 0;
  std::string stream;  // items of one stream run in order, e.g. "INC-1"
  std::string kind;    // what to do, e.g. "swarm.create_channel"
  FormFields args;     // what to do it with
  int attempts = 0;    // times claimed before this claim; > 0 means a retry
                       // that must first check whether the effect already happened
};

// Times are stored as Unix milliseconds. SQL failures (disk full, a locked
// file) throw SQLite::Exception; ClaimNext runs its own transaction, so call it
// outside any other.
class Outbox {
 public:
  explicit Outbox(Database& db) : db_(db) {}

  // Adds an item; call inside the caller's transaction. Returns its id.
  std::int64_t Enqueue(std::string_view stream, std::string_view kind, const FormFields& args,
                       Clock::TimePoint now);
  // Adds an item that is not claimed before `due`: a reminder or a deadline.
  // It holds back the later items of its stream until then, so give timers
  // a stream of their own (e.g. "timers").
  std::int64_t EnqueueAt(std::string_view stream, std::string_view kind, const FormFields& args,
                         Clock::TimePoint now, Clock::TimePoint due);

  // The oldest pending item that is due and has no earlier pending item in its
  // stream, leaving out the streams in `busy` (those with an item in flight:
  // it stays pending while it runs, so it is still their head). Counts the
  // attempt before returning, so a crash mid-effect is visible to the next
  // claim as attempts > 0.
  std::optional<OutboxItem> ClaimNext(Clock::TimePoint now,
                                      const std::vector<std::string>& busy = {});

  void MarkDone(std::int64_t id, Clock::TimePoint now);
  void Retry(std::int64_t id, Clock::TimePoint not_before, std::string_view error);
  // Gives up on the item; later items in its stream may run.
  void MarkFailed(std::int64_t id, std::string_view error, Clock::TimePoint now);

  // When the next pending item outside the streams in `busy` becomes due, if
  // any is pending.
  std::optional<Clock::TimePoint> NextDue(const std::vector<std::string>& busy = {});
  std::int64_t PendingCount();

  // Every pending item, oldest first (attempts as stored); for status pages and tests.
  std::vector<OutboxItem> Pending();

 private:
  Database& db_;
};

}  // namespace swarmbot::store
