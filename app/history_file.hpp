#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "store/expert_repository.hpp"

namespace swarmbot::app {

// The limits of a history file (`swarmbot import history`). A file over the
// size limit is refused before it is read: the whole file is checked in
// memory before anything is written.
inline constexpr std::uintmax_t kMaxHistoryFileBytes = 128u << 20;
inline constexpr std::size_t kMaxHistoryLineBytes = 256u << 10;
inline constexpr std::size_t kMaxHistoryIdBytes = 100;     // `id` and `expert`
inline constexpr std::size_t kMaxHistoryComponents = 100;  // per record
inline constexpr std::size_t kMaxHistoryComponentBytes = 200;
// How far past now a record's time may be: clocks and zones disagree by hours,
// never by more than a day.
inline constexpr auto kHistoryClockSkew = std::chrono::hours{24};

// One record of the file and the line it came from.
struct HistoryFileRecord {
  std::size_t line = 0;
  store::HistoryRow row;
};

// Checks every line of a JSON Lines history file (one object a line with
// exactly the keys id, time, title, text, components and expert; blank lines
// are skipped). The first problem found is an Errc::kInvalidInput whose
// user_message reads "NAME:LINE: what is wrong and what is expected", LINE
// being the line of the file. Ids must be unique within the file; no time may
// be later than `now` plus kHistoryClockSkew. Surrounding spaces, Unicode spaces and
// zero-width characters of id, expert and components are dropped (a value of
// nothing else is blank), and so are repeated components.
Result<std::vector<HistoryFileRecord>> ParseHistoryFile(std::string_view text,
                                                        std::string_view name,
                                                        Clock::TimePoint now);

// Reads `file` (a regular file of at most kMaxHistoryFileBytes), then
// ParseHistoryFile. Errors as there, and for a file that can't be read.
Result<std::vector<HistoryFileRecord>> ReadHistoryFile(const std::filesystem::path& file,
                                                       Clock::TimePoint now);

}  // namespace swarmbot::app
