#include "lifecycle/spike_detector.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <iterator>
#include <unordered_set>

namespace swarmbot::lifecycle {
namespace {

// A subject is the customer's own summary of the fault; descriptions repeat
// boilerplate ("I would like this resolved"), so subject words count double.
constexpr float kSubjectWeight = 2.0F;
constexpr float kDescriptionWeight = 1.0F;
// Long descriptions add little beyond their opening and would slow intake.
constexpr std::size_t kMaxDescriptionTerms = 300;
// A case probes the clusters that hold its terms, rarest first, ...
constexpr std::size_t kProbeTerms = 64;
// ... skipping terms that so many clusters carry that they identify none,
constexpr std::size_t kMaxPostings = 128;
// ... reading at most this many postings, which bounds the cost per case,
constexpr std::size_t kPostingBudget = 1024;
// ... and compares itself in full with the few that share most of them.
constexpr std::size_t kMaxCandidates = 32;
// An identifier weighs as rare while at most this many clusters hold it.
constexpr std::size_t kIdentifierClusters = 4;
// Terms that are identifiers carry this bit, so the detector need not keep
// their text.
constexpr std::uint64_t kIdentifierBit = std::uint64_t{1} << 63;

const std::unordered_set<std::string_view>& StopWords() {
  // Function words and the politeness of support mail; they carry no fault.
  static const std::unordered_set<std::string_view> kWords{
      "a",      "about",  "after", "again", "all",  "also",   "am",    "an",     "and",   "any",
      "are",    "as",     "at",    "be",    "been", "but",    "by",    "can",    "could", "did",
      "do",     "does",   "for",   "from",  "get",  "got",    "had",   "has",    "have",  "he",
      "her",    "hello",  "hi",    "his",   "how",  "i",      "if",    "in",     "into",  "is",
      "it",     "its",    "just",  "me",    "my",   "no",     "not",   "of",     "on",    "or",
      "our",    "please", "she",   "so",    "some", "than",   "thank", "thanks", "that",  "the",
      "their",  "them",   "then",  "there", "they", "this",   "to",    "too",    "up",    "us",
      "very",   "was",    "we",    "were",  "what", "when",   "which", "while",  "who",   "why",
      "will",   "with",   "would", "you",   "your", "im",     "ive",   "dont",   "cant",  "isnt",
      "doesnt", "didnt",  "wont",  "yes",   "dear", "regards"};
  return kWords;
}

bool EndsWith(const std::string& word, std::string_view suffix) {
  return word.size() >= suffix.size() &&
         word.compare(word.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Light normalisation, not a full stemmer: enough that "codes", "coded" and
// "coding" meet "code", without merging unrelated words.
std::string Trim(std::string word) {
  if (word.size() > 5 && EndsWith(word, "ing")) {
    word.resize(word.size() - 3);
  } else if (word.size() > 4 && EndsWith(word, "ied")) {
    word.replace(word.size() - 3, 3, "y");
  } else if (word.size() > 4 && EndsWith(word, "ies")) {
    word.replace(word.size() - 3, 3, "y");
  } else if (word.size() > 4 && EndsWith(word, "ed")) {
    word.resize(word.size() - 2);
  } else if (word.size() > 3 && EndsWith(word, "s") && !EndsWith(word, "ss") &&
             !EndsWith(word, "us") && !EndsWith(word, "is")) {
    word.pop_back();
  }
  return word;
}

// Calls `emit` for each term of `text`, at most `limit` of them. Bytes above
// 0x7F (UTF-8) are word characters, so accented words stay whole.
template <class Emit>
void ForEachTerm(std::string_view text, std::size_t limit, Emit&& emit) {
  std::string word;
  std::size_t emitted = 0;
  auto flush = [&] {
    if (word.size() >= 2 && !StopWords().contains(word)) {
      emit(Trim(std::move(word)));
      ++emitted;
    }
    word.clear();
  };
  for (char raw : text) {
    if (emitted >= limit) {
      return;
    }
    const auto c = static_cast<unsigned char>(raw);
    if (c >= 'A' && c <= 'Z') {
      word.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80) {
      word.push_back(raw);
    } else if (c == '\'') {
      continue;  // "don't" is "dont", a stop word
    } else {
      flush();
    }
  }
  if (emitted < limit) {
    flush();
  }
}

// A code a customer copies from a screen or a flyer: four characters or more
// with a digit after a letter ("feast25", "e4012", "0x80070005") or only
// digits (an error or order number). A number with a unit ("30min") is none.
bool IsIdentifier(std::string_view word) {
  if (word.size() < 4) {
    return false;
  }
  const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  const auto first_other = std::find_if_not(word.begin(), word.end(), is_digit);
  return first_other == word.end() || std::any_of(first_other, word.end(), is_digit);
}

std::uint64_t TermOf(const std::string& word) {
  const std::uint64_t hash = std::hash<std::string>{}(word) & ~kIdentifierBit;
  return IsIdentifier(word) ? hash | kIdentifierBit : hash;
}

}  // namespace

std::vector<std::string> SpikeTerms(std::string_view text) {
  std::vector<std::string> terms;
  ForEachTerm(text, kMaxDescriptionTerms, [&](std::string term) { terms.push_back(term); });
  return terms;
}

SpikeDetector::SpikeDetector(SpikeSettings settings) : settings_(settings) {}

double SpikeDetector::Idf(Term term) const {
  const auto found = document_frequency_.find(term);
  double df = found == document_frequency_.end() ? 0.0 : found->second;
  if ((term & kIdentifierBit) != 0 && df > 1) {
    const auto held = postings_.find(term);
    if (held == postings_.end() || held->second.count <= kIdentifierClusters) {
      df = 1;
    }
  }
  return std::log((static_cast<double>(live_.size()) + 1.0) / (df + 1.0)) + 1.0;
}

std::vector<std::uint64_t> SpikeDetector::Candidates(const TermVector& terms) const {
  std::vector<std::pair<double, Term>> by_rarity;
  by_rarity.reserve(terms.size());
  for (const auto& [term, weight] : terms) {
    by_rarity.emplace_back(Idf(term), term);
  }
  std::sort(by_rarity.begin(), by_rarity.end(), std::greater<>());
  // A cheap first score: the squared IDF of the probed terms each cluster
  // shares, which is the bulk of the cosine's numerator.
  std::vector<std::pair<std::uint64_t, double>> hits;
  for (std::size_t i = 0; i < by_rarity.size() && i < kProbeTerms; ++i) {
    const auto postings = postings_.find(by_rarity[i].second);
    if (postings == postings_.end() || postings->second.saturated) {
      continue;
    }
    if (hits.size() + postings->second.clusters.size() > kPostingBudget) {
      continue;  // a shorter list further on may still fit
    }
    const double score = by_rarity[i].first * by_rarity[i].first;
    for (std::uint64_t cluster : postings->second.clusters) {
      hits.emplace_back(cluster, score);
    }
  }
  std::sort(hits.begin(), hits.end());
  std::vector<std::pair<double, std::uint64_t>> ranked;
  for (const auto& [cluster, score] : hits) {
    if (!ranked.empty() && ranked.back().second == cluster) {
      ranked.back().first += score;
    } else {
      ranked.emplace_back(score, cluster);
    }
  }
  const std::size_t kept = std::min(ranked.size(), kMaxCandidates);
  std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(kept),
                    ranked.end(), std::greater<>());
  std::vector<std::uint64_t> candidates;
  for (std::size_t i = 0; i < kept; ++i) {
    candidates.push_back(ranked[i].second);
  }
  return candidates;
}

double SpikeDetector::Similarity(const TermVector& terms, double norm,
                                 const Cluster& cluster) const {
  double dot = 0;
  for (const auto& [term, weight] : terms) {
    const auto found = cluster.terms.find(term);
    if (found != cluster.terms.end()) {
      const double idf = Idf(term);
      dot += weight * found->second.weight_sum * idf * idf;
    }
  }
  if (dot <= 0) {
    return 0;
  }
  const double centroid = CentroidNorm(cluster);
  return centroid <= 0 ? 0 : dot / (norm * centroid);
}

double SpikeDetector::CentroidNorm(const Cluster& cluster) const {
  const std::size_t live = live_.size();
  const std::size_t drift =
      live > cluster.norm_live ? live - cluster.norm_live : cluster.norm_live - live;
  if (!cluster.norm_stale && drift * 10 <= live) {
    return cluster.norm;
  }
  double sum = 0;
  for (const auto& [term, stat] : cluster.terms) {
    const double weighted = stat.weight_sum * Idf(term);
    sum += weighted * weighted;
  }
  cluster.norm = std::sqrt(sum);
  cluster.norm_live = live;
  cluster.norm_stale = false;
  return cluster.norm;
}

void SpikeDetector::AddPosting(Term term, std::uint64_t cluster) {
  Postings& postings = postings_[term];
  ++postings.count;
  if (postings.saturated) {
    return;
  }
  if (postings.count > kMaxPostings) {
    postings.saturated = true;
    postings.clusters = {};
    return;
  }
  postings.clusters.push_back(cluster);
}

void SpikeDetector::RemovePosting(Term term, std::uint64_t cluster) {
  const auto found = postings_.find(term);
  if (found == postings_.end()) {
    return;
  }
  Postings& postings = found->second;
  if (--postings.count == 0) {
    postings_.erase(found);
    return;
  }
  if (!postings.saturated) {
    const auto at = std::find(postings.clusters.begin(), postings.clusters.end(), cluster);
    if (at != postings.clusters.end()) {
      *at = postings.clusters.back();
      postings.clusters.pop_back();
    }
  }
}

void SpikeDetector::Join(std::uint64_t id, Cluster& cluster, const LiveCase& c) {
  cluster.members.push_back(c.number);
  cluster.norm_stale = true;
  for (const auto& [term, weight] : c.terms) {
    TermStat& stat = cluster.terms[term];
    stat.weight_sum += weight;
    if (stat.members++ == 0) {
      AddPosting(term, id);
    }
  }
  ++cluster.contacts[c.contact];
  cluster_of_[c.number] = id;
}

void SpikeDetector::Leave(const LiveCase& c) {
  for (const auto& [term, weight] : c.terms) {
    if (auto df = document_frequency_.find(term); df != document_frequency_.end()) {
      if (--df->second == 0) {
        document_frequency_.erase(df);
      }
    }
  }
  const auto of = cluster_of_.find(c.number);
  if (of == cluster_of_.end()) {
    return;
  }
  const std::uint64_t id = of->second;
  cluster_of_.erase(of);
  const auto found = clusters_.find(id);
  if (found == clusters_.end()) {
    return;
  }
  Cluster& cluster = found->second;
  // Cases expire oldest first everywhere, so within their cluster too.
  if (!cluster.members.empty() && cluster.members.front() == c.number) {
    cluster.members.pop_front();
  } else {
    std::erase(cluster.members, c.number);
  }
  cluster.norm_stale = true;
  if (cluster.members.empty()) {
    for (const auto& [term, stat] : cluster.terms) {
      RemovePosting(term, id);
    }
    clusters_.erase(found);
    return;
  }
  for (const auto& [term, weight] : c.terms) {
    const auto stat = cluster.terms.find(term);
    if (stat == cluster.terms.end()) {
      continue;
    }
    stat->second.weight_sum -= weight;
    if (--stat->second.members == 0) {
      cluster.terms.erase(stat);
      RemovePosting(term, id);
    }
  }
  if (auto contact = cluster.contacts.find(c.contact); contact != cluster.contacts.end()) {
    if (--contact->second == 0) {
      cluster.contacts.erase(contact);
    }
  }
}

void SpikeDetector::Expire(Clock::TimePoint now) {
  const Clock::TimePoint horizon = now - settings_.window;
  while (!live_.empty() && live_.front().created_at < horizon) {
    Leave(live_.front());
    live_.pop_front();
  }
}

std::pair<SpikeDetector::Match, SpikeDetector::Match> SpikeDetector::BestTwo(
    const TermVector& terms, double norm) const {
  Match best;
  Match second;
  if (norm <= 0) {
    return {best, second};
  }
  for (std::uint64_t id : Candidates(terms)) {
    const Match match{id, Similarity(terms, norm, clusters_.at(id))};
    if (match.similarity > best.similarity) {
      second = best;
      best = match;
    } else if (match.similarity > second.similarity) {
      second = match;
    }
  }
  return {best, second};
}

double SpikeDetector::ClusterSimilarity(const Cluster& a, const Cluster& b) const {
  const Cluster& small = a.terms.size() <= b.terms.size() ? a : b;
  const Cluster& large = &small == &a ? b : a;
  double dot = 0;
  for (const auto& [term, stat] : small.terms) {
    const auto found = large.terms.find(term);
    if (found != large.terms.end()) {
      const double idf = Idf(term);
      dot += stat.weight_sum * found->second.weight_sum * idf * idf;
    }
  }
  const double norms = CentroidNorm(a) * CentroidNorm(b);
  return dot <= 0 || norms <= 0 ? 0 : dot / norms;
}

std::uint64_t SpikeDetector::Merge(std::uint64_t first, std::uint64_t second,
                                   std::vector<std::int64_t>& absorbed) {
  // A spike's number must keep naming its cases, so a spike absorbs.
  const bool swap = !clusters_.at(first).spike && clusters_.at(second).spike;
  const std::uint64_t into_id = swap ? second : first;
  const std::uint64_t from_id = swap ? first : second;
  Cluster& into = clusters_.at(into_id);
  Cluster& from = clusters_.at(from_id);
  for (const auto& [term, stat] : from.terms) {
    RemovePosting(term, from_id);
    TermStat& merged = into.terms[term];
    if (merged.members == 0) {
      AddPosting(term, into_id);
    }
    merged.weight_sum += stat.weight_sum;
    merged.members += stat.members;
  }
  for (const auto& [contact, n] : from.contacts) {
    into.contacts[contact] += n;
  }
  for (std::int64_t number : from.members) {
    cluster_of_[number] = into_id;
  }
  absorbed.assign(from.members.begin(), from.members.end());
  // Case numbers follow creation, so this keeps the members oldest first.
  std::deque<std::int64_t> members;
  std::merge(into.members.begin(), into.members.end(), from.members.begin(), from.members.end(),
             std::back_inserter(members));
  into.members = std::move(members);
  into.norm_stale = true;
  clusters_.erase(from_id);
  return into_id;
}

std::uint64_t SpikeDetector::MaybeMerge(std::uint64_t joined, std::uint64_t other,
                                        std::vector<std::int64_t>& absorbed) {
  const Cluster& a = clusters_.at(joined);
  const Cluster& b = clusters_.at(other);
  const bool two_spikes = a.spike && b.spike && *a.spike != *b.spike;
  if (two_spikes || ClusterSimilarity(a, b) < settings_.similarity) {
    return joined;
  }
  return Merge(joined, other, absorbed);
}

SpikePlacement SpikeDetector::Add(const SpikeCase& c) {
  if (const auto known = cluster_of_.find(c.number); known != cluster_of_.end()) {
    const Cluster& cluster = clusters_.at(known->second);
    return {known->second, cluster.members.size(), cluster.contacts.size(), 1.0, true, {}};
  }
  latest_ = std::max(latest_, c.created_at);
  Expire(latest_);

  std::unordered_map<Term, float> raw;
  ForEachTerm(c.subject, kMaxDescriptionTerms,
              [&](const std::string& term) { raw[TermOf(term)] += kSubjectWeight; });
  ForEachTerm(c.description, kMaxDescriptionTerms,
              [&](const std::string& term) { raw[TermOf(term)] += kDescriptionWeight; });

  LiveCase live;
  live.number = c.number;
  live.created_at = latest_;
  live.contact.assign(c.contact);
  live.terms.reserve(raw.size());
  for (const auto& [term, weight] : raw) {
    // Sub-linear: a word typed five times is not five times the evidence.
    live.terms.emplace_back(term, 1.0F + std::log(weight));
    ++document_frequency_[term];
  }
  std::sort(live.terms.begin(), live.terms.end());

  // The case counts in the window's document frequencies from here on, so its
  // own terms are weighed as the next case's will be.
  live_.push_back(std::move(live));
  const LiveCase& added = live_.back();
  double norm = 0;
  for (const auto& [term, weight] : added.terms) {
    const double weighted = weight * Idf(term);
    norm += weighted * weighted;
  }
  norm = std::sqrt(norm);

  const auto [best, second] = BestTwo(added.terms, norm);
  SpikePlacement placed;
  placed.joined = best.cluster != 0 && best.similarity >= settings_.similarity;
  placed.cluster = placed.joined ? best.cluster : next_cluster_++;
  placed.similarity = placed.joined ? best.similarity : 1.0;
  Join(placed.cluster, clusters_[placed.cluster], added);
  if (placed.joined && second.cluster != 0 && second.similarity >= settings_.similarity) {
    placed.cluster = MaybeMerge(placed.cluster, second.cluster, placed.absorbed);
  }
  const Cluster& cluster = clusters_.at(placed.cluster);
  placed.size = cluster.members.size();
  placed.contacts = cluster.contacts.size();
  return placed;
}

std::vector<std::int64_t> SpikeDetector::Members(std::uint64_t cluster) const {
  const auto found = clusters_.find(cluster);
  if (found == clusters_.end()) {
    return {};
  }
  return {found->second.members.begin(), found->second.members.end()};
}

std::optional<std::uint64_t> SpikeDetector::ClusterOf(std::int64_t case_number) const {
  const auto found = cluster_of_.find(case_number);
  if (found == cluster_of_.end()) {
    return std::nullopt;
  }
  return found->second;
}

std::optional<std::int64_t> SpikeDetector::SpikeOf(std::uint64_t cluster) const {
  const auto found = clusters_.find(cluster);
  return found == clusters_.end() ? std::nullopt : found->second.spike;
}

void SpikeDetector::SetSpike(std::uint64_t cluster, std::int64_t spike) {
  if (auto found = clusters_.find(cluster); found != clusters_.end()) {
    found->second.spike = spike;
  }
}

std::size_t SpikeDetector::ContactsOf(std::uint64_t cluster) const {
  const auto found = clusters_.find(cluster);
  return found == clusters_.end() ? 0 : found->second.contacts.size();
}

}  // namespace swarmbot::lifecycle
