#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "expertfinder/eval.hpp"
#include "expertfinder/finder.hpp"
#include "expertfinder/text.hpp"
#include "tests/support/testing.hpp"

namespace swarmbot::expertfinder {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;

Time At(int day, int hour = 12, int minute = 0) {
  using namespace std::chrono;
  return sys_days{2025y / January / 1} + days{day} + hours{hour} + minutes{minute};
}

HistoryRecord Record(std::string id, int day, std::string text, std::string resolver) {
  HistoryRecord record;
  record.id = std::move(id);
  record.time = At(day);
  record.text = std::move(text);
  record.resolver = std::move(resolver);
  return record;
}

Person Named(std::string id, std::vector<Skill> skills = {}) {
  Person person;
  person.id = std::move(id);
  person.skills = std::move(skills);
  return person;
}

std::vector<std::string> Ids(const Ranking& ranking) {
  std::vector<std::string> ids;
  for (const Candidate& candidate : ranking.candidates) {
    ids.push_back(candidate.person_id);
  }
  return ids;
}

Query Asking(std::string text, std::vector<std::string> skills = {}) {
  Query query;
  query.text = std::move(text);
  query.needed_skills = std::move(skills);
  query.now = At(40);
  return query;
}

// Two people with equal activity: one fixes discount codes, one fixes logins.
std::vector<HistoryRecord> TwoSpecialists() {
  return {Record("INC-12", 1, "promotions: discount code rejected at checkout", "ana"),
          Record("INC-13", 2, "login: session cookie expires early", "bo"),
          Record("INC-31", 3, "promotions: discount code applied twice", "ana"),
          Record("INC-32", 4, "login: password reset mail missing", "bo")};
}

TEST(Tokenize, LowercasesDropsStopWordsNumbersAndStems) {
  EXPECT_THAT(Tokenize("Fix the TLS timeouts in 2024, a x connect_timeout!"),
              ElementsAre("tls", "timeout", "connect_timeout"));
}

TEST(Tokenize, SplitsOnNonAsciiBytesAndKeepsShortStems) {
  EXPECT_THAT(Tokenize("caf\xc3\xa9 ssl bus"), ElementsAre("caf", "ssl", "bus"));
  EXPECT_EQ(Stem("handling"), "handl");
  EXPECT_EQ(Stem("codes"), "code");
  EXPECT_EQ(Stem("classes"), "class");
  EXPECT_EQ(Stem("uses"), "uses");
}

TEST(AreaPrefix, TakesAtMostTwoWordsBeforeTheColon) {
  EXPECT_EQ(AreaPrefix("GHA/windows: work around\nbody"), "gha/windows");
  EXPECT_EQ(AreaPrefix("http2 proxy: reuse"), "http2 proxy");
  EXPECT_EQ(AreaPrefix("this is a sentence: with a colon"), "");
  EXPECT_EQ(AreaPrefix("no colon here"), "");
  EXPECT_EQ(AreaPrefix("first line\nsecond: line"), "");
}

TEST(WritingMarks, NameHowATextIsWrittenNotWhatItIsAbout) {
  EXPECT_THAT(WritingMarks("cmake: drop `FOO` and `BAR`\n"
                           "\n"
                           "- see e.g. #123 and 1a2b3c4d...\n"
                           "* [url] by [person]\n"
                           "  indented\n"
                           "```\ncode\n```\n"
                           "Follow-up to deadbeef1\n"
                           "Reported-by: [person]\n"
                           "Co-authored-by: x"),
              UnorderedElementsAre("~code", "~code", "~fence", "~fence", "~hash", "~hash", "~ref",
                                   "~link", "~name", "~name", "~ellipsis", "~eg", "~follow-up",
                                   "~dash-item", "~star-item", "~indent", "~trailer:reported-by",
                                   "~trailer:co-authored-by", "~title-code", "~title-lower"));
}

TEST(WritingMarks, ReadTheTitlesHabits) {
  EXPECT_THAT(WritingMarks("http2: Handle GOAWAY (again)."),
              UnorderedElementsAre("~title-period", "~title-upper", "~title-paren"));
  EXPECT_THAT(WritingMarks("no prefix here"), IsEmpty());
  // Not a hash: too short, upper case, or part of a longer word.
  EXPECT_THAT(WritingMarks("abc123 ABCDEF12 abcdef12_x 12345678901234567890123456789012345678901"),
              IsEmpty());
  // Not trailers: a lone capital, a trailing dash, a space before the colon.
  EXPECT_THAT(WritingMarks("x\nA: b\nSee-: c\nNote : d"), IsEmpty());
  EXPECT_THAT(WritingMarks("x\n`unclosed\nand ``"), IsEmpty());
}

TEST(FunctionWords, KeepTheWordsTokenizeDrops) {
  EXPECT_THAT(FunctionWords("When the TLS timer fires, we retry"),
              ElementsAre("~w:when", "~w:the", "~w:we"));
  EXPECT_TRUE(IsWritingMark("~w:the"));
  EXPECT_FALSE(IsWritingMark("the"));
}

TEST(Spellings, GiveEachStemTheWordAsFirstWritten) {
  const auto spellings = Spellings("Card expired; expiring cards and Timeouts");
  EXPECT_EQ(spellings.at(Stem("expired")), "expired");
  EXPECT_EQ(spellings.at(Stem("cards")), "card");
  EXPECT_EQ(spellings.at(Stem("timeouts")), "timeouts");
  EXPECT_FALSE(spellings.contains("and"));
}

TEST(OpeningWords, KeepHowTheTitleAndTheDescriptionOpen) {
  EXPECT_THAT(OpeningWords("http2: Fix GOAWAY handling\n\nWhen the server closes"),
              ElementsAre("~v:Fix", "~v:Fix", "~v2:Fix_GOAWAY", "~len:2", "~len:2", "~b:When",
                          "~b:When", "~b2:When_the"));
  EXPECT_THAT(OpeningWords("fixed the leak"),
              ElementsAre("~v:fixed", "~v:fixed", "~v2:fixed_the", "~len:1", "~len:1"));
  EXPECT_THAT(OpeningWords(""), IsEmpty());
  EXPECT_THAT(OpeningWords(" \n\n"), IsEmpty());
  EXPECT_TRUE(IsWritingMark(OpeningWords("fixed it")[0]));
}

TEST(ExpertIndex, RanksThePersonWhoseHistoryMatchesFirst) {
  const ExpertIndex index({Named("ana"), Named("bo")}, TwoSpecialists());
  EXPECT_THAT(Ids(index.Rank(Asking("discount code not accepted"), 2)), ElementsAre("ana", "bo"));
  EXPECT_THAT(Ids(index.Rank(Asking("session cookie lost after login"), 2)),
              ElementsAre("bo", "ana"));
}

TEST(ExpertIndex, ReasonsNameTheMatchingRecordsAndWords) {
  const ExpertIndex index({Named("ana"), Named("bo")}, TwoSpecialists());
  const Ranking ranking = index.Rank(Asking("promotions: discount code fails"), 1);
  ASSERT_EQ(ranking.candidates.size(), 1u);
  const auto& reasons = ranking.candidates[0].reasons;
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_THAT(reasons[0], HasSubstr("resolved INC-31 and INC-12 on"));
  EXPECT_THAT(reasons[0], HasSubstr("discount"));
  EXPECT_THAT(reasons[0], HasSubstr("promotion"));
  // Area tokens and writing habits rank, but a reason quotes only words.
  EXPECT_THAT(reasons[0], Not(HasSubstr("area:")));
  EXPECT_THAT(reasons[0], Not(HasSubstr("~")));
}

TEST(ExpertIndex, AReasonNeverQuotesAWritingHabit) {
  const ExpertIndex index(
      {Named("ana")},
      {Record("INC-4", 1, "cart: `total` is wrong\n\nReported-by: [person]", "ana")});
  const Ranking ranking =
      index.Rank(Asking("cart: the `total` is wrong\n\nReported-by: [person]"), 1);
  ASSERT_EQ(ranking.candidates.size(), 1u);
  ASSERT_EQ(ranking.candidates[0].reasons.size(), 1u);
  EXPECT_EQ(ranking.candidates[0].reasons[0], "resolved INC-4 on cart, person and total");
}

// The rarest shared words make the reason, but a word that only says
// something broke ("fails") or who noticed ("customers") is no topic.
TEST(ExpertIndex, AReasonNamesTopicsNotSymptoms) {
  const ExpertIndex index(
      {Named("ana")},
      {Record(
           "INC-12", 1,
           "SPRING10 discount code rejected at checkout\ncustomers discount code fails at checkout",
           "ana"),
       Record("INC-31", 2,
              "Discount code not applied to basket\ndiscount code error customers checkout",
              "ana")});
  const Ranking ranking = index.Rank(
      Asking("FEAST25 discount code fails at checkout\nMany customers report errors."), 1);
  ASSERT_EQ(ranking.candidates.size(), 1u);
  ASSERT_EQ(ranking.candidates[0].reasons.size(), 1u);
  EXPECT_EQ(ranking.candidates[0].reasons[0],
            "resolved INC-31 and INC-12 on checkout, code and discount");
  // Symptoms alone give the records without words.
  const Ranking symptoms = index.Rank(Asking("customers report errors"), 1);
  ASSERT_EQ(symptoms.candidates.size(), 1u);
  EXPECT_THAT(symptoms.candidates[0].reasons, Contains(StartsWith("resolved INC-")));
  EXPECT_THAT(symptoms.candidates[0].reasons, Not(Contains(HasSubstr(" on "))));
}

TEST(SymptomWords, AreKnownByTheirStems) {
  EXPECT_TRUE(IsSymptomWord(Stem("failing")));
  EXPECT_TRUE(IsSymptomWord(Stem("errors")));
  EXPECT_TRUE(IsSymptomWord(Stem("customers")));
  EXPECT_FALSE(IsSymptomWord(Stem("checkout")));
  EXPECT_FALSE(IsSymptomWord(Stem("discount")));
}

// Two people fix the same things with the same words; only how they write
// the fix up differs (code spans and issue numbers, or a final period). bo's
// fixes are a day more recent, so without the habits bo would always lead.
TEST(ExpertIndex, WritingHabitsTellApartPeopleWhoShareTheTopic) {
  const std::vector<HistoryRecord> history = {
      Record("INC-1", 1, "build: `poll` detection on macos #120", "ana"),
      Record("INC-2", 2, "build: Poll detection on macos.", "bo"),
      Record("INC-3", 3, "build: `ipv6` detection on macos #131", "ana"),
      Record("INC-4", 4, "build: IPv6 detection on macos.", "bo")};
  const ExpertIndex index({Named("ana"), Named("bo")}, history);
  EXPECT_THAT(Ids(index.Rank(Asking("build: `select` detection on macos #140"), 2)),
              ElementsAre("ana", "bo"));
  EXPECT_THAT(Ids(index.Rank(Asking("build: Select detection on macos."), 2)),
              ElementsAre("bo", "ana"));
}

TEST(ExpertIndex, RecentActivityBreaksTextTies) {
  const ExpertIndex index(
      {Named("old"), Named("new")},
      {Record("A", 1, "cache stale", "old"), Record("B", 1, "cache stale", "new"),
       Record("C", 300, "unrelated words", "new")});
  EXPECT_EQ(index.Rank(Asking("stale cache"), 2).candidates[0].person_id, "new");
}

// ana fixed the checkout area for years, then bo took it over: bo's recent
// share of "checkout:" records is high while his share of all of them is low.
std::vector<HistoryRecord> CheckoutHandOver() {
  std::vector<HistoryRecord> history;
  for (int i = 0; i < 6; ++i) {
    history.push_back(
        Record("OLD-" + std::to_string(i), i, "checkout: cart total wrong in basket", "ana"));
  }
  // Both stay equally active elsewhere, so activity does not decide.
  for (int i = 0; i < 4; ++i) {
    history.push_back(Record("A-" + std::to_string(i), 900 + i, "search: index stale", "ana"));
  }
  history.push_back(Record("NEW-1", 901, "checkout: tax rounding", "bo"));
  history.push_back(Record("NEW-2", 902, "checkout: voucher field hidden", "bo"));
  history.push_back(Record("B-1", 903, "mail: queue stuck", "bo"));
  history.push_back(Record("B-2", 904, "mail: bounce loop", "bo"));
  history.push_back(Record("B-3", 905, "mail: header folding", "bo"));
  history.push_back(Record("B-4", 906, "mail: retry storm", "bo"));
  return history;
}

// The same people and history indexed twice: as configured, and with one
// signal's weight set to zero for every kind of query, to show what it does.
struct WithAndWithout {
  ExpertIndex with;
  ExpertIndex without;
};

WithAndWithout Indexes(double SignalWeights::*weight, const std::vector<Person>& people,
                       const std::vector<HistoryRecord>& history) {
  RankingParams zeroed;
  zeroed.described.*weight = 0;
  zeroed.title_only.*weight = 0;
  return {ExpertIndex(people, history), ExpertIndex(people, history, zeroed)};
}

double ScoreOf(const ExpertIndex& index, const Query& query, const std::string& id) {
  for (const Candidate& candidate : index.Rank(query, index.PersonCount()).candidates) {
    if (candidate.person_id == id) {
      return candidate.score;
    }
  }
  ADD_FAILURE() << id << " not ranked";
  return 0;
}

const Candidate& CandidateOf(const Ranking& ranking, const std::string& id) {
  for (const Candidate& candidate : ranking.candidates) {
    if (candidate.person_id == id) {
      return candidate;
    }
  }
  ADD_FAILURE() << id << " not ranked";
  static const Candidate kNone;
  return kNone;
}

TEST(ExpertIndex, WhoeverTookAnAreaOverLatelyGainsAndTheFormerOwnerLoses) {
  const auto [index, plain] =
      Indexes(&SignalWeights::area_shift, {Named("ana"), Named("bo")}, CheckoutHandOver());
  const Query query = Asking("checkout: cart total missing");
  EXPECT_GT(ScoreOf(index, query, "bo"), ScoreOf(plain, query, "bo"));
  EXPECT_LT(ScoreOf(index, query, "ana"), ScoreOf(plain, query, "ana"));
  const Ranking ranking = index.Rank(query, 2);
  EXPECT_THAT(CandidateOf(ranking, "bo").reasons, Contains("took over checkout lately"));
  EXPECT_THAT(CandidateOf(ranking, "ana").reasons, Not(Contains(HasSubstr("took over"))));
}

TEST(ExpertIndex, TheSoleOwnerOfAnAreaIsNeitherHelpedNorHurtByTheShift) {
  const auto [index, plain] =
      Indexes(&SignalWeights::area_shift, {Named("ana"), Named("bo")}, TwoSpecialists());
  const Query query = Asking("promotions: discount code fails");
  EXPECT_DOUBLE_EQ(ScoreOf(index, query, "ana"), ScoreOf(plain, query, "ana"));
}

TEST(ExpertIndex, ProfileBm25GivesTheBestTextMatchItsFullWeight) {
  const auto [index, plain] = Indexes(&SignalWeights::profile_bm25,
                                      {Named("ana"), Named("bo"), Named("cy")}, TwoSpecialists());
  const Query query = Asking("discount code rejected");
  // ana shares the words and is scaled to 1; bo and cy (no history) share none.
  EXPECT_NEAR(ScoreOf(index, query, "ana") - ScoreOf(plain, query, "ana"),
              kTitleOnlyWeights.profile_bm25, 1e-9);
  EXPECT_DOUBLE_EQ(ScoreOf(index, query, "bo"), ScoreOf(plain, query, "bo"));
  EXPECT_DOUBLE_EQ(ScoreOf(index, query, "cy"), ScoreOf(plain, query, "cy"));
  EXPECT_EQ(index.Rank(query, 3).candidates[0].person_id, "ana");
}

TEST(ExpertIndex, SimilarRecordsGiveTheBestMatchingRecordItsFullWeight) {
  const auto [index, plain] = Indexes(&SignalWeights::similar_records,
                                      {Named("ana"), Named("bo"), Named("cy")}, TwoSpecialists());
  const Query query = Asking("discount code rejected");
  // ana holds the best matching record (scaled to 1) and a second one; bo's
  // records and cy (no history) share no word.
  EXPECT_GE(ScoreOf(index, query, "ana") - ScoreOf(plain, query, "ana"),
            kTitleOnlyWeights.similar_records);
  EXPECT_DOUBLE_EQ(ScoreOf(index, query, "bo"), ScoreOf(plain, query, "bo"));
  EXPECT_DOUBLE_EQ(ScoreOf(index, query, "cy"), ScoreOf(plain, query, "cy"));
}

// A title alone is a handful of words: one past record sharing a couple of
// them is weaker evidence than in a described incident, so the two kinds of
// query weigh the signals by their own sets.
TEST(ExpertIndex, ATitleAloneAndADescribedIncidentWeighSignalsByTheirOwnSets) {
  const auto [index, plain] = Indexes(&SignalWeights::profile_bm25,
                                      {Named("ana"), Named("bo"), Named("cy")}, TwoSpecialists());
  // ana's profile matches best, so she gains the whole weight of its set.
  const auto gain = [&](const std::string& text) {
    return ScoreOf(index, Asking(text), "ana") - ScoreOf(plain, Asking(text), "ana");
  };
  EXPECT_NEAR(gain("discount code rejected"), kTitleOnlyWeights.profile_bm25, 1e-9);
  EXPECT_NEAR(gain("discount code rejected\nThe customer's discount code fails at checkout."),
              kDescribedWeights.profile_bm25, 1e-9);
  // Blank lines after the title are no description.
  EXPECT_NEAR(gain("discount code rejected\n \n\t"), kTitleOnlyWeights.profile_bm25, 1e-9);
}

// Every record mentions timeouts, so that word finds no candidates; the one
// record on QUIC does, and only its resolver gains.
TEST(ExpertIndex, SimilarRecordsAreFoundThroughTheQuerysRarerWords) {
  std::vector<HistoryRecord> history;
  for (int i = 0; i < 200; ++i) {
    history.push_back(Record("OLD-" + std::to_string(i), i % 30,
                             "timeout in transfer " + std::to_string(i % 7 == 0 ? 1 : 2),
                             i % 2 == 0 ? "ana" : "bo"));
  }
  history.push_back(Record("INC-9", 31, "quic handshake timeout", "cy"));
  const auto [index, plain] =
      Indexes(&SignalWeights::similar_records, {Named("ana"), Named("bo"), Named("cy")}, history);
  const Query query = Asking("quic timeout");
  // Within rounding: the other parts of the score are added in another order.
  EXPECT_GE(ScoreOf(index, query, "cy") - ScoreOf(plain, query, "cy"),
            kTitleOnlyWeights.similar_records - 1e-9);
  EXPECT_DOUBLE_EQ(ScoreOf(index, query, "ana"), ScoreOf(plain, query, "ana"));
  EXPECT_DOUBLE_EQ(ScoreOf(index, query, "bo"), ScoreOf(plain, query, "bo"));
}

TEST(ExpertIndex, PrefersASmallSetCoveringAllNeededSkills) {
  // ana and bo both know payments; cy alone knows the network. With equal
  // history, the best pair is one payments expert and cy, not ana and bo.
  const ExpertIndex index(
      {Named("ana", {{"payments", 5}}), Named("bo", {{"payments", 5}}),
       Named("cy", {{"infra/network", 3}})},
      {Record("A", 1, "refund failed", "ana"), Record("B", 1, "refund failed", "bo"),
       Record("C", 1, "dns lookup", "cy")});
  const Ranking ranking = index.Rank(Asking("checkout broken", {"payments", "network"}), 2);
  EXPECT_THAT(Ids(ranking), ElementsAre("ana", "cy"));
  EXPECT_THAT(ranking.candidates[0].reasons, Contains("payments level 5"));
  EXPECT_THAT(ranking.candidates[1].covered_skills, ElementsAre("network"));
  EXPECT_TRUE(ranking.uncovered_skills.empty());
}

TEST(ExpertIndex, ReportsNeededSkillsNobodyCovers) {
  const ExpertIndex index({Named("ana", {{"payments", 2}})}, TwoSpecialists());
  const Ranking ranking = index.Rank(Asking("checkout", {"payments", "kafka"}), 3);
  EXPECT_THAT(ranking.uncovered_skills, ElementsAre("kafka"));
}

TEST(ExpertIndex, UnknownAvailabilityIsNeutral) {
  Person ana_known = Named("ana");
  ana_known.presence = Presence::kActive;
  ana_known.utc_offset = std::chrono::hours{-2};  // 10:40 when it is 12:40 UTC
  ana_known.open_items = 0;
  ana_known.capacity = 3;
  const ExpertIndex unknown({Named("ana"), Named("bo")}, TwoSpecialists());
  const ExpertIndex known({ana_known, Named("bo")}, TwoSpecialists());
  Query query = Asking("discount code");
  query.now = At(40, 12, 40);
  const Ranking a = unknown.Rank(query, 2);
  const Ranking b = known.Rank(query, 2);
  ASSERT_EQ(Ids(a), Ids(b));
  for (std::size_t i = 0; i < a.candidates.size(); ++i) {
    EXPECT_DOUBLE_EQ(a.candidates[i].score, b.candidates[i].score);
  }
  EXPECT_THAT(b.candidates[0].reasons, Contains("available"));
  EXPECT_THAT(b.candidates[0].reasons, Contains("0 open incidents or swarms (capacity 3)"));
  EXPECT_THAT(b.candidates[0].reasons, Contains("10:40 local time"));
}

TEST(ExpertIndex, AwayOffHoursOrLoadedPeopleDrop) {
  const auto first_for = [](Person ana) {
    const ExpertIndex index(
        {std::move(ana), Named("bo")},
        {Record("A", 1, "discount code", "ana"), Record("B", 1, "discount voucher", "bo")});
    return index.Rank(Asking("discount code"), 2).candidates[0].person_id;
  };
  EXPECT_EQ(first_for(Named("ana")), "ana");
  Person away = Named("ana");
  away.presence = Presence::kAway;
  EXPECT_EQ(first_for(away), "bo");
  Person asleep = Named("ana");
  asleep.utc_offset = std::chrono::hours{-9};  // 03:00 local
  EXPECT_EQ(first_for(asleep), "bo");
  Person loaded = Named("ana");
  loaded.open_items = 4;
  loaded.capacity = 2;
  EXPECT_EQ(first_for(loaded), "bo");
}

std::vector<HistoryRecord> CodesAndLogins() {
  return {Record("H-1", 1, "voucher code refused in the basket", "ana"),
          Record("H-2", 2, "session expires during login", "bo"),
          Record("H-3", 3, "voucher code counted twice", "ana")};
}

TEST(ExpertIndexTies, PeopleWithEqualScoresComeInIdOrderWhateverTheFileOrder) {
  const std::vector<HistoryRecord> history = {Record("H-1", 1, "voucher code refused", "ana")};
  const ExpertIndex one({Named("ana"), Named("zoe"), Named("max"), Named("amy")}, history);
  const ExpertIndex other({Named("amy"), Named("max"), Named("ana"), Named("zoe")}, history);
  const Query query = Asking("printer jammed");
  EXPECT_EQ(Ids(one.Rank(query, 4)), Ids(other.Rank(query, 4)));
  const auto order = Ids(one.Rank(query, 4));
  ASSERT_EQ(order.size(), 4u);
  // The three without history score alike, so they go by id.
  EXPECT_THAT(std::vector<std::string>(order.begin() + 1, order.end()),
              ElementsAre("amy", "max", "zoe"));
}

TEST(ExpertIndexEvidence, AMatchingSkillOrMatchingHistoryIsEvidenceAndNothingElseIs) {
  Person di = Named("di");
  di.presence = Presence::kActive;
  di.open_items = 0;
  di.capacity = 3;
  const ExpertIndex index({Named("ana"), Named("bo"), Named("cy", {{"payments", 3}}), di},
                          CodesAndLogins());
  const Ranking ranking = index.Rank(Asking("voucher code refused", {"payments"}), 4);
  ASSERT_EQ(ranking.candidates.size(), 4u);
  for (const Candidate& candidate : ranking.candidates) {
    const bool expected = candidate.person_id == "ana" || candidate.person_id == "cy";
    EXPECT_EQ(candidate.has_evidence, expected) << candidate.person_id;
  }
}

// check 8: "Customers cannot log in" proposed whoever once fixed anything
// with the word "customer" in it.
TEST(ExpertIndexEvidence, OneCommonSharedWordIsNotEvidenceButTwoWordsOrARareOneAre) {
  std::vector<HistoryRecord> history;
  for (int i = 0; i < 60; ++i) {
    history.push_back(Record("OLD-" + std::to_string(i), 1, "customer report " + std::to_string(i),
                             i % 2 == 0 ? "ana" : "bo"));
  }
  history.push_back(Record("INC-7", 2, "customer login loops", "cy"));
  history.push_back(Record("INC-8", 2, "kerberos ticket", "di"));
  const ExpertIndex index({Named("ana"), Named("bo"), Named("cy"), Named("di")}, history);
  const Ranking ranking = index.Rank(Asking("customer login fails with kerberos"), 4);
  ASSERT_EQ(ranking.candidates.size(), 4u);
  for (const Candidate& candidate : ranking.candidates) {
    // cy shares two words, di a word one record holds; ana and bo only "customer".
    const bool expected = candidate.person_id == "cy" || candidate.person_id == "di";
    EXPECT_EQ(candidate.has_evidence, expected) << candidate.person_id;
  }
}

TEST(ExpertIndexAmong, RanksOnlyTheGivenPeopleWithTheirAvailabilityAndTheIndexHistory) {
  const ExpertIndex index({Named("ana"), Named("bo"), Named("cy")}, CodesAndLogins());
  const Query query = Asking("voucher code refused");
  Person away = Named("ana");
  away.presence = Presence::kAway;
  const Ranking ranking = index.RankAmong(query, 5, {away, Named("bo"), Named("nobody")});
  EXPECT_THAT(Ids(ranking), UnorderedElementsAre("ana", "bo"));
  const auto ana = std::find_if(ranking.candidates.begin(), ranking.candidates.end(),
                                [](const Candidate& c) { return c.person_id == "ana"; });
  ASSERT_NE(ana, ranking.candidates.end());
  EXPECT_THAT(ana->reasons, Contains("away"));
  EXPECT_THAT(ana->reasons, Contains(HasSubstr("H-3")));
  // Without overrides it scores exactly as Rank does.
  const Ranking same = index.RankAmong(query, 3, {Named("ana"), Named("bo"), Named("cy")});
  const Ranking all = index.Rank(query, 3);
  ASSERT_EQ(Ids(same), Ids(all));
  for (std::size_t i = 0; i < all.candidates.size(); ++i) {
    EXPECT_DOUBLE_EQ(same.candidates[i].score, all.candidates[i].score);
  }
  EXPECT_LT(ana->score, all.candidates[0].score);
}

TEST(Metrics, FollowTheReadmeDefinitions) {
  // Ranks 1, 2, 4, 0 (unknown); the last two are in the tail.
  const Metrics m = ComputeMetrics({1, 2, 4, 0}, {false, false, true, true});
  EXPECT_DOUBLE_EQ(m.mrr, (1 + 0.5 + 0.25 + 0) / 4);
  EXPECT_DOUBLE_EQ(m.p_at_1, 0.25);
  EXPECT_DOUBLE_EQ(m.r_at_3, 0.5);
  EXPECT_DOUBLE_EQ(m.r_at_5, 0.75);
  EXPECT_DOUBLE_EQ(m.tail_mrr, 0.125);
  EXPECT_EQ(m.tail_queries, 2u);
  EXPECT_EQ(FormatMetrics(EvalSetting::kTitle, m),
            "setting=title MRR=0.438 P@1=0.250 R@3=0.500 R@5=0.750 tailMRR=0.125");
}

TEST(Metrics, MostActiveCountsOnlyTheLastYearOfHistory) {
  const auto incident = [](std::string resolver, int day) {
    EvalIncident e;
    e.record = Record("x", day, "t", std::move(resolver));
    return e;
  };
  // "old" has most fixes overall, but all more than a year before the newest.
  const std::vector<EvalIncident> history = {
      incident("old", 0), incident("old", 1), incident("old", 2), incident("old", 3),
      incident("a", 500), incident("a", 501), incident("b", 502), incident("b", 503),
      incident("c", 504), incident("d", 505), incident("d", 506), incident("d", 507)};
  EXPECT_THAT(MostActive(history, 365, 3), ElementsAre("d", "a", "b"));
}

TEST(ParseIncidents, ReadsRecordsAndNamesTheBadLine) {
  const auto good = ParseIncidents(
      R"({"id": "inc-1", "time": "2024-10-23T11:00:41Z", "title": "t", "text": "t\nb", )"
      R"("components": ["lib/vtls"], "expert": "u1"})"
      "\n",
      "x.jsonl");
  ASSERT_TRUE(good);
  ASSERT_EQ(good->size(), 1u);
  EXPECT_EQ((*good)[0].record.components, std::vector<std::string>{"lib/vtls"});
  EXPECT_EQ((*good)[0].record.time.time_since_epoch().count(), 1729681241);

  const auto bad = ParseIncidents("\n{\"id\": 3}\n", "x.jsonl");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().detail, "x.jsonl:2: `id` is missing or not a string");
  const auto no_object = ParseIncidents("[1]\n", "x.jsonl");
  ASSERT_FALSE(no_object);
  EXPECT_EQ(no_object.error().detail, "x.jsonl:1: not a JSON object");
}

