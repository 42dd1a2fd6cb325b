#include "handlers/case_commands.hpp"

#include <spdlog/spdlog.h>

#include "handlers/block_kit.hpp"
#include "handlers/command_text.hpp"
#include "handlers/help_text.hpp"
#include "handlers/mrkdwn.hpp"
#include "handlers/reply.hpp"

namespace swarmbot::handlers {
namespace {

constexpr std::size_t kSubjectInList = 80;

Result<std::vector<store::CaseStatus>> ParseListFilter(const std::vector<std::string>& words) {
  using store::CaseStatus;
  if (words.empty()) {
    return std::vector<CaseStatus>{CaseStatus::kNew, CaseStatus::kOpen};
  }
  const std::string word = Lowercase(words.front());
  if (word == "all") {
    return std::vector<CaseStatus>{};
  }
  if (auto status = store::ParseCaseStatus(word); status && words.size() == 1) {
    return std::vector<CaseStatus>{*status};
  }
  return MakeError(Errc::kInvalidInput, "bad case filter",
                   "List which cases? Try `/case list`, `/case list held` or `/case list all`.");
}

std::string FilterLabel(const std::vector<store::CaseStatus>& statuses) {
  if (statuses.empty()) {
    return "all";
  }
  std::string label;
  for (auto status : statuses) {
    label += (label.empty() ? "" : ", ") + std::string(store::Name(status));
  }
  return label;
}

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
  if (sub == "help") {
    return EphemeralText(HelpText("/case"));
  }
  spdlog::info("event=command.unknown_subcommand command=/case user={}", command.user.str());
  return EphemeralText("Unknown subcommand `" + EscapeMrkdwn(Truncate(words.front(), 40)) +
                       "`; try `/case help`.");
}

std::string CaseCommands::List(const SlashCommand& command) {
  auto statuses = ParseListFilter(Tokenize(TextAfterWords(command.text, 1)));
  if (!statuses) {
    return RefusalReply("/case list", statuses.error());
  }
  store::CaseFilter filter;
  filter.statuses = *statuses;
  filter.limit = kListLimit;
  auto listing = services_.cases.ListCases(filter);
  if (!listing) {
    return RefusalReply("/case list", listing.error());
  }
  const std::string label = FilterLabel(*statuses);
  if (listing->cases.empty()) {
    return EphemeralText("No cases (" + label + ").");
  }
  std::string text = "*Cases (" + label + ")*, newest first";
  if (listing->total > static_cast<std::int64_t>(listing->cases.size())) {
    text += ", " + std::to_string(listing->cases.size()) + " of " + std::to_string(listing->total);
  }
  BlockMessage message("Cases (" + label + "): " + std::to_string(listing->total));
  message.Section(text);
  // One section per case keeps each within its limit however long subjects get.
  for (const store::Case& c : listing->cases) {
    message.Section(CaseLine(c));
  }
  return EphemeralMessage(message);
}

std::string CaseCommands::Show(const SlashCommand& command) {
  const auto words = Tokenize(TextAfterWords(command.text, 1));
  const auto number = words.size() == 1 ? store::ParseCaseNumber(words.front()) : std::nullopt;
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
      Field("Incident", c.incident ? store::IncidentNumberText(*c.incident) : "none"),
      Field("Created", FormatTime(c.created_at)),
  });
  message.Section(EscapeMrkdwn(c.description));
  if (!c.resolution.empty()) {
    message.Section("*Resolution*\n" + EscapeMrkdwn(c.resolution));
  }
  return EphemeralMessage(message);
}

}  // namespace swarmbot::handlers
