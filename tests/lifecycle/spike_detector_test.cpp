#include "lifecycle/spike_detector.hpp"

#include <array>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/lifecycle/spike_wordings.hpp"

namespace swarmbot::lifecycle {
namespace {

using std::chrono::minutes;
using swarmbot::testing::wordings::kDeclineDescriptions;
using swarmbot::testing::wordings::kDeclineSubjects;
using swarmbot::testing::wordings::kFeastDescriptions;
using swarmbot::testing::wordings::kFeastSubjects;
using swarmbot::testing::wordings::kOtherComplaints;
using swarmbot::testing::wordings::kOtherPaymentComplaints;

// The subjects of the Take-Out scenario (demo/takeout.cpp), written out so
// that the detector is tested without the demo.
constexpr std::array<const char*, 6> kFeast{
    "FEAST25 code rejected at checkout",   "Discount code FEAST25 not working",
    "Checkout says FEAST25 is invalid",    "Can't apply FEAST25 discount code",
    "FEAST25 promo code error on payment", "Discount code FEAST25 fails at checkout",
};
constexpr const char* kFeastDescription =
    "I entered the discount code FEAST25 at checkout and got an error saying the code is not "
    "valid, so I paid full price.";
constexpr std::array<const char*, 10> kUnrelated{
    "Late delivery of my order",        "Refund for a missing side dish",
    "Driver went to the wrong address", "Order arrived cold",
    "Charged twice for one order",      "Refund not received after cancellation",
    "Delivery took two hours",          "Wrong drink in my order",
    "Cannot change delivery address",   "Missing cutlery and napkins",
};
constexpr const char* kUnrelatedDescription = "My order had a problem that I would like resolved.";

class SpikeDetectorTest : public ::testing::Test {
 protected:
  SpikePlacement Add(const std::string& subject, const std::string& description,
                     minutes at = minutes(0)) {
    contacts_.push_back("customer" + std::to_string(next_) + "@mail.example");
    return detector_.Add({next_++, start_ + at, contacts_.back(), subject, description});
  }

  // Plays the scenario's 46 cases, interleaved as the demo sends them, over
  // 20 minutes; returns the cluster of each FEAST25 case and each other one.
  void PlayTakeOut(std::set<std::uint64_t>& feast, std::vector<std::uint64_t>& others) {
    std::size_t unrelated = 0;
    for (std::size_t i = 0; i < 36; ++i) {
      const minutes at(static_cast<int>(i * 20 / 36));
      feast.insert(Add(kFeast[i % kFeast.size()], kFeastDescription, at).cluster);
      if (i % 4 == 3) {
        others.push_back(Add(kUnrelated[unrelated++], kUnrelatedDescription, at).cluster);
      }
    }
    while (unrelated < kUnrelated.size()) {
      others.push_back(Add(kUnrelated[unrelated++], kUnrelatedDescription, minutes(20)).cluster);
    }
  }

