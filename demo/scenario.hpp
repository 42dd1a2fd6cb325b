#pragma once

#include <functional>
#include <map>
#include <ostream>
#include <string>
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
  std::function<void(const std::string&)> narrate_;
  TakeOut people_;
  std::vector<CaseSpec> cases_;
  std::vector<std::string> case_numbers_;
};

// The first "INC-n" in `text`, or "" when there is none.
std::string IncidentNumberIn(const std::string& text);

// The text of a JSON acknowledgement's "text" field, or the body itself.
std::string ReplyText(const std::string& ack_body);

}  // namespace swarmbot::demo
