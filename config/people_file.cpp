#include "config/people_file.hpp"

#include <algorithm>
#include <optional>
#include <regex>
#include <set>
#include <string_view>

#include <toml++/toml.h>

#include "common/text_checks.hpp"
#include "config/entry_file.hpp"

namespace swarmbot::config {
namespace {

// Thrown inside the parser only; ParsePeopleFile turns it into an Error.
struct Mistake {
  std::string where;  // "people.toml:7: person[2].name"
  std::string what;
};

std::string Where(const std::string& source, const toml::node& node, const std::string& key) {
  return WhereIn(source, node, key);
}

std::string RequiredString(const toml::table& table, const std::string& source,
                           const std::string& key, const std::string& name) {
  const toml::node* node = table.get(name);
  if (node == nullptr) {
    throw Mistake{Where(source, table, key + "." + name), "missing"};
  }
  const auto value = node->value<std::string>();
  if (!node->is_string() || !value) {
    throw Mistake{Where(source, *node, key + "." + name), "must be a string"};
  }
  return *value;
}

std::map<std::string, int> ReadSkills(const toml::node& node, const std::string& source,
                                      const std::string& key) {
  const toml::table* table = node.as_table();
  if (table == nullptr) {
    throw Mistake{Where(source, node, key), "must be a table such as { promotions = 5 }"};
  }
  static const std::regex kSkill("[a-z0-9][a-z0-9_-]{0,39}");
  std::map<std::string, int> skills;
  for (const auto& [name, value] : *table) {
    const std::string skill(name.str());
    const std::string skill_key = key + "." + skill;
    if (!std::regex_match(skill, kSkill)) {
      throw Mistake{Where(source, value, skill_key),
                    "a skill name is lowercase letters, digits, - or _ (at most 40)"};
    }
    const auto level = value.value<std::int64_t>();
    if (!value.is_integer() || !level || *level < 1 || *level > 5) {
      throw Mistake{Where(source, value, skill_key), "must be a whole number from 1 to 5"};
    }
    skills.emplace(skill, static_cast<int>(*level));
  }
  return skills;
}

// Why a display name can't be shown as it is, or nullopt: a control
// character (C0, DEL, C1) would garble every message naming the person, and a
// bidirectional embedding, override or isolate (U+202A..E, U+2066..9) would
// reorder the text after the name. toml++ hands over valid UTF-8.
std::optional<std::string> UnshowableInName(std::string_view name) {
  for (std::size_t i = 0; i < name.size();) {
    const auto lead = static_cast<unsigned char>(name[i]);
    std::size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    length = std::min(length, name.size() - i);
    char32_t point = length == 1 ? lead : lead & (0x7F >> length);
    for (std::size_t k = 1; k < length; ++k) {
      point = (point << 6) | (static_cast<unsigned char>(name[i + k]) & 0x3F);
    }
    const bool control = point < 0x20 || (point >= 0x7F && point <= 0x9F);
    const bool bidi = (point >= 0x202A && point <= 0x202E) || (point >= 0x2066 && point <= 0x2069);
    if (control || bidi) {
      return "contains " + CodePointName(point) +
             (control ? ", a control character; a name is one line of plain text"
                      : ", a direction control that would reorder the text around it; remove it");
    }
    i += length;
  }
  return std::nullopt;
}

PersonEntry ReadPerson(const toml::node& node, const std::string& source, std::size_t index) {
  const std::string key = "person[" + std::to_string(index + 1) + "]";
  const toml::table* table = node.as_table();
  if (table == nullptr) {
    throw Mistake{Where(source, node, key), "must be a table ([[person]])"};
  }
  static const std::set<std::string> kKeys{"user", "name", "time_zone", "capacity", "skills"};
  for (const auto& [name, value] : *table) {
    if (!kKeys.contains(std::string(name.str()))) {
      throw Mistake{Where(source, value, key + "." + std::string(name.str())), "unknown key"};
    }
  }
  PersonEntry person;
  static const std::regex kUser("[UW][A-Z0-9]{2,20}");
  person.user = RequiredString(*table, source, key, "user");
  if (!std::regex_match(person.user, kUser)) {
    throw Mistake{Where(source, *table->get("user"), key + ".user"),
                  "must be a Slack user id such as U0123ABCD"};
  }
  person.name = RequiredString(*table, source, key, "name");
  if (person.name.empty() || person.name.size() > 80 ||
      person.name.find_first_of("\r\n\t") != std::string::npos) {
    throw Mistake{Where(source, *table->get("name"), key + ".name"),
                  "must be one line of 1 to 80 characters"};
  }
  if (auto unshowable = UnshowableInName(person.name)) {
    throw Mistake{Where(source, *table->get("name"), key + ".name"), *unshowable};
  }
  if (const toml::node* tz = table->get("time_zone")) {
    static const std::regex kZone("[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,2}");
    const auto value = tz->value<std::string>();
    if (!tz->is_string() || !value || value->size() > 64 || !std::regex_match(*value, kZone)) {
      throw Mistake{Where(source, *tz, key + ".time_zone"),
                    "must be an IANA time zone name such as Europe/Berlin"};
    }
    person.time_zone = *value;
  }
  if (const toml::node* capacity = table->get("capacity")) {
    const auto value = capacity->value<std::int64_t>();
    if (!capacity->is_integer() || !value || *value < 0 || *value > 100) {
      throw Mistake{Where(source, *capacity, key + ".capacity"),
                    "must be a whole number from 0 to 100"};
    }
    person.capacity = static_cast<int>(*value);
  }
  if (const toml::node* skills = table->get("skills")) {
    person.skills = ReadSkills(*skills, source, key + ".skills");
  }
  return person;
}

}  // namespace

Result<std::vector<PersonEntry>> ParsePeopleFile(const std::string& toml_text,
                                                 const std::string& source_name) {
  auto root = ParseEntryFile(toml_text, source_name,
                             {"people", "person", "people", kMaxPeople,
                              "no [[person]] tables; an empty list would deactivate everyone, so "
                              "it is refused"});
  if (!root) {
    return root.error();
  }
  const toml::array* list = (*root)["person"].as_array();
  std::vector<PersonEntry> people;
  try {
    std::set<std::string> seen;
    for (std::size_t i = 0; i < list->size(); ++i) {
      PersonEntry person = ReadPerson(*list->get(i), source_name, i);
      if (!seen.insert(person.user).second) {
        throw Mistake{Where(source_name, *list->get(i), "person[" + std::to_string(i + 1) + "]"),
                      "user " + person.user + " is listed twice"};
      }
      people.push_back(std::move(person));
    }
  } catch (const Mistake& mistake) {
    return MakeError(Errc::kInvalidInput, "bad people file", mistake.where + ": " + mistake.what);
  }
  return people;
}

}  // namespace swarmbot::config
