#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "store/database.hpp"

namespace swarmbot::store {

// draft: previewed, waiting for Send; sending: the mail worker works on it;
// done: every recipient has an outcome; cancelled: never sent; stopped: sending
// ended early (someone pressed Stop, or the mail server stayed unreachable).
enum class BroadcastState { kDraft, kSending, kDone, kCancelled, kStopped };
// pending: not sent yet (or deferred until not_before); sending: handed to the
// SMTP server, answer not recorded; sent: accepted; refused: the server said
// no for good (or deferred too often); uncertain: a crash or a broken
// connection came between handing it over and hearing the answer; withheld:
// never handed over because the broadcast was stopped first.
enum class DeliveryState { kPending, kSending, kSent, kRefused, kUncertain, kWithheld };

std::string_view Name(BroadcastState v) noexcept;
std::string_view Name(DeliveryState v) noexcept;

// "BC-3".
std::string BroadcastNumberText(std::int64_t number);
std::optional<std::int64_t> ParseBroadcastNumber(std::string_view text) noexcept;

struct Broadcast {
  std::int64_t number = 0;
  std::int64_t incident = 0;
  BroadcastState state = BroadcastState::kDraft;
  UserId requested_by;
  ChannelId report_channel;  // where progress is shown
  MessageTs progress_ts;     // the progress message, once posted
  std::string subject_template;
  std::string body_template;
  Clock::TimePoint created_at;
  std::optional<Clock::TimePoint> started_at;
  std::optional<Clock::TimePoint> finished_at;
  std::optional<Clock::TimePoint> reported_at;  // last progress update queued
  int unreported = 0;                           // outcomes since then
  // Set while the mail server can't be reached, with what the last try said.
  std::optional<Clock::TimePoint> unreachable_since;
  std::string unreachable_reason;
  // With unreachable_since: the server answers but refuses swarmbot's login.
  bool login_refused = false;
  UserId stopped_by;        // who pressed Stop; empty when swarmbot gave up
  std::string stop_reason;  // why swarmbot gave up, for people
};

struct Delivery {
  std::int64_t id = 0;
  std::int64_t broadcast = 0;
  std::string email;
  std::string contact_name;
  DeliveryState state = DeliveryState::kPending;
  int attempts = 0;
  Clock::TimePoint not_before;
  std::string reply;  // the server's last answer
};

struct DeliveryCounts {
  int pending = 0;  // pending and sending
  int sent = 0;
  int refused = 0;
  int uncertain = 0;
  int withheld = 0;  // not sent because the broadcast was stopped

  int Total() const noexcept { return pending + sent + refused + uncertain + withheld; }
};

// Broadcasts and their deliveries. SQL failures throw SQLite::Exception; call
// inside the caller's transaction.
class BroadcastRepository {
 public:
  explicit BroadcastRepository(Database& db) : db_(db) {}

  std::int64_t Insert(const Broadcast& broadcast);
  // False when the address (ignoring ASCII case) is already a recipient.
  bool AddDelivery(std::int64_t broadcast, std::string_view email, std::string_view contact_name,
                   Clock::TimePoint now);
  // Drops a recipient of a draft (no longer linked, or unsubscribed since).
  void RemoveDelivery(std::int64_t id);
  std::optional<Broadcast> Find(std::int64_t number);
  // The incident's broadcast in state `state`, newest first.
  std::optional<Broadcast> FindByIncident(std::int64_t incident, BroadcastState state);
  // The incident's broadcast that started at `at`, other than `besides`: the
  // one whose start cancelled the incident's older previews at that moment.
  std::optional<Broadcast> StartedAt(std::int64_t incident, Clock::TimePoint at,
                                     std::int64_t besides);
  // Numbers of the broadcasts in `state`, oldest first.
  std::vector<std::int64_t> InState(BroadcastState state);
  // Moves `number` from `from` to `to`; false when it wasn't in `from` (a
  // second click, a race). `at` sets started_at or finished_at as fits.
  bool Transition(std::int64_t number, BroadcastState from, BroadcastState to, Clock::TimePoint at);
  void SetProgressTs(std::int64_t number, const MessageTs& ts);
  // Counts one more outcome since the last progress report.
  void NoteOutcome(std::int64_t number);
  void MarkReported(std::int64_t number, Clock::TimePoint now);

  // The oldest pending delivery of a sending broadcast that is due at `now`.
  std::optional<Delivery> NextDue(Clock::TimePoint now);
  // When the next pending delivery of a sending broadcast comes due.
  std::optional<Clock::TimePoint> NextDueAt();
  std::optional<Delivery> FindDelivery(std::int64_t id);
  void SetDelivery(std::int64_t id, DeliveryState state, int attempts, Clock::TimePoint not_before,
                   std::string_view reply, Clock::TimePoint now);
  // Every delivery left in "sending" becomes "uncertain"; returns how many.
  int MarkInterrupted(Clock::TimePoint now);
  // Pending deliveries of `broadcast` become "withheld" with `reply`; returns how many.
  int WithholdPending(std::int64_t broadcast, std::string_view reply, Clock::TimePoint now);
  void SetStopped(std::int64_t number, const UserId& by, std::string_view reason);

  struct UnreachableMarks {
    std::vector<std::int64_t> marked;   // hadn't known before
    std::vector<std::int64_t> changed;  // knew, but the cause (login or not) changed
  };
  // The mail server can't be reached, or refuses swarmbot's login: notes it
  // (since `since` unless noted before) on every sending broadcast.
  UnreachableMarks MarkUnreachable(Clock::TimePoint since, std::string_view reason,
                                   bool login_refused);
  // The server answered again: clears the mark and returns the numbers that had it.
  std::vector<std::int64_t> ClearUnreachable();

  DeliveryCounts Counts(std::int64_t broadcast);
  std::vector<Delivery> Deliveries(std::int64_t broadcast);
  // Deliveries in `state`, oldest first, at most `limit`.
  std::vector<Delivery> DeliveriesIn(std::int64_t broadcast, DeliveryState state, int limit);

 private:
  Database& db_;
};

}  // namespace swarmbot::store
