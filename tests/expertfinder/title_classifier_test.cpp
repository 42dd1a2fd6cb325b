#include "expertfinder/title_classifier.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace swarmbot::expertfinder {
namespace {

constexpr std::uint32_t kAna = 0;
constexpr std::uint32_t kBo = 1;

// Owns the titles the examples point into.
struct History {
  std::vector<std::string> titles;
  std::vector<std::uint32_t> people;

  void Add(std::uint32_t person, std::string title, int times = 1) {
    for (int i = 0; i < times; ++i) {
      titles.push_back(title + " " + std::to_string(titles.size()));
      people.push_back(person);
    }
  }
  std::vector<TitleClassifier::Example> Examples() const {
    std::vector<TitleClassifier::Example> examples;
    for (std::size_t i = 0; i < titles.size(); ++i) {
      examples.push_back({titles[i], people[i], 1.0});
    }
    return examples;
  }
};

std::vector<double> Scores(const TitleClassifier& classifier, std::string_view title) {
  std::vector<double> score(3, 0);  // ana, bo, and someone with no history
  classifier.AddScores(title, 1.0, score);
  return score;
}

// Both fix the same things; ana writes "area: lowercase with `code`", bo
// writes "Capitalised with a final period."
History TwoWriters() {
  History history;
  for (const char* thing : {"cookie", "proxy", "redirect", "timeout", "upload", "resolve"}) {
    history.Add(kAna, std::string("http: fix `") + thing + "` handling");
    history.Add(kBo, std::string("Fix ") + thing + " handling in HTTP.");
  }
  return history;
}

TEST(TitleClassifier, TellsApartPeopleWhoWriteTitlesDifferently) {
  const History history = TwoWriters();
  const TitleClassifier classifier(history.Examples(), 3);
  const std::vector<double> ana_like = Scores(classifier, "http: fix `chunked` handling");
  EXPECT_GT(ana_like[kAna], 0);
  EXPECT_LT(ana_like[kBo], 0);
  const std::vector<double> bo_like = Scores(classifier, "Fix chunked handling in HTTP.");
  EXPECT_GT(bo_like[kBo], bo_like[kAna]);
}

// ana resolves five times as much, but only bo's titles look like the query:
// the score is what the title says beyond how often someone resolves.
TEST(TitleClassifier, PointsAtWhoeverTheTitleResemblesNotWhoeverIsBusiest) {
  History history;
  history.Add(kAna, "tls: handshake fails with session reuse", 30);
  history.Add(kBo, "ftp: passive upload stalls", 6);
  const TitleClassifier classifier(history.Examples(), 3);
  const std::vector<double> score = Scores(classifier, "ftp: passive upload stalls again");
  EXPECT_GT(score[kBo], 0);
  EXPECT_LT(score[kAna], 0);
}

TEST(TitleClassifier, AddsNothingForSomeoneWithoutHistoryOrWithOnePersonToTellApart) {
  const History two = TwoWriters();
  EXPECT_EQ(Scores(TitleClassifier(two.Examples(), 3), "http: fix `x` handling")[2], 0);

  History one;
  one.Add(kAna, "http: fix `cookie` handling", 8);
  EXPECT_EQ(Scores(TitleClassifier(one.Examples(), 3), "http: fix `cookie` handling"),
            std::vector<double>(3, 0));
  EXPECT_EQ(Scores(TitleClassifier(), "anything"), std::vector<double>(3, 0));
}

// bo resolved one record in 400, all like the query: the log-ratio would
// be over 5, and stops there.
TEST(TitleClassifier, OneTitleMovesAPersonOnlySoFar) {
  History history;
  history.Add(kAna, "tls: handshake fails with session reuse", 1995);
  history.Add(kBo, "ftp: passive upload stalls", 5);
  const TitleClassifier classifier(history.Examples(), 3);
  const std::vector<double> score = Scores(classifier, "ftp: passive upload stalls");
  EXPECT_EQ(score[kBo], 5.0);
  EXPECT_GE(score[kAna], -5.0);
}

TEST(TitleClassifier, TheSameHistoryTrainsTheSameModel) {
  const History history = TwoWriters();
  EXPECT_EQ(Scores(TitleClassifier(history.Examples(), 3), "Fix proxy handling in HTTP."),
            Scores(TitleClassifier(history.Examples(), 3), "Fix proxy handling in HTTP."));
}

}  // namespace
}  // namespace swarmbot::expertfinder
