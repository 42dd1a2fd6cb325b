// The site banner through the real binary (issue #6, scenario steps 10 and
// the banner half of 15): Priya puts up a banner for signed-in customers with
// the alternate code, the site's endpoint gives it to signed-in customers
// only, the swarm channel hears of it, and once cleared the endpoint returns
// nothing. The public status page and the API key over real sockets too.
#include <algorithm>
#include <chrono>
#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "store/database.hpp"
#include "store/incident_repository.hpp"
#include "tests/e2e/e2e_fixture.hpp"

namespace swarmbot::e2e {
namespace {

namespace json = boost::json;

class Banner : public EndToEnd {
 protected:
  static bool Has(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
  }

  // Declares INC-1 and waits until routing gives it to Priya, as in step 5.
  void DeclareOwnedByPriya() {
    scenario_->ImportPeople();
    ASSERT_EQ(DeclareFeast25(), "INC-1");
    ASSERT_TRUE(Eventually("Priya owns INC-1", [&] {
      const auto dm = slack().DirectMessage(people().priya);
      return dm && std::any_of(dm->messages.begin(), dm->messages.end(),
                               [](const auto& m) { return Has(m.text, "You now own INC-1"); });
    }));
  }

  // Starts INC-1's swarm as Priya; returns its channel once it exists with the
  // pinned summary.
  ChannelId StartSwarm() {
    Type(people().priya, people().incidents, "/swarm", "start INC-1");
    return SwarmChannelWith({}, "the swarm channel");
  }

  demo::Stack::HttpResult SiteBanner(const std::string& audience, const std::string& etag = "") {
    std::map<std::string, std::string> headers{{"Authorization", "Bearer " + stack_->SiteApiKey()}};
    if (!etag.empty()) {
      headers["If-None-Match"] = etag;
    }
    return stack_->Request("GET", "/api/site/banner?audience=" + audience, headers, "");
  }

  static json::value BannerOf(const demo::Stack::HttpResult& result) {
    return json::parse(result.body).at("banner");
  }

  // Whether a message in `channel` holds `part`.
  bool ChannelSays(const ChannelId& channel, std::string_view part) {
    auto snapshot = slack().Channel(channel);
    if (!snapshot) {
      return false;
    }
    for (const auto& message : snapshot->messages) {
      if (Has(message.text, part) || Has(message.blocks_json, part)) {
        return true;
      }
    }
    return false;
  }
};

TEST_F(Banner, Step10And15TheSignedInBannerReachesSignedInCustomersOnlyUntilCleared) {
  DeclareOwnedByPriya();
  const ChannelId swarm = StartSwarm();
  ASSERT_FALSE(swarm.empty());

  const std::string reply =
      Type(people().priya, swarm, "/banner",
           "set --audience signed-in --severity warning FEAST25 is failing at checkout; use "
           "FEAST25B for the same 25% off");
  EXPECT_TRUE(Has(reply, "Site banner up for INC-1")) << reply;

  const auto signed_in = SiteBanner("signed-in");
  ASSERT_EQ(signed_in.status, 200) << signed_in.body;
  EXPECT_TRUE(Has(std::string(BannerOf(signed_in).at("text").as_string()), "FEAST25B"));
  const auto everyone = SiteBanner("everyone");
  ASSERT_EQ(everyone.status, 200);
  EXPECT_TRUE(BannerOf(everyone).is_null()) << everyone.body;
  EXPECT_FALSE(Has(stack_->Request("GET", "/status", {}, "").body, "FEAST25B"));

  EXPECT_TRUE(Eventually("the swarm channel hears of the banner",
                         [&] { return ChannelSays(swarm, "put up a site banner"); }));
  EXPECT_TRUE(Eventually("the pinned summary shows the banner",
                         [&] { return ChannelSays(swarm, "Site banner* for signed-in"); }));

  // Step 15: Priya takes it down; the endpoint returns nothing.
  EXPECT_TRUE(Has(Type(people().priya, swarm, "/banner", "clear"), "Site banner taken down"));
  const auto after = SiteBanner("signed-in");
  ASSERT_EQ(after.status, 200);
  EXPECT_TRUE(BannerOf(after).is_null()) << after.body;
  EXPECT_TRUE(Eventually("the swarm channel hears it came down",
                         [&] { return ChannelSays(swarm, "took down the site banner"); }));
}

TEST_F(Banner, TheEndpointWantsTheSiteKeyAndAnswersAConditionalRequestWith304) {
  EXPECT_EQ(stack_->Request("GET", "/api/site/banner?audience=signed-in", {}, "").status, 401);
  EXPECT_EQ(stack_
                ->Request("GET", "/api/site/banner",
                          {{"Authorization", "Bearer " + stack_->IntakeApiKey()}}, "")
                .status,
            401)
      << "the intake key is not the site's";

  const auto first = SiteBanner("signed-in");
  ASSERT_EQ(first.status, 200);
  const std::string etag = first.headers.at("etag");
  EXPECT_TRUE(Has(first.headers.at("cache-control"), "max-age=30"));
  const auto again = SiteBanner("signed-in", etag);
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());

