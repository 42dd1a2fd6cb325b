#include "store/people_repository.hpp"

#include <algorithm>
#include <set>

#include <SQLiteCpp/Statement.h>

#include "store/detail/columns.hpp"
#include "store/records.hpp"

namespace swarmbot::store {
namespace {

PresenceOverride ParseOverride(const std::string& text) {
  if (text == "away") {
    return PresenceOverride::kAway;
  }
  if (text == "back") {
    return PresenceOverride::kBack;
  }
  return PresenceOverride::kNone;
}

constexpr const char* kColumns =
    "user_id, display_name, time_zone, capacity, presence_override, override_at, "
    "last_assigned_at, active, "
    "EXISTS (SELECT 1 FROM slack_accounts a WHERE a.user_id = people.user_id AND a.deactivated)";

Person ReadPerson(SQLite::Statement& row) {
  Person p;
  p.user = UserId(row.getColumn(0).getString());
  p.display_name = row.getColumn(1).getString();
  p.time_zone = row.getColumn(2).getString();
  p.capacity = row.getColumn(3).getInt();
  p.presence_override = ParseOverride(row.getColumn(4).getString());
  p.override_at = detail::OptionalTime(row.getColumn(5));
  p.last_assigned_at = detail::OptionalTime(row.getColumn(6));
  p.active = row.getColumn(7).getInt() != 0;
  p.slack_deactivated = row.getColumn(8).getInt() != 0;
  return p;
}

}  // namespace

std::string_view Name(PresenceOverride value) noexcept {
  switch (value) {
    case PresenceOverride::kAway:
      return "away";
    case PresenceOverride::kBack:
      return "back";
    case PresenceOverride::kNone:
      break;
  }
  return "";
}

bool PeopleRepository::Upsert(const Person& person, Clock::TimePoint now) {
  const bool is_new = !Find(person.user).has_value();
  SQLite::Statement upsert(
      db_.Sql(),
      "INSERT INTO people (user_id, display_name, time_zone, capacity, active, updated_at) "
      "VALUES (?, ?, ?, ?, 1, ?) ON CONFLICT (user_id) DO UPDATE SET "
      "display_name = excluded.display_name, time_zone = excluded.time_zone, "
      "capacity = excluded.capacity, active = 1, updated_at = excluded.updated_at");
  upsert.bind(1, person.user.str());
  upsert.bind(2, person.display_name);
  upsert.bind(3, person.time_zone);
  upsert.bind(4, person.capacity);
  upsert.bind(5, ToMillis(now));
  upsert.exec();

  SQLite::Statement clear(db_.Sql(), "DELETE FROM person_skills WHERE user_id = ?");
  clear.bind(1, person.user.str());
  clear.exec();
  SQLite::Statement insert(db_.Sql(),
                           "INSERT INTO person_skills (user_id, skill, level) VALUES (?, ?, ?)");
  for (const auto& [skill, level] : person.skills) {
    insert.bind(1, person.user.str());
    insert.bind(2, skill);
    insert.bind(3, level);
    insert.exec();
    insert.reset();
  }
  return is_new;
}

int PeopleRepository::DeactivateAllExcept(const std::vector<UserId>& keep, Clock::TimePoint now) {
  const std::set<UserId> kept(keep.begin(), keep.end());
  std::vector<std::string> leaving;
  SQLite::Statement select(db_.Sql(), "SELECT user_id FROM people WHERE active = 1");
  while (select.executeStep()) {
    UserId user(select.getColumn(0).getString());
    if (!kept.contains(user)) {
      leaving.push_back(user.str());
    }
  }
  SQLite::Statement update(db_.Sql(),
                           "UPDATE people SET active = 0, updated_at = ? WHERE user_id = ?");
  for (const std::string& user : leaving) {
    update.bind(1, ToMillis(now));
    update.bind(2, user);
    update.exec();
    update.reset();
  }
  return static_cast<int>(leaving.size());
}

std::optional<Person> PeopleRepository::Find(const UserId& user) {
  SQLite::Statement select(db_.Sql(),
                           std::string("SELECT ") + kColumns + " FROM people WHERE user_id = ?");
  select.bind(1, user.str());
  if (!select.executeStep()) {
    return std::nullopt;
  }
  Person person = ReadPerson(select);
  person.skills = SkillsOf(person.user);
  return person;
}

std::vector<Person> PeopleRepository::Active() {
  SQLite::Statement select(db_.Sql(), std::string("SELECT ") + kColumns +
                                          " FROM people WHERE active = 1 ORDER BY user_id");
  std::vector<Person> people;
  while (select.executeStep()) {
    people.push_back(ReadPerson(select));
  }
  for (Person& person : people) {
    person.skills = SkillsOf(person.user);
  }
  return people;
}

bool PeopleRepository::SetSlackDeactivated(const UserId& user, bool deactivated,
                                           std::string_view source, Clock::TimePoint at) {
  SQLite::Statement select(db_.Sql(),
                           "SELECT deactivated, changed_at FROM slack_accounts WHERE user_id = ?");
  select.bind(1, user.str());
  const bool known = select.executeStep();
  const bool was = known && select.getColumn(0).getInt() != 0;
  if (known && select.getColumn(1).getInt64() > ToMillis(at)) {
    return false;  // Slack said something newer already
  }
  SQLite::Statement upsert(db_.Sql(),
                           "INSERT INTO slack_accounts (user_id, deactivated, changed_at, source) "
                           "VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET "
                           "deactivated = excluded.deactivated, changed_at = excluded.changed_at, "
                           "source = excluded.source");
  upsert.bind(1, user.str());
  upsert.bind(2, deactivated ? 1 : 0);
  upsert.bind(3, ToMillis(at));
  upsert.bind(4, std::string(source));
  upsert.exec();
  return was != deactivated;
}

bool PeopleRepository::SlackDeactivated(const UserId& user) {
  SQLite::Statement select(db_.Sql(), "SELECT deactivated FROM slack_accounts WHERE user_id = ?");
  select.bind(1, user.str());
  return select.executeStep() && select.getColumn(0).getInt() != 0;
}

void PeopleRepository::SetOverride(const UserId& user, PresenceOverride value,
                                   Clock::TimePoint now) {
  SQLite::Statement update(
      db_.Sql(), "UPDATE people SET presence_override = ?, override_at = ? WHERE user_id = ?");
  update.bind(1, std::string(Name(value)));
  update.bind(2, ToMillis(now));
  update.bind(3, user.str());
  update.exec();
}

void PeopleRepository::SetLastAssigned(const UserId& user, Clock::TimePoint now) {
  SQLite::Statement update(db_.Sql(), "UPDATE people SET last_assigned_at = ? WHERE user_id = ?");
  update.bind(1, ToMillis(now));
  update.bind(2, user.str());
  update.exec();
}

std::map<std::string, int> PeopleRepository::SkillsOf(const UserId& user) {
  SQLite::Statement select(
      db_.Sql(), "SELECT skill, level FROM person_skills WHERE user_id = ? ORDER BY skill");
  select.bind(1, user.str());
  std::map<std::string, int> skills;
  while (select.executeStep()) {
    skills.emplace(select.getColumn(0).getString(), select.getColumn(1).getInt());
  }
  return skills;
}

}  // namespace swarmbot::store
