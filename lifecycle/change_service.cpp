#include "lifecycle/change_service.hpp"

#include <algorithm>
#include <set>

#include <spdlog/spdlog.h>

#include "common/count_text.hpp"
#include "lifecycle/detail/effects_queue.hpp"
#include "lifecycle/detail/swarm_life.hpp"
#include "lifecycle/effects.hpp"
#include "lifecycle/text_rules.hpp"
#include "lifecycle/transaction.hpp"
#include "lifecycle/work_plan.hpp"
#include "store/case_link_repository.hpp"
#include "store/case_repository.hpp"
#include "store/incident_repository.hpp"
#include "store/outbox.hpp"
#include "store/people_repository.hpp"
#include "store/problem_repository.hpp"
#include "store/swarm_repository.hpp"
#include "store/timeline_repository.hpp"

namespace swarmbot::lifecycle {
namespace {

using store::ChangeNumberText;
using store::ChangeRepository;
using store::ChangeState;

constexpr FieldRule kTitleRule{"title", 200, true, false};
constexpr FieldRule kJustificationRule{"justification", 3000, false, true};
constexpr FieldRule kStepRule{"step", kMaxStepText, true, false};
constexpr FieldRule kNoteRule{"note", 3000, false, true};
constexpr std::size_t kMaxLinks = 50;

std::string Stream(std::int64_t change) {
  return ChangeNumberText(change);
}

FormFields ChangeArgs(std::int64_t change) {
  return {{std::string(effect::kArgChange), std::to_string(change)}};
}

std::string TargetText(store::LinkTarget target, std::int64_t number) {
  return target == store::LinkTarget::kProblem ? store::ProblemRefText(number)
                                               : store::IncidentNumberText(number);
}

std::string LinkText(const TypedLink& link) {
  return std::string(link.relation == store::LinkRelation::kFixes ? "fixes " : "caused by ") +
         TargetText(link.target, link.number);
}

std::string StateText(ChangeState state) {
  switch (state) {
    case ChangeState::kDraft:
      return "a draft";
    case ChangeState::kAwaitingApproval:
      return "awaiting approval";
    case ChangeState::kApproved:
      return "approved";
    case ChangeState::kRejected:
      return "rejected";
    case ChangeState::kClosed:
      return "closed";
  }
  return "in an unknown state";
}

std::vector<std::int64_t> LinkedIncidents(store::Database& db, std::int64_t change,
                                          std::optional<store::LinkRelation> relation = {}) {
  std::vector<std::int64_t> incidents;
  for (const store::ChangeLink& link : ChangeRepository(db).Links(change)) {
    if (link.target == store::LinkTarget::kIncident && (!relation || link.relation == *relation)) {
      incidents.push_back(link.number);
    }
  }
  return incidents;
}

// The incidents a change is worked on for: those it is linked to, and those of
// the problems it is linked to (a change that fixes a problem lives in its
// incidents' swarms). Ascending, each once.
std::vector<std::int64_t> WorkIncidents(store::Database& db, std::int64_t change) {
  std::vector<std::int64_t> incidents = LinkedIncidents(db, change);
  store::ProblemRepository problems(db);
  for (const store::ChangeLink& link : ChangeRepository(db).Links(change)) {
    if (link.target == store::LinkTarget::kProblem) {
      const auto of_problem = problems.IncidentsOf(link.number);
      incidents.insert(incidents.end(), of_problem.begin(), of_problem.end());
    }
  }
  std::sort(incidents.begin(), incidents.end());
  incidents.erase(std::unique(incidents.begin(), incidents.end()), incidents.end());
  return incidents;
}

// The first incident worked on with a live swarm, whose channel hosts the plan.
std::optional<std::int64_t> SwarmHost(store::Database& db, std::int64_t change) {
  store::SwarmRepository swarms(db);
  for (std::int64_t incident : WorkIncidents(db, change)) {
    if (detail::SwarmIsLive(swarms.FindByIncident(incident))) {
      return incident;
    }
  }
  return std::nullopt;
}

Status CheckWindow(const ChangeInput& input) {
  if (input.window_start.has_value() != input.window_end.has_value()) {
    return MakeError(Errc::kInvalidInput, "half a window",
                     "give the planned window's start and its end, or neither");
  }
  if (input.window_start && *input.window_end <= *input.window_start) {
    return MakeError(Errc::kInvalidInput, "window ends before it starts",
                     "the planned window must end after it starts");
  }
  return {};
}

// The CAB's summary ("Rejected by @kofi: …", "Approved by @kofi and @ana
// (…)") says already what happened; the news reads "CHG-2 was rejected by
// @kofi: …", not "CHG-2 was rejected: Rejected by @kofi: …".
std::string DecisionNews(const std::string& name, bool approved, const std::string& summary) {
  const std::string done = approved ? " is approved" : " was rejected";
  const std::string lead = approved ? "Approved by " : "Rejected by ";
  if (summary.empty()) {
    return name + done + ".";
  }
  if (summary.starts_with(lead)) {
    return name + done + " by " + summary.substr(lead.size());
  }
  return name + done + ": " + summary;
}

// Ends `text` with a full stop unless it ends a sentence already.
std::string AsStatement(std::string text) {
  if (text.empty() || (text.back() != '.' && text.back() != '!' && text.back() != '?')) {
    text += '.';
  }
  return text;
}

}  // namespace

Error ChangeNotFound(std::int64_t change) {
  return MakeError(Errc::kNotFound, "no such change", ChangeNumberText(change) + " doesn't exist");
}

Status ChangeService::MayEdit(const store::Change& change, const UserId& actor,
                              std::string_view what) const {
  if (actor == change.requester || IsManager(actor)) {
    return {};
  }
  return MakeError(Errc::kForbidden, "not requester or manager",
                   "Only the requester of " + ChangeNumberText(change.number) +
                       " and incident managers can " + std::string(what) + "." +
                       WhomToAsk({change.requester}));
}

ChannelId ChangeService::SwarmChannel(std::int64_t change) {
  const auto host = SwarmHost(db_, change);
  if (!host) {
    return ChannelId{};
  }
  const auto swarm = store::SwarmRepository(db_).FindByIncident(*host);
  return swarm ? swarm->channel_id : ChannelId{};
}

bool ChangeService::IsResponder(const UserId& actor) {
  const auto person = store::PeopleRepository(db_).Find(actor);
  return person && person->active && !person->slack_deactivated;
}

bool ChangeService::InLinkedSwarm(std::int64_t change, const UserId& actor) {
  if (!IsResponder(actor)) {
    return false;
  }
  const auto incidents = WorkIncidents(db_, change);
  return std::any_of(incidents.begin(), incidents.end(),
                     [&](std::int64_t incident) { return InLiveSwarm(incident, actor); });
}

bool ChangeService::InLiveSwarm(std::int64_t incident, const UserId& actor) {
  return detail::InLiveSwarm(db_, incident, actor);
}

Status ChangeService::MayLink(const TypedLink& link, const UserId& actor) {
  if (auto checked = CheckLink(link); !checked) {
    return checked;
  }
  return MayFix(link, actor);
}

Status ChangeService::MayTieProblem(std::int64_t incident, const UserId& actor) {
  return MayFix({store::LinkTarget::kIncident, incident, store::LinkRelation::kFixes}, actor,
                "a problem", ", since the problem's fix closes it");
}

Status ChangeService::MayFix(const TypedLink& link, const UserId& actor, std::string_view tied,
                             std::string_view because) {
  if (link.relation != store::LinkRelation::kFixes || IsManager(actor)) {
    return {};
  }
  // The open incidents closing the change would close: the incident, or the
  // problem's. The actor must work on every one of them (own it or be in its
  // swarm); owning a problem alone counts only when no incident hangs on it,
  // or anyone could open a problem on an incident and close it that way.
  std::vector<std::int64_t> incidents{link.number};
  UserId problem_owner;
  if (link.target == store::LinkTarget::kProblem) {
    store::ProblemRepository problems(db_);
    incidents = problems.IncidentsOf(link.number);
    if (auto problem = problems.Find(link.number)) {
      problem_owner = problem->owner;
    }
  }
  std::vector<UserId> owners;
  if (!problem_owner.empty()) {
    owners.push_back(problem_owner);
  }
  const bool responder = IsResponder(actor);
  store::IncidentRepository records(db_);
  bool any_open = false;
  bool works_on_each = true;
  // A closed incident named itself: closing the change can't close it again,
  // and its owner may still tie records to it (a problem found afterwards).
  UserId closed_owner;
  for (const std::int64_t incident : incidents) {
    const auto found = records.Find(incident);
    if (!found) {
      continue;
    }
    if (!found->Open()) {
      if (link.target == store::LinkTarget::kIncident && !found->owner.empty()) {
        closed_owner = found->owner;
        owners.push_back(closed_owner);
      }
      continue;
    }
    any_open = true;
    if (!found->owner.empty()) {
      owners.push_back(found->owner);
    }
    works_on_each =
        works_on_each && (found->owner == actor || (InLiveSwarm(incident, actor) && responder));
  }
  const bool allowed = any_open ? works_on_each
                                : (!problem_owner.empty() && problem_owner == actor) ||
                                      (!closed_owner.empty() && closed_owner == actor);
  if (allowed) {
    return {};
  }
  const std::string name = TargetText(link.target, link.number);
  std::vector<std::string> who{"incident managers"};
  if (link.target == store::LinkTarget::kIncident) {
    who.insert(who.end(), {name + "'s owner", "the members of its swarm on the people list"});
  } else if (!any_open) {
    who.push_back(name + "'s owner");
  } else {
    who.push_back("those who work on each of " + name +
                  "'s open incidents (their owners and the members of their swarms on the people "
                  "list)");
  }
  std::sort(owners.begin(), owners.end());
  owners.erase(std::unique(owners.begin(), owners.end()), owners.end());
  return MakeError(Errc::kForbidden, "may not fix",
                   "Only " + JoinWithAnd(who) + " can tie " + std::string(tied) + " to " + name +
                       std::string(because) + "." + WhomToAsk(owners));
}

std::string ChangeService::WhomToAsk(const std::vector<UserId>& people) const {
  if (whom_to_ask) {
    return whom_to_ask(people);
  }
  std::vector<std::string> whom;
  for (const UserId& person : people) {
    whom.push_back("<@" + person.str() + ">");
  }
  whom.push_back("an incident manager");
  return " Ask " + JoinWithOr(whom) + ".";
}

Status ChangeService::MayMarkDone(const store::Change& change, const store::ChangeStep& step,
                                  const UserId& actor) {
  const std::string name =
      "step " + std::to_string(step.position) + " of " + ChangeNumberText(change.number);
  // An assigned step is its assignee's to do: nobody else can say it happened.
  if (!step.assignee.empty()) {
    if (actor == step.assignee) {
      return {};
    }
    return MakeError(Errc::kForbidden, "not the step's assignee",
                     "Only <@" + step.assignee.str() + ">, whom " + name +
                         " is assigned to, can mark it done; the requester can reassign it.");
  }
  if (actor == change.requester || IsManager(actor) || InLinkedSwarm(change.number, actor)) {
    return {};
  }
  return MakeError(
      Errc::kForbidden, "neither requester nor in the swarm",
      "Only the requester of " + ChangeNumberText(change.number) +
          ", incident managers and the members of its incident's swarm on the people list "
          "can mark "
          "step " +
          std::to_string(step.position) + " done (or whoever it is assigned to).");
}

Status ChangeService::MayVerify(const store::Change& change, const UserId& actor) {
  if (actor == change.requester || IsManager(actor) || InLinkedSwarm(change.number, actor)) {
    return {};
  }
  return MakeError(Errc::kForbidden, "not in the swarm",
                   "Only the requester of " + ChangeNumberText(change.number) +
                       ", incident managers and the members of a swarm on its incidents who are on "
                       "the people list can verify its steps.");
}

Result<store::Change> ChangeService::FindOpenChange(std::int64_t change, std::string_view what) {
  auto found = ChangeRepository(db_).Find(change);
  if (!found) {
    return ChangeNotFound(change);
  }
  if (found->state == ChangeState::kClosed) {
    return MakeError(
        Errc::kConflict, "change closed",
        ChangeNumberText(change) + " is closed; " + std::string(what) + " is no longer possible.");
  }
  return *found;
}

Status ChangeService::CheckLink(const TypedLink& link) {
  const std::string name = TargetText(link.target, link.number);
  if (link.target == store::LinkTarget::kIncident) {
    if (!store::IncidentRepository(db_).Find(link.number)) {
      return IncidentNotFound(link.number);
    }
    return {};
  }
  if (!problem_exists) {
    return MakeError(Errc::kConflict, "no problem service",
                     "Problems aren't available, so " + name + " can't be linked.");
  }
  auto exists = problem_exists(link.number);
  if (!exists) {
    return exists.error();
  }
  if (!*exists) {
    return MakeError(Errc::kNotFound, "no such problem", name + " doesn't exist");
  }
  return {};
}

void ChangeService::RecordEvent(std::int64_t change, const UserId& actor, std::string_view kind,
                                const std::string& text) {
  ChangeRepository(db_).AppendEvent(change, clock_.Now(), actor.str(), kind, text);
}

void ChangeService::Publish(std::int64_t change, const std::string& news, const UserId& actor) {
  const auto now = clock_.Now();
  store::Outbox(db_).Enqueue(Stream(change), effect::kUpdatePlan, ChangeArgs(change), now);
  if (news.empty()) {
    return;
  }
  store::SwarmRepository swarms(db_);
  for (std::int64_t incident : WorkIncidents(db_, change)) {
    store::TimelineRepository(db_).Append(
        incident, now, actor.empty() ? std::string(detail::kBotActor) : actor.str(), "change",
        news);
    if (detail::SwarmIsLive(swarms.FindByIncident(incident))) {
      // The incident's own stream, so the news follows the channel's creation.
      detail::EnqueueEffect(db_, incident, effect::kChangeNews, now,
                            {{std::string(effect::kArgChange), std::to_string(change)},
                             {std::string(effect::kArgText), news}});
    }
  }
}

Result<store::Change> ChangeService::Create(const ChangeInput& input, const UserId& actor) {
  const StandardTemplate* standard = nullptr;
  if (input.type == store::ChangeType::kStandard) {
    auto it = std::find_if(catalogue_.begin(), catalogue_.end(), [&](const StandardTemplate& t) {
      return t.name == input.template_name;
    });
    if (it == catalogue_.end()) {
      return MakeError(
          Errc::kInvalidInput, "unknown template",
          input.template_name.empty()
              ? "a standard change needs a template from the catalogue"
              : "\"" + input.template_name + "\" isn't in the standard change catalogue");
    }
    standard = &*it;
  } else if (!input.template_name.empty()) {
    return MakeError(Errc::kInvalidInput, "template on non-standard change",
                     "only standard changes come from a template");
  }
  const std::string title =
      TrimmedLine(input.title).empty() && standard ? standard->title : TrimmedLine(input.title);
  for (auto checked : {CheckField(title, kTitleRule),
                       CheckField(input.justification, kJustificationRule), CheckWindow(input)}) {
    if (!checked) {
      return checked.error();
    }
  }
  if (input.links.size() > kMaxLinks) {
    return MakeError(Errc::kInvalidInput, "too many links", "that is too many links at once");
  }
  return InTransaction(db_, "create_change", [&]() -> Result<store::Change> {
    ChangeRepository changes(db_);
    if (auto earlier = changes.FindByView(input.create_view)) {
      return MakeError(
          Errc::kConflict, "view submitted twice",
          "This form was submitted already: it opened " + ChangeNumberText(earlier->number) + ".");
    }
    for (const TypedLink& link : input.links) {
      if (auto checked = MayLink(link, actor); !checked) {
        return checked.error();
      }
    }
    const auto now = clock_.Now();
    store::Change change;
    change.title = title;
    change.type = input.type;
    change.risk = input.risk;
    change.justification = Trimmed(input.justification);
    change.template_name = input.template_name;
    change.window_start = input.window_start;
    change.window_end = input.window_end;
    change.requester = actor;
    change.create_view = input.create_view;
    change.plan_channel = input.channel;
    change.created_at = now;
    const std::int64_t number = changes.Insert(change);
    std::string links;
    for (const TypedLink& link : input.links) {
      changes.AddLink(number, {link.target, link.number, link.relation, actor, now});
      links += (links.empty() ? "; " : ", ") + LinkText(link);
    }
    if (standard) {
      for (const std::string& step : standard->steps) {
        changes.AddStep(number, step);
      }
    }
    const std::string name = ChangeNumberText(number);
    RecordEvent(number, actor, "created",
                "Opened as " +
                    std::string(input.type == store::ChangeType::kEmergency ? "an " : "a ") +
                    std::string(store::Name(input.type)) + " change, risk " +
                    std::string(store::Name(input.risk)) + links);
    Publish(number, name + " (" + std::string(store::Name(input.type)) +
                        ") opened: " + InertText(title) + links);
    if (auto host = SwarmHost(db_, number)) {
      detail::EnqueueEffect(db_, *host, effect::kPostPlan, now, ChangeArgs(number));
    } else {
      store::Outbox(db_).Enqueue(Stream(number), effect::kPostPlan, ChangeArgs(number), now);
    }
    spdlog::info("event=change.created change={} type={} links={} actor={}", name,
                 store::Name(input.type), input.links.size(), actor.str());
    return changes.Find(number).value();
  });
}

Status ChangeService::Link(std::int64_t change, const TypedLink& link, const UserId& actor) {
  return InTransaction(db_, "link_change", [&]() -> Status {
    auto found = FindOpenChange(change, "linking");
    if (!found) {
      return found.error();
    }
    if (auto allowed = MayEdit(*found, actor, "link it"); !allowed) {
      return allowed;
    }
    if (auto checked = MayLink(link, actor); !checked) {
      return checked;
    }
    ChangeRepository changes(db_);
    for (const store::ChangeLink& existing : changes.Links(change)) {
      if (existing.target != link.target || existing.number != link.number) {
        continue;
      }
      const std::string already =
          ChangeNumberText(change) +
          (existing.relation == store::LinkRelation::kFixes ? " already fixes "
                                                            : " is already marked as caused by ") +
          TargetText(existing.target, existing.number);
      if (existing.relation == link.relation) {
        return MakeError(Errc::kConflict, "linked already", already + "; nothing changed.");
      }
      // A link has one relation; silently retyping it would change what
      // closing the change closes.
      return MakeError(Errc::kConflict, "linked the other way",
                       already + "; unlink it first (`/change unlink " + ChangeNumberText(change) +
                           " " + TargetText(link.target, link.number) + "`), then link it again.");
    }
    const bool had_host = SwarmHost(db_, change).has_value();
    changes.AddLink(change, {link.target, link.number, link.relation, actor, clock_.Now()});
    RecordEvent(change, actor, "linked", "Linked: " + LinkText(link));
    Publish(change,
            ChangeNumberText(change) + " now " + LinkText(link) + ": " + InertText(found->title),
            actor);
    if (auto host = SwarmHost(db_, change); host && !had_host && found->plan_ts.empty()) {
      detail::EnqueueEffect(db_, *host, effect::kPostPlan, clock_.Now(), ChangeArgs(change));
    }
    return {};
  });
}

Status ChangeService::Unlink(std::int64_t change, store::LinkTarget target, std::int64_t number,
                             const UserId& actor) {
  return InTransaction(db_, "unlink_change", [&]() -> Status {
    auto found = FindOpenChange(change, "unlinking");
    if (!found) {
      return found.error();
    }
    if (auto allowed = MayEdit(*found, actor, "unlink it"); !allowed) {
      return allowed;
    }
    const std::string name = TargetText(target, number);
    ChangeRepository changes(db_);
    const auto links = changes.Links(change);
    const auto link = std::find_if(links.begin(), links.end(), [&](const store::ChangeLink& l) {
      return l.target == target && l.number == number;
    });
    if (link == links.end()) {
      return MakeError(Errc::kNotFound, "no such link",
                       ChangeNumberText(change) + " isn't linked to " + name + ".");
    }
    // Told while still linked, so the record it leaves hears it too.
    Publish(change,
            ChangeNumberText(change) + " no longer " +
                LinkText({link->target, link->number, link->relation}) + ": " +
                InertText(found->title),
            actor);
    changes.RemoveLink(change, target, number);
    RecordEvent(change, actor, "unlinked", "Unlinked " + name);
    return {};
  });
}

Status ChangeService::PlanChanged(const store::Change& change, const UserId& actor,
                                  const std::string& what) {
  ChangeRepository changes(db_);
  const auto now = clock_.Now();
  changes.BumpPlanVersion(change.number, now);
  const bool submitted = change.state == ChangeState::kAwaitingApproval;
  const bool approved = change.state == ChangeState::kApproved;
  if (!submitted && !approved && change.state != ChangeState::kRejected) {
    return {};
  }
  std::string reason = what;
  if (submitted || approved) {
    reason += std::string(" after ") + (approved ? "approval" : "submission") +
              "; the plan needs approval again";
  }
  changes.SetState(change.number, ChangeState::kDraft, reason, now);
  changes.SetApprovedVersion(change.number, std::nullopt);
  RecordEvent(change.number, actor, "sent_back", "Back to draft: " + reason);
  if ((submitted || approved) && on_plan_changed) {
    if (auto withdrawn = on_plan_changed(change.number, reason); !withdrawn) {
      return withdrawn;
    }
  }
  return {};
}

Result<int> ChangeService::AddStep(std::int64_t change, std::string_view text,
                                   const UserId& actor) {
  const std::string trimmed = Trimmed(text);
  if (auto checked = CheckField(trimmed, kStepRule); !checked) {
    return checked.error();
  }
  return InTransaction(db_, "add_change_step", [&]() -> Result<int> {
    auto found = FindOpenChange(change, "changing its plan");
    if (!found) {
      return found.error();
    }
    if (auto allowed = MayEdit(*found, actor, "change its plan"); !allowed) {
      return allowed.error();
    }
    ChangeRepository changes(db_);
    if (changes.Steps(change).size() >= kMaxPlanSteps) {
      return MakeError(Errc::kConflict, "plan full",
                       "A plan holds at most " + std::to_string(kMaxPlanSteps) + " steps.");
    }
    const int position = changes.AddStep(change, trimmed);
    RecordEvent(change, actor, "step_added",
                "Step " + std::to_string(position) + " added: " + trimmed);
    if (auto edited = PlanEdited(*found, actor, "step " + std::to_string(position) + " added");
        !edited) {
      return edited.error();
    }
    return position;
  });
}

Result<store::ChangeStep> ChangeService::FindStep(std::int64_t change, int step) {
  if (auto found = ChangeRepository(db_).Step(change, step)) {
    return *found;
  }
  return MakeError(Errc::kNotFound, "no such step",
                   ChangeNumberText(change) + " has no step " + std::to_string(step) + ".");
}

Status ChangeService::EditStep(std::int64_t change, int step, std::string_view text,
                               const UserId& actor) {
  const std::string trimmed = Trimmed(text);
  if (auto checked = CheckField(trimmed, kStepRule); !checked) {
    return checked;
  }
  return InTransaction(db_, "edit_change_step", [&]() -> Status {
    auto editable = EditableStep(change, step, actor);
    if (!editable) {
      return editable.error();
    }
    if (editable->second.text == trimmed) {
      return {};  // nothing changes, so the approval stands
    }
    ChangeRepository(db_).EditStep(change, step, trimmed);
    RecordEvent(change, actor, "step_edited", "Step " + std::to_string(step) + " now: " + trimmed);
    return PlanEdited(editable->first, actor, "step " + std::to_string(step) + " edited");
  });
}

Status ChangeService::RemoveStep(std::int64_t change, int step, const UserId& actor) {
  return InTransaction(db_, "remove_change_step", [&]() -> Status {
    auto editable = EditableStep(change, step, actor);
    if (!editable) {
      return editable.error();
    }
    const store::ChangeStep* existing = &editable->second;
    const std::string name = "Step " + std::to_string(step) + " of " + ChangeNumberText(change);
    if (existing->Done()) {
      return MakeError(Errc::kConflict, "step done",
                       name + " was done by <@" + existing->done_by.str() +
                           ">, so it stays in the plan: the record keeps what was done. "
                           "`/change step edit` changes it (to be done again).");
    }
    ChangeRepository(db_).RemoveStep(change, step);
    RecordEvent(change, actor, "step_removed",
                "Step " + std::to_string(step) + " removed: " + existing->text);
    return PlanEdited(editable->first, actor, "step " + std::to_string(step) + " removed");
  });
}

Result<std::pair<store::Change, store::ChangeStep>> ChangeService::EditableStep(
    std::int64_t change, int step, const UserId& actor) {
  auto found = FindOpenChange(change, "changing its plan");
  if (!found) {
    return found.error();
  }
  if (auto allowed = MayEdit(*found, actor, "change its plan"); !allowed) {
    return allowed.error();
  }
  auto existing = FindStep(change, step);
  if (!existing) {
    return existing.error();
  }
  return std::pair{*found, *existing};
}

Status ChangeService::PlanEdited(const store::Change& change, const UserId& actor,
                                 const std::string& what) {
  if (auto sent = PlanChanged(change, actor, what); !sent) {
    return sent;
  }
  Publish(change.number, "");
  return {};
}

Status ChangeService::AssignStep(std::int64_t change, int step, const UserId& assignee,
                                 const UserId& actor) {
  return InTransaction(db_, "assign_change_step", [&]() -> Status {
    auto found = FindOpenChange(change, "assigning steps");
    if (!found) {
      return found.error();
    }
    if (auto allowed = MayEdit(*found, actor, "assign its steps"); !allowed) {
      return allowed;
    }
    if (auto existing = FindStep(change, step); !existing) {
      return existing.error();
    }
    ChangeRepository(db_).AssignStep(change, step, assignee);
    RecordEvent(change, actor, "step_assigned",
                "Step " + std::to_string(step) + " assigned to <@" + assignee.str() + ">");
    Publish(change, "");
    return {};
  });
}

Status ChangeService::MarkDone(std::int64_t change, int step, const UserId& actor) {
  return WorkOnStep(change, step, actor, false);
}

Status ChangeService::Verify(std::int64_t change, int step, const UserId& actor) {
  return WorkOnStep(change, step, actor, true);
}

Status ChangeService::WorkOnStep(std::int64_t change, int step, const UserId& actor, bool verify) {
  return InTransaction(db_, verify ? "change_step_verify" : "change_step_done", [&]() -> Status {
    auto found = FindOpenChange(change, "working on its plan");
    if (!found) {
      return found.error();
    }
    auto existing = FindStep(change, step);
    if (!existing) {
      return existing.error();
    }
    if (auto allowed = verify ? MayVerify(*found, actor) : MayMarkDone(*found, *existing, actor);
        !allowed) {
      return allowed;
    }
    const std::string name = "Step " + std::to_string(step) + " of " + ChangeNumberText(change);
    if (!verify && existing->Done()) {
      return MakeError(Errc::kConflict, "step done already",
                       name + " was done already by " + existing->done_by.str() + ".");
    }
    if (verify && existing->Verified()) {
      return MakeError(Errc::kConflict, "step verified already",
                       name + " was verified already by " + existing->verified_by.str() + ".");
    }
    if (verify && !existing->Done()) {
      return MakeError(Errc::kConflict, "step not done", name + " isn't done yet.");
    }
    if (verify && existing->done_by == actor) {
      return MakeError(Errc::kForbidden, "verifier did the step",
                       name + " must be verified by someone other than whoever did it.");
    }
    ChangeRepository changes(db_);
    if (verify) {
      changes.MarkVerified(change, step, actor, clock_.Now());
    } else {
      changes.MarkDone(change, step, actor, clock_.Now());
    }
    RecordEvent(change, actor, verify ? "step_verified" : "step_done",
                "Step " + std::to_string(step) + (verify ? " verified" : " done"));
    Publish(change, "");
    return {};
  });
}

std::string ChangeService::DepartureFromTemplate(
    const std::string& template_name, const std::vector<store::ChangeStep>& steps) const {
  auto it = std::find_if(catalogue_.begin(), catalogue_.end(),
                         [&](const StandardTemplate& t) { return t.name == template_name; });
  const std::string quoted = "\"" + template_name + "\"";
  if (it == catalogue_.end()) {
    return quoted +
           " is no longer in the standard change catalogue, so it needs the CAB's "
           "approval as a normal change";
  }
  std::vector<std::string> differences;
  const std::size_t common = std::min(steps.size(), it->steps.size());
  for (std::size_t i = 0; i < common; ++i) {
    if (steps[i].text != it->steps[i]) {
      differences.push_back("step " + std::to_string(i + 1) + " was edited");
    }
  }
  for (std::size_t i = common; i < steps.size(); ++i) {
    differences.push_back("step " + std::to_string(i + 1) + " was added");
  }
  if (steps.size() < it->steps.size()) {
    differences.push_back(std::to_string(it->steps.size() - steps.size()) +
                          " of the template's steps are missing");
  }
  if (differences.empty()) {
    return {};
  }
  std::string text = "its plan differs from the catalogue's " + quoted + " (";
  for (std::size_t i = 0; i < differences.size(); ++i) {
    text += (i == 0 ? "" : ", ") + differences[i];
  }
  return text + "), so it needs the CAB's approval as a normal change";
}

Result<SubmittedChange> ChangeService::Submit(std::int64_t change, const UserId& actor) {
  return InTransaction(db_, "submit_change", [&]() -> Result<SubmittedChange> {
    auto found = FindOpenChange(change, "submitting");
    if (!found) {
      return found.error();
    }
    const std::string name = ChangeNumberText(change);
    if (auto allowed = MayEdit(*found, actor, "submit it"); !allowed) {
      return allowed.error();
    }
    if (found->state == ChangeState::kRejected) {
      // Editing the plan makes a rejected change a draft again, so this is
      // the very plan the CAB turned down: asking again must answer why.
      return MakeError(Errc::kConflict, std::string(kRejectedPlanUnchanged),
                       AsStatement(DecisionNews(name + "'s plan", false, found->state_reason)) +
                           " Change the plan to answer that (`/change step edit` or `/change "
                           "step add`), then submit it again.");
    }
    if (found->state != ChangeState::kDraft) {
      return MakeError(Errc::kConflict, "not a draft",
                       name + " is " + StateText(found->state) + " already.");
    }
    ChangeRepository changes(db_);
    const auto steps = changes.Steps(change);
    if (const std::string missing = UnfinishedSteps(steps); !missing.empty()) {
      return MakeError(Errc::kConflict, "plan unfinished",
                       name + " can't be submitted yet: " + missing + ".");
    }
    SubmittedChange submitted{change,
                              std::string(store::Name(found->type)),
                              found->requester,
                              found->title,
                              std::string(store::Name(found->risk)),
                              found->plan_version,
                              {},
                              {}};
    for (const store::ChangeStep& step : steps) {
      submitted.plan.push_back({step.text, step.done_by, step.verified_by});
    }
    const auto now = clock_.Now();
    if (found->type == store::ChangeType::kStandard) {
      submitted.not_preapproved = DepartureFromTemplate(found->template_name, steps);
    }
    if (found->type == store::ChangeType::kStandard && submitted.not_preapproved.empty()) {
      changes.SetState(change, ChangeState::kApproved, "pre-approved standard change", now);
      changes.SetApprovedVersion(change, found->plan_version);
      RecordEvent(change, actor, "approved",
                  "Approved at once: standard change \"" + found->template_name + "\"");
      Publish(change, name + " is approved (standard change from the catalogue).");
      return submitted;
    }
    if (!submitted.not_preapproved.empty()) {
      // Only the catalogue's own plan is approved in advance; anything else
      // is put to the CAB under the policy for normal changes.
      submitted.type = std::string(store::Name(store::ChangeType::kNormal));
      RecordEvent(change, actor, "not_preapproved",
                  "Not pre-approved: " + submitted.not_preapproved);
    }
    changes.SetState(change, ChangeState::kAwaitingApproval, "", now);
    RecordEvent(change, actor, "submitted",
                "Submitted for approval with plan version " + std::to_string(found->plan_version));
    if (on_submitted) {
      if (auto opened = on_submitted(submitted); !opened) {
        if (submitted.not_preapproved.empty()) {
          return opened.error();
        }
        Error refused = opened.error();
        refused.user_message = name + " isn't pre-approved: " + submitted.not_preapproved + ". " +
                               refused.user_message + " Nothing was submitted.";
        return refused;
      }
    }
    Publish(change, name + " was submitted for approval.");
    spdlog::info("event=change.submitted change={} plan_version={} actor={}", name,
                 found->plan_version, actor.str());
    return submitted;
  });
}

Status ChangeService::RecordDecision(std::int64_t change, bool approved, int plan_version,
                                     std::string_view summary) {
  auto decide = [&]() -> Status {
    ChangeRepository changes(db_);
    auto found = changes.Find(change);
    if (!found) {
      return ChangeNotFound(change);
    }
    const std::string name = ChangeNumberText(change);
    if (found->state != ChangeState::kAwaitingApproval) {
      return MakeError(Errc::kConflict, "not awaiting approval",
                       name + " isn't awaiting approval; it is " + StateText(found->state) + ".");
    }
    if (plan_version != found->plan_version) {
      return MakeError(Errc::kConflict, "stale plan version",
                       "That decision was about an earlier plan of " + name +
                           "; the plan has "
                           "changed since.");
    }
    const auto now = clock_.Now();
    const std::string text(Trimmed(summary));
    changes.SetState(change, approved ? ChangeState::kApproved : ChangeState::kRejected, text, now);
    changes.SetApprovedVersion(change, approved ? std::optional<int>(plan_version) : std::nullopt);
    changes.AppendEvent(change, now, detail::kBotActor, approved ? "approved" : "rejected",
                        (approved ? "Approved" : "Rejected") + (text.empty() ? "" : ": " + text));
    Publish(change, DecisionNews(name, approved, text));
    spdlog::info("event=change.decided change={} approved={} plan_version={}", name, approved,
                 plan_version);
    return {};
  };
  return InTransaction(db_, "record_change_decision", decide);
}

Result<CloseOutcome> ChangeService::Close(std::int64_t change, const UserId& actor,
                                          std::string_view note) {
  const std::string trimmed = Trimmed(note);
  if (auto checked = CheckField(trimmed, kNoteRule); !checked) {
    return checked.error();
  }
  return InTransaction(db_, "close_change", [&]() -> Result<CloseOutcome> {
    auto found = FindOpenChange(change, "closing it again");
    if (!found) {
      return found.error();
    }
    const std::string name = ChangeNumberText(change);
    if (auto allowed = MayEdit(*found, actor, "close it"); !allowed) {
      return allowed.error();
    }
    if (found->state != ChangeState::kApproved) {
      return MakeError(Errc::kConflict, "not approved",
                       name + " is " + StateText(found->state) +
                           "; only an approved change can "
                           "be closed.");
    }
    const auto steps = ChangeRepository(db_).Steps(change);
    if (const std::string missing = UnfinishedSteps(steps); !missing.empty()) {
      return MakeError(Errc::kConflict, "plan not verified",
                       name + " can't be closed: " + missing + ".");
    }
    if (found->approved_version != found->plan_version) {
      return MakeError(Errc::kConflict, "approval for another plan",
                       "The approval of " + name + " was for an earlier plan; submit it again.");
    }
    return CloseInTransaction(*found, actor, trimmed);
  });
}

Result<CloseOutcome> ChangeService::CloseInTransaction(const store::Change& change,
                                                       const UserId& actor,
                                                       const std::string& typed_note) {
  const auto now = clock_.Now();
  const std::string name = ChangeNumberText(change.number);
  // What the records it closes keep as their resolution.
  const std::string note = typed_note.empty() ? "Fixed by " + name : typed_note;
  ChangeRepository(db_).SetClosed(change.number, note, now);
  RecordEvent(change.number, actor, "closed", "Closed: " + note);
  // Told before their incidents close, so the news lands before the archive.
  Publish(change.number,
          typed_note.empty() ? name + " is closed." : name + " is closed: " + typed_note);

  CloseOutcome outcome;
  store::IncidentRepository incidents(db_);
  store::CaseRepository cases(db_);
  for (std::int64_t incident : LinkedIncidents(db_, change.number, store::LinkRelation::kFixes)) {
    auto record = incidents.Find(incident);
    if (!record || !record->Open()) {
      continue;
    }
    for (std::int64_t c : store::CaseLinkRepository(db_).LinkedCases(incident)) {
      outcome.report.closed_cases += cases.Find(c)->status != store::CaseStatus::kClosed ? 1 : 0;
    }
    // Closing tells the owners of the cases that close with it.
    auto closed = incidents_.CloseInTransaction(incident, actor, note);
    if (!closed) {
      return closed.error();
    }
    outcome.report.closed_incidents.push_back(incident);
    outcome.report.closed_problems.insert(outcome.report.closed_problems.end(),
                                          closed->closed_problems.begin(),
                                          closed->closed_problems.end());
  }

  std::vector<std::int64_t> problems;
  for (const store::ChangeLink& link : ChangeRepository(db_).Links(change.number)) {
    if (link.target == store::LinkTarget::kProblem &&
        link.relation == store::LinkRelation::kFixes) {
      problems.push_back(link.number);
    }
  }
  if (!problems.empty()) {
    if (!close_fixed) {
      return MakeError(Errc::kConflict, "no problem service",
                       "Problems aren't available, so " + name +
                           " can't close the problems it "
                           "fixes; nothing was closed.");
    }
    auto cascade = close_fixed(problems, actor, note);
    if (!cascade) {
      return cascade.error();
    }
    outcome.report.closed_problems.insert(outcome.report.closed_problems.end(),
                                          cascade->closed_problems.begin(),
                                          cascade->closed_problems.end());
    std::sort(outcome.report.closed_problems.begin(), outcome.report.closed_problems.end());
    outcome.report.closed_incidents.insert(outcome.report.closed_incidents.end(),
                                           cascade->closed_incidents.begin(),
                                           cascade->closed_incidents.end());
    outcome.report.closed_cases += cascade->closed_cases;
    outcome.report.kept_open = cascade->kept_open;
  }
  outcome.change = ChangeRepository(db_).Find(change.number).value();
  spdlog::info("event=change.closed change={} incidents={} problems={} cases={} actor={}", name,
               outcome.report.closed_incidents.size(), outcome.report.closed_problems.size(),
               outcome.report.closed_cases, actor.str());
  return outcome;
}

Status ChangeService::ShowPlanIn(std::int64_t change, const ChannelId& channel,
                                 const UserId& actor) {
  return InTransaction(db_, "show_change_plan", [&]() -> Status {
    if (!ChangeRepository(db_).Find(change)) {
      return ChangeNotFound(change);
    }
    // The copy shown now stays the plan until the new one is posted, so its
    // buttons keep working meanwhile (RecordPlanMessage retires it then).
    FormFields args = ChangeArgs(change);
    args.emplace_back(std::string(effect::kArgChannel), channel.str());
    store::Outbox(db_).Enqueue(Stream(change), effect::kPostPlan, args, clock_.Now());
    spdlog::info("event=change.plan_shown change={} channel={} actor={}", ChangeNumberText(change),
                 channel.str(), actor.str());
    return {};
  });
}

Result<ChangeDetails> ChangeService::Details(std::int64_t change) {
  return InReadTransaction(db_, "change_details", [&]() -> Result<ChangeDetails> {
    ChangeRepository changes(db_);
    auto found = changes.Find(change);
    if (!found) {
      return ChangeNotFound(change);
    }
    return ChangeDetails{std::move(*found), changes.Links(change), changes.Steps(change),
                         changes.Events(change)};
  });
}

Result<std::int64_t> ChangeService::ImpliedByIncident(std::int64_t incident) {
  auto numbers =
      InReadTransaction(db_, "implied_change", [&]() -> Result<std::vector<std::int64_t>> {
        return ChangesOfIncidentAndItsProblems(incident);
      });
  if (!numbers) {
    return numbers.error();
  }
  const std::string name = store::IncidentNumberText(incident);
  if (numbers->empty()) {
    return MakeError(Errc::kInvalidInput, "no implied change",
                     "No change is linked to " + name + " or its problems; name the change.");
  }
  if (numbers->size() > 1) {
    std::string names;
    for (std::int64_t number : *numbers) {
      names += (names.empty() ? "" : ", ") + ChangeNumberText(number);
    }
    return MakeError(
        Errc::kInvalidInput, "no implied change",
        "Several changes are open for " + name + " (" + names + "); name the one you mean.");
  }
  return numbers->front();
}

// The changes fixing the incident or one of its problems; when several,
// only those not closed yet, if any.
std::vector<std::int64_t> ChangeService::ChangesOfIncidentAndItsProblems(std::int64_t incident) {
  ChangeRepository changes(db_);
  const std::vector<std::int64_t> problems = store::ProblemRepository(db_).ProblemsOf(incident);
  const auto fixes_this = [&](const store::ChangeLink& link) {
    if (link.relation != store::LinkRelation::kFixes) {
      return false;  // a change caused by the incident isn't its fix
    }
    return link.target == store::LinkTarget::kIncident
               ? link.number == incident
               : std::find(problems.begin(), problems.end(), link.number) != problems.end();
  };
  // Each change once, however many of these it is linked to.
  std::set<std::int64_t> linked;
  for (std::int64_t number : changes.ChangesOfIncident(incident)) {
    linked.insert(number);
  }
  for (std::int64_t problem : problems) {
    for (std::int64_t number : changes.ChangesOfProblem(problem)) {
      linked.insert(number);
    }
  }
  std::vector<std::int64_t> fixes;
  std::vector<std::int64_t> open;
  for (std::int64_t number : linked) {
    const auto links = changes.Links(number);
    if (std::none_of(links.begin(), links.end(), fixes_this)) {
      continue;
    }
    fixes.push_back(number);
    if (const auto change = changes.Find(number); change && change->state != ChangeState::kClosed) {
      open.push_back(number);
    }
  }
  return open.empty() ? fixes : open;
}

Status ChangeService::RecordPlanMessage(std::int64_t change, const ChannelId& channel,
                                        const MessageTs& ts) {
  return InTransaction(db_, "record_plan_message", [&]() -> Status {
    ChangeRepository changes(db_);
    const auto found = changes.Find(change);
    if (!found) {
      return ChangeNotFound(change);
    }
    const bool replaced =
        !found->plan_ts.empty() && (found->plan_ts != ts || found->plan_channel != channel);
    if (replaced) {
      RetireCopy(change, found->plan_channel, found->plan_ts);
    }
    changes.SetPlanMessage(change, channel, ts);
    spdlog::info("event=change.plan_posted change={} channel={} replaced={}",
                 ChangeNumberText(change), channel.str(), replaced);
    return {};
  });
}

Result<bool> ChangeService::IsCurrentPlan(std::int64_t change, const ChannelId& channel,
                                          const MessageTs& ts) {
  return InTransaction(db_, "check_plan_copy", [&]() -> Result<bool> {
    const auto found = ChangeRepository(db_).Find(change);
    if (!found) {
      return ChangeNotFound(change);
    }
    if (!ts.empty() && found->plan_ts == ts && found->plan_channel == channel) {
      return true;
    }
    if (!ts.empty() && !channel.empty()) {
      RetireCopy(change, channel, ts);
    }
    return false;
  });
}

void ChangeService::RetireCopy(std::int64_t change, const ChannelId& channel, const MessageTs& ts) {
  FormFields args = ChangeArgs(change);
  args.emplace_back(std::string(effect::kArgChannel), channel.str());
  args.emplace_back(std::string(effect::kArgTs), ts.str());
  store::Outbox(db_).Enqueue(Stream(change), effect::kRetirePlan, args, clock_.Now());
}

}  // namespace swarmbot::lifecycle
