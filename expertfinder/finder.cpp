#include "expertfinder/finder.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_set>

#include <fmt/format.h>

#include "expertfinder/text.hpp"

namespace swarmbot::expertfinder {
namespace {

constexpr double kSecondsPerDay = 86400;
// Keeps log(activity share) finite for people with no history.
constexpr double kActivityFloor = 1e-6;
// A skill someone already selected covers is worth this share of its bonus:
// a second expert on the same skill helps a little, a missing skill a lot.
constexpr double kRepeatedSkillShare = 0.25;
// Working hours in the person's local time, [start, end).
constexpr int kWorkdayStartHour = 9;
constexpr int kWorkdayEndHour = 18;
// How many people beyond k the coverage pass considers.
constexpr std::size_t kCoveragePool = 32;
constexpr std::size_t kRecordsInReason = 2;
constexpr std::size_t kWordsInReason = 3;
// An area shift this large (a quarter of the area's recent work beyond the
// person's overall share) is worth saying.
constexpr double kShiftInReason = 0.25;

// The features of an incident text: its words, its area prefix (which
// carries both the component and the writer's habits), how it is written and
// how it opens.
std::vector<std::string> Features(std::string_view text) {
  std::vector<std::string> features = Tokenize(text);
  if (std::string prefix = AreaPrefix(text); !prefix.empty()) {
    features.push_back("area:" + prefix);
  }
  for (std::string& mark : WritingMarks(text)) {
    for (int i = 1; i < kWritingMarkRepeat; ++i) {
      features.push_back(mark);
    }
    features.push_back(std::move(mark));
  }
  for (std::string& word : FunctionWords(text)) {
    features.push_back(std::move(word));
  }
  for (std::string& opening : OpeningWords(text)) {
    features.push_back(std::move(opening));
  }
  return features;
}

// Only topic words make a reason: "resolved INC-3 on schannel", never on a
// writing habit or an area token.
bool IsTopicWord(std::string_view term) {
  return !IsWritingMark(term) && !term.starts_with("area:");
}

std::string Lowered(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// "vtls" matches the skill "lib/vtls"; "Promotions" matches "promotions".
bool SkillMatches(const std::string& skill, const std::string& needed) {
  const std::string s = Lowered(skill);
  const std::string n = Lowered(needed);
  if (s == n) {
    return true;
  }
  const std::size_t slash = s.rfind('/');
  return slash != std::string::npos && s.compare(slash + 1, std::string::npos, n) == 0;
}

std::string_view TitleLine(std::string_view text) {
  return text.substr(0, text.find('\n'));
}

// Whether anything but blanks follows the title line.
bool HasDescription(std::string_view text) {
  const std::size_t newline = text.find('\n');
  return newline != std::string_view::npos &&
         text.find_first_not_of(" \t\r\n", newline) != std::string_view::npos;
}

double DecayWeight(double age_days, double half_life_days) {
  return std::exp2(-std::max(0.0, age_days) / half_life_days);
}

std::string JoinAnd(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) {
      out += (i + 1 == items.size()) ? " and " : ", ";
    }
    out += items[i];
  }
  return out;
}

}  // namespace

std::uint32_t ExpertIndex::PersonIndex(const std::string& id) {
  const auto [it, inserted] =
      person_index_.try_emplace(id, static_cast<std::uint32_t>(people_.size()));
  if (inserted) {
    Person person;
    person.id = id;
    people_.push_back(std::move(person));
  }
  return it->second;
}

const Person* ExpertIndex::FindPerson(const std::string& id) const {
  const auto it = person_index_.find(id);
  return it == person_index_.end() ? nullptr : &people_[it->second];
}

