#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "store/database.hpp"
#include "store/records.hpp"

namespace swarmbot::store {

enum class ChangeType { kStandard, kNormal, kEmergency };
enum class ChangeState { kDraft, kAwaitingApproval, kApproved, kRejected, kClosed };
// What a change link points at, and how the change relates to it: it fixes
// the problem or incident, or it was caused by it.
enum class LinkTarget { kProblem, kIncident };
enum class LinkRelation { kFixes, kCausedBy };

std::string_view Name(ChangeType type) noexcept;
std::string_view Name(ChangeState state) noexcept;
std::string_view Name(LinkTarget target) noexcept;
std::string_view Name(LinkRelation relation) noexcept;  // "fixes", "caused-by"
std::optional<ChangeType> ParseChangeType(std::string_view text) noexcept;
std::optional<ChangeState> ParseChangeState(std::string_view text) noexcept;
// Accepts "caused-by" and "caused_by".
std::optional<LinkRelation> ParseLinkRelation(std::string_view text) noexcept;

// "CHG-3"; parsing ignores the prefix's case and refuses anything else.
std::string ChangeNumberText(std::int64_t number);
std::optional<std::int64_t> ParseChangeNumber(std::string_view text) noexcept;
// Problems live elsewhere; a change only names them: "PRB-2".
std::string ProblemRefText(std::int64_t number);
std::optional<std::int64_t> ParseProblemRef(std::string_view text) noexcept;

struct Change {
  std::int64_t number = 0;
  std::string title;
  ChangeType type = ChangeType::kNormal;
  Level risk = Level::kMedium;
  std::string justification;
  std::string template_name;  // the catalogue entry of a standard change
  std::optional<Clock::TimePoint> window_start;
  std::optional<Clock::TimePoint> window_end;
  ChangeState state = ChangeState::kDraft;
  std::string state_reason;  // why it is in this state, when that needs saying
  int plan_version = 1;
  std::optional<int> approved_version;  // the plan the approval saw
  UserId requester;
  std::string close_note;
  ChannelId plan_channel;  // where the plan message lives (or is to be posted)
  MessageTs plan_ts;
  std::string create_view;
  Clock::TimePoint created_at;
  Clock::TimePoint updated_at;
  std::optional<Clock::TimePoint> closed_at;
};

struct ChangeLink {
  LinkTarget target = LinkTarget::kIncident;
  std::int64_t number = 0;
  LinkRelation relation = LinkRelation::kFixes;
  UserId linked_by;
  Clock::TimePoint linked_at;
};

struct ChangeStep {
  int position = 0;  // 1-based, as people name it
  std::string text;
  UserId assignee;
  UserId done_by;
  std::optional<Clock::TimePoint> done_at;
  UserId verified_by;
  std::optional<Clock::TimePoint> verified_at;

  bool Done() const noexcept { return done_at.has_value(); }
  bool Verified() const noexcept { return verified_at.has_value(); }
};

struct ChangeEvent {
  Clock::TimePoint at;
  std::string actor;
  std::string kind;
  std::string text;
};

// The change tables (migration "changes"). Call inside the caller's
// transaction; SQL failures throw SQLite::Exception.
class ChangeRepository {
 public:
  explicit ChangeRepository(Database& db) : db_(db) {}

  // Takes the next CHG number; returns it.
  std::int64_t Insert(const Change& change);
  std::optional<Change> Find(std::int64_t number);
  std::optional<Change> FindByView(std::string_view view);

  void SetState(std::int64_t number, ChangeState state, std::string_view reason,
                Clock::TimePoint now);
  // Adds one to the plan version and returns the new one.
  int BumpPlanVersion(std::int64_t number, Clock::TimePoint now);
  void SetApprovedVersion(std::int64_t number, std::optional<int> version);
  void SetClosed(std::int64_t number, std::string_view note, Clock::TimePoint now);
  void SetPlanMessage(std::int64_t number, const ChannelId& channel, const MessageTs& ts);

  // False when the link existed already (its relation is then updated).
  bool AddLink(std::int64_t number, const ChangeLink& link);
  // False when there was no such link.
  bool RemoveLink(std::int64_t number, LinkTarget target, std::int64_t target_number);
  std::vector<ChangeLink> Links(std::int64_t number);
  // Changes linked to `incident` either way, ascending.
  std::vector<std::int64_t> ChangesOfIncident(std::int64_t incident);
  // Changes linked to `problem` either way, ascending.
  std::vector<std::int64_t> ChangesOfProblem(std::int64_t problem);

  // Appends a step and returns its position.
  int AddStep(std::int64_t number, std::string_view text);
  std::vector<ChangeStep> Steps(std::int64_t number);
  std::optional<ChangeStep> Step(std::int64_t number, int position);
  // New text; the step is neither done nor verified any more.
  void EditStep(std::int64_t number, int position, std::string_view text);
  // Deletes the step; those after it move up one place (step 3 becomes 2).
  void RemoveStep(std::int64_t number, int position);
  void AssignStep(std::int64_t number, int position, const UserId& assignee);
  void MarkDone(std::int64_t number, int position, const UserId& by, Clock::TimePoint now);
  void MarkVerified(std::int64_t number, int position, const UserId& by, Clock::TimePoint now);

  void AppendEvent(std::int64_t number, Clock::TimePoint at, std::string_view actor,
                   std::string_view kind, std::string_view text);
  std::vector<ChangeEvent> Events(std::int64_t number);

 private:
  std::vector<std::int64_t> ChangesLinkedTo(LinkTarget target, std::int64_t number);
  // `update_sql` (fixed text) sets a step's who and when columns.
  void SetMark(std::int64_t number, int position, std::string_view update_sql, const UserId& by,
               Clock::TimePoint now);

  Database& db_;
};

}  // namespace swarmbot::store
