#include "app/history_file.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <fstream>
#include <optional>
#include <string>
#include <unordered_map>

#include <boost/json/basic_parser_impl.hpp>
#include <fmt/format.h>

#include "app/import_file.hpp"
#include "lifecycle/expert_service.hpp"
#include "lifecycle/text_rules.hpp"

namespace swarmbot::app {
namespace {

namespace json = boost::json;

enum class Field { kId, kTime, kTitle, kText, kComponents, kExpert };
constexpr std::array<std::string_view, 6> kFieldNames{"id",   "time",       "title",
                                                      "text", "components", "expert"};
constexpr std::string_view kFieldList = "id, time, title, text, components and expert";
constexpr std::string_view kBom = "\xEF\xBB\xBF";
// How much of a value or key a message repeats.
constexpr std::size_t kShown = 40;

std::string_view Name(Field field) {
  return kFieldNames[static_cast<std::size_t>(field)];
}

// A value as a message shows it: quoted, cut to kShown bytes on a character
// boundary, control characters as '?', so the message stays one line.
std::string Shown(std::string_view value) {
  std::string shown = "\"";
  std::size_t end = std::min(value.size(), kShown);
  while (end < value.size() && end > 0 && (static_cast<unsigned char>(value[end]) & 0xC0) == 0x80) {
    --end;
  }
  for (const char c : value.substr(0, end)) {
    shown += static_cast<unsigned char>(c) < 0x20 || c == 0x7F ? '?' : c;
  }
  return shown + (end < value.size() ? "…\"" : "\"");
}

// The keys of one record as the line gave them, before any check of values.
struct RawRecord {
  std::array<std::optional<std::string>, kFieldNames.size()> strings;  // all but components
  std::optional<std::vector<std::string>> components;
};

// Boost.JSON's event interface, so that a repeated or unknown key and a value
// of the wrong type are named, and nothing but the record is kept.
class RecordHandler {
 public:
  static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_string_size = kMaxHistoryLineBytes;
  static constexpr std::size_t max_key_size = kMaxHistoryLineBytes;

  RawRecord record;
  std::string problem;  // set when a handler call refused the line

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code& ec) {
    if (depth_ == 0) {
      depth_ = 1;
      return true;
    }
    return WrongType(ec);
  }
  bool on_object_end(std::size_t, json::error_code&) {
    depth_ = 0;
    return true;
  }
  bool on_array_begin(json::error_code& ec) {
    if (depth_ == 1 && field_ == Field::kComponents) {
      depth_ = 2;
      record.components.emplace();
      return true;
    }
    return WrongType(ec);
  }
  bool on_array_end(std::size_t, json::error_code&) {
    depth_ = 1;
    return true;
  }
  bool on_key_part(json::string_view part, std::size_t, json::error_code&) {
    key_.append(part.data(), part.size());
    return true;
  }
  bool on_key(json::string_view part, std::size_t, json::error_code& ec) {
    key_.append(part.data(), part.size());
    const std::string key = std::move(key_);
    key_.clear();
    for (std::size_t i = 0; i < kFieldNames.size(); ++i) {
      if (kFieldNames[i] != key) {
        continue;
      }
      field_ = static_cast<Field>(i);
      if (record.strings[i] || (field_ == Field::kComponents && record.components)) {
        return Fail(fmt::format("the key `{}` appears twice", key), ec);
      }
      return true;
    }
    return Fail(fmt::format("unknown key {} (a record has {})", Shown(key), kFieldList), ec);
  }
  bool on_string_part(json::string_view part, std::size_t, json::error_code&) {
    value_.append(part.data(), part.size());
    return true;
  }
  bool on_string(json::string_view part, std::size_t, json::error_code& ec) {
    value_.append(part.data(), part.size());
    std::string value = std::move(value_);
    value_.clear();
    if (depth_ == 2) {
      if (record.components->size() == kMaxHistoryComponents) {
        return Fail(fmt::format("`components` lists more than {} entries", kMaxHistoryComponents),
                    ec);
      }
      record.components->push_back(std::move(value));
      return true;
    }
    if (depth_ == 1 && field_ != Field::kComponents) {
      record.strings[static_cast<std::size_t>(field_)] = std::move(value);
      return true;
    }
    return WrongType(ec);
  }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(std::int64_t, json::string_view, json::error_code& ec) { return WrongType(ec); }
  bool on_uint64(std::uint64_t, json::string_view, json::error_code& ec) { return WrongType(ec); }
  bool on_double(double, json::string_view, json::error_code& ec) { return WrongType(ec); }
  bool on_bool(bool, json::error_code& ec) { return WrongType(ec); }
  bool on_null(json::error_code& ec) { return WrongType(ec); }
  // Comments are off in the parse options; these are never called.
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

