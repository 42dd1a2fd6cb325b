#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace swarmbot::config {

// One [[person]] of a people file (samples/people.toml).
struct PersonEntry {
  std::string user;                   // Slack user id, e.g. U0123ABCD
  std::string name;                   // display name, <= 80 characters
  std::string time_zone;              // IANA name such as "Europe/Berlin"; may be empty
  std::optional<int> capacity;        // open incidents at once; empty: the config default
  std::map<std::string, int> skills;  // skill → level 1..5
};

// At most this many people in one file.
inline constexpr std::size_t kMaxPeople = 10'000;

// Parses a people file. A mistake is Errc::kInvalidInput whose user_message
// names the file, the line and the key ("people.toml:7: person[2].skills.promo:
// must be a whole number from 1 to 5"); the same user twice is one.
Result<std::vector<PersonEntry>> ParsePeopleFile(const std::string& toml_text,
                                                 const std::string& source_name);

}  // namespace swarmbot::config
