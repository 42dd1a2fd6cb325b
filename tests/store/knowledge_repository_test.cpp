#include "store/knowledge_repository.hpp"

#include <gtest/gtest.h>

#include "common/clock.hpp"
#include "store/database.hpp"
#include "store/incident_repository.hpp"
#include "store/records.hpp"

namespace swarmbot::store {
namespace {

class KnowledgeRepositoryTest : public ::testing::Test {
 protected:
  Article Make(std::string slug, std::string title, std::string body, std::string tags = "") {
    Article a;
    a.slug = std::move(slug);
    a.title = std::move(title);
    a.tags = std::move(tags);
    a.product = "Take-Out app";
    a.body = std::move(body);
    a.content_hash = a.title + "|" + a.body;
    a.imported_at = clock_.Now();
    return a;
  }

  std::vector<std::string> Slugs(const std::vector<ArticleHit>& hits) {
    std::vector<std::string> slugs;
    for (const auto& hit : hits) {
      slugs.push_back(hit.article.slug);
    }
    return slugs;
  }

  std::int64_t NewIncident() {
    Incident incident;
    incident.subject = "FEAST25";
    incident.declared_by = UserId("UMARA");
    incident.created_at = clock_.Now();
    return IncidentRepository(*db_).Insert(incident);
  }

  FakeClock clock_;
  std::unique_ptr<Database> db_ = Database::Open(":memory:").value();
  KnowledgeRepository repo_{*db_};
};

TEST_F(KnowledgeRepositoryTest, UpsertAddsThenUpdatesChangedArticlesWithoutDuplicating) {
  EXPECT_EQ(repo_.Upsert(Make("a.md", "Refunds", "money back")), UpsertOutcome::kAdded);
  EXPECT_EQ(repo_.Upsert(Make("a.md", "Refunds", "money back")), UpsertOutcome::kUnchanged);
  EXPECT_EQ(repo_.Upsert(Make("a.md", "Refunds", "credit instead")), UpsertOutcome::kUpdated);
  EXPECT_EQ(repo_.Count(), 1);
  EXPECT_EQ(repo_.FindBySlug("a.md")->body, "credit instead");
  // The index follows the update: the old words no longer match.
  EXPECT_TRUE(repo_.Search({"money"}, 5).empty());
  EXPECT_EQ(repo_.Search({"credit"}, 5).size(), 1U);
}

TEST_F(KnowledgeRepositoryTest, RanksTitleMatchesAndMoreMatchingWordsFirst) {
  repo_.Upsert(Make("body.md", "Late deliveries", "a discount may be offered"));
  repo_.Upsert(Make("title.md", "Discount codes", "how campaigns work"));
  repo_.Upsert(Make("both.md", "Discount code at checkout", "checkout rejects the code"));
  repo_.Upsert(Make("none.md", "Restaurants", "opening hours"));
  const auto hits = repo_.Search({"discount", "code", "checkout"}, 10);
  EXPECT_EQ(Slugs(hits), (std::vector<std::string>{"both.md", "title.md", "body.md"}));
  EXPECT_LT(hits[0].rank, hits[1].rank);
}

TEST_F(KnowledgeRepositoryTest, MarksMatchedWordsInTheSnippet) {
  repo_.Upsert(Make("a.md", "Codes", "Customers type the promo code at checkout."));
  const auto hits = repo_.Search({"codes"}, 5);
  ASSERT_EQ(hits.size(), 1U);
  // Porter stemming: "codes" finds "code".
  EXPECT_NE(hits[0].snippet.find(std::string() + kMatchStart + "code" + kMatchEnd),
            std::string::npos)
      << hits[0].snippet;
}

TEST_F(KnowledgeRepositoryTest, TermsWithFts5SyntaxAreSearchedAsPlainText) {
  repo_.Upsert(Make("a.md", "Checkout", "near the end"));
  for (const std::string term : {"\"", "*", "NEAR(", "title:x", "-", "AND", "a\"b", "^"}) {
    EXPECT_NO_THROW(repo_.Search({term}, 5)) << term;
  }
  EXPECT_EQ(repo_.Search({"NEAR"}, 5).size(), 1U);
}

TEST_F(KnowledgeRepositoryTest, AttachingTwiceKeepsOneRow) {
  repo_.Upsert(Make("a.md", "Refunds", "money back"));
  const auto article = repo_.FindBySlug("a.md")->id;
  const auto incident = NewIncident();
  EXPECT_TRUE(repo_.Attach(incident, article, UserId("UPRIYA"), clock_.Now()));
  EXPECT_FALSE(repo_.Attach(incident, article, UserId("UMARA"), clock_.Now()));
  const auto attached = repo_.Attached(incident);
  ASSERT_EQ(attached.size(), 1U);
  EXPECT_EQ(attached[0].article.title, "Refunds");
  EXPECT_EQ(attached[0].attached_by, UserId("UPRIYA"));
}

TEST_F(KnowledgeRepositoryTest, MigrationTwoCreatesTheKnowledgeTables) {
  EXPECT_GE(db_->SchemaVersion(), 2);
  for (const char* table : {"articles", "articles_fts", "incident_articles"}) {
    EXPECT_EQ(db_->Sql()
                  .execAndGet(std::string("SELECT count(*) FROM sqlite_master WHERE name = '") +
                              table + "'")
                  .getInt(),
              1)
        << table;
  }
}

}  // namespace
}  // namespace swarmbot::store
