#pragma once

#include <span>
#include <string_view>

namespace swarmbot::store::detail {

// The schema's history. Migration i (1-based) turns a version i-1 database into
// version i. Append new migrations; never edit one that has shipped, since
// existing databases have already run it.
std::span<const std::string_view> Migrations() noexcept;

}  // namespace swarmbot::store::detail
