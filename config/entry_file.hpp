#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <toml++/toml.h>

#include "common/result.hpp"

namespace swarmbot::config {

// How a file of [[entries]] is named in its refusals: a people file holds
// [[person]] tables, at most `max` of them ("more than 10000 people").
struct EntryFileRules {
  std::string_view kind;    // "people", "asset"
  std::string_view table;   // "person", "asset"
  std::string_view plural;  // "people", "assets"
  std::size_t max = 0;
  std::string_view missing;  // said after "file: " when there is no entry
};

// Parses a TOML file that holds only `rules.table` entries, one or more and
// at most rules.max. kInvalidInput with a user_message naming the file and
// line otherwise. The caller reads root[rules.table] as an array.
Result<toml::table> ParseEntryFile(const std::string& toml_text, const std::string& source_name,
                                   const EntryFileRules& rules);

// "file:line: key", where a refusal points.
std::string WhereIn(const std::string& source, const toml::node& node, const std::string& key);

}  // namespace swarmbot::config
