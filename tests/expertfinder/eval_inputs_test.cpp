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

TEST_F(EvalInputs, ABadLineNamesItsFileLineAndKey) {
  swarmbot::testing::WriteFile(
      dir_ / "test.jsonl",
      R"({"id": "inc-1", "time": "yesterday", "title": "t", "text": "t", "components": [], )"
      R"("expert": "u1"})"
      "\n");
  const auto set = LoadEvalSet(dir_.path());
  ASSERT_FALSE(set);
  EXPECT_EQ(set.error().detail,
            "test.jsonl:1: `time` must be a UTC time such as 2024-10-23T11:00:41Z");
}

// Editors on Windows start UTF-8 files with a byte order mark; the set is
// the same with or without one.
TEST_F(EvalInputs, AByteOrderMarkIsSkipped) {
  const auto shared = swarmbot::testing::SharedDir() / "data/expertise";
  swarmbot::testing::WriteFile(dir_ / "test.jsonl",
                               "\xEF\xBB\xBF" + swarmbot::testing::ReadFile(shared / "test.jsonl"));
  const auto with_mark = LoadEvalSet(dir_.path());
  const auto without = LoadEvalSet(shared);
  ASSERT_TRUE(with_mark) << with_mark.error().detail;
  ASSERT_TRUE(without);
  EXPECT_EQ(with_mark->test.size(), without->test.size());
  EXPECT_EQ(with_mark->test.front().record.id, without->test.front().record.id);
}

TEST_F(EvalInputs, PeopleWithHistoryCountsOnlyThoseWhoResolvedSomethingInTrain) {
  swarmbot::testing::WriteFile(dir_ / "people.jsonl", R"({"id": "nobody", "skills": []})"
                                                      "\n");
  const auto set = LoadEvalSet(dir_.path());
  ASSERT_TRUE(set);
  EXPECT_EQ(PeopleWithHistory(*set), 0u);
  const auto shared = LoadEvalSet(swarmbot::testing::SharedDir() / "data/expertise");
  ASSERT_TRUE(shared);
  EXPECT_EQ(PeopleWithHistory(*shared), 51u);
}

}  // namespace
}  // namespace swarmbot::expertfinder
