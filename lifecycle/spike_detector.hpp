#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/clock.hpp"

namespace swarmbot::lifecycle {

// What makes a group of cases a spike ([spike] in the config).
struct SpikeSettings {
  // Cases older than this (by creation time) leave their groups.
  std::chrono::minutes window{60};
  // Cosine similarity (0..1] a case needs with a group to join it.
  double similarity = 0.5;
  // A group becomes a spike at this many cases from this many distinct contacts.
  int min_cases = 5;
  int min_contacts = 3;
};

// One new case as the detector sees it.
struct SpikeCase {
  std::int64_t number = 0;
  Clock::TimePoint created_at;
  std::string_view contact;  // e-mail address; distinct contacts are counted
  std::string_view subject;
  std::string_view description;
};

// Where a case went.
struct SpikePlacement {
  std::uint64_t cluster = 0;
  std::size_t size = 0;      // live cases in the cluster, this one included
  std::size_t contacts = 0;  // distinct contacts among them
  double similarity = 1.0;   // to the cluster it joined; 1 for a new cluster
  bool joined = false;       // false: the case started a cluster of its own
  // Cases that were in another cluster until this case bridged the two (see
  // SpikeDetector::Add), oldest first; they are in `cluster` now. This case
  // is among them when its cluster merged into a spike's.
  std::vector<std::int64_t> absorbed;
};

// Incremental clustering of new cases by the similarity of their text, within
// a sliding time window. Pure and in memory: no store, no Slack. Not thread
// safe; swarmbot calls it from its one io thread.
//
// Why TF-IDF cosine against centroids: customers describe one fault in
// different words but share its rare ones (a code such as FEAST25, a product
// name), and inverse document frequency over the live window gives those the
// weight while words that every case uses this hour fade out on their own.
// Centroids make a cluster absorb paraphrases that no single member matches
// well.
//
// Two corrections keep one fault in one cluster. First, once a fault's cases
// fill the window, its own code is in most of them and plain IDF would weigh
// it like "the": an identifier (a word with digits, such as FEAST25, E4012 or
// 0x80070005) weighs as a word seen in one case while at most a few clusters
// hold it. An identifier that many clusters hold (a device model in every
// signature) weighs as any word. Second, placement is greedy, so an early
// case that just misses a cluster seeds a rival that its paraphrases then
// follow: when a case matches a second cluster too and the two centroids
// match each other, the clusters merge, unless they are two different spikes.
//
// MinHash/LSH would be cheaper per comparison, but its Jaccard over
// short subjects is noisy, and an inverted index from a case's rarest terms
// to the clusters that hold them already keeps candidates to a handful.
class SpikeDetector {
 public:
  explicit SpikeDetector(SpikeSettings settings);

  // Expires what fell out of the window before `c.created_at`, then puts the
  // case in the most similar cluster at or above the threshold, or in a new
  // one; if the runner-up is at or above it as well and the two clusters are
  // that similar, they merge (the one recorded as a spike keeps its id).
  // Times are taken as non-decreasing; an earlier time counts as the latest
  // seen. Adding a number twice returns its cluster unchanged.
  SpikePlacement Add(const SpikeCase& c);

  // Drops cases created before `now - window`, and clusters left empty.
  void Expire(Clock::TimePoint now);

  // The live cases of `cluster`, oldest first; empty for an unknown cluster.
  std::vector<std::int64_t> Members(std::uint64_t cluster) const;
  std::optional<std::uint64_t> ClusterOf(std::int64_t case_number) const;
  // The spike a cluster has been recorded as, if any.
  std::optional<std::int64_t> SpikeOf(std::uint64_t cluster) const;
  void SetSpike(std::uint64_t cluster, std::int64_t spike);
  std::size_t ContactsOf(std::uint64_t cluster) const;

  std::size_t LiveCases() const noexcept { return live_.size(); }
  std::size_t ClusterCount() const noexcept { return clusters_.size(); }
  const SpikeSettings& settings() const noexcept { return settings_; }

 private:
  using Term = std::uint64_t;
  using TermVector = std::vector<std::pair<Term, float>>;  // sorted by term

  struct TermStat {
    float weight_sum = 0;  // of the members' weights for the term
    int members = 0;       // members carrying it
  };

  struct Cluster {
    std::deque<std::int64_t> members;
    std::unordered_map<Term, TermStat> terms;
    std::unordered_map<std::string, int> contacts;
    std::optional<std::int64_t> spike;
    // The centroid's TF-IDF norm, cached: recomputed when the cluster changes
    // or the window's size has drifted by a tenth since. Document frequencies
    // move slowly, so the cache costs a little precision, never a wrong group.
    mutable double norm = 0;
    mutable std::size_t norm_live = 0;
    mutable bool norm_stale = true;
  };

  struct LiveCase {
    std::int64_t number = 0;
    Clock::TimePoint created_at;
    std::string contact;
    TermVector terms;
  };

  struct Match {
    std::uint64_t cluster = 0;  // 0: none
    double similarity = 0;
  };

  double Idf(Term term) const;
  std::vector<std::uint64_t> Candidates(const TermVector& terms) const;
  double Similarity(const TermVector& terms, double norm, const Cluster& cluster) const;
  double CentroidNorm(const Cluster& cluster) const;
  double ClusterSimilarity(const Cluster& a, const Cluster& b) const;
  // The best and second best clusters for a case with these terms.
  std::pair<Match, Match> BestTwo(const TermVector& terms, double norm) const;
  void Join(std::uint64_t id, Cluster& cluster, const LiveCase& c);
  // Merges the cluster a case joined with another that the case matched as
  // well, if their centroids match and they are not two different spikes;
  // returns the case's cluster.
  std::uint64_t MaybeMerge(std::uint64_t joined, std::uint64_t other,
                           std::vector<std::int64_t>& absorbed);
  // Merges `second` into `first`, or the other way round if only `second` is
  // a spike; returns the cluster that stays and fills `absorbed` with the
  // cases that moved into it.
  std::uint64_t Merge(std::uint64_t first, std::uint64_t second,
                      std::vector<std::int64_t>& absorbed);
  void Leave(const LiveCase& c);

  SpikeSettings settings_;
  std::deque<LiveCase> live_;  // oldest first
  std::unordered_map<std::int64_t, std::uint64_t> cluster_of_;
  std::unordered_map<std::uint64_t, Cluster> clusters_;
  std::unordered_map<Term, int> document_frequency_;
  // The clusters holding each term. A term held by more clusters than are
  // worth probing stops being listed (`saturated`) until no cluster holds it:
  // it identifies no group, and its list would cost more to keep than to skip.
  struct Postings {
    std::vector<std::uint64_t> clusters;
    std::size_t count = 0;
    bool saturated = false;
  };
  void AddPosting(Term term, std::uint64_t cluster);
  void RemovePosting(Term term, std::uint64_t cluster);

  std::unordered_map<Term, Postings> postings_;
  std::uint64_t next_cluster_ = 1;
  Clock::TimePoint latest_{};
};

// The terms of a text as the detector weighs them: lower-cased words and
// numbers, stop words dropped, plural and verb endings trimmed ("codes" and
// "code" are one term). Exposed for tests.
std::vector<std::string> SpikeTerms(std::string_view text);

}  // namespace swarmbot::lifecycle
