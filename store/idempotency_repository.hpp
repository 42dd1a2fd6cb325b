#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "store/database.hpp"

namespace swarmbot::store {

struct IdempotencyRecord {
  std::string request_hash;
  std::int64_t case_number = 0;
};

// The `idempotency_keys` table behind the intake API's Idempotency-Key header.
class IdempotencyRepository {
 public:
  explicit IdempotencyRepository(Database& db) : db_(db) {}

  std::optional<IdempotencyRecord> Find(std::string_view key);
  void Insert(std::string_view key, std::string_view request_hash, std::int64_t case_number,
              Clock::TimePoint now);

 private:
  Database& db_;
};

}  // namespace swarmbot::store
