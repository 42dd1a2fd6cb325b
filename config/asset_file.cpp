#include "config/asset_file.hpp"

#include <regex>
#include <set>

#include <toml++/toml.h>

#include "config/entry_file.hpp"

namespace swarmbot::config {
namespace {

// Thrown inside the parser only; ParseAssetFile turns it into an Error.
struct BadEntry {
  std::string where;  // "assets.toml:9: asset[3].name"
  std::string what;
};

std::string At(const std::string& source, const toml::node& node, const std::string& key) {
  return WhereIn(source, node, key);
}

// The string at `name`, "" when absent; one line of at most `max` bytes.
std::string OptionalLine(const toml::table& table, const std::string& source,
                         const std::string& key, const char* name, std::size_t max) {
  const toml::node* node = table.get(name);
  if (node == nullptr) {
    return {};
  }
  const auto value = node->value<std::string>();
  if (!node->is_string() || !value || value->size() > max ||
      value->find_first_of("\r\n\t") != std::string::npos) {
    throw BadEntry{At(source, *node, key + "." + name),
                   "must be one line of at most " + std::to_string(max) + " characters"};
  }
  return *value;
}

AssetEntry ReadAsset(const toml::node& node, const std::string& source, std::size_t index) {
  const std::string key = "asset[" + std::to_string(index + 1) + "]";
  const toml::table* table = node.as_table();
  if (table == nullptr) {
    throw BadEntry{At(source, node, key), "must be a table ([[asset]])"};
  }
  static const std::set<std::string> kKeys{"name", "team", "description"};
  for (const auto& [name, value] : *table) {
    if (!kKeys.contains(std::string(name.str()))) {
      throw BadEntry{At(source, value, key + "." + std::string(name.str())), "unknown key"};
    }
  }
  const toml::node* name = table->get("name");
  if (name == nullptr) {
    throw BadEntry{At(source, *table, key + ".name"), "missing"};
  }
  static const std::regex kName("[a-z0-9][a-z0-9._-]{0,79}");
  const auto value = name->value<std::string>();
  if (!name->is_string() || !value || !std::regex_match(*value, kName)) {
    throw BadEntry{At(source, *name, key + ".name"),
                   "must be lowercase letters, digits, '-', '_' or '.' (at most 80), such as "
                   "\"checkout-service\""};
  }
  return AssetEntry{*value, OptionalLine(*table, source, key, "team", 80),
                    OptionalLine(*table, source, key, "description", 500)};
}

}  // namespace

Result<std::vector<AssetEntry>> ParseAssetFile(const std::string& toml_text,
                                               const std::string& source_name) {
  auto root = ParseEntryFile(toml_text, source_name,
                             {"asset", "asset", "assets", kMaxAssets, "no [[asset]] tables"});
  if (!root) {
    return root.error();
  }
  const toml::array& list = *(*root)["asset"].as_array();
  std::vector<AssetEntry> assets;
  try {
    std::set<std::string> seen;
    for (std::size_t i = 0; i < list.size(); ++i) {
      AssetEntry asset = ReadAsset(*list.get(i), source_name, i);
      if (!seen.insert(asset.name).second) {
        throw BadEntry{At(source_name, *list.get(i), "asset[" + std::to_string(i + 1) + "]"),
                       asset.name + " is listed twice"};
      }
      assets.push_back(std::move(asset));
    }
  } catch (const BadEntry& bad) {
    return MakeError(Errc::kInvalidInput, "bad asset file", bad.where + ": " + bad.what);
  }
  return assets;
}

}  // namespace swarmbot::config
