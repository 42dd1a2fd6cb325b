#include "lifecycle/routing_service.hpp"

#include <algorithm>
#include <set>

#include <spdlog/spdlog.h>

#include "lifecycle/detail/effects_queue.hpp"
#include "lifecycle/detail/swarm_life.hpp"
#include "lifecycle/incident_service.hpp"
#include "lifecycle/transaction.hpp"
#include "store/case_link_repository.hpp"
#include "store/case_repository.hpp"
#include "store/incident_repository.hpp"
#include "store/outbox.hpp"
#include "store/routing_repository.hpp"
#include "store/swarm_repository.hpp"
#include "store/timeline_repository.hpp"

namespace swarmbot::lifecycle {
namespace {

void EnqueueAssign(store::Database& db, Clock::TimePoint now) {
  store::Outbox(db).Enqueue(effect::kRoutingStream, effect::kAssign, {}, now);
}

bool Unresolved(const store::Incident& incident) {
  return incident.state != store::IncidentState::kResolved &&
         incident.state != store::IncidentState::kClosed;
}

// The effects that show a new owner: the DM, the announcement, the summary,
// and in a live swarm, an invitation to its channel and a note there.
void EnqueueOwnerEffects(store::Database& db, std::int64_t incident, const UserId& owner,
                         Clock::TimePoint now) {
  detail::EnqueueEffect(db, incident, effect::kNotifyOwner, now,
                        {{std::string(effect::kArgUsers), owner.str()}});
  detail::EnqueueEffect(db, incident, effect::kUpdateAnnouncement, now);
  if (detail::SwarmIsLive(store::SwarmRepository(db).FindByIncident(incident))) {
    // The owner leads the swarm, so they belong in its channel.
    detail::EnqueueEffect(db, incident, effect::kUpdateSummary, now);
    detail::EnqueueEffect(db, incident, effect::kInvite, now,
                          {{std::string(effect::kArgUsers), owner.str()}});
    detail::EnqueueSwarmNote(db, incident,
                             ":bust_in_silhouette: <@" + owner.str() + "> owns " +
                                 store::IncidentNumberText(incident) + " now.",
                             now);
  }
}

// Sets the owner and everything that goes with it; inside a transaction.
void CommitOwner(store::Database& db, std::int64_t incident, const UserId& owner,
                 std::string_view actor, const std::string& text, Clock::TimePoint now) {
  store::RoutingRepository routing(db);
  routing.SetIncidentOwner(incident, owner);
  routing.Remove(incident);
  store::PeopleRepository(db).SetLastAssigned(owner, now);
  store::TimelineRepository(db).Append(incident, now, actor, "assigned", text);
  EnqueueOwnerEffects(db, incident, owner, now);
  spdlog::info("event=routing.assigned incident={} owner={} actor={}",
               store::IncidentNumberText(incident), owner.str(), actor);
}

// The people routing may pick: listed in the people file, and not
// deactivated in Slack.
std::vector<store::Person> RoutablePeople(store::Database& db) {
  std::vector<store::Person> people = store::PeopleRepository(db).Active();
  std::erase_if(people, [](const store::Person& person) { return person.slack_deactivated; });
  return people;
}

// The owner of an unresolved incident can no longer work on it. It stays
// theirs: a lead decides who takes it, so everyone who looks is told.
void FlagDeactivatedOwner(store::Database& db, std::int64_t incident, const UserId& owner,
                          Clock::TimePoint now) {
  const std::string number = store::IncidentNumberText(incident);
  store::TimelineRepository(db).Append(
      incident, now, detail::kBotActor, "owner_deactivated",
      "The owner's Slack account was deactivated; they stay the owner until it is reassigned");
  detail::EnqueueIncidentRefresh(db, incident, now);
  detail::EnqueueSwarmNote(db, incident,
                           ":warning: <@" + owner.str() + ">, who owns " + number +
                               ", has a deactivated Slack account. `/incident assign " + number +
                               "` routes it again; `/incident assign " + number +
                               " @person` gives it to someone.",
                           now);
  detail::EnqueueEffect(db, incident, effect::kOwnerDeactivated, now,
                        {{std::string(effect::kArgUsers), owner.str()}});
}

Candidate ToCandidate(const store::Person& person, const std::map<UserId, int>& open,
                      const std::map<UserId, bool>& slack_active) {
  Candidate c;
  c.user = person.user;
  c.name = person.display_name;
  c.skills = person.skills;
  c.capacity = person.capacity;
  const auto count = open.find(person.user);
  c.open_incidents = count == open.end() ? 0 : count->second;
  c.last_assigned_at = person.last_assigned_at;
  switch (person.presence_override) {
    case store::PresenceOverride::kAway:
      c.available = false;
      break;
    case store::PresenceOverride::kBack:
      c.available = true;
      break;
    case store::PresenceOverride::kNone: {
      const auto active = slack_active.find(person.user);
      c.available = active != slack_active.end() && active->second;
      break;
    }
  }
  return c;
}

Result<store::Incident> FindUnresolved(store::Database& db, std::int64_t number) {
  auto incident = store::IncidentRepository(db).Find(number);
  if (!incident) {
    return IncidentNotFound(number);
  }
  if (!Unresolved(*incident)) {
    return MakeError(Errc::kConflict, "incident not open",
                     store::IncidentNumberText(number) + " is " +
                         std::string(store::Name(incident->state)) +
                         "; only an open incident gets an owner");
  }
  return *incident;
}

// RecordSlackAccount inside the caller's transaction. `said_at`: when Slack
// says the account changed, if it says; an older word than the last changes
// nothing.
bool ApplySlackAccount(store::Database& db, const UserId& user, bool deactivated,
                       std::string_view source, std::optional<Clock::TimePoint> said_at,
                       Clock::TimePoint now) {
  if (!store::PeopleRepository(db).SetSlackDeactivated(user, deactivated, source,
                                                       said_at.value_or(now))) {
    return false;
  }
  const auto owned = store::RoutingRepository(db).UnresolvedOwnedBy(user);
  for (std::int64_t incident : owned) {
    if (deactivated) {
      FlagDeactivatedOwner(db, incident, user, now);
    } else {
      detail::EnqueueIncidentRefresh(db, incident, now);
    }
  }
  if (!deactivated) {
    WakeRoutingQueue(db, now);
  }
  spdlog::info("event=routing.slack_account user={} deactivated={} source=\"{}\" owns={}",
               user.str(), deactivated, source, owned.size());
  return true;
}

}  // namespace

std::size_t TakeCasesResult::Count() const {
  std::size_t n = 0;
  for (const MovedCases& group : moved) {
    n += group.cases.size();
  }
  return n;
}

void QueueRouting(store::Database& db, std::int64_t incident, const UserId& by,
                  Clock::TimePoint now) {
  store::RoutingRepository(db).Request(incident, by, now);
  EnqueueAssign(db, now);
}

void FlagDeactivatedOwnerOnReopen(store::Database& db, std::int64_t incident,
                                  Clock::TimePoint now) {
  const auto found = store::IncidentRepository(db).Find(incident);
  if (found && !found->owner.empty() &&
      store::PeopleRepository(db).SlackDeactivated(found->owner)) {
    FlagDeactivatedOwner(db, incident, found->owner, now);
  }
}

void WakeRoutingQueue(store::Database& db, Clock::TimePoint now) {
  if (store::RoutingRepository(db).AnyWaiting()) {
    EnqueueAssign(db, now);
  }
}

Status RoutingService::RequestOwner(std::int64_t incident, const UserId& actor) {
  return InTransaction(db_, "request_owner", [&]() -> Status {
    if (auto found = FindUnresolved(db_, incident); !found) {
      return found.error();
    }
    QueueRouting(db_, incident, actor, clock_.Now());
    return {};
  });
}

Result<store::Person> RoutingService::AssignTo(std::int64_t incident, const UserId& user,
                                               const UserId& actor) {
  return InTransaction(db_, "assign_owner", [&]() -> Result<store::Person> {
    auto found = FindUnresolved(db_, incident);
    if (!found) {
      return found.error();
    }
    if (found->owner == user) {
      // Nothing to change, so nobody is told again.
      return MakeError(Errc::kConflict, "already the owner",
                       "They own " + store::IncidentNumberText(incident) + " already.");
    }
    auto person = store::PeopleRepository(db_).Find(user);
    if (!person || !person->active) {
      return MakeError(Errc::kNotFound, "not in the people list",
                       "They aren't in the people list; add them to the people file and run "
                       "`swarmbot import people`");
    }
    if (person->slack_deactivated) {
      const std::string route = "`/incident assign " + store::IncidentNumberText(incident) + "`";
      return MakeError(Errc::kConflict, "slack account deactivated",
                       "Their Slack account is deactivated; name someone else, or " + route +
                           " to route it by skills.");
    }
    CommitOwner(db_, incident, user, actor.str(), "Assigned to " + person->display_name,
                clock_.Now());
    return *person;
  });
}

Result<std::vector<UserId>> RoutingService::PresenceNeeded() {
  return InReadTransaction(db_, "presence_needed", [&]() -> Result<std::vector<UserId>> {
    // Only people who could take a queued incident: Slack allows about 50
    // presence calls a minute, so a large people list isn't asked whole.
    std::set<std::string> skills;
    bool anyone = false;
    store::IncidentRepository incidents(db_);
    for (const store::RoutingRequest& request : store::RoutingRepository(db_).Requests()) {
      if (const auto incident = incidents.Find(request.incident)) {
        const auto required =
            RequiredSkills(rules_.rules, incident->subject + "\n" + incident->description);
        anyone = anyone || required.empty();
        skills.insert(required.begin(), required.end());
      }
    }
    std::vector<UserId> users;
    if (!anyone && skills.empty()) {
      return users;
    }
    const auto open = store::RoutingRepository(db_).OpenIncidentsByOwner();
    for (const store::Person& person : RoutablePeople(db_)) {
      const auto count = open.find(person.user);
      const int owned = count == open.end() ? 0 : count->second;
      const bool skilled =
          anyone || std::any_of(person.skills.begin(), person.skills.end(),
                                [&](const auto& skill) { return skills.contains(skill.first); });
      if (skilled && person.presence_override == store::PresenceOverride::kNone &&
          owned < person.capacity) {
        users.push_back(person.user);
      }
    }
    return users;
  });
}

Result<std::vector<RoutingOutcome>> RoutingService::ServeQueue(
    const std::map<UserId, bool>& slack_active) {
  return InTransaction(db_, "serve_routing_queue", [&]() -> Result<std::vector<RoutingOutcome>> {
    const auto now = clock_.Now();
    store::RoutingRepository routing(db_);
    store::IncidentRepository incidents(db_);
    std::vector<store::Person> people = RoutablePeople(db_);
    std::map<UserId, int> open = routing.OpenIncidentsByOwner();
    std::vector<RoutingOutcome> outcomes;
    for (const store::RoutingRequest& request : routing.Requests()) {
      const auto incident = incidents.Find(request.incident);
      if (!incident || !Unresolved(*incident)) {
        routing.Remove(request.incident);
        continue;
      }
      std::vector<Candidate> candidates;
      for (const store::Person& person : people) {
        candidates.push_back(ToCandidate(person, open, slack_active));
      }
      const auto required =
          RequiredSkills(rules_.rules, incident->subject + "\n" + incident->description);
      RoutingChoice choice = ChooseOwner(required, candidates);
      if (choice.owner) {
        CommitOwner(db_, request.incident, *choice.owner, detail::kBotActor,
                    "Assigned by skills, capacity and presence (" + choice.why + ")", now);
        ++open[*choice.owner];
        for (store::Person& person : people) {
          if (person.user == *choice.owner) {
            person.last_assigned_at = now;
          }
        }
      } else if (!request.waiting) {
        // Told once; later passes find the same incident still waiting.
        routing.MarkWaiting(request.incident, choice.why);
        store::TimelineRepository(db_).Append(request.incident, now, detail::kBotActor,
                                              "routing_waiting",
                                              "Waiting for an owner: " + choice.why);
        detail::EnqueueEffect(db_, request.incident, effect::kTellManagers, now);
        spdlog::info("event=routing.waiting incident={}",
                     store::IncidentNumberText(request.incident));
      }
      outcomes.push_back({request.incident, choice.owner, choice.why});
    }
    return outcomes;
  });
}

Result<store::Person> RoutingService::SetPresence(const UserId& user,
                                                  store::PresenceOverride value) {
  return InTransaction(db_, "set_presence", [&]() -> Result<store::Person> {
    store::PeopleRepository people(db_);
    auto person = people.Find(user);
    if (!person || !person->active) {
      return MakeError(Errc::kNotFound, "not in the people list",
                       "You aren't in swarmbot's people list, so incidents aren't routed to "
                       "you; ask an admin to add you (`swarmbot import people`).");
    }
    const auto now = clock_.Now();
    people.SetOverride(user, value, now);
    if (value == store::PresenceOverride::kBack && person->slack_deactivated) {
      // Whoever types a command has a working account, whatever Slack's
      // errors made of it earlier. That wakes the queue too.
      ApplySlackAccount(db_, user, false, "/swarmbot back", std::nullopt, now);
    } else if (value != store::PresenceOverride::kAway) {
      WakeRoutingQueue(db_, now);
    }
    spdlog::info("event=routing.presence user={} override={}", user.str(), store::Name(value));
    return people.Find(user).value();
  });
}

Result<PeopleImport> RoutingService::ImportPeople(const std::vector<store::Person>& people) {
  return InTransaction(db_, "import_people", [&]() -> Result<PeopleImport> {
    const auto now = clock_.Now();
    store::PeopleRepository repository(db_);
    PeopleImport summary;
    std::vector<UserId> listed;
    for (const store::Person& person : people) {
      (repository.Upsert(person, now) ? summary.added : summary.updated) += 1;
      summary.skills += static_cast<int>(person.skills.size());
      listed.push_back(person.user);
    }
    summary.deactivated = repository.DeactivateAllExcept(listed, now);
    for (const UserId& user : listed) {
      summary.slack_deactivated += repository.Find(user)->slack_deactivated ? 1 : 0;
    }
    WakeRoutingQueue(db_, now);
    spdlog::info(
        "event=routing.people_imported added={} updated={} deactivated={} slack_deactivated={}",
        summary.added, summary.updated, summary.deactivated, summary.slack_deactivated);
    return summary;
  });
}

Result<bool> RoutingService::RecordSlackAccount(const UserId& user, bool deactivated,
                                                std::string_view source,
                                                std::optional<Clock::TimePoint> said_at) {
  return InTransaction(db_, "record_slack_account", [&]() -> Result<bool> {
    return ApplySlackAccount(db_, user, deactivated, source, said_at, clock_.Now());
  });
}

Result<TakeCasesResult> RoutingService::TakeCases(std::int64_t incident, const UserId& actor,
                                                  bool actor_is_manager) {
  return InTransaction(db_, "take_cases", [&]() -> Result<TakeCasesResult> {
    auto found = store::IncidentRepository(db_).Find(incident);
    if (!found) {
      return IncidentNotFound(incident);
    }
    const std::string name = store::IncidentNumberText(incident);
    if (!found->Open()) {
      return MakeError(Errc::kConflict, "incident closed", name + " is closed");
    }
    if (found->owner.empty()) {
      return MakeError(
          Errc::kConflict, "no owner",
          name + " has no owner yet; assign one first (`/incident assign " + name + "`)");
    }
    if (actor != found->owner && !actor_is_manager) {
      return MakeError(Errc::kForbidden, "not the owner",
                       "Only the owner of " + name + " or an incident manager can move its cases");
    }
    TakeCasesResult result;
    result.owner = found->owner;
    store::CaseRepository cases(db_);
    const auto now = clock_.Now();
    for (std::int64_t number : store::CaseLinkRepository(db_).LinkedCases(incident)) {
      const auto c = cases.Find(number);
      if (!c || c->status == store::CaseStatus::kClosed) {
        continue;
      }
      if (c->owner == found->owner) {
        ++result.already_owned;
        continue;
      }
      auto group = std::find_if(result.moved.begin(), result.moved.end(),
                                [&](const MovedCases& g) { return g.previous_owner == c->owner; });
      if (group == result.moved.end()) {
        group = result.moved.insert(result.moved.end(), MovedCases{c->owner, {}});
      }
      group->cases.push_back(number);
      store::RoutingRepository(db_).SetCaseOwner(number, found->owner, now);
    }
    if (result.moved.empty()) {
      return result;
    }
    for (const MovedCases& group : result.moved) {
      if (group.previous_owner.empty()) {
        continue;
      }
      std::string list;
      for (std::int64_t number : group.cases) {
        list += (list.empty() ? "" : ",") + std::to_string(number);
      }
      detail::EnqueueEffect(db_, incident, effect::kCasesMoved, now,
                            {{std::string(effect::kArgUsers), group.previous_owner.str()},
                             {std::string(effect::kArgCases), list}});
    }
    store::TimelineRepository(db_).Append(
        incident, now, actor.str(), "cases_taken",
        "Moved " + std::to_string(result.Count()) + " linked cases to the owner, from " +
            std::to_string(result.moved.size()) + " previous owners");
    spdlog::info("event=routing.cases_taken incident={} moved={} groups={} actor={}", name,
                 result.Count(), result.moved.size(), actor.str());
    return result;
  });
}

Result<std::string> RoutingService::WaitingReason(std::int64_t incident) {
  return InReadTransaction(db_, "waiting_reason", [&]() -> Result<std::string> {
    auto request = store::RoutingRepository(db_).Find(incident);
    if (!request || !request->waiting) {
      return MakeError(Errc::kNotFound, "not waiting");
    }
    return request->reason;
  });
}

Result<bool> RoutingService::SlackDeactivated(const UserId& user) {
  return InReadTransaction(db_, "slack_deactivated", [&]() -> Result<bool> {
    return store::PeopleRepository(db_).SlackDeactivated(user);
  });
}

Result<std::optional<store::Person>> RoutingService::FindPerson(const UserId& user) {
  return InReadTransaction(db_, "find_person", [&]() -> Result<std::optional<store::Person>> {
    return store::PeopleRepository(db_).Find(user);
  });
}

}  // namespace swarmbot::lifecycle
