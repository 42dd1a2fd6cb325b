#include "handlers/banner_commands.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include <spdlog/spdlog.h>

#include "handlers/banner_view.hpp"
#include "handlers/command_text.hpp"
#include "handlers/help_text.hpp"
#include "handlers/mrkdwn.hpp"
#include "handlers/reply.hpp"

namespace swarmbot::handlers {
namespace {

constexpr std::string_view kSetUsage =
    "Usage: `/banner set [INC-n] [--audience signed-in|everyone] [--severity "
    "info|warning|critical] [--link https://…] text`";
constexpr std::string_view kClearUsage =
    "Usage: `/banner clear [INC-n] [--audience signed-in|everyone]`";
constexpr std::string_view kTitleUsage =
    "Usage: `/incident public-title [INC-n] text` (one line, at most 120 characters; or `--clear` "
    "to go back to the generic \"An issue affecting customers in …\")";

struct SetOptions {
  std::optional<std::int64_t> incident;
  std::optional<store::BannerAudience> audience;
  store::BannerSeverity severity = store::BannerSeverity::kInfo;
  std::string link;
  std::size_t consumed = 0;  // words taken by the incident and the options
};

Error Invalid(std::string message) {
  return MakeError(Errc::kInvalidInput, "bad banner option", std::move(message));
}

// A link as Slack sends it in command text: "<https://a.example/x>" or
// "<https://a.example/x|label>"; the URL inside, unescaped.
std::string LinkValue(std::string_view word) {
  if (word.size() >= 2 && word.front() == '<' && word.back() == '>') {
    word = word.substr(1, word.size() - 2);
    word = word.substr(0, word.find('|'));
  }
  return UnescapeSlackText(word);
}

// Slack's clients may turn a typed "--" into an em dash or an en dash; an
// option word is read the same either way.
std::string OptionWord(std::string_view word) {
  for (std::string_view dash : {"\u2014", "\u2013"}) {
    if (word.starts_with(dash)) {
      return "--" + std::string(word.substr(dash.size()));
    }
  }
  return std::string(word);
}

// "--audience", "—severity=x": a dash pair followed by a letter. A bare "--"
// (or a dash pair inside prose, "slow -- sorry") is not an option.
bool LooksLikeOption(std::string_view word) {
  const std::string option = OptionWord(word);
  return option.size() > 2 && option.starts_with("--") &&
         std::isalpha(static_cast<unsigned char>(option[2])) != 0;
}

// A word the user meant as an incident number: "INC-" in any case.
bool LooksLikeIncident(std::string_view word) {
  return word.size() >= 4 && Lowercase(word.substr(0, 4)) == "inc-";
}

// Reads "INC-n" (first word only) and "--name value" / "--name=value" options
// from the front of `words`, stopping at the first other word (a bare "--"
// ends the options and is dropped). `allowed` names the options this
// subcommand takes. An "INC-…" word that isn't a number, an option given
// twice, or an option after the text is refused: a typo must not become
// banner text that customers read.
Result<SetOptions> ReadOptions(const std::vector<std::string>& words,
                               std::initializer_list<std::string_view> allowed) {
  SetOptions options;
  std::size_t i = 0;
  if (!words.empty() && LooksLikeIncident(words.front())) {
    const auto number = store::ParseIncidentNumber(words.front());
    if (!number) {
      return Invalid("`" + EscapeMrkdwn(Truncate(words.front(), 30)) +
                     "` doesn't exist; incidents are numbered INC-1, INC-2, …");
    }
    options.incident = *number;
    i = 1;
  }
  std::vector<std::string> seen;
  for (; i < words.size() && LooksLikeOption(words[i]); ++i) {
    const std::string word = OptionWord(words[i]);
    std::string name = Lowercase(word.substr(2));
    std::string value;
    if (const auto equals = name.find('='); equals != std::string::npos) {
      value = word.substr(2 + equals + 1);
      name.resize(equals);
    } else if (i + 1 < words.size()) {
      value = words[++i];
    }
    const std::string shown = "`--" + EscapeMrkdwn(Truncate(name, 30)) + "`";
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      return Invalid("I don't know the option " + shown + ".");
    }
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
      return Invalid(shown + " is given twice; say it once.");
    }
    seen.push_back(name);
    if (value.empty() || LooksLikeOption(value)) {
      return Invalid(shown + " needs a value.");
    }
    if (name == "audience") {
      options.audience = store::ParseBannerAudience(Lowercase(value));
      if (!options.audience) {
        return Invalid("The audience is `signed-in` or `everyone`, not `" +
                       EscapeMrkdwn(Truncate(value, 40)) + "`.");
      }
    } else if (name == "severity") {
      auto severity = store::ParseBannerSeverity(Lowercase(value));
      if (!severity) {
        return Invalid("The severity is `info`, `warning` or `critical`, not `" +
                       EscapeMrkdwn(Truncate(value, 40)) + "`.");
      }
      options.severity = *severity;
    } else {
      options.link = LinkValue(value);
    }
  }
  // "INC-n" after the options names the incident too; a second one can't be
  // meant as the text's first word (write `--` before such text).
  if (i < words.size() && LooksLikeIncident(words[i])) {
    const auto number = store::ParseIncidentNumber(words[i]);
    if (!number || options.incident) {
      return Invalid("Name the incident once, before the text: `" +
                     EscapeMrkdwn(Truncate(words[i], 30)) + "` can't start a banner's text.");
    }
    options.incident = *number;
    ++i;
  }
  if (i < words.size() && OptionWord(words[i]) == "--") {
    options.consumed = i + 1;
    return options;
  }
  for (std::size_t j = i; j < words.size(); ++j) {
    if (LooksLikeOption(words[j])) {
      return Invalid("`" + EscapeMrkdwn(Truncate(OptionWord(words[j]), 30)) +
                     "` comes after the text; options go before it (write `--` before text "
                     "that starts with or holds an option).");
    }
  }
  options.consumed = i;
  return options;
}

