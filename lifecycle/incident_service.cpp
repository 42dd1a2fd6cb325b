#include "lifecycle/incident_service.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <spdlog/spdlog.h>

#include "lifecycle/banner_service.hpp"
#include "lifecycle/detail/effects_queue.hpp"
#include "lifecycle/detail/invitations.hpp"
#include "lifecycle/detail/swarm_life.hpp"
#include "lifecycle/priority.hpp"
#include "lifecycle/routing_service.hpp"
#include "lifecycle/text_rules.hpp"
#include "lifecycle/transaction.hpp"
#include "store/banner_repository.hpp"
#include "store/case_link_repository.hpp"
#include "store/change_repository.hpp"
#include "store/incident_repository.hpp"
#include "store/outbox.hpp"
#include "store/people_repository.hpp"
#include "store/swarm_repository.hpp"
#include "store/timeline_repository.hpp"

namespace swarmbot::lifecycle {
namespace {

// More than this in one request is almost certainly a typo in a range.
constexpr std::size_t kMaxCasesPerLink = 1000;
constexpr std::size_t kNamesInText = 10;
constexpr std::size_t kMaxTerritories = 50;

// After cases were linked or unlinked: the incident's messages show the
// counts, and the alert of a spike not yet declared offers or withholds its
// Declare button by whether any of its cases is still nobody's.
void RefreshAfterLinking(store::Database& db, std::int64_t incident,
                         const std::vector<std::int64_t>& cases, Clock::TimePoint now) {
  detail::EnqueueIncidentRefresh(db, incident, now);
  store::SpikeRepository spikes(db);
  std::set<std::int64_t> refreshed;
  for (std::int64_t number : cases) {
    const auto spike = spikes.SpikeOfCase(number);
    if (spike && refreshed.insert(*spike).second) {
      const auto found = spikes.Find(*spike);
      if (found && !found->incident) {
        detail::QueueSpikeRefresh(db, *spike, now);
      }
    }
  }
}

std::string CaseList(const std::vector<std::int64_t>& numbers) {
  std::string text;
  for (std::size_t i = 0; i < numbers.size() && i < kNamesInText; ++i) {
    text += (i == 0 ? "" : ", ") + store::CaseNumberText(numbers[i]);
  }
  if (numbers.size() > kNamesInText) {
    text += " and " + std::to_string(numbers.size() - kNamesInText) + " more";
  }
  return text;
}

Result<store::Incident> FindOpen(store::Database& db, std::int64_t number,
                                 std::string_view refusal_when_closed) {
  auto incident = store::IncidentRepository(db).Find(number);
  if (!incident) {
    return IncidentNotFound(number);
  }
  if (!incident->Open()) {
    return MakeError(Errc::kConflict, "incident is closed",
                     store::IncidentNumberText(number) + std::string(refusal_when_closed));
  }
  return *incident;
}

// Why `number` can't be linked to `incident`, if it can't. Sets `already` when
// it is linked to `incident` already.
Status CheckLinkable(store::Database& db, std::int64_t incident, const store::Case& c,
                     bool& already) {
  already = false;
  const std::string name = store::CaseNumberText(c.number);
  if (auto link = store::CaseLinkRepository(db).LiveLink(c.number)) {
    if (link->incident == incident) {
      already = true;
      return {};
    }
    auto other = store::IncidentRepository(db).Find(link->incident);
    if (other && other->Open()) {
      return MakeError(Errc::kConflict, "case held by another incident",
                       name + " is already linked to " + store::IncidentNumberText(other->number));
    }
  }
  if (c.status == store::CaseStatus::kClosed) {
    return MakeError(Errc::kConflict, "case is closed", name + " is closed");
  }
  return {};
}

// `what` names the refused request in the error: "linked" or "unlinked".
Result<std::vector<store::Case>> LoadCases(store::Database& db,
                                           const std::vector<std::int64_t>& numbers,
                                           std::string_view what) {
  store::CaseRepository repository(db);
  std::vector<store::Case> found;
  std::vector<std::int64_t> missing;
  for (std::int64_t number : numbers) {
    if (auto c = repository.Find(number)) {
      found.push_back(std::move(*c));
    } else {
      missing.push_back(number);
    }
  }
  if (!missing.empty()) {
    return MakeError(Errc::kNotFound, "unknown case in link request",
                     CaseList(missing) + (missing.size() == 1 ? " doesn't" : " don't") +
                         " exist; nothing was " + std::string(what));
  }
  return found;
}

// The case numbers of a link or unlink request, ascending and each once.
Result<std::vector<std::int64_t>> DistinctCases(const std::vector<std::int64_t>& cases) {
  std::vector<std::int64_t> numbers = cases;
  std::sort(numbers.begin(), numbers.end());
  numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());
  if (numbers.empty()) {
    return MakeError(Errc::kInvalidInput, "no cases", "name at least one case, e.g. CASE-12");
  }
  if (numbers.size() > kMaxCasesPerLink) {
    return MakeError(Errc::kInvalidInput, "too many cases",
                     "that is more than " + std::to_string(kMaxCasesPerLink) +
                         " cases; name them in smaller groups");
  }
  return numbers;
}

// How a move shows on the timeline and in the log.
struct MoveWords {
  std::string_view kind;
  std::string_view text;
};

MoveWords WordsFor(Transition transition) {
  switch (transition) {
    case Transition::kTriage:
      return {"triaged", "Triaged"};
    case Transition::kStart:
      return {"started", "Work started"};
    case Transition::kResolve:
      return {"resolved", "Resolved"};
    case Transition::kReopen:
      return {"reopened", "Reopened"};
    case Transition::kClose:
      return {"closed", "Closed"};
  }
  return {"moved", "Moved"};
}

Status CheckDeclareInput(const DeclareInput& input, const PriorityMatrix& matrix) {
  if (auto checked = CheckField(input.subject, {"subject", 250, true, false}); !checked) {
    return checked.error();
  }
  if (auto checked = CheckField(input.description, {"description", 10'000, false, true});
      !checked) {
    return checked.error();
  }
  if (input.territories.size() > kMaxTerritories) {
    return MakeError(Errc::kInvalidInput, "too many territories",
                     "name at most " + std::to_string(kMaxTerritories) + " territories");
  }
  for (const std::string& territory : input.territories) {
    if (auto checked = CheckField(territory, {"territory", 100, true, false}); !checked) {
      return checked.error();
    }
  }
  if (!input.priority_override) {
    return {};
  }
  const int priority = *input.priority_override;
  if (priority < 1 || priority > 4) {
    return MakeError(Errc::kInvalidInput, "priority out of range",
                     "priority must be P1, P2, P3 or P4");
  }
  const bool differs = priority != matrix.For(input.impact, input.urgency);
  if (auto checked = CheckField(input.override_reason, {"override reason", 500, differs, true});
      !checked) {
    return checked.error();
  }
  return {};
}

std::string DeclaredText(const store::Incident& incident) {
  std::string text = "Declared with priority P" + std::to_string(incident.priority) + " (impact " +
                     std::string(store::Name(incident.impact)) + ", urgency " +
                     std::string(store::Name(incident.urgency)) + ")";
  if (incident.priority != incident.matrix_priority) {
    text += ", overriding P" + std::to_string(incident.matrix_priority) + ": " +
            incident.priority_reason;
  }
  if (!incident.territories.empty()) {
    text += "; territories ";
    for (std::size_t i = 0; i < incident.territories.size(); ++i) {
      text += (i == 0 ? "" : ", ") + incident.territories[i];
    }
  }
  return text;
}

}  // namespace

Error IncidentNotFound(std::int64_t incident) {
  return MakeError(Errc::kNotFound, "no such incident",
                   store::IncidentNumberText(incident) + " doesn't exist");
}

Result<store::Incident> IncidentService::Declare(const DeclareInput& input, const UserId& actor,
                                                 const DeclaredStep& also) {
  if (auto checked = CheckDeclareInput(input, matrix_); !checked) {
    return checked.error();
  }
  return InTransaction(db_, "declare_incident", [&]() -> Result<store::Incident> {
    store::IncidentRepository incidents(db_);
    if (auto earlier = incidents.FindByDeclareView(input.declare_view)) {
      return MakeError(Errc::kConflict, "view submitted twice",
                       "This form was submitted already: it declared " +
                           store::IncidentNumberText(earlier->number) + ".");
    }
    const auto now = clock_.Now();
    store::Incident incident;
    incident.subject = TrimmedLine(input.subject);
    incident.description = Trimmed(input.description);
    incident.impact = input.impact;
    incident.urgency = input.urgency;
    incident.matrix_priority = matrix_.For(input.impact, input.urgency);
    incident.priority = input.priority_override.value_or(incident.matrix_priority);
    if (incident.priority != incident.matrix_priority) {
      incident.priority_reason = Trimmed(input.override_reason);
    }
    incident.territories = input.territories;
    incident.state = store::IncidentState::kNew;
    incident.declared_by = actor;
    incident.created_at = now;
    incident.declare_view = input.declare_view;
    const std::int64_t number = incidents.Insert(incident);

    store::TimelineRepository(db_).Append(number, now, actor.str(), "declared",
                                          DeclaredText(incident));
    detail::EnqueueEffect(db_, number, effect::kAnnounce, now);
    if (assign_on_declare_) {
      QueueRouting(db_, number, actor, now);
    }
    if (!input.declare_view.empty()) {
      detail::EnqueueEffect(db_, number, effect::kTellDeclarer, now);
    }
    store::Incident declared = incidents.Find(number).value();
    if (also) {
      if (auto done = also(declared); !done) {
        return done.error();
      }
    }
    spdlog::info("event=incident.declared incident={} priority={} override={} actor={}",
                 store::IncidentNumberText(number), incident.priority,
                 incident.priority != incident.matrix_priority, actor.str());
    return incidents.Find(number).value();
  });
}

Result<LinkResult> IncidentService::LinkCases(std::int64_t incident,
                                              const std::vector<std::int64_t>& cases,
                                              const UserId& actor) {
  auto distinct = DistinctCases(cases);
  if (!distinct) {
    return distinct.error();
  }
  const std::vector<std::int64_t>& numbers = *distinct;
  return InTransaction(db_, "link_cases", [&]() -> Result<LinkResult> {
    if (auto open = FindOpen(db_, incident, " is closed; cases can't be linked to it"); !open) {
      return open.error();
    }
    auto loaded = LoadCases(db_, numbers, "linked");
    if (!loaded) {
      return loaded.error();
    }
    LinkResult result;
    for (const store::Case& c : *loaded) {
      bool already = false;
      if (auto checked = CheckLinkable(db_, incident, c, already); !checked) {
        return checked.error();
      }
      (already ? result.already_linked : result.linked).push_back(c.number);
    }
    if (result.linked.empty()) {
      return result;
    }

    const auto now = clock_.Now();
    store::CaseLinkRepository links(db_);
    store::CaseRepository repository(db_);
    for (std::int64_t number : result.linked) {
      // A case the customer reopened left its closed incident then; one
      // reopened by an older version may still hold that link, which ends
      // here (CheckLinkable refused any to an open one).
      links.Unlink(number, actor, now);
      links.Link(incident, number, actor, now);
      repository.Hold(number, incident, now);
    }
    store::TimelineRepository(db_).Append(incident, now, actor.str(), "cases_linked",
                                          "Linked " + std::to_string(result.linked.size()) +
                                              (result.linked.size() == 1 ? " case: " : " cases: ") +
                                              CaseList(result.linked));
    RefreshAfterLinking(db_, incident, result.linked, now);
    spdlog::info("event=incident.cases_linked incident={} linked={} already={} actor={}",
                 store::IncidentNumberText(incident), result.linked.size(),
                 result.already_linked.size(), actor.str());
    return result;
  });
}

Result<store::Incident> IncidentService::Close(std::int64_t incident, const UserId& actor,
                                               std::string_view note) {
  return Move(incident, Transition::kClose, actor, note);
}

Result<store::Incident> IncidentService::Move(std::int64_t incident, Transition transition,
                                              const UserId& actor, std::string_view note) {
  if (auto checked = CheckField(note, {"note", 3000, false, true}); !checked) {
    return checked.error();
  }
  return InTransaction(db_, "move_incident", [&]() -> Result<store::Incident> {
    store::IncidentRepository incidents(db_);
    auto found = incidents.Find(incident);
    if (!found) {
      return IncidentNotFound(incident);
    }
    if (!Allows(transition, found->state)) {
      return MakeError(Errc::kConflict, "transition not allowed",
                       store::IncidentNumberText(incident) + " is " + StateLabel(found->state) +
                           "; `" + std::string(Name(transition)) + "` works from " +
                           AllowedStatesText(transition) + ".");
    }
    if (transition == Transition::kClose) {
      auto closed = CloseInTransaction(incident, actor, note);
      if (!closed) {
        return closed.error();
      }
      return std::move(closed->incident);
    }
    const auto now = clock_.Now();
    const std::string trimmed = Trimmed(note);
    incidents.SetState(incident, Target(transition), now);
    if (transition == Transition::kResolve) {
      WakeRoutingQueue(db_, now);  // its owner may have room now
    }
    // The note shown as the resolution is always the latest one's: a
    // reopening drops the earlier, a resolution with a note replaces it.
    if (transition == Transition::kReopen) {
      incidents.SetCloseNote(incident, "");
    } else if (transition == Transition::kResolve && !trimmed.empty()) {
      incidents.SetCloseNote(incident, trimmed);
    }
    if (transition == Transition::kReopen && found->state == store::IncidentState::kClosed) {
      // The customers' cases are the incident's again until it closes anew.
      store::CaseRepository cases(db_);
      for (std::int64_t number : store::CaseLinkRepository(db_).LinkedCases(incident)) {
        cases.Hold(number, incident, now);
      }
      if (reopen_hook_) {
        if (auto hooked = reopen_hook_(incident, found->closed_at.value_or(now), actor); !hooked) {
          return hooked.error();
        }
      }
    }
    const MoveWords words = WordsFor(transition);
    store::TimelineRepository(db_).Append(
        incident, now, actor.str(), std::string(words.kind),
        std::string(words.text) + (trimmed.empty() ? "" : ": " + trimmed));
    bool unarchiving = false;
    if (transition == Transition::kReopen) {
      // The team gathers again: an ended swarm restarts (unarchived, or in a
      // new channel, each saying so there); a live one hears it here.
      if (auto swarm = store::SwarmRepository(db_).FindByIncident(incident);
          swarm && !detail::SwarmIsLive(swarm)) {
        unarchiving = detail::RestartSwarm(db_, *swarm, incidents.Find(incident).value(), actor,
                                           now, {}, {}, unarchive_swarms_)
                          .unarchiving;
      } else {
        detail::EnqueueSwarmNote(
            db_, incident,
            ":arrows_counterclockwise: " + store::IncidentNumberText(incident) +
                " was reopened by <@" + actor.str() + ">" + (trimmed.empty() ? "" : ": " + trimmed),
            now);
      }
    }
    if (transition == Transition::kReopen) {
      FlagDeactivatedOwnerOnReopen(db_, incident, now);
    }
    // An unarchived channel gets its topic and summary once it is back.
    if (!unarchiving && detail::SwarmIsLive(store::SwarmRepository(db_).FindByIncident(incident))) {
      detail::EnqueueEffect(db_, incident, effect::kUpdateSummary, now);
      detail::EnqueueEffect(db_, incident, effect::kSetTopic, now);
    }
    detail::EnqueueEffect(db_, incident, effect::kUpdateAnnouncement, now);
    spdlog::info("event=incident.{} incident={} from={} actor={}", words.kind,
                 store::IncidentNumberText(incident), store::Name(found->state), actor.str());
    return incidents.Find(incident).value();
  });
}

Result<ClosedIncident> IncidentService::CloseInTransaction(std::int64_t incident,
                                                           const UserId& actor,
                                                           std::string_view note) {
  const auto now = clock_.Now();
  const std::string trimmed = Trimmed(note);
  store::IncidentRepository incidents(db_);
  incidents.SetState(incident, store::IncidentState::kClosed, now);
  if (!trimmed.empty()) {
    incidents.SetCloseNote(incident, trimmed);  // else the resolution's note stands
  }
  WakeRoutingQueue(db_, now);  // its owner may have room now

  const std::string resolution =
      trimmed.empty() ? "Closed with " + store::IncidentNumberText(incident) : trimmed;
  store::CaseRepository cases(db_);
  // Each owner hears once which of their cases closed; whoever closed knows.
  std::map<std::string, std::string> closed_by_owner;
  for (std::int64_t number : store::CaseLinkRepository(db_).LinkedCases(incident)) {
    const store::Case held = *cases.Find(number);
    if (held.status != store::CaseStatus::kClosed) {
      cases.Close(number, resolution, now);
      if (!held.owner.empty() && held.owner != actor) {
        std::string& list = closed_by_owner[held.owner.str()];
        list += (list.empty() ? "" : ",") + std::to_string(number);
      }
    }
  }
  for (const auto& [owner, list] : closed_by_owner) {
    detail::EnqueueEffect(
        db_, incident, effect::kCasesClosed, now,
        {{std::string(effect::kArgUsers), owner}, {std::string(effect::kArgCases), list}});
  }
  store::TimelineRepository(db_).Append(incident, now, actor.str(), "closed",
                                        trimmed.empty() ? "Closed" : "Closed: " + trimmed);
  ClearBannersOnClose(db_, incident, now);
  detail::WithdrawOpenInvitations(db_, incident, store::Withdrawal::kIncidentClosed, now);
  ClosedIncident closed;
  if (close_hook_) {
    auto problems = close_hook_(incident, actor);
    if (!problems) {
      return problems.error();
    }
    closed.closed_problems = std::move(*problems);
  }

  if (auto swarm = store::SwarmRepository(db_).FindByIncident(incident);
      detail::SwarmIsLive(swarm)) {
    detail::CloseSwarm(db_, *swarm, actor, now);
  }
  detail::EnqueueEffect(db_, incident, effect::kUpdateAnnouncement, now);
  spdlog::info("event=incident.closed incident={} problems_closed={} actor={}",
               store::IncidentNumberText(incident), closed.closed_problems.size(), actor.str());
  closed.incident = incidents.Find(incident).value();
  return closed;
}

Result<LinkResult> IncidentService::LinkMatching(std::int64_t incident,
                                                 const std::vector<std::string>& words,
                                                 const UserId& actor) {
  if (words.empty()) {
    return MakeError(Errc::kInvalidInput, "no query words",
                     "name the words to look for, e.g. `--query FEAST25 checkout`");
  }
  for (const std::string& word : words) {
    if (auto checked = CheckField(word, {"query word", 100, true, false}); !checked) {
      return checked.error();
    }
  }
  auto matching = InReadTransaction(db_, "match_cases", [&]() -> Result<std::vector<std::int64_t>> {
    return store::CaseRepository(db_).FindUnheldMatching(words,
                                                         static_cast<int>(kMaxCasesPerLink) + 1);
  });
  if (!matching) {
    return matching.error();
  }
  if (matching->empty()) {
    if (auto open = FindIncident(incident); !open) {
      return open.error();
    }
    return LinkResult{};
  }
  return LinkCases(incident, *matching, actor);
}

Result<std::vector<std::int64_t>> IncidentService::UnlinkCases(
    std::int64_t incident, const std::vector<std::int64_t>& cases, const UserId& actor) {
  auto distinct = DistinctCases(cases);
  if (!distinct) {
    return distinct.error();
  }
  const std::vector<std::int64_t>& numbers = *distinct;
  return InTransaction(db_, "unlink_cases", [&]() -> Result<std::vector<std::int64_t>> {
    if (auto open = FindOpen(db_, incident, " is closed; reopen it to unlink cases"); !open) {
      return open.error();
    }
    if (auto loaded = LoadCases(db_, numbers, "unlinked"); !loaded) {
      return loaded.error();
    }
    store::CaseLinkRepository links(db_);
    for (std::int64_t number : numbers) {
      auto link = links.LiveLink(number);
      if (!link || link->incident != incident) {
        return MakeError(Errc::kConflict, "case not linked here",
                         store::CaseNumberText(number) + " isn't linked to " +
                             store::IncidentNumberText(incident) + "; nothing was unlinked");
      }
    }
    const auto now = clock_.Now();
    store::CaseRepository repository(db_);
    for (std::int64_t number : numbers) {
      links.Unlink(number, actor, now);
      if (repository.Find(number)->status == store::CaseStatus::kHeld) {
        repository.Release(number, now);
      }
    }
    store::TimelineRepository(db_).Append(incident, now, actor.str(), "cases_unlinked",
                                          "Unlinked " + std::to_string(numbers.size()) +
                                              (numbers.size() == 1 ? " case: " : " cases: ") +
                                              CaseList(numbers));
    RefreshAfterLinking(db_, incident, numbers, now);
    spdlog::info("event=incident.cases_unlinked incident={} unlinked={} actor={}",
                 store::IncidentNumberText(incident), numbers.size(), actor.str());
    return numbers;
  });
}

Result<store::Incident> IncidentService::FindIncident(std::int64_t incident) {
  return InReadTransaction(db_, "find_incident", [&]() -> Result<store::Incident> {
    if (auto found = store::IncidentRepository(db_).Find(incident)) {
      return *found;
    }
    return IncidentNotFound(incident);
  });
}

Result<IncidentStatus> IncidentService::StatusOf(std::int64_t incident, int timeline_entries) {
  return InReadTransaction(db_, "incident_status", [&]() -> Result<IncidentStatus> {
    auto found = store::IncidentRepository(db_).Find(incident);
    if (!found) {
      return IncidentNotFound(incident);
    }
    IncidentStatus status;
    status.incident = std::move(*found);
    if (!status.incident.owner.empty()) {
      const auto owner = store::PeopleRepository(db_).Find(status.incident.owner);
      status.owner_deactivated = owner && owner->slack_deactivated;
    }
    store::SwarmRepository swarms(db_);
    status.swarm = swarms.FindByIncident(incident);
    if (status.swarm) {
      status.members = swarms.Members(status.swarm->id);
    }
    status.linked_cases =
        static_cast<std::int64_t>(store::CaseLinkRepository(db_).LinkedCases(incident).size());
    store::CaseRepository cases(db_);
    status.by_channel = cases.CountByChannel(incident);
    status.by_territory = cases.CountByTerritory(incident);
    status.recent = store::TimelineRepository(db_).Recent(incident, timeline_entries);
    status.workarounds = store::KnowledgeRepository(db_).Attached(incident);
    store::ProblemRepository problems(db_);
    store::ChangeRepository changes(db_);
    std::set<std::int64_t> change_numbers;
    for (std::int64_t number : changes.ChangesOfIncident(incident)) {
      change_numbers.insert(number);
    }
    for (std::int64_t number : problems.ProblemsOf(incident)) {
      status.problems.push_back(problems.Find(number).value());
      for (std::int64_t change : changes.ChangesOfProblem(number)) {
        change_numbers.insert(change);
      }
    }
    for (std::int64_t number : change_numbers) {
      status.changes.push_back(changes.Find(number).value());
    }
    status.banners = store::BannerRepository(db_).ActiveForIncident(incident);
    return status;
  });
}

Status IncidentService::QueueOpenView(std::string_view trigger_id, std::string_view view_json,
                                      const UserId& user, const ChannelId& channel) {
  return InTransaction(db_, "queue_open_view", [&]() -> Status {
    store::Outbox(db_).Enqueue(effect::kResponseStream, effect::kOpenView,
                               {{std::string(effect::kArgTriggerId), std::string(trigger_id)},
                                {std::string(effect::kArgView), std::string(view_json)},
                                {std::string(effect::kArgUser), user.str()},
                                {std::string(effect::kArgChannel), channel.str()}},
                               clock_.Now());
    return {};
  });
}

Status IncidentService::RecordAnnouncement(std::int64_t incident, const ChannelId& channel,
                                           const MessageTs& ts) {
  return InTransaction(db_, "record_announcement", [&]() -> Status {
    store::IncidentRepository(db_).SetAnnouncement(incident, channel, ts);
    return {};
  });
}

Status IncidentService::NoteProblem(std::int64_t incident, std::string_view text) {
  return InTransaction(db_, "note_problem", [&]() -> Status {
    if (!store::IncidentRepository(db_).Find(incident)) {
      return IncidentNotFound(incident);
    }
    store::TimelineRepository(db_).Append(incident, clock_.Now(), detail::kBotActor, "problem",
                                          text);
    return {};
  });
}

}  // namespace swarmbot::lifecycle