 private:
  bool Fail(std::string message, json::error_code& ec) {
    problem = std::move(message);
    ec = json::error::syntax;
    return false;
  }
  bool WrongType(json::error_code& ec) {
    if (depth_ == 0) {
      return Fail(fmt::format("a record must be one JSON object with the keys {}", kFieldList), ec);
    }
    if (field_ == Field::kComponents) {
      return Fail(R"(`components` must be a list of strings, such as ["checkout", "payments"])",
                  ec);
    }
    return Fail(fmt::format("`{}` must be a string in double quotes", Name(field_)), ec);
  }

  int depth_ = 0;  // 1 in the record, 2 in its components
  Field field_ = Field::kId;
  std::string key_;
  std::string value_;
};

// The UTF-16 code unit of the JSON escape at `at` (a backslash, u and four hex
// digits), if there is one.
std::optional<unsigned> Utf16EscapeAt(std::string_view line, std::size_t at) {
  if (line.substr(at, 2) != "\\u" || at + 6 > line.size()) {
    return std::nullopt;
  }
  unsigned unit = 0;
  for (const char c : line.substr(at + 2, 4)) {
    const auto digit = std::string_view("0123456789abcdef")
                           .find(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    if (digit == std::string_view::npos) {
      return std::nullopt;
    }
    unit = unit * 16 + static_cast<unsigned>(digit);
  }
  return unit;
}

// The column of the first escape of a UTF-16 surrogate (D800 to DFFF) without
// its other half: Boost.JSON calls that a plain syntax error.
std::optional<std::size_t> LoneSurrogateColumn(std::string_view line) {
  const auto low = [](std::optional<unsigned> unit) {
    return unit && *unit >= 0xDC00 && *unit <= 0xDFFF;
  };
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] != '\\') {
      continue;
    }
    const auto unit = Utf16EscapeAt(line, i);
    if (!unit) {
      ++i;  // another escape: its letter is no backslash
      continue;
    }
    const bool high = *unit >= 0xD800 && *unit <= 0xDBFF;
    if (low(unit) || (high && !low(Utf16EscapeAt(line, i + 6)))) {
      return i + 1;
    }
    i += high ? 11 : 5;
  }
  return std::nullopt;
}

// The record of one non-blank line, or what is wrong with its JSON.
Result<RawRecord> ParseLine(std::string_view line) {
  json::basic_parser<RecordHandler> parser(json::parse_options{});
  json::error_code ec;
  const std::size_t used = parser.write_some(false, line.data(), line.size(), ec);
  RecordHandler& handler = parser.handler();
  if (!handler.problem.empty()) {
    return MakeError(Errc::kInvalidInput, "record refused", std::move(handler.problem));
  }
  if (const auto column = LoneSurrogateColumn(line); ec && column && *column <= used + 1) {
    return MakeError(Errc::kInvalidInput, "lone surrogate",
                     fmt::format("the \\u escape at column {} is half of a UTF-16 surrogate "
                                 "pair (\\uD800 to \\uDFFF) without its other half; write the "
                                 "character itself, or both halves of the pair",
                                 *column));
  }
  if (ec == json::error::incomplete) {
    return MakeError(Errc::kInvalidInput, "record incomplete",
                     "the record ends early: a closing quote, ] or } is missing");
  }
  if (ec) {
    return MakeError(Errc::kInvalidInput, "not JSON",
                     fmt::format("not valid JSON at column {} ({}): look for a missing comma, "
                                 "colon or quote just before it",
                                 used + 1, ec.message()));
  }
  const std::size_t rest = line.find_first_not_of(" \t", used);
  if (rest != std::string_view::npos) {
    return MakeError(Errc::kInvalidInput, "text after record",
                     fmt::format("text after the record's closing }} at column {}; put one "
                                 "record on each line",
                                 rest + 1));
  }
  return std::move(handler.record);
}

