#include "mailer/smtp_sender.hpp"

#include <cstring>
#include <mutex>

#include <curl/curl.h>

#include "mailer/message.hpp"

namespace swarmbot::mailer {
namespace {

using lifecycle::SendResult;
using lifecycle::SendVerdict;

struct Upload {
  const std::string* data = nullptr;
  std::size_t offset = 0;
};

std::size_t ReadBody(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const std::size_t room = size * count;
  const std::size_t left = upload->data->size() - upload->offset;
  const std::size_t n = std::min(room, left);
  std::memcpy(buffer, upload->data->data() + upload->offset, n);
  upload->offset += n;
  return n;
}

// The server's replies, as libcurl hands them to the header callback. A
// refusal is followed by libcurl's own QUIT and "221 Bye", so the last 4xx or
// 5xx line is the one that explains what happened.
struct Replies {
  std::string last;
  std::string last_error;

  const std::string& Best() const { return last_error.empty() ? last : last_error; }
};

std::size_t KeepReply(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* replies = static_cast<Replies*>(user);
  std::string line(buffer, size * count);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
    line.pop_back();
  }
  if (!line.empty()) {
    replies->last = line.substr(0, 300);
    if (line[0] == '4' || line[0] == '5') {
      replies->last_error = replies->last;
    }
  }
  return size * count;
}

// Failures that happen before anything reached the server: connecting,
// resolving, TLS. A refused login is told apart (LoginRefused).
bool NothingSent(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return true;
    default:
      return false;
  }
}

// The server would not take swarmbot's login: it refused the AUTH exchange
// (libcurl's "Login denied" after 535, 534 or 530), or it wants a login that
// isn't configured (530 to MAIL FROM).
bool LoginRefused(CURLcode code, long response) {
  return code == CURLE_LOGIN_DENIED || response == 530 || response == 534 || response == 535;
}

// 421: the server is closing the connection (busy, shutting down). Whatever
// the step, it kept nothing, and the trouble is the server's, not this
// customer's: like an unreachable server.
constexpr long kClosing = 421;
// 354: the server asked for the message. A connection that breaks after it,
// with no answer to the message, may or may not have left it with the server.
constexpr long kSendTheMessage = 354;

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

SmtpSender::SmtpSender(SmtpOptions options) : options_(std::move(options)) {
  GlobalInit();
  easy_ = curl_easy_init();
  if (easy_ == nullptr) {
    throw std::runtime_error("libcurl could not create a handle");
  }
}

SmtpSender::~SmtpSender() {
  curl_easy_cleanup(static_cast<CURL*>(easy_));
}

SendResult SmtpSender::Send(const lifecycle::OutgoingMail& mail) {
  CURL* curl = static_cast<CURL*>(easy_);
  const std::string message = ComposeMessage(mail);
  const std::string from = "<" + mail.from + ">";
  curl_slist* recipients = curl_slist_append(nullptr, ("<" + mail.to + ">").c_str());
  Upload upload{&message, 0};
  Replies replies;

  curl_easy_setopt(curl, CURLOPT_URL, options_.url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_USE_SSL, options_.starttls ? CURLUSESSL_ALL : CURLUSESSL_NONE);
  if (!options_.ca_file.empty()) {
    curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file.c_str());
  }
  if (!options_.username.empty()) {
    curl_easy_setopt(curl, CURLOPT_USERNAME, options_.username.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, options_.password.Reveal().c_str());
  }
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadBody);
  curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, KeepReply);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &replies);

  const CURLcode code = curl_easy_perform(curl);
  long response = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response);
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, nullptr);
  curl_slist_free_all(recipients);

  SendResult result;
  result.code = static_cast<int>(response);
  const std::string& reply = replies.Best();
  result.reply = reply.empty() ? curl_easy_strerror(code) : reply;
  const std::string what = curl_easy_strerror(code);
  if (code == CURLE_OK) {
    result.verdict = SendVerdict::kAccepted;
  } else if (LoginRefused(code, response)) {
    result.verdict = SendVerdict::kLoginRefused;
  } else if (response == kClosing) {
    result.verdict = SendVerdict::kNotSent;
  } else if (response >= 500 && response < 600) {
    result.verdict = SendVerdict::kRefused;
  } else if (response >= 400 && response < 500) {
    result.verdict = SendVerdict::kDeferred;
  } else if (NothingSent(code)) {
    result.verdict = SendVerdict::kNotSent;
    result.reply = what;
  } else if (response == kSendTheMessage) {
    result.verdict = SendVerdict::kUnknown;
    result.reply =
        "the mail server hung up or fell silent while taking the message, before "
        "confirming it (" +
        what + ")";
  } else if (response == 0) {
    // Connected, but not one reply: the server isn't serving.
    result.verdict = SendVerdict::kNotSent;
    result.reply = "the mail server closed the connection without a word (" + what + ")";
  } else {
    // Broken before the message went: it can't have arrived.
    result.verdict = SendVerdict::kDeferred;
    result.reply = "the connection to the mail server broke before the message was handed over (" +
                   what + (reply.empty() ? "" : "; last reply: " + reply) + ")";
  }
  return result;
}

}  // namespace swarmbot::mailer
