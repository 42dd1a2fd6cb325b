#include "handlers/email_message.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <memory>
#include <mutex>

#include <gmime/gmime.h>

#include "common/text_checks.hpp"
#include "lifecycle/text_rules.hpp"

namespace swarmbot::handlers {
namespace {

struct ObjectUnref {
  void operator()(gpointer object) const { g_object_unref(object); }
};
template <class T>
using GPtr = std::unique_ptr<T, ObjectUnref>;

struct GFree {
  void operator()(char* text) const { g_free(text); }
};
using GText = std::unique_ptr<char, GFree>;

Status Refused(std::string message) {
  return MakeError(Errc::kInvalidInput, "e-mail refused", std::move(message));
}

// GMime keeps global tables (charsets, types) that must be set up once per process.
void InitGMime() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

// U+FFFD, the replacement character: shown where a byte of the mail could
// not be kept, so that whoever reads the case sees something was there.
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

// A copy of `text` that is valid UTF-8: a part that lies about its charset
// gets U+FFFD for the bytes that don't fit instead of being refused. A NUL
// byte becomes U+FFFD too, and the text after it is kept. `altered` is set
// when anything was replaced.
std::string MakeValid(std::string_view text, bool& altered) {
  std::string without_nul;
  without_nul.reserve(text.size());
  for (const char c : text) {
    if (c == '\0') {
      without_nul += kReplacement;
      altered = true;
    } else {
      without_nul.push_back(c);
    }
  }
  GText valid(g_utf8_make_valid(without_nul.data(), static_cast<gssize>(without_nul.size())));
  std::string out(valid.get());
  altered = altered || out != without_nul;
  return out;
}

std::string OrEmpty(const char* text, bool& altered) {
  return text == nullptr ? std::string() : MakeValid(text, altered);
}

std::string OrEmpty(const char* text) {
  bool ignored = false;
  return OrEmpty(text, ignored);
}

// `text` without bidirectional controls; `altered` set when some went.
std::string WithoutBidi(std::string_view text, bool& altered) {
  std::string out = lifecycle::WithoutBidiControls(text);
  altered = altered || out.size() != text.size();
  return out;
}

// The C1 control (U+0080..U+009F, 0xC2 0x80..0x9F in UTF-8) at text[at].
bool IsC1ControlAt(std::string_view text, std::size_t at) noexcept {
  return at + 1 < text.size() && static_cast<unsigned char>(text[at]) == 0xC2 &&
         static_cast<unsigned char>(text[at + 1]) >= 0x80 &&
         static_cast<unsigned char>(text[at + 1]) <= 0x9F;
}

// The line or paragraph separator (U+2028, U+2029) at text[at].
bool IsLineSeparatorAt(std::string_view text, std::size_t at) noexcept {
  return text.substr(at).starts_with("\xE2\x80\xA8") || text.substr(at).starts_with("\xE2\x80\xA9");
}

// '\n' line ends, no trailing blanks; every other control character (C0
// but '\n' and '\t', U+007F, C1) becomes U+FFFD, so the text around it is
// kept and the reader sees where something was. `altered` is set when one did.
std::string CleanText(std::string_view text, bool& altered) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\r') {
      if (i + 1 < text.size() && text[i + 1] == '\n') {
        continue;
      }
      out.push_back('\n');
    } else if (IsC1ControlAt(text, i)) {
      out += kReplacement;
      altered = true;
      ++i;
    } else if (c == '\n' || c == '\t' || (c >= 0x20 && c != 0x7F)) {
      out.push_back(static_cast<char>(c));
    } else {
      out += kReplacement;
      altered = true;
    }
  }
  const auto end = out.find_last_not_of(" \t\n");
  out.erase(end == std::string::npos ? 0 : end + 1);
  const auto begin = out.find_first_not_of(" \t\n");
  return begin == std::string::npos ? std::string() : out.substr(begin);
}

// One line: every whitespace run or control character (C0, U+007F, C1) and
// the line and paragraph separators become one space. `altered` is set when
// something other than whitespace did.
std::string CleanLine(std::string_view text, bool& altered) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t extra = 0;
    if (IsC1ControlAt(text, i)) {
      extra = 1;
    } else if (IsLineSeparatorAt(text, i)) {
      extra = 2;
    }
    const bool blank = c < 0x20 || c == 0x7F || c == ' ' || extra > 0;
    altered = altered || (blank && c != ' ' && c != '\t' && c != '\r' && c != '\n');
    i += extra;
    if (!blank) {
      out.push_back(static_cast<char>(c));
    } else if (!out.empty() && out.back() != ' ') {
      out.push_back(' ');
    }
  }
  while (!out.empty() && out.back() == ' ') {
    out.pop_back();
  }
  return out;
}

