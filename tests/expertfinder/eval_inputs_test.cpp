// The evaluation refuses inputs it can't measure.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "expertfinder/eval.hpp"
#include "tests/support/testing.hpp"

namespace swarmbot::expertfinder {
namespace {

using ::testing::HasSubstr;

class EvalInputs : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto shared = swarmbot::testing::SharedDir() / "data/expertise";
    for (const char* file : {"people.jsonl", "train.jsonl", "test.jsonl"}) {
      swarmbot::testing::WriteFile(dir_ / file, swarmbot::testing::ReadFile(shared / file));
    }
  }
  swarmbot::testing::TempDir dir_;
};

TEST_F(EvalInputs, AnEmptyTestFileIsRefusedRatherThanScoredZero) {
  swarmbot::testing::WriteFile(dir_ / "test.jsonl", "");
  const auto set = LoadEvalSet(dir_.path());
  ASSERT_FALSE(set);
  EXPECT_THAT(set.error().detail, HasSubstr("test.jsonl has no incidents"));
}

TEST_F(EvalInputs, AnEmptyTrainFileIsRefused) {
  swarmbot::testing::WriteFile(dir_ / "train.jsonl", "\n");
  const auto set = LoadEvalSet(dir_.path());
  ASSERT_FALSE(set);
  EXPECT_THAT(set.error().detail, HasSubstr("train.jsonl has no incidents"));
}

}  // namespace
}  // namespace swarmbot::expertfinder
