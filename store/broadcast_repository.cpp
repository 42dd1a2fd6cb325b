#include "store/broadcast_repository.hpp"

#include <array>

#include <SQLiteCpp/Statement.h>

#include "store/detail/columns.hpp"
#include "store/records.hpp"

namespace swarmbot::store {
namespace {

constexpr std::array<std::string_view, 5> kBroadcastStates{"draft", "sending", "done", "cancelled",
                                                           "stopped"};
constexpr std::array<std::string_view, 6> kDeliveryStates{"pending", "sending",   "sent",
                                                          "refused", "uncertain", "withheld"};

template <class E, std::size_t N>
E Parse(const std::array<std::string_view, N>& names, std::string_view text) {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == text) {
      return static_cast<E>(i);
    }
  }
  return static_cast<E>(0);
}

constexpr std::string_view kBroadcastColumns =
    "number, incident_id, state, requested_by, report_channel, progress_ts, subject_template, "
    "body_template, created_at, started_at, finished_at, reported_at, unreported, "
    "unreachable_since, unreachable_reason, stopped_by, stop_reason, unreachable_login_refused";
constexpr std::string_view kDeliveryColumns =
    "id, broadcast_id, email, contact_name, state, attempts, not_before, reply";

Broadcast ReadBroadcast(SQLite::Statement& row) {
  Broadcast b;
  b.number = row.getColumn(0).getInt64();
  b.incident = row.getColumn(1).getInt64();
  b.state = Parse<BroadcastState>(kBroadcastStates, row.getColumn(2).getString());
  b.requested_by = UserId(row.getColumn(3).getString());
  b.report_channel = ChannelId(row.getColumn(4).getString());
  b.progress_ts = MessageTs(row.getColumn(5).getString());
  b.subject_template = row.getColumn(6).getString();
  b.body_template = row.getColumn(7).getString();
  b.created_at = detail::Time(row.getColumn(8));
  b.started_at = detail::OptionalTime(row.getColumn(9));
  b.finished_at = detail::OptionalTime(row.getColumn(10));
  b.reported_at = detail::OptionalTime(row.getColumn(11));
  b.unreported = row.getColumn(12).getInt();
  b.unreachable_since = detail::OptionalTime(row.getColumn(13));
  b.unreachable_reason = row.getColumn(14).getString();
  b.stopped_by = UserId(row.getColumn(15).getString());
  b.stop_reason = row.getColumn(16).getString();
  b.login_refused = row.getColumn(17).getInt() != 0;
  return b;
}

Delivery ReadDelivery(SQLite::Statement& row) {
  Delivery d;
  d.id = row.getColumn(0).getInt64();
  d.broadcast = row.getColumn(1).getInt64();
  d.email = row.getColumn(2).getString();
  d.contact_name = row.getColumn(3).getString();
  d.state = Parse<DeliveryState>(kDeliveryStates, row.getColumn(4).getString());
  d.attempts = row.getColumn(5).getInt();
  d.not_before = FromMillis(row.getColumn(6).getInt64());
  d.reply = row.getColumn(7).getString();
  return d;
}

std::vector<Delivery> ReadDeliveries(SQLite::Statement& select) {
  std::vector<Delivery> found;
  while (select.executeStep()) {
    found.push_back(ReadDelivery(select));
  }
  return found;
}

// The first column of every row, as broadcast numbers.
std::vector<std::int64_t> ReadNumbers(SQLite::Statement& select) {
  std::vector<std::int64_t> numbers;
  while (select.executeStep()) {
    numbers.push_back(select.getColumn(0).getInt64());
  }
  return numbers;
}

std::string Sql(std::string_view head, std::string_view columns, std::string_view tail) {
  return std::string(head) + std::string(columns) + std::string(tail);
}

}  // namespace

std::string_view Name(BroadcastState v) noexcept {
  return kBroadcastStates[static_cast<std::size_t>(v)];
}

std::string_view Name(DeliveryState v) noexcept {
  return kDeliveryStates[static_cast<std::size_t>(v)];
}

std::string BroadcastNumberText(std::int64_t number) {
  return "BC-" + std::to_string(number);
}

