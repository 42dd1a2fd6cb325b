#include "lifecycle/incident_service.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "lifecycle/detail/effects_queue.hpp"
#include "lifecycle/priority.hpp"
#include "lifecycle/routing_service.hpp"
#include "lifecycle/text_rules.hpp"
#include "lifecycle/transaction.hpp"
#include "store/case_link_repository.hpp"
#include "store/incident_repository.hpp"
#include "store/swarm_repository.hpp"
#include "store/timeline_repository.hpp"

namespace swarmbot::lifecycle {
namespace {

// More than this in one request is almost certainly a typo in a range.
constexpr std::size_t kMaxCasesPerLink = 1000;
constexpr std::size_t kNamesInText = 10;

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

bool SwarmIsLive(const std::optional<store::Swarm>& swarm) {
  return swarm && (swarm->state == store::SwarmState::kStarting ||
                   swarm->state == store::SwarmState::kActive);
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

Result<std::vector<store::Case>> LoadCases(store::Database& db,
                                           const std::vector<std::int64_t>& numbers) {
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
                         " exist; nothing was linked");
  }
  return found;
}

}  // namespace

Error IncidentNotFound(std::int64_t incident) {
  return MakeError(Errc::kNotFound, "no such incident",
                   store::IncidentNumberText(incident) + " doesn't exist");
}

Result<store::Incident> IncidentService::Declare(const DeclareInput& input, const UserId& actor) {
  if (auto checked = CheckField(input.subject, {"subject", 250, true, false}); !checked) {
    return checked.error();
  }
  if (auto checked = CheckField(input.description, {"description", 10'000, false, true});
      !checked) {
    return checked.error();
  }
  return InTransaction(db_, "declare_incident", [&]() -> Result<store::Incident> {
    const auto now = clock_.Now();
    store::Incident incident;
    incident.subject = Trimmed(input.subject);
    incident.description = Trimmed(input.description);
    incident.impact = input.impact;
    incident.urgency = input.urgency;
    incident.priority = PriorityFor(input.impact, input.urgency);
    incident.state = store::IncidentState::kDeclared;
    incident.declared_by = actor;
    incident.created_at = now;
    store::IncidentRepository incidents(db_);
    const std::int64_t number = incidents.Insert(incident);

    store::TimelineRepository(db_).Append(
        number, now, actor.str(), "declared",
        "Declared with priority P" + std::to_string(incident.priority) + " (impact " +
            std::string(store::Name(input.impact)) + ", urgency " +
            std::string(store::Name(input.urgency)) + ")");
    detail::EnqueueEffect(db_, number, effect::kAnnounce, now);
    if (assign_on_declare_) {
      QueueRouting(db_, number, actor, now);
    }
    spdlog::info("event=incident.declared incident={} priority={} actor={}",
                 store::IncidentNumberText(number), incident.priority, actor.str());
    return incidents.Find(number).value();
  });
}

Result<LinkResult> IncidentService::LinkCases(std::int64_t incident,
                                              const std::vector<std::int64_t>& cases,
                                              const UserId& actor) {
  std::vector<std::int64_t> numbers = cases;
  std::sort(numbers.begin(), numbers.end());
  numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());
  if (numbers.empty()) {
    return MakeError(Errc::kInvalidInput, "no cases", "name at least one case, e.g. CASE-12");
  }
  if (numbers.size() > kMaxCasesPerLink) {
    return MakeError(Errc::kInvalidInput, "too many cases",
                     "that is more than " + std::to_string(kMaxCasesPerLink) +
                         " cases; link them in smaller groups");
  }
  return InTransaction(db_, "link_cases", [&]() -> Result<LinkResult> {
    if (auto open = FindOpen(db_, incident, " is closed; cases can't be linked to it"); !open) {
      return open.error();
    }
    auto loaded = LoadCases(db_, numbers);
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
      links.Link(incident, number, actor, now);
      repository.Hold(number, incident, now);
    }
    store::TimelineRepository(db_).Append(incident, now, actor.str(), "cases_linked",
                                          "Linked " + std::to_string(result.linked.size()) +
                                              (result.linked.size() == 1 ? " case: " : " cases: ") +
                                              CaseList(result.linked));
    if (SwarmIsLive(store::SwarmRepository(db_).FindByIncident(incident))) {
      detail::EnqueueEffect(db_, incident, effect::kUpdateSummary, now);
    }
    detail::EnqueueEffect(db_, incident, effect::kUpdateAnnouncement, now);
    spdlog::info("event=incident.cases_linked incident={} linked={} already={} actor={}",
                 store::IncidentNumberText(incident), result.linked.size(),
                 result.already_linked.size(), actor.str());
    return result;
  });
}

Result<store::Incident> IncidentService::Close(std::int64_t incident, const UserId& actor,
                                               std::string_view note) {
  if (auto checked = CheckField(note, {"note", 3000, false, true}); !checked) {
    return checked.error();
  }
  return InTransaction(db_, "close_incident", [&]() -> Result<store::Incident> {
    if (auto open = FindOpen(db_, incident, " is already closed"); !open) {
      return open.error();
    }
    const auto now = clock_.Now();
    const std::string trimmed = Trimmed(note);
    store::IncidentRepository incidents(db_);
    incidents.SetState(incident, store::IncidentState::kClosed, now);
    incidents.SetCloseNote(incident, trimmed);
    WakeRoutingQueue(db_, now);  // its owner may have room now

    const std::string resolution =
        trimmed.empty() ? "Closed with " + store::IncidentNumberText(incident) : trimmed;
    store::CaseRepository cases(db_);
    for (std::int64_t number : store::CaseLinkRepository(db_).LinkedCases(incident)) {
      if (cases.Find(number)->status != store::CaseStatus::kClosed) {
        cases.Close(number, resolution, now);
      }
    }
    store::TimelineRepository(db_).Append(incident, now, actor.str(), "closed",
                                          trimmed.empty() ? "Closed" : "Closed: " + trimmed);

    store::SwarmRepository swarms(db_);
    if (auto swarm = swarms.FindByIncident(incident); SwarmIsLive(swarm)) {
      swarms.SetState(swarm->id, store::SwarmState::kClosing, now);
      detail::EnqueueEffect(db_, incident, effect::kUpdateSummary, now);
      detail::EnqueueEffect(db_, incident, effect::kPostClosing, now);
      detail::EnqueueEffect(db_, incident, effect::kArchive, now);
    }
    detail::EnqueueEffect(db_, incident, effect::kUpdateAnnouncement, now);
    spdlog::info("event=incident.closed incident={} actor={}", store::IncidentNumberText(incident),
                 actor.str());
    return incidents.Find(incident).value();
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
    return status;
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