std::string CleanLine(std::string_view text) {
  bool ignored = false;
  return CleanLine(text, ignored);
}

bool IsType(GMimeObject* part, const char* type, const char* subtype) {
  GMimeContentType* content_type = g_mime_object_get_content_type(part);
  return content_type != nullptr && g_mime_content_type_is_type(content_type, type, subtype);
}

bool IsAttachment(GMimeObject* part) {
  return GMIME_IS_PART(part) && g_mime_part_is_attachment(GMIME_PART(part));
}

// The first inline text part of `subtype` in the tree, depth first. Attached
// messages (message/rfc822) are someone else's words and are not entered.
GMimeTextPart* FindText(GMimeObject* part, const char* subtype) {
  if (GMIME_IS_MULTIPART(part)) {
    GMimeMultipart* multipart = GMIME_MULTIPART(part);
    const int count = g_mime_multipart_get_count(multipart);
    for (int i = 0; i < count; ++i) {
      if (GMimeTextPart* found = FindText(g_mime_multipart_get_part(multipart, i), subtype)) {
        return found;
      }
    }
    return nullptr;
  }
  if (GMIME_IS_TEXT_PART(part) && IsType(part, "text", subtype) && !IsAttachment(part)) {
    return GMIME_TEXT_PART(part);
  }
  return nullptr;
}

// The part's content with its transfer encoding undone and converted to
// UTF-8 from the charset it names (if GMime knows that charset), NUL bytes
// and all: g_mime_text_part_get_text() hands back a C string, which ends at
// the first NUL of the text.
std::string DecodedContent(GMimeTextPart* part) {
  GMimeDataWrapper* content = g_mime_part_get_content(GMIME_PART(part));
  if (content == nullptr) {
    return {};
  }
  GPtr<GMimeStream> memory(g_mime_stream_mem_new());
  GPtr<GMimeStream> filtered(g_mime_stream_filter_new(memory.get()));
  const char* charset = g_mime_text_part_get_charset(part);
  if (charset != nullptr && g_ascii_strcasecmp(charset, "utf-8") != 0) {
    if (GMimeFilter* convert = g_mime_filter_charset_new(charset, "utf-8")) {
      g_mime_stream_filter_add(GMIME_STREAM_FILTER(filtered.get()), convert);
      g_object_unref(convert);
    }
  }
  if (g_mime_data_wrapper_write_to_stream(content, filtered.get()) < 0 ||
      g_mime_stream_flush(filtered.get()) != 0) {
    return {};
  }
  const GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(memory.get()));
  return std::string(reinterpret_cast<const char*>(bytes->data), bytes->len);
}

// The decoded content converted to UTF-8 from the part's charset. A part
// that names no charset and isn't UTF-8 was, in practice, written by an old
// mail program in Latin-1, where every byte is a character: read it so rather
// than losing its accents.
std::string PartText(GMimeTextPart* part, bool& altered) {
  const std::string text = DecodedContent(part);
  if (g_mime_text_part_get_charset(part) == nullptr && !lifecycle::IsValidUtf8(text)) {
    gsize written = 0;
    GText latin1(g_convert(text.data(), static_cast<gssize>(text.size()), "UTF-8", "ISO-8859-1",
                           nullptr, &written, nullptr));
    if (latin1) {
      return MakeValid(std::string_view(latin1.get(), written), altered);
    }
  }
  return MakeValid(text, altered);
}

void ReadBody(GMimeMessage* message, EmailMessage& out) {
  GMimeObject* root = g_mime_message_get_mime_part(message);
  if (root == nullptr) {
    return;
  }
  bool& altered = out.text_altered;
  if (GMimeTextPart* plain = FindText(root, "plain")) {
    out.text = CleanText(PartText(plain, altered), altered);
  } else if (GMimeTextPart* html = FindText(root, "html")) {
    out.text = CleanText(HtmlToText(PartText(html, altered)), altered);
    out.text_from_html = true;
  }
  out.text = WithoutBidi(out.text, altered);
}