EvalIncident Incident(std::string id, int day, std::string title, std::string resolver) {
  EvalIncident incident;
  incident.title = title;
  incident.record = Record(std::move(id), day, std::move(title), std::move(resolver));
  return incident;
}

// ldap moved from "old" to "new" after train ended: frozen on train, the
// finder keeps naming "old"; replayed as swarmbot runs, it learns who fixes
// ldap now from the incidents already resolved.
EvalSet LdapChangedHands() {
  EvalSet set;
  for (int day = 1; day <= 6; ++day) {
    set.train.push_back(
        Incident("T-" + std::to_string(day), day, "ldap: bind fails on referral", "old"));
    set.train.push_back(
        Incident("U-" + std::to_string(day), day, "smtp: starttls upgrade hangs", "new"));
  }
  for (int day = 10; day < 20; ++day) {
    set.test.push_back(
        Incident("Q-" + std::to_string(day), day, "ldap: bind fails with timeout", "new"));
  }
  return set;
}

TEST(Evaluation, ReplayingTheTestLearnsFromIncidentsAlreadyResolved) {
  const EvalSet set = LdapChangedHands();
  const EvalResult frozen = Evaluate(set);
  EXPECT_EQ(frozen.title.p_at_1, 0);
  // Only the first question, asked before any test incident was learnt,
  // names "old" first.
  const EvalResult learning = Evaluate(set, {}, 1);
  EXPECT_DOUBLE_EQ(learning.title.p_at_1, 0.9);
  EXPECT_DOUBLE_EQ(learning.text.p_at_1, 0.9);

  // Rebuilt only after the whole test, the index never sees a test incident.
  const EvalResult once = Evaluate(set, {}, set.test.size());
  EXPECT_EQ(once.title.mrr, frozen.title.mrr);
  EXPECT_EQ(once.text.mrr, frozen.text.mrr);
}

