#pragma once

#include <compare>
#include <functional>
#include <string>
#include <utility>

namespace swarmbot {

// A Slack identifier that can't be mixed up with another kind of identifier.
template <class Tag>
class StrongId {
 public:
  StrongId() = default;
  explicit StrongId(std::string value) : value_(std::move(value)) {}

  const std::string& str() const noexcept { return value_; }
  bool empty() const noexcept { return value_.empty(); }
  auto operator<=>(const StrongId&) const = default;

 private:
  std::string value_;
};

using ChannelId = StrongId<struct ChannelIdTag>;
using UserId = StrongId<struct UserIdTag>;
using UserGroupId = StrongId<struct UserGroupIdTag>;
// A message timestamp: a string such as "1503435956.000247", never a float.
using MessageTs = StrongId<struct MessageTsTag>;

}  // namespace swarmbot

template <class Tag>
struct std::hash<swarmbot::StrongId<Tag>> {
  std::size_t operator()(const swarmbot::StrongId<Tag>& id) const noexcept {
    return std::hash<std::string>{}(id.str());
  }
};
