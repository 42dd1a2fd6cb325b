#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "common/result.hpp"
#include "lifecycle/cascade_report.hpp"
#include "lifecycle/incident_service.hpp"
#include "lifecycle/work_plan.hpp"
#include "store/change_repository.hpp"
#include "store/database.hpp"

namespace swarmbot::lifecycle {

struct TypedLink {
  store::LinkTarget target = store::LinkTarget::kIncident;
  std::int64_t number = 0;
  store::LinkRelation relation = store::LinkRelation::kFixes;
};

struct ChangeInput {
  std::string title;  // <= 200; a standard change may leave it to its template
  store::ChangeType type = store::ChangeType::kNormal;
  store::Level risk = store::Level::kMedium;
  std::string justification;  // <= 3,000
  std::string template_name;  // required for (and only for) a standard change
  std::optional<Clock::TimePoint> window_start;
  std::optional<Clock::TimePoint> window_end;  // both or neither; end after start
  std::vector<TypedLink> links;
  // Where it was asked for; the plan message goes to a linked incident's
  // swarm channel, else here once `/change plan` asks for it.
  ChannelId channel;
  // The Slack view it was submitted from; a second submission is refused.
  std::string create_view;
};

// One line of the plan as an approver sees it.
struct PlanLine {
  std::string text;
  UserId done_by;
  UserId verified_by;
};

// What the CAB is asked to approve (contracts5.md).
struct SubmittedChange {
  std::int64_t change = 0;
  std::string type;  // "standard" | "normal" | "emergency"
  UserId requester;
  std::string title;
  std::string risk;  // "low" | "medium" | "high"
  int plan_version = 0;
  std::vector<PlanLine> plan;
  // Why a standard change was put to the CAB as a normal one ("its plan
  // differs from the catalogue's …"); "" otherwise.
  std::string not_preapproved;
};

// A change with everything /change show and the plan message display.
struct ChangeDetails {
  store::Change change;
  std::vector<store::ChangeLink> links;
  std::vector<store::ChangeStep> steps;
  std::vector<store::ChangeEvent> events;  // oldest first
};

struct CloseOutcome {
  store::Change change;
  CascadeReport report;  // incidents fixed directly and what the problems' cascade closed
};

// Change requests: the record, typed links to problems and incidents, the
// work plan, the approval state and the close that cascades to what the
// change fixes. Every operation is one transaction that also records an
// event for /change show and enqueues the Slack effects (effects.hpp,
// stream "CHG-n"); refusals come back as Error with a user_message fit to
// show, and nothing has changed then.
//
// Who may act: the requester and incident managers (is_manager) edit the
// change and its plan. An assigned step is marked done by its assignee only;
// an unassigned one by the requester or a member of the live swarm of a
// linked incident (or of an incident of a linked problem). Steps are verified by the swarm's
// members, the requester and incident managers, and never by whoever did the step.
class ChangeService {
 public:
  ChangeService(store::Database& db, const Clock& clock, IncidentService& incidents,
                std::vector<StandardTemplate> catalogue = {})
      : db_(db), clock_(clock), incidents_(incidents), catalogue_(std::move(catalogue)) {}

  // Hooks set at wiring (contracts5.md); each may be empty.
  // Whether PRB-n exists. Empty: links to problems are refused.
  std::function<Result<bool>(std::int64_t)> problem_exists;
  // Closes the problems a closing change fixes, inside Close's transaction.
  std::function<Result<CascadeReport>(const std::vector<std::int64_t>&, const UserId&,
                                      std::string_view)>
      close_fixed;
  // Opens the approval request, inside Submit's transaction (not called for
  // a standard change with its catalogue plan, which is pre-approved).
  std::function<Status(const SubmittedChange&)> on_submitted;
  // The plan changed after submission or approval: withdraw the request.
  std::function<Status(std::int64_t change, std::string_view reason)> on_plan_changed;
  // Whether someone is an incident manager. Empty: nobody is.
  std::function<bool(const UserId&)> is_manager;
  // The end of a refusal: whom to ask instead (" Ask <@U1> or an incident
  // manager in <#C2>."). Empty: the people and "an incident manager".
  std::function<std::string(const std::vector<UserId>&)> whom_to_ask;

