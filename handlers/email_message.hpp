#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace swarmbot::handlers {

// What swarmbot takes from a customer's e-mail. Every text is UTF-8 without
// bidirectional controls (U+202A..E, U+2066..9): they are dropped, since the
// case intake would refuse them and so lose the customer's mail.
struct EmailMessage {
  // The display name, encoded words decoded; empty when there is none or it
  // can't be a name (it held control characters, an address or undecoded
  // encoded words).
  std::string from_name;
  std::string from_address;  // the first mailbox of From, e.g. "ana@example.com"
  std::string subject;       // decoded and unfolded; may be empty
  // The readable text: the text/plain part (the first one that isn't an
  // attachment, however deeply nested), or a text/html part with its tags
  // removed when there is no plain one. Line ends are '\n'; control
  // characters other than '\n' and '\t' are gone.
  std::string text;
  bool text_from_html = false;
  std::string message_id;  // without the angle brackets; empty when the mail has none
  // The messages this one answers, most relevant first: In-Reply-To, then
  // References from the newest to the oldest. No duplicates.
  std::vector<std::string> answers;
  // Whether the name, subject or text lost characters of the mail or had
  // them replaced: a NUL or a byte not valid in its charset (U+FFFD), another
  // control character (U+FFFD in the text, a space in the name and subject),
  // a line or paragraph separator in the name or subject (a space), a
  // bidirectional control (dropped); for the name also when it was set aside
  // (from_name empty). Line ends and runs of blanks don't count.
  bool from_name_altered = false;
  bool subject_altered = false;
  bool text_altered = false;
};

// Reads a raw RFC 5322 message (as a mail gateway forwards it) with GMime:
// MIME structure, transfer encodings (base64, quoted-printable), RFC 2047
// encoded words and charsets are GMime's job. Errors are kInvalidInput with a
// user_message naming the problem: not a message at all, no usable From, or
// neither a subject nor any text. Safe to call from any thread.
Result<EmailMessage> ReadEmail(std::string_view raw);

// The text a person sees in an HTML body: tags removed (script and style with
// their content), block elements and <br> as line breaks, the common entities
// and numeric references decoded, runs of spaces collapsed.
std::string HtmlToText(std::string_view html);

// A reply's own words: the quoted part ("On … wrote:" followed by '>' lines,
// and any other '>' lines) removed. Returns `text` unchanged when nothing but
// quotes would remain.
std::string WithoutQuotedReply(std::string_view text);

}  // namespace swarmbot::handlers
