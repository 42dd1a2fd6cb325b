#pragma once

#include <cstdint>

#include "common/result.hpp"
#include "handlers/detail/services.hpp"
#include "store/outbox.hpp"

namespace swarmbot::handlers::detail {

// For a swarm-channel effect that found the swarm without a channel: OK when
// the item was queued again behind the new channel a reopening is about to
// create (SwarmService::RequeueBehindNewChannel); otherwise the error saying
// the channel was never created, which retrying can't change.
Status AwaitSwarmChannel(Services& services, std::int64_t incident, const store::OutboxItem& item);

}  // namespace swarmbot::handlers::detail
