#include "config/detail/broadcast_config.hpp"

#include <cstdint>
#include <string_view>
#include <type_traits>

#include "common/mail_address.hpp"
#include "common/text_template.hpp"
#include "config/detail/toml_read.hpp"

namespace swarmbot::config::detail {
namespace {

template <class T>
T Read(const toml::table& root, const std::string& source, const std::string& key, T fallback,
       std::string_view kind) {
  const toml::node* node = root.at_path(key).node();
  if (node == nullptr) {
    return fallback;
  }
  // value<T> converts between number types; only doubles may take an integer.
  const bool right_kind = std::is_same_v<T, double>         ? node->is_number()
                          : std::is_same_v<T, bool>         ? node->is_boolean()
                          : std::is_same_v<T, std::int64_t> ? node->is_integer()
                                                            : node->is_string();
  const auto value = node->value<T>();
  if (!right_kind || !value) {
    Fail(source, key, "must be " + std::string(kind));
  }
  return *value;
}

std::string Text(const toml::table& root, const std::string& source, const std::string& key,
                 const std::string& fallback) {
  return Read<std::string>(root, source, key, fallback, "a string");
}

bool HasControl(std::string_view text) {
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) {
      return true;
    }
  }
  return false;
}

// Whether the URL's authority (between "://" and the next '/', '?' or '#')
// holds "user@" or "user:password@".
bool HasUserInfo(std::string_view url) {
  const auto start = url.find("://");
  if (start == std::string_view::npos) {
    return false;
  }
  const std::string_view rest = url.substr(start + 3);
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  return authority.find('@') != std::string_view::npos;
}

void CheckTemplate(const std::string& source, const std::string& key, const std::string& text) {
  if (auto parsed = TextTemplate::Parse(text, kMailPlaceholders); !parsed) {
    Fail(source, key, parsed.error().user_message);
  }
}

void ReadSmtp(const toml::table& root, const std::string& source, const EnvLookup& env,
              SmtpConfig& smtp) {
  smtp.url = Text(root, source, "smtp.url", "");
  if (!smtp.url.empty() && !smtp.url.starts_with("smtp://") && !smtp.url.starts_with("smtps://")) {
    Fail(source, "smtp.url",
         "must start with smtp:// or smtps://, e.g. smtp://mail.example.com:587");
  }
  if (HasControl(smtp.url) || smtp.url.find(' ') != std::string::npos) {
    Fail(source, "smtp.url", "must not contain spaces or control characters");
  }
  if (HasUserInfo(smtp.url)) {
    // The value is never repeated: it may hold a password.
    Fail(source, "smtp.url",
         "must not hold a user name or password; set smtp.username and put the password in "
         "SWARMBOT_SMTP_PASSWORD");
  }
  smtp.starttls = Read<bool>(root, source, "smtp.starttls", smtp.starttls, "true or false");
  smtp.username = Text(root, source, "smtp.username", "");
  if (HasControl(smtp.username)) {
    Fail(source, "smtp.username", "must not contain control characters");
  }
  RefuseBlank(source, "smtp.username", smtp.username);
  // Read by every connection to the server: a missing file would only show
  // when the first customer e-mail fails.
  smtp.ca_file = Text(root, source, "smtp.ca_file", "");
  if (!smtp.ca_file.empty()) {
    CheckCaFile(source, "smtp.ca_file", smtp.ca_file);
  }
  const auto timeout =
      Read<std::int64_t>(root, source, "smtp.timeout_seconds", smtp.timeout_seconds, "a number");
  if (timeout < 1 || timeout > 600) {
    Fail(source, "smtp.timeout_seconds", "must be from 1 to 600");
  }
  smtp.timeout_seconds = static_cast<int>(timeout);
  // Without `env` (a command that sends no mail) the password isn't needed.
  if (!smtp.username.empty() && env) {
    smtp.password = ReadSecret(env, "SMTP_PASSWORD");
    if (smtp.password.Empty()) {
      throw ConfigError(
          "SWARMBOT_SMTP_PASSWORD: missing (set it, or SWARMBOT_SMTP_PASSWORD_FILE, since "
          "smtp.username is set)");
    }
  }
}