// The incident the command names, or the one whose swarm channel it was typed
// in, or none.
Result<std::optional<std::int64_t>> IncidentOf(detail::Services& services,
                                               const std::optional<std::int64_t>& named,
                                               const ChannelId& channel) {
  if (named) {
    return named;
  }
  auto swarm = services.swarms.FindByChannel(channel);
  if (!swarm) {
    return swarm.error();
  }
  return *swarm ? std::optional<std::int64_t>((*swarm)->incident) : std::nullopt;
}

// The refusal of text meant for customers (a banner, a public title) that
// holds a mention: Slack writes them as <@U…>, <#C…> and <!here>, ids that
// customers must not see and that would ping people wherever the text is
// shown in Slack again.
std::optional<std::string> MentionRefusal(std::string_view slack_text, std::string_view what,
                                          std::string_view outcome) {
  for (std::string_view mark : {"<@", "<#", "<!"}) {
    if (slack_text.find(mark) != std::string_view::npos) {
      return std::string(what) +
             " is for customers: write names in words, without @mentions, #channels or @here. " +
             std::string(outcome);
    }
  }
  return std::nullopt;
}

std::string IncidentSuffix(const std::optional<std::int64_t>& incident) {
  return incident ? " for " + store::IncidentNumberText(*incident) : std::string(" on its own");
}

}  // namespace

std::string PlainCommandText(std::string_view slack_text) {
  std::string plain;
  while (!slack_text.empty()) {
    const auto open = slack_text.find('<');
    const auto close = open == std::string_view::npos ? open : slack_text.find('>', open);
    if (close == std::string_view::npos) {
      plain += slack_text;
      break;
    }
    plain += slack_text.substr(0, open);
    const std::string_view inside = slack_text.substr(open + 1, close - open - 1);
    const auto bar = inside.find('|');
    const bool link = inside.starts_with("http://") || inside.starts_with("https://") ||
                      inside.starts_with("mailto:");
    if (link) {
      plain += bar == std::string_view::npos ? inside : inside.substr(bar + 1);
    } else {
      plain += slack_text.substr(open, close - open + 1);
    }
    slack_text = slack_text.substr(close + 1);
  }
  return UnescapeSlackText(plain);
}

