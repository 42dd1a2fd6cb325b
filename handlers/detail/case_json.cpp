#include "handlers/detail/case_json.hpp"

#include <ctime>

#include "common/crypto.hpp"

namespace swarmbot::handlers::detail {

std::string IsoTime(Clock::TimePoint t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

boost::json::object CaseJson(const store::Case& c) {
  return {{"number", store::CaseNumberText(c.number)},
          {"status", store::Name(c.status)},
          {"contact_name", c.contact_name},
          {"contact_email", c.contact_email},
          {"channel", store::Name(c.channel)},
          {"territory", c.territory},
          {"subject", c.subject},
          {"description", c.description},
          {"owner", c.owner.str()},
          {"created_at", IsoTime(c.created_at)}};
}

bool KeyAccepted(const Secret& configured, const Secret& presented) {
  return !configured.Empty() && ConstantTimeEqual(presented.Reveal(), configured.Reveal());
}

int HttpStatusFor(Errc code) {
  switch (code) {
    case Errc::kInvalidInput:
      return 400;
    case Errc::kConflict:
      return 409;
    case Errc::kNotFound:
      return 404;
    default:
      return 500;
  }
}

}  // namespace swarmbot::handlers::detail
