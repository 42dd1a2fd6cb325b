#pragma once

#include <cstdint>
#include <string_view>

#include "store/database.hpp"

namespace swarmbot::store {

// Counters for human numbers, one per kind ("CASE", "INC", later "PRB", "CHG").
// Numbers start at 1 and are never reused, even if the transaction that took one
// rolls back later (the counter rolls back with it, so in practice they're dense).
class Sequences {
 public:
  explicit Sequences(Database& db) : db_(db) {}

  // The next number of `kind`; call inside the caller's transaction.
  std::int64_t Next(std::string_view kind);

 private:
  Database& db_;
};

}  // namespace swarmbot::store
