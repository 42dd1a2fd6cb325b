#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "store/database.hpp"

namespace swarmbot::store {

// A person's own presence setting: unset follows Slack; away and back
// override it until changed.
enum class PresenceOverride { kNone, kAway, kBack };

// Someone swarmbot may route incidents to.
struct Person {
  UserId user;
  std::string display_name;
  std::string time_zone;  // IANA name such as "Europe/Berlin"; may be empty
  int capacity = 0;       // open incidents owned at once
  PresenceOverride presence_override = PresenceOverride::kNone;
  std::optional<Clock::TimePoint> override_at;
  std::optional<Clock::TimePoint> last_assigned_at;
  bool active = true;  // false once the people file no longer lists them
  // Slack said their account is deactivated; routing passes them over
  // whatever the people file says, until Slack says it is back.
  bool slack_deactivated = false;
  std::map<std::string, int> skills;  // skill → level 1..5
};

// The `people`, `person_skills` and `slack_accounts` tables. Calls run
// inside the caller's transaction, if any.
class PeopleRepository {
 public:
  explicit PeopleRepository(Database& db) : db_(db) {}

  // Inserts or updates the person (by user id) and replaces their skills;
  // marks them active. Returns true when the person is new. Keeps the
  // presence override and last assignment of someone already known.
  bool Upsert(const Person& person, Clock::TimePoint now);
  // Deactivates every active person whose id isn't in `keep`; returns how many.
  int DeactivateAllExcept(const std::vector<UserId>& keep, Clock::TimePoint now);

  std::optional<Person> Find(const UserId& user);
  // Active people with their skills, by user id.
  std::vector<Person> Active();

  // Records what Slack said of `user`'s account (who need not be in the
  // people list) at `at`; `source` names what told us ("user_change",
  // "users.getPresence: user_disabled"). Something older than what is
  // recorded changes nothing. Returns true when the account's state changed.
  bool SetSlackDeactivated(const UserId& user, bool deactivated, std::string_view source,
                           Clock::TimePoint at);

  // Whether Slack said last that `user`'s account is deactivated, listed or not.
  bool SlackDeactivated(const UserId& user);

  void SetOverride(const UserId& user, PresenceOverride value, Clock::TimePoint now);
  void SetLastAssigned(const UserId& user, Clock::TimePoint now);

 private:
  std::map<std::string, int> SkillsOf(const UserId& user);

  Database& db_;
};

std::string_view Name(PresenceOverride value) noexcept;

}  // namespace swarmbot::store
