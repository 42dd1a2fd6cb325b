#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/form.hpp"

namespace swarmbot::handlers::detail {

// Enough of an unknown key to recognise it, never a whole oversized one.
inline constexpr std::size_t kKeyShown = 60;

// A key as a message repeats it: at most kKeyShown characters (a longer one
// ends in "…"), cut between characters, with bytes that aren't UTF-8 written
// as "\xFF".
std::string ShownKey(std::string_view key);

// What is wrong with the keys of a request to one of our HTTP APIs (a JSON
// body's top-level keys, or a query's parameter names), in the order given:
// a key not in `allowed` (the message lists them), or one given twice. Parsers keep the first or
// the last copy of a repeated key, so a body another component reads differently from us is refused
// rather than guessed at. `noun` names a key in the message ("field", "parameter"); nullopt when
// the keys are fine.
std::optional<std::string> KeyProblem(const std::vector<std::string_view>& keys,
                                      std::span<const std::string_view> allowed,
                                      std::string_view noun);
// The same for the parameter names of a query string.
std::optional<std::string> KeyProblem(const FormFields& fields,
                                      std::span<const std::string_view> allowed,
                                      std::string_view noun);

}  // namespace swarmbot::handlers::detail
