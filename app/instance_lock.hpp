#pragma once

#include <string>
#include <string_view>

#include "common/result.hpp"

namespace swarmbot::app {

// Makes sure one process at a time does something to a database: a second
// swarmbot would claim the same outbox items and post every message twice; a
// second history import would interleave its batches with the first. An
// advisory lock on a file beside the database, released by the kernel when
// the process ends, however it ends (so a crash leaves no stale lock behind).
class InstanceLock {
 public:
  // Errc::kConflict when another process holds the lock: its user_message is
  // `in_use` followed by the holder's pid and the lock file. kUnavailable when
  // the lock file can't be opened.
  static Result<InstanceLock> Acquire(const std::string& path, std::string_view in_use);

  // The lock file for `database`: its real path (symbolic links resolved, so
  // two spellings of one database share a lock) followed by `suffix`.
  static std::string FileBeside(const std::string& database, std::string_view suffix);

  InstanceLock(InstanceLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  InstanceLock& operator=(InstanceLock&&) = delete;
  InstanceLock(const InstanceLock&) = delete;
  ~InstanceLock();

 private:
  explicit InstanceLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace swarmbot::app
