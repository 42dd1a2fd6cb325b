#include "lifecycle/case_service.hpp"

#include <functional>

#include <gtest/gtest.h>

#include "tests/lifecycle/fixture.hpp"

namespace swarmbot::lifecycle {
namespace {

using CaseServiceTest = testing::LifecycleTest;
using std::chrono::minutes;

TEST_F(CaseServiceTest, TakesInAValidCaseAsNew) {
  auto result = cases_.IntakeCase(ValidCase(), {});
  ASSERT_TRUE(result) << result.error().detail;
  EXPECT_FALSE(result->replayed);
  const store::Case& c = result->record;
  EXPECT_EQ(c.number, 1);
  EXPECT_EQ(c.status, store::CaseStatus::kNew);
  EXPECT_EQ(c.channel, store::CaseChannel::kEmail);
  EXPECT_EQ(c.owner, UserId("URAVI"));
  EXPECT_EQ(c.created_at, clock_.Now());
  EXPECT_EQ(cases_.FindCase(1)->subject, "FEAST25 rejected at checkout");
}

TEST_F(CaseServiceTest, KnowsOnlyTheConfiguredTerritoriesInTheirOwnSpelling) {
  cases_.SetTerritories({"North", "East"});
  CaseInput input = ValidCase();
  input.territory = "  nORTH ";
  auto taken = cases_.IntakeCase(input, {});
  ASSERT_TRUE(taken) << taken.error().detail;
  EXPECT_EQ(taken->record.territory, "North");

  input.territory = "Atlantis";
  auto refused = cases_.IntakeCase(input, {});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::kInvalidInput);
  EXPECT_EQ(refused.error().user_message, "territory must be one of North, East");
  EXPECT_FALSE(cases_.FindCase(2));