// The bytes an RFC 2047 encoded word's payload stands for: B is base64; Q is
// quoted-printable with '_' for a space. Empty for an unknown encoding.
std::string DecodeWordPayload(char encoding, std::string_view payload) {
  std::string bytes;
  if (encoding == 'B' || encoding == 'b') {
    gsize length = 0;
    std::unique_ptr<guchar, decltype(&g_free)> decoded(
        g_base64_decode(std::string(payload).c_str(), &length), &g_free);
    bytes.assign(reinterpret_cast<const char*>(decoded.get()), length);
  } else if (encoding == 'Q' || encoding == 'q') {
    for (std::size_t i = 0; i < payload.size(); ++i) {
      if (payload[i] == '_') {
        bytes.push_back(' ');
      } else if (payload[i] == '=' && i + 2 < payload.size() &&
                 std::isxdigit(static_cast<unsigned char>(payload[i + 1])) &&
                 std::isxdigit(static_cast<unsigned char>(payload[i + 2]))) {
        bytes.push_back(static_cast<char>(g_ascii_xdigit_value(payload[i + 1]) * 16 +
                                          g_ascii_xdigit_value(payload[i + 2])));
        i += 2;
      } else {
        bytes.push_back(payload[i]);
      }
    }
  }
  return bytes;
}

// GMime decodes a header's encoded words into a C string, which ends at the
// first NUL one of them holds ("=?utf-8?q?a=00b?=" gave "a"), and it has no
// call that returns the length. So a word that decodes to a NUL is decoded
// here instead: converted to UTF-8, each NUL made U+FFFD as in the body, and
// put back as a UTF-8 base64 word. GMime still reads the whole header.
std::string WithNulWordsReplaced(std::string_view raw) {
  std::string out;
  std::size_t copied = 0;
  std::size_t start = raw.find("=?");
  while (start != std::string_view::npos) {
    // =?charset?encoding?payload?=
    const std::size_t mark = raw.find('?', start + 2);
    const std::size_t end =
        mark == std::string_view::npos || mark + 2 >= raw.size() || raw[mark + 2] != '?'
            ? std::string_view::npos
            : raw.find("?=", mark + 3);
    if (end == std::string_view::npos) {
      start = raw.find("=?", start + 2);
      continue;
    }
    const std::string_view payload = raw.substr(mark + 3, end - mark - 3);
    const std::string bytes = payload.find_first_of(" \t\r\n") == std::string_view::npos
                                  ? DecodeWordPayload(raw[mark + 1], payload)
                                  : std::string();
    if (bytes.find('\0') != std::string::npos) {
      std::string charset(raw.substr(start + 2, mark - start - 2));
      charset.erase(std::min(charset.find('*'), charset.size()));  // RFC 2231's language
      gsize written = 0;
      GText utf8(g_convert(bytes.data(), static_cast<gssize>(bytes.size()), "UTF-8",
                           g_mime_charset_iconv_name(charset.c_str()), nullptr, &written, nullptr));
      bool ignored = false;
      const std::string text = MakeValid(
          utf8 ? std::string_view(utf8.get(), written) : std::string_view(bytes), ignored);
      GText encoded(g_base64_encode(reinterpret_cast<const guchar*>(text.data()), text.size()));
      out.append(raw.substr(copied, start - copied));
      out.append("=?UTF-8?B?").append(encoded.get()).append("?=");
      copied = end + 2;
    }
    start = raw.find("=?", end + 2);
  }
  return out.append(raw.substr(copied));
}

// The decoded subject, whole even when an encoded word holds a NUL.
std::string Subject(GMimeMessage* message, bool& altered) {
  GMimeHeader* header = g_mime_header_list_get_header(
      g_mime_object_get_header_list(GMIME_OBJECT(message)), "Subject");
  const char* raw = header == nullptr ? nullptr : g_mime_header_get_raw_value(header);
  if (raw != nullptr) {
    const std::string rewritten = WithNulWordsReplaced(raw);
    if (rewritten != raw) {
      altered = true;
      GText unfolded(g_mime_utils_header_unfold(rewritten.c_str()));
      GText decoded(g_mime_utils_header_decode_text(nullptr, unfolded.get()));
      return OrEmpty(decoded.get(), altered);
    }
  }
  return OrEmpty(g_mime_message_get_subject(message), altered);
}

