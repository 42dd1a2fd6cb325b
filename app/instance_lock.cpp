#include "app/instance_lock.hpp"

#include <cerrno>
#include <filesystem>
#include <string>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace swarmbot::app {
namespace {

std::string ReadHolder(int fd) {
  char buffer[32] = {};
  const ssize_t n = ::pread(fd, buffer, sizeof buffer - 1, 0);
  std::string pid = n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : "";
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) {
    pid.pop_back();
  }
  return pid.empty() ? "unknown" : pid;
}

}  // namespace

std::string InstanceLock::FileBeside(const std::string& database, std::string_view suffix) {
  std::error_code error;
  const std::filesystem::path real = std::filesystem::weakly_canonical(database, error);
  return (error ? database : real.string()) + std::string(suffix);
}

Result<InstanceLock> InstanceLock::Acquire(const std::string& path, std::string_view in_use) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return MakeError(Errc::kUnavailable, "cannot open the lock file errno=" + std::to_string(errno),
                     "cannot open the lock file " + path);
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const std::string holder = ReadHolder(fd);
    ::close(fd);
    return MakeError(Errc::kConflict, "lock held, holder pid=" + holder,
                     std::string(in_use) + " (pid " + holder + ", lock file " + path + ")");
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    // The lock holds all the same; only the pid shown to a second process is missing.
  }
  return InstanceLock(fd);
}

InstanceLock::~InstanceLock() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

}  // namespace swarmbot::app
