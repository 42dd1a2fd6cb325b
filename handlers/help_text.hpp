#pragma once

#include <string>
#include <string_view>

namespace swarmbot::handlers {

// The help for "/incident", "/swarm" or "/case" (mrkdwn); a short list of all
// three for anything else.
std::string HelpText(std::string_view command);

}  // namespace swarmbot::handlers