std::string BannerCommands::Handle(const SlashCommand& command) {
  const auto words = Tokenize(command.text);
  const std::string sub = words.empty() ? "help" : Lowercase(words.front());
  if (sub == "set") {
    return Set(command);
  }
  if (sub == "clear") {
    return Clear(command);
  }
  if (sub == "show") {
    return Show();
  }
  if (sub == "help") {
    return EphemeralText(HelpText("/banner"));
  }
  return UnknownSubcommand("/banner", words.front(), command.user);
}

Status BannerCommands::MayChange(const std::optional<std::int64_t>& incident, const UserId& user,
                                 std::string_view what) {
  if (incident) {
    return detail::MayChangeIncident(services_, *incident, user, what);
  }
  if (detail::IsIncidentManager(services_.settings, user)) {
    return {};
  }
  return MakeError(Errc::kForbidden, "not an incident manager",
                   "Only incident managers can " + std::string(what) +
                       " that belongs to no incident." + detail::WhomToAsk(services_.settings));
}

std::string BannerCommands::Set(const SlashCommand& command) {
  constexpr std::string_view kWhat = "/banner set";
  const std::string rest = TextAfterWords(command.text, 1);
  auto options = ReadOptions(Tokenize(rest), {"audience", "severity", "link"});
  if (!options) {
    return RefusalReply(kWhat, options.error(), kSetUsage);
  }
  auto incident = IncidentOf(services_, options->incident, command.channel);
  if (!incident) {
    return RefusalReply(kWhat, incident.error());
  }
  lifecycle::BannerInput input;
  input.incident = *incident;
  input.audience = options->audience.value_or(store::BannerAudience::kSignedIn);
  input.severity = options->severity;
  input.link = options->link;
  const std::string text = TextAfterWords(rest, options->consumed);
  if (auto refused = MentionRefusal(text, "The banner", "Nothing was put up.")) {
    return EphemeralText(*refused);
  }
  input.text = PlainCommandText(text);
  if (input.text.empty()) {
    return EphemeralText(std::string(kSetUsage) + "; the banner's text is missing.");
  }
  if (auto allowed = MayChange(input.incident, command.user, "put up a site banner"); !allowed) {
    return RefusalReply(kWhat, allowed.error());
  }
  // Replacing someone else's banner takes the right to take that one down.
  auto current = services_.banners.Matching({.incident = std::nullopt, .audience = input.audience});
  if (!current) {
    return RefusalReply(kWhat, current.error());
  }
  for (const store::Banner& banner : *current) {
    if (auto allowed = MayChange(banner.incident, command.user, "replace a site banner");
        !allowed) {
      return RefusalReply(kWhat, allowed.error());
    }
  }
  auto set = services_.banners.Set(input, command.user);
  if (!set) {
    return RefusalReply(kWhat, set.error(), kSetUsage);
  }
  std::string reply = ":loudspeaker: Site banner up" + IncidentSuffix(input.incident) + ": " +
                      BannerLine(set->banner) + ".";
  if (set->replaced) {
    reply += "\nIt replaced the earlier banner for " +
             lifecycle::AudienceWords(set->replaced->audience) + ": \"" +
             EscapeMrkdwn(set->replaced->text) + "\".";
  }
  if (input.audience == store::BannerAudience::kSignedIn) {
    reply += "\nOnly signed-in customers see it; `--audience everyone` shows a banner to all.";
  }
  return EphemeralText(reply);
}

