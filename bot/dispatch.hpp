#pragma once

#include <functional>

#include "common/inbound.hpp"

namespace swarmbot::bot {

// Hands a checked, deduplicated delivery to the application (handlers::Router)
// and returns what belongs in the acknowledgement. Called on the io thread; it
// must be fast (Slack wants the acknowledgement within 3 s) and must not throw
// on bad input. An exception is logged and answered with a bare acknowledgement.
using Dispatch = std::function<InboundReply(const InboundRequest&)>;

// Makes an event durable before its acknowledgement goes out (EventRetry::Keep),
// so that a crash between the acknowledgement and the handling loses nothing:
// Slack does not send an acknowledged event again. Called on the io thread with
// an event that passed the duplicate check; false (logged) if it could not.
using KeepEvent = std::function<bool(const InboundRequest&)>;

}  // namespace swarmbot::bot
