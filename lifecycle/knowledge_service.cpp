#include "lifecycle/knowledge_service.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <system_error>

#include <spdlog/spdlog.h>

#include "common/crypto.hpp"
#include "common/text_checks.hpp"
#include "lifecycle/detail/effects_queue.hpp"
#include "lifecycle/detail/swarm_life.hpp"
#include "lifecycle/effects.hpp"
#include "lifecycle/incident_service.hpp"
#include "lifecycle/text_rules.hpp"
#include "lifecycle/transaction.hpp"
#include "store/incident_repository.hpp"
#include "store/outbox.hpp"
#include "store/swarm_repository.hpp"
#include "store/timeline_repository.hpp"

namespace swarmbot::lifecycle {
namespace {

constexpr std::size_t kMaxTitle = 200;
constexpr std::size_t kMaxShortField = 500;
// A knowledge article is a page or two; a megabyte file is a mistake.
constexpr std::size_t kMaxBody = 100'000;
constexpr std::uintmax_t kMaxFileBytes = 1'000'000;
constexpr std::size_t kMaxTerms = 16;
constexpr std::size_t kMaxTermBytes = 64;
constexpr std::size_t kWordsInTimeline = 200;
constexpr int kMaxLimit = 50;

Error Invalid(std::string message) {
  return MakeError(Errc::kInvalidInput, "bad article file", std::move(message));
}

// The first control character in a line of valid UTF-8 (C0 but tab, DEL, or
// C1) as "U+0007", or "" when there is none.
std::string ControlIn(std::string_view line) {
  for (std::size_t i = 0; i < line.size(); ++i) {
    const auto u = static_cast<unsigned char>(line[i]);
    unsigned code = 0x100;
    if ((u < 0x20 && u != '\t') || u == 0x7F) {
      code = u;
    } else if (u == 0xC2 && i + 1 < line.size() && static_cast<unsigned char>(line[i + 1]) < 0xA0) {
      code = static_cast<unsigned char>(line[i + 1]);
    }
    if (code != 0x100) {
      return CodePointName(code);
    }
  }
  return "";
}

// Refuses a file with a control character anywhere, naming the line and the
// field it is in: such bytes are a broken export, not text to keep or drop.
Status CheckNoControls(const std::vector<std::string_view>& lines, std::size_t close) {
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string control = ControlIn(lines[i]);
    if (control.empty()) {
      continue;
    }
    std::string field = "body";
    if (i <= close) {
      const auto colon = lines[i].find(':');
      field = i == 0 || i == close || colon == std::string_view::npos
                  ? "front matter"
                  : Trimmed(lines[i].substr(0, colon));
    }
    return Invalid("line " + std::to_string(i + 1) + ": `" + field +
                   "` contains the control character " + control +
                   "; only tabs and line breaks are allowed");
  }
  return {};
}

std::string Unquoted(std::string_view value) {
  std::string v = Trimmed(value);
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) {
    return v.substr(1, v.size() - 2);
  }
  return v;
}

// "[a, 'b']" or "a, b" → "a, b".
std::string TagList(std::string_view value) {
  std::string v = Trimmed(value);
  if (v.size() >= 2 && v.front() == '[' && v.back() == ']') {
    v = v.substr(1, v.size() - 2);
  }
  std::string tags;
  std::string_view rest = v;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string tag = Unquoted(rest.substr(0, comma));
    if (!tag.empty()) {
      tags += (tags.empty() ? "" : ", ") + tag;
    }
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
  }
  return tags;
}

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    lines.push_back(line);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
  }
  return lines;
}

bool IsTermByte(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

// Cuts at most `max` bytes without splitting a UTF-8 sequence.
std::string CutUtf8(std::string_view text, std::size_t max) {
  if (text.size() <= max) {
    return std::string(text);
  }
  std::size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
    --end;
  }
  return std::string(text.substr(0, end));
}

Result<std::string> ReadSmallFile(const std::filesystem::path& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) {
    return MakeError(Errc::kUnavailable, "stat failed", "can't read the file: " + ec.message());
  }
  if (size > kMaxFileBytes) {
    return Invalid("the file is larger than " + std::to_string(kMaxFileBytes) + " bytes");
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  if (!in) {
    return MakeError(Errc::kUnavailable, "read failed", "can't read the file");
  }
  return content.str();
}

}  // namespace

