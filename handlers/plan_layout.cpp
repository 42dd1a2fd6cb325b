#include "handlers/plan_layout.hpp"

#include "handlers/mrkdwn.hpp"

namespace swarmbot::handlers {

PackedLines PackLines(const std::vector<std::string>& lines, std::size_t max_sections) {
  PackedLines packed;
  std::string current;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    // A code point takes at most four bytes, so this cut always fits.
    const std::string line =
        lines[i].size() > kSectionBudget ? Truncate(lines[i], kSectionBudget / 4, true) : lines[i];
    const std::size_t needed = current.empty() ? line.size() : current.size() + 1 + line.size();
    if (needed <= kSectionBudget) {
      current += (current.empty() ? "" : "\n") + line;
      continue;
    }
    // `current` holds at least one line here, since every line fits alone.
    packed.sections.push_back(std::move(current));
    current.clear();
    if (packed.sections.size() == max_sections) {
      packed.left_out = lines.size() - i;
      return packed;
    }
    current = line;
  }
  if (!current.empty()) {
    packed.sections.push_back(std::move(current));
  }
  return packed;
}

void AddPackedLines(BlockMessage& message, const std::vector<std::string>& lines,
                    std::size_t max_sections, std::string_view noun, std::string_view more_hint) {
  const PackedLines packed = PackLines(lines, max_sections);
  for (const std::string& section : packed.sections) {
    message.Section(section);
  }
  if (packed.left_out > 0) {
    message.Context({"… and " + std::to_string(packed.left_out) + " more " + std::string(noun) +
                     (packed.left_out == 1 ? "" : "s") + "; " + std::string(more_hint)});
  }
}

}  // namespace swarmbot::handlers
