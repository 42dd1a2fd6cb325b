#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace swarmbot::handlers {

// The help for "/incident", "/swarm" or "/case" (mrkdwn); a short list of all
// three for anything else.
std::string HelpText(std::string_view command);

// The help for "/swarm", naming the reaction that puts a message on the
// timeline (config: [swarm] timeline_reaction).
std::string SwarmHelpText(std::string_view timeline_reaction);

// What `help` after a subcommand answers: the lines of `help` (a command's
// help text) whose usage is `command` followed by `words`, lowercase (e.g.
// {"link"}, {"step", "add"}; a word matches a choice such as
// "triage|start|resolve|reopen"), under the subcommand's name. nullopt when
// no usage starts so, e.g. for `/swarm note INC-1 help`, a note.
std::optional<std::string> SubcommandHelp(std::string_view help, std::string_view command,
                                          const std::vector<std::string>& words);

}  // namespace swarmbot::handlers
