#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "store/database.hpp"

namespace swarmbot::store {

// One entry of the asset catalogue: a service or system problems can name.
struct Asset {
  std::string name;  // lowercase, e.g. "checkout-service"
  std::string owner_team;
  std::string description;
};

// The `assets` table. SQL failures throw SQLite::Exception; call inside the
// caller's transaction.
class AssetRepository {
 public:
  enum class Outcome { kAdded, kUpdated, kUnchanged };

  explicit AssetRepository(Database& db) : db_(db) {}

  // Adds the asset, or updates the one with the same name.
  Outcome Upsert(const Asset& asset, Clock::TimePoint now);
  std::optional<Asset> Find(std::string_view name);
  std::vector<Asset> All();  // by name

 private:
  Database& db_;
};

}  // namespace swarmbot::store
