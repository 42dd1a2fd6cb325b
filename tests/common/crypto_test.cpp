#include "common/crypto.hpp"

#include <gtest/gtest.h>

#include "common/log.hpp"

namespace swarmbot {
namespace {

// The request-signing example from Slack's documentation (reference §1.1).
TEST(Crypto, ComputesSlacksDocumentedSignature) {
  const std::string body =
      "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id="
      "G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-"
      "collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%"
      "2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121."
      "803a0bc887a14d10d2c447fce8b6703c";
  EXPECT_EQ("v0=" + HmacSha256Hex("8f742231b10e8888abcd99yyyzzz85a5", "v0:1531420618:" + body),
            "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503");
}

TEST(Crypto, ConstantTimeEqualChecksLengthAndContent) {
  EXPECT_TRUE(ConstantTimeEqual("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEqual("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEqual("abc", "abcd"));
}

TEST(Log, ScrubsTokensAndSignatures) {
  const std::string line =
      "auth=Bearer xoxb-123-456-abc app=xapp-1-A1-99 sig=v0=" + std::string(64, 'a') + " ok";
  const std::string scrubbed = ScrubSecrets(line);
  EXPECT_EQ(scrubbed.find("xoxb-"), std::string::npos);
  EXPECT_EQ(scrubbed.find("xapp-"), std::string::npos);
  EXPECT_EQ(scrubbed.find(std::string(64, 'a')), std::string::npos);
  EXPECT_NE(scrubbed.find(" ok"), std::string::npos);
}

TEST(Log, KeepsEachEventOnOneBoundedLine) {
  EXPECT_EQ(OneLogLine("event=command user=U1\n2099-01-01 error event=FORGED\r\x01"),
            "event=command user=U1\\n2099-01-01 error event=FORGED\\r\\x01");
  EXPECT_LT(OneLogLine(std::string(20000, 'u')).size(), 4200u);
}

}  // namespace
}  // namespace swarmbot