// Unicode's spaces other than U+0020, and the characters that show nothing:
// zero-width and direction marks, the soft hyphen, fillers, the blank braille
// pattern, variation selectors and tags. A name made of them looks blank, and
// one ending in them looks like another.
bool Invisible(char32_t c) {
  const auto in = [c](char32_t first, char32_t last) { return c >= first && c <= last; };
  return c == 0x00A0 || c == 0x00AD || c == 0x034F || in(0x115F, 0x1160) || c == 0x1680 ||
         c == 0x180E || in(0x2000, 0x200F) || in(0x2028, 0x202F) || in(0x205F, 0x2064) ||
         in(0x2066, 0x2069) || c == 0x2800 || c == 0x3000 || c == 0x3164 || in(0xFE00, 0xFE0F) ||
         c == 0xFEFF || c == 0xFFA0 || in(0xE0000, 0xE007F) || in(0xE0100, 0xE01EF);
}

// `text` (well-formed UTF-8) without the `ascii` characters and the invisible
// ones at either end.
std::string_view Trimmed(std::string_view text, std::string_view ascii = " ") {
  const auto strip = [&](char32_t c) {
    return c < 0x80 ? ascii.find(static_cast<char>(c)) != std::string_view::npos : Invisible(c);
  };
  while (!text.empty()) {
    const auto [code, length] = lifecycle::Utf8CodePointAt(text, 0);
    if (!strip(code)) {
      break;
    }
    text.remove_prefix(length);
  }
  while (!text.empty()) {
    std::size_t last = text.size() - 1;
    while (last > 0 && (static_cast<unsigned char>(text[last]) & 0xC0) == 0x80) {
      --last;
    }
    if (!strip(lifecycle::Utf8CodePointAt(text, last).first)) {
      break;
    }
    text.remove_suffix(text.size() - last);
  }
  return text;
}

// Blank as free text: nothing but spaces, tabs, line breaks and invisibles.
bool Blank(std::string_view text) {
  return Trimmed(text, " \t\r\n").empty();
}

// A control character in `text` other than those `allowed`, as "U+000A".
std::optional<std::string> ControlIn(std::string_view text, std::string_view allowed) {
  for (const char c : text) {
    const auto code = static_cast<unsigned char>(c);
    if ((code < 0x20 || code == 0x7F) && allowed.find(c) == std::string_view::npos) {
      return fmt::format("U+{:04X}", code);
    }
  }
  return std::nullopt;
}

// A one-line name: id, expert or a component.
Result<std::string> Label(std::string_view what, std::string_view value, std::size_t max_bytes) {
  const std::string_view trimmed = Trimmed(value);
  std::string problem;
  if (trimmed.empty()) {
    problem = fmt::format("{} is blank", what);
  } else if (trimmed.size() > max_bytes) {
    problem = fmt::format("{} is {} bytes long; at most {}", what, trimmed.size(), max_bytes);
  } else if (auto control = ControlIn(trimmed, "")) {
    problem = fmt::format("{} contains the control character {}; it must be one line of text", what,
                          *control);
  }
  if (!problem.empty()) {
    return MakeError(Errc::kInvalidInput, "bad label", std::move(problem));
  }
  return std::string(trimmed);
}

bool AllDigits(std::string_view text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

int Number(std::string_view digits) {
  int n = 0;
  for (const char c : digits) {
    n = n * 10 + (c - '0');
  }
  return n;
}

// "2026-12-05T08:00:00Z", the form a record's time takes.
std::string UtcText(Clock::TimePoint t) {
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day date{day};
  const std::chrono::hh_mm_ss time{std::chrono::floor<std::chrono::seconds>(t - day)};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     time.hours().count(), time.minutes().count(), time.seconds().count());
}

