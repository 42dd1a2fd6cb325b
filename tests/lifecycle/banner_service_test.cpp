// Site banners and the public face of incidents (issue #6, "Site banner").
#include "lifecycle/banner_service.hpp"

#include <gtest/gtest.h>

#include "lifecycle/effects.hpp"
#include "store/timeline_repository.hpp"
#include "tests/lifecycle/fixture.hpp"

namespace swarmbot::lifecycle {
namespace {

using store::BannerAudience;
using store::BannerSeverity;

class BannerServiceTest : public testing::LifecycleTest {
 protected:
  BannerInput Input(std::string text, BannerAudience audience = BannerAudience::kSignedIn,
                    std::optional<std::int64_t> incident = std::nullopt) {
    BannerInput input;
    input.incident = incident;
    input.audience = audience;
    input.severity = BannerSeverity::kWarning;
    input.text = std::move(text);
    return input;
  }

  std::vector<std::string> TimelineKinds(std::int64_t incident) {
    std::vector<std::string> kinds;
    for (const auto& entry : store::TimelineRepository(*db_).Recent(incident, 50)) {
      kinds.push_back(entry.kind);
    }
    return kinds;
  }

  bool Has(const std::vector<std::string>& list, std::string_view item) {
    return std::find(list.begin(), list.end(), item) != list.end();
  }

  BannerService banners_{*db_, clock_};
};

TEST_F(BannerServiceTest, SignedInCustomersSeeTheirBannerAndEveryoneNeverDoes) {
  ASSERT_TRUE(banners_.Set(Input("Use FEAST25B while we fix FEAST25"), priya_));

  auto signed_in = banners_.ForSite(BannerAudience::kSignedIn).value();
  ASSERT_TRUE(signed_in);
  EXPECT_EQ(signed_in->text, "Use FEAST25B while we fix FEAST25");
  EXPECT_EQ(signed_in->severity, BannerSeverity::kWarning);
  EXPECT_FALSE(banners_.ForSite(BannerAudience::kEveryone).value());
}

TEST_F(BannerServiceTest, SignedInCustomersFallBackToTheBannerForEveryone) {
  ASSERT_TRUE(banners_.Set(Input("Checkout is slow", BannerAudience::kEveryone), priya_));
  EXPECT_EQ(banners_.ForSite(BannerAudience::kSignedIn).value()->text, "Checkout is slow");
  ASSERT_TRUE(banners_.Set(Input("Use FEAST25B"), priya_));
  EXPECT_EQ(banners_.ForSite(BannerAudience::kSignedIn).value()->text, "Use FEAST25B");
  EXPECT_EQ(banners_.ForSite(BannerAudience::kEveryone).value()->text, "Checkout is slow");
}

TEST_F(BannerServiceTest, ANewBannerReplacesTheAudiencesCurrentOneAndSaysSo) {
  auto first = banners_.Set(Input("first"), priya_).value();
  EXPECT_FALSE(first.replaced);
  auto second = banners_.Set(Input("second"), priya_).value();
  ASSERT_TRUE(second.replaced);
  EXPECT_EQ(second.replaced->text, "first");
  auto active = banners_.Active().value();
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0].text, "second");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM banners WHERE cleared_at IS NOT NULL"), 1);
}

TEST_F(BannerServiceTest, RefusesBadTextAndLinksAndChangesNothing) {
  EXPECT_EQ(banners_.Set(Input("   "), priya_).error().code, Errc::kInvalidInput);
  auto too_long = banners_.Set(Input(std::string(BannerService::kMaxText + 1, 'x')), priya_);
  ASSERT_FALSE(too_long);
  EXPECT_NE(too_long.error().user_message.find("280"), std::string::npos)
      << too_long.error().user_message;
  EXPECT_EQ(banners_.Set(Input("two\nlines"), priya_).error().code, Errc::kInvalidInput);

  const std::vector<std::string> bad_links{"javascript:alert(1)",
                                           "ftp://files.example.com/x",
                                           "https://",
                                           "https://exa mple.com",
                                           "https://example.com/\"><b>",
                                           "https://user@example.com/",
                                           "https://example.com/" + std::string(600, 'a')};
  for (const std::string& link : bad_links) {
    BannerInput input = Input("Use FEAST25B");
    input.link = link;
    auto set = banners_.Set(input, priya_);
    ASSERT_FALSE(set) << link;
    EXPECT_EQ(set.error().code, Errc::kInvalidInput) << link;
  }
  BannerInput fine = Input("Use FEAST25B");
  fine.link = "https://status.take-out.example/feast25?from=banner#now";
  EXPECT_TRUE(BannerService::CheckLink(fine.link));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM banners"), 0);
}

