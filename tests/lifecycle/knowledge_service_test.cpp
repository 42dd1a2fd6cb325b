#include "lifecycle/knowledge_service.hpp"

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "lifecycle/effects.hpp"
#include "store/knowledge_repository.hpp"
#include "store/timeline_repository.hpp"
#include "tests/lifecycle/fixture.hpp"
#include "tests/support/testing.hpp"

namespace swarmbot::lifecycle {
namespace {

using testing::LifecycleTest;

const std::filesystem::path kSamples = std::filesystem::path(SWARMBOT_SOURCE_DIR) / "samples/kb";

class KnowledgeServiceTest : public LifecycleTest {
 protected:
  std::vector<store::TimelineEntry> Timeline(std::int64_t incident) {
    return store::TimelineRepository(*db_).Recent(incident, 100);
  }

  KnowledgeService knowledge_{*db_, clock_};
  swarmbot::testing::TempDir dir_;
};

TEST(ParseArticleFile, ReadsFrontMatterWithListCommaAndBlockTags) {
  auto list =
      ParseArticleFile("---\ntitle: \"Refunds\"\ntags: [a, 'b']\nproduct: App\n---\nBody\n");
  ASSERT_TRUE(list) << list.error().user_message;
  EXPECT_EQ(list->title, "Refunds");
  EXPECT_EQ(list->tags, "a, b");
  EXPECT_EQ(list->product, "App");
  EXPECT_EQ(list->body, "Body");
  EXPECT_EQ(ParseArticleFile("---\ntitle: T\ntags: a, b\n---\n")->tags, "a, b");
  EXPECT_EQ(ParseArticleFile("---\r\ntitle: T\r\ntags:\r\n  - a\r\n  - b\r\n---\r\nx")->tags,
            "a, b");
}

TEST(ParseArticleFile, RefusesFilesWithoutTitleOrFrontMatter) {
  EXPECT_EQ(ParseArticleFile("# Just markdown\n").error().user_message,
            "no front matter: the file must start with a `---` line");
  EXPECT_EQ(ParseArticleFile("---\ntags: a\n---\nbody").error().user_message,
            "the front matter has no title");
  EXPECT_EQ(ParseArticleFile("---\ntitle: x\nbody").error().user_message,
            "the front matter has no closing `---` line");
  EXPECT_FALSE(ParseArticleFile("---\ntitle: \xff\n---\n"));
  EXPECT_FALSE(ParseArticleFile("---\ntitle: " + std::string(201, 'x') + "\n---\n"));
}

// A control byte is a broken export: the file is refused, naming where.
TEST(ParseArticleFile, RefusesControlCharactersNamingTheLineAndField) {
  EXPECT_EQ(ParseArticleFile(std::string("---\ntitle: a\x02z\n---\nbody\n")).error().user_message,
            "line 2: `title` contains the control character U+0002; only tabs and line breaks "
            "are allowed");
  EXPECT_EQ(
      ParseArticleFile(std::string("---\ntitle: a\n---\nfirst\nb\0y\n", 27)).error().user_message,
      "line 5: `body` contains the control character U+0000; only tabs and line breaks "
      "are allowed");
  EXPECT_EQ(ParseArticleFile("---\ntitle: a\n---\nnext \xC2\x85line\n").error().user_message,
            "line 4: `body` contains the control character U+0085; only tabs and line breaks "
            "are allowed");
  EXPECT_TRUE(ParseArticleFile("---\r\ntitle: a\r\n---\r\ncol\tumn\r\n"));
}

TEST(SearchTerms, KeepsWordsAndDropsFts5Syntax) {
  EXPECT_EQ(SearchTerms("Discount CODE checkout"),
            (std::vector<std::string>{"discount", "code", "checkout"}));
  EXPECT_EQ(SearchTerms("\"x\" * NEAR( title:y -z ^w code code"),
            (std::vector<std::string>{"x", "near", "title", "y", "z", "w", "code"}));
  EXPECT_TRUE(SearchTerms("\" * - ( ) : ^ + ").empty());
  EXPECT_EQ(SearchTerms("café"), (std::vector<std::string>{"café"}));
  const auto many = SearchTerms(std::string(5000, 'a') + " " + std::string(100, 'b'));
  ASSERT_EQ(many.size(), 2U);
  EXPECT_EQ(many[0].size(), 64U);
}

TEST_F(KnowledgeServiceTest, ImportsTheSampleFolderAndReimportsWithoutDuplicates) {
  auto first = knowledge_.ImportFolder(kSamples);
  ASSERT_TRUE(first) << first.error().user_message;
  EXPECT_GE(first->added, 6);
  EXPECT_TRUE(first->problems.empty());
  auto second = knowledge_.ImportFolder(kSamples);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->added, 0);
  EXPECT_EQ(second->updated, 0);
  EXPECT_EQ(second->unchanged, first->added);
  EXPECT_EQ(Count("SELECT count(*) FROM articles"), first->added);
}

TEST_F(KnowledgeServiceTest, ReportsBadFilesAndImportsTheOthers) {
  swarmbot::testing::WriteFile(dir_ / "good.md", "---\ntitle: Good\n---\nfine words");
  swarmbot::testing::WriteFile(dir_ / "untitled.md", "---\nproduct: x\n---\nbody");
  swarmbot::testing::WriteFile(dir_ / "notes.txt", "not an article");
  std::filesystem::create_directories(dir_ / "sub");
  swarmbot::testing::WriteFile(dir_ / "sub" / "deep.md", "---\ntitle: Deep\n---\n");
  auto report = knowledge_.ImportFolder(dir_.path());
  ASSERT_TRUE(report);
  EXPECT_EQ(report->added, 2);
  ASSERT_EQ(report->problems.size(), 1U);
  EXPECT_EQ(report->problems[0].file, "untitled.md");
  EXPECT_EQ(report->problems[0].message, "the front matter has no title");

  swarmbot::testing::WriteFile(dir_ / "good.md", "---\ntitle: Good\n---\nchanged words");
  report = knowledge_.ImportFolder(dir_.path());
  EXPECT_EQ(report->updated, 1);
  EXPECT_EQ(report->unchanged, 1);
  EXPECT_FALSE(knowledge_.ImportFolder(dir_ / "missing"));
}

TEST_F(KnowledgeServiceTest, AFileWithANulByteIsRefusedAndItsArticleKept) {
  swarmbot::testing::WriteFile(dir_ / "good.md", "---\ntitle: Good\n---\nfine words");
  ASSERT_EQ(knowledge_.ImportFolder(dir_.path())->added, 1);
  swarmbot::testing::WriteFile(dir_ / "good.md",
                               std::string("---\ntitle: Good\n---\nfine\nwo\0rds", 31));
  const auto report = knowledge_.ImportFolder(dir_.path());
  ASSERT_TRUE(report);
  EXPECT_EQ(report->updated, 0);
  ASSERT_EQ(report->problems.size(), 1U);
  EXPECT_EQ(report->problems[0].file, "good.md");
  EXPECT_EQ(report->problems[0].message,
            "line 5: `body` contains the control character U+0000; only tabs and line breaks "
            "are allowed");
  EXPECT_EQ(store::KnowledgeRepository(*db_).FindBySlug("good.md")->body, "fine words");
}

TEST_F(KnowledgeServiceTest, SearchDuringAnIncidentGoesOnItsTimeline) {
  ASSERT_TRUE(knowledge_.ImportFolder(kSamples));
  const auto incident = NewIncident();
  auto result = knowledge_.Search("discount code checkout", 5, incident, priya_);
  ASSERT_TRUE(result);
  ASSERT_FALSE(result->hits.empty());
  EXPECT_EQ(result->hits[0].article.slug, "promo-code-expired.md");
  const auto timeline = Timeline(incident);
  ASSERT_EQ(timeline.back().kind, "kb_search");
  EXPECT_EQ(timeline.back().actor, priya_.str());
  EXPECT_EQ(timeline.back().text, "Searched the knowledge base for \"discount code checkout\": " +
                                      std::to_string(result->hits.size()) + " articles");
}

TEST_F(KnowledgeServiceTest, SearchOutsideAnIncidentOrWithNothingToSearchRecordsNothing) {
  ASSERT_TRUE(knowledge_.ImportFolder(kSamples));
  const auto incident = NewIncident();
  const auto before = Timeline(incident).size();
  EXPECT_FALSE(knowledge_.Search("refund", 5, std::nullopt, priya_)->hits.empty());
  auto hostile = knowledge_.Search("\" * - NEAR( title:", 5, incident, priya_);
  ASSERT_TRUE(hostile);
  EXPECT_EQ(Timeline(incident).size(), before + 1);  // "near" and "title" are words
  auto empty = knowledge_.Search("\" * - ( ^", 5, incident, priya_);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->terms.empty());
  EXPECT_EQ(Timeline(incident).size(), before + 1);
  EXPECT_EQ(knowledge_.Search("refund", 5, 999, priya_).error().code, Errc::kNotFound);
}

