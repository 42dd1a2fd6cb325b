#include "handlers/help_text.hpp"

namespace swarmbot::handlers {
namespace {

constexpr std::string_view kIncidentHelp =
    "*/incident* runs an incident from declaration to close.\n"
    "• `/incident declare [<subject>] [| <description>] [impact=…] [urgency=…]` opens the "
    "declare form (subject, description, territories, impact, urgency, an optional priority "
    "override with its reason), filled in from what you typed; you get `INC-n` by direct "
    "message\n"
    "• `/incident link [INC-n] CASE-1 CASE-2 CASE-5..CASE-9` links customer cases; they leave "
    "the reps' queues. In a swarm channel you may leave out `INC-n`\n"
    "• `/incident link [INC-n] --query <words>` links the new and open cases that mention "
    "every word\n"
    "• `/incident link [INC-n] --cluster [SPIKE-n]` links every case of a spike (without a "
    "number, of the spike the incident was declared from)\n"
    "• `/incident unlink [INC-n] CASE-…` gives cases back to their owners' queues\n"
    "• `/incident status [INC-n]` shows the record, the linked cases and the latest events\n"
    "• `/incident triage|start|resolve|reopen [INC-n] [note]` moves the incident: new → "
    "triaged → in progress → resolved → closed; reopen takes a resolved or closed one back to "
    "in progress\n"
    "• `/incident close [INC-n] [note]` closes the incident and its cases (the note becomes "
    "their resolution), posts a summary in the swarm channel and archives it\n"
    "• `/incident assign [INC-n]` finds an owner by skills, capacity and presence; "
    "`/incident assign INC-n @person` (incident managers) picks one. The owner gets a direct "
    "message; when nobody is free the managers are told and the incident waits its turn\n"
    "• `/incident take-cases [INC-n]` (the owner or a manager) moves every linked case to the "
    "owner; each previous owner gets one message listing theirs\n"
    "• `/incident help` shows this";

constexpr std::string_view kSwarmbotHelp =
    "*/swarmbot* sets how swarmbot treats you.\n"
    "• `/swarmbot away` routes no new incidents to you, whatever Slack shows\n"
    "• `/swarmbot back` makes you available again\n"
    "• `/swarmbot help` shows this";

constexpr std::string_view kSwarmHelp =
    "*/swarm* brings people together in a channel for one incident.\n"
    "• `/swarm start INC-n [@person …] [@group …]` creates the channel, sets its topic, pins "
    "the summary, bookmarks the announcement and invites you and the people and groups you name "
    "(the *Start swarm* button on the incident's summary does the same for you). Channels are "
    "private when the config says so for the incident's priority\n"
    "• `/swarm note [INC-n] text` puts your note (up to 2,000 characters) on the incident's "
    "timeline; in a swarm channel you may leave out `INC-n`. Reacting with the configured "
    "emoji (:pushpin: unless changed) or pinning a message there puts it on the timeline too\n"
    "• `/swarm close [INC-n]` (managers and the owner) posts the closing summary and archives "
    "the channel of a *resolved* incident, which stays resolved; an incident still being worked "
    "on is refused: resolve it first, or `/incident close` it, which closes the swarm too. "
    "Reopening the incident opens a new channel (`…-reopened`), links the old one and invites "
    "its members again\n"
    "• `/swarm help` shows this";

constexpr std::string_view kCaseHelp =
    "*/case* looks at customer cases.\n"
    "• `/case list [filters]` lists cases, newest first, 20 a page (default: new and open). "
    "Filters: `new|open|held|closed|all` or `status=new,open`, `channel=email|chat|messaging|"
    "phone|web`, `territory=North`, `owner=@rep|me|none`, `page=2`\n"
    "• `/case mine [filters]` your queue: the new and open cases you own (held ones are with "
    "an incident)\n"
    "• `/case queue @rep [filters]` a rep's queue\n"
    "• `/case show CASE-n` shows one case with its latest comments and the incident holding it\n"
    "• `/case help` shows this";

constexpr std::string_view kKbHelp =
    "*/kb* searches the knowledge base.\n"
    "• `/kb <words>` shows the best matching articles with the matched words in bold\n"
    "• `/kb INC-n <words>` searches for an incident: the search goes on its timeline and each "
    "result gets an *Attach to INC-n* button. In a swarm channel you may leave out `INC-n`\n"
    "• `/kb help` shows this";

constexpr std::string_view kOverview =
    "swarmbot knows `/incident`, `/swarm`, `/case`, `/kb` and `/swarmbot`; add `help` to any of "
    "them, e.g. "
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
  if (command == "/swarmbot") {
    return std::string(kSwarmbotHelp);
  }
  return std::string(kOverview);
}

}  // namespace swarmbot::handlers