TEST_F(BannerServiceTest, AnIncidentsBannerGoesOnItsTimelineAndIntoItsSwarmChannel) {
  const auto incident = NewIncident();
  ASSERT_TRUE(swarms_.Start({incident, {}, {}}, priya_));
  DrainOutbox();

  ASSERT_TRUE(banners_.Set(Input("Use FEAST25B", BannerAudience::kSignedIn, incident), priya_));
  EXPECT_TRUE(Has(TimelineKinds(incident), "banner_set"));
  const auto kinds = PendingKinds();
  EXPECT_TRUE(Has(kinds, effect::kBannerAnnounce));
  EXPECT_TRUE(Has(kinds, effect::kUpdateSummary));
  EXPECT_EQ(incidents_.StatusOf(incident).value().banners.size(), 1u)
      << "the summary shows the banner while it is up";

  DrainOutbox();
  auto cleared = banners_.Clear({.incident = incident, .audience = std::nullopt}, priya_);
  ASSERT_TRUE(cleared);
  EXPECT_EQ(cleared->size(), 1u);
  EXPECT_TRUE(Has(TimelineKinds(incident), "banner_cleared"));
  EXPECT_TRUE(Has(PendingKinds(), effect::kBannerAnnounce));
  EXPECT_TRUE(incidents_.StatusOf(incident).value().banners.empty());
  EXPECT_FALSE(banners_.ForSite(BannerAudience::kSignedIn).value());
}

TEST_F(BannerServiceTest, ClearingWhatIsNotUpIsRefusedAndChangesNothing) {
  ASSERT_TRUE(banners_.Set(Input("Checkout is slow", BannerAudience::kEveryone), priya_));
  auto cleared =
      banners_.Clear({.incident = std::nullopt, .audience = BannerAudience::kSignedIn}, priya_);
  ASSERT_FALSE(cleared);
  EXPECT_EQ(cleared.error().code, Errc::kNotFound);
  EXPECT_NE(cleared.error().user_message.find("/banner show"), std::string::npos);
  EXPECT_TRUE(banners_.ForSite(BannerAudience::kEveryone).value());
}

TEST_F(BannerServiceTest, RefusesABannerForAnUnknownOrClosedIncident) {
  EXPECT_EQ(banners_.Set(Input("x", BannerAudience::kSignedIn, 99), priya_).error().code,
            Errc::kNotFound);
  const auto incident = NewIncident();
  ASSERT_TRUE(incidents_.Close(incident, mara_, "fixed"));
  EXPECT_EQ(banners_.Set(Input("x", BannerAudience::kSignedIn, incident), priya_).error().code,
            Errc::kConflict);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM banners"), 0);
}

TEST_F(BannerServiceTest, ClosingTheIncidentTakesItsBannerDownInTheSameTransaction) {
  const auto incident = NewIncident();
  ASSERT_TRUE(swarms_.Start({incident, {}, {}}, priya_));
  ASSERT_TRUE(banners_.Set(Input("Use FEAST25B", BannerAudience::kSignedIn, incident), priya_));
  ASSERT_TRUE(banners_.Set(Input("All good soon", BannerAudience::kEveryone), mara_));
  DrainOutbox();

  ASSERT_TRUE(incidents_.Close(incident, priya_, "fixed"));
  EXPECT_FALSE(banners_.ForSite(BannerAudience::kSignedIn).value()->text == "Use FEAST25B");
  EXPECT_EQ(banners_.ForSite(BannerAudience::kSignedIn).value()->text, "All good soon")
      << "a banner of no incident stays up";
  EXPECT_TRUE(Has(TimelineKinds(incident), "banner_closed"));
  const auto kinds = PendingKinds();
  const auto announce = std::find(kinds.begin(), kinds.end(), effect::kBannerAnnounce);
  const auto archive = std::find(kinds.begin(), kinds.end(), effect::kArchive);
  ASSERT_NE(announce, kinds.end());
  EXPECT_LT(announce, archive) << "said in the channel before it is archived";
}

TEST_F(BannerServiceTest, ABannerSetWithClearOnCloseOffStaysUpAfterTheClose) {
  BannerService keeping(*db_, clock_, {.clear_on_close = false});
  const auto incident = NewIncident();
  ASSERT_TRUE(keeping.Set(Input("Use FEAST25B", BannerAudience::kSignedIn, incident), priya_));
  ASSERT_TRUE(incidents_.Close(incident, priya_, "fixed"));
  EXPECT_TRUE(banners_.ForSite(BannerAudience::kSignedIn).value());
}

TEST_F(BannerServiceTest, ThePublicStatusListsOpenIncidentsWithTheirPublicTitlesOnly) {
  const auto open = NewIncident("FEAST25 internal subject");
  const auto closed = NewIncident("Old one");
  ASSERT_TRUE(incidents_.Close(closed, mara_, "done"));
  ASSERT_TRUE(banners_.SetPublicTitle(open, "Discount codes fail at checkout", mara_));
  ASSERT_TRUE(banners_.Set(Input("Signed-in only"), mara_));

  auto status = banners_.Public().value();
  ASSERT_EQ(status.incidents.size(), 1u);
  EXPECT_EQ(status.incidents[0].number, open);
  EXPECT_EQ(status.incidents[0].public_title, "Discount codes fail at checkout");
  EXPECT_FALSE(status.banner) << "the signed-in banner is never public";

  ASSERT_TRUE(banners_.SetPublicTitle(open, "", mara_));
  EXPECT_EQ(banners_.Public().value().incidents[0].public_title, "");
  EXPECT_EQ(banners_.SetPublicTitle(open, std::string(200, 'x'), mara_).error().code,
            Errc::kInvalidInput);
  EXPECT_EQ(banners_.SetPublicTitle(closed, "x", mara_).error().code, Errc::kConflict);
}

}  // namespace
}  // namespace swarmbot::lifecycle
