#include "store/knowledge_repository.hpp"

#include <SQLiteCpp/Statement.h>

#include "store/detail/columns.hpp"
#include "store/records.hpp"

namespace swarmbot::store {
namespace {

constexpr std::string_view kArticleColumns =
    "a.id, a.slug, a.title, a.tags, a.product, a.body, a.content_hash, a.imported_at";

Article ReadArticle(SQLite::Statement& select) {
  Article a;
  a.id = select.getColumn(0).getInt64();
  a.slug = select.getColumn(1).getString();
  a.title = select.getColumn(2).getString();
  a.tags = select.getColumn(3).getString();
  a.product = select.getColumn(4).getString();
  a.body = select.getColumn(5).getString();
  a.content_hash = select.getColumn(6).getString();
  a.imported_at = detail::Time(select.getColumn(7));
  return a;
}

// An FTS5 string: inside double quotes everything is literal text, and a
// quote is written twice (sqlite.org/fts5.html, section 3.1).
std::string QuotedTerm(std::string_view term) {
  std::string quoted = "\"";
  for (char c : term) {
    quoted += c;
    if (c == '"') {
      quoted += '"';
    }
  }
  return quoted + "\"";
}

void Index(Database& db, const Article& article, std::int64_t id) {
  SQLite::Statement insert(
      db.Sql(), "INSERT INTO articles_fts (rowid, title, tags, body) VALUES (?, ?, ?, ?)");
  insert.bind(1, id);
  insert.bind(2, article.title);
  insert.bind(3, article.tags);
  insert.bind(4, article.body);
  insert.exec();
}

}  // namespace

UpsertOutcome KnowledgeRepository::Upsert(const Article& article) {
  auto existing = FindBySlug(article.slug);
  if (existing && existing->content_hash == article.content_hash) {
    return UpsertOutcome::kUnchanged;
  }
  if (existing) {
    SQLite::Statement update(db_.Sql(),
                             "UPDATE articles SET title = ?, tags = ?, product = ?, body = ?, "
                             "content_hash = ?, imported_at = ? WHERE id = ?");
    update.bind(1, article.title);
    update.bind(2, article.tags);
    update.bind(3, article.product);
    update.bind(4, article.body);
    update.bind(5, article.content_hash);
    update.bind(6, ToMillis(article.imported_at));
    update.bind(7, existing->id);
    update.exec();
    SQLite::Statement drop(db_.Sql(), "DELETE FROM articles_fts WHERE rowid = ?");
    drop.bind(1, existing->id);
    drop.exec();
    Index(db_, article, existing->id);
    return UpsertOutcome::kUpdated;
  }
  SQLite::Statement insert(db_.Sql(),
                           "INSERT INTO articles (slug, title, tags, product, body, content_hash, "
                           "imported_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, article.slug);
  insert.bind(2, article.title);
  insert.bind(3, article.tags);
  insert.bind(4, article.product);
  insert.bind(5, article.body);
  insert.bind(6, article.content_hash);
  insert.bind(7, ToMillis(article.imported_at));
  insert.exec();
  Index(db_, article, db_.Sql().getLastInsertRowid());
  return UpsertOutcome::kAdded;
}

std::optional<Article> KnowledgeRepository::Find(std::int64_t id) {
  SQLite::Statement select(
      db_.Sql(), "SELECT " + std::string(kArticleColumns) + " FROM articles a WHERE id = ?");
  select.bind(1, id);
  if (!select.executeStep()) {
    return std::nullopt;
  }
  return ReadArticle(select);
}

std::optional<Article> KnowledgeRepository::FindBySlug(std::string_view slug) {
  SQLite::Statement select(
      db_.Sql(), "SELECT " + std::string(kArticleColumns) + " FROM articles a WHERE slug = ?");
  select.bind(1, std::string(slug));
  if (!select.executeStep()) {
    return std::nullopt;
  }
  return ReadArticle(select);
}

std::int64_t KnowledgeRepository::Count() {
  return db_.Sql().execAndGet("SELECT count(*) FROM articles").getInt64();
}

std::vector<ArticleHit> KnowledgeRepository::Search(const std::vector<std::string>& terms,
                                                    int limit) {
  std::string query;
  for (const std::string& term : terms) {
    query += (query.empty() ? "" : " OR ") + QuotedTerm(term);
  }
  // Column 2 is the body; 24 tokens make a snippet of about two lines.
  SQLite::Statement select(db_.Sql(),
                           "SELECT " + std::string(kArticleColumns) +
                               ", snippet(articles_fts, 2, char(2), char(3), '…', 24), "
                               "bm25(articles_fts, 10.0, 5.0, 1.0) AS score "
                               "FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid "
                               "WHERE articles_fts MATCH ? ORDER BY score, a.id LIMIT ?");
  select.bind(1, query);
  select.bind(2, limit);
  std::vector<ArticleHit> hits;
  while (select.executeStep()) {
    ArticleHit hit;
    hit.article = ReadArticle(select);
    hit.snippet = select.getColumn(8).getString();
    hit.rank = select.getColumn(9).getDouble();
    hits.push_back(std::move(hit));
  }
  return hits;
}

bool KnowledgeRepository::Attach(std::int64_t incident, std::int64_t article, const UserId& by,
                                 Clock::TimePoint at) {
  SQLite::Statement insert(db_.Sql(),
                           "INSERT OR IGNORE INTO incident_articles (incident_id, article_id, "
                           "attached_by, attached_at) VALUES (?, ?, ?, ?)");
  insert.bind(1, incident);
  insert.bind(2, article);
  insert.bind(3, by.str());
  insert.bind(4, ToMillis(at));
  return insert.exec() == 1;
}

std::vector<AttachedArticle> KnowledgeRepository::Attached(std::int64_t incident) {
  SQLite::Statement select(db_.Sql(), "SELECT " + std::string(kArticleColumns) +
                                          ", ia.attached_by, ia.attached_at FROM "
                                          "incident_articles ia JOIN articles a ON a.id = "
                                          "ia.article_id WHERE ia.incident_id = ? "
                                          "ORDER BY ia.attached_at, a.id");
  select.bind(1, incident);
  std::vector<AttachedArticle> attached;
  while (select.executeStep()) {
    AttachedArticle a;
    a.article = ReadArticle(select);
    a.attached_by = UserId(select.getColumn(8).getString());
    a.attached_at = detail::Time(select.getColumn(9));
    attached.push_back(std::move(a));
  }
  return attached;
}

}  // namespace swarmbot::store
