#pragma once

#include <chrono>
#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "loadgen/client.hpp"

namespace swarmbot::loadgen {

// Whether swarmbot's answer is a failure a user would see: any status but 2xx,
// or a body other than the one the request's kind expects (AnsweredAsExpected).
bool IsErrorReply(const Outcome& outcome);

// Acknowledgement figures for one kind of request (or all of them).
struct Figures {
  std::string name;
  std::size_t count = 0;
  std::size_t errors = 0;
  double per_second = 0;  // over the whole traffic's wall time
  std::chrono::microseconds p50{0}, p90{0}, p99{0}, max{0};
};

std::vector<Figures> FiguresByKind(const Traffic& traffic);
Figures FiguresOfAll(const Traffic& traffic);

// One line: "<phase> <name> n=… rate=…/s ack p50=… p90=… p99=… max=… errors=…".
void PrintFigures(std::ostream& out, std::string_view phase, const Figures& figures);

// The first few error replies, one line each, for finding out what went wrong.
void PrintErrors(std::ostream& out, std::string_view phase, const Traffic& traffic,
                 std::size_t at_most);

// The first reply of each kind, one line each, to see what the load was answered.
void PrintSampleReplies(std::ostream& out, std::string_view phase, const Traffic& traffic);

}  // namespace swarmbot::loadgen
