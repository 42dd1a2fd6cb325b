#pragma once

#include <chrono>
#include <string>

#include "common/secret.hpp"
#include "lifecycle/mail_sender.hpp"

namespace swarmbot::mailer {

struct SmtpOptions {
  std::string url{};       // smtp://host:port (STARTTLS optional) or smtps://host:port
  bool starttls = false;   // refuse to send over smtp:// unless STARTTLS succeeds
  std::string username{};  // empty: no AUTH
  Secret password{};
  std::string ca_file{};  // extra trust anchor; the system store otherwise
  std::chrono::seconds timeout{30};
};

// Sends each message over SMTP with libcurl, one recipient per message. One
// easy handle lives as long as the sender, so its connection is reused from
// message to message (libcurl reconnects when the server has closed it).
// The password goes only to libcurl; nothing here logs it or the bodies.
class SmtpSender final : public lifecycle::MailSender {
 public:
  explicit SmtpSender(SmtpOptions options);
  ~SmtpSender() override;
  SmtpSender(const SmtpSender&) = delete;
  SmtpSender& operator=(const SmtpSender&) = delete;

  lifecycle::SendResult Send(const lifecycle::OutgoingMail& mail) override;

 private:
  SmtpOptions options_;
  void* easy_;  // CURL*, kept out of this header
};

}  // namespace swarmbot::mailer
