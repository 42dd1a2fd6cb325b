#pragma once

#include <string>
#include <string_view>

namespace swarmbot {

// Lowercase hex of HMAC-SHA256(key, message).
std::string HmacSha256Hex(std::string_view key, std::string_view message);

// Compares in time that depends only on the lengths, so a forger learns nothing
// from how long a rejected signature took.
bool ConstantTimeEqual(std::string_view a, std::string_view b) noexcept;

// `bytes` random bytes from the OS CSPRNG, hex-encoded.
std::string RandomHex(std::size_t bytes);

// Lowercase hex of SHA-256(data); used to key idempotency records without
// storing what the client sent.
std::string Sha256Hex(std::string_view data);

}  // namespace swarmbot
