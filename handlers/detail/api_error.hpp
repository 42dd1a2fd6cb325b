#pragma once

#include <string>
#include <string_view>

namespace swarmbot::handlers::detail {

// `text` with every byte that doesn't belong to well-formed UTF-8 written as
// "\xFF": a query or key may carry any bytes, and an error message that echoes
// them must still be text that every JSON parser accepts.
std::string EscapeInvalidUtf8(std::string_view text);

// The body of an error answer of our HTTP APIs: {"error": code, "message":
// message}, valid UTF-8 JSON whatever bytes the message echoes.
std::string ApiErrorBody(std::string_view code, std::string_view message);

}  // namespace swarmbot::handlers::detail
