#include "tests/support/testing.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "common/crypto.hpp"

namespace swarmbot::testing {

std::filesystem::path SharedDir() {
  if (const char* dir = std::getenv("SWARMBOT_SHARED_DIR"); dir != nullptr && *dir != '\0') {
    return dir;
  }
  return std::filesystem::path(SWARMBOT_BINARY_DIR) / ".." / ".." / "shared";
}

std::filesystem::path SwarmbotBinary() {
  return std::filesystem::path(SWARMBOT_BINARY_DIR) / "app" / "swarmbot";
}

TempDir::TempDir()
    : path_(std::filesystem::temp_directory_path() / ("swarmbot-test-" + RandomHex(6))) {
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot read " + path.string());
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void WriteFile(const std::filesystem::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) {
    throw std::runtime_error("cannot write " + path.string());
  }
}

}  // namespace swarmbot::testing