Result<ArticleFile> ParseArticleFile(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) {
    text.remove_prefix(3);
  }
  if (!IsValidUtf8(text)) {
    return Invalid("the file isn't UTF-8 text");
  }
  const auto lines = Lines(text);
  std::size_t close = 1;
  while (close < lines.size() && Trimmed(lines[close]) != "---") {
    ++close;
  }
  if (auto checked = CheckNoControls(lines, close); !checked) {
    return checked.error();
  }
  if (lines.empty() || Trimmed(lines.front()) != "---") {
    return Invalid("no front matter: the file must start with a `---` line");
  }
  if (close >= lines.size()) {
    return Invalid("the front matter has no closing `---` line");
  }

  ArticleFile file;
  std::string list_key;  // the key whose "- item" lines follow
  for (std::size_t i = 1; i < close; ++i) {
    const std::string line = Trimmed(lines[i]);
    if (line.empty() || line.front() == '#') {
      continue;
    }
    if (line.front() == '-' && list_key == "tags") {
      const std::string tag = Unquoted(std::string_view(line).substr(1));
      if (!tag.empty()) {
        file.tags += (file.tags.empty() ? "" : ", ") + tag;
      }
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string::npos) {
      return Invalid("front matter line " + std::to_string(i + 1) + " isn't `key: value`");
    }
    const std::string key = Trimmed(std::string_view(line).substr(0, colon));
    const std::string_view value = std::string_view(line).substr(colon + 1);
    list_key = key;
    if (key == "title") {
      file.title = Unquoted(value);
    } else if (key == "product") {
      file.product = Unquoted(value);
    } else if (key == "tags") {
      file.tags = TagList(value);
    }
  }
  std::string body;
  for (std::size_t i = close + 1; i < lines.size(); ++i) {
    body += std::string(lines[i]) + "\n";
  }
  file.body = Trimmed(body);

  if (file.title.empty()) {
    return Invalid("the front matter has no title");
  }
  if (Utf8Length(file.title) > kMaxTitle) {
    return Invalid("the title is longer than " + std::to_string(kMaxTitle) + " characters");
  }
  if (Utf8Length(file.tags) > kMaxShortField || Utf8Length(file.product) > kMaxShortField) {
    return Invalid("tags or product are longer than " + std::to_string(kMaxShortField) +
                   " characters");
  }
  if (Utf8Length(file.body) > kMaxBody) {
    return Invalid("the body is longer than " + std::to_string(kMaxBody) + " characters");
  }
  return file;
}

std::vector<std::string> SearchTerms(std::string_view words) {
  std::vector<std::string> terms;
  std::size_t i = 0;
  while (i < words.size() && terms.size() < kMaxTerms) {
    while (i < words.size() && !IsTermByte(static_cast<unsigned char>(words[i]))) {
      ++i;
    }
    const std::size_t start = i;
    while (i < words.size() && IsTermByte(static_cast<unsigned char>(words[i]))) {
      ++i;
    }
    if (start == i) {
      break;
    }
    std::string term = CutUtf8(words.substr(start, i - start), kMaxTermBytes);
    for (char& c : term) {
      if (c >= 'A' && c <= 'Z') {
        c = static_cast<char>(c - 'A' + 'a');
      }
    }
    if (!term.empty() && IsValidUtf8(term) &&
        std::find(terms.begin(), terms.end(), term) == terms.end()) {
      terms.push_back(std::move(term));
    }
  }
  return terms;
}

Result<ImportReport> KnowledgeService::ImportFolder(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return MakeError(Errc::kNotFound, "import folder missing",
                     dir.string() + " isn't a folder that can be read");
  }
  std::vector<std::filesystem::path> files;
  for (auto it = std::filesystem::recursive_directory_iterator(
           dir, std::filesystem::directory_options::skip_permission_denied, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->path().extension() == ".md" && !it->is_directory()) {
      files.push_back(it->path());
    }
  }
  if (ec) {
    return MakeError(Errc::kUnavailable, "import folder unreadable",
                     "can't list " + dir.string() + ": " + ec.message());
  }
  std::sort(files.begin(), files.end());

  ImportReport report;
  std::vector<store::Article> articles;
  const auto now = clock_.Now();
  for (const auto& path : files) {
    const std::string slug = std::filesystem::relative(path, dir).generic_string();
    auto text = ReadSmallFile(path);
    if (!text) {
      report.problems.push_back({slug, text.error().user_message});
      continue;
    }
    auto parsed = ParseArticleFile(*text);
    if (!parsed) {
      report.problems.push_back({slug, parsed.error().user_message});
      continue;
    }
    store::Article article;
    article.slug = slug;
    article.title = std::move(parsed->title);
    article.tags = std::move(parsed->tags);
    article.product = std::move(parsed->product);
    article.body = std::move(parsed->body);
    // NUL separators: moving text between fields changes the hash.
    article.content_hash = Sha256Hex(article.title + '\0' + article.tags + '\0' + article.product +
                                     '\0' + article.body);
    article.imported_at = now;
    articles.push_back(std::move(article));
  }

  auto counted = InTransaction(db_, "import_articles", [&]() -> Result<ImportReport> {
    store::KnowledgeRepository repository(db_);
    for (const store::Article& article : articles) {
      switch (repository.Upsert(article)) {
        case store::UpsertOutcome::kAdded:
          ++report.added;
          break;
        case store::UpsertOutcome::kUpdated:
          ++report.updated;
          break;
        case store::UpsertOutcome::kUnchanged:
          ++report.unchanged;
          break;
      }
    }
    return report;
  });
  if (counted) {
    spdlog::info("event=knowledge.imported added={} updated={} unchanged={} problems={}",
                 counted->added, counted->updated, counted->unchanged, counted->problems.size());
  }
  return counted;
}