  const std::vector<StandardTemplate>& Catalogue() const noexcept { return catalogue_; }

  // A new change in draft. A standard change takes its steps (and its title,
  // when none is given) from its template.
  Result<store::Change> Create(const ChangeInput& input, const UserId& actor);

  // Adds a link (kNotFound for an unknown incident or problem). kConflict
  // when the change is linked to it already, either way: a link is retyped
  // by unlinking it first.
  Status Link(std::int64_t change, const TypedLink& link, const UserId& actor);
  Status Unlink(std::int64_t change, store::LinkTarget target, std::int64_t number,
                const UserId& actor);
  // Whether `actor` may tie a change to `link`'s record: kNotFound for an
  // unknown one; for a `fixes` link, kForbidden unless they are an incident
  // manager, its owner (of the incident; of the problem or one of its
  // incidents) or present in the live swarm of one of those incidents, since
  // closing the change closes the record. Create and Link check it too; the
  // form checks it before it opens.
  Status MayLink(const TypedLink& link, const UserId& actor);
  // Whether `actor` may tie a problem to `incident` (or untie it): the same
  // rule as a `fixes` link to the incident, since the problem's fix closes
  // it. The caller checks that the incident exists.
  Status MayTieProblem(std::int64_t incident, const UserId& actor);

  // The plan. Adding or editing a step after submission or approval sends the
  // change back to draft, says why, and calls on_plan_changed. Editing a step
  // clears its done and verified marks.
  Result<int> AddStep(std::int64_t change, std::string_view text, const UserId& actor);
  Status EditStep(std::int64_t change, int step, std::string_view text, const UserId& actor);
  // Takes a step out of the plan (the requester and managers, as editing);
  // the steps after it move up. A done step stays (kConflict naming who did
  // it): the record keeps what was done. Like any change of plan, it sends
  // a submitted or approved change back to draft.
  Status RemoveStep(std::int64_t change, int step, const UserId& actor);
  Status AssignStep(std::int64_t change, int step, const UserId& assignee, const UserId& actor);
  // kConflict when it is done (verified) already, naming who did it.
  Status MarkDone(std::int64_t change, int step, const UserId& actor);
  Status Verify(std::int64_t change, int step, const UserId& actor);

  // Draft or rejected → awaiting approval, once every step is done and
  // verified (kConflict naming those that aren't). A standard change whose
  // plan is its template's, step for step, is approved at once; one whose
  // plan was edited goes to the CAB as a normal change, and says why.
  Result<SubmittedChange> Submit(std::int64_t change, const UserId& actor);

  // The CAB's decision. Runs inside the caller's transaction when there is
  // one (else in its own). Refuses (kConflict) a change not awaiting approval
  // and a decision about an older plan than the current one.
  Status RecordDecision(std::int64_t change, bool approved, int plan_version,
                        std::string_view summary);

  // Approved and verified → closed, with the incidents it fixes (and their
  // cases) and, through close_fixed, the problems it fixes, all in one
  // transaction: any failure rolls everything back.
  Result<CloseOutcome> Close(std::int64_t change, const UserId& actor, std::string_view note);

  // Posts the plan message where the command was typed. That message becomes
  // the plan once posted; the copy shown before is then retired: edited to
  // say where the plan is now, without its buttons (effect::kRetirePlan).
  Status ShowPlanIn(std::int64_t change, const ChannelId& channel, const UserId& actor);

  Result<ChangeDetails> Details(std::int64_t change);
  // The channel of the first live swarm among the incidents the change is
  // worked on for (linked directly or through its problems): where its plan
  // belongs. Empty when none of them swarms.
  ChannelId SwarmChannel(std::int64_t change);
  // The one change linked to `incident`, directly or through its problems;
  // of several, the one not closed yet (kInvalidInput when none or several).
  Result<std::int64_t> ImpliedByIncident(std::int64_t incident);
  // Where the plan message went; recorded by the effect that posted it. A
  // different message shown before as the plan is queued for retirement.
  Status RecordPlanMessage(std::int64_t change, const ChannelId& channel, const MessageTs& ts);
  // Whether message `ts` in `channel` is the change's plan message now, for a
  // click on one of its buttons. False for an older copy (or any other
  // message), whose retirement is queued then, in case it still has buttons.
  Result<bool> IsCurrentPlan(std::int64_t change, const ChannelId& channel, const MessageTs& ts);

