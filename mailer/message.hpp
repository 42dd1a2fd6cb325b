#pragma once

#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "lifecycle/mail_sender.hpp"

namespace swarmbot::mailer {

// The whole message as it goes after DATA: headers (From, To, Subject, Date,
// Message-ID, MIME, List-Unsubscribe), a blank line, and the body as UTF-8
// text/plain in quoted-printable, every line ending in CRLF. libcurl does the
// dot-stuffing.
std::string ComposeMessage(const lifecycle::OutgoingMail& mail);

// An RFC 2047 encoded-word sequence ("=?UTF-8?B?…?=", words of at most 75
// characters, never splitting a UTF-8 character) when `text` isn't plain
// printable ASCII; otherwise the text unchanged.
std::string EncodeHeaderText(std::string_view text);

// RFC 2045 quoted-printable with CRLF line ends and lines of at most 76.
std::string QuotedPrintable(std::string_view text);

// RFC 5322 date-time in UTC: "Fri, 04 Dec 2026 22:45:29 +0000".
std::string MailDate(Clock::TimePoint t);

}  // namespace swarmbot::mailer
