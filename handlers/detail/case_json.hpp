#pragma once

#include <string>

#include <boost/json/object.hpp>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "common/secret.hpp"
#include "store/records.hpp"

namespace swarmbot::handlers::detail {

// "2026-12-04T19:56:29Z"
std::string IsoTime(Clock::TimePoint t);

// A case as the intake API answers it.
boost::json::object CaseJson(const store::Case& c);

// Whether the key a client presented is the configured one (constant time;
// an empty configured key refuses everyone).
bool KeyAccepted(const Secret& configured, const Secret& presented);

// The HTTP status that answers a refused intake: 400, 404, 409 or 500.
int HttpStatusFor(Errc code);

}  // namespace swarmbot::handlers::detail
