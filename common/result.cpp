#include "common/result.hpp"

#include <stdexcept>

namespace swarmbot {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "swarmbot"; }
  std::string message(int value) const override {
    return std::string(ErrcName(static_cast<Errc>(value)));
  }
};

}  // namespace

const std::error_category& SwarmbotCategory() noexcept {
  static const Category category;
  return category;
}

std::error_code make_error_code(Errc e) noexcept {
  return {static_cast<int>(e), SwarmbotCategory()};
}

std::string_view ErrcName(Errc e) noexcept {
  switch (e) {
    case Errc::kInvalidInput:
      return "invalid_input";
    case Errc::kNotFound:
      return "not_found";
    case Errc::kConflict:
      return "conflict";
    case Errc::kForbidden:
      return "forbidden";
    case Errc::kUnauthenticated:
      return "unauthenticated";
    case Errc::kSlackError:
      return "slack_error";
    case Errc::kRateLimited:
      return "rate_limited";
    case Errc::kUnavailable:
      return "unavailable";
    case Errc::kInternal:
      return "internal";
  }
  return "unknown";
}

Error MakeError(Errc code, std::string detail, std::string user_message) {
  Error e;
  e.code = code;
  e.detail = std::move(detail);
  e.user_message = std::move(user_message);
  return e;
}

void throw_exception_from_error(const Error& e, const boost::source_location&) {
  throw std::runtime_error(std::string(ErrcName(e.code)) + ": " + e.detail);
}

}  // namespace swarmbot
