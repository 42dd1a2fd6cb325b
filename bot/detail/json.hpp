#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <simdjson.h>

#include "common/form.hpp"
#include "common/result.hpp"

// simdjson helpers shared by bot/'s parsers. Private to bot/.
namespace swarmbot::bot::detail {

namespace ondemand = simdjson::ondemand;

// The value as a string if it is a JSON string, else nothing (and the value is
// left unconsumed, so iteration can continue past it).
std::optional<std::string> AsString(ondemand::value& value);
std::optional<std::int64_t> AsInt(ondemand::value& value);
std::optional<bool> AsBool(ondemand::value& value);

// Parses `json` as one object and calls `visit(key, value)` for each top-level
// field. `visit` returns false to report a malformed field. Errc::kInvalidInput
// names `what` when the text is not exactly one JSON object.
template <class Visit>
Status ForEachField(std::string_view json, std::string_view what, Visit&& visit) {
  auto fail = [&](std::string_view why) {
    return MakeError(Errc::kInvalidInput, std::string(what) + " " + std::string(why));
  };
  ondemand::parser parser;
  const simdjson::padded_string padded(json);
  ondemand::document doc;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS) {
    return fail("is not JSON");
  }
  ondemand::object object;
  if (doc.get_object().get(object) != simdjson::SUCCESS) {
    return fail("is not a JSON object");
  }
  // On Demand stops reading at the object's closing brace; measuring the
  // object first catches "{…} junk" (simdjson 3.0.1 has no at_end()).
  std::string_view raw;
  if (object.raw_json().get(raw) != simdjson::SUCCESS) {
    return fail("is not valid JSON");
  }
  const auto end = static_cast<std::size_t>(raw.data() - padded.data()) + raw.size();
  if (json.find_first_not_of(" \t\r\n", end) != std::string_view::npos) {
    return fail("has trailing data");
  }
  doc.rewind();
  if (doc.get_object().get(object) != simdjson::SUCCESS) {
    return fail("is not a JSON object");
  }
  for (auto field_result : object) {
    ondemand::field field;
    std::string_view key;
    if (std::move(field_result).get(field) != simdjson::SUCCESS ||
        field.unescaped_key().get(key) != simdjson::SUCCESS) {
      return fail("is not valid JSON");
    }
    ondemand::value value = field.value();
    if (!visit(key, value)) {
      return fail("has a malformed field");
    }
  }
  return {};
}

// A value's raw JSON text (objects and arrays verbatim), or nothing if the
// value is malformed.
std::optional<std::string> RawJson(ondemand::value& value);

// The top-level fields of a Web API answer that bot/ branches on.
struct ApiAnswer {
  bool ok = false;
  std::string error;
  std::string warning;
  std::string url;  // apps.connections.open
};
Result<ApiAnswer> ParseApiAnswer(std::string_view body);

// A JSON object of method arguments as form fields: strings as they are,
// numbers and booleans as their JSON text, objects and arrays as JSON strings
// (Slack's rule for `blocks`, `view`, `metadata` in form bodies); nulls dropped.
Result<FormFields> JsonArgsToForm(std::string_view args_json);

}  // namespace swarmbot::bot::detail
