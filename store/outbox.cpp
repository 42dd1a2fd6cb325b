#include "store/outbox.hpp"

#include <chrono>
#include <string>
#include <vector>

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include "store/records.hpp"

namespace swarmbot::store {
namespace {

OutboxItem ReadItem(SQLite::Statement& row) {
  OutboxItem item;
  item.id = row.getColumn(0).getInt64();
  item.stream = row.getColumn(1).getString();
  item.kind = row.getColumn(2).getString();
  // Args were written by BuildForm, so they always decode.
  item.args = ParseForm(row.getColumn(3).getString()).value();
  item.attempts = row.getColumn(4).getInt();
  return item;
}

// The head of a stream is its oldest pending item; only heads may run, so a
// stream's effects happen in the order they were enqueued.
constexpr const char* kHeadCondition =
    "o.state = 'pending' AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.stream = o.stream "
    "AND e.state = 'pending' AND e.id < o.id)";

// The heads of streams other than `busy`; bind those with BindBusy.
std::string HeadsOutside(const std::vector<std::string>& busy) {
  std::string condition = kHeadCondition;
  for (std::size_t i = 0; i < busy.size(); ++i) {
    condition += i == 0 ? " AND o.stream NOT IN (?" : ", ?";
  }
  if (!busy.empty()) {
    condition += ")";
  }
  return condition;
}

// Binds `busy` from parameter 1 on; returns the next free parameter.
int BindBusy(SQLite::Statement& statement, const std::vector<std::string>& busy) {
  int index = 1;
  for (const std::string& stream : busy) {
    statement.bind(index++, stream);
  }
  return index;
}

// The oldest head outside `busy` that is due, with `columns`.
SQLite::Statement DueHead(SQLite::Database& db, std::string_view columns,
                          const std::vector<std::string>& busy, Clock::TimePoint now) {
  SQLite::Statement select(db, "SELECT " + std::string(columns) + " FROM outbox o WHERE " +
                                   HeadsOutside(busy) +
                                   " AND o.not_before <= ? ORDER BY o.id LIMIT 1");
  select.bind(BindBusy(select, busy), ToMillis(now));
  return select;
}

// The worker tries again within seconds, so its claim waits for another
// process's write lock far less than a person's command does.
constexpr std::chrono::milliseconds kClaimBusyTimeout{100};

}  // namespace

std::int64_t Outbox::Enqueue(std::string_view stream, std::string_view kind, const FormFields& args,
                             Clock::TimePoint now) {
  return EnqueueAt(stream, kind, args, now, now);
}

std::int64_t Outbox::EnqueueAt(std::string_view stream, std::string_view kind,
                               const FormFields& args, Clock::TimePoint now, Clock::TimePoint due) {
  SQLite::Statement insert(db_.Sql(),
                           "INSERT INTO outbox (stream, kind, args, not_before, created_at) "
                           "VALUES (?, ?, ?, ?, ?)");
  insert.bind(1, std::string(stream));
  insert.bind(2, std::string(kind));
  insert.bind(3, BuildForm(args));
  insert.bind(4, ToMillis(due));
  insert.bind(5, ToMillis(now));
  insert.exec();
  return db_.Sql().getLastInsertRowid();
}

std::optional<OutboxItem> Outbox::ClaimNext(Clock::TimePoint now,
                                            const std::vector<std::string>& busy) {
  // A read first: in WAL mode it never waits, so an outbox with nothing due
  // doesn't queue for a write lock that another process may hold for long.
  if (!DueHead(db_.Sql(), "1", busy, now).executeStep()) {
    return std::nullopt;
  }
  const ShorterBusyTimeout short_wait(db_, kClaimBusyTimeout);
  SQLite::Transaction transaction(db_.Sql(), SQLite::TransactionBehavior::IMMEDIATE);
  SQLite::Statement select =
      DueHead(db_.Sql(), "o.id, o.stream, o.kind, o.args, o.attempts", busy, now);
  if (!select.executeStep()) {
    return std::nullopt;
  }
  OutboxItem item = ReadItem(select);
  SQLite::Statement count(db_.Sql(), "UPDATE outbox SET attempts = attempts + 1 WHERE id = ?");
  count.bind(1, item.id);
  count.exec();
  transaction.commit();
  return item;
}

void Outbox::MarkDone(std::int64_t id, Clock::TimePoint now) {
  // A finished item's arguments are dropped: some (a response_url) are
  // credentials that must not outlive their use.
  SQLite::Statement update(db_.Sql(),
                           "UPDATE outbox SET state = 'done', args = '', done_at = ? WHERE id = ?");
  update.bind(1, ToMillis(now));
  update.bind(2, id);
  update.exec();
}

void Outbox::Retry(std::int64_t id, Clock::TimePoint not_before, std::string_view error) {
  SQLite::Statement update(
      db_.Sql(),
      "UPDATE outbox SET not_before = ?, last_error = ? WHERE id = ? AND state = 'pending'");
  update.bind(1, ToMillis(not_before));
  update.bind(2, std::string(error));
  update.bind(3, id);
  update.exec();
}

void Outbox::MarkFailed(std::int64_t id, std::string_view error, Clock::TimePoint now) {
  SQLite::Statement update(
      db_.Sql(),
      "UPDATE outbox SET state = 'failed', args = '', last_error = ?, done_at = ? WHERE id = ?");
  update.bind(1, std::string(error));
  update.bind(2, ToMillis(now));
  update.bind(3, id);
  update.exec();
}

std::optional<Clock::TimePoint> Outbox::NextDue(const std::vector<std::string>& busy) {
  SQLite::Statement select(db_.Sql(),
                           "SELECT MIN(o.not_before) FROM outbox o WHERE " + HeadsOutside(busy));
  BindBusy(select, busy);
  select.executeStep();
  if (select.getColumn(0).isNull()) {
    return std::nullopt;
  }
  return FromMillis(select.getColumn(0).getInt64());
}

std::int64_t Outbox::PendingCount() {
  return db_.Sql().execAndGet("SELECT COUNT(*) FROM outbox WHERE state = 'pending'").getInt64();
}

std::vector<OutboxItem> Outbox::Pending() {
  SQLite::Statement select(db_.Sql(),
                           "SELECT id, stream, kind, args, attempts FROM outbox "
                           "WHERE state = 'pending' ORDER BY id");
  std::vector<OutboxItem> items;
  while (select.executeStep()) {
    items.push_back(ReadItem(select));
  }
  return items;
}

}  // namespace swarmbot::store