// The first mailbox of From, looking inside a group if that comes first.
InternetAddressMailbox* FirstMailbox(InternetAddressList* list) {
  if (list == nullptr) {
    return nullptr;
  }
  const int count = internet_address_list_length(list);
  for (int i = 0; i < count; ++i) {
    InternetAddress* address = internet_address_list_get_address(list, i);
    if (INTERNET_ADDRESS_IS_MAILBOX(address)) {
      return INTERNET_ADDRESS_MAILBOX(address);
    }
    if (INTERNET_ADDRESS_IS_GROUP(address)) {
      auto* members = internet_address_group_get_members(INTERNET_ADDRESS_GROUP(address));
      if (auto* found = FirstMailbox(members)) {
        return found;
      }
    }
  }
  return nullptr;
}

// The display name of `from`, or "" when it can't be a person's name: one
// that decodes to control characters (a line break smuggled into an encoded
// word), holds an address (which could pose as someone else, and shows where
// a broken encoded word split a header), or still holds encoded-word
// brackets GMime couldn't decode. The mail keeps its address either way.
// `altered` is set when the name was set aside or lost characters.
std::string DisplayName(InternetAddressMailbox* from, bool& altered) {
  const std::string decoded = OrEmpty(internet_address_get_name(INTERNET_ADDRESS(from)), altered);
  const bool control = FirstControlCharacter(decoded, false).has_value();
  if (control || decoded.find('@') != std::string::npos ||
      decoded.find("=?") != std::string::npos || decoded.find("?=") != std::string::npos) {
    altered = altered || !decoded.empty();
    return {};
  }
  return WithoutBidi(CleanLine(decoded, altered), altered);
}

void AddIds(GMimeObject* message, const char* header, bool newest_first,
            std::vector<std::string>& ids) {
  const char* value = g_mime_object_get_header(message, header);
  if (value == nullptr) {
    return;
  }
  GMimeReferences* references = g_mime_references_parse(nullptr, value);
  if (references == nullptr) {
    return;
  }
  std::vector<std::string> found;
  const int count = g_mime_references_length(references);
  for (int i = 0; i < count; ++i) {
    found.push_back(OrEmpty(g_mime_references_get_message_id(references, i)));
  }
  g_mime_references_free(references);
  if (newest_first) {
    std::reverse(found.begin(), found.end());
  }
  for (std::string& id : found) {
    if (!id.empty() && std::find(ids.begin(), ids.end(), id) == ids.end()) {
      ids.push_back(std::move(id));
    }
  }
}

void AppendUtf8(std::uint32_t code, std::string& out) {
  if (code == 0 || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
    code = 0xFFFD;
  }
  if (code < 0x80) {
    out.push_back(static_cast<char>(code));
  } else if (code < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code >> 6)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else if (code < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  }
}

// Decodes the entity starting at html[i] ('&') into `out`; returns the
// characters consumed, or 0 when it isn't one (the '&' then stays as text).
std::size_t DecodeEntity(std::string_view html, std::size_t i, std::string& out) {
  const std::size_t end = html.find(';', i);
  if (end == std::string_view::npos || end - i > 10 || end == i + 1) {
    return 0;
  }
  const std::string_view name = html.substr(i + 1, end - i - 1);
  static constexpr std::pair<std::string_view, std::string_view> kNamed[] = {
      {"amp", "&"},         {"lt", "<"},        {"gt", ">"},         {"quot", "\""},
      {"apos", "'"},        {"nbsp", " "},      {"ndash", "\u2013"}, {"mdash", "\u2014"},
      {"hellip", "\u2026"}, {"euro", "\u20AC"},
  };
  for (const auto& [entity, text] : kNamed) {
    if (name == entity) {
      out += text;
      return end - i + 1;
    }
  }
  if (name.front() != '#' || name.size() < 2) {
    return 0;
  }
  const bool hex = name[1] == 'x' || name[1] == 'X';
  const std::string_view digits = name.substr(hex ? 2 : 1);
  std::uint32_t code = 0;
  for (char c : digits) {
    const int digit = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                      : hex && std::isxdigit(static_cast<unsigned char>(c))
                          ? std::tolower(static_cast<unsigned char>(c)) - 'a' + 10
                          : -1;
    if (digit < 0 || code > 0x10FFFF) {
      return 0;
    }
    code = code * (hex ? 16 : 10) + static_cast<std::uint32_t>(digit);
  }
  if (digits.empty()) {
    return 0;
  }
  AppendUtf8(code, out);
  return end - i + 1;
}

std::string TagName(std::string_view tag) {
  std::size_t start = tag.starts_with('/') ? 1 : 0;
  std::size_t end = start;
  while (end < tag.size() && std::isalnum(static_cast<unsigned char>(tag[end]))) {
    ++end;
  }
  std::string name(tag.substr(start, end - start));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return name;
}

