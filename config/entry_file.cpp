#include "config/entry_file.hpp"

namespace swarmbot::config {

std::string WhereIn(const std::string& source, const toml::node& node, const std::string& key) {
  return source + ":" + std::to_string(node.source().begin.line) + ": " + key;
}

Result<toml::table> ParseEntryFile(const std::string& toml_text, const std::string& source_name,
                                   const EntryFileRules& rules) {
  auto refuse = [&](const std::string& text) {
    return MakeError(Errc::kInvalidInput, "bad " + std::string(rules.kind) + " file", text);
  };
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    return refuse(source_name + ":" + std::to_string(e.source().begin.line) + ": " +
                  std::string(e.description()));
  }
  for (const auto& [name, value] : root) {
    if (name.str() != rules.table) {
      return refuse(WhereIn(source_name, value, std::string(name.str())) + ": unknown key (" +
                    std::string(rules.kind) + " files hold only [[" + std::string(rules.table) +
                    "]] tables)");
    }
  }
  const toml::array* list = root[rules.table].as_array();
  if (list == nullptr || list->empty()) {
    return refuse(source_name + ": " + std::string(rules.missing));
  }
  if (list->size() > rules.max) {
    return refuse(source_name + ": more than " + std::to_string(rules.max) + " " +
                  std::string(rules.plural));
  }
  return root;
}

}  // namespace swarmbot::config
