#include "store/approval_repository.hpp"

#include <array>
#include <string>

#include <SQLiteCpp/Statement.h>

#include "store/detail/columns.hpp"
#include "store/records.hpp"

namespace swarmbot::store {
namespace {

constexpr std::array<std::string_view, 4> kStateNames{"open", "approved", "rejected", "superseded"};

constexpr const char* kColumns =
    "id, subject, change_type, requester, title, risk, plan_version, plan_digest, rule, quorum, "
    "mandatory, allow_self, state, members_resolved, outcome, channel, message_ts, deadline_at, "
    "escalated_at, created_at, decided_at";

std::string JoinIds(const std::vector<UserId>& ids) {
  std::string text;
  for (const UserId& id : ids) {
    text += (text.empty() ? "" : ",") + id.str();
  }
  return text;
}

std::vector<UserId> SplitIds(std::string_view text) {
  std::vector<UserId> ids;
  while (!text.empty()) {
    const auto comma = text.find(',');
    if (comma != 0) {
      ids.emplace_back(std::string(text.substr(0, comma)));
    }
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
  }
  return ids;
}

ApprovalRequest ReadRequest(SQLite::Statement& row) {
  ApprovalRequest r;
  r.id = row.getColumn(0).getInt64();
  r.subject = row.getColumn(1).getString();
  r.change_type = row.getColumn(2).getString();
  r.requester = UserId(row.getColumn(3).getString());
  r.title = row.getColumn(4).getString();
  r.risk = row.getColumn(5).getString();
  r.plan_version = row.getColumn(6).getInt();
  r.plan_digest = row.getColumn(7).getString();
  r.rule = row.getColumn(8).getString();
  r.quorum = row.getColumn(9).getInt();
  r.mandatory = SplitIds(row.getColumn(10).getString());
  r.allow_self_approval = row.getColumn(11).getInt() != 0;
  r.state = ParseApprovalState(row.getColumn(12).getString()).value_or(ApprovalState::kOpen);
  r.members_resolved = row.getColumn(13).getInt() != 0;
  r.outcome = row.getColumn(14).getString();
  r.channel = ChannelId(row.getColumn(15).getString());
  r.message_ts = MessageTs(row.getColumn(16).getString());
  r.deadline_at = detail::OptionalTime(row.getColumn(17));
  r.escalated_at = detail::OptionalTime(row.getColumn(18));
  r.created_at = detail::Time(row.getColumn(19));
  r.decided_at = detail::OptionalTime(row.getColumn(20));
  return r;
}

}  // namespace

std::string_view Name(ApprovalState state) noexcept {
  return kStateNames[static_cast<std::size_t>(state)];
}

std::optional<ApprovalState> ParseApprovalState(std::string_view text) noexcept {
  for (std::size_t i = 0; i < kStateNames.size(); ++i) {
    if (kStateNames[i] == text) {
      return static_cast<ApprovalState>(i);
    }
  }
  return std::nullopt;
}

std::int64_t ApprovalRepository::Insert(const ApprovalRequest& r) {
  SQLite::Statement insert(
      db_.Sql(),
      "INSERT INTO approval_requests (subject, change_type, requester, title, risk, plan_version, "
      "plan_digest, rule, quorum, mandatory, allow_self, state, deadline_at, created_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, r.subject);
  insert.bind(2, r.change_type);
  insert.bind(3, r.requester.str());
  insert.bind(4, r.title);
  insert.bind(5, r.risk);
  insert.bind(6, r.plan_version);
  insert.bind(7, r.plan_digest);
  insert.bind(8, r.rule);
  insert.bind(9, r.quorum);
  insert.bind(10, JoinIds(r.mandatory));
  insert.bind(11, r.allow_self_approval ? 1 : 0);
  insert.bind(12, std::string(Name(r.state)));
  detail::BindOptionalTime(insert, 13, r.deadline_at);
  insert.bind(14, ToMillis(r.created_at));
  insert.exec();
  const std::int64_t id = db_.Sql().getLastInsertRowid();

  SQLite::Statement step(db_.Sql(),
                         "INSERT INTO approval_plan (request_id, position, text, done_by, "
                         "verified_by) VALUES (?, ?, ?, ?, ?)");
  for (std::size_t i = 0; i < r.plan.size(); ++i) {
    step.bind(1, id);
    step.bind(2, static_cast<std::int64_t>(i));
    step.bind(3, r.plan[i].text);
    step.bind(4, r.plan[i].done_by.str());
    step.bind(5, r.plan[i].verified_by.str());
    step.exec();
    step.reset();
  }
  SQLite::Statement group(
      db_.Sql(),
      "INSERT INTO approval_groups (request_id, position, group_id, handle) VALUES (?, ?, ?, ?)");
  for (std::size_t i = 0; i < r.groups.size(); ++i) {
    group.bind(1, id);
    group.bind(2, static_cast<std::int64_t>(i));
    group.bind(3, r.groups[i].id.str());
    group.bind(4, r.groups[i].handle);
    group.exec();
    group.reset();
  }
  return id;
}

std::optional<ApprovalRequest> ApprovalRepository::Find(std::int64_t id) {
  SQLite::Statement select(
      db_.Sql(), std::string("SELECT ") + kColumns + " FROM approval_requests WHERE id = ?");
  select.bind(1, id);
  if (!select.executeStep()) {
    return std::nullopt;
  }
  ApprovalRequest request = ReadRequest(select);
  Load(request);
  return request;
}

std::vector<ApprovalRequest> ApprovalRepository::ForSubject(std::string_view subject) {
  SQLite::Statement select(db_.Sql(), std::string("SELECT ") + kColumns +
                                          " FROM approval_requests WHERE subject = ? ORDER BY id");
  select.bind(1, std::string(subject));
  std::vector<ApprovalRequest> requests;
  while (select.executeStep()) {
    requests.push_back(ReadRequest(select));
  }
  for (ApprovalRequest& request : requests) {
    Load(request);
  }
  return requests;
}

std::optional<std::int64_t> ApprovalRepository::Live(std::string_view subject) {
  SQLite::Statement select(db_.Sql(),
                           "SELECT id FROM approval_requests WHERE subject = ? AND state IN "
                           "('open', 'approved') ORDER BY id DESC LIMIT 1");
  select.bind(1, std::string(subject));
  if (!select.executeStep()) {
    return std::nullopt;
  }
  return select.getColumn(0).getInt64();
}

void ApprovalRepository::Load(ApprovalRequest& request) {
  SQLite::Statement plan(db_.Sql(),
                         "SELECT text, done_by, verified_by FROM approval_plan WHERE request_id = "
                         "? ORDER BY position");
  plan.bind(1, request.id);
  while (plan.executeStep()) {
    request.plan.push_back({plan.getColumn(0).getString(), UserId(plan.getColumn(1).getString()),
                            UserId(plan.getColumn(2).getString())});
  }
  SQLite::Statement groups(
      db_.Sql(),
      "SELECT group_id, handle FROM approval_groups WHERE request_id = ? ORDER BY position");
  groups.bind(1, request.id);
  while (groups.executeStep()) {
    request.groups.push_back(
        {UserGroupId(groups.getColumn(0).getString()), groups.getColumn(1).getString(), {}});
  }
  SQLite::Statement members(db_.Sql(),
                            "SELECT user_id FROM approval_members WHERE request_id = ? AND "
                            "group_id = ? ORDER BY user_id");
  for (ApprovalGroup& group : request.groups) {
    members.bind(1, request.id);
    members.bind(2, group.id.str());
    while (members.executeStep()) {
      group.members.emplace_back(members.getColumn(0).getString());
    }
    members.reset();
  }
  SQLite::Statement votes(db_.Sql(),
                          "SELECT user_id, approve, reason, plan_version, plan_digest, voted_at "
                          "FROM approval_votes WHERE request_id = ? ORDER BY voted_at, rowid");
  votes.bind(1, request.id);
  while (votes.executeStep()) {
    request.votes.push_back({UserId(votes.getColumn(0).getString()),
                             votes.getColumn(1).getInt() != 0, votes.getColumn(2).getString(),
                             votes.getColumn(3).getInt(), votes.getColumn(4).getString(),
                             detail::Time(votes.getColumn(5))});
  }
}

void ApprovalRepository::SetMembers(std::int64_t id, const std::vector<ApprovalGroup>& groups) {
  SQLite::Statement handle(
      db_.Sql(), "UPDATE approval_groups SET handle = ? WHERE request_id = ? AND group_id = ?");
  SQLite::Statement member(db_.Sql(),
                           "INSERT OR IGNORE INTO approval_members (request_id, group_id, "
                           "user_id) VALUES (?, ?, ?)");
  for (const ApprovalGroup& group : groups) {
    handle.bind(1, group.handle);
    handle.bind(2, id);
    handle.bind(3, group.id.str());
    handle.exec();
    handle.reset();
    for (const UserId& user : group.members) {
      member.bind(1, id);
      member.bind(2, group.id.str());
      member.bind(3, user.str());
      member.exec();
      member.reset();
    }
  }
  SQLite::Statement resolved(db_.Sql(),
                             "UPDATE approval_requests SET members_resolved = 1 WHERE id = ?");
  resolved.bind(1, id);
  resolved.exec();
}

void ApprovalRepository::AddVote(std::int64_t id, const ApprovalVote& vote) {
  SQLite::Statement insert(db_.Sql(),
                           "INSERT INTO approval_votes (request_id, user_id, approve, reason, "
                           "plan_version, plan_digest, voted_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, id);
  insert.bind(2, vote.user.str());
  insert.bind(3, vote.approve ? 1 : 0);
  insert.bind(4, vote.reason);
  insert.bind(5, vote.plan_version);
  insert.bind(6, vote.plan_digest);
  insert.bind(7, ToMillis(vote.at));
  insert.exec();
}

void ApprovalRepository::SetState(std::int64_t id, ApprovalState state, std::string_view outcome,
                                  Clock::TimePoint at) {
  SQLite::Statement update(
      db_.Sql(),
      "UPDATE approval_requests SET state = ?, outcome = ?, decided_at = ? WHERE id = ?");
  update.bind(1, std::string(Name(state)));
  update.bind(2, std::string(outcome));
  update.bind(3, ToMillis(at));
  update.bind(4, id);
  update.exec();
}

void ApprovalRepository::SetMessage(std::int64_t id, const ChannelId& channel,
                                    const MessageTs& ts) {
  SQLite::Statement update(db_.Sql(),
                           "UPDATE approval_requests SET channel = ?, message_ts = ? WHERE id = ?");
  update.bind(1, channel.str());
  update.bind(2, ts.str());
  update.bind(3, id);
  update.exec();
}

void ApprovalRepository::SetEscalated(std::int64_t id, Clock::TimePoint at) {
  SQLite::Statement update(db_.Sql(), "UPDATE approval_requests SET escalated_at = ? WHERE id = ?");
  update.bind(1, ToMillis(at));
  update.bind(2, id);
  update.exec();
}

void ApprovalRepository::ReplaceGroupMembers(const UserGroupId& group,
                                             const std::vector<UserId>& members) {
  SQLite::Statement clear(db_.Sql(), "DELETE FROM usergroup_members WHERE group_id = ?");
  clear.bind(1, group.str());
  clear.exec();
  SQLite::Statement insert(
      db_.Sql(), "INSERT OR IGNORE INTO usergroup_members (group_id, user_id) VALUES (?, ?)");
  for (const UserId& user : members) {
    insert.bind(1, group.str());
    insert.bind(2, user.str());
    insert.exec();
    insert.reset();
  }
}

bool ApprovalRepository::InAnyGroup(const std::vector<UserGroupId>& groups, const UserId& user) {
  SQLite::Statement select(
      db_.Sql(), "SELECT 1 FROM usergroup_members WHERE group_id = ? AND user_id = ? LIMIT 1");
  for (const UserGroupId& group : groups) {
    select.bind(1, group.str());
    select.bind(2, user.str());
    if (select.executeStep()) {
      return true;
    }
    select.reset();
  }
  return false;
}

}  // namespace swarmbot::store