TEST(Evaluation, SomeoneWithoutTrainHistoryIsAMissEvenOnceLearnt) {
  EvalSet set = LdapChangedHands();
  set.test = {Incident("Q-1", 10, "ftp: epsv refused", "stranger"),
              Incident("Q-2", 11, "ftp: epsv refused", "stranger")};
  const EvalResult learning = Evaluate(set, {}, 1);
  EXPECT_EQ(learning.title.queries, 2u);
  EXPECT_EQ(learning.title.mrr, 0);
  EXPECT_EQ(learning.text.mrr, 0);
}

TEST(Evaluation, TheLineSaysWhenTheTestWasReplayed) {
  Metrics m;
  m.mrr = 0.5;
  EXPECT_THAT(FormatMetrics(EvalSetting::kTitle, m),
              StartsWith("setting=title MRR=0.500 P@1=0.000"));
  EXPECT_THAT(FormatMetrics(EvalSetting::kText, m, 60),
              StartsWith("setting=text learn_every=60 MRR=0.500"));
}

// The split the parameters were tuned on: history = train's first 85%,
// questions = its last 15%. The floors are the figures the constants in
// finder.hpp reach there (text MRR .839, title .723), less rounding.
TEST(Evaluation, ValidationSplitKeepsTheTunedFigures) {
  const auto set = LoadEvalSet(swarmbot::testing::SharedDir() / "data/expertise");
  ASSERT_TRUE(set) << set.error().detail;
  EvalSet validation;
  validation.people = set->people;
  const auto cut = static_cast<std::ptrdiff_t>(set->train.size() * 85 / 100);
  validation.train.assign(set->train.begin(), set->train.begin() + cut);
  validation.test.assign(set->train.begin() + cut, set->train.end());
  const auto [text, title] = Evaluate(validation);
  EXPECT_EQ(text.queries, 792u);
  EXPECT_GE(text.mrr, 0.836);
  EXPECT_GE(text.p_at_1, 0.771);
  EXPECT_GE(text.tail_mrr, 0.721);
  EXPECT_GE(title.mrr, 0.734);
}

