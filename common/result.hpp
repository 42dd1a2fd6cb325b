#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <system_error>

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>

namespace swarmbot {

// What went wrong, in the terms callers branch on. Slack's own codes travel in
// Error::slack_error; this enum says how to treat them.
enum class Errc {
  kInvalidInput = 1,  // the request or user input is malformed; never retried
  kNotFound,          // an id that names nothing
  kConflict,          // the state forbids it (already linked, already closed…)
  kForbidden,         // the caller lacks the role
  kUnauthenticated,   // a bad token, signature or API key
  kSlackError,        // Slack answered ok:false with a code that retrying won't fix
  kRateLimited,       // HTTP 429; see Error::retry_after
  kUnavailable,       // 5xx, timeout, reset: worth retrying
  kInternal,          // a bug or a broken invariant
};

const std::error_category& SwarmbotCategory() noexcept;
std::error_code make_error_code(Errc e) noexcept;
std::string_view ErrcName(Errc e) noexcept;

// An expected failure. `detail` is safe to log: it never holds a secret or
// user-typed text; `user_message` is what a person may be shown.
struct Error {
  Errc code = Errc::kInternal;
  std::string detail;
  std::string slack_error;  // Slack's short code, e.g. "name_taken"
  std::optional<std::chrono::seconds> retry_after;
  std::string user_message;

  bool Retryable() const noexcept {
    return code == Errc::kRateLimited || code == Errc::kUnavailable;
  }
};

Error MakeError(Errc code, std::string detail, std::string user_message = {});

[[noreturn]] void throw_exception_from_error(const Error& e, const boost::source_location& loc);

template <class T>
using Result = boost::system::result<T, Error>;

using Status = Result<void>;

}  // namespace swarmbot

template <>
struct std::is_error_code_enum<swarmbot::Errc> : std::true_type {};