 private:
  std::vector<std::int64_t> ChangesOfIncidentAndItsProblems(std::int64_t incident);
  bool IsManager(const UserId& user) const { return is_manager && is_manager(user); }
  Status MayEdit(const store::Change& change, const UserId& actor, std::string_view what) const;
  // A responder swarmbot knows: on the people list, not deactivated there or
  // in Slack. Anyone in the workspace may join a public swarm channel, so
  // being in one gives a say over records only to them.
  bool IsResponder(const UserId& actor);
  // Whether `actor` is a responder present in the live swarm of an incident
  // linked to `change`, directly or through a problem it is linked to.
  bool InLinkedSwarm(std::int64_t change, const UserId& actor);
  bool InLiveSwarm(std::int64_t incident, const UserId& actor);
  // `tied` names what is tied to the record in the refusal ("a change") and
  // `because` ends its sentence (" as its fix, since …").
  Status MayFix(const TypedLink& link, const UserId& actor, std::string_view tied = "a change",
                std::string_view because = " as its fix, since closing the change closes it");
  std::string WhomToAsk(const std::vector<UserId>& people) const;
  // A step is marked done by its assignee; an unassigned one by the requester
  // or a member of a linked incident's swarm.
  Status MayMarkDone(const store::Change& change, const store::ChangeStep& step,
                     const UserId& actor);
  // Steps are verified by the swarm's members, the requester and incident
  // managers (never by whoever did the step: WorkOnStep checks that).
  Status MayVerify(const store::Change& change, const UserId& actor);
  Result<store::Change> FindOpenChange(std::int64_t change, std::string_view what);
  Status CheckLink(const TypedLink& link);
  // Bumps the plan version; sends a submitted or approved change back.
  Status PlanChanged(const store::Change& change, const UserId& actor, const std::string& what);
  Result<store::ChangeStep> FindStep(std::int64_t change, int step);
  // The open change and its step `step`, once `actor` may change its plan
  // (MayEdit).
  Result<std::pair<store::Change, store::ChangeStep>> EditableStep(std::int64_t change, int step,
                                                                   const UserId& actor);
  // After the plan changed: PlanChanged (saying `what` changed), then the
  // plan message is updated.
  Status PlanEdited(const store::Change& change, const UserId& actor, const std::string& what);
  // MarkDone, or with `verify` Verify.
  Status WorkOnStep(std::int64_t change, int step, const UserId& actor, bool verify);
  void RecordEvent(std::int64_t change, const UserId& actor, std::string_view kind,
                   const std::string& text);
  // Queues the retirement of an older copy of the plan (effect::kRetirePlan).
  void RetireCopy(std::int64_t change, const ChannelId& channel, const MessageTs& ts);
  // Refreshes the plan message; `news`, if any, goes on the timeline of each
  // incident worked on (by `actor`, or swarmbot) and to its live swarm.
  void Publish(std::int64_t change, const std::string& news, const UserId& actor = {});
  // Why a standard change's steps aren't its template's as the catalogue
  // has it now, as a clause; "" when they are.
  std::string DepartureFromTemplate(const std::string& template_name,
                                    const std::vector<store::ChangeStep>& steps) const;
  // `typed_note` as the closer typed it; without one, what the change closes
  // keeps "Fixed by CHG-n" as its resolution.
  Result<CloseOutcome> CloseInTransaction(const store::Change& change, const UserId& actor,
                                          const std::string& typed_note);

  store::Database& db_;
  const Clock& clock_;
  IncidentService& incidents_;
  std::vector<StandardTemplate> catalogue_;
};

// kNotFound with "CHG-n doesn't exist".
Error ChangeNotFound(std::int64_t change);

// The detail of Submit's refusal of a rejected plan submitted again unchanged.
// Its user_message quotes the CAB's decision as the change keeps it: plain
// text whose mentions are markup, the reason typed into the Reject form
// inert (InertText).
inline constexpr std::string_view kRejectedPlanUnchanged = "rejected plan unchanged";

}  // namespace swarmbot::lifecycle
