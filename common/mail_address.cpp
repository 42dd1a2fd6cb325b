#include "common/mail_address.hpp"

namespace swarmbot {

bool MailableAddress(std::string_view address) {
  const auto at = address.find('@');
  if (at == 0 || at == std::string_view::npos || address.find('@', at + 1) != address.npos ||
      at + 1 == address.size() || address.size() > 254) {
    return false;
  }
  for (unsigned char c : address) {
    // Bytes past ASCII would need SMTPUTF8, which the sender doesn't offer.
    if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>' || c == '"' || c == ',' || c == '\\') {
      return false;
    }
  }
  return true;
}

std::string MaskAddress(std::string_view address) {
  const auto at = address.find('@');
  if (at == std::string_view::npos || at == 0) {
    return "***";
  }
  // The first character whole: a UTF-8 letter cut after its first byte would
  // show as a broken character wherever the masked address is printed.
  std::size_t first = 1;
  while (first < at && (static_cast<unsigned char>(address[first]) & 0xC0) == 0x80) {
    ++first;
  }
  return std::string(address.substr(0, first)) + "***" + std::string(address.substr(at));
}

std::string FoldAddress(std::string_view address) {
  std::string folded(address);
  for (char& c : folded) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return folded;
}

}  // namespace swarmbot
