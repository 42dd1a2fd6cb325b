#include "common/log.hpp"

#include <memory>
#include <mutex>
#include <regex>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

namespace swarmbot {
namespace {

// Longest line written; a field that someone else controls (a Slack user id,
// a command) must not be able to flood the log.
constexpr std::size_t kMaxLineBytes = 4096;

}  // namespace

std::string OneLogLine(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0f]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  if (out.size() > kMaxLineBytes) {
    out.resize(kMaxLineBytes);
    out += "…[cut]";
  }
  return out;
}

namespace {

class ScrubbingStderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    std::string_view text(formatted.data(), formatted.size());
    if (!text.empty() && text.back() == '\n') {
      text.remove_suffix(1);
    }
    const std::string line = OneLogLine(ScrubSecrets(text)) + "\n";
    std::fwrite(line.data(), 1, line.size(), stderr);
  }
  void flush_() override { std::fflush(stderr); }
};

}  // namespace

void InitLogging(std::string_view level) {
  auto sink = std::make_shared<ScrubbingStderrSink>();
  auto logger = std::make_shared<spdlog::logger>("swarmbot", std::move(sink));
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
  logger->set_level(spdlog::level::from_str(std::string(level)));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(std::move(logger));
}

std::string ScrubSecrets(std::string_view text) {
  static const std::regex kToken(R"((xox[abpeor]|xapp)-[A-Za-z0-9-]+|v0=[0-9a-f]{16,})");
  return std::regex_replace(std::string(text), kToken, "[redacted]");
}

std::string Truncated(std::string_view text, std::size_t max) {
  std::string out = ScrubSecrets(text.substr(0, max));
  if (text.size() > max) {
    out += "…";
  }
  return out;
}

}  // namespace swarmbot
