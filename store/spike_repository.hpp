#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "store/case_repository.hpp"
#include "store/database.hpp"
#include "store/records.hpp"

namespace swarmbot::store {

// A group of similar new cases that crossed the spike threshold.
struct Spike {
  std::int64_t number = 0;
  std::optional<std::int64_t> incident;  // declared as (or linked to) this incident
  ChannelId alert_channel;               // where the alert was posted, once it was
  MessageTs alert_ts;
  bool update_pending = false;  // a refresh of the alert is queued
  Clock::TimePoint created_at;
  Clock::TimePoint updated_at;  // when a case last joined
};

// What the alert shows about a spike's cases.
struct SpikeFacts {
  std::int64_t cases = 0;
  std::int64_t contacts = 0;  // distinct contact e-mail addresses
  Clock::TimePoint first_at;
  Clock::TimePoint last_at;
  LabelCounts by_channel;    // largest first
  LabelCounts by_territory;  // largest first; "" for cases without one
  // Distinct subjects, the most frequent first (earliest on a tie).
  std::vector<std::string> subjects;
  // Its cases no open incident holds and that aren't closed: work nobody has.
  std::int64_t unheld = 0;
  // The open incidents holding some of its cases, lowest number first.
  std::vector<std::int64_t> holders;
};

// A case as the spike detector is rebuilt from.
struct SpikeSource {
  std::int64_t number = 0;
  std::string contact_email;
  std::string subject;
  std::string description;
  CaseStatus status = CaseStatus::kNew;
  Clock::TimePoint created_at;
};

// The `spikes` and `spike_cases` tables. Calls run inside the caller's
// transaction, if any.
class SpikeRepository {
 public:
  explicit SpikeRepository(Database& db) : db_(db) {}

  // A new spike under the next SPIKE number.
  std::int64_t Insert(Clock::TimePoint now);
  std::optional<Spike> Find(std::int64_t number);

  // Adds a case (a repeat is ignored); returns whether it was new.
  bool AddCase(std::int64_t spike, std::int64_t case_number, Clock::TimePoint now);
  std::vector<std::int64_t> Cases(std::int64_t spike);  // ascending
  SpikeFacts Facts(std::int64_t spike, std::size_t max_subjects);

  // The latest spike holding the case, if any.
  std::optional<std::int64_t> SpikeOfCase(std::int64_t case_number);
  // The latest spike bound to the incident, if any.
  std::optional<std::int64_t> SpikeOfIncident(std::int64_t incident);
  void SetIncident(std::int64_t spike, std::int64_t incident, Clock::TimePoint now);
  void SetAlert(std::int64_t spike, const ChannelId& channel, const MessageTs& ts);

  // Marks a refresh of the alert as queued; false when one already was.
  bool RequestUpdate(std::int64_t spike);
  void ClearUpdate(std::int64_t spike);

  // Spikes not bound to an incident that a case joined at or after `since`,
  // newest first.
  std::vector<Spike> Active(Clock::TimePoint since);

  // Cases created at or after `since`, oldest first, and the spike each of
  // them is in (for rebuilding the detector at start).
  std::vector<SpikeSource> CasesSince(Clock::TimePoint since);
  std::vector<std::pair<std::int64_t, std::int64_t>> SpikeCasesSince(Clock::TimePoint since);

 private:
  LabelCounts CountBy(const char* column, std::int64_t spike);

  Database& db_;
};

}  // namespace swarmbot::store