// "2024-01-31T09:30:00Z", optionally with a fraction of a second (kept to the
// millisecond): the form shared/data/expertise uses. Anything else, a zone
// offset included, is refused rather than guessed at; so is a time more than
// kHistoryClockSkew after `now`: the Expert Finder weighs records by their age
// counted back from the newest one.
Result<Clock::TimePoint> ParseTime(std::string_view text, Clock::TimePoint now) {
  const auto refuse = [&](std::string_view why) {
    return MakeError(Errc::kInvalidInput, "bad time",
                     fmt::format("`time` {} {}", Shown(text), why));
  };
  const bool shaped =
      text.size() >= 20 && AllDigits(text.substr(0, 4)) && text[4] == '-' &&
      AllDigits(text.substr(5, 2)) && text[7] == '-' && AllDigits(text.substr(8, 2)) &&
      text[10] == 'T' && AllDigits(text.substr(11, 2)) && text[13] == ':' &&
      AllDigits(text.substr(14, 2)) && text[16] == ':' && AllDigits(text.substr(17, 2)) &&
      text.back() == 'Z' &&
      (text.size() == 20 ||
       (text[19] == '.' && text.size() > 21 && AllDigits(text.substr(20, text.size() - 21))));
  if (!shaped) {
    return refuse(
        "is not a UTC time in the form 2024-01-31T09:30:00Z (a fraction of a second may follow "
        "the seconds; no zone offset)");
  }
  const std::chrono::year_month_day date{
      std::chrono::year{Number(text.substr(0, 4))},
      std::chrono::month{static_cast<unsigned>(Number(text.substr(5, 2)))},
      std::chrono::day{static_cast<unsigned>(Number(text.substr(8, 2)))}};
  if (!date.ok()) {
    return refuse("is not a real date");
  }
  if (date.year() < std::chrono::year{1970}) {
    return refuse("is before 1970");
  }
  const int hours = Number(text.substr(11, 2));
  const int minutes = Number(text.substr(14, 2));
  const int seconds = Number(text.substr(17, 2));
  if (hours > 23 || minutes > 59 || seconds > 59) {
    return refuse("is not a real time of day (00:00:00 to 23:59:59)");
  }
  std::string millis = text.size() == 20 ? "" : std::string(text.substr(20, text.size() - 21));
  millis.resize(3, '0');
  // In milliseconds first: Clock::TimePoint counts nanoseconds and overflows
  // after 2262, so a far-future year must be refused before it is converted.
  const std::chrono::sys_time<std::chrono::milliseconds> at =
      std::chrono::sys_days{date} + std::chrono::hours{hours} + std::chrono::minutes{minutes} +
      std::chrono::seconds{seconds} + std::chrono::milliseconds{Number(millis)};
  if (at > std::chrono::floor<std::chrono::milliseconds>(now) + kHistoryClockSkew) {
    return refuse(fmt::format(
        "is in the future (it is now {}); a record's time is when it was resolved, and one future "
        "time would skew every ranking, since records count less the older they are than the "
        "newest",
        UtcText(now)));
  }
  return Clock::TimePoint{at};
}

Status FreeText(std::string_view what, std::string_view text) {
  if (auto control = ControlIn(text, "\t\n\r")) {
    return MakeError(Errc::kInvalidInput, "control character",
                     fmt::format("{} contains the control character {}; only tabs and line breaks "
                                 "are allowed",
                                 what, *control));
  }
  return {};
}

// The row a parsed record stands for, or the first of its values that can't
// be used.
Result<store::HistoryRow> ToRow(RawRecord& raw, Clock::TimePoint now) {
  std::string missing;
  for (std::size_t i = 0; i < kFieldNames.size(); ++i) {
    const bool present = static_cast<Field>(i) == Field::kComponents ? raw.components.has_value()
                                                                     : raw.strings[i].has_value();
    if (!present) {
      missing += fmt::format("{}`{}`", missing.empty() ? "" : ", ", kFieldNames[i]);
    }
  }
  if (!missing.empty()) {
    return MakeError(Errc::kInvalidInput, "missing keys",
                     fmt::format("missing {} (a record has {})", missing, kFieldList));
  }
  const auto string = [&](Field field) -> std::string& {
    return *raw.strings[static_cast<std::size_t>(field)];
  };
  store::HistoryRow row;
  auto id = Label("`id`", string(Field::kId), kMaxHistoryIdBytes);
  if (!id) {
    return id.error();
  }
  auto at = ParseTime(string(Field::kTime), now);
  if (!at) {
    return at.error();
  }
  row.id = std::move(*id);
  row.at = *at;
  row.title = std::move(string(Field::kTitle));
  row.text = std::move(string(Field::kText));
  for (const auto& [what, text] : {std::pair{"`title`", &row.title}, {"`text`", &row.text}}) {
    if (auto ok = FreeText(what, *text); !ok) {
      return ok.error();
    }
  }
  if (row.title.size() + row.text.size() > lifecycle::ExpertService::kMaxHistoryText) {
    return MakeError(
        Errc::kInvalidInput, "too long",
        fmt::format("`title` and `text` together are {} bytes; at most {}",
                    row.title.size() + row.text.size(), lifecycle::ExpertService::kMaxHistoryText));
  }
  if (Blank(row.title) && Blank(row.text)) {
    return MakeError(Errc::kInvalidInput, "no words",
                     "`title` and `text` are both blank: nothing to learn from");
  }
  for (const std::string& component : *raw.components) {
    auto label = Label("an entry of `components`", component, kMaxHistoryComponentBytes);
    if (!label) {
      return label.error();
    }
    if (std::find(row.components.begin(), row.components.end(), *label) == row.components.end()) {
      row.components.push_back(std::move(*label));
    }
  }
  auto expert = Label("`expert`", string(Field::kExpert), kMaxHistoryIdBytes);
  if (!expert) {
    Error error = expert.error();
    error.user_message += " (the Slack user id, or the people-file name, of who resolved it)";
    return error;
  }
  row.resolver = std::move(*expert);
  return row;
}

