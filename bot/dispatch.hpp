#pragma once

#include <functional>

#include "common/inbound.hpp"

namespace swarmbot::bot {

// Hands a checked, deduplicated delivery to the application (handlers::Router)
// and returns what belongs in the acknowledgement. Called on the io thread; it
// must be fast (Slack wants the acknowledgement within 3 s) and must not throw
// on bad input. An exception is logged and answered with a bare acknowledgement.
using Dispatch = std::function<InboundReply(const InboundRequest&)>;

}  // namespace swarmbot::bot
