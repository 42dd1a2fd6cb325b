#include "lifecycle/channel_name.hpp"

namespace swarmbot::lifecycle {
namespace {

void TrimDashes(std::string& name) {
  while (!name.empty() && name.back() == '-') {
    name.pop_back();
  }
}

std::string Slug(std::string_view text) {
  std::string slug;
  for (char raw : text) {
    const auto c = static_cast<unsigned char>(raw);
    if (c >= 'A' && c <= 'Z') {
      slug.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      slug.push_back(static_cast<char>(c));
    } else if (!slug.empty() && slug.back() != '-') {
      slug.push_back('-');
    }
  }
  TrimDashes(slug);
  return slug;
}

}  // namespace

std::string SwarmChannelName(std::int64_t incident, std::string_view subject) {
  std::string name = "inc-" + std::to_string(incident);
  const std::string slug = Slug(subject);
  if (!slug.empty()) {
    name += "-" + slug;
  }
  if (name.size() > kMaxChannelName) {
    name.resize(kMaxChannelName);
  }
  TrimDashes(name);
  return name;
}

std::string ReopenedChannelName(std::int64_t incident, std::string_view subject) {
  constexpr std::string_view kReopened = "-reopened";
  std::string base = SwarmChannelName(incident, subject);
  if (base.size() > kMaxChannelName - kReopened.size()) {
    base.resize(kMaxChannelName - kReopened.size());
    TrimDashes(base);
  }
  return base + std::string(kReopened);
}

std::string WithSuffix(std::string_view name, int n) {
  if (n <= 1) {
    return std::string(name);
  }
  const std::string suffix = "-" + std::to_string(n);
  std::string base(name.substr(0, kMaxChannelName - suffix.size()));
  TrimDashes(base);
  return base + suffix;
}

}  // namespace swarmbot::lifecycle
