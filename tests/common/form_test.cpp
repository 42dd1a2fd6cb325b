#include "common/form.hpp"

#include <gtest/gtest.h>

namespace swarmbot {
namespace {

TEST(Form, DecodesPlusAsSpaceAndPercentEscapes) {
  auto fields = ParseForm("command=%2Fincident&text=declare+FEAST25+fails&empty=");
  ASSERT_TRUE(fields);
  EXPECT_EQ(FormValue(*fields, "command"), "/incident");
  EXPECT_EQ(FormValue(*fields, "text"), "declare FEAST25 fails");
  EXPECT_EQ(FormValue(*fields, "empty"), "");
  EXPECT_EQ(FormValue(*fields, "missing"), std::nullopt);
}

TEST(Form, RejectsTruncatedAndBadEscapes) {
  EXPECT_FALSE(ParseForm("text=abc%2"));
  EXPECT_FALSE(ParseForm("text=abc%"));
  EXPECT_FALSE(ParseForm("text=%zz"));
}

TEST(Form, RoundTripsArbitraryBytes) {
  const std::string text = "a b&c=d/é%+\n";
  const FormFields fields{{"k", text}};
  auto parsed = ParseForm(BuildForm(fields));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(FormValue(*parsed, "k"), text);
}

TEST(Url, SplitsSchemeHostPortAndTarget) {
  auto url = ParseUrl("https://127.0.0.1:8443/api/");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->scheme, "https");
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, "8443");
  EXPECT_EQ(url->target, "/api/");
  EXPECT_TRUE(url->Secure());

  auto wss = ParseUrl("wss://wss-primary.slack.com/link/?ticket=abc&app_id=A1");
  ASSERT_TRUE(wss);
  EXPECT_EQ(wss->port, "443");
  EXPECT_EQ(wss->target, "/link/?ticket=abc&app_id=A1");
}

TEST(Url, RejectsWhatCannotBeConnectedTo) {
  EXPECT_FALSE(ParseUrl("slack.com/api"));
  EXPECT_FALSE(ParseUrl("ftp://slack.com/"));
  EXPECT_FALSE(ParseUrl("https://:443/"));
  EXPECT_FALSE(ParseUrl("https://host:99999/"));
  EXPECT_FALSE(ParseUrl("https://host:12ab/"));
  EXPECT_FALSE(ParseUrl("https://user:pw@host/"));
}

}  // namespace
}  // namespace swarmbot
