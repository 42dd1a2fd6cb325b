#include "handlers/detail/await_channel.hpp"

namespace swarmbot::handlers::detail {

Status AwaitSwarmChannel(Services& services, std::int64_t incident, const store::OutboxItem& item) {
  auto requeued = services.swarms.RequeueBehindNewChannel(incident, item);
  if (!requeued) {
    return requeued.error();
  }
  if (*requeued) {
    return {};
  }
  return MakeError(Errc::kSlackError, "the swarm channel was never created");
}

}  // namespace swarmbot::handlers::detail