ExpertIndex::ExpertIndex(std::vector<Person> people, const std::vector<HistoryRecord>& history,
                         RankingParams params)
    : params_(params) {
  for (Person& person : people) {
    const auto [it, inserted] =
        person_index_.try_emplace(person.id, static_cast<std::uint32_t>(people_.size()));
    if (inserted) {
      people_.push_back(std::move(person));
    }
  }

  // Weights decay from the newest record, so an index answers the same for
  // any later "now": the activity shares do not depend on the reference time.
  Time newest = Time::min();
  for (const HistoryRecord& record : history) {
    newest = std::max(newest, record.time);
  }

  // Pass 1: each record's distinct terms with their counts.
  record_person_.reserve(history.size());
  record_ids_.reserve(history.size());
  record_term_offsets_.reserve(history.size() + 1);
  record_term_offsets_.push_back(0);
  std::unordered_map<std::uint32_t, std::uint16_t> counts;
  for (const HistoryRecord& record : history) {
    record_person_.push_back(PersonIndex(record.resolver));
    record_ids_.push_back(record.id);
    counts.clear();
    for (const std::string& feature : Features(record.text)) {
      const auto [it, inserted] =
          term_ids_.try_emplace(feature, static_cast<std::uint32_t>(terms_.size()));
      if (inserted) {
        terms_.push_back(feature);
        term_counts_.push_back(0);
      }
      ++counts[it->second];
      term_counts_[it->second] += 1;
      total_terms_ += 1;
    }
    const std::size_t begin = record_terms_.size();
    for (const auto& [term, count] : counts) {
      record_terms_.push_back(term);
      record_term_counts_.push_back(count);
    }
    // Sorted term ids per record make the reasons' intersections cheap.
    std::sort(record_terms_.begin() + static_cast<std::ptrdiff_t>(begin), record_terms_.end());
    for (std::size_t i = begin; i < record_terms_.size(); ++i) {
      record_term_counts_[i] = counts[record_terms_[i]];
    }
    record_term_offsets_.push_back(static_cast<std::uint32_t>(record_terms_.size()));
  }

  // Pass 2: per person, the recency-weighted profile, activity and components.
  const std::size_t person_count = people_.size();
  records_by_person_.assign(person_count, {});
  profile_length_.assign(person_count, 0);
  activity_.assign(person_count, 0);
  for (std::uint32_t r = 0; r < history.size(); ++r) {
    records_by_person_[record_person_[r]].push_back(r);
  }
  postings_.assign(terms_.size(), {});
  std::vector<double> scratch(terms_.size(), 0);
  std::vector<std::uint32_t> touched;
  std::unordered_map<std::string, double> components;
  for (std::uint32_t p = 0; p < person_count; ++p) {
    auto& records = records_by_person_[p];
    std::stable_sort(records.begin(), records.end(), [&](std::uint32_t a, std::uint32_t b) {
      return history[a].time < history[b].time;
    });
    touched.clear();
    components.clear();
    for (const std::uint32_t r : records) {
      const double age_days =
          std::chrono::duration<double>(newest - history[r].time).count() / kSecondsPerDay;
      const double profile_weight = DecayWeight(age_days, params_.profile_half_life_days);
      activity_[p] += DecayWeight(age_days, params_.activity_half_life_days);
      for (std::uint32_t i = record_term_offsets_[r]; i < record_term_offsets_[r + 1]; ++i) {
        const std::uint32_t term = record_terms_[i];
        if (scratch[term] == 0) {
          touched.push_back(term);
        }
        const double added = profile_weight * record_term_counts_[i];
        scratch[term] += added;
        profile_length_[p] += added;
      }
      for (const std::string& component : history[r].components) {
        components[component] += profile_weight;
        component_counts_[component] += 1;
        total_components_ += 1;
      }
    }
    for (const std::uint32_t term : touched) {
      postings_[term].push_back(Posting{p, static_cast<float>(scratch[term])});
      scratch[term] = 0;
    }
    for (const auto& [component, weight] : components) {
      component_postings_[component].push_back(Posting{p, static_cast<float>(weight)});
    }
    total_activity_ += activity_[p];
    if (profile_length_[p] > 0) {
      people_with_history_ += 1;
      average_profile_length_ += profile_length_[p];
    }
  }
  if (people_with_history_ > 0) {
    average_profile_length_ /= people_with_history_;
  }
  std::vector<double> active_logs;
  for (std::uint32_t p = 0; p < person_count; ++p) {
    if (activity_[p] > 0) {
      active_logs.push_back(ActivityLog(p));
    }
  }
  if (!active_logs.empty()) {
    const auto middle = active_logs.begin() + static_cast<std::ptrdiff_t>(active_logs.size() / 2);
    std::nth_element(active_logs.begin(), middle, active_logs.end());
    typical_activity_log_ = *middle;
  }
  BuildAreaShifts(history, record_person_, newest);
  BuildRecordPostings();
  BuildTitleClassifier(history, newest);
}

