#pragma once

// The SMTP sink lives with the demo, which shows the e-mails it received; the
// tests use the same one under their own namespace.
#include "demo/smtp_sink.hpp"

namespace swarmbot::testing {

using demo::ReceivedMail;
using demo::SmtpSink;
using demo::SmtpSinkFaults;
using demo::SmtpSinkOptions;

}  // namespace swarmbot::testing
