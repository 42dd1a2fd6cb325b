#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace swarmbot::expertfinder {

// Who resolved the records titled like this one. A multinomial logistic
// regression over a title's character n-grams (case kept) and words, trained
// on the newest records: n-grams catch what whole words miss, such as parts
// of identifiers, abbreviations and the way a title is punctuated, and a
// discriminative model weighs them against each other instead of counting
// every overlapping n-gram as fresh evidence.
//
// It answers log p(person | title) - log p(person): how much the title points
// at someone beyond how often they resolve anything, since the activity
// prior is counted elsewhere.
class TitleClassifier {
 public:
  struct Example {
    std::string_view title;
    std::uint32_t person;  // an index below `person_count`
    double weight;         // > 0; newer records weigh more
  };

  TitleClassifier() = default;
  // `examples` oldest first; only the newest kTitleRecords are learnt from,
  // and only their kTitleClasses most active people are told apart.
  TitleClassifier(const std::vector<Example>& examples, std::size_t person_count);

  // Adds `weight` times the clamped log-ratio to `score[person]` for the
  // people the model tells apart; nothing for the others.
  void AddScores(std::string_view title, double weight, std::vector<double>& score) const;

 private:
  using SparseRow = std::vector<std::pair<std::uint32_t, float>>;  // (feature, value)

  // The known features of `features`, counted, L2-normalised.
  SparseRow Row(const std::vector<std::string>& features) const;
  // The logits of `row`, one per class, into `out`.
  void Logits(const SparseRow& row, std::vector<float>& out) const;
  void Train(const std::vector<SparseRow>& rows, const std::vector<std::uint32_t>& labels,
             const std::vector<double>& weights);

  std::unordered_map<std::string, std::uint32_t> feature_ids_;
  std::vector<std::uint32_t> classes_;  // the person index of each class
  std::vector<float> weights_;          // weights_[feature * classes + class]
  std::vector<double> bias_;            // per class
  std::vector<double> log_prior_;       // per class: the weighted share of the examples
};

}  // namespace swarmbot::expertfinder