  SpikeDetector detector_{SpikeSettings{}};
  Clock::TimePoint start_ = Clock::TimePoint(std::chrono::hours(24 * 365 * 56));
  std::int64_t next_ = 1;
  std::deque<std::string> contacts_;
};

TEST_F(SpikeDetectorTest, TakeOutFeast25CasesFormOneClusterAndTheUnrelatedStayOut) {
  std::set<std::uint64_t> feast;
  std::vector<std::uint64_t> others;
  PlayTakeOut(feast, others);

  ASSERT_EQ(feast.size(), 1u);
  EXPECT_EQ(detector_.Members(*feast.begin()).size(), 36u);
  EXPECT_EQ(detector_.ContactsOf(*feast.begin()), 36u);
  for (std::uint64_t cluster : others) {
    EXPECT_NE(cluster, *feast.begin());
    EXPECT_LT(detector_.Members(cluster).size(), 5u) << "unrelated cases grouped together";
  }
}

TEST_F(SpikeDetectorTest, SimilarCasesInOtherWordsJoinTheSameCluster) {
  const auto first = Add("App login fails with error 403 after the update",
                         "Since this morning the login screen shows error 403.");
  const auto second = Add("Login error 403 since app update",
                          "I cannot log in, the app shows error 403 after updating.");

  EXPECT_FALSE(first.joined);
  EXPECT_TRUE(second.joined);
  EXPECT_EQ(second.cluster, first.cluster);
  EXPECT_EQ(second.size, 2u);
  EXPECT_EQ(second.contacts, 2u);
}

TEST_F(SpikeDetectorTest, DifferentFaultsGetClustersOfTheirOwn) {
  const auto login = Add("Cannot log in to the app", "Login fails with error 403");
  const auto refund = Add("Refund not received", "I cancelled last week and got no money back");

  EXPECT_FALSE(refund.joined);
  EXPECT_NE(refund.cluster, login.cluster);
  EXPECT_EQ(detector_.ClusterCount(), 2u);
}

TEST_F(SpikeDetectorTest, CasesLeaveTheirClusterWhenTheyFallOutOfTheWindow) {
  const auto first = Add(kFeast[0], kFeastDescription, minutes(0));
  Add(kFeast[1], kFeastDescription, minutes(30));
  ASSERT_EQ(detector_.Members(first.cluster).size(), 2u);

  const auto late = Add(kFeast[2], kFeastDescription, minutes(75));

  EXPECT_EQ(late.cluster, first.cluster);
  EXPECT_EQ(detector_.Members(first.cluster), (std::vector<std::int64_t>{2, 3}));
  EXPECT_FALSE(detector_.ClusterOf(1).has_value());
  EXPECT_EQ(detector_.LiveCases(), 2u);

  detector_.Expire(start_ + minutes(200));
  EXPECT_EQ(detector_.LiveCases(), 0u);
  EXPECT_EQ(detector_.ClusterCount(), 0u);
}

TEST_F(SpikeDetectorTest, ACaseAfterTheWholeGroupExpiredStartsAFreshCluster) {
  const auto first = Add(kFeast[0], kFeastDescription, minutes(0));
  detector_.SetSpike(first.cluster, 7);

  const auto later = Add(kFeast[1], kFeastDescription, minutes(61));

  EXPECT_FALSE(later.joined);
  EXPECT_FALSE(detector_.SpikeOf(later.cluster).has_value());
}

TEST_F(SpikeDetectorTest, AStricterThresholdKeepsLooselyRelatedCasesApart) {
  SpikeDetector strict(SpikeSettings{.similarity = 0.95});
  const std::string a = "a@mail.example";
  const std::string b = "b@mail.example";
  const auto first = strict.Add({1, start_, a, kFeast[0], kFeastDescription});
  const auto second = strict.Add({2, start_, b, kFeast[3], "It just does not work."});

  EXPECT_NE(second.cluster, first.cluster);
}

TEST_F(SpikeDetectorTest, CountsDistinctContactsOnce) {
  const std::string same = "same@mail.example";
  detector_.Add({1, start_, same, kFeast[0], kFeastDescription});
  const auto second = detector_.Add({2, start_, same, kFeast[1], kFeastDescription});

  EXPECT_EQ(second.size, 2u);
  EXPECT_EQ(second.contacts, 1u);
}

TEST_F(SpikeDetectorTest, AddingTheSameCaseTwiceChangesNothing) {
  const auto first = Add(kFeast[0], kFeastDescription);
  const auto again = detector_.Add({1, start_, contacts_.front(), kFeast[0], kFeastDescription});

  EXPECT_EQ(again.cluster, first.cluster);
  EXPECT_EQ(detector_.LiveCases(), 1u);
  EXPECT_EQ(detector_.Members(first.cluster).size(), 1u);
}

TEST_F(SpikeDetectorTest, EmptyOrStopWordOnlyTextGetsAClusterOfItsOwn) {
  const auto first = Add("", "");
  const auto second = Add("hello, please help", "thanks");

  EXPECT_FALSE(second.joined);
  EXPECT_NE(first.cluster, second.cluster);
}

// Check 19: the fifth wording ("promo", "paying") just missed the group of
// the first four and grew a second one of its own, 29 + 7.
TEST_F(SpikeDetectorTest, EveryWordingOfTheFeast25FaultJoinsOneCluster) {
  std::set<std::uint64_t> feast;
  for (std::size_t i = 0; i < 36; ++i) {
    feast.insert(Add(kFeastSubjects[i % 5], kFeastDescriptions[i % 3]).cluster);
  }
  std::vector<std::uint64_t> others;
  for (const auto& [subject, description] : kOtherComplaints) {
    others.push_back(Add(subject, description).cluster);
  }

  ASSERT_EQ(feast.size(), 1u);
  EXPECT_EQ(detector_.Members(*feast.begin()).size(), 36u);
  for (std::uint64_t cluster : others) {
    EXPECT_NE(cluster, *feast.begin());
    EXPECT_LT(detector_.Members(cluster).size(), 5u) << "unrelated cases grouped together";
  }
}

TEST_F(SpikeDetectorTest, EveryWordingOfAPaymentErrorCodeJoinsOneCluster) {
  std::vector<std::int64_t> declined;
  std::vector<std::int64_t> others;
  for (std::size_t i = 0; i < 24; ++i) {
    declined.push_back(next_);
    Add(kDeclineSubjects[i % 6], kDeclineDescriptions[i % 3]);
    if (i % 3 == 2 && others.size() < kOtherPaymentComplaints.size()) {
      const auto& [subject, description] = kOtherPaymentComplaints[others.size()];
      others.push_back(next_);
      Add(subject, description);
    }
  }

  // Asked at the end: the clusters of the first cases may have merged since.
  const auto cluster = detector_.ClusterOf(declined.front());
  ASSERT_TRUE(cluster.has_value());
  EXPECT_EQ(detector_.Members(*cluster), declined);
  for (std::int64_t number : others) {
    const auto other = detector_.ClusterOf(number);
    ASSERT_TRUE(other.has_value());
    EXPECT_NE(*other, *cluster);
    EXPECT_LT(detector_.Members(*other).size(), 5u) << "unrelated cases grouped together";
  }
}

// The first five E4012 cases make two clusters, {1, 2, 4, 5} and {3}; the
// sixth joins {3} and matches the other as well.
class BridgedClustersTest : public SpikeDetectorTest {
 protected:
  void SetUp() override {
    for (std::size_t i = 0; i < 5; ++i) {
      Add(kDeclineSubjects[i], kDeclineDescriptions[i % 3]);
    }
    big_ = *detector_.ClusterOf(1);
    small_ = *detector_.ClusterOf(3);
    ASSERT_NE(big_, small_);
    ASSERT_EQ(detector_.Members(big_), (std::vector<std::int64_t>{1, 2, 4, 5}));
  }

