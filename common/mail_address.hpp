#pragma once

#include <string>
#include <string_view>

namespace swarmbot {

// Whether an SMTP envelope and a header can carry `address` as it is: one @
// with something on both sides, at most 254 bytes, ASCII only (no SMTPUTF8),
// no spaces, control characters, quotes, commas or angle brackets (so no
// header injection).
bool MailableAddress(std::string_view address);

// "a***@example.com": enough for a person to recognise, too little to harvest.
std::string MaskAddress(std::string_view address);

// The address with ASCII letters lowered: two cases' contacts that differ only
// so are one recipient.
std::string FoldAddress(std::string_view address);

}  // namespace swarmbot
