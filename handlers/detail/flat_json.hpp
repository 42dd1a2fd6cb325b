#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace swarmbot::handlers::detail {

// A JSON object read once with simdjson's On-Demand parser and kept as
// dotted paths ("event.type", "channels.3.name"), which is all the handlers
// need from Slack's payloads and replies. Strings are unescaped; numbers,
// booleans and null keep their JSON text. Values nested deeper than the limit
// are skipped.
struct FlatJson {
  std::map<std::string, std::string, std::less<>> strings;
  std::map<std::string, std::string, std::less<>> scalars;  // numbers, true, false, null
  std::map<std::string, std::size_t, std::less<>> arrays;   // path → element count
  std::map<std::string, std::size_t, std::less<>> objects;  // path → member count
  std::vector<std::string> top_level_keys;                  // in order, repeats kept

  // The string at `path`, if there is one.
  std::optional<std::string> String(std::string_view path) const;
  // The string at `path`, or "" when it's missing or not a string.
  std::string StringOr(std::string_view path, std::string_view fallback = {}) const;
  bool True(std::string_view path) const;
  std::size_t ArraySize(std::string_view path) const;
  bool IsObject(std::string_view path) const;
};

// kInvalidInput when `json` isn't well-formed JSON or its top level isn't an
// object. Never throws.
Result<FlatJson> FlattenJson(std::string_view json, std::size_t max_depth = 8);

// "a.b" joined with "c" is "a.b.c"; an empty prefix gives just the key.
std::string JoinPath(std::string_view prefix, std::string_view key);

}  // namespace swarmbot::handlers::detail
