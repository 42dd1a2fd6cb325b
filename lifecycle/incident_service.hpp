#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "common/result.hpp"
#include "lifecycle/incident_states.hpp"
#include "lifecycle/priority.hpp"
#include "store/banner_repository.hpp"
#include "store/case_repository.hpp"
#include "store/change_repository.hpp"
#include "store/database.hpp"
#include "store/knowledge_repository.hpp"
#include "store/problem_repository.hpp"
#include "store/records.hpp"

namespace swarmbot::lifecycle {

struct DeclareInput {
  std::string subject;      // required, <= 250
  std::string description;  // <= 10,000
  store::Level impact = store::Level::kMedium;
  store::Level urgency = store::Level::kMedium;
  // Impacted service territories; the caller checks them against config.
  std::vector<std::string> territories;
  // A priority chosen by hand (1..4). When it differs from the matrix's, the
  // reason (<= 500) is required and kept.
  std::optional<int> priority_override;
  std::string override_reason;
  // The Slack view it was submitted from: a second submission of the same
  // view is refused instead of declaring twice. "" for none.
  std::string declare_view;
};

struct LinkResult {
  std::vector<std::int64_t> linked;          // newly linked, ascending
  std::vector<std::int64_t> already_linked;  // were linked to this incident before
};

// An incident with what its status page shows.
struct IncidentStatus {
  store::Incident incident;
  // Slack said the owner's account is deactivated (RoutingService::RecordSlackAccount).
  bool owner_deactivated = false;
  std::optional<store::Swarm> swarm;
  std::vector<store::SwarmMember> members;  // empty without a swarm
  std::int64_t linked_cases = 0;
  store::LabelCounts by_channel;
  store::LabelCounts by_territory;
  std::vector<store::TimelineEntry> recent;  // oldest of them first
  // Knowledge articles attached as workarounds, in the order attached.
  std::vector<store::AttachedArticle> workarounds;
  // Problems linked to it, by number.
  std::vector<store::Problem> problems;
  // Changes linked to it or to its problems, by number.
  std::vector<store::Change> changes;
  // Site banners of this incident that are up (lifecycle/banner_service.hpp).
  std::vector<store::Banner> banners;
};

// What closing an incident closed with it besides its cases.
struct ClosedIncident {
  store::Incident incident;
  // Problems whose fix was closed already and that waited only for this
  // incident (IncidentService::SetCloseHook), ascending.
  std::vector<std::int64_t> closed_problems;
};

// Incidents: declare, link and unlink cases, move through the states of
// lifecycle/incident_states.hpp, and the queries around them. Every
// change is one transaction that also appends to the timeline and enqueues the
// Slack effects it needs (lifecycle/effects.hpp). Refusals come back as Error
// with a user_message fit to show; nothing has changed then.
class IncidentService {
 public:
  IncidentService(store::Database& db, const Clock& clock, PriorityMatrix matrix = {})
      : db_(db), clock_(clock), matrix_(matrix) {}

  // A new incident in state `new`, priority from the matrix unless
  // overridden. Refuses (kInvalidInput) a bad field, an override out of range
  // or without its reason, and (kConflict) a view that declared before.
  // Effects: the announcement in the incident managers' channel; with a
  // declare_view, a direct message telling the declarer the number.
  // `also`, when given, runs in the same transaction once the incident is
  // stored (e.g. tying a spike and its cases to it); its error undoes the
  // declaration, so a crash or a refusal leaves all or nothing.
  using DeclaredStep = std::function<Status(const store::Incident& declared)>;
  Result<store::Incident> Declare(const DeclareInput& input, const UserId& actor,
                                  const DeclaredStep& also = {});

  const PriorityMatrix& Matrix() const noexcept { return matrix_; }

  // All or nothing: an unknown case (kNotFound), a case held by another open
  // incident or a closed case (kConflict) refuses the whole request, naming
  // the case. Linking a case twice is a no-op. Linked cases become `held`.
  // Effect: the swarm's pinned summary is refreshed, if there is a swarm.
  Result<LinkResult> LinkCases(std::int64_t incident, const std::vector<std::int64_t>& cases,
                               const UserId& actor);

