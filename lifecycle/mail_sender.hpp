#pragma once

#include <string>

#include "common/clock.hpp"

namespace swarmbot::lifecycle {

// One e-mail to one customer, as the broadcast renders it; the sender turns it
// into an RFC 5322 message. Header values hold no CR or LF.
struct OutgoingMail {
  std::string from;  // plain addresses
  std::string from_name;
  std::string to;
  std::string to_name;
  std::string subject;     // UTF-8, one line
  std::string body;        // UTF-8 text, "\n" line ends
  std::string message_id;  // without the angle brackets, stable per delivery
  Clock::TimePoint date;
  std::string unsubscribe_url;     // https://…, or empty
  std::string unsubscribe_mailto;  // an address, or empty
};

// What became of one message, as far as the sender knows.
enum class SendVerdict {
  kAccepted,  // the server took it (2xx after the data)
  kRefused,   // a permanent no (5xx): recorded, never retried
  // A temporary no (4xx), or a connection that broke before the message was
  // handed over: retried a few times, later.
  kDeferred,
  // The server took nothing and isn't serving: no connection, TLS failed, no
  // reply at all, or 421 (closing: busy or shutting down) at any step. Not
  // charged to the customer: the broadcast waits for the server.
  kNotSent,
  // The server refused swarmbot's login (530, 534 or 535 to AUTH, or 530 to a
  // sender that didn't log in): nothing was sent. Like kNotSent, retried
  // until the broadcast gives up, since only fixing the credentials helps.
  kLoginRefused,
  // The server asked for the message (354) but never confirmed it: the
  // connection broke, or the server fell silent, after the message went. It
  // may have arrived; retried like a deferral (see BroadcastService).
  kUnknown,
};

struct SendResult {
  SendVerdict verdict = SendVerdict::kUnknown;
  int code = 0;       // the server's reply code, 0 when there was none
  std::string reply;  // the server's last reply line, or what went wrong
};

// Sends customer e-mail. The app provides one over SMTP (mailer::SmtpSender);
// tests provide fakes. Send blocks, so it runs on the mail worker's thread,
// never on the Slack path. Not thread-safe.
class MailSender {
 public:
  virtual ~MailSender() = default;
  virtual SendResult Send(const OutgoingMail& mail) = 0;
};

}  // namespace swarmbot::lifecycle
