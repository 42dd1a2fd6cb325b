#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>

namespace swarmbot::testing {

// The longest any test waits for an event before it fails.
inline constexpr std::chrono::seconds kTestTimeout{20};

// The read-only shared/ folder (samples, evaluation data).
std::filesystem::path SharedDir();

// The built swarmbot binary, for tests that run it as a real process.
std::filesystem::path SwarmbotBinary();

// A fresh folder under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

std::string ReadFile(const std::filesystem::path& path);
void WriteFile(const std::filesystem::path& path, const std::string& content);

}  // namespace swarmbot::testing
