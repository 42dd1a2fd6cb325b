#include "handlers/help_text.hpp"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

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
    "• `/incident public-title [INC-n] text` names the incident on the public status page "
    "(one line, at most 120 characters; `--clear` goes back to the generic \"An issue "
    "affecting customers in …\" naming its territories; no text shows the current one)\n"
    "• `/incident help` shows this";

constexpr std::string_view kBannerHelp =
    "*/banner* puts a message on the customer site.\n"
    "• `/banner set [INC-n] [--audience signed-in|everyone] [--severity info|warning|critical] "
    "[--link https://…] text` puts up a banner (up to 280 characters, one line) for signed-in "
    "customers unless you say `--audience everyone`. Options come before the text. In a swarm "
    "channel it belongs to that incident and comes down when the incident closes; elsewhere "
    "without `INC-n` it stands alone. One banner per audience: a new one replaces the old\n"
    "• `/banner clear [INC-n] [--audience signed-in|everyone]` takes banners down (in a swarm "
    "channel, that incident's)\n"
    "• `/banner show` lists the banners that are up\n"
    "Incident managers may change any banner, an incident's owner that incident's. Signed-in "
    "customers see their banner or else the one for everyone; the public status page shows only "
    "the one for everyone.\n"
    "• `/banner help` shows this";

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
    "timeline; in a swarm channel you may leave out `INC-n`. Reacting with :{reaction}: or "
    "pinning a message there puts it on the timeline too\n"
    "• `/swarm experts [INC-n]` posts the best people to ask, with why (skills, past incidents, "
    "presence, local time, load) and an Invite button each; the invited person gets a direct "
    "message with Accept and Decline, and a decline or no answer moves on to the next one\n"
    "• `/swarm invite [INC-n] @person|@group …` adds people, or a user group's members, to the "
    "swarm channel at once\n"
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

constexpr std::string_view kNotifyHelp =
    "*/notify* e-mails the customers of an incident.\n"
    "• `/notify customers [INC-n]` shows the e-mail (subject and text from the config), how many "
    "customers get it (one per contact address of the incident's linked cases) and a few of "
    "them, with *Send* and *Cancel* buttons. In a swarm channel you may leave out `INC-n`. "
    "Progress shows in the swarm channel as the e-mails go out. Incident managers and the "
    "incident's owner may send. Send mails the customers of the cases linked at that moment and "
    "says who changed since the preview\n"
    "• `/notify stop BC-n` (or *Stop* on the progress message) stops a sending e-mail: customers "
    "not yet mailed aren't, and the record says so. If the mail server can't be reached, or "
    "refuses swarmbot's login, the progress message says which and swarmbot stops by itself after "
    "`[broadcast] "
    "give_up_after_minutes`\n"
    "• `/notify help` shows this";

constexpr std::string_view kProblemHelp =
    "*/problem* records the cause behind incidents.\n"
    "• `/problem new [title]` in a swarm channel opens `PRB-n` linked to its incident; "
    "elsewhere `/problem new INC-n [title]` or `/problem new title` (standalone)\n"
    "• `/problem link|unlink [PRB-n] INC-n` links it to more incidents, or unlinks one\n"
    "• `/problem cause [PRB-n] text` adds a root-cause note (with you and the time)\n"
    "• `/problem asset [PRB-n] NAME …` names impacted assets from the catalogue\n"
    "• `/problem known-error [PRB-n] KB-n|article-file|text` flags a known error with its "
    "workaround\n"
    "• `/problem investigate|resolve|close|reopen [PRB-n] [note]` moves it: new → "
    "investigating → known error → resolved → closed; it closes once its incidents are closed\n"
    "• `/problem show [PRB-n]`, `/problem list [all]`\n"
    "In a swarm channel you may leave out `PRB-n` when its incident has one problem. Incident "
    "managers, the problem's owner and the owners of its incidents may change it; every change "
    "is announced in the incidents' swarm channels\n"
    "• `/problem help` shows this";

