#include "handlers/detail/request_keys.hpp"

#include <algorithm>

#include "handlers/detail/api_error.hpp"
#include "handlers/mrkdwn.hpp"

namespace swarmbot::handlers::detail {
namespace {

std::string JoinKeys(std::span<const std::string_view> keys) {
  std::string joined;
  for (const std::string_view key : keys) {
    joined += (joined.empty() ? "" : ", ") + std::string(key);
  }
  return joined;
}

}  // namespace

std::string ShownKey(std::string_view key) {
  return Truncate(EscapeInvalidUtf8(key), kKeyShown);
}

std::optional<std::string> KeyProblem(const std::vector<std::string_view>& keys,
                                      std::span<const std::string_view> allowed,
                                      std::string_view noun) {
  for (auto it = keys.begin(); it != keys.end(); ++it) {
    const std::string name = ShownKey(*it);
    if (std::find(allowed.begin(), allowed.end(), *it) == allowed.end()) {
      return "unknown " + std::string(noun) + " " + name + " (allowed: " + JoinKeys(allowed) + ")";
    }
    if (std::find(keys.begin(), it, *it) != it) {
      return std::string(noun) + " " + name + " appears twice";
    }
  }
  return std::nullopt;
}

std::optional<std::string> KeyProblem(const FormFields& fields,
                                      std::span<const std::string_view> allowed,
                                      std::string_view noun) {
  std::vector<std::string_view> names;
  names.reserve(fields.size());
  for (const auto& field : fields) {
    names.push_back(field.first);
  }
  return KeyProblem(names, allowed, noun);
}

}  // namespace swarmbot::handlers::detail