  // The cases of `query`'s words (every word in the subject or description,
  // ignoring case) that are new or open, linked as LinkCases does. An empty
  // result links nothing; more than 1,000 matches is refused.
  Result<LinkResult> LinkMatching(std::int64_t incident, const std::vector<std::string>& words,
                                  const UserId& actor);

  // All or nothing: each case must be linked to this open incident
  // (kConflict naming the one that isn't). Unlinked cases go back to `open`
  // in their owner's queue. Effects: announcement and summary refreshed.
  Result<std::vector<std::int64_t>> UnlinkCases(std::int64_t incident,
                                                const std::vector<std::int64_t>& cases,
                                                const UserId& actor);

  // Moves the incident along `transition` with an optional note (<= 3,000).
  // A move its state doesn't allow is refused (kConflict) with a message
  // naming the states that allow it. Effects: the announcement, the pinned
  // summary and the swarm channel's topic follow the state. Closing also
  // closes the cases (see Close); reopening a closed incident holds them again.
  Result<store::Incident> Move(std::int64_t incident, Transition transition, const UserId& actor,
                               std::string_view note);

  // Move(kClose): from any open state to `closed`; linked cases close with
  // `note` as their resolution. Effects: refreshed summary, a closing summary
  // in the swarm channel, the channel archived.
  Result<store::Incident> Close(std::int64_t incident, const UserId& actor, std::string_view note);
  // Close's work INSIDE the caller's transaction, for a closing cascade (a
  // change closing what it fixes, lifecycle/problem_service.hpp): the caller
  // has checked that the incident exists and is open.
  Result<ClosedIncident> CloseInTransaction(std::int64_t incident, const UserId& actor,
                                            std::string_view note);
  // Called inside every closing transaction once the incident is closed and
  // before its swarm channel is archived, so that what it says reaches the
  // channel; returns the problems it closed. An error rolls the closing back.
  using CloseHook =
      std::function<Result<std::vector<std::int64_t>>(std::int64_t incident, const UserId& actor)>;
  void SetCloseHook(CloseHook hook) { close_hook_ = std::move(hook); }
  // Called inside the transaction that reopens a closed incident, with when
  // it had closed; an error rolls the reopening back. E.g. reopens problems.
  using ReopenHook =
      std::function<Status(std::int64_t incident, Clock::TimePoint closed_at, const UserId& actor)>;
  void SetReopenHook(ReopenHook hook) { reopen_hook_ = std::move(hook); }

  Result<store::Incident> FindIncident(std::int64_t incident);
  Result<IncidentStatus> StatusOf(std::int64_t incident, int timeline_entries = 5);

  // Queues views.open (effect::kOpenView) for a modal, e.g. the declare form.
  // `user` and `channel` say where to explain a form that could not open.
  Status QueueOpenView(std::string_view trigger_id, std::string_view view_json, const UserId& user,
                       const ChannelId& channel);
  // Whether Declare also queues the incident for routing (config
  // routing.assign_on_declare); off unless set.
  void SetAssignOnDeclare(bool on) { assign_on_declare_ = on; }
  // A user token is configured: reopening brings an archived swarm channel
  // back instead of opening a new one (lifecycle/detail/swarm_life.hpp).
  void SetUnarchiveSwarms(bool on) { unarchive_swarms_ = on; }

  // Results of effects, recorded by handlers::EffectRunner.
  Status RecordAnnouncement(std::int64_t incident, const ChannelId& channel, const MessageTs& ts);
  // A timeline entry by swarmbot, e.g. an effect that Slack refused for good.
  Status NoteProblem(std::int64_t incident, std::string_view text);

 private:
  store::Database& db_;
  const Clock& clock_;
  PriorityMatrix matrix_;
  bool assign_on_declare_ = false;
  bool unarchive_swarms_ = false;
  ReopenHook reopen_hook_;
  CloseHook close_hook_;
};

// kNotFound with "INC-n doesn't exist".
Error IncidentNotFound(std::int64_t incident);

}  // namespace swarmbot::lifecycle
