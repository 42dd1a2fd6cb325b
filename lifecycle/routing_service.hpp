#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "common/result.hpp"
#include "lifecycle/routing.hpp"
#include "store/database.hpp"
#include "store/people_repository.hpp"
#include "store/records.hpp"

namespace swarmbot::lifecycle {

// What one pass over the routing queue did to one incident.
struct RoutingOutcome {
  std::int64_t incident = 0;
  std::optional<UserId> owner;  // empty: still waiting
  std::string why;
};

struct PeopleImport {
  int added = 0;
  int updated = 0;
  int deactivated = 0;
  int skills = 0;
  int slack_deactivated = 0;  // listed, but Slack said their account is deactivated
};

// One previous owner's cases that moved to the incident owner.
struct MovedCases {
  UserId previous_owner;  // empty: the cases had no owner
  std::vector<std::int64_t> cases;
};

struct TakeCasesResult {
  UserId owner;
  std::vector<MovedCases> moved;  // by previous owner
  std::size_t already_owned = 0;  // linked cases the owner had already
  std::size_t Count() const;
};

// Routing incidents to people by skills, capacity and presence.
//
// Assignment is a two-step affair because presence lives in Slack: an
// operation queues a request (routing_requests) and enqueues the effect
// routing.assign on the stream "routing"; the EffectRunner asks Slack for the
// presence of the people who could take it and calls ServeQueue, which
// commits the choices. The request row is deleted in the transaction that sets
// the owner, so a crash before it leaves the request to the retried effect and
// a crash after it leaves nothing to redo. One stream serialises the
// decisions, so two never count the same free slot, and the queue is served
// oldest first.
class RoutingService {
 public:
  RoutingService(store::Database& db, const Clock& clock, RoutingRules rules)
      : db_(db), clock_(clock), rules_(std::move(rules)) {}

  const RoutingRules& rules() const { return rules_; }

  // `/incident assign INC-n`: queue the incident for routing by skills.
  Status RequestOwner(std::int64_t incident, const UserId& actor);
  // `/incident assign INC-n @user`: that person owns it now (any queued
  // request is dropped). They must be an active person in the people list
  // whose Slack account isn't deactivated (kConflict).
  // kConflict (detail "already the owner") when they own it already: nothing
  // changes and nobody is told.
  Result<store::Person> AssignTo(std::int64_t incident, const UserId& user, const UserId& actor);

  // Who routing needs Slack's presence for: active people with room, no
  // override of their own, and a skill some queued incident requires (anyone
  // when one requires none). Empty when nothing waits for an owner.
  Result<std::vector<UserId>> PresenceNeeded();
  // Serves every request, oldest first. `slack_active` holds Slack's answer
  // per person; someone missing counts as away.
  Result<std::vector<RoutingOutcome>> ServeQueue(const std::map<UserId, bool>& slack_active);

  // `/swarmbot away|back` for the caller; kNotFound when they aren't an
  // active person. Coming back serves the queue.
  Result<store::Person> SetPresence(const UserId& user, store::PresenceOverride value);

  // What Slack said of `user`'s account: a user_change event's `deleted`, or
  // an error about them such as user_disabled (`source` says which, for the
  // log). Kept whether or not they are in the people list, and across
  // imports. A deactivated account gets no new incidents; each unresolved
  // incident it owns keeps its owner, and the timeline, the announcement and
  // the managers' channel say so, so that someone reassigns it. An account
  // back in use serves the queue. `said_at` is when Slack says the account
  // changed (a user_change event's user.updated), if it says: a late event
  // older than what is recorded changes nothing. `/swarmbot back` clears a
  // deactivation too. Returns true when this changed anything.
  Result<bool> RecordSlackAccount(const UserId& user, bool deactivated, std::string_view source,
                                  std::optional<Clock::TimePoint> said_at = std::nullopt);

  // Replaces the people list: upsert by user id, skills replaced, people
  // missing from `people` deactivated; serves the queue if anything waits.
  // Someone Slack said is deactivated stays out of routing though listed.
  Result<PeopleImport> ImportPeople(const std::vector<store::Person>& people);

  // Moves every linked, unclosed case to the incident's owner in one
  // transaction and enqueues one direct message per previous owner.
  // kConflict without an owner, kForbidden unless the actor is the owner or
  // `actor_is_manager`.
  Result<TakeCasesResult> TakeCases(std::int64_t incident, const UserId& actor,
                                    bool actor_is_manager);

  // Texts for the effects' messages.
  Result<std::string> WaitingReason(std::int64_t incident);

  // Whether Slack said `user`'s account is deactivated (and hasn't said
  // since that it is back).
  Result<bool> SlackDeactivated(const UserId& user);
  // `user` as the people list has them (listed now or once), if at all.
  Result<std::optional<store::Person>> FindPerson(const UserId& user);

 private:
  store::Database& db_;
  const Clock& clock_;
  RoutingRules rules_;
};

// Queues `incident` for routing and enqueues routing.assign; call inside the
// caller's transaction (IncidentService::Declare does).
void QueueRouting(store::Database& db, std::int64_t incident, const UserId& by,
                  Clock::TimePoint now);
// The incident was reopened: when Slack said its owner's account is
// deactivated, the swarm channel, the announcement and the managers' channel
// are told again, as when the account was first reported, so that a lead
// reassigns it. Call inside the caller's transaction, after the swarm moved.
void FlagDeactivatedOwnerOnReopen(store::Database& db, std::int64_t incident, Clock::TimePoint now);
// Someone may have become free (an incident resolved or closed): enqueues
// routing.assign if an incident waits. Call inside the caller's transaction.
void WakeRoutingQueue(store::Database& db, Clock::TimePoint now);

}  // namespace swarmbot::lifecycle
