#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"

namespace swarmbot {

// application/x-www-form-urlencoded, as Slack sends slash commands and
// interactivity payloads (HTML's form encoding: '+' is a space).
using FormFields = std::vector<std::pair<std::string, std::string>>;

std::string FormEncode(std::string_view text);
Result<std::string> FormDecode(std::string_view text);
Result<FormFields> ParseForm(std::string_view body);
std::string BuildForm(const FormFields& fields);

// The first value of `name`, if present.
std::optional<std::string> FormValue(const FormFields& fields, std::string_view name);

// An http(s) or ws(s) URL split into what a client needs to connect.
struct Url {
  std::string scheme;  // lowercase: http, https, ws, wss
  std::string host;
  std::string port;    // always set; defaults from the scheme
  std::string target;  // path and query, at least "/"

  bool Secure() const { return scheme == "https" || scheme == "wss"; }
};

Result<Url> ParseUrl(std::string_view text);

}  // namespace swarmbot
