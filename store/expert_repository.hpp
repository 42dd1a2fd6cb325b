#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "store/database.hpp"

namespace swarmbot::store {

// A past ticket from `swarmbot import history`, or a resolved incident or
// case read back as history.
struct HistoryRow {
  std::string id;  // "inc-00012", "INC-3", "CASE-1042"
  Clock::TimePoint at;
  std::string title;
  std::string text;  // the description; may repeat the title
  std::vector<std::string> components;
  std::string resolver;  // a Slack user id, or a people-file name for imported rows
};

// One person on the ranked list a `/swarm experts` showed.
struct ProposedExpert {
  UserId user;
  std::string reasons;  // "; "-joined, as shown
};

// kUnreachable: Slack refused the direct message for good (e.g. the person
// was deactivated), so they were never asked. kWithdrawn: swarmbot ended it
// for a reason of its own (see Withdrawal); it says nothing about the person.
enum class InvitationState { kOpen, kAccepted, kDeclined, kExpired, kUnreachable, kWithdrawn };

// Why a withdrawn invitation ended.
enum class Withdrawal {
  kNone,
  kIncidentClosed,
  kSwarmClosed,
  kSwarmArchived,   // archived in Slack before the answer
  kLeftPeopleList,  // an import of the people list left the invitee out
  kJoinedAnyway,    // in the swarm channel by another way before answering
};

struct Invitation {
  std::int64_t id = 0;
  std::int64_t incident = 0;
  UserId invitee;
  std::string asked_by;  // a user id, or "swarmbot" when it moved on by itself
  std::string reasons;
  InvitationState state = InvitationState::kOpen;
  Clock::TimePoint asked_at;
  Clock::TimePoint due_at;
  std::optional<Clock::TimePoint> answered_at;
  ChannelId dm_channel;  // the direct message that carries the buttons, once posted
  MessageTs dm_ts;
  // Who was asked next after a decline, silence or an unreachable person.
  std::optional<std::int64_t> next_invitation;
  Withdrawal withdrawal = Withdrawal::kNone;  // set when state is kWithdrawn
  // kUnreachable: Slack's refusal said the invitee's account is deactivated.
  bool deactivated = false;
  // Whom the move down the list from this invitation went past without
  // asking, as lifecycle encodes it; nullopt until it moved on (and for
  // invitations that moved on before this was kept).
  std::optional<std::string> passed_over;
};

// The `expert_history`, `expert_proposals` and `expert_invitations` tables,
// and the reads of incidents, cases, people and swarms the Expert Finder
// needs. Calls run inside the caller's transaction, if any.
class ExpertRepository {
 public:
  explicit ExpertRepository(Database& db) : db_(db) {}

  // Inserts or replaces the imported row with `row.id`; true when it is new.
  bool UpsertHistory(const HistoryRow& row, Clock::TimePoint now);
  std::vector<HistoryRow> ImportedHistory();
  // Resolved and closed incidents that have an owner (resolver = owner,
  // components = territories).
  std::vector<HistoryRow> ResolvedIncidents();
  // Closed cases that have an owner (components = the territory).
  std::vector<HistoryRow> ClosedCases();
  // Resolved and closed problems ("PRB-n"): title, root causes and
  // workaround as text, impacted assets as components, resolved by whoever
  // moved them to resolved, else their owner.
  std::vector<HistoryRow> ResolvedProblems();
  // The impacted assets of the problems linked to `incident`, each once.
  std::vector<std::string> IncidentAssets(std::int64_t incident);
  // A cheap fingerprint of everything the rows above and the people list
  // depend on: it changes whenever one of them may have.
  std::string HistoryFingerprint();

  // How many people are active in the people list.
  std::int64_t ActivePeople();

  // Per person: the distinct open incidents they own or whose open swarm
  // they are in now.
  std::map<UserId, int> OpenLoad();

  void ReplaceProposal(std::int64_t incident, const std::vector<ProposedExpert>& experts,
                       Clock::TimePoint now);
  std::vector<ProposedExpert> Proposal(std::int64_t incident);

  std::int64_t InsertInvitation(const Invitation& invitation);
  std::optional<Invitation> FindInvitation(std::int64_t id);
  std::vector<Invitation> InvitationsFor(std::int64_t incident);
  // The ids of `invitee`'s invitations nobody answered yet, oldest first.
  std::vector<std::int64_t> OpenInvitationsOf(const UserId& invitee);
  void SetInvitationState(std::int64_t id, InvitationState state, Clock::TimePoint now);
  // Ends the invitation as kWithdrawn, recording `why`.
  void WithdrawInvitation(std::int64_t id, Withdrawal why, Clock::TimePoint now);
  void SetInvitationMessage(std::int64_t id, const ChannelId& channel, const MessageTs& ts);
  void SetNextInvitation(std::int64_t id, std::int64_t next);
  // Slack refused the invitation's direct message because the invitee's
  // account is deactivated.
  void SetUnreachableDeactivated(std::int64_t id);
  void SetPassedOver(std::int64_t id, std::string_view passed_over);

 private:
  Database& db_;
};

std::string_view Name(InvitationState state) noexcept;
std::string_view Name(Withdrawal why) noexcept;

}  // namespace swarmbot::store
