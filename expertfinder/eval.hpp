#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "expertfinder/finder.hpp"

namespace swarmbot::expertfinder {

// One incident of the evaluation set: history when in train, a question when
// in test. `expert` is the person who resolved it.
struct EvalIncident {
  HistoryRecord record;
  std::string title;
};

// shared/data/expertise: people.jsonl, train.jsonl, test.jsonl.
struct EvalSet {
  std::vector<Person> people;
  std::vector<EvalIncident> train;
  std::vector<EvalIncident> test;
};

// Reads the three JSONL files of `dir`. A missing file or a malformed line is
// an Errc::kInvalidInput naming the file and line.
Result<EvalSet> LoadEvalSet(const std::filesystem::path& dir);

// How many of the set's people resolved something in train: with none, the
// directory adds nothing and people are known from history alone.
std::size_t PeopleWithHistory(const EvalSet& set);

// Parses one JSONL file of incidents; exposed for tests.
Result<std::vector<EvalIncident>> ParseIncidents(std::string_view jsonl, std::string_view name);

struct Metrics {
  double mrr = 0;
  double p_at_1 = 0;
  double r_at_3 = 0;
  double r_at_5 = 0;
  double tail_mrr = 0;
  std::size_t queries = 0;
  std::size_t tail_queries = 0;
};

// The metrics as the set's README defines them. `ranks[i]` is the 1-based rank
// of the true expert of query i, 0 when not ranked (an unknown expert is a
// miss); `in_tail[i]` says whether query i belongs to the tail set.
Metrics ComputeMetrics(const std::vector<std::size_t>& ranks, const std::vector<bool>& in_tail);

// The tail's complement: the `n` people with most resolved records in the
// last `days` before the newest record of `history`.
std::vector<std::string> MostActive(const std::vector<EvalIncident>& history, int days,
                                    std::size_t n);

enum class EvalSetting { kText, kTitle };

struct EvalResult {
  Metrics text;   // each test incident's full text as the query
  Metrics title;  // its title alone
};

// Ranks everyone for each test incident, with its full text and then its
// title alone as the query (nothing else), and scores the ranks. A resolver
// with no record in train is a miss, as the set's README says.
//
// `learn_every` 0 ranks against train alone, as the README scores the set.
// N > 0 replays the test as swarmbot runs: each test incident joins the
// history once ranked, and the index is rebuilt after every N of them, as
// swarmbot rebuilds its own when incidents are resolved. The figures then
// say how the finder does in use, not what the README's targets measure.
EvalResult Evaluate(const EvalSet& set, const RankingParams& params = {},
                    std::size_t learn_every = 0);

// "setting=text MRR=0.862 P@1=0.781 R@3=0.936 R@5=0.978 tailMRR=0.512", with
// "learn_every=N " after the setting when N > 0.
std::string FormatMetrics(EvalSetting setting, const Metrics& metrics, std::size_t learn_every = 0);

}  // namespace swarmbot::expertfinder