std::optional<std::int64_t> ParseBroadcastNumber(std::string_view text) noexcept {
  if (text.size() < 4 || text.size() > 15 || (text[0] != 'B' && text[0] != 'b') ||
      (text[1] != 'C' && text[1] != 'c') || text[2] != '-' || text[3] == '0') {
    return std::nullopt;
  }
  std::int64_t n = 0;
  for (char c : text.substr(3)) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    n = n * 10 + (c - '0');
  }
  return n;
}

std::int64_t BroadcastRepository::Insert(const Broadcast& b) {
  SQLite::Statement insert(db_.Sql(),
                           "INSERT INTO broadcasts (incident_id, state, requested_by, "
                           "report_channel, subject_template, body_template, created_at) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, b.incident);
  insert.bind(2, std::string(Name(b.state)));
  insert.bind(3, b.requested_by.str());
  insert.bind(4, b.report_channel.str());
  insert.bind(5, b.subject_template);
  insert.bind(6, b.body_template);
  insert.bind(7, ToMillis(b.created_at));
  insert.exec();
  return db_.Sql().getLastInsertRowid();
}

bool BroadcastRepository::AddDelivery(std::int64_t broadcast, std::string_view email,
                                      std::string_view contact_name, Clock::TimePoint now) {
  SQLite::Statement insert(db_.Sql(),
                           "INSERT OR IGNORE INTO broadcast_deliveries (broadcast_id, email, "
                           "contact_name, state, updated_at) VALUES (?, ?, ?, 'pending', ?)");
  insert.bind(1, broadcast);
  insert.bind(2, std::string(email));
  insert.bind(3, std::string(contact_name));
  insert.bind(4, ToMillis(now));
  return insert.exec() == 1;
}

void BroadcastRepository::RemoveDelivery(std::int64_t id) {
  SQLite::Statement remove(db_.Sql(), "DELETE FROM broadcast_deliveries WHERE id = ?");
  remove.bind(1, id);
  remove.exec();
}

std::optional<Broadcast> BroadcastRepository::Find(std::int64_t number) {
  SQLite::Statement select(db_.Sql(),
                           Sql("SELECT ", kBroadcastColumns, " FROM broadcasts WHERE number = ?"));
  select.bind(1, number);
  if (!select.executeStep()) {
    return std::nullopt;
  }
  return ReadBroadcast(select);
}

std::optional<Broadcast> BroadcastRepository::FindByIncident(std::int64_t incident,
                                                             BroadcastState state) {
  SQLite::Statement select(db_.Sql(), Sql("SELECT ", kBroadcastColumns,
                                          " FROM broadcasts WHERE incident_id = ? AND state = ? "
                                          "ORDER BY number DESC LIMIT 1"));
  select.bind(1, incident);
  select.bind(2, std::string(Name(state)));
  if (!select.executeStep()) {
    return std::nullopt;
  }
  return ReadBroadcast(select);
}

std::optional<Broadcast> BroadcastRepository::StartedAt(std::int64_t incident, Clock::TimePoint at,
                                                        std::int64_t besides) {
  SQLite::Statement select(db_.Sql(), Sql("SELECT ", kBroadcastColumns,
                                          " FROM broadcasts WHERE incident_id = ? AND "
                                          "started_at = ? AND number <> ? ORDER BY number DESC "
                                          "LIMIT 1"));
  select.bind(1, incident);
  select.bind(2, ToMillis(at));
  select.bind(3, besides);
  if (!select.executeStep()) {
    return std::nullopt;
  }
  return ReadBroadcast(select);
}

std::vector<std::int64_t> BroadcastRepository::InState(BroadcastState state) {
  SQLite::Statement select(db_.Sql(),
                           "SELECT number FROM broadcasts WHERE state = ? ORDER BY number");
  select.bind(1, std::string(Name(state)));
  return ReadNumbers(select);
}

bool BroadcastRepository::Transition(std::int64_t number, BroadcastState from, BroadcastState to,
                                     Clock::TimePoint at) {
  const char* column = to == BroadcastState::kSending ? "started_at" : "finished_at";
  SQLite::Statement update(db_.Sql(), std::string("UPDATE broadcasts SET state = ?, ") + column +
                                          " = ? WHERE number = ? AND state = ?");
  update.bind(1, std::string(Name(to)));
  update.bind(2, ToMillis(at));
  update.bind(3, number);
  update.bind(4, std::string(Name(from)));
  return update.exec() == 1;
}

void BroadcastRepository::SetProgressTs(std::int64_t number, const MessageTs& ts) {
  SQLite::Statement update(db_.Sql(), "UPDATE broadcasts SET progress_ts = ? WHERE number = ?");
  update.bind(1, ts.str());
  update.bind(2, number);
  update.exec();
}

void BroadcastRepository::NoteOutcome(std::int64_t number) {
  SQLite::Statement update(db_.Sql(),
                           "UPDATE broadcasts SET unreported = unreported + 1 WHERE number = ?");
  update.bind(1, number);
  update.exec();
}

void BroadcastRepository::MarkReported(std::int64_t number, Clock::TimePoint now) {
  SQLite::Statement update(
      db_.Sql(), "UPDATE broadcasts SET unreported = 0, reported_at = ? WHERE number = ?");
  update.bind(1, ToMillis(now));
  update.bind(2, number);
  update.exec();
}

std::optional<Delivery> BroadcastRepository::NextDue(Clock::TimePoint now) {
  SQLite::Statement select(
      db_.Sql(), Sql("SELECT ",
                     "d.id, d.broadcast_id, d.email, d.contact_name, d.state, "
                     "d.attempts, d.not_before, d.reply",
                     " FROM broadcast_deliveries d JOIN broadcasts b ON b.number = d.broadcast_id "
                     "WHERE d.state = 'pending' AND b.state = 'sending' AND d.not_before <= ? "
                     "ORDER BY d.not_before, d.id LIMIT 1"));
  select.bind(1, ToMillis(now));
  if (!select.executeStep()) {
    return std::nullopt;
  }
  return ReadDelivery(select);
}

std::optional<Clock::TimePoint> BroadcastRepository::NextDueAt() {
  SQLite::Statement select(
      db_.Sql(),
      "SELECT MIN(d.not_before) FROM broadcast_deliveries d JOIN broadcasts b ON b.number = "
      "d.broadcast_id WHERE d.state = 'pending' AND b.state = 'sending'");
  if (!select.executeStep() || select.getColumn(0).isNull()) {
    return std::nullopt;
  }
  return FromMillis(select.getColumn(0).getInt64());
}

std::optional<Delivery> BroadcastRepository::FindDelivery(std::int64_t id) {
  SQLite::Statement select(
      db_.Sql(), Sql("SELECT ", kDeliveryColumns, " FROM broadcast_deliveries WHERE id = ?"));
  select.bind(1, id);
  if (!select.executeStep()) {
    return std::nullopt;
  }
  return ReadDelivery(select);
}

void BroadcastRepository::SetDelivery(std::int64_t id, DeliveryState state, int attempts,
                                      Clock::TimePoint not_before, std::string_view reply,
                                      Clock::TimePoint now) {
  SQLite::Statement update(db_.Sql(),
                           "UPDATE broadcast_deliveries SET state = ?, attempts = ?, "
                           "not_before = ?, reply = ?, updated_at = ? WHERE id = ?");
  update.bind(1, std::string(Name(state)));
  update.bind(2, attempts);
  update.bind(3, ToMillis(not_before));
  update.bind(4, std::string(reply));
  update.bind(5, ToMillis(now));
  update.bind(6, id);
  update.exec();
}

int BroadcastRepository::MarkInterrupted(Clock::TimePoint now) {
  SQLite::Statement update(db_.Sql(),
                           "UPDATE broadcast_deliveries SET state = 'uncertain', reply = "
                           "'interrupted while sending; not sent again', updated_at = ? "
                           "WHERE state = 'sending'");
  update.bind(1, ToMillis(now));
  return update.exec();
}

int BroadcastRepository::WithholdPending(std::int64_t broadcast, std::string_view reply,
                                         Clock::TimePoint now) {
  SQLite::Statement update(db_.Sql(),
                           "UPDATE broadcast_deliveries SET state = 'withheld', reply = ?, "
                           "updated_at = ? WHERE broadcast_id = ? AND state = 'pending'");
  update.bind(1, std::string(reply));
  update.bind(2, ToMillis(now));
  update.bind(3, broadcast);
  return update.exec();
}

void BroadcastRepository::SetStopped(std::int64_t number, const UserId& by,
                                     std::string_view reason) {
  SQLite::Statement update(
      db_.Sql(), "UPDATE broadcasts SET stopped_by = ?, stop_reason = ? WHERE number = ?");
  update.bind(1, by.str());
  update.bind(2, std::string(reason));
  update.bind(3, number);
  update.exec();
}

BroadcastRepository::UnreachableMarks BroadcastRepository::MarkUnreachable(Clock::TimePoint since,
                                                                           std::string_view reason,
                                                                           bool login_refused) {
  UnreachableMarks marks;
  SQLite::Statement fresh(db_.Sql(),
                          "SELECT number FROM broadcasts WHERE state = 'sending' AND "
                          "unreachable_since IS NULL ORDER BY number");
  marks.marked = ReadNumbers(fresh);
  SQLite::Statement changed(db_.Sql(),
                            "SELECT number FROM broadcasts WHERE state = 'sending' AND "
                            "unreachable_since IS NOT NULL AND unreachable_login_refused != ? "
                            "ORDER BY number");
  changed.bind(1, login_refused ? 1 : 0);
  marks.changed = ReadNumbers(changed);
  SQLite::Statement update(
      db_.Sql(),
      "UPDATE broadcasts SET unreachable_since = COALESCE(unreachable_since, ?), "
      "unreachable_reason = ?, unreachable_login_refused = ? WHERE state = 'sending'");
  update.bind(1, ToMillis(since));
  update.bind(2, std::string(reason));
  update.bind(3, login_refused ? 1 : 0);
  update.exec();
  return marks;
}

std::vector<std::int64_t> BroadcastRepository::ClearUnreachable() {
  SQLite::Statement select(
      db_.Sql(),
      "SELECT number FROM broadcasts WHERE state = 'sending' AND unreachable_since IS NOT NULL "
      "ORDER BY number");
  std::vector<std::int64_t> numbers = ReadNumbers(select);
  db_.Sql().exec(
      "UPDATE broadcasts SET unreachable_since = NULL, unreachable_reason = '', "
      "unreachable_login_refused = 0 "
      "WHERE state = 'sending' AND unreachable_since IS NOT NULL");
  return numbers;
}

DeliveryCounts BroadcastRepository::Counts(std::int64_t broadcast) {
  SQLite::Statement select(
      db_.Sql(),
      "SELECT state, COUNT(*) FROM broadcast_deliveries WHERE broadcast_id = ? "
      "GROUP BY state");
  select.bind(1, broadcast);
  DeliveryCounts counts;
  while (select.executeStep()) {
    const int n = select.getColumn(1).getInt();
    switch (Parse<DeliveryState>(kDeliveryStates, select.getColumn(0).getString())) {
      case DeliveryState::kPending:
      case DeliveryState::kSending:
        counts.pending += n;
        break;
      case DeliveryState::kSent:
        counts.sent += n;
        break;
      case DeliveryState::kRefused:
        counts.refused += n;
        break;
      case DeliveryState::kUncertain:
        counts.uncertain += n;
        break;
      case DeliveryState::kWithheld:
        counts.withheld += n;
        break;
    }
  }
  return counts;
}

std::vector<Delivery> BroadcastRepository::Deliveries(std::int64_t broadcast) {
  SQLite::Statement select(db_.Sql(), Sql("SELECT ", kDeliveryColumns,
                                          " FROM broadcast_deliveries WHERE broadcast_id = ? "
                                          "ORDER BY id"));
  select.bind(1, broadcast);
  return ReadDeliveries(select);
}

std::vector<Delivery> BroadcastRepository::DeliveriesIn(std::int64_t broadcast, DeliveryState state,
                                                        int limit) {
  SQLite::Statement select(db_.Sql(), Sql("SELECT ", kDeliveryColumns,
                                          " FROM broadcast_deliveries WHERE broadcast_id = ? AND "
                                          "state = ? ORDER BY id LIMIT ?"));
  select.bind(1, broadcast);
  select.bind(2, std::string(Name(state)));
  select.bind(3, limit);
  return ReadDeliveries(select);
}

}  // namespace swarmbot::store
