#include "config/detail/toml_read.hpp"

#include <cstdint>
#include <filesystem>

#include "common/text_checks.hpp"
#include "common/tls.hpp"
#include "config/config.hpp"

namespace swarmbot::config::detail {
namespace {

// Why the certificates in `path` can't be loaded; "" when they can.
std::string CaFileProblem(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return "no such file";
  }
  if (!std::filesystem::is_regular_file(path, ec)) {
    return "not a regular file";
  }
  try {
    MakeClientTlsContext(path);
  } catch (const std::exception&) {
    return "unreadable, or no PEM certificate in it";
  }
  return {};
}

}  // namespace

void Fail(const std::string& source, const std::string& key, const std::string& what) {
  throw ConfigError(source + ": " + key + ": " + what);
}

int ReadWhole(const toml::node* node, const std::string& source, const std::string& key,
              int fallback, int low, int high) {
  if (node == nullptr) {
    return fallback;
  }
  const auto value = node->value<std::int64_t>();
  if (!node->is_integer() || !value || *value < low || *value > high) {
    Fail(source, key,
         "must be a whole number from " + std::to_string(low) + " to " + std::to_string(high));
  }
  return static_cast<int>(*value);
}

void RefuseBlank(const std::string& source, const std::string& key, std::string_view value) {
  if (!value.empty() && value.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    Fail(source, key, "must not be only spaces");
  }
}

void RefuseControls(const std::string& source, const std::string& key, std::string_view value,
                    bool multiline) {
  if (const auto control = FirstControlCharacter(value, multiline)) {
    Fail(source, key,
         "contains the control character " + CodePointName(*control) +
             (multiline ? "; only tabs and line breaks are allowed" : "; it must be one line"));
  }
  if (const auto bidi = FirstBidiControl(value)) {
    Fail(source, key,
         "contains " + CodePointName(*bidi) +
             ", a direction control that would reorder the text around it; remove it");
  }
}

void RefusePlaceholder(const std::string& source, const std::string& key, std::string_view value,
                       const std::string& wanted) {
  if (value.size() >= 2 && value.front() == '<' && value.back() == '>') {
    Fail(source, key,
         "still holds the example's placeholder " + std::string(value) + "; replace it with " +
             wanted);
  }
}

void CheckCaFile(const std::string& source, const std::string& key, const std::string& path) {
  if (const std::string problem = CaFileProblem(path); !problem.empty()) {
    Fail(source, key, "cannot load certificates from " + path + " (" + problem + ")");
  }
}

}  // namespace swarmbot::config::detail
