#pragma once

#include <cstdint>
#include <vector>

#include "common/clock.hpp"
#include "store/database.hpp"
#include "store/expert_repository.hpp"
#include "store/records.hpp"

namespace swarmbot::lifecycle::detail {

// Withdraws every open expert invitation of `incident` for `why` (the
// incident or its swarm is closing) without asking anyone next, and queues
// the update of each invitation's direct message, so its Accept and Decline
// buttons give way to a note saying why. Call inside the closing transaction.
void WithdrawOpenInvitations(store::Database& db, std::int64_t incident, store::Withdrawal why,
                             Clock::TimePoint now);

// Experts who accepted while `swarm`'s current channel was theirs to join,
// yet never got in (no invite went through, no join was seen): the channel
// was archived while their invite was on its way. They were promised a
// place, so the next channel invites them.
std::vector<store::Invitation> AcceptedButNotIn(store::Database& db, const store::Swarm& swarm);

// `swarm`'s channel was archived: each AcceptedButNotIn invitation's direct
// message is updated (effect::kUpdateAsk with effect::kArgChannelGone) to
// say so, since it last said they were being added.
void TellAcceptedTheChannelIsGone(store::Database& db, const store::Swarm& swarm,
                                  Clock::TimePoint now);

}  // namespace swarmbot::lifecycle::detail