constexpr std::string_view kChangeHelp =
    "*/change* runs change requests: the fix, its work plan, approval and the close.\n"
    "• `/change new [PRB-n|INC-n]` opens the change form (title, type standard / normal / "
    "emergency, risk, justification, planned window in UTC); the change fixes the problem or "
    "incident named, or the incident of the swarm channel it is typed in. A standard change "
    "names a template from the catalogue, which brings its steps and pre-approves it while "
    "the plan is unchanged\n"
    "• `/change link CHG-n fixes|caused-by PRB-n|INC-n` and `/change unlink CHG-n PRB-n|INC-n`\n"
    "• `/change step add [CHG-n] text`, `/change step edit [CHG-n] N text`, "
    "`/change step remove [CHG-n] N` (not a done step), `/change step assign [CHG-n] N "
    "@person` (the requester and incident managers)\n"
    "• `/change step done [CHG-n] N` and `/change step verify [CHG-n] N` (also `/change done|"
    "verify`): an assigned step is marked done by its assignee, any other by the requester, a "
    "manager or the swarm; the swarm, the requester or an incident manager verifies it, never "
    "whoever "
    "did it. Editing the plan after "
    "submission or approval sends the change back for approval\n"
    "• `/change plan [CHG-n]` posts the plan here with a button per step; it stays current\n"
    "• `/change submit [CHG-n]` asks for approval once every step is done and verified\n"
    "• `/change close [CHG-n] [note]` closes an approved change with the incidents and "
    "problems it fixes and their cases, all at once; the reply says what stayed open and why\n"
    "• `/change show [CHG-n]` shows the record, the plan, the approval and its history. In the "
    "swarm channel of an incident with one change you may leave out `CHG-n`\n"
    "• `/change help` shows this";

constexpr std::string_view kOverview =
    "swarmbot knows `/incident`, `/swarm`, `/case`, `/kb`, `/problem`, `/change`, `/banner`, "
    "`/notify` and `/swarmbot`; add `help` to any of them, e.g. `/incident help`.";

constexpr std::string_view kDefaultTimelineReaction = "pushpin";

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0; start <= text.size();) {
    const std::size_t end = std::min(text.find(separator, start), text.size());
    if (end > start) {
      parts.push_back(text.substr(start, end - start));
    }
    start = end + 1;
  }
  return parts;
}

// The usages a help line shows, each between backticks.
std::vector<std::string_view> Usages(std::string_view line) {
  std::vector<std::string_view> usages;
  for (auto open = line.find('`'); open != std::string_view::npos;) {
    const auto close = line.find('`', open + 1);
    if (close == std::string_view::npos) {
      break;
    }
    usages.push_back(line.substr(open + 1, close - open - 1));
    open = line.find('`', close + 1);
  }
  return usages;
}

bool UsageStartsWith(std::string_view usage, std::string_view command,
                     const std::vector<std::string>& words) {
  const auto parts = Split(usage, ' ');
  if (parts.size() <= words.size() || parts.front() != command) {
    return false;
  }
  for (std::size_t i = 0; i < words.size(); ++i) {
    const auto choices = Split(parts[i + 1], '|');
    if (std::find(choices.begin(), choices.end(), words[i]) == choices.end()) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<std::string> SubcommandHelp(std::string_view help, std::string_view command,
                                          const std::vector<std::string>& words) {
  std::string lines;
  for (const std::string_view line : Split(help, '\n')) {
    const auto usages = Usages(line);
    const bool about = std::any_of(usages.begin(), usages.end(), [&](std::string_view usage) {
      return UsageStartsWith(usage, command, words);
    });
    if (line.starts_with("• ") && about) {
      lines += "\n" + std::string(line);
    }
  }
  if (lines.empty()) {
    return std::nullopt;
  }
  std::string name(command);
  for (const std::string& word : words) {
    name += " " + word;
  }
  return "*" + name + "*" + lines;
}

std::string SwarmHelpText(std::string_view timeline_reaction) {
  return fmt::format(fmt::runtime(kSwarmHelp), fmt::arg("reaction", timeline_reaction));
}

std::string HelpText(std::string_view command) {
  if (command == "/swarm") {
    return SwarmHelpText(kDefaultTimelineReaction);
  }
  static constexpr std::pair<std::string_view, std::string_view> kByCommand[] = {
      {"/incident", kIncidentHelp}, {"/case", kCaseHelp},         {"/kb", kKbHelp},
      {"/problem", kProblemHelp},   {"/change", kChangeHelp},     {"/banner", kBannerHelp},
      {"/notify", kNotifyHelp},     {"/swarmbot", kSwarmbotHelp},
  };
  for (const auto& [name, help] : kByCommand) {
    if (command == name) {
      return std::string(help);
    }
  }
  return std::string(kOverview);
}

}  // namespace swarmbot::handlers
