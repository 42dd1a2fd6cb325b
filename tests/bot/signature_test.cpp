#include "bot/signature.hpp"

#include <chrono>

#include <gtest/gtest.h>

namespace swarmbot::bot {
namespace {

// Slack's documented example (reference §1.1).
constexpr std::string_view kSecret = "8f742231b10e8888abcd99yyyzzz85a5";
constexpr std::string_view kTimestamp = "1531420618";
constexpr std::string_view kBody =
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id="
    "G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-"
    "collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F39770088555"
    "4%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121."
    "803a0bc887a14d10d2c447fce8b6703c";
constexpr std::string_view kSignature =
    "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

FakeClock ClockAt(std::int64_t unix_seconds) {
  return FakeClock(Clock::TimePoint{std::chrono::seconds{unix_seconds}});
}

TEST(SignatureVerifier, ComputesSlacksDocumentedSignature) {
  EXPECT_EQ(ComputeSlackSignature(Secret(std::string(kSecret)), kTimestamp, kBody), kSignature);
}

TEST(SignatureVerifier, AcceptsSlacksDocumentedRequest) {
  auto clock = ClockAt(1531420618);
  const SignatureVerifier verifier(Secret(std::string(kSecret)), clock);
  EXPECT_TRUE(verifier.Verify(kTimestamp, kSignature, kBody));
}

TEST(SignatureVerifier, AcceptsTimestampsExactlyFiveMinutesAwayInEitherDirection) {
  auto clock = ClockAt(1531420618 + 300);
  const SignatureVerifier verifier(Secret(std::string(kSecret)), clock);
  EXPECT_TRUE(verifier.Verify(kTimestamp, kSignature, kBody));
  clock.Set(Clock::TimePoint{std::chrono::seconds{1531420618 - 300}});
  EXPECT_TRUE(verifier.Verify(kTimestamp, kSignature, kBody));
}

TEST(SignatureVerifier, RejectsTimestampOlderThanFiveMinutes) {
  auto clock = ClockAt(1531420618 + 301);
  const SignatureVerifier verifier(Secret(std::string(kSecret)), clock);
  auto status = verifier.Verify(kTimestamp, kSignature, kBody);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, Errc::kUnauthenticated);
  EXPECT_NE(status.error().detail.find("replay window"), std::string::npos);
}

TEST(SignatureVerifier, RejectsTimestampMoreThanFiveMinutesInTheFuture) {
  auto clock = ClockAt(1531420618 - 301);
  const SignatureVerifier verifier(Secret(std::string(kSecret)), clock);
  EXPECT_FALSE(verifier.Verify(kTimestamp, kSignature, kBody));
}

TEST(SignatureVerifier, RejectsMissingHeaders) {
  auto clock = ClockAt(1531420618);
  const SignatureVerifier verifier(Secret(std::string(kSecret)), clock);
  EXPECT_FALSE(verifier.Verify("", kSignature, kBody));
  EXPECT_FALSE(verifier.Verify(kTimestamp, "", kBody));
  EXPECT_FALSE(verifier.Verify("", "", kBody));
}

TEST(SignatureVerifier, RejectsForgedBody) {
  auto clock = ClockAt(1531420618);
  const SignatureVerifier verifier(Secret(std::string(kSecret)), clock);
  std::string forged(kBody);
  forged.replace(forged.find("roadrunner"), 10, "wilecoyote");
  EXPECT_FALSE(verifier.Verify(kTimestamp, kSignature, forged));
  EXPECT_FALSE(verifier.Verify(kTimestamp, kSignature, std::string(kBody) + "&x=1"));
  EXPECT_FALSE(verifier.Verify(kTimestamp, kSignature, ""));
}

TEST(SignatureVerifier, RejectsSignatureMadeWithAnotherSecret) {
  auto clock = ClockAt(1531420618);
  const SignatureVerifier verifier(Secret("another-secret"), clock);
  EXPECT_FALSE(verifier.Verify(kTimestamp, kSignature, kBody));
}

TEST(SignatureVerifier, RejectsSignatureSignedForAnotherTimestamp) {
  // Replaying an old body with a fresh timestamp header must not pass.
  auto clock = ClockAt(1531420618 + 3600);
  const SignatureVerifier verifier(Secret(std::string(kSecret)), clock);
  EXPECT_FALSE(verifier.Verify("1531424218", kSignature, kBody));
}

TEST(SignatureVerifier, RejectsMalformedTimestampsAndSignatures) {
  auto clock = ClockAt(1531420618);
  const SignatureVerifier verifier(Secret(std::string(kSecret)), clock);
  EXPECT_FALSE(verifier.Verify("1531420618abc", kSignature, kBody));
  EXPECT_FALSE(verifier.Verify("-1531420618", kSignature, kBody));
  EXPECT_FALSE(verifier.Verify("99999999999999999999999", kSignature, kBody));
  std::string upper(kSignature);
  for (char& c : upper) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  EXPECT_FALSE(verifier.Verify(kTimestamp, upper, kBody));
  EXPECT_FALSE(verifier.Verify(kTimestamp, kSignature.substr(0, 40), kBody));
  EXPECT_FALSE(
      verifier.Verify(kTimestamp, std::string("v1=") + std::string(kSignature.substr(3)), kBody));
}

}  // namespace
}  // namespace swarmbot::bot
