#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "loadgen/workload.hpp"

namespace swarmbot::loadgen {

// How one request was acknowledged.
struct Outcome {
  Kind kind = Kind::kStatus;
  std::chrono::microseconds latency{0};  // from the first byte written to the last byte read
  int status = 0;                        // HTTP status; 0 when the exchange itself failed
  std::string body;                      // the acknowledgement, or what went wrong
};

struct Traffic {
  std::vector<Outcome> outcomes;  // in the order of the requests
  std::size_t connections_opened = 0;
  std::chrono::steady_clock::duration elapsed{};
};

// Sends every request to swarmbot's HTTP endpoint on 127.0.0.1:`port` from
// `connections` keep-alive connections at once, each signed just before it
// goes out. A connection the server closes is opened again. Blocks until
// every request has an outcome; never throws for a failed exchange.
Traffic SendAll(const std::vector<Request>& requests, std::uint16_t port,
                const std::string& signing_secret, std::size_t connections);

}  // namespace swarmbot::loadgen