std::string BannerCommands::Clear(const SlashCommand& command) {
  constexpr std::string_view kWhat = "/banner clear";
  const std::string rest = TextAfterWords(command.text, 1);
  const auto words = Tokenize(rest);
  auto options = ReadOptions(words, {"audience"});
  if (!options) {
    return RefusalReply(kWhat, options.error(), kClearUsage);
  }
  if (options->consumed < words.size()) {
    return EphemeralText(std::string(kClearUsage) + "; `" +
                         EscapeMrkdwn(Truncate(words[options->consumed], 40)) +
                         "` isn't one of its options.");
  }
  lifecycle::BannerSelection selection{.incident = options->incident,
                                       .audience = options->audience};
  if (!selection.incident && !selection.audience) {
    auto incident = IncidentOf(services_, std::nullopt, command.channel);
    if (!incident) {
      return RefusalReply(kWhat, incident.error());
    }
    selection.incident = *incident;
  }
  auto matching = services_.banners.Matching(selection);
  if (!matching) {
    return RefusalReply(kWhat, matching.error());
  }
  for (const store::Banner& banner : *matching) {
    if (auto allowed = MayChange(banner.incident, command.user, "take down a site banner");
        !allowed) {
      return RefusalReply(kWhat, allowed.error());
    }
  }
  auto cleared = services_.banners.Clear(selection, command.user);
  if (!cleared) {
    return RefusalReply(kWhat, cleared.error());
  }
  std::string reply = cleared->size() == 1 ? "Site banner taken down:" : "Site banners taken down:";
  for (const store::Banner& banner : *cleared) {
    reply += "\n• " + BannerLine(banner);
  }
  return EphemeralText(reply + "\nThe site stops showing it at its next poll.");
}

std::string BannerCommands::Show() {
  auto active = services_.banners.Active();
  if (!active) {
    return RefusalReply("/banner show", active.error());
  }
  if (active->empty()) {
    return EphemeralText("No site banner is up. `/banner set text` puts one up.");
  }
  std::string reply = "Site banners up now:";
  for (const store::Banner& banner : *active) {
    reply += "\n• " + BannerLine(banner);
  }
  return EphemeralText(reply +
                       "\nSigned-in customers see their own banner, or else the one for "
                       "everyone; everyone else sees only the one for everyone.");
}

std::string BannerCommands::PublicTitle(const SlashCommand& command) {
  constexpr std::string_view kWhat = "/incident public-title";
  const std::string rest = TextAfterWords(command.text, 1);
  std::size_t consumed = 0;
  auto incident = detail::ResolveIncident(services_, Tokenize(rest), command.channel, consumed,
                                          "/incident public-title INC-3 Checkout problems");
  if (!incident) {
    return RefusalReply(kWhat, incident.error(), kTitleUsage);
  }
  const std::string number = store::IncidentNumberText(*incident);
  const std::string typed = TextAfterWords(rest, consumed);
  if (auto refused = MentionRefusal(typed, "The public title", "Nothing was changed.")) {
    return EphemeralText(*refused);
  }
  std::string title = PlainCommandText(typed);
  if (title.empty()) {
    auto current = services_.banners.PublicTitle(*incident);
    if (!current) {
      return RefusalReply(kWhat, current.error());
    }
    return EphemeralText(current->empty()
                             ? number +
                                   " has no public title; the status page shows a "
                                   "generic one naming its territories. " +
                                   std::string(kTitleUsage) + "."
                             : number + "'s public title: \"" + EscapeMrkdwn(*current) + "\"");
  }
  const bool clearing = Lowercase(title) == "--clear";
  if (clearing) {
    title.clear();
  }
  if (auto allowed =
          detail::MayChangeIncident(services_, *incident, command.user, "set its public title");
      !allowed) {
    return RefusalReply(kWhat, allowed.error());
  }
  if (auto set = services_.banners.SetPublicTitle(*incident, title, command.user); !set) {
    return RefusalReply(kWhat, set.error(), kTitleUsage);
  }
  auto listed = services_.banners.OnStatusPage(*incident);
  if (!listed) {
    return RefusalReply(kWhat, listed.error());
  }
  if (!*listed) {
    // Only what the page shows is said to be on it.
    return EphemeralText(
        (clearing ? number + " has no public title any more"
                  : number + "'s public title is now \"" + EscapeMrkdwn(title) + "\"") +
        ", but the status page doesn't list " + number +
        " right now: it lists every open P1 and P2, and others only while it shows fewer than " +
        std::to_string(lifecycle::BannerService::kMaxPublicIncidents) +
        " incidents, most urgent first (priority, then newest).");
  }
  const std::string shown =
      EscapeMrkdwn(lifecycle::PublicTitleOf((*listed)->public_title, (*listed)->territories));
  return EphemeralText(clearing ? "The status page shows " + number +
                                      " under the generic title again: \"" + shown + "\"."
                                : "The status page now shows " + number + " as \"" + shown + "\".");
}

}  // namespace swarmbot::handlers
