#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "common/secret.hpp"

namespace swarmbot::bot {

// Slack's v0 request signature
// (https://api.slack.com/authentication/verifying-requests-from-slack): "v0=" +
// hex(HMAC-SHA256(signing_secret, "v0:" + timestamp + ":" + raw_body)).
std::string ComputeSlackSignature(const Secret& signing_secret, std::string_view timestamp,
                                  std::string_view raw_body);

// Checks X-Slack-Request-Timestamp and X-Slack-Signature against the raw body.
// Thread-compatible; the clock must outlive the verifier.
class SignatureVerifier {
 public:
  // Slack's replay window; checked in both directions, so a timestamp from the
  // future is as suspect as a stale one.
  static constexpr std::int64_t kMaxSkewSeconds = 300;

  SignatureVerifier(Secret signing_secret, const Clock& clock)
      : signing_secret_(std::move(signing_secret)), clock_(clock) {}

  // Empty header values count as missing. Errc::kUnauthenticated on any
  // failure; the detail says which check failed and never echoes a signature.
  Status Verify(std::string_view timestamp, std::string_view signature,
                std::string_view raw_body) const;

 private:
  Secret signing_secret_;
  const Clock& clock_;
};

}  // namespace swarmbot::bot
