#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include <boost/json/object.hpp>

#include "common/ids.hpp"
#include "handlers/block_kit.hpp"
#include "handlers/detail/flat_json.hpp"
#include "handlers/detail/services.hpp"

namespace swarmbot::handlers::detail {

// Answers a click with an ephemeral message through its response_url (queued
// on the outbox); `what` names the answer in the log when that fails.
void AnswerClick(Services& services, const FlatJson& payload, std::string_view mrkdwn,
                 std::string_view what);

}  // namespace swarmbot::handlers::detail
