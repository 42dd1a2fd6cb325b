#include "store/spike_repository.hpp"

#include <string>

#include <SQLiteCpp/Statement.h>

#include "store/detail/columns.hpp"
#include "store/sequences.hpp"

namespace swarmbot::store {
namespace {

constexpr const char* kColumns =
    "number, incident_id, alert_channel, alert_ts, update_pending, created_at, updated_at";

Spike ReadSpike(SQLite::Statement& row) {
  Spike s;
  s.number = row.getColumn(0).getInt64();
  s.incident = detail::OptionalInt64(row.getColumn(1));
  s.alert_channel = ChannelId(row.getColumn(2).getString());
  s.alert_ts = MessageTs(row.getColumn(3).getString());
  s.update_pending = row.getColumn(4).getInt() != 0;
  s.created_at = detail::Time(row.getColumn(5));
  s.updated_at = detail::Time(row.getColumn(6));
  return s;
}

std::optional<std::int64_t> FirstNumber(SQLite::Statement& select) {
  if (!select.executeStep()) {
    return std::nullopt;
  }
  return select.getColumn(0).getInt64();
}

}  // namespace

std::int64_t SpikeRepository::Insert(Clock::TimePoint now) {
  const std::int64_t number = Sequences(db_).Next("SPIKE");
  SQLite::Statement insert(db_.Sql(),
                           "INSERT INTO spikes (number, created_at, updated_at) VALUES (?, ?, ?)");
  insert.bind(1, number);
  insert.bind(2, ToMillis(now));
  insert.bind(3, ToMillis(now));
  insert.exec();
  return number;
}

std::optional<Spike> SpikeRepository::Find(std::int64_t number) {
  SQLite::Statement select(db_.Sql(),
                           std::string("SELECT ") + kColumns + " FROM spikes WHERE number = ?");
  select.bind(1, number);
  if (!select.executeStep()) {
    return std::nullopt;
  }
  return ReadSpike(select);
}

bool SpikeRepository::AddCase(std::int64_t spike, std::int64_t case_number, Clock::TimePoint now) {
  SQLite::Statement insert(db_.Sql(),
                           "INSERT OR IGNORE INTO spike_cases (spike_id, case_number, added_at) "
                           "VALUES (?, ?, ?)");
  insert.bind(1, spike);
  insert.bind(2, case_number);
  insert.bind(3, ToMillis(now));
  if (insert.exec() == 0) {
    return false;
  }
  SQLite::Statement touch(db_.Sql(), "UPDATE spikes SET updated_at = ? WHERE number = ?");
  touch.bind(1, ToMillis(now));
  touch.bind(2, spike);
  touch.exec();
  return true;
}

std::vector<std::int64_t> SpikeRepository::Cases(std::int64_t spike) {
  SQLite::Statement select(
      db_.Sql(), "SELECT case_number FROM spike_cases WHERE spike_id = ? ORDER BY case_number");
  select.bind(1, spike);
  std::vector<std::int64_t> cases;
  while (select.executeStep()) {
    cases.push_back(select.getColumn(0).getInt64());
  }
  return cases;
}

LabelCounts SpikeRepository::CountBy(const char* column, std::int64_t spike) {
  SQLite::Statement select(db_.Sql(), std::string("SELECT c.") + column +
                                          ", COUNT(*) AS n FROM spike_cases s JOIN cases c "
                                          "ON c.number = s.case_number WHERE s.spike_id = ? "
                                          "GROUP BY 1 ORDER BY n DESC, 1");
  select.bind(1, spike);
  LabelCounts counts;
  while (select.executeStep()) {
    counts.emplace_back(select.getColumn(0).getString(), select.getColumn(1).getInt64());
  }
  return counts;
}

SpikeFacts SpikeRepository::Facts(std::int64_t spike, std::size_t max_subjects) {
  SpikeFacts facts;
  SQLite::Statement totals(db_.Sql(),
                           "SELECT COUNT(*), COUNT(DISTINCT lower(c.contact_email)), "
                           "MIN(c.created_at), MAX(c.created_at) FROM spike_cases s "
                           "JOIN cases c ON c.number = s.case_number WHERE s.spike_id = ?");
  totals.bind(1, spike);
  if (totals.executeStep() && totals.getColumn(0).getInt64() > 0) {
    facts.cases = totals.getColumn(0).getInt64();
    facts.contacts = totals.getColumn(1).getInt64();
    facts.first_at = detail::Time(totals.getColumn(2));
    facts.last_at = detail::Time(totals.getColumn(3));
  }
  SQLite::Statement holders(db_.Sql(),
                            "SELECT i.number, COUNT(*) FROM spike_cases s "
                            "JOIN cases c ON c.number = s.case_number "
                            "LEFT JOIN incidents i ON i.number = c.incident_id "
                            "AND c.status = 'held' AND i.state <> 'closed' "
                            "WHERE s.spike_id = ? AND c.status <> 'closed' "
                            "GROUP BY i.number ORDER BY i.number");
  holders.bind(1, spike);
  while (holders.executeStep()) {
    if (holders.getColumn(0).isNull()) {
      facts.unheld = holders.getColumn(1).getInt64();
    } else {
      facts.holders.push_back(holders.getColumn(0).getInt64());
    }
  }
  facts.by_channel = CountBy("channel", spike);
  facts.by_territory = CountBy("territory", spike);
  SQLite::Statement subjects(db_.Sql(),
                             "SELECT c.subject, COUNT(*) AS n, MIN(c.number) AS first "
                             "FROM spike_cases s JOIN cases c ON c.number = s.case_number "
                             "WHERE s.spike_id = ? GROUP BY c.subject ORDER BY n DESC, first "
                             "LIMIT ?");
  subjects.bind(1, spike);
  subjects.bind(2, static_cast<std::int64_t>(max_subjects));
  while (subjects.executeStep()) {
    facts.subjects.push_back(subjects.getColumn(0).getString());
  }
  return facts;
}

std::optional<std::int64_t> SpikeRepository::SpikeOfCase(std::int64_t case_number) {
  SQLite::Statement select(
      db_.Sql(), "SELECT MAX(spike_id) FROM spike_cases WHERE case_number = ? HAVING COUNT(*) > 0");
  select.bind(1, case_number);
  return FirstNumber(select);
}

std::optional<std::int64_t> SpikeRepository::SpikeOfIncident(std::int64_t incident) {
  SQLite::Statement select(
      db_.Sql(), "SELECT MAX(number) FROM spikes WHERE incident_id = ? HAVING COUNT(*) > 0");
  select.bind(1, incident);
  return FirstNumber(select);
}

void SpikeRepository::SetIncident(std::int64_t spike, std::int64_t incident, Clock::TimePoint now) {
  SQLite::Statement update(db_.Sql(),
                           "UPDATE spikes SET incident_id = ?, updated_at = ? WHERE number = ?");
  update.bind(1, incident);
  update.bind(2, ToMillis(now));
  update.bind(3, spike);
  update.exec();
}

void SpikeRepository::SetAlert(std::int64_t spike, const ChannelId& channel, const MessageTs& ts) {
  SQLite::Statement update(db_.Sql(),
                           "UPDATE spikes SET alert_channel = ?, alert_ts = ? WHERE number = ?");
  update.bind(1, channel.str());
  update.bind(2, ts.str());
  update.bind(3, spike);
  update.exec();
}

bool SpikeRepository::RequestUpdate(std::int64_t spike) {
  SQLite::Statement update(
      db_.Sql(), "UPDATE spikes SET update_pending = 1 WHERE number = ? AND update_pending = 0");
  update.bind(1, spike);
  return update.exec() > 0;
}

void SpikeRepository::ClearUpdate(std::int64_t spike) {
  SQLite::Statement update(db_.Sql(), "UPDATE spikes SET update_pending = 0 WHERE number = ?");
  update.bind(1, spike);
  update.exec();
}

std::vector<Spike> SpikeRepository::Active(Clock::TimePoint since) {
  SQLite::Statement select(db_.Sql(), std::string("SELECT ") + kColumns +
                                          " FROM spikes WHERE incident_id IS NULL AND "
                                          "updated_at >= ? ORDER BY number DESC LIMIT 20");
  select.bind(1, ToMillis(since));
  std::vector<Spike> spikes;
  while (select.executeStep()) {
    spikes.push_back(ReadSpike(select));
  }
  return spikes;
}

std::vector<SpikeSource> SpikeRepository::CasesSince(Clock::TimePoint since) {
  SQLite::Statement select(db_.Sql(),
                           "SELECT number, contact_email, subject, description, status, "
                           "created_at FROM cases WHERE created_at >= ? "
                           "ORDER BY created_at, number");
  select.bind(1, ToMillis(since));
  std::vector<SpikeSource> cases;
  while (select.executeStep()) {
    SpikeSource c;
    c.number = select.getColumn(0).getInt64();
    c.contact_email = select.getColumn(1).getString();
    c.subject = select.getColumn(2).getString();
    c.description = select.getColumn(3).getString();
    c.status = ParseCaseStatus(select.getColumn(4).getString()).value_or(CaseStatus::kNew);
    c.created_at = detail::Time(select.getColumn(5));
    cases.push_back(std::move(c));
  }
  return cases;
}

std::vector<std::pair<std::int64_t, std::int64_t>> SpikeRepository::SpikeCasesSince(
    Clock::TimePoint since) {
  SQLite::Statement select(db_.Sql(),
                           "SELECT s.spike_id, s.case_number FROM spike_cases s JOIN cases c "
                           "ON c.number = s.case_number WHERE c.created_at >= ? "
                           "ORDER BY s.spike_id, s.case_number");
  select.bind(1, ToMillis(since));
  std::vector<std::pair<std::int64_t, std::int64_t>> rows;
  while (select.executeStep()) {
    rows.emplace_back(select.getColumn(0).getInt64(), select.getColumn(1).getInt64());
  }
  return rows;
}

}  // namespace swarmbot::store