  input.territory = "";
  EXPECT_TRUE(cases_.IntakeCase(input, {})) << "a case may leave its territory out";
}

struct BadField {
  const char* label;
  std::function<void(CaseInput&)> spoil;
  const char* message;
};

TEST_F(CaseServiceTest, RefusesEachBadFieldByNameAndStoresNothing) {
  const BadField cases[] = {
      {"empty name", [](CaseInput& c) { c.contact_name = ""; }, "contact_name is required"},
      {"long name", [](CaseInput& c) { c.contact_name = std::string(201, 'n'); },
       "contact_name is too long (at most 200 characters)"},
      {"no email", [](CaseInput& c) { c.contact_email = ""; }, "contact_email is required"},
      {"bad email", [](CaseInput& c) { c.contact_email = "ana.example.com"; },
       "contact_email is not an e-mail address"},
      {"long email", [](CaseInput& c) { c.contact_email = std::string(250, 'a') + "@x.com"; },
       "contact_email is too long (at most 254 characters)"},
      {"bad channel", [](CaseInput& c) { c.channel = "fax"; },
       "channel must be one of email, chat, messaging, phone, web"},
      {"no channel", [](CaseInput& c) { c.channel = ""; }, "channel is required"},
      {"long territory", [](CaseInput& c) { c.territory = std::string(101, 't'); },
       "territory is too long (at most 100 characters)"},
      {"no subject", [](CaseInput& c) { c.subject = " "; }, "subject is required"},
      {"long subject", [](CaseInput& c) { c.subject = std::string(251, 's'); },
       "subject is too long (at most 250 characters)"},
      {"subject newline", [](CaseInput& c) { c.subject = "a\nb"; },
       "subject contains the control character U+000A; it must be one line of text"},
      {"long description", [](CaseInput& c) { c.description = std::string(10'001, 'd'); },
       "description is too long (at most 10000 characters)"},
      {"description NUL", [](CaseInput& c) { c.description = std::string("a\0b", 3); },
       "description contains the control character U+0000; only tabs and line breaks are "
       "allowed"},
      {"long owner", [](CaseInput& c) { c.owner = std::string(41, 'U'); },
       "owner is too long (at most 40 characters)"},
      {"owner space", [](CaseInput& c) { c.owner = "U1 U2"; },
       "owner must be a Slack user id such as U012AB3CD"},
      {"owner name", [](CaseInput& c) { c.owner = "bob"; },
       "owner must be a Slack user id such as U012AB3CD"},
      {"owner mention", [](CaseInput& c) { c.owner = "<!channel>"; },
       "owner must be a Slack user id such as U012AB3CD"},
      {"bad utf8", [](CaseInput& c) { c.subject = "\xc3("; }, "subject is not valid UTF-8"},
  };
  for (const auto& bad : cases) {
    CaseInput input = ValidCase();
    bad.spoil(input);
    auto result = cases_.IntakeCase(input, {});
    ASSERT_FALSE(result) << bad.label;
    EXPECT_EQ(result.error().code, Errc::kInvalidInput) << bad.label;
    EXPECT_EQ(result.error().user_message, bad.message) << bad.label;
  }
  EXPECT_EQ(Count("SELECT COUNT(*) FROM cases"), 0);
}

// Check20 #4: tab and U+007F were refused in a one-line field, but C1
// controls and the line and paragraph separators got in.
TEST_F(CaseServiceTest, RefusesC1ControlsAndLineSeparatorsInOneLineFieldsLikeATab) {
  const std::pair<const char*, const char*> refused[] = {
      {"Ana\tSilva", "U+0009"},          {"Ana\x7FSilva", "U+007F"},
      {"Ana\xC2\x85Silva", "U+0085"},   {"Ana\xC2\x9B" "31mSilva", "U+009B"},
      {"Ana\xE2\x80\xA8Silva", "U+2028"}, {"Ana\xE2\x80\xA9Silva", "U+2029"},
  };
  for (const auto& [name, point] : refused) {
    CaseInput input = ValidCase();
    input.contact_name = name;
    auto result = cases_.IntakeCase(input, {});
    ASSERT_FALSE(result) << point;
    EXPECT_EQ(result.error().user_message, "contact_name contains the control character " +
                                               std::string(point) +
                                               "; it must be one line of text");
  }
  CaseInput multiline = ValidCase();
  multiline.description = "one\xC2\x85two";
  auto c1 = cases_.IntakeCase(multiline, {});
  ASSERT_FALSE(c1);
  EXPECT_EQ(c1.error().user_message,
            "description contains the control character U+0085; only tabs and line breaks are "
            "allowed");
  multiline.description = "one\xE2\x80\xA8two\nthree";
  EXPECT_TRUE(cases_.IntakeCase(multiline, {})) << "a separator is a line break where those are allowed";
  EXPECT_EQ(Count("SELECT COUNT(*) FROM cases"), 1);
}

TEST_F(CaseServiceTest, DropsALeadingByteOrderMarkFromOneLineFields) {
  CaseInput input = ValidCase();
  input.contact_name = "\xEF\xBB\xBF" "Ana Silva";
  input.territory = "\xEF\xBB\xBF" "West";
  input.subject = "\xEF\xBB\xBF" "Parcel lost";
  auto taken = cases_.IntakeCase(input, {});
  ASSERT_TRUE(taken) << taken.error().detail;
  EXPECT_EQ(taken->record.contact_name, "Ana Silva");
  EXPECT_EQ(taken->record.territory, "West");
  EXPECT_EQ(taken->record.subject, "Parcel lost");
  EXPECT_EQ(cases_.FindCase(1)->contact_name, "Ana Silva");
}

TEST_F(CaseServiceTest, AcceptsTheLongestAllowedValues) {
  CaseInput input = ValidCase();
  input.contact_name = std::string(200, 'n');
  input.subject = std::string(250, 's');
  input.description = std::string(10'000, 'd');
  input.territory = std::string(100, 't');
  input.owner = std::string(40, 'U');
  EXPECT_TRUE(cases_.IntakeCase(input, {}));
}

TEST_F(CaseServiceTest, ReplaysTheSameIdempotencyKeyWithTheSameContent) {
  auto first = cases_.IntakeCase(ValidCase(), std::string("key-1"));
  ASSERT_TRUE(first);
  clock_.Advance(minutes(1));
  auto again = cases_.IntakeCase(ValidCase(), std::string("key-1"));
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->record.number, first->record.number);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM cases"), 1);

  auto other_key = cases_.IntakeCase(ValidCase(), std::string("key-2"));
  EXPECT_EQ(other_key->record.number, 2);
}

TEST_F(CaseServiceTest, RefusesAnIdempotencyKeyReusedForOtherContent) {
  ASSERT_TRUE(cases_.IntakeCase(ValidCase("first"), std::string("key-1")));
  auto reused = cases_.IntakeCase(ValidCase("second"), std::string("key-1"));
  ASSERT_FALSE(reused);
  EXPECT_EQ(reused.error().code, Errc::kConflict);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM cases"), 1);
}

TEST_F(CaseServiceTest, RefusesAMalformedIdempotencyKey) {
  for (const std::string& key : {std::string(), std::string(256, 'k'), std::string("a b")}) {
    auto result = cases_.IntakeCase(ValidCase(), key);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, Errc::kInvalidInput);
  }
}

TEST(Fingerprint, DependsOnWhichFieldHoldsTheText) {
  CaseInput a;
  a.subject = "ab";
  CaseInput b;
  b.subject = "a";
  b.description = "b";
  EXPECT_NE(Fingerprint(a), Fingerprint(b));
  EXPECT_EQ(Fingerprint(a), Fingerprint(a));
}

TEST_F(CaseServiceTest, ListsCasesNewestFirstAndCountsBeyondTheLimit) {
  for (int i = 0; i < 3; ++i) {
    NewCase();
    clock_.Advance(minutes(1));
  }
  store::CaseFilter filter;
  filter.statuses = {store::CaseStatus::kNew};
  filter.limit = 2;
  auto listing = cases_.ListCases(filter);
  ASSERT_TRUE(listing);
  ASSERT_EQ(listing->cases.size(), 2u);
  EXPECT_EQ(listing->cases[0].number, 3);
  EXPECT_EQ(listing->cases[1].number, 2);
  EXPECT_EQ(listing->total, 3);
}

TEST_F(CaseServiceTest, ReportsAnUnknownCase) {
  auto missing = cases_.FindCase(77);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::kNotFound);
  EXPECT_EQ(missing.error().user_message, "CASE-77 doesn't exist");
}

}  // namespace
}  // namespace swarmbot::lifecycle
