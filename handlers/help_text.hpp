#pragma once

#include <string>
#include <string_view>

namespace swarmbot::handlers {

// The help for "/incident", "/swarm" or "/case" (mrkdwn); a short list of all
// three for anything else.
std::string HelpText(std::string_view command);

// The help for "/swarm", naming the reaction that puts a message on the
// timeline (config: [swarm] timeline_reaction).
std::string SwarmHelpText(std::string_view timeline_reaction);

}  // namespace swarmbot::handlers