TEST_F(KnowledgeServiceTest, AttachRecordsOnceAndRefreshesTheSummary) {
  ASSERT_TRUE(knowledge_.ImportFolder(kSamples));
  const auto incident = NewIncident();
  StartSwarmInput start;
  start.incident = incident;
  ASSERT_TRUE(swarms_.Start(start, mara_));
  DrainOutbox();
  const auto article = knowledge_.Search("refund", 1, std::nullopt, priya_)->hits[0].article;

  auto first = knowledge_.Attach(incident, article.id, priya_);
  ASSERT_TRUE(first);
  EXPECT_FALSE(first->already_attached);
  EXPECT_EQ(PendingKinds(), (std::vector<std::string>{std::string(effect::kUpdateSummary),
                                                      std::string(effect::kUpdateAnnouncement)}));
  EXPECT_EQ(Timeline(incident).back().kind, "article_attached");
  DrainOutbox();

  auto again = knowledge_.Attach(incident, article.id, mara_);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->already_attached);
  EXPECT_TRUE(PendingKinds().empty());
  EXPECT_EQ(Count("SELECT count(*) FROM incident_articles"), 1);
  ASSERT_EQ(incidents_.StatusOf(incident)->workarounds.size(), 1U);
}

TEST_F(KnowledgeServiceTest, AttachRefusesUnknownArticlesIncidentsAndClosedIncidents) {
  ASSERT_TRUE(knowledge_.ImportFolder(kSamples));
  const auto incident = NewIncident();
  EXPECT_EQ(knowledge_.Attach(incident, 999, priya_).error().code, Errc::kNotFound);
  EXPECT_EQ(knowledge_.Attach(999, 1, priya_).error().code, Errc::kNotFound);
  ASSERT_TRUE(incidents_.Close(incident, mara_, ""));
  EXPECT_EQ(knowledge_.Attach(incident, 1, priya_).error().code, Errc::kConflict);
  EXPECT_EQ(Count("SELECT count(*) FROM incident_articles"), 0);
}

TEST_F(KnowledgeServiceTest, QueuedResponsesRunOnTheirOwnStream) {
  ASSERT_TRUE(knowledge_.QueueResponse("https://example.invalid/r", "{\"text\":\"hi\"}"));
  const auto pending = store::Outbox(*db_).Pending();
  ASSERT_EQ(pending.size(), 1U);
  EXPECT_EQ(pending[0].kind, effect::kRespond);
  EXPECT_EQ(pending[0].stream, effect::kResponseStream);
}

}  // namespace
}  // namespace swarmbot::lifecycle
