#pragma once

#include <cstdint>

#include "common/clock.hpp"
#include "store/database.hpp"
#include "store/expert_repository.hpp"

namespace swarmbot::lifecycle::detail {

// Withdraws every open expert invitation of `incident` for `why` (the
// incident or its swarm is closing) without asking anyone next, and queues
// the update of each invitation's direct message, so its Accept and Decline
// buttons give way to a note saying why. Call inside the closing transaction.
void WithdrawOpenInvitations(store::Database& db, std::int64_t incident, store::Withdrawal why,
                             Clock::TimePoint now);

}  // namespace swarmbot::lifecycle::detail
