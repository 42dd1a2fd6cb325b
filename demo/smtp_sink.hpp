#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <sys/types.h>

namespace swarmbot::demo {

// One message the sink received, as demo/smtp_sink.py recorded it.
struct ReceivedMail {
  std::string mail_from;
  std::vector<std::string> rcpt_tos;
  int peer_port = 0;  // the client's port: the same for messages on one connection
  std::vector<std::pair<std::string, std::string>> headers;  // as received
  std::string subject;                                       // decoded
  std::string body;                                          // decoded
  std::string raw;

  std::string Header(const std::string& name) const;  // "" when absent
};

// The longest the sink waits for itself to start or for mail to arrive.
inline constexpr std::chrono::seconds kMailWait{20};

struct SmtpSinkOptions {
  std::vector<std::string> refuse{};  // answered 550 at RCPT TO
  std::vector<std::string> defer{};   // answered 451
  // Set: the sink wants this login; 530 without one, 535 to a wrong one.
  std::string user{};
  std::string password{};
};

// How the sink misbehaves on purpose, from the next connection or command on.
struct SmtpSinkFaults {
  std::string greet{};  // set: answers a new connection with this and hangs up
  std::string mail{};   // set: answers MAIL FROM with this (hanging up after a 421)
  // Takes the whole message, final dot included, then hangs up without an
  // answer; the message isn't kept.
  bool hang_up_after_data = false;
};

// A real SMTP server (python3-aiosmtpd) on 127.0.0.1 at a free port, started
// by the constructor and stopped by the destructor. Recipients in `refuse` get
// 550 at RCPT TO, those in `defer` 451. The demo shows what it received; the
// tests check it.
class SmtpSink {
 public:
  using Options = SmtpSinkOptions;
  explicit SmtpSink(const std::filesystem::path& folder, Options options = {});
  ~SmtpSink();
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  std::uint16_t Port() const { return port_; }
  std::string Url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }

  // Switches the faults; the default switches them off. Takes effect for the
  // next connection or command: the sink reads them afresh each time.
  void SetFaults(const SmtpSinkFaults& faults = {});

  // Every message received so far, in arrival order.
  std::vector<ReceivedMail> Received() const;
  // Waits (at most kMailWait) until at least `count` arrived.
  bool WaitForCount(std::size_t count) const;

 private:
  std::filesystem::path folder_;
  std::filesystem::path faults_;
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace swarmbot::demo
