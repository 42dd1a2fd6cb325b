#include "bot/signature.hpp"

#include <charconv>
#include <cstdint>

#include "common/crypto.hpp"

namespace swarmbot::bot {

std::string ComputeSlackSignature(const Secret& signing_secret, std::string_view timestamp,
                                  std::string_view raw_body) {
  std::string base;
  base.reserve(4 + timestamp.size() + raw_body.size());
  base.append("v0:").append(timestamp).append(":").append(raw_body);
  return "v0=" + HmacSha256Hex(signing_secret.Reveal(), base);
}

Status SignatureVerifier::Verify(std::string_view timestamp, std::string_view signature,
                                 std::string_view raw_body) const {
  if (timestamp.empty() || signature.empty()) {
    return MakeError(Errc::kUnauthenticated, "signature or timestamp header missing");
  }
  std::int64_t sent = 0;
  // from_chars accepts a leading '-', which Slack never sends; a digit-only
  // check keeps "-0" and friends out.
  if (timestamp.size() > 12 ||
      timestamp.find_first_not_of("0123456789") != std::string_view::npos) {
    return MakeError(Errc::kUnauthenticated, "timestamp is not a Unix time");
  }
  std::from_chars(timestamp.data(), timestamp.data() + timestamp.size(), sent);
  const std::int64_t now = clock_.UnixSeconds();
  const std::int64_t skew = now > sent ? now - sent : sent - now;
  if (skew > kMaxSkewSeconds) {
    return MakeError(Errc::kUnauthenticated, "timestamp outside the replay window");
  }
  const std::string expected = ComputeSlackSignature(signing_secret_, timestamp, raw_body);
  if (!ConstantTimeEqual(expected, signature)) {
    return MakeError(Errc::kUnauthenticated, "signature mismatch");
  }
  return {};
}

}  // namespace swarmbot::bot
