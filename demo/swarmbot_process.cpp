#include "demo/swarmbot_process.hpp"

#include <stdexcept>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace swarmbot::demo {
namespace {

// Reads the ready line ("ready http_port=N") from `fd` within `timeout`.
std::string ReadReadyLine(int fd, std::chrono::milliseconds timeout) {
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (line.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      throw std::runtime_error("swarmbot did not report ready in time");
    }
    pollfd pfd{fd, POLLIN, 0};
    const int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) {
      continue;
    }
    if (ready <= 0) {
      continue;
    }
    char buffer[256];
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) {
      throw std::runtime_error("swarmbot exited before it was ready (see its log)");
    }
    line.append(buffer, static_cast<std::size_t>(n));
  }
  return line.substr(0, line.find('\n'));
}

unsigned short PortFrom(const std::string& line) {
  const std::string key = "http_port=";
  const auto at = line.find(key);
  if (at == std::string::npos) {
    throw std::runtime_error("unexpected ready line from swarmbot: " + line);
  }
  return static_cast<unsigned short>(std::stoi(line.substr(at + key.size())));
}

}  // namespace

SwarmbotProcess::SwarmbotProcess(Options options) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  const int log_fd =
      ::open(options.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0) {
    throw std::runtime_error("cannot open " + options.log_file.string());
  }
  // The child gets the pipe's write end as fd 3 and the log as stderr.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 3);
  posix_spawn_file_actions_adddup2(&actions, log_fd, STDERR_FILENO);
  posix_spawn_file_actions_adddup2(&actions, log_fd, STDOUT_FILENO);

  std::vector<std::string> args{options.binary.string(),      "serve",      "--config",
                                options.config_file.string(), "--ready-fd", "3"};
  std::vector<std::string> env{"PATH=/usr/bin:/bin"};
  for (const auto& [name, value] : options.env) {
    env.push_back(name + "=" + value);
  }
  std::vector<char*> argv;
  for (auto& a : args) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env) {
    envp.push_back(e.data());
  }
  envp.push_back(nullptr);

  const int rc = ::posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  ::close(log_fd);
  if (rc != 0) {
    ::close(pipe_fds[0]);
    throw std::runtime_error("cannot start " + options.binary.string());
  }
  try {
    if (options.wait_ready) {
      http_port_ = PortFrom(ReadReadyLine(pipe_fds[0], options.ready_timeout));
    }
  } catch (...) {
    ::close(pipe_fds[0]);
    Kill();
    throw;
  }
  ::close(pipe_fds[0]);
}

SwarmbotProcess::~SwarmbotProcess() {
  if (pid_ > 0) {
    Stop();
  }
}

void SwarmbotProcess::Kill() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    Wait();
  }
}

int SwarmbotProcess::Stop() {
  if (pid_ <= 0) {
    return -1;
  }
  ::kill(pid_, SIGTERM);
  // A clean shutdown is bounded; one that hangs is a bug, and the test that
  // stopped it must not hang with it.
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
  if (pidfd >= 0) {
    pollfd pfd{pidfd, POLLIN, 0};
    if (::poll(&pfd, 1, 10'000) == 0) {
      ::kill(pid_, SIGKILL);
    }
    ::close(pidfd);
  }
  return Wait();
}

int SwarmbotProcess::Wait() {
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  if (WIFEXITED(status)) {
    return WEXITSTATUS(status);
  }
  return 128 + WTERMSIG(status);
}

}  // namespace swarmbot::demo