Result<SearchResult> KnowledgeService::Search(std::string_view words, int limit,
                                              std::optional<std::int64_t> incident,
                                              const UserId& actor) {
  SearchResult result;
  result.terms = SearchTerms(words);
  if (result.terms.empty()) {
    return result;
  }
  limit = std::clamp(limit, 1, kMaxLimit);
  return InTransaction(db_, "search_articles", [&]() -> Result<SearchResult> {
    result.hits = store::KnowledgeRepository(db_).Search(result.terms, limit);
    if (!incident) {
      return result;
    }
    if (!store::IncidentRepository(db_).Find(*incident)) {
      return IncidentNotFound(*incident);
    }
    std::string shown;
    for (const std::string& term : result.terms) {
      shown += (shown.empty() ? "" : " ") + term;
    }
    const std::size_t n = result.hits.size();
    store::TimelineRepository(db_).Append(
        *incident, clock_.Now(), actor.str(), "kb_search",
        "Searched the knowledge base for \"" + CutUtf8(shown, kWordsInTimeline) + "\": " +
            (n == 0 ? std::string("no articles")
                    : std::to_string(n) + (n == 1 ? " article" : " articles")));
    result.incident = incident;
    spdlog::info("event=knowledge.searched incident={} terms={} hits={} actor={}",
                 store::IncidentNumberText(*incident), result.terms.size(), n, actor.str());
    return result;
  });
}

Result<AttachResult> KnowledgeService::Attach(std::int64_t incident, std::int64_t article,
                                              const UserId& actor) {
  return InTransaction(db_, "attach_article", [&]() -> Result<AttachResult> {
    auto found = store::IncidentRepository(db_).Find(incident);
    if (!found) {
      return IncidentNotFound(incident);
    }
    store::KnowledgeRepository repository(db_);
    auto stored = repository.Find(article);
    if (!stored) {
      return MakeError(Errc::kNotFound, "no such article",
                       "That article isn't in the knowledge base any more.");
    }
    AttachResult result{*stored, false};
    const auto now = clock_.Now();
    if (!repository.Attach(incident, article, actor, now)) {
      result.already_attached = true;
      return result;
    }
    // Checked after the insert so that a repeated click on a closed incident
    // still reads "already attached"; returning the error rolls the insert back.
    if (!found->Open()) {
      return MakeError(
          Errc::kConflict, "incident is closed",
          store::IncidentNumberText(incident) + " is closed; articles can't be attached to it");
    }
    store::TimelineRepository(db_).Append(
        incident, now, actor.str(), "article_attached",
        "Attached \"" + InertText(stored->title) + "\" as a workaround");
    detail::EnqueueIncidentRefresh(db_, incident, now);
    spdlog::info("event=knowledge.attached incident={} article={} actor={}",
                 store::IncidentNumberText(incident), article, actor.str());
    return result;
  });
}

Status KnowledgeService::QueueResponse(std::string_view response_url, std::string_view body_json) {
  return InTransaction(db_, "queue_response", [&]() -> Status {
    store::Outbox(db_).Enqueue(effect::kResponseStream, effect::kRespond,
                               {{std::string(effect::kArgResponseUrl), std::string(response_url)},
                                {std::string(effect::kArgBody), std::string(body_json)}},
                               clock_.Now());
    return {};
  });
}

}  // namespace swarmbot::lifecycle
