#include "store/records.hpp"

#include <array>
#include <cctype>
#include <utility>

namespace swarmbot::store {
namespace {

template <class E, std::size_t N>
using NameTable = std::array<std::pair<E, std::string_view>, N>;

constexpr NameTable<CaseChannel, 5> kCaseChannels{{{CaseChannel::kEmail, "email"},
                                                   {CaseChannel::kChat, "chat"},
                                                   {CaseChannel::kMessaging, "messaging"},
                                                   {CaseChannel::kPhone, "phone"},
                                                   {CaseChannel::kWeb, "web"}}};
constexpr NameTable<CaseStatus, 4> kCaseStatuses{{{CaseStatus::kNew, "new"},
                                                  {CaseStatus::kOpen, "open"},
                                                  {CaseStatus::kHeld, "held"},
                                                  {CaseStatus::kClosed, "closed"}}};
constexpr NameTable<IncidentState, 5> kIncidentStates{{{IncidentState::kNew, "new"},
                                                       {IncidentState::kTriaged, "triaged"},
                                                       {IncidentState::kInProgress, "in_progress"},
                                                       {IncidentState::kResolved, "resolved"},
                                                       {IncidentState::kClosed, "closed"}}};
constexpr NameTable<SwarmState, 4> kSwarmStates{{{SwarmState::kStarting, "starting"},
                                                 {SwarmState::kActive, "active"},
                                                 {SwarmState::kClosing, "closing"},
                                                 {SwarmState::kArchived, "archived"}}};
constexpr NameTable<Level, 3> kLevels{
    {{Level::kHigh, "high"}, {Level::kMedium, "medium"}, {Level::kLow, "low"}}};

template <class E, std::size_t N>
std::string_view NameIn(const NameTable<E, N>& table, E value) noexcept {
  for (const auto& [e, name] : table) {
    if (e == value) {
      return name;
    }
  }
  return "unknown";
}

template <class E, std::size_t N>
std::optional<E> ParseIn(const NameTable<E, N>& table, std::string_view text) noexcept {
  for (const auto& [e, name] : table) {
    if (name == text) {
      return e;
    }
  }
  return std::nullopt;
}

bool EqualsIgnoringCase(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::optional<std::int64_t> ParsePrefixed(std::string_view text, std::string_view prefix) noexcept {
  constexpr std::size_t kMaxDigits = 12;
  if (text.size() <= prefix.size() || !EqualsIgnoringCase(text.substr(0, prefix.size()), prefix)) {
    return std::nullopt;
  }
  const std::string_view digits = text.substr(prefix.size());
  if (digits.size() > kMaxDigits) {
    return std::nullopt;
  }
  std::int64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    value = value * 10 + (c - '0');
  }
  if (value == 0) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

std::int64_t ToMillis(Clock::TimePoint t) noexcept {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

Clock::TimePoint FromMillis(std::int64_t ms) noexcept {
  return Clock::TimePoint{
      std::chrono::duration_cast<Clock::TimePoint::duration>(std::chrono::milliseconds{ms})};
}

std::string_view Name(CaseChannel v) noexcept {
  return NameIn(kCaseChannels, v);
}
std::string_view Name(CaseStatus v) noexcept {
  return NameIn(kCaseStatuses, v);
}
std::string_view Name(IncidentState v) noexcept {
  return NameIn(kIncidentStates, v);
}
std::string_view Name(SwarmState v) noexcept {
  return NameIn(kSwarmStates, v);
}
std::string_view Name(Level v) noexcept {
  return NameIn(kLevels, v);
}

std::optional<CaseChannel> ParseCaseChannel(std::string_view text) noexcept {
  return ParseIn(kCaseChannels, text);
}
std::optional<CaseStatus> ParseCaseStatus(std::string_view text) noexcept {
  return ParseIn(kCaseStatuses, text);
}
std::optional<IncidentState> ParseIncidentState(std::string_view text) noexcept {
  return ParseIn(kIncidentStates, text);
}
std::optional<SwarmState> ParseSwarmState(std::string_view text) noexcept {
  return ParseIn(kSwarmStates, text);
}
std::optional<Level> ParseLevel(std::string_view text) noexcept {
  return ParseIn(kLevels, text);
}

std::string CaseNumberText(std::int64_t number) {
  return "CASE-" + std::to_string(number);
}
std::string IncidentNumberText(std::int64_t number) {
  return "INC-" + std::to_string(number);
}

std::optional<std::int64_t> ParseCaseNumber(std::string_view text) noexcept {
  return ParsePrefixed(text, "CASE-");
}

std::optional<std::int64_t> ParseIncidentNumber(std::string_view text) noexcept {
  return ParsePrefixed(text, "INC-");
}

std::string SpikeNumberText(std::int64_t number) {
  return "SPIKE-" + std::to_string(number);
}

std::optional<std::int64_t> ParseSpikeNumber(std::string_view text) noexcept {
  return ParsePrefixed(text, "SPIKE-");
}

std::string ProblemNumberText(std::int64_t number) {
  return "PRB-" + std::to_string(number);
}

std::optional<std::int64_t> ParseProblemNumber(std::string_view text) noexcept {
  return ParsePrefixed(text, "PRB-");
}

}  // namespace swarmbot::store
