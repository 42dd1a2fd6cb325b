#include "mailer/message.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>

namespace swarmbot::mailer {
namespace {

constexpr std::size_t kMaxEncodedWord = 75;
constexpr std::size_t kMaxQpLine = 76;

bool PlainPrintable(std::string_view text) {
  for (unsigned char c : text) {
    if (c < 0x20 || c > 0x7e) {
      return false;
    }
  }
  // "=?" could be read as the start of an encoded word.
  return text.find("=?") == std::string_view::npos;
}

std::string Base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned n = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i < bytes.size()) {
    unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) {
      n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    }
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// The length of the UTF-8 sequence starting with `lead` (1 for stray bytes).
std::size_t SequenceLength(unsigned char lead) {
  if (lead >= 0xF0) {
    return 4;
  }
  if (lead >= 0xE0) {
    return 3;
  }
  if (lead >= 0xC0) {
    return 2;
  }
  return 1;
}

// "Name <address>", the name quoted or encoded as needed.
std::string Mailbox(std::string_view name, std::string_view address) {
  if (name.empty()) {
    return "<" + std::string(address) + ">";
  }
  if (!PlainPrintable(name)) {
    return EncodeHeaderText(name) + " <" + std::string(address) + ">";
  }
  std::string quoted = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') {
      quoted += '\\';
    }
    quoted += c;
  }
  return quoted + "\" <" + std::string(address) + ">";
}

}  // namespace

std::string EncodeHeaderText(std::string_view text) {
  if (PlainPrintable(text)) {
    return std::string(text);
  }
  constexpr std::string_view kPrefix = "=?UTF-8?B?";
  constexpr std::string_view kSuffix = "?=";
  // Each word's base64 must fit 75 minus the wrapping; 45 bytes give 60.
  constexpr std::size_t kBytesPerWord = (kMaxEncodedWord - 12) / 4 * 3;
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t end = i;
    while (end < text.size()) {
      const std::size_t next = end + SequenceLength(static_cast<unsigned char>(text[end]));
      if (next - i > kBytesPerWord) {
        break;
      }
      end = std::min(next, text.size());
    }
    if (end == i) {
      end = std::min(i + kBytesPerWord, text.size());
    }
    out += (out.empty() ? "" : "\r\n ") + std::string(kPrefix) + Base64(text.substr(i, end - i)) +
           std::string(kSuffix);
    i = end;
  }
  return out;
}

std::string QuotedPrintable(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  std::string line;
  auto end_line = [&](bool hard) {
    // Trailing spaces would be stripped in transit; encode the last one.
    if (hard && !line.empty() && (line.back() == ' ' || line.back() == '\t')) {
      const char c = line.back();
      line.pop_back();
      line += '=';
      line += kHex[(static_cast<unsigned char>(c) >> 4) & 0xF];
      line += kHex[c & 0xF];
    }
    out += line;
    out += hard ? "\r\n" : "=\r\n";
    line.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      continue;
    }
    if (c == '\n') {
      end_line(true);
      continue;
    }
    std::string piece;
    if ((c >= 33 && c <= 126 && c != '=') || c == ' ' || c == '\t') {
      piece = static_cast<char>(c);
    } else {
      piece = {'=', kHex[c >> 4], kHex[c & 0xF]};
    }
    // Room for a soft break's "=" and for encoding a trailing space later.
    if (line.size() + piece.size() > kMaxQpLine - 3) {
      end_line(false);
    }
    line += piece;
  }
  if (!line.empty()) {
    end_line(true);
  }
  return out;
}

std::string MailDate(Clock::TimePoint t) {
  static constexpr std::array<const char*, 7> kDays{"Sun", "Mon", "Tue", "Wed",
                                                    "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%s, %02d %s %04d %02d:%02d:%02d +0000",
                kDays[static_cast<std::size_t>(utc.tm_wday)], utc.tm_mday,
                kMonths[static_cast<std::size_t>(utc.tm_mon)], utc.tm_year + 1900, utc.tm_hour,
                utc.tm_min, utc.tm_sec);
  return buffer;
}

std::string ComposeMessage(const lifecycle::OutgoingMail& mail) {
  std::string m;
  auto header = [&m](std::string_view name, std::string_view value) {
    m += std::string(name) + ": " + std::string(value) + "\r\n";
  };
  header("From", Mailbox(mail.from_name, mail.from));
  header("To", Mailbox(mail.to_name, mail.to));
  header("Subject", EncodeHeaderText(mail.subject));
  header("Date", MailDate(mail.date));
  header("Message-ID", "<" + mail.message_id + ">");
  header("MIME-Version", "1.0");
  header("Content-Type", "text/plain; charset=UTF-8");
  header("Content-Transfer-Encoding", "quoted-printable");
  // RFC 2369, and RFC 8058's one-click POST, which needs an https link.
  std::string unsubscribe;
  if (!mail.unsubscribe_url.empty()) {
    unsubscribe = "<" + mail.unsubscribe_url + ">";
  }
  if (!mail.unsubscribe_mailto.empty()) {
    unsubscribe += (unsubscribe.empty() ? "<mailto:" : ", <mailto:") + mail.unsubscribe_mailto +
                   "?subject=unsubscribe>";
  }
  if (!unsubscribe.empty()) {
    header("List-Unsubscribe", unsubscribe);
  }
  if (mail.unsubscribe_url.starts_with("https://")) {
    header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
  }
  header("Auto-Submitted", "auto-generated");
  m += "\r\n";
  m += QuotedPrintable(mail.body);
  return m;
}

}  // namespace swarmbot::mailer