// The real evaluation, on curl's history. The floors are the figures this
// ranking reaches today, so a change that makes it worse fails here.
TEST(Evaluation, RealHistoryKeepsTodaysFigures) {
  const auto set = LoadEvalSet(swarmbot::testing::SharedDir() / "data/expertise");
  ASSERT_TRUE(set) << set.error().detail;
  const auto [text, title] = Evaluate(*set);
  EXPECT_EQ(text.queries, 1319u);
  EXPECT_EQ(text.tail_queries, 93u);
  EXPECT_GE(text.mrr, 0.868);
  EXPECT_GE(text.p_at_1, 0.800);
  EXPECT_GE(text.r_at_3, 0.935);
  EXPECT_GE(title.mrr, 0.787);
  EXPECT_GE(text.tail_mrr, 0.500);
}

TEST(Evaluation, RealHistoryReachesTheReadmeTargetsWithFullText) {
  const auto set = LoadEvalSet(swarmbot::testing::SharedDir() / "data/expertise");
  ASSERT_TRUE(set) << set.error().detail;
  const Metrics text = Evaluate(*set).text;
  EXPECT_GE(text.mrr, 0.85);
  EXPECT_GE(text.p_at_1, 0.77);
  EXPECT_GE(text.tail_mrr, 0.50);
  EXPECT_GE(text.r_at_3, 0.93);
}

