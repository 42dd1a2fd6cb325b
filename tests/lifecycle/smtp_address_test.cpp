#include "lifecycle/smtp_address.hpp"

#include <gtest/gtest.h>

namespace swarmbot::lifecycle {
namespace {

std::string Reason(std::string_view address) {
  const auto smtp = SmtpAddress(address);
  return smtp ? "mailable as " + *smtp : smtp.error().user_message;
}

TEST(SmtpAddress, KeepsAnAsciiAddressAsItIs) {
  EXPECT_EQ(SmtpAddress("Ana.Silva+orders@Example.com").value(), "Ana.Silva+orders@Example.com");
  EXPECT_EQ(SmtpAddress("kunde@xn--bcher-kva.example").value(), "kunde@xn--bcher-kva.example");
}

TEST(SmtpAddress, GivesAnInternationalisedDomainInItsALabelForm) {
  EXPECT_EQ(SmtpAddress("kunde@b\u00fccher.example").value(), "kunde@xn--bcher-kva.example");
  // UTS #46 mapping: capitals and an ideographic full stop name the same domain.
  EXPECT_EQ(SmtpAddress("Kunde@B\u00dcCHER\u3002example").value(), "Kunde@xn--bcher-kva.example");
  // Non-transitional: IDNA2008 keeps the sharp s (transitional would give fass.de).
  EXPECT_EQ(SmtpAddress("info@fa\u00df.de").value(), "info@xn--fa-hia.de");
}

TEST(SmtpAddress, NamesWhyAnAddressCanNotBeMailed) {
  EXPECT_EQ(Reason("j\u00f6rg@example.de"),
            "not sent: the part before the @ has non-ASCII characters; that needs SMTPUTF8, "
            "which swarmbot's mail sending doesn't speak");
  EXPECT_EQ(Reason("sam@\u2603.example"),
            "not sent: the domain is not a valid internationalised domain name (string contains "
            "a disallowed character)");
  EXPECT_EQ(Reason("x@ab--\u00fc.example"),
            "not sent: the domain is not a valid internationalised domain name (string contains "
            "forbidden two hyphens pattern)");
  // libidn2 would drop the underscore and so name another domain.
  EXPECT_EQ(Reason("x@\u00fc_x.example"),
            "not sent: the domain is not a valid internationalised domain name "
            "(xn--_x-wka.example is no host name)");
  EXPECT_EQ(Reason("Ana <ana@example.com>"), "not sent: not an address swarmbot can mail");
  EXPECT_EQ(Reason("no-at-sign"), "not sent: not an address swarmbot can mail");
}

}  // namespace
}  // namespace swarmbot::lifecycle
