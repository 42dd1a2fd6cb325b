#include "handlers/detail/flat_json.hpp"

#include <simdjson.h>

namespace swarmbot::handlers::detail {
namespace {

namespace od = simdjson::ondemand;

class Flattener {
 public:
  Flattener(FlatJson& out, std::size_t max_depth) : out_(out), max_depth_(max_depth) {}

  simdjson::error_code Value(od::value value, const std::string& path, std::size_t depth) {
    od::json_type type;
    if (auto error = value.type().get(type)) {
      return error;
    }
    switch (type) {
      case od::json_type::object: {
        od::object object;
        if (auto error = value.get_object().get(object)) {
          return error;
        }
        return Object(object, path, depth);
      }
      case od::json_type::array: {
        od::array array;
        if (auto error = value.get_array().get(array)) {
          return error;
        }
        return Array(array, path, depth);
      }
      case od::json_type::string: {
        std::string_view text;
        if (auto error = value.get_string().get(text)) {
          return error;
        }
        out_.strings.emplace(path, text);
        return simdjson::SUCCESS;
      }
      default:
        return Scalar(value, type, path);
    }
  }

  simdjson::error_code Object(od::object object, const std::string& path, std::size_t depth) {
    std::size_t count = 0;
    for (auto field : object) {
      std::string_view key;
      if (auto error = field.unescaped_key().get(key)) {
        return error;
      }
      ++count;
      if (path.empty()) {
        out_.top_level_keys.emplace_back(key);
      }
      const std::string child = JoinPath(path, key);
      od::value value;
      if (auto error = field.value().get(value)) {
        return error;
      }
      if (auto error = Child(value, child, depth)) {
        return error;
      }
    }
    out_.objects.emplace(path, count);
    return simdjson::SUCCESS;
  }

  simdjson::error_code Array(od::array array, const std::string& path, std::size_t depth) {
    std::size_t index = 0;
    for (auto element : array) {
      od::value value;
      if (auto error = element.get(value)) {
        return error;
      }
      if (auto error = Child(value, JoinPath(path, std::to_string(index)), depth)) {
        return error;
      }
      ++index;
    }
    out_.arrays.emplace(path, index);
    return simdjson::SUCCESS;
  }

 private:
  simdjson::error_code Child(od::value value, const std::string& path, std::size_t depth) {
    if (depth + 1 > max_depth_) {
      // Left unread: the iteration skips it when it moves on.
      return simdjson::SUCCESS;
    }
    return Value(value, path, depth + 1);
  }

  simdjson::error_code Scalar(od::value value, od::json_type type, const std::string& path) {
    if (type == od::json_type::number) {
      // Reading the number validates it; raw_json_token alone would not.
      double ignored = 0;
      if (auto error = value.get_double().get(ignored)) {
        return error;
      }
    } else if (type == od::json_type::boolean) {
      bool ignored = false;
      if (auto error = value.get_bool().get(ignored)) {
        return error;
      }
    } else {
      bool is_null = false;
      if (auto error = value.is_null().get(is_null); error || !is_null) {
        return simdjson::INCORRECT_TYPE;
      }
    }
    std::string_view token = value.raw_json_token();
    while (!token.empty() && (token.back() == ' ' || token.back() == '\n' || token.back() == '\r' ||
                              token.back() == '\t')) {
      token.remove_suffix(1);
    }
    out_.scalars.emplace(path, token);
    return simdjson::SUCCESS;
  }

  FlatJson& out_;
  std::size_t max_depth_;
};

}  // namespace

std::optional<std::string> FlatJson::String(std::string_view path) const {
  if (auto it = strings.find(path); it != strings.end()) {
    return it->second;
  }
  return std::nullopt;
}

std::string FlatJson::StringOr(std::string_view path, std::string_view fallback) const {
  auto found = String(path);
  return found ? *found : std::string(fallback);
}

bool FlatJson::True(std::string_view path) const {
  auto it = scalars.find(path);
  return it != scalars.end() && it->second == "true";
}

std::size_t FlatJson::ArraySize(std::string_view path) const {
  auto it = arrays.find(path);
  return it == arrays.end() ? 0 : it->second;
}

bool FlatJson::IsObject(std::string_view path) const {
  return objects.contains(path);
}

std::string JoinPath(std::string_view prefix, std::string_view key) {
  if (prefix.empty()) {
    return std::string(key);
  }
  std::string path(prefix);
  path.push_back('.');
  path.append(key);
  return path;
}

Result<FlatJson> FlattenJson(std::string_view json, std::size_t max_depth) {
  simdjson::padded_string padded(json);
  od::parser parser;
  od::document document;
  auto invalid = [](simdjson::error_code error) {
    return MakeError(Errc::kInvalidInput,
                     std::string("malformed JSON: ") + simdjson::error_message(error));
  };
  if (auto error = parser.iterate(padded).get(document)) {
    return invalid(error);
  }
  od::object object;
  if (auto error = document.get_object().get(object)) {
    return invalid(error);
  }
  FlatJson flat;
  Flattener flattener(flat, max_depth);
  if (auto error = flattener.Object(object, "", 0)) {
    return invalid(error);
  }
  // Trailing content after the object ("{} junk") is malformed too.
  const char* rest = nullptr;
  if (document.current_location().get(rest) == simdjson::SUCCESS) {
    return invalid(simdjson::TRAILING_CONTENT);
  }
  return flat;
}

}  // namespace swarmbot::handlers::detail