TEST(Evaluation, RealHistoryReachesTheReadmeTargetWithTitlesAlone) {
  // TODO(#4): title-only MRR is .788 against the README's .82.
  GTEST_SKIP() << "#4: title-only MRR is below the README's target";
  const auto set = LoadEvalSet(swarmbot::testing::SharedDir() / "data/expertise");
  ASSERT_TRUE(set) << set.error().detail;
  EXPECT_GE(Evaluate(*set).title.mrr, 0.82);
}

// Check 20 #6: for a coupon incident, Dev, whose one record was an unrelated
// outage in the same territory, ranked above Omar, who declares the needed
// skill but has no history: the activity prior held Omar at its floor.
TEST(ExpertIndexTest, ANeededSkillOutweighsATerritoryWorkedOnAlone) {
  HistoryRecord outage = Record("INC-3", 38, "TAGA outage\nwarehouse scanners offline", "dev");
  outage.components = {"South"};
  const ExpertIndex index(
      {Named("sofia", {{"promotions", 5}}), Named("dev", {{"checkout-service", 3}}),
       Named("omar", {{"promotions", 4}})},
      {Record("INC-12", 10, "SPRING10 discount code rejected\ncustomers code fails", "sofia"),
       Record("INC-31", 20, "Discount code not applied\nbasket discount error", "sofia"), outage});
  Query query = Asking("Coupon discount code rejected in basket\ncoupon refused", {"promotions"});
  query.components = {"South"};
  const Ranking ranking = index.Rank(query, 3);
  const std::vector<std::string> ids = Ids(ranking);
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(ids[0], "sofia");
  EXPECT_EQ(ids[1], "omar") << "a needed skill beats a shared territory alone";
  EXPECT_EQ(ids[2], "dev");
  EXPECT_THAT(ranking.candidates[2].reasons, Contains("worked on South"));
}

}  // namespace
}  // namespace swarmbot::expertfinder