void ExpertIndex::BuildAreaShifts(const std::vector<HistoryRecord>& history,
                                  const std::vector<std::uint32_t>& record_person, Time newest) {
  struct Shares {
    std::unordered_map<std::uint32_t, std::pair<double, double>> by_person;  // recent, all
    double recent = 0;
    double all = 0;
  };
  std::unordered_map<std::string, Shares> areas;
  for (std::size_t r = 0; r < history.size(); ++r) {
    const std::string area = AreaPrefix(history[r].text);
    if (area.empty()) {
      continue;
    }
    const double age_days =
        std::chrono::duration<double>(newest - history[r].time).count() / kSecondsPerDay;
    const double recent = DecayWeight(age_days, params_.area_half_life_days);
    Shares& shares = areas[area];
    auto& [person_recent, person_all] = shares.by_person[record_person[r]];
    person_recent += recent;
    person_all += 1;
    shares.recent += recent;
    shares.all += 1;
  }
  for (const auto& [area, shares] : areas) {
    std::vector<Posting>& postings = area_shift_[area];
    for (const auto& [person, weights] : shares.by_person) {
      const double shift = weights.first / shares.recent - weights.second / shares.all;
      postings.push_back(Posting{person, static_cast<float>(shift)});
    }
  }
}

void ExpertIndex::BuildTitleClassifier(const std::vector<HistoryRecord>& history, Time newest) {
  if (params_.described.title_classifier == 0 && params_.title_only.title_classifier == 0) {
    return;
  }
  std::vector<std::uint32_t> oldest_first(history.size());
  std::iota(oldest_first.begin(), oldest_first.end(), 0);
  std::stable_sort(oldest_first.begin(), oldest_first.end(), [&](std::uint32_t a, std::uint32_t b) {
    return history[a].time < history[b].time;
  });
  std::vector<TitleClassifier::Example> examples;
  examples.reserve(history.size());
  for (const std::uint32_t r : oldest_first) {
    const double age_days =
        std::chrono::duration<double>(newest - history[r].time).count() / kSecondsPerDay;
    examples.push_back({TitleLine(history[r].text), record_person_[r],
                        DecayWeight(age_days, params_.title_classifier_half_life_days)});
  }
  title_classifier_ = TitleClassifier(examples, people_.size());
}

void ExpertIndex::BuildRecordPostings() {
  const std::size_t record_count = record_ids_.size();
  record_frequency_.assign(terms_.size(), 0);
  record_length_.assign(record_count, 0);
  double total_length = 0;
  for (std::uint32_t r = 0; r < record_count; ++r) {
    for (std::uint32_t i = record_term_offsets_[r]; i < record_term_offsets_[r + 1]; ++i) {
      ++record_frequency_[record_terms_[i]];
      record_length_[r] += record_term_counts_[i];
    }
    total_length += record_length_[r];
  }
  average_record_length_ = record_count > 0 ? total_length / static_cast<double>(record_count) : 0;
  const double common = std::max(kCandidateTermShare * static_cast<double>(record_count),
                                 static_cast<double>(kRareEnoughRecords));
  record_postings_.assign(terms_.size(), {});
  for (std::uint32_t r = 0; r < record_count; ++r) {
    for (std::uint32_t i = record_term_offsets_[r]; i < record_term_offsets_[r + 1]; ++i) {
      const std::uint32_t term = record_terms_[i];
      if (record_frequency_[term] <= common) {
        // The query's idf times this is the term's BM25 in the record.
        const auto weight = static_cast<float>(RecordBm25(r, 1.0, record_term_counts_[i]));
        record_postings_[term].push_back(RecordPosting{r, weight});
      }
    }
  }
}

