#include "bot/detail/json.hpp"

namespace swarmbot::bot::detail {

std::optional<std::string> AsString(ondemand::value& value) {
  ondemand::json_type type;
  if (value.type().get(type) != simdjson::SUCCESS || type != ondemand::json_type::string) {
    return std::nullopt;
  }
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  return std::string(text);
}

std::optional<std::int64_t> AsInt(ondemand::value& value) {
  ondemand::json_type type;
  if (value.type().get(type) != simdjson::SUCCESS || type != ondemand::json_type::number) {
    return std::nullopt;
  }
  std::int64_t number = 0;
  if (value.get_int64().get(number) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  return number;
}

std::optional<bool> AsBool(ondemand::value& value) {
  ondemand::json_type type;
  if (value.type().get(type) != simdjson::SUCCESS || type != ondemand::json_type::boolean) {
    return std::nullopt;
  }
  bool flag = false;
  if (value.get_bool().get(flag) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  return flag;
}

std::optional<std::string> RawJson(ondemand::value& value) {
  std::string_view text;
  if (simdjson::to_json_string(value).get(text) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  // A scalar's token may carry the whitespace that followed it.
  const auto end = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(0, end == std::string_view::npos ? 0 : end + 1));
}

Result<ApiAnswer> ParseApiAnswer(std::string_view body) {
  ApiAnswer answer;
  bool saw_ok = false;
  auto status = ForEachField(body, "Web API answer", [&](std::string_view key, ondemand::value& v) {
    if (key == "ok") {
      const auto ok = AsBool(v);
      saw_ok = ok.has_value();
      answer.ok = ok.value_or(false);
    } else if (key == "error") {
      answer.error = AsString(v).value_or("");
    } else if (key == "warning") {
      answer.warning = AsString(v).value_or("");
    } else if (key == "url") {
      answer.url = AsString(v).value_or("");
    }
    return true;
  });
  if (!status) {
    return status.error();
  }
  if (!saw_ok) {
    return MakeError(Errc::kInvalidInput, "Web API answer has no boolean `ok`");
  }
  return answer;
}

Result<FormFields> JsonArgsToForm(std::string_view args_json) {
  FormFields fields;
  auto status =
      ForEachField(args_json, "method arguments", [&](std::string_view key, ondemand::value& v) {
        ondemand::json_type type;
        if (v.type().get(type) != simdjson::SUCCESS) {
          return false;
        }
        if (type == ondemand::json_type::null) {
          return true;
        }
        std::optional<std::string> text =
            type == ondemand::json_type::string ? AsString(v) : RawJson(v);
        if (!text) {
          return false;
        }
        fields.emplace_back(std::string(key), std::move(*text));
        return true;
      });
  if (!status) {
    return status.error();
  }
  return fields;
}

}  // namespace swarmbot::bot::detail
