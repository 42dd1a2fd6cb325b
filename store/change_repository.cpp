#include "store/change_repository.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <utility>

#include <SQLiteCpp/Statement.h>

#include "store/detail/columns.hpp"
#include "store/sequences.hpp"

namespace swarmbot::store {
namespace {

constexpr std::array<std::pair<ChangeType, std::string_view>, 3> kTypes{{
    {ChangeType::kStandard, "standard"},
    {ChangeType::kNormal, "normal"},
    {ChangeType::kEmergency, "emergency"},
}};
constexpr std::array<std::pair<ChangeState, std::string_view>, 5> kStates{{
    {ChangeState::kDraft, "draft"},
    {ChangeState::kAwaitingApproval, "awaiting_approval"},
    {ChangeState::kApproved, "approved"},
    {ChangeState::kRejected, "rejected"},
    {ChangeState::kClosed, "closed"},
}};

template <class E, std::size_t N>
std::string_view NameOf(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
  for (const auto& [e, name] : table) {
    if (e == value) {
      return name;
    }
  }
  return "unknown";
}

template <class E, std::size_t N>
std::optional<E> ValueOf(const std::array<std::pair<E, std::string_view>, N>& table,
                         std::string_view text) {
  for (const auto& [e, name] : table) {
    if (name == text) {
      return e;
    }
  }
  return std::nullopt;
}

bool SamePrefix(std::string_view text, std::string_view prefix) {
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(text[i])) !=
        std::toupper(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

// "PREFIX-n" with the prefix in any case and 1..12 digits, n > 0.
std::optional<std::int64_t> ParseNumbered(std::string_view text, std::string_view prefix) {
  if (text.size() <= prefix.size() || text.size() > prefix.size() + 12 ||
      !SamePrefix(text, prefix)) {
    return std::nullopt;
  }
  const std::string_view digits = text.substr(prefix.size());
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc{} || end != digits.data() + digits.size() || value <= 0 ||
      digits.front() == '+') {
    return std::nullopt;
  }
  return value;
}

constexpr const char* kChangeColumns =
    "number, title, type, risk, justification, template, window_start, window_end, state, "
    "state_reason, plan_version, approved_version, requester, close_note, plan_channel, plan_ts, "
    "create_view, created_at, updated_at, closed_at";

Change ReadChange(SQLite::Statement& row) {
  Change c;
  c.number = row.getColumn(0).getInt64();
  c.title = row.getColumn(1).getString();
  c.type = ParseChangeType(row.getColumn(2).getString()).value_or(ChangeType::kNormal);
  c.risk = ParseLevel(row.getColumn(3).getString()).value_or(Level::kMedium);
  c.justification = row.getColumn(4).getString();
  c.template_name = row.getColumn(5).getString();
  c.window_start = detail::OptionalTime(row.getColumn(6));
  c.window_end = detail::OptionalTime(row.getColumn(7));
  c.state = ParseChangeState(row.getColumn(8).getString()).value_or(ChangeState::kDraft);
  c.state_reason = row.getColumn(9).getString();
  c.plan_version = row.getColumn(10).getInt();
  if (!row.getColumn(11).isNull()) {
    c.approved_version = row.getColumn(11).getInt();
  }
  c.requester = UserId(row.getColumn(12).getString());
  c.close_note = row.getColumn(13).getString();
  c.plan_channel = ChannelId(row.getColumn(14).getString());
  c.plan_ts = MessageTs(row.getColumn(15).getString());
  c.create_view = row.getColumn(16).getString();
  c.created_at = detail::Time(row.getColumn(17));
  c.updated_at = detail::Time(row.getColumn(18));
  c.closed_at = detail::OptionalTime(row.getColumn(19));
  return c;
}

ChangeStep ReadStep(SQLite::Statement& row) {
  ChangeStep s;
  s.position = row.getColumn(0).getInt();
  s.text = row.getColumn(1).getString();
  s.assignee = UserId(row.getColumn(2).getString());
  s.done_by = UserId(row.getColumn(3).getString());
  s.done_at = detail::OptionalTime(row.getColumn(4));
  s.verified_by = UserId(row.getColumn(5).getString());
  s.verified_at = detail::OptionalTime(row.getColumn(6));
  return s;
}

constexpr const char* kStepColumns =
    "position, text, assignee, done_by, done_at, verified_by, verified_at";

}  // namespace

std::string_view Name(ChangeType type) noexcept {
  return NameOf(kTypes, type);
}
std::string_view Name(ChangeState state) noexcept {
  return NameOf(kStates, state);
}
std::string_view Name(LinkTarget target) noexcept {
  return target == LinkTarget::kProblem ? "problem" : "incident";
}
std::string_view Name(LinkRelation relation) noexcept {
  return relation == LinkRelation::kFixes ? "fixes" : "caused-by";
}
std::optional<ChangeType> ParseChangeType(std::string_view text) noexcept {
  return ValueOf(kTypes, text);
}
std::optional<ChangeState> ParseChangeState(std::string_view text) noexcept {
  return ValueOf(kStates, text);
}
std::optional<LinkRelation> ParseLinkRelation(std::string_view text) noexcept {
  if (text == "fixes") {
    return LinkRelation::kFixes;
  }
  if (text == "caused-by" || text == "caused_by") {
    return LinkRelation::kCausedBy;
  }
  return std::nullopt;
}

std::string ChangeNumberText(std::int64_t number) {
  return "CHG-" + std::to_string(number);
}
std::optional<std::int64_t> ParseChangeNumber(std::string_view text) noexcept {
  return ParseNumbered(text, "CHG-");
}
std::string ProblemRefText(std::int64_t number) {
  return "PRB-" + std::to_string(number);
}
std::optional<std::int64_t> ParseProblemRef(std::string_view text) noexcept {
  return ParseNumbered(text, "PRB-");
}

std::int64_t ChangeRepository::Insert(const Change& change) {
  const std::int64_t number = Sequences(db_).Next("CHG");
  SQLite::Statement insert(
      db_.Sql(),
      "INSERT INTO changes (number, title, type, risk, justification, template, window_start, "
      "window_end, state, state_reason, plan_version, requester, plan_channel, create_view, "
      "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, number);
  insert.bind(2, change.title);
  insert.bind(3, std::string(Name(change.type)));
  insert.bind(4, std::string(Name(change.risk)));
  insert.bind(5, change.justification);
  insert.bind(6, change.template_name);
  detail::BindOptionalTime(insert, 7, change.window_start);
  detail::BindOptionalTime(insert, 8, change.window_end);
  insert.bind(9, std::string(Name(change.state)));
  insert.bind(10, change.state_reason);
  insert.bind(11, change.plan_version);
  insert.bind(12, change.requester.str());
  insert.bind(13, change.plan_channel.str());
  insert.bind(14, change.create_view);
  insert.bind(15, ToMillis(change.created_at));
  insert.bind(16, ToMillis(change.created_at));
  insert.exec();
  return number;
}

std::optional<Change> ChangeRepository::Find(std::int64_t number) {
  SQLite::Statement select(
      db_.Sql(), std::string("SELECT ") + kChangeColumns + " FROM changes WHERE number = ?");
  select.bind(1, number);
  if (!select.executeStep()) {
    return std::nullopt;
  }
  return ReadChange(select);
}

std::optional<Change> ChangeRepository::FindByView(std::string_view view) {
  if (view.empty()) {
    return std::nullopt;
  }
  SQLite::Statement select(
      db_.Sql(), std::string("SELECT ") + kChangeColumns + " FROM changes WHERE create_view = ?");
  select.bind(1, std::string(view));
  if (!select.executeStep()) {
    return std::nullopt;
  }
  return ReadChange(select);
}

void ChangeRepository::SetState(std::int64_t number, ChangeState state, std::string_view reason,
                                Clock::TimePoint now) {
  SQLite::Statement update(
      db_.Sql(), "UPDATE changes SET state = ?, state_reason = ?, updated_at = ? WHERE number = ?");
  update.bind(1, std::string(Name(state)));
  update.bind(2, std::string(reason));
  update.bind(3, ToMillis(now));
  update.bind(4, number);
  update.exec();
}

int ChangeRepository::BumpPlanVersion(std::int64_t number, Clock::TimePoint now) {
  SQLite::Statement update(
      db_.Sql(),
      "UPDATE changes SET plan_version = plan_version + 1, updated_at = ? WHERE number = ?");
  update.bind(1, ToMillis(now));
  update.bind(2, number);
  update.exec();
  SQLite::Statement select(db_.Sql(), "SELECT plan_version FROM changes WHERE number = ?");
  select.bind(1, number);
  return select.executeStep() ? select.getColumn(0).getInt() : 0;
}

void ChangeRepository::SetApprovedVersion(std::int64_t number, std::optional<int> version) {
  SQLite::Statement update(db_.Sql(), "UPDATE changes SET approved_version = ? WHERE number = ?");
  if (version) {
    update.bind(1, *version);
  } else {
    update.bind(1);
  }
  update.bind(2, number);
  update.exec();
}

void ChangeRepository::SetClosed(std::int64_t number, std::string_view note, Clock::TimePoint now) {
  SQLite::Statement update(
      db_.Sql(),
      "UPDATE changes SET state = 'closed', state_reason = '', close_note = ?, "
      "closed_at = ?, updated_at = ? WHERE number = ?");
  update.bind(1, std::string(note));
  update.bind(2, ToMillis(now));
  update.bind(3, ToMillis(now));
  update.bind(4, number);
  update.exec();
}

void ChangeRepository::SetPlanMessage(std::int64_t number, const ChannelId& channel,
                                      const MessageTs& ts) {
  SQLite::Statement update(db_.Sql(),
                           "UPDATE changes SET plan_channel = ?, plan_ts = ? WHERE number = ?");
  update.bind(1, channel.str());
  update.bind(2, ts.str());
  update.bind(3, number);
  update.exec();
}

bool ChangeRepository::AddLink(std::int64_t number, const ChangeLink& link) {
  SQLite::Statement insert(db_.Sql(),
                           "INSERT INTO change_links (change_id, target_kind, target_number, "
                           "relation, linked_by, linked_at) VALUES (?, ?, ?, ?, ?, ?) "
                           "ON CONFLICT DO UPDATE SET relation = excluded.relation");
  SQLite::Statement exists(db_.Sql(),
                           "SELECT 1 FROM change_links WHERE change_id = ? AND target_kind = ? "
                           "AND target_number = ?");
  exists.bind(1, number);
  exists.bind(2, std::string(Name(link.target)));
  exists.bind(3, link.number);
  const bool existed = exists.executeStep();
  insert.bind(1, number);
  insert.bind(2, std::string(Name(link.target)));
  insert.bind(3, link.number);
  insert.bind(4, link.relation == LinkRelation::kFixes ? "fixes" : "caused_by");
  insert.bind(5, link.linked_by.str());
  insert.bind(6, ToMillis(link.linked_at));
  insert.exec();
  return !existed;
}

bool ChangeRepository::RemoveLink(std::int64_t number, LinkTarget target,
                                  std::int64_t target_number) {
  SQLite::Statement remove(db_.Sql(),
                           "DELETE FROM change_links WHERE change_id = ? AND target_kind = ? AND "
                           "target_number = ?");
  remove.bind(1, number);
  remove.bind(2, std::string(Name(target)));
  remove.bind(3, target_number);
  return remove.exec() > 0;
}

std::vector<ChangeLink> ChangeRepository::Links(std::int64_t number) {
  SQLite::Statement select(db_.Sql(),
                           "SELECT target_kind, target_number, relation, linked_by, linked_at "
                           "FROM change_links WHERE change_id = ? "
                           "ORDER BY target_kind DESC, target_number");
  select.bind(1, number);
  std::vector<ChangeLink> links;
  while (select.executeStep()) {
    ChangeLink link;
    link.target =
        select.getColumn(0).getString() == "problem" ? LinkTarget::kProblem : LinkTarget::kIncident;
    link.number = select.getColumn(1).getInt64();
    link.relation =
        ParseLinkRelation(select.getColumn(2).getString()).value_or(LinkRelation::kFixes);
    link.linked_by = UserId(select.getColumn(3).getString());
    link.linked_at = detail::Time(select.getColumn(4));
    links.push_back(std::move(link));
  }
  return links;
}

std::vector<std::int64_t> ChangeRepository::ChangesOfIncident(std::int64_t incident) {
  return ChangesLinkedTo(LinkTarget::kIncident, incident);
}

std::vector<std::int64_t> ChangeRepository::ChangesOfProblem(std::int64_t problem) {
  return ChangesLinkedTo(LinkTarget::kProblem, problem);
}

std::vector<std::int64_t> ChangeRepository::ChangesLinkedTo(LinkTarget target,
                                                            std::int64_t number) {
  SQLite::Statement select(db_.Sql(),
                           "SELECT change_id FROM change_links WHERE target_kind = ? AND "
                           "target_number = ? ORDER BY change_id");
  select.bind(1, std::string(Name(target)));
  select.bind(2, number);
  std::vector<std::int64_t> numbers;
  while (select.executeStep()) {
    numbers.push_back(select.getColumn(0).getInt64());
  }
  return numbers;
}

int ChangeRepository::AddStep(std::int64_t number, std::string_view text) {
  SQLite::Statement next(db_.Sql(),
                         "SELECT COALESCE(MAX(position), 0) + 1 FROM change_steps WHERE "
                         "change_id = ?");
  next.bind(1, number);
  next.executeStep();
  const int position = next.getColumn(0).getInt();
  SQLite::Statement insert(db_.Sql(),
                           "INSERT INTO change_steps (change_id, position, text) VALUES (?, ?, ?)");
  insert.bind(1, number);
  insert.bind(2, position);
  insert.bind(3, std::string(text));
  insert.exec();
  return position;
}

std::vector<ChangeStep> ChangeRepository::Steps(std::int64_t number) {
  SQLite::Statement select(db_.Sql(), std::string("SELECT ") + kStepColumns +
                                          " FROM change_steps WHERE change_id = ? ORDER BY "
                                          "position");
  select.bind(1, number);
  std::vector<ChangeStep> steps;
  while (select.executeStep()) {
    steps.push_back(ReadStep(select));
  }
  return steps;
}

std::optional<ChangeStep> ChangeRepository::Step(std::int64_t number, int position) {
  SQLite::Statement select(db_.Sql(),
                           std::string("SELECT ") + kStepColumns +
                               " FROM change_steps WHERE change_id = ? AND position = ?");
  select.bind(1, number);
  select.bind(2, position);
  if (!select.executeStep()) {
    return std::nullopt;
  }
  return ReadStep(select);
}

void ChangeRepository::EditStep(std::int64_t number, int position, std::string_view text) {
  SQLite::Statement update(db_.Sql(),
                           "UPDATE change_steps SET text = ?, done_by = '', done_at = NULL, "
                           "verified_by = '', verified_at = NULL WHERE change_id = ? AND "
                           "position = ?");
  update.bind(1, std::string(text));
  update.bind(2, number);
  update.bind(3, position);
  update.exec();
}

void ChangeRepository::RemoveStep(std::int64_t number, int position) {
  SQLite::Statement remove(db_.Sql(),
                           "DELETE FROM change_steps WHERE change_id = ? AND position = ?");
  remove.bind(1, number);
  remove.bind(2, position);
  remove.exec();
  // Through negative positions: moving each later step up at once could
  // meet the primary key of a step not yet moved.
  SQLite::Statement away(db_.Sql(),
                         "UPDATE change_steps SET position = -(position - 1) WHERE change_id = ? "
                         "AND position > ?");
  away.bind(1, number);
  away.bind(2, position);
  away.exec();
  SQLite::Statement back(
      db_.Sql(),
      "UPDATE change_steps SET position = -position WHERE change_id = ? AND position < 0");
  back.bind(1, number);
  back.exec();
}

void ChangeRepository::AssignStep(std::int64_t number, int position, const UserId& assignee) {
  SQLite::Statement update(
      db_.Sql(), "UPDATE change_steps SET assignee = ? WHERE change_id = ? AND position = ?");
  update.bind(1, assignee.str());
  update.bind(2, number);
  update.bind(3, position);
  update.exec();
}

void ChangeRepository::MarkDone(std::int64_t number, int position, const UserId& by,
                                Clock::TimePoint now) {
  SetMark(number, position, "UPDATE change_steps SET done_by = ?, done_at = ?", by, now);
}

void ChangeRepository::MarkVerified(std::int64_t number, int position, const UserId& by,
                                    Clock::TimePoint now) {
  SetMark(number, position, "UPDATE change_steps SET verified_by = ?, verified_at = ?", by, now);
}

void ChangeRepository::SetMark(std::int64_t number, int position, std::string_view update_sql,
                               const UserId& by, Clock::TimePoint now) {
  SQLite::Statement update(db_.Sql(),
                           std::string(update_sql) + " WHERE change_id = ? AND position = ?");
  update.bind(1, by.str());
  update.bind(2, ToMillis(now));
  update.bind(3, number);
  update.bind(4, position);
  update.exec();
}

void ChangeRepository::AppendEvent(std::int64_t number, Clock::TimePoint at, std::string_view actor,
                                   std::string_view kind, std::string_view text) {
  SQLite::Statement insert(db_.Sql(),
                           "INSERT INTO change_events (change_id, at, actor, kind, text) VALUES "
                           "(?, ?, ?, ?, ?)");
  insert.bind(1, number);
  insert.bind(2, ToMillis(at));
  insert.bind(3, std::string(actor));
  insert.bind(4, std::string(kind));
  insert.bind(5, std::string(text));
  insert.exec();
}

std::vector<ChangeEvent> ChangeRepository::Events(std::int64_t number) {
  SQLite::Statement select(db_.Sql(),
                           "SELECT at, actor, kind, text FROM change_events WHERE change_id = ? "
                           "ORDER BY id");
  select.bind(1, number);
  std::vector<ChangeEvent> events;
  while (select.executeStep()) {
    events.push_back({detail::Time(select.getColumn(0)), select.getColumn(1).getString(),
                      select.getColumn(2).getString(), select.getColumn(3).getString()});
  }
  return events;
}

}  // namespace swarmbot::store