  const auto unknown = SiteBanner("staff");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_TRUE(Has(unknown.body, "staff")) << unknown.body;

  Type(people().mara, people().incidents, "/banner",
       "set --audience everyone Payments may be slow tonight");
  const auto changed = SiteBanner("signed-in", etag);
  EXPECT_EQ(changed.status, 200);
  EXPECT_EQ(BannerOf(changed).at("text").as_string(), "Payments may be slow tonight");
}

TEST_F(Banner, TheStatusPageIsPublicAndShowsNothingInternal) {
  ASSERT_EQ(DeclareFeast25(), "INC-1");
  Type(people().mara, people().incidents, "/banner",
       "set --audience everyone We are fixing discount codes <today>");
  const auto page = stack_->Request("GET", "/status", {}, "");
  ASSERT_EQ(page.status, 200);
  EXPECT_TRUE(Has(page.headers.at("content-type"), "text/html"));
  EXPECT_TRUE(Has(page.body, "An issue affecting customers in North and East")) << page.body;
  EXPECT_TRUE(Has(page.body, "We are fixing discount codes &lt;today&gt;")) << page.body;
  EXPECT_FALSE(Has(page.body, "FEAST25 discount code fails")) << "the internal subject";
  EXPECT_FALSE(Has(page.body, "<script"));

  Type(people().mara, people().incidents, "/incident", "public-title INC-1 Discount codes fail");
  const auto titled =
      stack_->Request("GET", "/status", {{"If-None-Match", page.headers.at("etag")}}, "");
  EXPECT_EQ(titled.status, 200);
  EXPECT_TRUE(Has(titled.body, "Discount codes fail"));
}

TEST_F(Banner, ClosingTheIncidentTakesItsBannerDown) {
  DeclareOwnedByPriya();
  const std::string outsider =
      Type(people().sofia, people().incidents, "/banner", "set INC-1 Use FEAST25B");
  EXPECT_TRUE(Has(outsider, "Only incident managers and the incident's owner")) << outsider;
  Type(people().priya, people().incidents, "/banner", "set INC-1 Use FEAST25B");
  ASSERT_FALSE(BannerOf(SiteBanner("signed-in")).is_null());
  Type(people().mara, people().incidents, "/incident", "close INC-1 fixed");
  EXPECT_TRUE(BannerOf(SiteBanner("signed-in")).is_null());
}

// Check 21 #1: with 151 open incidents the page listed the 50 oldest and said
// nothing of the rest, so a new P1 was missing while its public title's reply
// said the page showed it. The store is filled before swarmbot starts: 60 P2
// incidents and 90 P4 ones, all older than the P1 Mara declares.
class StatusPageCap : public Banner {
 protected:
  void SetUp() override {
    {
      auto db = store::Database::Open((dir_ / "swarmbot.db").string()).value();
      store::IncidentRepository incidents(*db);
      const auto start = std::chrono::system_clock::now() - std::chrono::hours(24);
      for (int i = 0; i < 150; ++i) {
        store::Incident incident;
        incident.subject = "Old internal subject " + std::to_string(i + 1);
        incident.priority = incident.matrix_priority = i < 60 ? 2 : 4;
        incident.territories = {"South"};
        incident.declared_by = UserId("U0SEED001");
        incident.created_at = start + std::chrono::minutes(i);
        incidents.Insert(incident);
      }
    }
    Start(/*request_url_mode=*/false);
  }

