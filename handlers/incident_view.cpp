#include "handlers/incident_view.hpp"

#include <algorithm>
#include <vector>

#include "common/count_text.hpp"
#include "common/duration_text.hpp"
#include "handlers/banner_view.hpp"
#include "handlers/mrkdwn.hpp"
#include "handlers/problem_view.hpp"
#include "lifecycle/incident_states.hpp"

namespace swarmbot::handlers {
namespace {

constexpr std::size_t kMaxTopic = 250;
constexpr std::size_t kTimelineTextMax = 200;
// Members listed one per line in the closing summary (a section holds 3,000
// characters).
constexpr std::size_t kMembersShown = 25;

std::string Number(const store::Incident& incident) {
  return store::IncidentNumberText(incident.number);
}

std::string Field(std::string_view label, std::string_view value) {
  return "*" + std::string(label) + "*\n" + std::string(value);
}

std::string PersonOr(const UserId& user, std::string_view fallback) {
  return user.empty() ? std::string(fallback) : UserMention(user);
}

// A deactivated owner stays until someone reassigns the incident; the
// summary says so where a lead looks for the owner.
std::string OwnerText(const lifecycle::IncidentStatus& status) {
  const store::Incident& incident = status.incident;
  std::string text = PersonOr(incident.owner, "unassigned");
  const bool unresolved = incident.Open() && incident.state != store::IncidentState::kResolved;
  if (status.owner_deactivated && unresolved) {
    text += " (Slack account deactivated: `/incident assign " +
            store::IncidentNumberText(incident.number) + "` to reassign)";
  }
  return text;
}

// `final`: the closing summary, after which none will be linked to this swarm.
std::string LinkedCasesText(const lifecycle::IncidentStatus& status, bool final = false) {
  if (status.linked_cases == 0) {
    return status.incident.Open() && !final ? "none yet" : "none";
  }
  return std::to_string(status.linked_cases) + " (" + EscapeMrkdwn(CountsText(status.by_channel)) +
         ")";
}

std::string SwarmText(const lifecycle::IncidentStatus& status) {
  if (!status.swarm) {
    return "not started";
  }
  const store::Swarm& swarm = *status.swarm;
  if (swarm.ChannelRefused()) {
    return "none: Slack refused to create #" + EscapeMrkdwn(swarm.channel_name);
  }
  if (swarm.channel_id.empty()) {
    return "#" + EscapeMrkdwn(swarm.channel_name) + " (starting)";
  }
  const std::string mention = ChannelMention(swarm.channel_id);
  return swarm.state == store::SwarmState::kArchived ? mention + " (archived)" : mention;
}

std::chrono::seconds Between(Clock::TimePoint from, Clock::TimePoint to) {
  return std::chrono::duration_cast<std::chrono::seconds>(to - from);
}

std::string TimelineLine(const store::TimelineEntry& entry) {
  const std::string who = entry.actor == "swarmbot" ? "swarmbot" : UserMention(UserId(entry.actor));
  // The timeline is shown again and again (status replies, the summary, the
  // closing summary): a group named in a note would be paged each time a new
  // message shows it, long after the note was written.
  return "• " + FormatTime(entry.at) + " · " + who + " · " +
         Truncate(EscapeMrkdwnKeepingMentions(entry.text, GroupMentions::kQuiet), kTimelineTextMax,
                  true);
}

// Attached knowledge articles by title; people find them with /kb.
std::string WorkaroundsText(const lifecycle::IncidentStatus& status) {
  std::string text;
  for (const store::AttachedArticle& attached : status.workarounds) {
    text += (text.empty() ? "" : "\n") + std::string("• ") +
            EscapeMrkdwn(Truncate(attached.article.title, kTimelineTextMax));
    if (!attached.article.product.empty()) {
      text += " (" + EscapeMrkdwn(Truncate(attached.article.product, 60)) + ")";
    }
  }
  return text;
}

// Whether `member` took part in the swarm's current channel; someone from an
// earlier channel who isn't back has nothing recorded (SwarmRepository::Restart).
bool InThisChannel(const store::SwarmMember& member) {
  return member.invited_at || member.joined_at || member.left_at || member.messages > 0;
}

// One line per member of the current channel: when they joined and left,
// and what they wrote.
std::string MembersText(const lifecycle::IncidentStatus& status) {
  std::vector<const store::SwarmMember*> members;
  for (const store::SwarmMember& member : status.members) {
    if (InThisChannel(member)) {
      members.push_back(&member);
    }
  }
  std::string text;
  std::size_t shown = 0;
  for (const store::SwarmMember* listed : members) {
    if (++shown > kMembersShown) {
      text += "\n• and " + std::to_string(members.size() - kMembersShown) + " more";
      break;
    }
    const store::SwarmMember& member = *listed;
    std::string line = "• " + UserMention(member.user);
    if (member.joined_at) {
      line += " joined " + FormatTime(*member.joined_at);
    } else if (member.invited_at) {
      line += " invited " + FormatTime(*member.invited_at) + ", never joined";
    }
    if (member.left_at) {
      line += ", left " + FormatTime(*member.left_at);
    }
    line += " · " + Counted(member.messages, "message", "messages");
    text += (text.empty() ? "" : "\n") + line;
  }
  return text.empty() ? "nobody recorded" : text;
}

// "CHG-1 (closed), CHG-2 (awaiting approval)".
std::string ChangesText(const std::vector<store::Change>& changes) {
  std::string text;
  for (const store::Change& change : changes) {
    std::string state(store::Name(change.state));
    std::replace(state.begin(), state.end(), '_', ' ');
    text +=
        (text.empty() ? "" : ", ") + store::ChangeNumberText(change.number) + " (" + state + ")";
  }
  return text;
}

// What the swarm leaves behind: the incident, its cases, its problems and the
// changes that fixed them.
std::string RecordsText(const lifecycle::IncidentStatus& status) {
  std::string text = "• Incident " + Number(status.incident) + " (" +
                     lifecycle::StateLabel(status.incident.state) + ")";
  text += "\n• Linked cases: " + LinkedCasesText(status, true);
  if (!status.problems.empty()) {
    text += "\n• Problems: " + ProblemsText(status.problems);
  }
  if (!status.changes.empty()) {
    text += "\n• Changes: " + ChangesText(status.changes);
  }
  if (!status.workarounds.empty()) {
    text += "\n• Articles attached:\n" + WorkaroundsText(status);
  }
  return text;
}

std::string JoinedText(const std::vector<std::string>& items) {
  std::string text;
  for (const std::string& item : items) {
    text += (text.empty() ? "" : ", ") + item;
  }
  return text;
}

// "P1 (impact high, urgency low; set by hand over P3: a reason)".
std::string PriorityText(const store::Incident& incident) {
  std::string text = "P" + std::to_string(incident.priority) + " (impact " +
                     std::string(store::Name(incident.impact)) + ", urgency " +
                     std::string(store::Name(incident.urgency));
  // The reason is kept only when the override differs from the matrix.
  if (!incident.priority_reason.empty()) {
    text += "; set by hand over P" + std::to_string(incident.matrix_priority) + ": " +
            EscapeMrkdwn(Truncate(incident.priority_reason, kTimelineTextMax));
  }
  return text + ")";
}

}  // namespace

std::string CountsText(const store::LabelCounts& counts) {
  std::string text;
  for (const auto& [label, count] : counts) {
    text += (text.empty() ? "" : ", ") + (label.empty() ? std::string("unknown") : label) + " " +
            std::to_string(count);
  }
  return text.empty() ? "none" : text;
}

BlockMessage IncidentSummary(const lifecycle::IncidentStatus& status) {
  const store::Incident& incident = status.incident;
  const std::string priority = "P" + std::to_string(incident.priority);
  BlockMessage message(Number(incident) + " · " + priority + " · " +
                       lifecycle::StateLabel(incident.state) + " · " +
                       EscapeMrkdwn(incident.subject));
  message.Header(Number(incident) + " · " + incident.subject);
  message.Section(EscapeMrkdwn(incident.description));
  std::vector<std::string> fields{
      Field("State", lifecycle::StateLabel(incident.state)),
      Field("Priority", PriorityText(incident)),
      Field("Owner", OwnerText(status)),
      Field("Declared by", PersonOr(incident.declared_by, "unknown")),
      Field("Linked cases", LinkedCasesText(status)),
      Field("Swarm channel", SwarmText(status)),
  };
  if (!incident.territories.empty()) {
    fields.push_back(Field("Impacted territories", EscapeMrkdwn(JoinedText(incident.territories))));
  }
  if (!status.by_territory.empty()) {
    fields.push_back(Field("Cases by territory", EscapeMrkdwn(CountsText(status.by_territory))));
  }
  if (!status.workarounds.empty()) {
    fields.push_back(Field("Workaround", WorkaroundsText(status)));
  }
  if (!status.problems.empty()) {
    fields.push_back(Field("Problems", ProblemsText(status.problems)));
  }
  message.Fields(fields);
  if (!status.banners.empty()) {
    message.Section(BannerSummaryText(status.banners));
  }
  std::string when = "Declared " + FormatTime(incident.created_at);
  if (incident.resolved_at) {
    when += " · resolved " + FormatTime(*incident.resolved_at);
  }
  if (incident.closed_at) {
    when += " · closed " + FormatTime(*incident.closed_at);
  }
  message.Context({when});
  if (incident.Open() && (!status.swarm || status.swarm->ChannelRefused())) {
    message.SectionWithButton("Bring the experts together in a channel of its own.", "Start swarm",
                              kSwarmStartActionId, Number(incident));
  }
  return message;
}

BlockMessage DeclaredNote(const lifecycle::IncidentStatus& status) {
  const store::Incident& incident = status.incident;
  const std::string number = Number(incident);
  const std::string line = number + " declared · P" + std::to_string(incident.priority) + " · " +
                           EscapeMrkdwn(incident.subject);
  const std::string link = "`/incident link " + number + " CASE-…` or `--query <words>`";
  const std::string swarm = "`/swarm start " + number + " @people` to start swarming";
  const std::int64_t linked = status.linked_cases;
  BlockMessage message(line);
  message.Section(":rotating_light: *" + line + "*\nNext: " +
                  (linked == 0 ? link + " to link cases, " + swarm + "."
                               : swarm + ". " + Counted(linked, "case is", "cases are") +
                                     " linked already; " + link + " links more."));
  return message;
}

BlockMessage ClosingSummary(const lifecycle::IncidentStatus& status, Clock::TimePoint now) {
  const store::Incident& incident = status.incident;
  const Clock::TimePoint closed = incident.closed_at.value_or(now);
  const Clock::TimePoint resolved = incident.resolved_at.value_or(closed);
  const std::string to_resolve = FormatDuration(Between(incident.created_at, resolved));
  BlockMessage message(Number(incident) + " swarm closed · resolved in " + to_resolve + " · " +
                       std::to_string(status.linked_cases) + " linked cases");
  message.Header(Number(incident) + " swarm closed · " + incident.subject);
  if (!incident.close_note.empty()) {
    message.Section(">" + EscapeMrkdwn(incident.close_note));
  }
  std::vector<std::string> fields{
      Field("Time to resolve", to_resolve),
      Field("State", lifecycle::StateLabel(incident.state)),
      Field("Priority", "P" + std::to_string(incident.priority)),
      Field("Linked cases", LinkedCasesText(status, true)),
  };
  if (status.swarm) {
    fields.insert(
        fields.begin() + 1,
        Field("Swarm duration", FormatDuration(Between(status.swarm->created_at, closed))));
  }
  message.Fields(fields);
  message.Section("*Members*\n" + MembersText(status));
  message.Section("*Records*\n" + RecordsText(status));
  message.Section(":tada: *Great teamwork, everyone: " + Number(incident) +
                  " is fixed and the customers can get on with their day. Thank you!*");
  // Posted before the archive, which may still fail (people are told then).
  message.Context({"Archiving this channel now; the record stays with " + Number(incident) + "."});
  return message;
}

BlockMessage StatusView(const lifecycle::IncidentStatus& status) {
  BlockMessage message = IncidentSummary(status);
  if (!status.recent.empty()) {
    std::string recent = "*Latest*";
    for (const store::TimelineEntry& entry : status.recent) {
      recent += "\n" + TimelineLine(entry);
    }
    message.Section(recent);
  }
  return message;
}

std::string SwarmTopic(const store::Incident& incident) {
  return Truncate(Number(incident) + " · P" + std::to_string(incident.priority) + " · " +
                      lifecycle::StateLabel(incident.state) + " · " + incident.subject,
                  kMaxTopic);
}

std::string SwarmPurpose(const store::Incident& incident) {
  return Truncate("Swarm on " + Number(incident) + ": " + incident.subject, kMaxTopic);
}

}  // namespace swarmbot::handlers
