#pragma once

#include <string>

#include "common/result.hpp"

namespace swarmbot::app {

// Makes sure one swarmbot at a time serves a database: a second one would
// claim the same outbox items and post every message twice. An advisory lock
// on a file beside the database, released by the kernel when the process
// ends, however it ends (so a crash leaves no stale lock behind).
class InstanceLock {
 public:
  // Errc::kConflict, with a user_message naming the holder's pid, when another
  // process holds the lock; kUnavailable when the lock file can't be opened.
  static Result<InstanceLock> Acquire(const std::string& path);

  InstanceLock(InstanceLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  InstanceLock& operator=(InstanceLock&&) = delete;
  InstanceLock(const InstanceLock&) = delete;
  ~InstanceLock();

 private:
  explicit InstanceLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace swarmbot::app
