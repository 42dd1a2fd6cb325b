#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "store/database.hpp"

namespace swarmbot::store {

// An incident that wants an owner.
struct RoutingRequest {
  std::int64_t incident = 0;
  Clock::TimePoint requested_at;
  UserId requested_by;   // empty: swarmbot itself (on declare)
  bool waiting = false;  // nobody was available the last time routing ran
  std::string reason;    // why nobody was, when waiting
};

// The `routing_requests` queue and the owner columns routing changes. Calls
// run inside the caller's transaction, if any.
class RoutingRepository {
 public:
  explicit RoutingRepository(Database& db) : db_(db) {}

  // Adds a request; one already there keeps its place in the queue.
  void Request(std::int64_t incident, const UserId& by, Clock::TimePoint now);
  // Every request, oldest first.
  std::vector<RoutingRequest> Requests();
  std::optional<RoutingRequest> Find(std::int64_t incident);
  bool AnyWaiting();
  void MarkWaiting(std::int64_t incident, const std::string& reason);
  void Remove(std::int64_t incident);

  // How many unresolved incidents (neither resolved nor closed) each person owns.
  std::map<UserId, int> OpenIncidentsByOwner();
  // The numbers of the unresolved incidents `owner` owns, ascending.
  std::vector<std::int64_t> UnresolvedOwnedBy(const UserId& owner);
  void SetIncidentOwner(std::int64_t incident, const UserId& owner);
  void SetCaseOwner(std::int64_t case_number, const UserId& owner, Clock::TimePoint now);

 private:
  Database& db_;
};

}  // namespace swarmbot::store
