#include "handlers/help_text.hpp"

namespace swarmbot::handlers {
namespace {

constexpr std::string_view kIncidentHelp =
    "*/incident* runs an incident from declaration to close.\n"
    "• `/incident declare <subject> [| <description>] [impact=high|medium|low] "
    "[urgency=high|medium|low]` declares `INC-n`; priority follows from impact × urgency "
    "(both default to medium)\n"
    "• `/incident link [INC-n] CASE-1 CASE-2 CASE-5..CASE-9` links customer cases; they leave "
    "the reps' queues. In a swarm channel you may leave out `INC-n`\n"
    "• `/incident link [INC-n] --cluster [SPIKE-n]` links every case of a spike (without a "
    "number, of the spike the incident was declared from)\n"
    "• `/incident status [INC-n]` shows the summary and the latest events\n"
    "• `/incident close [INC-n] [note]` closes the incident and its cases (the note becomes "
    "their resolution), posts a summary in the swarm channel and archives it\n"
    "• `/incident help` shows this";

constexpr std::string_view kSwarmHelp =
    "*/swarm* brings people together in a channel for one incident.\n"
    "• `/swarm start INC-n [@person …] [@group …]` creates the channel, sets its topic, pins "
    "the summary and invites you and the people and groups you name\n"
    "• `/swarm close` isn't available yet; `/incident close` closes the incident and archives "
    "its swarm channel\n"
    "• `/swarm help` shows this";

constexpr std::string_view kCaseHelp =
    "*/case* looks at customer cases.\n"
    "• `/case list [new|open|held|closed|all]` lists cases, newest first (default: new and "
    "open)\n"
    "• `/case show CASE-n` shows one case\n"
    "• `/case help` shows this";

constexpr std::string_view kKbHelp =
    "*/kb* searches the knowledge base.\n"
    "• `/kb <words>` shows the best matching articles with the matched words in bold\n"
    "• `/kb INC-n <words>` searches for an incident: the search goes on its timeline and each "
    "result gets an *Attach to INC-n* button. In a swarm channel you may leave out `INC-n`\n"
    "• `/kb help` shows this";

constexpr std::string_view kOverview =
    "swarmbot knows `/incident`, `/swarm`, `/case` and `/kb`; add `help` to any of them, e.g. "
    "`/incident help`.";

}  // namespace

std::string HelpText(std::string_view command) {
  if (command == "/incident") {
    return std::string(kIncidentHelp);
  }
  if (command == "/swarm") {
    return std::string(kSwarmHelp);
  }
  if (command == "/case") {
    return std::string(kCaseHelp);
  }
  if (command == "/kb") {
    return std::string(kKbHelp);
  }
  return std::string(kOverview);
}

}  // namespace swarmbot::handlers