// What is wrong with one line's bytes before any JSON is read, if anything.
std::optional<std::string> LineProblem(std::string_view line) {
  if (line.starts_with(kBom)) {
    return "starts with a byte order mark (U+FEFF); only the file's first line may";
  }
  if (line.size() > kMaxHistoryLineBytes) {
    return fmt::format("the line is {} bytes long; a record may take at most {}", line.size(),
                       kMaxHistoryLineBytes);
  }
  if (auto bad = lifecycle::FirstInvalidUtf8(line)) {
    return fmt::format("byte {} (column {}) is not UTF-8; save the file as UTF-8",
                       fmt::format("0x{:02X}", static_cast<unsigned char>(line[*bad])), *bad + 1);
  }
  return std::nullopt;
}

Error AtLine(std::string_view name, std::size_t line, const std::string& problem) {
  return MakeError(Errc::kInvalidInput, fmt::format("history file refused at line {}", line),
                   fmt::format("{}:{}: {}", name, line, problem));
}

}  // namespace

Result<std::vector<HistoryFileRecord>> ParseHistoryFile(std::string_view text,
                                                        std::string_view name,
                                                        Clock::TimePoint now) {
  // Editors on Windows like to start a UTF-8 file with one; it means nothing.
  if (text.starts_with(kBom)) {
    text.remove_prefix(kBom.size());
  }
  std::vector<HistoryFileRecord> records;
  std::unordered_map<std::string, std::size_t> first_line_of;
  std::size_t line_number = 0;
  const bool no_bytes = text.empty();
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    ++line_number;
    if (line.ends_with('\r')) {
      line.remove_suffix(1);
    }
    if (line.find_first_not_of(" \t") == std::string_view::npos) {
      continue;
    }
    if (auto problem = LineProblem(line)) {
      return AtLine(name, line_number, *problem);
    }
    auto raw = ParseLine(line);
    auto row = raw ? ToRow(*raw, now) : Result<store::HistoryRow>(raw.error());
    if (!row) {
      return AtLine(name, line_number, row.error().user_message);
    }
    const auto [seen, added] = first_line_of.emplace(row->id, line_number);
    if (!added) {
      return AtLine(name, line_number,
                    fmt::format("the id {} is on line {} too; each id may appear once in a file",
                                Shown(row->id), seen->second));
    }
    records.push_back({line_number, std::move(*row)});
  }
  if (records.empty()) {
    const std::string message =
        fmt::format("{}: no records ({})", name,
                    no_bytes ? "the file is empty" : "the file holds only blank lines");
    return MakeError(Errc::kInvalidInput, "empty history file", message);
  }
  return records;
}

Result<std::vector<HistoryFileRecord>> ReadHistoryFile(const std::filesystem::path& file,
                                                       Clock::TimePoint now) {
  const std::string name = file.filename().string();
  const auto refuse = [&](const std::string& message) {
    return MakeError(Errc::kInvalidInput, "history file refused", message);
  };
  if (auto unreadable = UnreadableImportFile(file)) {
    return refuse(*unreadable);
  }
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(file, ec);
  if (ec) {
    return refuse("cannot read " + file.string());
  }
  if (size > kMaxHistoryFileBytes) {
    return refuse(fmt::format(
        "{} is {} MiB; a history file may be at most {} MiB: split it and import each part", name,
        (size + (1u << 20) - 1) >> 20, kMaxHistoryFileBytes >> 20));
  }
  std::ifstream in(file, std::ios::binary);
  std::string text(static_cast<std::size_t>(size), '\0');
  if (!in || !in.read(text.data(), static_cast<std::streamsize>(text.size()))) {
    return refuse("cannot read " + file.string());
  }
  // A file still being written may have grown since its size was taken.
  if (in.peek() != std::ifstream::traits_type::eof()) {
    return refuse(name + " changed while it was read; import it once it is complete");
  }
  return ParseHistoryFile(text, name, now);
}

}  // namespace swarmbot::app
