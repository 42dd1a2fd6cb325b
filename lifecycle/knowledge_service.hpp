#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "common/result.hpp"
#include "store/database.hpp"
#include "store/knowledge_repository.hpp"

namespace swarmbot::lifecycle {

// The fields of one article file: a front matter block between two `---`
// lines (keys title, tags, product; others are ignored) and the Markdown body
// after it. tags may be a [list], a "comma, string" or a block of "- item"
// lines; they come out as "a, b".
struct ArticleFile {
  std::string title;
  std::string tags;
  std::string product;
  std::string body;
};

// kInvalidInput with a user_message saying what is wrong: no front matter
// block, no title, text that isn't UTF-8, a title or body over its limit.
// A control character (other than newline and tab) is refused, naming its
// line and field ("line 5: `body` contains the control character U+0000…").
Result<ArticleFile> ParseArticleFile(std::string_view text);

// The words of a search as plain terms: runs of letters and digits (any
// non-ASCII character counts as a letter), ASCII lowercased, duplicates and
// everything else (quotes, *, ^, :, -, parentheses) dropped. At most 16
// terms of at most 64 bytes each. Empty when nothing searchable is left.
std::vector<std::string> SearchTerms(std::string_view words);

struct ImportProblem {
  std::string file;  // relative to the folder
  std::string message;
};

struct ImportReport {
  int added = 0;
  int updated = 0;
  int unchanged = 0;
  std::vector<ImportProblem> problems;  // files skipped, in path order
};

struct SearchResult {
  std::vector<std::string> terms;  // what was searched for
  std::vector<store::ArticleHit> hits;
  std::optional<std::int64_t> incident;  // the incident it was recorded on
};

struct AttachResult {
  store::Article article;
  bool already_attached = false;  // nothing changed then
};

// The knowledge base: import articles from a folder, search them, attach
// them to incidents as workarounds. Changes are one transaction each, with
// timeline entries and Slack effects as in IncidentService.
class KnowledgeService {
 public:
  KnowledgeService(store::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  // Reads every *.md file under `dir` (recursively, in path order). A file
  // that can't be read or parsed is reported and skipped; the others are
  // imported in one transaction. A file imported before under the same
  // relative path is updated when its content changed. kNotFound when `dir`
  // isn't a folder.
  Result<ImportReport> ImportFolder(const std::filesystem::path& dir);

  // At most `limit` articles matching any of the words, best first. With an
  // incident, the search goes on its timeline (words and number of hits).
  // Words with nothing searchable give no hits and record nothing.
  // kNotFound for an unknown incident.
  Result<SearchResult> Search(std::string_view words, int limit,
                              std::optional<std::int64_t> incident, const UserId& actor);

  // Attaches the article to the open incident as a workaround; the swarm's
  // pinned summary and the announcement are refreshed. Attaching twice is a
  // no-op (already_attached). kNotFound for an unknown incident or article,
  // kConflict for a closed incident.
  Result<AttachResult> Attach(std::int64_t incident, std::int64_t article, const UserId& actor);

  // Queues a later answer through a response_url (the outbox effect
  // effect::kRespond), e.g. to a button click.
  Status QueueResponse(std::string_view response_url, std::string_view body_json);

 private:
  store::Database& db_;
  const Clock& clock_;
};

}  // namespace swarmbot::lifecycle