  SpikePlacement Bridge() { return Add(kDeclineSubjects[5], kDeclineDescriptions[2]); }

  std::uint64_t big_ = 0;
  std::uint64_t small_ = 0;
};

TEST_F(BridgedClustersTest, ACaseMatchingTwoSimilarClustersMergesThem) {
  const auto bridge = Bridge();

  EXPECT_EQ(bridge.cluster, small_) << "the cluster the case joined stays";
  EXPECT_EQ(detector_.Members(small_), (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(bridge.absorbed, (std::vector<std::int64_t>{1, 2, 4, 5}));
  EXPECT_EQ(bridge.size, 6u);
  EXPECT_EQ(bridge.contacts, 6u);
  EXPECT_TRUE(detector_.Members(big_).empty());
  EXPECT_EQ(detector_.ClusterCount(), 1u);
}

TEST_F(BridgedClustersTest, ASpikeKeepsItsClusterWhenAnotherMergesIntoIt) {
  detector_.SetSpike(big_, 7);

  const auto bridge = Bridge();

  EXPECT_EQ(bridge.cluster, big_);
  EXPECT_EQ(bridge.absorbed, (std::vector<std::int64_t>{3, 6}));
  EXPECT_EQ(detector_.SpikeOf(big_), 7);
  EXPECT_EQ(detector_.Members(big_).size(), 6u);
  EXPECT_EQ(detector_.ClusterOf(3), big_);
}

TEST_F(BridgedClustersTest, TwoSpikesAreNotMerged) {
  detector_.SetSpike(big_, 7);
  detector_.SetSpike(small_, 8);

  const auto bridge = Bridge();

  EXPECT_EQ(bridge.cluster, small_);
  EXPECT_TRUE(bridge.absorbed.empty());
  EXPECT_EQ(detector_.Members(big_).size(), 4u);
  EXPECT_EQ(detector_.ClusterCount(), 2u);
}

TEST_F(BridgedClustersTest, MergedClustersStillExpireCaseByCase) {
  Bridge();

  detector_.Expire(start_ + minutes(61));

  EXPECT_EQ(detector_.LiveCases(), 0u);
  EXPECT_EQ(detector_.ClusterCount(), 0u);
  EXPECT_FALSE(detector_.ClusterOf(1).has_value());
}

// Codes that cases of many different faults carry (here a log line the app
// pastes into every case) are no evidence that they share a fault: once a
// few clusters hold a code, it weighs as any word again.
TEST_F(SpikeDetectorTest, CodesThatManyClustersCarryDoNotGroupDifferentFaults) {
  const std::string log = " Log: 2025-12-03 08:00:13 srv2201 node0042 build 4102 eu4412 pod7731";
  std::vector<std::uint64_t> clusters;
  for (int round = 0; round < 3; ++round) {
    for (const auto& [subject, description] : kOtherComplaints) {
      clusters.push_back(Add(subject, description + log).cluster);
    }
  }

  // Three cases each of ten complaints, of which two pairs are alike (late
  // deliveries, refunds): no cluster has more than six.
  for (std::uint64_t cluster : clusters) {
    EXPECT_LE(detector_.Members(cluster).size(), 6u);
  }
}

TEST(SpikeTerms, DropStopWordsAndTrimEndings) {
  EXPECT_EQ(SpikeTerms("The codes I applied are NOT working!"),
            (std::vector<std::string>{"code", "apply", "work"}));
  EXPECT_EQ(SpikeTerms("FEAST25 rejected; don't retry"),
            (std::vector<std::string>{"feast25", "reject", "retry"}));
}

}  // namespace
}  // namespace swarmbot::lifecycle