// What the customers read: something in it, and nothing that reorders it.
void CheckWords(const std::string& source, const BroadcastConfig& b) {
  RefuseBlank(source, "broadcast.from_name", b.from_name);
  RefuseBlank(source, "broadcast.subject", b.subject);
  RefuseBlank(source, "broadcast.body", b.body);
  RefuseControls(source, "broadcast.from_name", b.from_name);
  RefuseControls(source, "broadcast.subject", b.subject);
  RefuseControls(source, "broadcast.body", b.body, /*multiline=*/true);
}

}  // namespace

void ReadBroadcast(const toml::table& root, const std::string& source, const EnvLookup& env,
                   Config& config) {
  BroadcastConfig& b = config.broadcast;
  ReadSmtp(root, source, env, b.smtp);
  b.from = Text(root, source, "broadcast.from", b.from);
  b.from_name = Text(root, source, "broadcast.from_name", b.from_name);
  b.subject = Text(root, source, "broadcast.subject", b.subject);
  b.body = Text(root, source, "broadcast.body", b.body);
  b.unsubscribe_url = Text(root, source, "broadcast.unsubscribe_url", b.unsubscribe_url);
  b.unsubscribe_mailto = Text(root, source, "broadcast.unsubscribe_mailto", b.unsubscribe_mailto);
  if ((b.Enabled() || !b.from.empty()) && !MailableAddress(b.from)) {
    Fail(source, "broadcast.from", "must be an e-mail address such as support@example.com");
  }
  if (HasControl(b.from_name)) {
    Fail(source, "broadcast.from_name", "must be one line");
  }
  if (HasControl(b.subject)) {
    Fail(source, "broadcast.subject", "must be one line");
  }
  if (b.subject.empty() || b.body.empty()) {
    Fail(source, b.subject.empty() ? "broadcast.subject" : "broadcast.body", "must not be empty");
  }
  CheckWords(source, b);
  CheckTemplate(source, "broadcast.subject", b.subject);
  CheckTemplate(source, "broadcast.body", b.body);
  static constexpr std::string_view kUrlPlaceholders[] = {"email"};
  if (!b.unsubscribe_url.empty() &&
      (!b.unsubscribe_url.starts_with("https://") || HasControl(b.unsubscribe_url) ||
       b.unsubscribe_url.find_first_of(" <>") != std::string::npos)) {
    Fail(source, "broadcast.unsubscribe_url", "must be an https:// URL");
  }
  if (auto parsed = TextTemplate::Parse(b.unsubscribe_url, kUrlPlaceholders); !parsed) {
    Fail(source, "broadcast.unsubscribe_url", parsed.error().user_message);
  }
  if (!b.unsubscribe_mailto.empty() && !MailableAddress(b.unsubscribe_mailto)) {
    Fail(source, "broadcast.unsubscribe_mailto", "must be an e-mail address");
  }
  if (b.Enabled() && b.unsubscribe_url.empty() && b.unsubscribe_mailto.empty()) {
    Fail(source, "broadcast.unsubscribe_url",
         "set it or broadcast.unsubscribe_mailto: every customer e-mail offers a way out");
  }
  b.rate_per_second =
      Read<double>(root, source, "broadcast.rate_per_second", b.rate_per_second, "a number");
  if (!(b.rate_per_second >= 0.01 && b.rate_per_second <= 1000)) {
    Fail(source, "broadcast.rate_per_second", "must be from 0.01 to 1000");
  }
  const auto attempts =
      Read<std::int64_t>(root, source, "broadcast.max_attempts", b.max_attempts, "a number");
  if (attempts < 1 || attempts > 10) {
    Fail(source, "broadcast.max_attempts", "must be from 1 to 10");
  }
  b.max_attempts = static_cast<int>(attempts);
  const auto retry =
      Read<std::int64_t>(root, source, "broadcast.retry_seconds", b.retry_seconds, "a number");
  if (retry < 1 || retry > 86'400) {
    Fail(source, "broadcast.retry_seconds", "must be from 1 to 86400");
  }
  b.retry_seconds = static_cast<int>(retry);
  const auto give_up = Read<std::int64_t>(root, source, "broadcast.give_up_after_minutes",
                                          b.give_up_after_minutes, "a number");
  if (give_up < 0 || give_up > 10'080) {
    Fail(source, "broadcast.give_up_after_minutes", "must be from 0 to 10080 (a week)");
  }
  b.give_up_after_minutes = static_cast<int>(give_up);
}

}  // namespace swarmbot::config::detail
