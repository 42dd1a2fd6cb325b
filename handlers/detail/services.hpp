#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "common/result.hpp"
#include "handlers/detail/flat_json.hpp"
#include "handlers/form_opener.hpp"
#include "handlers/settings.hpp"
#include "handlers/slash_command.hpp"
#include "lifecycle/approval_service.hpp"
#include "lifecycle/banner_service.hpp"
#include "lifecycle/broadcast_service.hpp"
#include "lifecycle/case_mail_service.hpp"
#include "lifecycle/case_service.hpp"
#include "lifecycle/change_service.hpp"
#include "lifecycle/expert_service.hpp"
#include "lifecycle/incident_service.hpp"
#include "lifecycle/knowledge_service.hpp"
#include "lifecycle/problem_service.hpp"
#include "lifecycle/routing_service.hpp"
#include "lifecycle/spike_service.hpp"
#include "lifecycle/swarm_service.hpp"
#include "store/database.hpp"

namespace swarmbot::handlers::detail {

// The lifecycle services and settings that command handlers share.
struct Services {
  // Called as an incident is declared from the declare modal, inside the
  // declaration's transaction, with the prefill's origin ("" when it had
  // none), e.g. to link the cases of the spike alert the modal was opened
  // from. Its error undoes the declaration and shows on the form.
  using DeclaredHook =
      std::function<Status(std::int64_t incident, const std::string& origin, const UserId& actor)>;

  Services(store::Database& db, const Clock& clock_in, Settings s)
      : cases(db, clock_in),
        incidents(db, clock_in, s.priority_matrix),
        swarms(db, clock_in),
        knowledge(db, clock_in),
        mail(db, clock_in),
        routing(db, clock_in, s.routing),
        spikes(db, clock_in),
        broadcasts(db, clock_in, s.broadcast),
        problems(db, clock_in, incidents),
        changes(db, clock_in, incidents, s.standard_changes),
        banners(db, clock_in, s.banner),
        experts(db, clock_in, {s.routing, s.invitation_timeout}),
        approvals(db, clock_in, s.cab),
        settings(std::move(s)),
        clock(clock_in) {
    incidents.SetAssignOnDeclare(settings.routing.assign_on_declare);
    incidents.SetUnarchiveSwarms(settings.unarchive_swarms);
    swarms.SetUnarchiveSwarms(settings.unarchive_swarms);
    problems.SetReopenWindow(std::chrono::hours(24 * settings.problem_reopen_days));
    incidents.SetReopenHook(
        [this](std::int64_t incident, Clock::TimePoint closed_at, const UserId& actor) {
          return problems.ReopenWithIncidentInTransaction(incident, closed_at, actor);
        });
    incidents.SetCloseHook([this](std::int64_t incident, const UserId& actor) {
      return problems.CloseReleasedInTransaction(incident, actor);
    });
    changes.is_manager = [this](const UserId& user) { return IsManager(user); };
    ConnectChanges();
    if (!settings.incident_manager_groups.empty() && !settings.in_manager_group) {
      settings.in_manager_group = [this](const UserId& user) {
        return approvals.InAnyGroup(settings.incident_manager_groups, user);
      };
    }
  }
  // The hooks hold `this`.
  Services(const Services&) = delete;
  Services& operator=(const Services&) = delete;

  lifecycle::CaseService cases;
  lifecycle::IncidentService incidents;
  lifecycle::SwarmService swarms;
  lifecycle::KnowledgeService knowledge;
  lifecycle::CaseMailService mail;
  lifecycle::RoutingService routing;
  lifecycle::SpikeService spikes;
  lifecycle::BroadcastService broadcasts;
  lifecycle::ProblemService problems;
  lifecycle::ChangeService changes;
  lifecycle::BannerService banners;
  lifecycle::ExpertService experts;
  lifecycle::ApprovalService approvals;
  Settings settings;
  // The time requests are asked at (a group invitation's question).
  const Clock& clock;
  DeclaredHook on_declared;  // may be empty
  // Asked within a submission's declaration, before on_declared: may an
  // incident come from `origin` (e.g. a spike declared already)? An error
  // becomes the modal's inline error and nothing is declared. May be empty.
  std::function<Status(const std::string& origin)> check_origin;
  // Opens a form at once (FormOpener::Open in the app). Empty (the handlers
  // on their own, as in their tests): OpenForm queues the form in the outbox.
  std::function<void(FormToOpen)> open_form;

  // Opens the form `view_json` for `trigger_id`, which `user` sent from
  // `channel`: through open_form when set, else as effect::kOpenView on the
  // outbox's responses stream.
  Status OpenForm(std::string_view trigger_id, std::string view_json, const UserId& user,
                  const ChannelId& channel);

 private:
  bool IsManager(const UserId& user) const;
  // A change's links to problems, its closing cascade and its approval by
  // the CAB: the change, problem and approval services meet here.
  void ConnectChanges();
};

// The incident a command is about: `words[0]` when it is "INC-n" (then
// `consumed` is 1), else the incident whose swarm channel the command was
// typed in. kInvalidInput with a hint when neither gives one.
Result<std::int64_t> ResolveIncident(Services& services, const std::vector<std::string>& words,
                                     const ChannelId& channel, std::size_t& consumed,
                                     std::string_view example);

// ResolveIncident over the words after the command's subcommand; `rest`
// gets the words after the incident's name.
Result<std::int64_t> IncidentAndWords(Services& services, const SlashCommand& command,
                                      std::string_view example, std::vector<std::string>& rest);

// Whether `user` may declare and close incidents.
bool IsIncidentManager(const Settings& settings, const UserId& user);

// The end of a refusal: whom to turn to instead, e.g. " Ask <@U1> or an
// incident manager in <#C2>." (the managers' channel when one is set).
std::string WhomToAsk(const Settings& settings, const std::vector<UserId>& people = {});

// Incident managers and the incident's owner may change it; anyone else gets
// kForbidden saying so ("… can `what`") and whom to ask. `also_allowed` names
// whoever else the caller let through, e.g. "whoever sent it".
Status MayChangeIncident(Services& services, std::int64_t incident, const UserId& user,
                         std::string_view what, std::string_view also_allowed = {});

// Who may bring people into `incident`'s swarm channel: into a public one
// anybody; into a private one (SwarmChannelIsPrivate) only incident managers,
// the incident's owner and the people in the channel, or anyone could read it
// and, as a member, fix and close the incident. Anyone else gets kForbidden
// saying the channel is private and whom to ask: `joining` words it for
// someone asking in (`/swarm start`, the Start swarm button), else for
// `/swarm invite`.
Status MayBringIntoSwarm(Services& services, std::int64_t incident, const UserId& user,
                         bool joining);

// Queues an ephemeral answer to a click through its response_url (the
// outbox's kRespond); `what` names the caller in the log ("kb", "swarm").
// It shows beside the clicked message, or in its place with `replace`.
void AnswerClick(Services& services, const FlatJson& payload, std::string_view mrkdwn,
                 std::string_view what, bool replace = false);
// The same with a whole message ({"text", "blocks"}).
void AnswerClick(Services& services, const FlatJson& payload, boost::json::object message,
                 std::string_view what, bool replace = false);

}  // namespace swarmbot::handlers::detail
