#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <string>

#include <sys/types.h>

namespace swarmbot::demo {

// The real swarmbot binary running as a child process, as an operator would
// run it: a config file, secrets in the environment, logs to a file.
class SwarmbotProcess {
 public:
  struct Options {
    std::filesystem::path binary;
    std::filesystem::path config_file;
    std::filesystem::path log_file;          // stderr goes here
    std::map<std::string, std::string> env;  // added to a minimal environment
    std::chrono::seconds ready_timeout{20};
    // false: return as soon as it runs (for tests of start-up itself).
    bool wait_ready = true;
  };

  // Starts swarmbot and (unless told not to) waits until it reports ready on
  // its ready pipe.
  // Throws std::runtime_error if it exits or stays silent instead.
  explicit SwarmbotProcess(Options options);
  ~SwarmbotProcess();  // terminates it if still running
  SwarmbotProcess(const SwarmbotProcess&) = delete;
  SwarmbotProcess& operator=(const SwarmbotProcess&) = delete;

  // The port of swarmbot's HTTP endpoint, from its ready line.
  unsigned short HttpPort() const { return http_port_; }
  pid_t Pid() const { return pid_; }

  // SIGKILL: no shutdown code runs, as in a crash.
  void Kill();
  // SIGTERM and wait; returns the exit status (or 128+signal).
  int Stop();

 private:
  int Wait();

  pid_t pid_ = -1;
  unsigned short http_port_ = 0;
};

}  // namespace swarmbot::demo
