#include "demo/smtp_sink.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <boost/json.hpp>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace swarmbot::demo {
namespace {

namespace json = boost::json;

// Reads one line from `fd` within `timeout`; "" on timeout or EOF.
std::string ReadLine(int fd, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string line;
  char c = 0;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      return "";
    }
    if (::read(fd, &c, 1) != 1) {
      return "";
    }
    if (c == '\n') {
      return line;
    }
    line += c;
  }
}

std::string String(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : "";
}

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

std::string ReceivedMail::Header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (strcasecmp(key.c_str(), name.c_str()) == 0) {
      return value;
    }
  }
  return "";
}

SmtpSink::SmtpSink(const std::filesystem::path& folder, Options options)
    : folder_(folder), faults_(folder / "faults.conf") {
  std::filesystem::create_directories(folder_);
  // Outside Received()'s *.json, which are the messages.
  std::vector<std::string> args{"/usr/bin/python3",
                                std::string(SWARMBOT_SOURCE_DIR) + "/demo/smtp_sink.py",
                                "--dir",
                                folder_.string(),
                                "--faults",
                                faults_.string()};
  for (const auto& a : options.refuse) {
    args.insert(args.end(), {"--refuse", a});
  }
  for (const auto& a : options.defer) {
    args.insert(args.end(), {"--defer", a});
  }
  if (!options.user.empty()) {
    args.insert(args.end(), {"--user", options.user, "--password", options.password});
  }
  std::vector<char*> argv;
  for (auto& a : args) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  int in[2];
  int out[2];
  if (::pipe(in) != 0 || ::pipe(out) != 0) {
    throw std::runtime_error("pipe failed");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_addclose(&actions, in[1]);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  const int spawned = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(in[0]);
  ::close(out[1]);
  stdin_fd_ = in[1];
  if (spawned != 0) {
    ::close(out[0]);
    throw std::runtime_error("could not start the SMTP sink");
  }
  const std::string line = ReadLine(out[0], kMailWait);
  ::close(out[0]);
  if (!line.starts_with("port ")) {
    throw std::runtime_error("the SMTP sink did not start (is python3-aiosmtpd installed?)");
  }
  port_ = static_cast<std::uint16_t>(std::stoi(line.substr(5)));
}

SmtpSink::~SmtpSink() {
  if (stdin_fd_ >= 0) {
    ::close(stdin_fd_);  // the sink stops when its stdin closes
  }
  if (pid_ > 0) {
    int status = 0;
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, &status, 0);
  }
}

void SmtpSink::SetFaults(const SmtpSinkFaults& faults) {
  json::object o;
  if (!faults.greet.empty()) {
    o["greet"] = faults.greet;
  }
  if (!faults.mail.empty()) {
    o["mail"] = faults.mail;
  }
  o["hang_up_after_data"] = faults.hang_up_after_data;
  // Renamed into place, so the sink never reads half a file.
  const auto temporary = faults_.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << json::serialize(o);
  }
  std::filesystem::rename(temporary, faults_);
}

std::vector<ReceivedMail> SmtpSink::Received() const {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(folder_)) {
    if (entry.path().extension() == ".json") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<ReceivedMail> mails;
  for (const auto& file : files) {
    const json::object o = json::parse(ReadAll(file)).as_object();
    ReceivedMail mail;
    mail.mail_from = String(o, "mail_from");
    for (const auto& r : o.at("rcpt_tos").as_array()) {
      mail.rcpt_tos.emplace_back(r.as_string());
    }
    mail.peer_port = static_cast<int>(o.at("peer_port").as_int64());
    for (const auto& [key, value] : o.at("headers").as_object()) {
      mail.headers.emplace_back(std::string(key), std::string(value.as_string()));
    }
    mail.subject = String(o, "subject");
    mail.body = String(o, "body");
    mail.raw = String(o, "raw");
    mails.push_back(std::move(mail));
  }
  return mails;
}

bool SmtpSink::WaitForCount(std::size_t count) const {
  // inotify reports each finished file (the sink renames it into place), so
  // this waits on events, not on a timer.
  const int fd = ::inotify_init1(IN_CLOEXEC);
  ::inotify_add_watch(fd, folder_.c_str(), IN_MOVED_TO);
  const auto deadline = std::chrono::steady_clock::now() + kMailWait;
  bool reached = false;
  while (!(reached = Received().size() >= count)) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      break;
    }
    char buffer[4096];
    [[maybe_unused]] const auto n = ::read(fd, buffer, sizeof(buffer));
  }
  ::close(fd);
  return reached;
}

}  // namespace swarmbot::demo
