#include "handlers/case_commands.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "handlers/block_kit.hpp"
#include "handlers/command_text.hpp"
#include "handlers/help_text.hpp"
#include "handlers/mrkdwn.hpp"
#include "handlers/reply.hpp"
#include "lifecycle/incident_states.hpp"

namespace swarmbot::handlers {
namespace {

// "CASE-0" (or "case-000"): a case number, but of no case, since they start at 1.
bool IsCaseZero(std::string_view word) {
  constexpr std::string_view kPrefix = "case-";
  if (word.size() <= kPrefix.size() || Lowercase(word.substr(0, kPrefix.size())) != kPrefix) {
    return false;
  }
  return word.substr(kPrefix.size()).find_first_not_of('0') == std::string_view::npos;
}

constexpr std::size_t kSubjectInList = 80;
// A section holds 3,000 characters; escaping may grow the text.
constexpr std::size_t kCommentInShow = 1'200;
constexpr int kCommentsShown = 3;

std::string CaseLine(const store::Case& c) {
  std::string line = "`" + store::CaseNumberText(c.number) + "` · " +
                     std::string(store::Name(c.status)) + " · " +
                     std::string(store::Name(c.channel));
  if (!c.territory.empty()) {
    line += " · " + EscapeMrkdwn(c.territory);
  }
  line += " · " + EscapeMrkdwn(Truncate(c.subject, kSubjectInList));
  if (!c.owner.empty()) {
    line += " · " + UserMention(c.owner);
  }
  return line;
}

std::string Field(std::string_view label, std::string_view value) {
  return "*" + std::string(label) + "*\n" + std::string(value);
}

}  // namespace

std::string CaseCommands::Handle(const SlashCommand& command) {
  const auto words = Tokenize(command.text);
  const std::string sub = words.empty() ? "help" : Lowercase(words.front());
  if (sub == "list") {
    return List(command);
  }
  if (sub == "show") {
    return Show(command);
  }
  if (sub == "mine" || sub == "queue") {
    return Queue(command, sub);
  }
  if (sub == "help") {
    return EphemeralText(HelpText("/case"));
  }
  return UnknownSubcommand("/case", words.front(), command.user);
}

std::string CaseCommands::List(const SlashCommand& command) {
  auto query = ParseCaseListQuery(TextAfterWords(command.text, 1), command.user);
  if (!query) {
    return RefusalReply("/case list", query.error());
  }
  return Listing(*query, "list", "Cases");
}

std::string CaseCommands::Queue(const SlashCommand& command, const std::string& sub) {
  const auto words = Tokenize(TextAfterWords(command.text, 1));
  UserId owner = command.user;
  std::size_t skip = 1;
  if (sub == "queue" && !words.empty() && words.front().find_first_of("=:") == std::string::npos) {
    const auto mention = ParseMention(words.front());
    if (!mention || mention->kind != Mention::Kind::kUser) {
      return EphemeralText("Whose queue? Usage: `/case queue @rep [page=n]`, or `/case mine`.");
    }
    owner = UserId(mention->id);
    skip = 2;
  }
  auto query = ParseCaseListQuery(TextAfterWords(command.text, skip), command.user);
  if (!query) {
    return RefusalReply("/case " + sub, query.error());
  }
  if (query->filter.owner) {
    return EphemeralText(std::string(sub == "mine" ? "`/case mine` is your own queue"
                                                   : "`/case queue @rep` names the owner already") +
                         ", so it takes no `owner=` filter; `/case list owner=…` lists anyone's "
                         "cases.");
  }
  query->filter.owner = owner;
  query->words.erase(std::remove_if(query->words.begin(), query->words.end(),
                                    [](const std::string& w) { return w.starts_with("owner="); }),
                     query->words.end());
  const bool own = owner == command.user;
  const std::string again = own ? "mine" : "queue <@" + owner.str() + ">";
  return Listing(*query, again, own ? "Your queue" : "Queue of " + UserMention(owner));
}

std::string CaseCommands::Listing(CaseListQuery query, const std::string& again,
                                  const std::string& title) {
  if (auto refused = CheckTerritory(query.filter)) {
    return *refused;
  }
  store::CaseFilter& filter = query.filter;
  filter.limit = kListLimit;
  filter.offset = (query.page - 1) * kListLimit;
  auto listing = services_.cases.ListCases(filter);
  if (!listing) {
    return RefusalReply("/case " + again, listing.error());
  }
  const std::string label = DescribeFilter(filter);
  if (listing->total == 0) {
    return EphemeralText("No cases (" + label + ").");
  }
  const std::int64_t pages = (listing->total + kListLimit - 1) / kListLimit;
  if (listing->cases.empty()) {
    return EphemeralText(pages == 1 ? "There is only 1 page of cases (" + label + ")."
                                    : "There are only " + std::to_string(pages) +
                                          " pages of cases (" + label + ").");
  }
  std::string text = "*" + title + " (" + label + ")*, newest first · " +
                     std::to_string(listing->total) + (listing->total == 1 ? " case" : " cases");
  if (pages > 1) {
    text += " · page " + std::to_string(query.page) + " of " + std::to_string(pages);
  }
  BlockMessage message(title + " (" + label + "): " + std::to_string(listing->total));
  message.Section(text);
  // One section per case keeps each within its limit however long subjects get.
  for (const store::Case& c : listing->cases) {
    message.Section(CaseLine(c));
  }
  if (query.page < pages) {
    std::string next = "/case " + again;
    for (const std::string& word : query.words) {
      next += " " + word;
    }
    message.Context(
        {"Next page: `" + EscapeMrkdwn(next) + " page=" + std::to_string(query.page + 1) + "`"});
  }
  return EphemeralMessage(message);
}

std::optional<std::string> CaseCommands::CheckTerritory(const store::CaseFilter& filter) {
  if (!filter.territory) {
    return std::nullopt;
  }
  auto known = services_.cases.KnownTerritories();
  if (!known) {
    return RefusalReply("/case list", known.error());
  }
  const std::string wanted = Lowercase(*filter.territory);
  if (std::any_of(known->begin(), known->end(),
                  [&](const std::string& t) { return Lowercase(t) == wanted; })) {
    return std::nullopt;
  }
  std::string names;
  for (const std::string& territory : *known) {
    names += (names.empty() ? "" : ", ") + EscapeMrkdwn(territory);
  }
  return EphemeralText("No case has territory `" + EscapeMrkdwn(Truncate(*filter.territory, 40)) +
                       "`" + (names.empty() ? "." : "; the territories are " + names + "."));
}

std::string CaseCommands::Show(const SlashCommand& command) {
  const auto words = Tokenize(TextAfterWords(command.text, 1));
  const auto number = words.size() == 1 ? store::ParseCaseNumber(words.front()) : std::nullopt;
  if (!number && words.size() == 1 && IsCaseZero(words.front())) {
    return EphemeralText("CASE-0 doesn't exist.");  // numbers start at 1
  }
  if (!number) {
    return EphemeralText("Which case? Usage: `/case show CASE-n`");
  }
  auto found = services_.cases.FindCase(*number);
  if (!found) {
    return RefusalReply("/case show", found.error());
  }
  const store::Case& c = *found;
  BlockMessage message(store::CaseNumberText(c.number) + " · " + EscapeMrkdwn(c.subject));
  message.Header(store::CaseNumberText(c.number) + " · " + c.subject);
  message.Fields({
      Field("Status", store::Name(c.status)),
      Field("Channel", store::Name(c.channel)),
      Field("Territory", c.territory.empty() ? "—" : EscapeMrkdwn(c.territory)),
      Field("Contact", EscapeMrkdwn(c.contact_name) + " · " + EscapeMrkdwn(c.contact_email)),
      Field("Owner", c.owner.empty() ? "nobody" : UserMention(c.owner)),
      Field("Incident", IncidentLabel(c)),
      Field("Created", FormatTime(c.created_at)),
  });
  message.Section(EscapeMrkdwn(c.description));
  if (!c.resolution.empty()) {
    message.Section("*Resolution*\n" + EscapeMrkdwn(c.resolution));
  }
  AddComments(c, message);
  return EphemeralMessage(message);
}

std::string CaseCommands::IncidentLabel(const store::Case& c) {
  // A case the customer reopened has left its closed incident; say which.
  const std::optional<std::int64_t> number =
      c.incident ? c.incident : services_.cases.LastIncident(c.number);
  if (!number) {
    return "none";
  }
  const std::string name = store::IncidentNumberText(*number);
  auto incident = services_.incidents.FindIncident(*number);
  const std::string label =
      incident ? name + " · " + EscapeMrkdwn(Truncate(incident->subject, kSubjectInList)) + " (" +
                     lifecycle::StateLabel(incident->state) + ")"
               : name;
  if (!c.incident) {
    return "none now; reopened after " + label;
  }
  return (c.status == store::CaseStatus::kHeld ? "held by " : "") + label;
}

void CaseCommands::AddComments(const store::Case& c, BlockMessage& message) {
  auto comments = services_.mail.LatestComments(c.number, kCommentsShown);
  if (!comments || comments->total == 0) {
    return;
  }
  std::string heading = "*Comments* (" + std::to_string(comments->total) + ")";
  if (comments->total > static_cast<std::int64_t>(comments->latest.size())) {
    heading += ", the latest " + std::to_string(comments->latest.size());
  }
  message.Section(heading);
  for (const store::CaseComment& comment : comments->latest) {
    // Anyone who knows a Message-ID can reply; a name is whatever the sender
    // typed, so a stranger is shown by address, never like the customer.
    const bool from_contact = Lowercase(comment.author_email) == Lowercase(c.contact_email);
    const std::string author =
        from_contact ? "*" +
                           EscapeMrkdwn(Truncate(comment.author_name.empty() ? comment.author_email
                                                                             : comment.author_name,
                                                 80)) +
                           "*"
                     : ":warning: from " + EscapeMrkdwn(Truncate(comment.author_email, 254)) +
                           ", not the case's contact";
    message.Section(author + " · " + FormatTime(comment.created_at) + "\n" +
                    EscapeMrkdwn(Truncate(comment.body, kCommentInShow)));
  }
}

}  // namespace swarmbot::handlers