  static std::size_t Count(const std::string& text, std::string_view part) {
    std::size_t count = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
      ++count;
    }
    return count;
  }
};

TEST_F(StatusPageCap, EveryP1AndP2IsListedMostUrgentFirstAndTheRestAreCounted) {
  ASSERT_EQ(DeclareFeast25(), "INC-151");
  const std::string titled = Type(people().mara, people().incidents, "/incident",
                                  "public-title INC-151 Ordering is down everywhere");
  EXPECT_EQ(titled, "The status page now shows INC-151 as \"Ordering is down everywhere\".");
  const std::string page = stack_->Request("GET", "/status", {}, "").body;
  EXPECT_EQ(Count(page, "<li>"), 61u) << "the P1 and all 60 P2s";
  const auto first = page.find("<li>");
  ASSERT_NE(first, std::string::npos) << page;
  EXPECT_TRUE(
      Has(page.substr(first, page.find("</li>", first) - first), "Ordering is down everywhere"))
      << "the P1 comes first: " << page;
  EXPECT_TRUE(Has(page,
                  "And 90 more open incidents, less urgent or older than these, not "
                  "listed here."))
      << page;
  EXPECT_FALSE(Has(page, "Old internal subject"));

  // A P4 that isn't listed: the reply doesn't claim the page shows it.
  const std::string hidden =
      Type(people().mara, people().incidents, "/incident", "public-title INC-150 Slow receipts");
  EXPECT_TRUE(Has(hidden,
                  "INC-150's public title is now \"Slow receipts\", but the status page "
                  "doesn't list INC-150 right now"))
      << hidden;
  EXPECT_FALSE(Has(stack_->Request("GET", "/status", {}, "").body, "Slow receipts"));
}

// Check 21 #2: help promised "Investigating an issue affecting …" while the
// page shows "An issue affecting customers in …"; help, usage and the page
// now say the same, with the 120-character limit.
TEST_F(Banner, TheGenericPublicTitleReadsTheSameInHelpTheReplyAndThePage) {
  ASSERT_EQ(DeclareFeast25(), "INC-1");
  const std::string help = Type(people().mara, people().incidents, "/incident", "help");
  EXPECT_TRUE(Has(help,
                  "at most 120 characters; `--clear` goes back to the generic \"An issue "
                  "affecting customers in …\""))
      << help;
  Type(people().mara, people().incidents, "/incident", "public-title INC-1 Discount codes fail");
  const std::string cleared =
      Type(people().mara, people().incidents, "/incident", "public-title INC-1 --clear");
  EXPECT_EQ(cleared,
            "The status page shows INC-1 under the generic title again: \"An issue affecting "
            "customers in North and East\".");
  EXPECT_TRUE(Has(stack_->Request("GET", "/status", {}, "").body,
                  "<div class=\"title\">An issue affecting customers in North and East</div>"));
  const std::string long_title = Type(people().mara, people().incidents, "/incident",
                                      "public-title INC-1 " + std::string(121, 'x'));
  EXPECT_TRUE(Has(long_title, "at most 120 characters")) << long_title;
}

}  // namespace
}  // namespace swarmbot::e2e
