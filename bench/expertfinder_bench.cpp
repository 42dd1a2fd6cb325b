// Ranking one incident against 10,000 people and 1,000,000 history records,
// generated deterministically. Target (issue #4): under 20 ms on one core.

#include <array>
#include <chrono>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "expertfinder/finder.hpp"

namespace {

namespace ef = swarmbot::expertfinder;

constexpr int kPeople = 10'000;
constexpr int kRecords = 1'000'000;
constexpr int kVocabulary = 30'000;
constexpr int kAreas = 200;
constexpr int kSpecialtyWords = 40;

std::string Word(int i) {
  return "w" + std::to_string(i);
}

// Words every writer uses, which the ranking reads as writing habits: each
// is a term that nearly everyone's profile holds.
constexpr std::array<const char*, 12> kFunctionWords = {
    "the", "when", "in", "on", "for", "we", "is", "it", "this", "with", "not", "after"};

// People specialise: each draws most words from a small set of its own and a
// few from the whole vocabulary, skewed towards common words.
const ef::ExpertIndex& Index() {
  static const std::unique_ptr<ef::ExpertIndex> index = [] {
    std::mt19937_64 random(42);
    std::uniform_int_distribution<int> any_word(0, kVocabulary - 1);
    std::geometric_distribution<int> common_word(0.01);
    std::vector<ef::Person> people(kPeople);
    std::vector<std::vector<int>> specialty(kPeople);
    for (int p = 0; p < kPeople; ++p) {
      people[p].id = "U" + std::to_string(p);
      people[p].skills = {{"area" + std::to_string(p % kAreas), 1 + p % 5}};
      people[p].presence = p % 7 == 0 ? ef::Presence::kAway : ef::Presence::kActive;
      people[p].utc_offset = std::chrono::hours{p % 24 - 11};
      people[p].open_items = p % 4;
      people[p].capacity = 3;
      for (int w = 0; w < kSpecialtyWords; ++w) {
        specialty[p].push_back(any_word(random));
      }
    }
    std::uniform_int_distribution<int> any_person(0, kPeople - 1);
    std::uniform_int_distribution<int> any_specialty(0, kSpecialtyWords - 1);
    std::uniform_int_distribution<std::size_t> any_function_word(0, kFunctionWords.size() - 1);
    const auto start = std::chrono::sys_days{std::chrono::year{2015} / 1 / 1};
    std::vector<ef::HistoryRecord> history(kRecords);
    for (int r = 0; r < kRecords; ++r) {
      const int p = any_person(random);
      ef::HistoryRecord& record = history[r];
      record.id = "INC-" + std::to_string(r);
      record.time = start + std::chrono::minutes{r * 5};
      record.resolver = people[p].id;
      record.text = "area" + std::to_string(p % kAreas) + ":";
      for (int w = 0; w < 8; ++w) {
        record.text += " " + Word(specialty[p][any_specialty(random)]);
      }
      for (int w = 0; w < 4; ++w) {
        record.text += " " + Word(common_word(random) % kVocabulary);
      }
      for (int w = 0; w < 3; ++w) {
        record.text += std::string(" ") + kFunctionWords[any_function_word(random)];
      }
      if (r % 4 == 0) {
        record.text += "\n- `" + Word(specialty[p][0]) + "` #" + std::to_string(r);
      }
      record.components = {"svc/" + std::to_string(p % kAreas)};
    }
    return std::make_unique<ef::ExpertIndex>(std::move(people), history);
  }();
  return *index;
}

ef::Query Incident() {
  ef::Query query;
  // A title line and a description of 40 words: some of one person's
  // specialty, some common words, some never seen; function words, a code
  // span and trailers as people write them.
  query.text = "area17: checkout fails when the `w0` code is used\n";
  for (int w = 0; w < 40; ++w) {
    if (w % 4 == 0) {
      query.text += std::string(" ") + kFunctionWords[w % kFunctionWords.size()];
    }
    query.text += " " + Word(w % 3 == 0 ? w : 1000 + w * 37);
  }
  query.text += "\n\nReported-by: [person]\nCloses #4242";
  query.components = {"svc/17"};
  query.needed_skills = {"area17", "area42"};
  query.now = std::chrono::sys_days{std::chrono::year{2025} / 1 / 1};
  return query;
}

void BM_RankOneIncident(benchmark::State& state) {
  const ef::ExpertIndex& index = Index();
  const ef::Query query = Incident();
  for (auto _ : state) {
    ef::Ranking ranking = index.Rank(query, 5);
    benchmark::DoNotOptimize(ranking);
  }
  state.counters["people"] = static_cast<double>(index.PersonCount());
  state.counters["records"] = static_cast<double>(index.RecordCount());
}
BENCHMARK(BM_RankOneIncident)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