double ExpertIndex::RecordBm25(std::uint32_t record, double idf, std::uint16_t count) const {
  const double length = record_length_[record] / average_record_length_;
  return idf * count * (kBm25K1 + 1) / (count + kBm25K1 * (1 - kBm25B + kBm25B * length));
}

ExpertIndex::TermIdfs ExpertIndex::RarestFirst(TermIdfs terms) const {
  std::sort(terms.begin(), terms.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  std::size_t postings = 0;
  std::size_t kept = 0;
  while (kept < terms.size()) {
    const std::size_t more = record_postings_[terms[kept].first].size();
    if (kept > 0 && postings + more > kCandidatePostings) {
      break;
    }
    postings += more;
    ++kept;
  }
  terms.resize(kept);
  return terms;
}

std::vector<std::uint32_t> ExpertIndex::CandidateRecords(const TermIdfs& idf) const {
  // The partial scores go in a dense array, because a large history makes
  // hundreds of thousands of them; it is kept per thread and cleared where
  // it was written.
  thread_local std::vector<float> partial;
  partial.resize(record_ids_.size(), 0);
  std::vector<std::uint32_t> touched;
  for (const auto& [term, term_idf] : RarestFirst(idf)) {
    for (const RecordPosting& posting : record_postings_[term]) {
      float& value = partial[posting.record];
      if (value == 0) {
        touched.push_back(posting.record);
      }
      value += static_cast<float>(term_idf) * posting.weight;
    }
  }
  std::vector<std::pair<float, std::uint32_t>> scored;
  scored.reserve(touched.size());
  for (const std::uint32_t record : touched) {
    scored.emplace_back(partial[record], record);
    partial[record] = 0;
  }
  const std::size_t kept = std::min(kCandidateRecords, scored.size());
  std::nth_element(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(kept), scored.end(),
                   std::greater<>());
  std::vector<std::uint32_t> records(kept);
  for (std::size_t i = 0; i < kept; ++i) {
    records[i] = scored[i].second;
  }
  return records;
}

double ExpertIndex::RecordScore(std::uint32_t record, const TermIdfs& idf) const {
  double value = 0;
  std::uint32_t i = record_term_offsets_[record];
  const std::uint32_t end = record_term_offsets_[record + 1];
  for (const auto& [term, term_idf] : idf) {
    while (i < end && record_terms_[i] < term) {
      ++i;
    }
    if (i == end) {
      break;
    }
    if (record_terms_[i] == term) {
      value += RecordBm25(record, term_idf, record_term_counts_[i]);
    }
  }
  return value;
}

void ExpertIndex::AddSimilarRecords(const TermCounts& query_terms, double weight,
                                    std::vector<double>& score) const {
  const double record_count = static_cast<double>(record_ids_.size());
  if (query_terms.empty() || average_record_length_ <= 0 || weight == 0) {
    return;
  }
  // Each distinct query term once, sorted to walk each record's sorted terms.
  TermIdfs idf;
  for (const auto& entry : query_terms) {
    const double df = record_frequency_[entry.first];
    idf.emplace_back(entry.first, std::log1p((record_count - df + 0.5) / (df + 0.5)));
  }
  std::sort(idf.begin(), idf.end());

  // Candidates by the rarer terms, then each on every term; a person keeps
  // their best two.
  std::vector<std::pair<double, double>> best(score.size(), {0, 0});
  double top = 0;
  for (const std::uint32_t r : CandidateRecords(idf)) {
    const double value = RecordScore(r, idf);
    auto& [first, second] = best[record_person_[r]];
    if (value > first) {
      second = first;
      first = value;
    } else if (value > second) {
      second = value;
    }
    top = std::max(top, value);
  }
  if (top <= 0) {
    return;
  }
  for (std::size_t p = 0; p < score.size(); ++p) {
    score[p] += weight * (best[p].first + params_.second_record_share * best[p].second) / top;
  }
}

void ExpertIndex::AddProfileBm25(const TermCounts& query_terms, double weight,
                                 std::vector<double>& score) const {
  if (query_terms.empty() || score.empty() || average_profile_length_ <= 0) {
    return;
  }
  // Each distinct query word once, as BM25 over people's profiles counts it.
  std::vector<double> bm25(score.size(), 0);
  for (const auto& entry : query_terms) {
    const auto& postings = postings_[entry.first];
    const double df = static_cast<double>(postings.size());
    const double idf = std::log1p((people_with_history_ - df + 0.5) / (df + 0.5));
    for (const Posting& posting : postings) {
      const double length = profile_length_[posting.person] / average_profile_length_;
      const double f = posting.weight;
      bm25[posting.person] +=
          idf * f * (kBm25K1 + 1) / (f + kBm25K1 * (1 - kBm25B + kBm25B * length));
    }
  }
  const double best = *std::max_element(bm25.begin(), bm25.end());
  if (best <= 0) {
    return;
  }
  for (std::size_t p = 0; p < score.size(); ++p) {
    score[p] += weight * bm25[p] / best;
  }
}

double ExpertIndex::ActivityLog(std::uint32_t person) const {
  const double share = total_activity_ > 0 ? activity_[person] / total_activity_ : 0;
  return std::log(share + kActivityFloor);
}

void ExpertIndex::AddActivity(double weight, std::vector<double>& score) const {
  for (std::uint32_t p = 0; p < score.size(); ++p) {
    score[p] += weight * ActivityLog(p);
  }
}

void ExpertIndex::AddAreaShift(const std::string& area, double weight,
                               std::vector<double>& score) const {
  if (area.empty()) {
    return;
  }
  if (const auto it = area_shift_.find(area); it != area_shift_.end()) {
    for (const Posting& posting : it->second) {
      score[posting.person] += weight * posting.weight;
    }
  }
}

Ranking ExpertIndex::Rank(const Query& query, std::size_t k) const {
  std::vector<const Person*> view;
  view.reserve(people_.size());
  for (const Person& person : people_) {
    view.push_back(&person);
  }
  return RankView(query, k, view);
}

Ranking ExpertIndex::RankAmong(const Query& query, std::size_t k,
                               const std::vector<Person>& people) const {
  std::vector<const Person*> view(people_.size(), nullptr);
  for (const Person& person : people) {
    if (const auto it = person_index_.find(person.id); it != person_index_.end()) {
      view[it->second] = &person;
    }
  }
  return RankView(query, k, view);
}

// The signals from history, weighted by whether the query is a title alone
// (finder.hpp). Fills `query_terms` with the query's known terms, counted.
std::vector<double> ExpertIndex::HistoryScores(const Query& query, const std::string& area,
                                               TermCounts& query_terms) const {
  const SignalWeights& weights =
      HasDescription(query.text) ? params_.described : params_.title_only;
  std::vector<double> score(people_.size(), 0);
  // The query's likelihood under each person's history language model
  // (Dirichlet-smoothed), divided by a power of the query length so that a
  // long description does not drown the activity prior.
  int query_length = 0;
  for (const std::string& feature : Features(query.text)) {
    ++query_length;
    if (const auto it = term_ids_.find(feature); it != term_ids_.end()) {
      ++query_terms[it->second];
    }
  }
  const double mu = params_.smoothing;
  if (query_length > 0 && weights.text_model != 0) {
    for (std::size_t p = 0; p < score.size(); ++p) {
      score[p] = query_length * std::log(mu / (profile_length_[p] + mu));
    }
    for (const auto& [term, frequency] : query_terms) {
      const double background = (term_counts_[term] + 0.5) / (total_terms_ + 1);
      for (const Posting& posting : postings_[term]) {
        score[posting.person] += frequency * std::log1p(posting.weight / (mu * background));
      }
    }
    const double scale = weights.text_model / std::pow(query_length, params_.query_length_power);
    for (double& value : score) {
      value *= scale;
    }
  }
  AddProfileBm25(query_terms, weights.profile_bm25, score);
  AddSimilarRecords(query_terms, weights.similar_records, score);
  AddAreaShift(area, weights.area_shift, score);
  title_classifier_.AddScores(TitleLine(query.text), weights.title_classifier, score);
  AddActivity(weights.activity, score);
  return score;
}

Ranking ExpertIndex::RankView(const Query& query, std::size_t k,
                              const std::vector<const Person*>& view) const {
  const std::size_t person_count = people_.size();
  std::vector<std::uint32_t> eligible;
  for (std::uint32_t p = 0; p < person_count; ++p) {
    if (view[p] != nullptr) {
      eligible.push_back(p);
    }
  }
  TermCounts query_terms;
  const std::string area = AreaPrefix(query.text);
  const std::vector<double> text = HistoryScores(query, area, query_terms);

  std::vector<double> component_score(person_count, 0);
  for (const std::string& component : query.components) {
    if (const auto it = component_postings_.find(component); it != component_postings_.end()) {
      for (const Posting& posting : it->second) {
        component_score[posting.person] += params_.component_weight * std::log1p(posting.weight);
      }
    }
  }

  // The base score: text, activity, components and the availability factors,
  // each of which is zero when unknown.
  std::vector<double> base(person_count);
  for (const std::uint32_t p : eligible) {
    const Person& person = *view[p];
    double score = text[p] + component_score[p];
    if (person.presence == Presence::kAway) {
      score -= params_.away_penalty;
    }
    if (person.utc_offset) {
      const auto local = query.now + *person.utc_offset;
      const auto hour =
          std::chrono::hh_mm_ss(local - std::chrono::floor<std::chrono::days>(local)).hours();
      if (hour.count() < kWorkdayStartHour || hour.count() >= kWorkdayEndHour) {
        score -= params_.off_hours_penalty;
      }
    }
    if (person.open_items && person.capacity && *person.capacity > 0) {
      score -= params_.load_penalty *
               std::min(2.0, static_cast<double>(*person.open_items) / *person.capacity);
    }
    base[p] = score;
  }

  // Which needed skills each person brings, and at what strength.
  std::vector<std::vector<std::pair<std::size_t, double>>> brings(person_count);
  std::vector<std::uint32_t> pool;
  if (!query.needed_skills.empty()) {
    for (const std::uint32_t p : eligible) {
      for (std::size_t s = 0; s < query.needed_skills.size(); ++s) {
        for (const Skill& skill : view[p]->skills) {
          if (SkillMatches(skill.name, query.needed_skills[s])) {
            // An unrated skill counts as a middling level.
            const double strength = skill.level > 0 ? skill.level / 5.0 : 0.6;
            brings[p].emplace_back(s, strength);
            break;
          }
        }
      }
      if (!brings[p].empty()) {
        pool.push_back(p);
        // A declared needed skill lifts a thin history's prior to the
        // typical person's (finder.hpp).
        const double lift = typical_activity_log_ - ActivityLog(p);
        if (lift > 0) {
          const SignalWeights& weights =
              HasDescription(query.text) ? params_.described : params_.title_only;
          base[p] += weights.activity * lift;
        }
      }
    }
  }
  // Equal scores go by id, so the order of the people file changes nothing.
  const auto better = [&](std::uint32_t a, std::uint32_t b) {
    return base[a] != base[b] ? base[a] > base[b] : people_[a].id < people_[b].id;
  };
  std::vector<std::uint32_t> order = eligible;
  const std::size_t top = std::min(order.size(), k + kCoveragePool);
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(top), order.end(),
                    better);
  pool.insert(pool.end(), order.begin(), order.begin() + static_cast<std::ptrdiff_t>(top));
  std::sort(pool.begin(), pool.end());
  pool.erase(std::unique(pool.begin(), pool.end()), pool.end());

  // For the reasons: the query's words as written, and its term ids sorted.
  const auto spellings = Spellings(query.text);
  std::vector<std::uint32_t> terms;
  terms.reserve(query_terms.size());
  for (const auto& entry : query_terms) {
    terms.push_back(entry.first);
  }
  std::sort(terms.begin(), terms.end());
  // Greedy selection: each pick maximises its base score plus the bonus for
  // needed skills not yet covered, so a small set covering every skill beats
  // several people with the same one.
  Ranking ranking;
  std::vector<bool> covered(query.needed_skills.size(), false);
  std::vector<bool> taken(pool.size(), false);
  const std::size_t want = std::min(k, pool.size());
  for (std::size_t round = 0; round < want; ++round) {
    std::size_t best = pool.size();
    double best_score = 0;
    for (std::size_t i = 0; i < pool.size(); ++i) {
      if (taken[i]) {
        continue;
      }
      double score = base[pool[i]];
      for (const auto& [skill, strength] : brings[pool[i]]) {
        score += params_.skill_weight * strength * (covered[skill] ? kRepeatedSkillShare : 1.0);
      }
      if (best == pool.size() || score > best_score ||
          (score == best_score && better(pool[i], pool[best]))) {
        best = i;
        best_score = score;
      }
    }
    taken[best] = true;
    const std::uint32_t p = pool[best];
    const Person& person = *view[p];
    Candidate candidate;
    candidate.person_id = person.id;
    candidate.score = best_score;
    for (const auto& [skill, strength] : brings[p]) {
      covered[skill] = true;
      candidate.covered_skills.push_back(query.needed_skills[skill]);
      for (const Skill& declared : person.skills) {
        if (SkillMatches(declared.name, query.needed_skills[skill])) {
          candidate.reasons.push_back(
              declared.level > 0 ? fmt::format("{} level {}", declared.name, declared.level)
                                 : declared.name);
          break;
        }
      }
    }
    const bool skilled = !candidate.reasons.empty();
    const bool telling = ExplainHistory(p, terms, spellings, candidate.reasons);
    const std::size_t before_area = candidate.reasons.size();
    ExplainAreaShift(p, area, candidate.reasons);
    for (const std::string& component : query.components) {
      if (const auto it = component_postings_.find(component); it != component_postings_.end()) {
        for (const Posting& posting : it->second) {
          if (posting.person == p) {
            candidate.reasons.push_back("worked on " + component);
          }
        }
      }
    }
    // Evidence: a needed skill, telling history, an area taken over or a
    // component worked on. The reasons below are availability.
    candidate.has_evidence = skilled || telling || candidate.reasons.size() > before_area;
    if (person.presence) {
      candidate.reasons.push_back(*person.presence == Presence::kActive ? "available" : "away");
    }
    if (person.open_items) {
      const int open = *person.open_items;
      std::string load =
          fmt::format("{} open {}", open, open == 1 ? "incident or swarm" : "incidents or swarms");
      if (person.capacity) {
        load += fmt::format(" (capacity {})", *person.capacity);
      }
      candidate.reasons.push_back(std::move(load));
    }
    if (person.utc_offset) {
      const auto local = query.now + *person.utc_offset;
      const std::chrono::hh_mm_ss clock(local - std::chrono::floor<std::chrono::days>(local));
      candidate.reasons.push_back(
          fmt::format("{:02}:{:02} local time", clock.hours().count(), clock.minutes().count()));
    }
    ranking.candidates.push_back(std::move(candidate));
  }
  for (std::size_t s = 0; s < covered.size(); ++s) {
    if (!covered[s]) {
      ranking.uncovered_skills.push_back(query.needed_skills[s]);
    }
  }
  return ranking;
}

