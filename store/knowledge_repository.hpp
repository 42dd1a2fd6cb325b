#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "store/database.hpp"

namespace swarmbot::store {

// A knowledge article, imported from a Markdown file.
struct Article {
  std::int64_t id = 0;
  std::string slug;  // the file's path inside the imported folder, e.g. "refunds.md"
  std::string title;
  std::string tags;  // comma-separated, as shown
  std::string product;
  std::string body;
  std::string content_hash;
  Clock::TimePoint imported_at;
};

// One search result. The snippet is a piece of the body in which each
// matched word sits between kMatchStart and kMatchEnd; those two control
// characters never occur in stored text (the importer drops control
// characters), so a renderer can tell marks from article text.
struct ArticleHit {
  Article article;
  std::string snippet;
  double rank = 0;  // bm25: lower is better
};

inline constexpr char kMatchStart = '\x02';
inline constexpr char kMatchEnd = '\x03';

struct AttachedArticle {
  Article article;
  UserId attached_by;
  Clock::TimePoint attached_at;
};

enum class UpsertOutcome { kAdded, kUpdated, kUnchanged };

// The `articles` table, its FTS5 index `articles_fts` and `incident_articles`.
// SQL failures throw SQLite::Exception; call inside the caller's transaction.
class KnowledgeRepository {
 public:
  explicit KnowledgeRepository(Database& db) : db_(db) {}

  // Adds the article, or updates the one with the same slug when its
  // content_hash differs; the index follows. `article.id` is ignored.
  UpsertOutcome Upsert(const Article& article);

  std::optional<Article> Find(std::int64_t id);
  std::optional<Article> FindBySlug(std::string_view slug);
  std::int64_t Count();

  // Articles matching any of `terms`, best first (bm25 with the title weighing
  // most, then tags, then body). Each term is searched as a quoted FTS5
  // string, so quotes, operators and column filters in it are plain text;
  // terms must not be empty. At most `limit` hits.
  std::vector<ArticleHit> Search(const std::vector<std::string>& terms, int limit);

  // False when the article was attached to the incident already.
  bool Attach(std::int64_t incident, std::int64_t article, const UserId& by, Clock::TimePoint at);
  // In the order they were attached.
  std::vector<AttachedArticle> Attached(std::int64_t incident);

 private:
  Database& db_;
};

}  // namespace swarmbot::store
