// How many new cases a second the spike detector places, with a realistic
// backlog live in its window. Run: build/bench/spike_bench
//
// The synthetic cases draw words from a Zipf-shaped vocabulary (a few words
// in nearly every case, most words rare, as in support mail), and one case in
// twenty follows one of a dozen fault templates, so that real groups grow
// while the rest stay singletons. Times advance so that the window holds
// about `backlog` cases throughout: each new case pushes an old one out.

#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "lifecycle/spike_detector.hpp"

namespace {

using swarmbot::Clock;
using swarmbot::lifecycle::SpikeCase;
using swarmbot::lifecycle::SpikeDetector;
using swarmbot::lifecycle::SpikeSettings;

struct Text {
  std::string contact;
  std::string subject;
  std::string description;
};

class CaseGenerator {
 public:
  explicit CaseGenerator(unsigned seed) : random_(seed) {
    std::vector<double> weights;
    for (int rank = 1; rank <= kVocabulary; ++rank) {
      weights.push_back(1.0 / rank);
    }
    zipf_ = std::discrete_distribution<int>(weights.begin(), weights.end());
  }

  Text Next(int n) {
    Text text;
    text.contact = "customer" + std::to_string(n) + "@mail.example";
    if (std::uniform_int_distribution<int>(0, 19)(random_) == 0) {
      const int fault = std::uniform_int_distribution<int>(0, kFaults - 1)(random_);
      const std::string code = "fault" + std::to_string(fault);
      text.subject = code + " error " + Words(1);
      text.description = "When I use " + code + " it fails with " + code + " error. " + Words(8);
      return text;
    }
    text.subject = Words(std::uniform_int_distribution<int>(4, 8)(random_));
    text.description = Words(std::uniform_int_distribution<int>(15, 45)(random_));
    return text;
  }

 private:
  static constexpr int kVocabulary = 20'000;
  static constexpr int kFaults = 12;

  std::string Words(int n) {
    std::string words;
    for (int i = 0; i < n; ++i) {
      words += "word" + std::to_string(zipf_(random_)) + " ";
    }
    return words;
  }

  std::mt19937 random_;
  std::discrete_distribution<int> zipf_;
};

void BM_PlaceNewCase(benchmark::State& state) {
  const auto backlog = static_cast<int>(state.range(0));
  const SpikeSettings settings;
  // One case every window/backlog keeps `backlog` cases live.
  const auto step =
      std::chrono::duration_cast<Clock::TimePoint::duration>(settings.window) / backlog;

  CaseGenerator generator(42);
  constexpr int kDistinct = 50'000;
  std::vector<Text> texts;
  texts.reserve(kDistinct);
  for (int i = 0; i < kDistinct; ++i) {
    texts.push_back(generator.Next(i));
  }

  SpikeDetector detector(settings);
  Clock::TimePoint now{std::chrono::hours(24 * 365 * 56)};
  std::int64_t number = 1;
  auto add = [&] {
    const Text& t = texts[static_cast<std::size_t>(number) % texts.size()];
    now += step;
    return detector.Add({number++, now, t.contact, t.subject, t.description});
  };
  for (int i = 0; i < backlog; ++i) {
    add();
  }

  for (auto _ : state) {
    benchmark::DoNotOptimize(add());
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["live_cases"] = static_cast<double>(detector.LiveCases());
  state.counters["clusters"] = static_cast<double>(detector.ClusterCount());
}
BENCHMARK(BM_PlaceNewCase)->Arg(20'000)->Arg(50'000)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
