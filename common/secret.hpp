#pragma once

#include <string>
#include <utility>

namespace swarmbot {

// A credential (token, signing secret, API key, password). It has no stream
// operator and no fmt formatter, so passing one to a log call does not compile;
// Reveal() is the one, greppable way to read it.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}

  const std::string& Reveal() const noexcept { return value_; }
  bool Empty() const noexcept { return value_.empty(); }

 private:
  std::string value_;
};

}  // namespace swarmbot