bool BreaksLine(const std::string& tag) {
  static constexpr std::string_view kBlocks[] = {"br", "p",  "div", "li",    "tr",
                                                 "h1", "h2", "h3",  "h4",    "h5",
                                                 "h6", "ul", "ol",  "table", "blockquote"};
  return std::find(std::begin(kBlocks), std::end(kBlocks), tag) != std::end(kBlocks);
}

// Collapses blanks around line breaks and keeps at most one empty line.
std::string TidyLines(std::string_view text) {
  std::string out;
  std::size_t newlines = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      while (!out.empty() && out.back() == ' ') {
        out.pop_back();
      }
      if (++newlines <= 2 && !out.empty()) {
        out.push_back('\n');
      }
    } else if (c == ' ' && (out.empty() || out.back() == ' ' || out.back() == '\n')) {
      continue;
    } else {
      newlines = 0;
      out.push_back(c);
    }
  }
  return out;
}

bool IsQuoted(std::string_view line) {
  return line.starts_with('>');
}

bool IsAttribution(std::string_view line) {
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) {
    line.remove_suffix(1);
  }
  return line.starts_with("On ") && line.ends_with("wrote:");
}

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

}  // namespace

std::string HtmlToText(std::string_view html) {
  std::string text;
  std::size_t i = 0;
  while (i < html.size()) {
    const char c = html[i];
    if (c == '<') {
      const std::size_t close = html.find('>', i);
      if (close == std::string_view::npos) {
        break;
      }
      const std::string_view tag = html.substr(i + 1, close - i - 1);
      const std::string name = TagName(tag);
      const bool opening = !tag.starts_with('/');
      i = close + 1;
      if ((name == "script" || name == "style") && opening) {
        const std::size_t end_tag = html.find("</" + name, i);
        i = end_tag == std::string_view::npos ? html.size() : end_tag;
      } else if (BreaksLine(name)) {
        text.push_back('\n');
      }
      continue;
    }
    if (c == '&') {
      if (const std::size_t used = DecodeEntity(html, i, text)) {
        i += used;
        continue;
      }
    }
    const auto u = static_cast<unsigned char>(c);
    text.push_back(u == '\n' || u == '\r' || u == '\t' ? ' ' : c);
    ++i;
  }
  return TidyLines(text);
}

std::string WithoutQuotedReply(std::string_view text) {
  const std::vector<std::string_view> lines = Lines(text);
  std::string kept;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (IsQuoted(lines[i])) {
      continue;
    }
    std::size_t next = i + 1;
    while (next < lines.size() && lines[next].find_first_not_of(" \t") == std::string_view::npos) {
      ++next;
    }
    if (IsAttribution(lines[i]) && next < lines.size() && IsQuoted(lines[next])) {
      continue;
    }
    kept.append(lines[i]).push_back('\n');
  }
  bool ignored = false;
  std::string own = CleanText(kept, ignored);
  return own.empty() ? std::string(text) : own;
}

Result<EmailMessage> ReadEmail(std::string_view raw) {
  InitGMime();
  GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(raw.data(), raw.size()));
  GPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  GPtr<GMimeMessage> message(g_mime_parser_construct_message(parser.get(), nullptr));
  if (!message) {
    return Refused("the body is not an RFC 5322 e-mail message").error();
  }
  EmailMessage out;
  InternetAddressMailbox* from = FirstMailbox(g_mime_message_get_from(message.get()));
  if (from == nullptr) {
    return Refused("the message has no From address").error();
  }
  out.from_address = CleanLine(OrEmpty(internet_address_mailbox_get_addr(from)));
  out.from_name = DisplayName(from, out.from_name_altered);
  bool& subject_altered = out.subject_altered;
  out.subject = WithoutBidi(CleanLine(Subject(message.get(), subject_altered), subject_altered),
                            subject_altered);
  out.message_id = CleanLine(OrEmpty(g_mime_message_get_message_id(message.get())));
  AddIds(GMIME_OBJECT(message.get()), "In-Reply-To", false, out.answers);
  AddIds(GMIME_OBJECT(message.get()), "References", true, out.answers);
  ReadBody(message.get(), out);
  if (out.subject.empty() && out.text.empty()) {
    return Refused("the message has neither a subject nor any text").error();
  }
  return out;
}

}  // namespace swarmbot::handlers
