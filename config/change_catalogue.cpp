#include "config/change_catalogue.hpp"

#include <regex>
#include <set>

#include "config/config.hpp"
#include "config/detail/toml_read.hpp"

namespace swarmbot::config {
namespace {

// Mirrors lifecycle's limits (lifecycle/work_plan.hpp), so a catalogue entry
// can't hold a plan the lifecycle would refuse.
constexpr std::size_t kMaxSteps = 30;
constexpr std::size_t kMaxStepText = 500;
constexpr std::size_t kMaxTitle = 200;

using detail::Fail;

StandardChange ReadEntry(const toml::node& node, const std::string& source, std::size_t index,
                         std::set<std::string>& names) {
  const std::string key = "changes.standard[" + std::to_string(index) + "]";
  const toml::table* table = node.as_table();
  if (table == nullptr) {
    Fail(source, key, "must be a table with name, title and steps");
  }
  for (const auto& [name, value] : *table) {
    if (name.str() != "name" && name.str() != "title" && name.str() != "steps") {
      Fail(source, key + "." + std::string(name.str()), "unknown key");
    }
  }
  static const std::regex kName("[a-z0-9][a-z0-9_-]{0,39}");
  StandardChange entry;
  entry.name = (*table)["name"].value_or(std::string());
  if (!std::regex_match(entry.name, kName)) {
    Fail(source, key + ".name", "must be lowercase letters, digits, - or _ (at most 40)");
  }
  if (!names.insert(entry.name).second) {
    Fail(source, key + ".name", "\"" + entry.name + "\" is in the catalogue twice");
  }
  entry.title = (*table)["title"].value_or(std::string());
  if (entry.title.empty() || entry.title.size() > kMaxTitle) {
    Fail(source, key + ".title", "must be a title of 1 to 200 characters");
  }
  detail::RefuseBlank(source, key + ".title", entry.title);
  detail::RefuseControls(source, key + ".title", entry.title);
  const toml::array* steps = (*table)["steps"].as_array();
  if (steps == nullptr || steps->empty() || steps->size() > kMaxSteps) {
    Fail(source, key + ".steps", "must list 1 to 30 steps");
  }
  for (const auto& item : *steps) {
    const auto text = item.value<std::string>();
    if (!item.is_string() || !text || text->empty() || text->size() > kMaxStepText) {
      Fail(source, key + ".steps", "must hold texts of 1 to 500 characters");
    }
    detail::RefuseBlank(source, key + ".steps", *text);
    detail::RefuseControls(source, key + ".steps", *text);
    entry.steps.push_back(*text);
  }
  return entry;
}

}  // namespace

std::vector<StandardChange> ReadStandardChanges(const toml::table& root,
                                                const std::string& source) {
  std::vector<StandardChange> catalogue;
  const toml::node* node = root.at_path("changes.standard").node();
  if (node == nullptr) {
    return catalogue;
  }
  const toml::array* entries = node->as_array();
  if (entries == nullptr) {
    Fail(source, "changes.standard", "must be a list of tables ([[changes.standard]])");
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < entries->size(); ++i) {
    catalogue.push_back(ReadEntry(*entries->get(i), source, i, names));
  }
  return catalogue;
}

}  // namespace swarmbot::config
