#include "handlers/knowledge_commands.hpp"

#include <charconv>

#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include "handlers/block_kit.hpp"
#include "handlers/command_text.hpp"
#include "handlers/help_text.hpp"
#include "handlers/mrkdwn.hpp"
#include "handlers/reply.hpp"
#include "store/knowledge_repository.hpp"
#include "store/records.hpp"

namespace swarmbot::handlers {
namespace {

constexpr std::string_view kWhat = "/kb";
constexpr std::size_t kMaxWordsShown = 100;

std::string TermsText(const std::vector<std::string>& terms) {
  std::string text;
  for (const std::string& term : terms) {
    text += (text.empty() ? "" : " ") + term;
  }
  return text;
}

std::string ResultText(const store::ArticleHit& hit) {
  std::string text = "*" + EscapeMrkdwn(Truncate(hit.article.title, 150)) + "*";
  if (!hit.article.product.empty()) {
    text += " · " + EscapeMrkdwn(Truncate(hit.article.product, 60));
  }
  const std::string snippet = RenderSnippet(hit.snippet);
  if (!snippet.empty()) {
    text += "\n" + snippet;
  }
  if (!hit.article.tags.empty()) {
    text += "\n_" + EscapeMrkdwn(Truncate(hit.article.tags, 200)) + "_";
  }
  return text;
}

}  // namespace

std::string RenderSnippet(std::string_view snippet) {
  std::string out;
  std::string plain;
  auto flush = [&] {
    out += EscapeMrkdwn(plain);
    plain.clear();
  };
  for (char c : snippet) {
    if (c == store::kMatchStart || c == store::kMatchEnd) {
      flush();
      out += '*';
    } else {
      plain += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
    }
  }
  flush();
  return out;
}

std::string AttachValue(std::int64_t article, std::int64_t incident) {
  return std::to_string(article) + "/" + store::IncidentNumberText(incident);
}

std::optional<AttachTarget> ParseAttachValue(std::string_view value) {
  const auto slash = value.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash > 18) {
    return std::nullopt;
  }
  AttachTarget target;
  const char* end = value.data() + slash;
  const auto parsed = std::from_chars(value.data(), end, target.article);
  if (parsed.ec != std::errc{} || parsed.ptr != end || target.article <= 0) {
    return std::nullopt;
  }
  const auto incident = store::ParseIncidentNumber(value.substr(slash + 1));
  if (!incident) {
    return std::nullopt;
  }
  target.incident = *incident;
  return target;
}

std::string KnowledgeCommands::Handle(const SlashCommand& command) {
  const std::string text = UnescapeSlackText(command.text);
  const auto words = Tokenize(text);
  if (words.empty() || (words.size() == 1 && Lowercase(words.front()) == "help")) {
    return EphemeralText(HelpText("/kb"));
  }

  std::optional<std::int64_t> incident;
  std::string query = text;
  if (auto named = store::ParseIncidentNumber(words.front())) {
    incident = *named;
    query = TextAfterWords(text, 1);
  } else {
    auto swarm = services_.swarms.FindByChannel(command.channel);
    if (!swarm) {
      return RefusalReply(kWhat, swarm.error());
    }
    if (*swarm) {
      incident = (*swarm)->incident;
    }
  }

  auto result = services_.knowledge.Search(query, kKbResults, incident, command.user);
  if (!result) {
    return RefusalReply(kWhat, result.error());
  }
  if (result->terms.empty()) {
    return EphemeralText(
        "There is nothing to search for in that; type some words, e.g. `/kb refund late "
        "delivery`.");
  }
  const std::string shown = EscapeMrkdwn(Truncate(TermsText(result->terms), kMaxWordsShown));
  if (result->hits.empty()) {
    return EphemeralText("No knowledge articles match _" + shown + "_.");
  }

  // Attach buttons only where attaching can work.
  bool attachable = false;
  if (incident) {
    auto found = services_.incidents.FindIncident(*incident);
    attachable = found && found->Open();
  }
  const std::size_t n = result->hits.size();
  BlockMessage message(std::to_string(n) + (n == 1 ? " article" : " articles") + " for " + shown);
  std::string heading = "*" + std::to_string(n) + (n == 1 ? " article" : " articles") + "* for _" +
                        shown + "_, best first";
  if (incident) {
    heading += " · searched for " + store::IncidentNumberText(*incident);
  }
  message.Section(heading);
  for (const store::ArticleHit& hit : result->hits) {
    if (attachable) {
      message.SectionWithButton(ResultText(hit),
                                "Attach to " + store::IncidentNumberText(*incident),
                                kAttachActionId, AttachValue(hit.article.id, *incident));
    } else {
      message.Section(ResultText(hit));
    }
  }
  return EphemeralMessage(message);
}

void KnowledgeCommands::HandleAttachClick(const detail::FlatJson& payload, std::size_t index) {
  const UserId user(payload.StringOr("user.id"));
  const std::string value = payload.StringOr("actions." + std::to_string(index) + ".value");
  const auto target = ParseAttachValue(value);
  if (!target || user.empty()) {
    spdlog::warn("event=kb.attach.malformed user={}", user.str());
    Answer(payload, "That button is out of date; search again with `/kb`.");
    return;
  }
  auto attached = services_.knowledge.Attach(target->incident, target->article, user);
  const std::string number = store::IncidentNumberText(target->incident);
  if (!attached) {
    spdlog::info("event=kb.attach.refused incident={} article={} code={}", number, target->article,
                 ErrcName(attached.error().code));
    Answer(payload, RefusalText(attached.error()));
    return;
  }
  const std::string title = "*" + EscapeMrkdwn(Truncate(attached->article.title, 150)) + "*";
  if (attached->already_attached) {
    Answer(payload, title + " is already attached to " + number + ".");
    return;
  }
  Answer(payload, "Attached " + title + " to " + number +
                      " as a workaround; the incident summary shows it.");
}

void KnowledgeCommands::Answer(const detail::FlatJson& payload, const std::string& mrkdwn) {
  detail::AnswerClick(services_, payload, mrkdwn, "kb");
}

}  // namespace swarmbot::handlers
