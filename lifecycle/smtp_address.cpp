#include "lifecycle/smtp_address.hpp"

#include <algorithm>

#include <idn2.h>

#include "common/mail_address.hpp"

namespace swarmbot::lifecycle {
namespace {

bool IsAscii(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// Letters, digits and hyphens in non-empty labels: what a host name may hold.
// libidn2's own STD3 check is not used: it drops a '_' rather than refusing
// it, which would mail another domain.
bool IsHostName(std::string_view domain) {
  std::size_t label = 0;
  for (const char c : domain) {
    if (c == '.') {
      if (label == 0) {
        return false;
      }
      label = 0;
    } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-') {
      ++label;
    } else {
      return false;
    }
  }
  return label > 0;
}

Error CantMail(std::string reason) {
  return MakeError(Errc::kInvalidInput, "address can't be mailed", "not sent: " + reason);
}

}  // namespace

Result<std::string> SmtpAddress(std::string_view address) {
  const auto at = address.rfind('@');
  if (at == std::string_view::npos) {
    return CantMail("not an address swarmbot can mail");
  }
  const std::string_view local = address.substr(0, at);
  const std::string_view domain = address.substr(at + 1);
  if (!IsAscii(local)) {
    return CantMail(
        "the part before the @ has non-ASCII characters; that needs SMTPUTF8, which "
        "swarmbot's mail sending doesn't speak");
  }
  std::string ascii(address);
  if (!IsAscii(domain)) {
    const std::string wanted(domain);
    char* converted = nullptr;
    const int rc = idn2_to_ascii_8z(wanted.c_str(), &converted, IDN2_NONTRANSITIONAL);
    if (rc != IDN2_OK) {
      return CantMail("the domain is not a valid internationalised domain name (" +
                      std::string(idn2_strerror(rc)) + ")");
    }
    const std::string a_label(converted);
    idn2_free(converted);
    if (!IsHostName(a_label)) {
      return CantMail("the domain is not a valid internationalised domain name (" + a_label +
                      " is no host name)");
    }
    ascii = std::string(local) + "@" + a_label;
  }
  if (!MailableAddress(ascii)) {
    return CantMail("not an address swarmbot can mail");
  }
  return ascii;
}

}  // namespace swarmbot::lifecycle
