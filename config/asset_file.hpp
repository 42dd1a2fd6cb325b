#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace swarmbot::config {

// One [[asset]] of an asset catalogue file (samples/assets.toml).
struct AssetEntry {
  std::string name;         // lowercase letters, digits, '-', '_', '.'; <= 80
  std::string team;         // the owner team, <= 80; may be empty
  std::string description;  // <= 500; may be empty
};

// At most this many assets in one file.
inline constexpr std::size_t kMaxAssets = 5'000;

// Parses an asset catalogue. A mistake is Errc::kInvalidInput whose
// user_message names the file, the line and the key ("assets.toml:9:
// asset[3].name: …"); the same name twice is one.
Result<std::vector<AssetEntry>> ParseAssetFile(const std::string& toml_text,
                                               const std::string& source_name);

}  // namespace swarmbot::config
