#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "store/database.hpp"
#include "store/records.hpp"

namespace swarmbot::store {

// The `incidents` table. Calls run inside the caller's transaction, if any.
class IncidentRepository {
 public:
  explicit IncidentRepository(Database& db) : db_(db) {}

  // Stores `incident` under the next INC number (incident.number is ignored).
  std::int64_t Insert(const Incident& incident);
  std::optional<Incident> Find(std::int64_t number);
  // The incident declared from the Slack view `view_id`; nullopt for "".
  std::optional<Incident> FindByDeclareView(std::string_view view_id);

  // Moves to `state`; entering resolved or closed stamps resolved_at (once)
  // and closed_at, entering any other state clears both (a reopen).
  void SetState(std::int64_t number, IncidentState state, Clock::TimePoint now);
  void SetCloseNote(std::int64_t number, std::string_view note);
  void SetAnnouncement(std::int64_t number, const ChannelId& channel, const MessageTs& ts);

 private:
  Database& db_;
};

}  // namespace swarmbot::store