void ExpertIndex::ExplainAreaShift(std::uint32_t person, const std::string& area,
                                   std::vector<std::string>& reasons) const {
  if (area.empty()) {
    return;
  }
  if (const auto it = area_shift_.find(area); it != area_shift_.end()) {
    for (const Posting& posting : it->second) {
      if (posting.person == person && posting.weight >= kShiftInReason) {
        reasons.push_back(fmt::format("took over {} lately", area));
      }
    }
  }
}

bool ExpertIndex::ExplainHistory(std::uint32_t person,
                                 const std::vector<std::uint32_t>& query_terms,
                                 const std::unordered_map<std::string, std::string>& spellings,
                                 std::vector<std::string>& reasons) const {
  const double rare_records =
      std::max(1.0, kRareWordShare * static_cast<double>(record_ids_.size()));
  bool telling = false;
  // A shared word counts by its rarity, so "schannel" says more than "error".
  const auto rarity = [&](std::uint32_t term) {
    return IsTopicWord(terms_[term]) ? -std::log((term_counts_[term] + 0.5) / (total_terms_ + 1))
                                     : 0.0;
  };
  struct Match {
    std::uint32_t record;
    double weight;
  };
  std::vector<Match> matches;
  std::unordered_map<std::uint32_t, double> shared_words;
  const auto& records = records_by_person_[person];
  // Newest first, so ties go to the more recent record.
  for (auto it = records.rbegin(); it != records.rend(); ++it) {
    const std::uint32_t r = *it;
    const auto begin = record_terms_.begin() + record_term_offsets_[r];
    const auto end = record_terms_.begin() + record_term_offsets_[r + 1];
    double weight = 0;
    int shared = 0;
    auto q = query_terms.begin();
    for (auto t = begin; t != end && q != query_terms.end();) {
      if (*t < *q) {
        ++t;
      } else if (*q < *t) {
        ++q;
      } else {
        weight += rarity(*t);
        if (IsTopicWord(terms_[*t])) {
          ++shared;
          telling = telling || record_frequency_[*t] <= rare_records;
        }
        ++t;
        ++q;
      }
    }
    telling = telling || shared >= 2;
    if (weight > 0) {
      matches.push_back({r, weight});
    }
  }
  if (matches.empty()) {
    return false;
  }
  const std::size_t shown = std::min(kRecordsInReason, matches.size());
  std::partial_sort(matches.begin(), matches.begin() + static_cast<std::ptrdiff_t>(shown),
                    matches.end(),
                    [](const Match& a, const Match& b) { return a.weight > b.weight; });
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < shown; ++i) {
    const std::uint32_t r = matches[i].record;
    ids.push_back(record_ids_[r]);
    const auto begin = record_terms_.begin() + record_term_offsets_[r];
    const auto end = record_terms_.begin() + record_term_offsets_[r + 1];
    for (auto t = begin; t != end; ++t) {
      if (IsTopicWord(terms_[*t]) && !IsSymptomWord(terms_[*t]) &&
          std::binary_search(query_terms.begin(), query_terms.end(), *t)) {
        shared_words[*t] = rarity(*t);
      }
    }
  }
  std::vector<std::pair<double, std::string>> words;
  for (const auto& [term, weight] : shared_words) {
    const auto spelled = spellings.find(terms_[term]);
    words.emplace_back(weight, spelled == spellings.end() ? terms_[term] : spelled->second);
  }
  std::sort(words.begin(), words.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::vector<std::string> top_words;
  for (std::size_t i = 0; i < std::min(kWordsInReason, words.size()); ++i) {
    top_words.push_back(words[i].second);
  }
  reasons.push_back(top_words.empty()
                        ? fmt::format("resolved {}", JoinAnd(ids))
                        : fmt::format("resolved {} on {}", JoinAnd(ids), JoinAnd(top_words)));
  return telling;
}

}  // namespace swarmbot::expertfinder
