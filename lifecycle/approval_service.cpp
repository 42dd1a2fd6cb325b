#include "lifecycle/approval_service.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <optional>

#include <spdlog/spdlog.h>

#include "common/crypto.hpp"
#include "lifecycle/approval_effects.hpp"
#include "lifecycle/effects.hpp"
#include "lifecycle/text_rules.hpp"
#include "lifecycle/transaction.hpp"
#include "store/outbox.hpp"
#include "store/people_repository.hpp"

namespace swarmbot::lifecycle {
namespace {

constexpr std::size_t kMaxSubject = 40;
constexpr std::string_view kStandard = "standard";

std::string RequestStream(std::int64_t request) {
  return "CAB-" + std::to_string(request);
}

FormFields RequestArgs(std::int64_t request) {
  return {{std::string(effect::kArgRequest), std::to_string(request)}};
}

// "10:42 UTC": when a vote was cast, for a member who clicks again.
std::string ClockTime(Clock::TimePoint t) {
  const std::time_t seconds = Clock::TimePoint::clock::to_time_t(t);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[16];
  std::strftime(text, sizeof text, "%H:%M UTC", &parts);
  return text;
}

std::string Mention(const UserId& user) {
  return "<@" + user.str() + ">";
}

std::string NameList(const std::vector<UserId>& users) {
  std::string text;
  for (std::size_t i = 0; i < users.size(); ++i) {
    if (i > 0) {
      text += i + 1 == users.size() ? " and " : ", ";
    }
    text += Mention(users[i]);
  }
  return text;
}

Error Refusal(Errc code, std::string detail, std::string message) {
  return MakeError(code, std::move(detail), std::move(message));
}

Status CheckSubject(const ApprovalSubject& s) {
  if (!IsSubjectName(s.subject)) {
    return Refusal(Errc::kInvalidInput, "bad approval subject", "That isn't a change number.");
  }
  if (s.requester.empty()) {
    return Refusal(Errc::kInvalidInput, "approval subject without requester",
                   "The change has no requester.");
  }
  if (s.plan.size() > ApprovalService::kMaxPlanSteps) {
    return Refusal(Errc::kInvalidInput, "plan too long",
                   "A plan of more than " + std::to_string(ApprovalService::kMaxPlanSteps) +
                       " steps is too long to approve in one message.");
  }
  const std::size_t longest = std::max(
      {s.title.size(), s.risk.size(), s.type.size(),
       s.plan.empty()
           ? std::size_t{0}
           : std::max_element(s.plan.begin(), s.plan.end(), [](const auto& a, const auto& b) {
               return a.text.size() < b.text.size();
             })->text.size()});
  if (longest > ApprovalService::kMaxText) {
    return Refusal(Errc::kInvalidInput, "approval text too long",
                   "A title, risk or step is too long to show for approval.");
  }
  return {};
}

std::string OutcomeText(const ApprovalRecord& record) {
  const std::string rule = RuleInWords(record.electorate, &Mention);
  if (record.tally.outcome == Outcome::kRejected) {
    const store::ApprovalVote& vote = *record.tally.rejection;
    // Quoted wherever the outcome is (the change's plan, news and history, a
    // later click's answer, /change submit): inert, so it pings nobody.
    return "Rejected by " + Mention(vote.user) + ": " + InertText(vote.reason);
  }
  return "Approved by " + NameList(record.tally.approvers) + " (" + rule + ")";
}

// The answer to a member who votes again, if they voted before.
std::optional<std::string> RepeatText(const ApprovalRecord& record, const UserId& user) {
  const store::ApprovalRequest& r = record.request;
  for (const store::ApprovalVote& earlier : r.votes) {
    if (earlier.user == user) {
      return "You already " + std::string(earlier.approve ? "approved" : "rejected") + " " +
             r.subject + " at " + ClockTime(earlier.at) + "; a vote counts once." +
             (r.state == store::ApprovalState::kOpen ? "" : " " + r.outcome + ".");
    }
  }
  return std::nullopt;
}

// "Only members of @cab can vote on CHG-1 (2 approvals needed); nothing
// was counted."
std::string OutsiderText(const ApprovalRecord& record) {
  std::vector<std::string> who;
  for (const store::ApprovalGroup& group : record.electorate.groups) {
    who.push_back("@" + (group.handle.empty() ? group.id.str() : group.handle));
  }
  std::string voters;
  if (!who.empty()) {
    voters = "members of ";
    for (std::size_t i = 0; i < who.size(); ++i) {
      voters += (i == 0 ? "" : i + 1 == who.size() ? " and " : ", ") + who[i];
    }
  }
  if (!record.electorate.mandatory.empty()) {
    voters += (voters.empty() ? "" : " and ") + NameList(record.electorate.mandatory);
  }
  const int needed = record.tally.needed;
  const bool each_group = record.electorate.rule == ApprovalRule::kEachGroup;
  const std::string need =
      each_group ? "one approval from each group needed"
                 : std::to_string(needed) + (needed == 1 ? " approval" : " approvals") + " needed";
  return "Only " + voters + " can vote on " + record.request.subject + " (" + need +
         "); nothing was counted.";
}

// Why `user` can't vote on the request now, or nothing when they can.
Status VoterRefusal(const ApprovalRecord& record, const UserId& user) {
  const store::ApprovalRequest& r = record.request;
  if (auto repeat = RepeatText(record, user)) {
    return Refusal(Errc::kConflict, "voted already", *repeat);
  }
  if (r.state != store::ApprovalState::kOpen) {
    return Refusal(Errc::kConflict, "approval request closed",
                   r.subject + " is no longer open for votes. " + r.outcome + ".");
  }
  if (!r.members_resolved) {
    return Refusal(Errc::kConflict, "approval request not posted",
                   r.subject + " isn't open for votes yet.");
  }
  switch (CheckVoter(record.electorate, user)) {
    case Eligibility::kEligible:
      return {};
    case Eligibility::kRequester:
      return Refusal(Errc::kForbidden, "self approval",
                     "You asked for " + r.subject +
                         ", and its policy doesn't let a requester vote on their own change.");
    case Eligibility::kOutsider:
      break;
  }
  return Refusal(Errc::kForbidden, "not an approver", OutsiderText(record));
}

}  // namespace

bool IsSubjectName(std::string_view subject) noexcept {
  const auto dash = subject.find('-');
  if (subject.size() > kMaxSubject || dash == 0 || dash == std::string_view::npos ||
      dash + 1 == subject.size()) {
    return false;
  }
  for (std::size_t i = 0; i < subject.size(); ++i) {
    const auto c = static_cast<unsigned char>(subject[i]);
    const bool ok = i < dash ? std::isalpha(c) != 0 : (i == dash || std::isdigit(c) != 0);
    if (!ok) {
      return false;
    }
  }
  return true;
}

std::string PlanDigest(int plan_version, const std::vector<store::ApprovalStep>& plan) {
  // Length-prefixed fields, so that moving text between steps changes it.
  std::string canonical = "v" + std::to_string(plan_version) + "\n";
  for (const store::ApprovalStep& step : plan) {
    for (const std::string* field : {&step.text, &step.done_by.str(), &step.verified_by.str()}) {
      canonical += std::to_string(field->size()) + ":" + *field + "\n";
    }
  }
  return Sha256Hex(canonical).substr(0, 16);
}

ApprovalService::ApprovalService(store::Database& db, const Clock& clock, CabSettings settings)
    : db_(db), clock_(clock), settings_(std::move(settings)) {}

Status ApprovalService::OpenInTransaction(const ApprovalSubject& s) {
  if (auto checked = CheckSubject(s); !checked) {
    return checked;
  }
  const auto policy = settings_.policies.find(s.type);
  if (policy == settings_.policies.end() && s.type != kStandard) {
    return Refusal(Errc::kConflict, "no approval policy for type " + s.type,
                   "No approval policy covers " + s.type +
                       " changes; an admin must add [cab.policies." + s.type + "] to the config.");
  }
  if (policy != settings_.policies.end() && settings_.channel.empty()) {
    return Refusal(Errc::kConflict, "no cab channel",
                   "No channel is configured for approval requests ([cab] channel).");
  }
  if (auto withdrawn = WithdrawInTransaction(s.subject, "submitted again"); !withdrawn) {
    return withdrawn;
  }
  store::ApprovalRequest request;
  request.subject = s.subject;
  request.change_type = s.type;
  request.requester = s.requester;
  request.title = s.title;
  request.risk = s.risk;
  request.plan_version = s.plan_version;
  request.plan_digest = PlanDigest(s.plan_version, s.plan);
  request.plan = s.plan;
  request.created_at = clock_.Now();
  store::ApprovalRepository repo(db_);
  if (policy == settings_.policies.end()) {
    // Standard changes come from the catalogue and are approved in advance.
    request.rule = std::string(Name(ApprovalRule::kAny));
    request.members_resolved = true;
    const std::int64_t id = repo.Insert(request);
    const std::string summary = "Pre-approved: a standard change from the catalogue";
    repo.SetState(id, store::ApprovalState::kApproved, summary, clock_.Now());
    spdlog::info("event=cab.preapproved subject={} request={}", s.subject, id);
    return on_decided ? on_decided(s.subject, true, s.plan_version, summary) : Status{};
  }
  const ApprovalPolicy& p = policy->second;
  request.rule = std::string(Name(p.rule));
  request.quorum = std::max(1, p.n);
  request.mandatory = p.mandatory;
  request.allow_self_approval = p.allow_self_approval;
  for (const UserGroupId& group : p.groups) {
    request.groups.push_back({group, {}, {}});
  }
  if (p.deadline.count() > 0) {
    request.deadline_at = request.created_at + p.deadline;
  }
  const std::int64_t id = repo.Insert(request);
  store::Outbox outbox(db_);
  outbox.Enqueue(RequestStream(id), effect::kCabPostRequest, RequestArgs(id), clock_.Now());
  if (request.deadline_at) {
    outbox.EnqueueAt(RequestStream(id) + ".deadline", effect::kCabDeadline, RequestArgs(id),
                     clock_.Now(), *request.deadline_at);
  }
  spdlog::info("event=cab.opened subject={} request={} type={} plan_version={}", s.subject, id,
               s.type, s.plan_version);
  return {};
}

Status ApprovalService::WithdrawInTransaction(std::string_view subject, std::string_view reason) {
  store::ApprovalRepository repo(db_);
  const auto live = repo.Live(subject);
  if (!live) {
    return {};
  }
  const std::string why =
      "Superseded: " + std::string(Trimmed(reason).empty() ? "the plan changed" : reason);
  repo.SetState(*live, store::ApprovalState::kSuperseded, why, clock_.Now());
  QueueUpdate(*live);
  spdlog::info("event=cab.superseded subject={} request={}", subject, *live);
  return {};
}

void ApprovalService::QueueUpdate(std::int64_t request) {
  store::Outbox(db_).Enqueue(RequestStream(request), effect::kCabUpdateRequest,
                             RequestArgs(request), clock_.Now());
}

Result<ApprovalRecord> ApprovalService::Load(std::int64_t id) {
  auto request = store::ApprovalRepository(db_).Find(id);
  if (!request) {
    return Refusal(Errc::kNotFound, "unknown approval request " + std::to_string(id),
                   "That approval request doesn't exist; the button may be out of date.");
  }
  ApprovalRecord record;
  record.electorate = Electorate::Of(*request);
  record.tally = Count(record.electorate, request->votes);
  if (request->members_resolved) {
    record.unreachable = WhyUnreachable(record.electorate);
  }
  store::PeopleRepository people(db_);
  for (const UserId& user : record.tally.missing_mandatory) {
    if (people.SlackDeactivated(user)) {
      record.deactivated_mandatory.push_back(user);
    }
  }
  record.request = std::move(*request);
  return record;
}

Status ApprovalService::CheckVoter(std::int64_t id, const UserId& user) {
  return InReadTransaction(db_, "cab_check_voter", [&]() -> Status {
    auto record = Load(id);
    if (!record) {
      return record.error();
    }
    return VoterRefusal(*record, user);
  });
}

Status ApprovalService::Decide(const ApprovalRecord& record, std::string& summary) {
  const store::ApprovalRequest& r = record.request;
  const bool approved = record.tally.outcome == Outcome::kApproved;
  summary = OutcomeText(record);
  store::ApprovalRepository(db_).SetState(
      r.id, approved ? store::ApprovalState::kApproved : store::ApprovalState::kRejected, summary,
      clock_.Now());
  spdlog::info("event=cab.decided subject={} request={} outcome={}", r.subject, r.id,
               approved ? "approved" : "rejected");
  if (!on_decided) {
    return {};
  }
  return on_decided(r.subject, approved, r.plan_version, summary);
}

Result<VoteReceipt> ApprovalService::Vote(std::int64_t id, const UserId& user, bool approve,
                                          std::string_view reason) {
  const std::string why = Trimmed(reason);
  if (!approve) {
    if (auto checked = CheckField(why, {"reason", kMaxReason, true, true}); !checked) {
      return checked.error();
    }
  }
  return InTransaction(db_, "cab_vote", [&]() -> Result<VoteReceipt> {
    auto record = Load(id);
    if (!record) {
      return record.error();
    }
    const store::ApprovalRequest& r = record->request;
    if (auto repeat = RepeatText(*record, user)) {
      return VoteReceipt{r.subject, false, false, *repeat};
    }
    if (auto allowed = VoterRefusal(*record, user); !allowed) {
      return allowed.error();
    }
    store::ApprovalRepository(db_).AddVote(
        id, {user, approve, why, r.plan_version, r.plan_digest, clock_.Now()});
    auto counted = Load(id);
    if (!counted) {
      return counted.error();
    }
    VoteReceipt receipt{r.subject, true, false, {}};
    const Tally& tally = counted->tally;
    if (tally.outcome == Outcome::kPending) {
      receipt.reply = "You approved " + r.subject + " · " + std::to_string(tally.have) + " of " +
                      std::to_string(tally.needed) + " needed.";
    } else {
      std::string summary;
      if (auto decided = Decide(*counted, summary); !decided) {
        return decided.error();
      }
      receipt.decided = true;
      receipt.reply = approve ? "You approved " + r.subject + "; that decides it: approved."
                              : "You rejected " + r.subject + "; that decides it.";
    }
    QueueUpdate(id);
    spdlog::info("event=cab.vote subject={} request={} user={} approve={} decided={}", r.subject,
                 id, user.str(), approve, receipt.decided);
    return receipt;
  });
}

Result<ApprovalRecord> ApprovalService::Find(std::int64_t request) {
  return InReadTransaction(db_, "cab_find", [&]() { return Load(request); });
}

Result<std::vector<ApprovalRecord>> ApprovalService::History(std::string_view subject) {
  return InReadTransaction(db_, "cab_history", [&]() -> Result<std::vector<ApprovalRecord>> {
    std::vector<ApprovalRecord> records;
    for (store::ApprovalRequest& request : store::ApprovalRepository(db_).ForSubject(subject)) {
      ApprovalRecord record;
      record.electorate = Electorate::Of(request);
      record.tally = Count(record.electorate, request.votes);
      record.request = std::move(request);
      records.push_back(std::move(record));
    }
    return records;
  });
}

Status ApprovalService::RecordMembers(std::int64_t request,
                                      const std::vector<store::ApprovalGroup>& groups) {
  return InTransaction(db_, "cab_record_members", [&]() -> Status {
    store::ApprovalRepository(db_).SetMembers(request, groups);
    return {};
  });
}

Status ApprovalService::RecordPosted(std::int64_t request, const ChannelId& channel,
                                     const MessageTs& ts) {
  return InTransaction(db_, "cab_record_posted", [&]() -> Status {
    store::ApprovalRepository repo(db_);
    repo.SetMessage(request, channel, ts);
    // A vote or withdrawal may have come between rendering and recording.
    QueueUpdate(request);
    return {};
  });
}

Result<bool> ApprovalService::DueForEscalation(std::int64_t request) {
  return InReadTransaction(db_, "cab_due", [&]() -> Result<bool> {
    auto found = store::ApprovalRepository(db_).Find(request);
    return found && found->state == store::ApprovalState::kOpen && !found->escalated_at;
  });
}

Status ApprovalService::RecordEscalated(std::int64_t request) {
  return InTransaction(db_, "cab_record_escalated", [&]() -> Status {
    store::ApprovalRepository(db_).SetEscalated(request, clock_.Now());
    QueueUpdate(request);
    return {};
  });
}

Status ApprovalService::QueueRoleRefresh(const std::vector<UserGroupId>& groups) {
  if (groups.empty()) {
    return {};
  }
  return InTransaction(db_, "cab_queue_roles", [&]() -> Status {
    std::string ids;
    for (const UserGroupId& group : groups) {
      ids += (ids.empty() ? "" : ",") + group.str();
    }
    store::Outbox(db_).Enqueue(effect::kCabRolesStream, effect::kCabRefreshRoles,
                               {{std::string(effect::kArgUsergroups), ids}}, clock_.Now());
    return {};
  });
}

Status ApprovalService::RecordGroupMembers(const UserGroupId& group,
                                           const std::vector<UserId>& members) {
  return InTransaction(db_, "cab_group_members", [&]() -> Status {
    store::ApprovalRepository(db_).ReplaceGroupMembers(group, members);
    return {};
  });
}

bool ApprovalService::InAnyGroup(const std::vector<UserGroupId>& groups, const UserId& user) {
  auto found = InReadTransaction(db_, "cab_in_group", [&]() -> Result<bool> {
    return store::ApprovalRepository(db_).InAnyGroup(groups, user);
  });
  return found && *found;
}

}  // namespace swarmbot::lifecycle
