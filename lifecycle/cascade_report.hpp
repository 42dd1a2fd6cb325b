#pragma once
#include <cstdint>
#include <string>
#include <vector>
namespace swarmbot::lifecycle {
// What a closing cascade closed, and what it left open and why.
struct CascadeReport {
  std::vector<std::int64_t> closed_problems;
  std::vector<std::int64_t> closed_incidents;
  std::int64_t closed_cases = 0;
  std::vector<std::string>
      kept_open;  // one sentence each, e.g. "PRB-2 stays open: INC-9 is still open."
};
}  // namespace swarmbot::lifecycle
