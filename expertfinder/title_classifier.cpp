#include "expertfinder/title_classifier.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numeric>
#include <span>

namespace swarmbot::expertfinder {
namespace {

// Chosen on train's three validation folds with the rest of the ranking
// (finder.hpp, round 6).
constexpr std::size_t kShortestGram = 2;
constexpr std::size_t kLongestGram = 4;  // tried 5: lower
// A feature in fewer records teaches little and costs a row of weights;
// 2..5 scored the same, 5 trains fastest.
constexpr int kMinRecordsPerFeature = 5;
// Full-batch Adam; 40 steps at 0.2 score as 100 at 0.1 in under half the time.
constexpr int kSteps = 40;
constexpr double kLearningRate = 0.2;
constexpr double kBeta1 = 0.9;
constexpr double kBeta2 = 0.999;
constexpr double kEpsilon = 1e-8;
constexpr double kL2 = 1e-3;  // tried 1e-4 and 1e-2: lower
// One odd title moves a person a few places, never from last to first.
constexpr double kMaxLogRatio = 5;
constexpr double kPriorFloor = 1e-6;
// Bounds on training, whatever the history's size: the newest records and
// the people most active in them.
constexpr std::size_t kTitleRecords = 20'000;
constexpr std::size_t kTitleClasses = 64;

std::string_view Trimmed(std::string_view text) {
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return {};
  }
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

bool IsWordStart(unsigned char c) {
  return std::isalpha(c) != 0 || c == '_';
}
bool IsWordPart(unsigned char c) {
  return std::isalnum(c) != 0 || c == '_';
}

// The character n-grams of "^title$", case kept, then its lowercased words,
// each kind marked so that "cab" the trigram and "cab" the word differ.
std::vector<std::string> TitleFeatures(std::string_view title) {
  title = Trimmed(title);
  const std::string framed = "^" + std::string(title) + "$";
  std::vector<std::string> features;
  for (std::size_t n = kShortestGram; n <= kLongestGram; ++n) {
    for (std::size_t i = 0; i + n <= framed.size(); ++i) {
      features.push_back("c" + framed.substr(i, n));
    }
  }
  std::size_t i = 0;
  while (i < title.size()) {
    if (!IsWordStart(static_cast<unsigned char>(title[i]))) {
      ++i;
      continue;
    }
    std::string word = "w";
    for (; i < title.size() && IsWordPart(static_cast<unsigned char>(title[i])); ++i) {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(title[i])));
    }
    features.push_back(std::move(word));
  }
  return features;
}

// The people to tell apart: those with most weight in `examples`, at most
// kTitleClasses of them, most active first.
std::vector<std::uint32_t> MostActive(std::span<const TitleClassifier::Example> examples,
                                      std::size_t person_count) {
  std::vector<double> weight(person_count, 0);
  for (const auto& example : examples) {
    weight[example.person] += example.weight;
  }
  std::vector<std::uint32_t> people;
  for (std::uint32_t p = 0; p < person_count; ++p) {
    if (weight[p] > 0) {
      people.push_back(p);
    }
  }
  std::sort(people.begin(), people.end(), [&](std::uint32_t a, std::uint32_t b) {
    return weight[a] != weight[b] ? weight[a] > weight[b] : a < b;
  });
  people.resize(std::min(people.size(), kTitleClasses));
  return people;
}

// Turns logits into probabilities in place.
void Softmax(std::vector<float>& values) {
  const float top = *std::max_element(values.begin(), values.end());
  float sum = 0;
  for (float& value : values) {
    value = std::exp(value - top);
    sum += value;
  }
  for (float& value : values) {
    value /= sum;
  }
}

// Adam's bias corrections at one step (from 1), the same for every parameter.
struct AdamStep {
  explicit AdamStep(int step)
      : mean_scale(1 / (1 - std::pow(kBeta1, step))),
        square_scale(1 / (1 - std::pow(kBeta2, step))) {}

  // The change to one parameter with gradient `g`; updates its running mean
  // and mean square (float for the weights, double for the biases).
  template <typename Moment>
  double Change(double g, Moment& mean, Moment& square) const {
    mean = static_cast<Moment>(kBeta1 * mean + (1 - kBeta1) * g);
    square = static_cast<Moment>(kBeta2 * square + (1 - kBeta2) * g * g);
    return kLearningRate * mean * mean_scale / (std::sqrt(square * square_scale) + kEpsilon);
  }

  double mean_scale;
  double square_scale;
};

}  // namespace

