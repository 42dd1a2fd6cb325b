#pragma once

#include <string>
#include <string_view>

#include "common/result.hpp"

namespace swarmbot::lifecycle {

// The form of a customer's address that goes into the SMTP envelope and the
// To header. A plain ASCII address stays as it is. An internationalised
// domain becomes its A-label form by IDNA2008 as libidn2 applies it (UTS #46
// non-transitional mapping first), which must give a host name (letters,
// digits, hyphens): "kunde@bücher.example" is mailed as
// "kunde@xn--bcher-kva.example".
//
// kInvalidInput when the address can't be mailed, its user_message saying why
// for people and starting with "not sent: ": a local part with non-ASCII
// characters (that needs SMTPUTF8, which swarmbot's sender doesn't speak), a
// domain libidn2 refuses or that gives no host name, or a result
// MailableAddress refuses.
Result<std::string> SmtpAddress(std::string_view address);

}  // namespace swarmbot::lifecycle
