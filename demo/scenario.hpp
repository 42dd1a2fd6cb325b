#pragma once

#include <functional>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "demo/stack.hpp"
#include "demo/takeout.hpp"

namespace swarmbot::demo {

// The Take-Out scenario played step by step through Slack and the intake API,
// as its people would. The demo narrates it; the end-to-end test plays the
// same steps and checks every "Expect" of the scenario file.
class Scenario {
 public:
  // `narrate` receives one line per thing that happens; pass a no-op to stay quiet.
  Scenario(Stack& stack, std::function<void(const std::string&)> narrate);

  const TakeOut& people() const { return people_; }
  Stack& stack() { return stack_; }

  // Step 1: every case of the scenario arrives: the e-mail ones as raw
  // messages through POST /api/cases/email, the others through POST /api/cases.
  // Returns the case numbers swarmbot gave them, in arrival order.
  std::vector<std::string> CasesArrive();
  // The first e-mail customer answers their own mail (after CasesArrive); the
  // reply becomes a comment. Returns the number of the case it went to.
  std::string CustomerReplies();
  const std::vector<CaseSpec>& cases() const { return cases_; }
  // The numbers of the FEAST25 cases among those that arrived.
  std::vector<std::string> Feast25CaseNumbers() const;

  // Imports the scenario's people and skills (TakeOutPeopleToml) with
  // `swarmbot import people`; throws if it fails. Returns its summary line
  // ("imported people.toml: 6 people …").
  std::string ImportPeople();
  // Imports the past tickets of TakeOutHistoryJsonl with `swarmbot import
  // history`, so the Expert Finder knows Sofia's two discount incidents.
  std::string ImportHistory();

  // A person types a slash command in a channel; returns swarmbot's reply
  // (the acknowledgement's text) or throws if Slack got no acknowledgement.
  std::string Type(const UserId& who, const ChannelId& where, const std::string& command,
                   const std::string& text);

  // A person types `/incident declare <text>`, waits for the declare modal
  // to open, fills `fields` (block id → the text typed or the option values
  // picked) over what the text filled in, and submits it. Returns the
  // submission's acknowledgement: "" when the modal closed, else the inline
  // errors as JSON (the modal stays open then).
  std::string Declare(const UserId& who, const ChannelId& where, const std::string& text,
                      const std::map<std::string, std::vector<std::string>>& fields = {});
  // Declare, then waits for swarmbot's direct message and returns the
  // incident's number from it ("INC-1"); throws if the modal showed errors.
  std::string DeclareIncident(const UserId& who, const ChannelId& where, const std::string& text,
                              const std::map<std::string, std::vector<std::string>>& fields = {});
  // Mara's way from the spike alert: `who` clicks "Declare incident" on the
  // alert in `where`, fills `fields` over what the spike suggested, submits,
  // and waits for swarmbot's direct message; returns the incident's number.
  std::string DeclareFromSpikeAlert(const UserId& who, const ChannelId& where,
                                    const std::map<std::string, std::vector<std::string>>& fields);
  // The id of the last declare modal that opened for `who`, or "".
  std::string LastDeclareModal(const UserId& who) const;

  // ---- Steps 8 to 16 (demo/scenario_steps.cpp) ----

  // `who` types `/swarm experts` in the swarm channel; returns the list
  // swarmbot posts there (its blocks hold the reasons and Invite buttons).
  emulator::MessageSnapshot AskExperts(const UserId& who, const ChannelId& swarm);
  // `who` clicks Invite on the `position`th expert (1 = first) of `list`.
  void InviteExpert(const UserId& who, const ChannelId& swarm,
                    const emulator::MessageSnapshot& list, int position);
  // `expert` clicks Accept on the invitation in their direct message; returns
  // once they are in the swarm channel.
  void AcceptInvitation(const UserId& expert, const ChannelId& swarm);