TitleClassifier::TitleClassifier(const std::vector<Example>& all_examples,
                                 std::size_t person_count) {
  const std::size_t newest = std::min(all_examples.size(), kTitleRecords);
  const std::span<const Example> examples(all_examples.data() + (all_examples.size() - newest),
                                          newest);
  std::vector<std::uint32_t> people = MostActive(examples, person_count);
  if (people.size() < 2) {
    return;  // nobody to tell apart
  }
  std::vector<int> class_of(person_count, -1);
  for (std::size_t c = 0; c < people.size(); ++c) {
    class_of[people[c]] = static_cast<int>(c);
  }

  std::vector<std::vector<std::string>> titles;
  std::vector<std::uint32_t> labels;
  std::vector<double> weights;
  std::unordered_map<std::string, int> records_with;
  for (const Example& example : examples) {
    if (class_of[example.person] < 0) {
      continue;
    }
    std::vector<std::string> features = TitleFeatures(example.title);
    std::vector<std::string> distinct = features;
    std::sort(distinct.begin(), distinct.end());
    distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
    for (std::string& feature : distinct) {
      ++records_with[std::move(feature)];
    }
    titles.push_back(std::move(features));
    labels.push_back(static_cast<std::uint32_t>(class_of[example.person]));
    weights.push_back(example.weight);
  }
  // Ids in sorted order, so that training is the same on every run.
  std::vector<std::string> vocabulary;
  for (const auto& [feature, records] : records_with) {
    if (records >= kMinRecordsPerFeature) {
      vocabulary.push_back(feature);
    }
  }
  if (vocabulary.empty()) {
    return;  // no feature recurs: nothing to learn from
  }
  std::sort(vocabulary.begin(), vocabulary.end());
  for (std::string& feature : vocabulary) {
    feature_ids_.emplace(std::move(feature), static_cast<std::uint32_t>(feature_ids_.size()));
  }
  classes_ = std::move(people);
  std::vector<SparseRow> rows;
  rows.reserve(titles.size());
  for (const auto& features : titles) {
    rows.push_back(Row(features));
  }
  Train(rows, labels, weights);
}

TitleClassifier::SparseRow TitleClassifier::Row(const std::vector<std::string>& features) const {
  std::unordered_map<std::uint32_t, float> counts;
  for (const std::string& feature : features) {
    if (const auto it = feature_ids_.find(feature); it != feature_ids_.end()) {
      counts[it->second] += 1;
    }
  }
  SparseRow row(counts.begin(), counts.end());
  std::sort(row.begin(), row.end());
  double norm = 0;
  for (const auto& entry : row) {
    norm += double{entry.second} * entry.second;
  }
  norm = norm > 0 ? std::sqrt(norm) : 1;
  for (auto& entry : row) {
    entry.second = static_cast<float>(entry.second / norm);
  }
  return row;
}

void TitleClassifier::Logits(const SparseRow& row, std::vector<float>& out) const {
  const std::size_t class_count = classes_.size();
  for (std::size_t c = 0; c < class_count; ++c) {
    out[c] = static_cast<float>(bias_[c]);
  }
  for (const auto& [feature, value] : row) {
    const float* w = &weights_[feature * class_count];
    for (std::size_t c = 0; c < class_count; ++c) {
      out[c] += value * w[c];
    }
  }
}

void TitleClassifier::Train(const std::vector<SparseRow>& rows,
                            const std::vector<std::uint32_t>& labels,
                            const std::vector<double>& weights) {
  const std::size_t class_count = classes_.size();
  const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  log_prior_.assign(class_count, 0);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    log_prior_[labels[i]] += weights[i] / total;
  }
  for (double& prior : log_prior_) {
    prior = std::log(prior + kPriorFloor);
  }
  weights_.assign(feature_ids_.size() * class_count, 0);
  bias_.assign(class_count, 0);

  // Full-batch Adam on the weighted cross-entropy: deterministic, and the
  // history is small enough to pass over whole.
  std::vector<float> grad(weights_.size());
  std::vector<float> mean(weights_.size(), 0);
  std::vector<float> square(weights_.size(), 0);
  std::vector<double> bias_grad(class_count);
  std::vector<double> bias_mean(class_count, 0);
  std::vector<double> bias_square(class_count, 0);
  std::vector<float> error(class_count);
  for (int step = 1; step <= kSteps; ++step) {
    std::fill(grad.begin(), grad.end(), 0.0F);
    std::fill(bias_grad.begin(), bias_grad.end(), 0.0);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      Logits(rows[i], error);
      Softmax(error);
      error[labels[i]] -= 1;  // p - y
      const auto share = static_cast<float>(weights[i] / total);
      for (std::size_t c = 0; c < class_count; ++c) {
        error[c] *= share;
        bias_grad[c] += error[c];
      }
      for (const auto& [feature, value] : rows[i]) {
        float* g = &grad[feature * class_count];
        for (std::size_t c = 0; c < class_count; ++c) {
          g[c] += value * error[c];
        }
      }
    }
    const AdamStep adam(step);
    for (std::size_t j = 0; j < weights_.size(); ++j) {
      weights_[j] -=
          static_cast<float>(adam.Change(grad[j] + kL2 * weights_[j], mean[j], square[j]));
    }
    for (std::size_t c = 0; c < class_count; ++c) {
      bias_[c] -= adam.Change(bias_grad[c], bias_mean[c], bias_square[c]);
    }
  }
}

void TitleClassifier::AddScores(std::string_view title, double weight,
                                std::vector<double>& score) const {
  if (classes_.empty() || weight == 0) {
    return;
  }
  std::vector<float> probability(classes_.size());
  Logits(Row(TitleFeatures(title)), probability);
  Softmax(probability);
  for (std::size_t c = 0; c < classes_.size(); ++c) {
    const double log_ratio = std::log(double{probability[c]} + 1e-30) - log_prior_[c];
    score[classes_[c]] += weight * std::clamp(log_ratio, -kMaxLogRatio, kMaxLogRatio);
  }
}

}  // namespace swarmbot::expertfinder
