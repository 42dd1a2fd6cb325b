// What the customer site reads: the banner JSON and the public status page.
#include "handlers/site_api.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "lifecycle/banner_service.hpp"
#include "lifecycle/incident_service.hpp"

namespace swarmbot::handlers {
namespace {

namespace json = boost::json;
using store::BannerAudience;

class SiteApiTest : public ::testing::Test {
 protected:
  void Declare(std::string subject, std::vector<std::string> territories) {
    lifecycle::DeclareInput in;
    in.subject = std::move(subject);
    in.description = "Internal: the pricing-service rejects FEAST25; contact ana@example.com";
    in.territories = std::move(territories);
    ASSERT_TRUE(incidents_.Declare(in, UserId("UMARA")));
  }

  void Put(std::string text, BannerAudience audience, std::string link = "") {
    lifecycle::BannerInput input;
    input.audience = audience;
    input.severity = store::BannerSeverity::kWarning;
    input.text = std::move(text);
    input.link = std::move(link);
    ASSERT_TRUE(banners_.Set(input, UserId("UMARA")));
  }

  std::string Header(const SiteAnswer& answer, std::string_view name) {
    for (const auto& [key, value] : answer.headers) {
      if (key == name) {
        return value;
      }
    }
    return {};
  }

  FakeClock clock_;
  std::unique_ptr<store::Database> db_ = store::Database::Open(":memory:").value();
  lifecycle::IncidentService incidents_{*db_, clock_};
  lifecycle::BannerService banners_{*db_, clock_};
  SiteApi site_{*db_, clock_, {.max_age_seconds = 15}};
};

TEST_F(SiteApiTest, GivesSignedInCustomersTheirBannerAndEveryoneNothing) {
  Put("Use FEAST25B", BannerAudience::kSignedIn);
  const SiteAnswer signed_in = site_.Banner({.query = "audience=signed-in", .if_none_match = {}});
  ASSERT_EQ(signed_in.status, 200);
  const json::value body = json::parse(signed_in.body);
  EXPECT_EQ(body.at("audience").as_string(), "signed-in");
  EXPECT_EQ(body.at("banner").at("text").as_string(), "Use FEAST25B");
  EXPECT_EQ(body.at("banner").at("severity").as_string(), "warning");
  EXPECT_TRUE(body.at("banner").at("link").is_null());
  EXPECT_EQ(body.at("banner").at("updated_at").as_string().size(), 20u);
  EXPECT_EQ(Header(signed_in, "Cache-Control"), "private, max-age=15");

  for (std::string query : {"audience=everyone", ""}) {
    const SiteAnswer everyone = site_.Banner({.query = query, .if_none_match = {}});
    ASSERT_EQ(everyone.status, 200) << query;
    EXPECT_TRUE(json::parse(everyone.body).at("banner").is_null()) << query;
    EXPECT_EQ(everyone.body.find("FEAST25B"), std::string::npos);
  }
}

TEST_F(SiteApiTest, SignedInFallsBackToTheBannerForEveryone) {
  Put("Checkout is slow", BannerAudience::kEveryone, "https://status.example.com/");
  const json::value body =
      json::parse(site_.Banner({.query = "audience=signed-in", .if_none_match = {}}).body);
  EXPECT_EQ(body.at("banner").at("text").as_string(), "Checkout is slow");
  EXPECT_EQ(body.at("banner").at("audience").as_string(), "everyone");
  EXPECT_EQ(body.at("banner").at("link").as_string(), "https://status.example.com/");
}

TEST_F(SiteApiTest, NamesAnUnknownAudienceOrABadQueryWith400) {
  const SiteAnswer unknown = site_.Banner({.query = "audience=staff", .if_none_match = {}});
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(unknown.body.find("unknown audience \\\"staff\\\""), std::string::npos) << unknown.body;
  EXPECT_EQ(
      site_.Banner({.query = "audience=everyone&audience=signed-in", .if_none_match = {}}).status,
      400);
  EXPECT_EQ(site_.Banner({.query = "audience=%zz", .if_none_match = {}}).status, 400);
}

TEST_F(SiteApiTest, AnswersAConditionalRequestWith304UntilTheBannerChanges) {
  Put("Use FEAST25B", BannerAudience::kSignedIn);
  const SiteRequest plain{.query = "audience=signed-in", .if_none_match = {}};
  const SiteAnswer first = site_.Banner(plain);
  const std::string etag = Header(first, "ETag");
  ASSERT_EQ(etag.size(), 34u) << etag;
  EXPECT_EQ(etag.front(), '"');
  EXPECT_EQ(Header(site_.Banner(plain), "ETag"), etag) << "same content, same tag";

  const SiteAnswer again = site_.Banner({.query = "audience=signed-in", .if_none_match = etag});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(Header(again, "ETag"), etag);
  EXPECT_EQ(
      site_.Banner({.query = "audience=signed-in", .if_none_match = "\"x\", W/" + etag}).status,
      304);

  Put("Use FEAST25C", BannerAudience::kSignedIn);
  const SiteAnswer changed = site_.Banner({.query = "audience=signed-in", .if_none_match = etag});
  EXPECT_EQ(changed.status, 200);
  EXPECT_NE(Header(changed, "ETag"), etag);
}

TEST_F(SiteApiTest, TheStatusPageShowsPublicTitlesAndTheBannerForEveryoneOnly) {
  Declare("FEAST25 <script>alert(1)</script> internal", {"North", "East"});
  Declare("Refund batch stuck", {});
  ASSERT_TRUE(banners_.SetPublicTitle(2, "Refunds are \"delayed\" <today>", UserId("UMARA")));
  Put("Signed-in secret offer FEAST25B", BannerAudience::kSignedIn);
  Put("We are fixing <checkout> & codes", BannerAudience::kEveryone,
      "https://status.example.com/a");

  const SiteAnswer page = site_.StatusPage({});
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  const std::string& html = page.body;
  EXPECT_NE(html.find("An issue affecting customers in North and East"), std::string::npos);
  EXPECT_NE(html.find("Refunds are &quot;delayed&quot; &lt;today&gt;"), std::string::npos);
  EXPECT_NE(html.find("We are fixing &lt;checkout&gt; &amp; codes"), std::string::npos);
  EXPECT_NE(html.find("href=\"https://status.example.com/a\""), std::string::npos);
  EXPECT_NE(html.find("Investigating"), std::string::npos);
  for (std::string_view internal :
       {"FEAST25", "<script", "pricing-service", "ana@example.com", "Signed-in secret"}) {
    EXPECT_EQ(html.find(internal), std::string::npos) << internal;
  }
  EXPECT_FALSE(Header(page, "ETag").empty());
  EXPECT_EQ(Header(page, "Cache-Control"), "public, max-age=15");
  EXPECT_EQ(site_.StatusPage({.query = "", .if_none_match = Header(page, "ETag")}).status, 304);
}

TEST_F(SiteApiTest, TheStatusPageSaysAllIsWellWithoutIncidents) {
  const SiteAnswer page = site_.StatusPage({});
  EXPECT_NE(page.body.find("All services are running normally."), std::string::npos);
  EXPECT_EQ(page.body.find("<script"), std::string::npos);
}

TEST(IfNoneMatch, ComparesTagsWeaklyAndAcceptsAStar) {
  EXPECT_TRUE(IfNoneMatchHits("\"abc\"", "\"abc\""));
  EXPECT_TRUE(IfNoneMatchHits(" \"x\" , W/\"abc\"", "\"abc\""));
  EXPECT_TRUE(IfNoneMatchHits("*", "\"abc\""));
  EXPECT_FALSE(IfNoneMatchHits("\"abd\"", "\"abc\""));
  EXPECT_FALSE(IfNoneMatchHits("", "\"abc\""));
}

TEST(EscapeHtml, EscapesEveryCharacterThatCouldOpenMarkup) {
  EXPECT_EQ(EscapeHtml("<a href='x'>\"&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt;");
}

TEST_F(SiteApiTest, RecordsAnUnsubscribeOnceAndSaysWhenItWasThereAlready) {
  const SiteAnswer first = site_.Unsubscribe(R"({"email": "Ana@Example.com"})");
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(json::parse(first.body), json::parse(R"({"unsubscribed": true, "already": false})"));
  const SiteAnswer again = site_.Unsubscribe(R"({"email": "ana@example.com"})");
  EXPECT_EQ(json::parse(again.body).at("already"), true);
  EXPECT_EQ(Header(again, "Cache-Control"), "no-store");
}

TEST_F(SiteApiTest, RefusesAnUnsubscribeThatIsNotAnObjectWithAnAddress) {
  const std::vector<std::string> bodies{
      "",
      "not json",
      "[]",
      "{}",
      R"({"email": 5})",
      R"({"email": "no-at-sign"})",
      R"({"email": "a@b.c\r\nBcc: all@example.com"})",
      "{\"email\": \"" + std::string(300, 'a') + "@example.com\"}"};
  for (const std::string& body : bodies) {
    const SiteAnswer answer = site_.Unsubscribe(body);
    EXPECT_EQ(answer.status, 400) << body;
    EXPECT_TRUE(json::parse(answer.body).at("message").is_string()) << body;
  }
}

TEST_F(SiteApiTest, RefusesAnUnsubscribeWithARepeatedOrUnknownKeyAndRecordsNothing) {
  const SiteAnswer repeated =
      site_.Unsubscribe(R"({"email": "ana@example.com", "email": "bo@example.com"})");
  EXPECT_EQ(repeated.status, 400);
  EXPECT_EQ(json::parse(repeated.body).at("message"), "field email appears twice");
  const SiteAnswer unknown =
      site_.Unsubscribe(R"({"email": "ana@example.com", "list": "newsletter"})");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(json::parse(unknown.body).at("message"), "unknown field list (allowed: email)");

  // Neither address was recorded: each is new when it comes on its own.
  for (const char* body : {R"({"email": "ana@example.com"})", R"({"email": "bo@example.com"})"}) {
    const SiteAnswer alone = site_.Unsubscribe(body);
    ASSERT_EQ(alone.status, 200) << alone.body;
    EXPECT_EQ(json::parse(alone.body).at("already"), false) << body;
  }
}

TEST_F(SiteApiTest, RefusesABannerQueryWithAnotherOrARepeatedParameter) {
  const SiteAnswer unknown =
      site_.Banner({.query = "audience=everyone&tenant=acme", .if_none_match = {}});
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(json::parse(unknown.body).at("message"),
            "unknown query parameter tenant (allowed: audience)");
  const SiteAnswer repeated =
      site_.Banner({.query = "audience=everyone&audience=everyone", .if_none_match = {}});
  EXPECT_EQ(repeated.status, 400);
  EXPECT_EQ(json::parse(repeated.body).at("message"), "query parameter audience appears twice");
}

// Breaker round 7 (B5): raw bytes of a query were echoed into the error
// body, and a long key was cut inside a character: invalid UTF-8 that strict
// JSON parsers (boost::json::parse here) refuse.
// The message of an error body, read by a parser that refuses invalid UTF-8.
std::string MessageOf(const SiteAnswer& answer) {
  return std::string(json::parse(answer.body).at("message").as_string());
}

TEST_F(SiteApiTest, EveryErrorBodyIsValidUtf8JsonWhateverBytesTheRequestHad) {
  const SiteAnswer key = site_.Banner({.query = "%FF%0A=1", .if_none_match = {}});
  EXPECT_EQ(key.status, 400);
  EXPECT_EQ(MessageOf(key), "unknown query parameter \\xFF\n (allowed: audience)");
  const SiteAnswer audience = site_.Banner({.query = "audience=%FF%C3", .if_none_match = {}});
  EXPECT_EQ(audience.status, 400);
  EXPECT_EQ(MessageOf(audience), "unknown audience \"\\xFF\\xC3\"; use signed-in or everyone");

  std::string e_acute;
  for (int i = 0; i < 40; ++i) {
    e_acute += "\u00E9";
  }
  const SiteAnswer odd =
      site_.Unsubscribe(R"({"email": "ana@example.com", "x)" + e_acute + R"(": 1})");
  EXPECT_EQ(odd.status, 400);
  EXPECT_EQ(MessageOf(odd), "unknown field x" + e_acute + " (allowed: email)");
  const SiteAnswer cut =
      site_.Unsubscribe(R"({"email": "ana@example.com", "x)" + e_acute + e_acute + R"(": 1})");
  const std::string shown = "x" + e_acute + e_acute.substr(0, 18 * 2) + "\u2026";
  EXPECT_EQ(MessageOf(cut), "unknown field " + shown + " (allowed: email)")
      << "cut between characters, at 60 of them";
}

TEST_F(SiteApiTest, AKeyProblemHasTheSameErrorCodeAsOnTheIntake) {
  const SiteAnswer unknown =
      site_.Unsubscribe(R"({"email": "ana@example.com", "list": "newsletter"})");
  EXPECT_EQ(json::parse(unknown.body).at("error"), "invalid_input");
  const SiteAnswer repeated =
      site_.Unsubscribe(R"({"email": "ana@example.com", "email": "bo@example.com"})");
  EXPECT_EQ(json::parse(repeated.body).at("error"), "invalid_input");
  EXPECT_EQ(json::parse(site_.Unsubscribe("[]").body).at("error"), "invalid_input");
  const SiteAnswer query =
      site_.Banner({.query = "audience=everyone&tenant=acme", .if_none_match = {}});
  EXPECT_EQ(json::parse(query.body).at("error"), "invalid_input");
}

}  // namespace
}  // namespace swarmbot::handlers
