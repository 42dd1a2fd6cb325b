#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "handlers/block_kit.hpp"

namespace swarmbot::handlers {

// What fits in one section of a long list. Counted in bytes, which are never
// fewer than Slack's characters, with room left for a cut line's ellipsis.
inline constexpr std::size_t kSectionBudget = 2900;

// A long list of mrkdwn lines (a plan's steps, a record's history) packed
// into as few sections as Slack accepts: each holds whole lines within
// kSectionBudget (a single longer line is cut), and at most `max_sections`
// are filled; the lines that don't fit are only counted.
struct PackedLines {
  std::vector<std::string> sections;
  std::size_t left_out = 0;
};
PackedLines PackLines(const std::vector<std::string>& lines, std::size_t max_sections);

// Adds the packed `lines` to `message`, one section each, and when some were
// left out a last line "… and N more `noun`s; `/change show CHG-n`" pointing
// at where the whole list is (`more_hint`).
void AddPackedLines(BlockMessage& message, const std::vector<std::string>& lines,
                    std::size_t max_sections, std::string_view noun, std::string_view more_hint);

}  // namespace swarmbot::handlers
