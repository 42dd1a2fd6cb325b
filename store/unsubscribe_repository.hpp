#pragma once

#include <string_view>

#include "common/clock.hpp"
#include "store/database.hpp"

namespace swarmbot::store {

// The `unsubscribed` table: contact addresses that asked for no more
// broadcast e-mail. Addresses are stored folded (common/mail_address.hpp's
// FoldAddress) by the caller, so one person is one row whatever the case.
// Calls run inside the caller's transaction, if any.
class UnsubscribeRepository {
 public:
  explicit UnsubscribeRepository(Database& db) : db_(db) {}

  // Records `folded_address`; false when it was there already (kept as first asked).
  bool Add(std::string_view folded_address, Clock::TimePoint now);
  bool Contains(std::string_view folded_address);

 private:
  Database& db_;
};

}  // namespace swarmbot::store
