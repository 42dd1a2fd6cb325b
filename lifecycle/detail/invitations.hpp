#pragma once

#include <cstdint>

#include "common/clock.hpp"
#include "store/database.hpp"

namespace swarmbot::lifecycle::detail {

// Ends every open expert invitation of `incident` without asking anyone next
// (the incident is closing) and queues the update of each invitation's direct
// message, so its Accept and Decline buttons give way to a note. Call inside
// the closing transaction.
void WithdrawOpenInvitations(store::Database& db, std::int64_t incident, Clock::TimePoint now);

}  // namespace swarmbot::lifecycle::detail