  // Before StartSwarmbot: adds the #cab channel (Kofi, Ana, Luis and Mara,
  // who watches) and the config of the later steps (TakeOutLaterStepsToml)
  // with customer e-mail through the SMTP server at `smtp_url`.
  void PrepareLaterSteps(const std::string& smtp_url);
  const ChannelId& cab() const { return cab_; }
  // Imports samples/assets.toml (checkout-service, pricing-service, …).
  std::string ImportAssets();

  // `who` types `/problem new` in a swarm channel; returns the new "PRB-n".
  std::string OpenProblem(const UserId& who, const ChannelId& swarm);

  // What GET /api/site/banner?audience=… answered: the status, and the
  // banner's text ("" when there is none).
  struct SiteBanner {
    int status = 0;
    std::string text;
    std::string body;
  };
  SiteBanner FetchBanner(const std::string& audience);

  // `who` types `/change <text>`, fills the change form with `fields` (block
  // id → what is typed or picked) and submits it. Returns the form's answer:
  // "" when it closed, else its errors.
  std::string FillChangeForm(const UserId& who, const ChannelId& where, const std::string& text,
                             const std::map<std::string, std::vector<std::string>>& fields);
  // FillChangeForm, then waits for the change's work plan in `where`;
  // returns its number ("CHG-1"). Throws if the form showed errors.
  std::string OpenChange(const UserId& who, const ChannelId& where, const std::string& text,
                         const std::map<std::string, std::vector<std::string>>& fields);

  // The approval request for `change` in #cab, once posted.
  std::optional<emulator::MessageSnapshot> ApprovalRequest(const std::string& change);
  // `who` clicks Approve on the request for `change`; returns what swarmbot
  // answered them (only they see it).
  std::string Vote(const UserId& who, const std::string& change);

  // `who` clicks "Close change" on the work plan of `change` in `where` (it
  // shows once the change is approved and its plan verified); returns what
  // swarmbot answered them.
  std::string CloseChange(const UserId& who, const ChannelId& where, const std::string& change);

  // `who` types `/notify customers <incident>` in `where`, reads the preview
  // and presses Send. Returns the preview as text; throws if there was no
  // Send button or the sending didn't start.
  std::string EmailCustomers(const UserId& who, const ChannelId& where,
                             const std::string& incident);

  // The newest message in `channel` whose text or blocks hold `part`.
  std::optional<emulator::MessageSnapshot> LatestMessageWith(const ChannelId& channel,
                                                             const std::string& part) const;
  // The newest ephemeral answer to `user` that holds `part`.
  std::optional<emulator::EphemeralSnapshot> LatestEphemeralWith(const UserId& user,
                                                                 const std::string& part) const;

  // Waits until `predicate` holds, re-checked on every change in the
  // workspace; throws with `what` if it doesn't within the test timeout.
  void Await(const std::string& what, const std::function<bool()>& predicate);

 private:
  // `open` makes the declare modal appear for `who` (a command or a click);
  // then as Declare.
  std::string SubmitDeclareModal(const UserId& who, const std::function<void()>& open,
                                 const std::map<std::string, std::vector<std::string>>& fields);
  // Runs `submit` (which returns the modal's ack) and waits for the DM that
  // names the new incident.
  std::string AwaitDeclared(const UserId& who, const std::function<std::string()>& submit);

  // Writes `contents` to `file_name` in the work dir and runs `swarmbot
  // import <what>` on it; returns the summary line.
  std::string RunImport(const std::string& what, const std::string& file_name,
                        const std::string& contents);

  Stack& stack_;
  // Narrates what swarmbot said, to whom it showed, as people read it.
  void NarrateReply(std::string_view shown_to, const std::string& mrkdwn);

  std::function<void(const std::string&)> narrate_;
  TakeOut people_;
  std::vector<CaseSpec> cases_;
  std::vector<std::string> case_numbers_;
  ChannelId cab_;
};

// The first "INC-n" in `text`, or "" when there is none.
std::string IncidentNumberIn(const std::string& text);

// The text of a JSON acknowledgement's "text" field, or the body itself.
std::string ReplyText(const std::string& ack_body);

}  // namespace swarmbot::demo
