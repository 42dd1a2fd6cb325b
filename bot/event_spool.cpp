#include "bot/event_spool.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <set>
#include <system_error>

#include <boost/json.hpp>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

namespace swarmbot::bot {
namespace {

namespace json = boost::json;

// Settled lines tolerated beyond the waiting events before a rewrite, so that
// a long queue draining is not rewritten once per event.
constexpr std::size_t kSettledSlack = 256;

std::string_view KindName(InboundKind kind) {
  switch (kind) {
    case InboundKind::kSlashCommand:
      return "command";
    case InboundKind::kInteractive:
      return "interactive";
    case InboundKind::kEvent:
      break;
  }
  return "event";
}

std::optional<InboundKind> KindFrom(std::string_view name) {
  if (name == "event") {
    return InboundKind::kEvent;
  }
  if (name == "command") {
    return InboundKind::kSlashCommand;
  }
  if (name == "interactive") {
    return InboundKind::kInteractive;
  }
  return std::nullopt;
}

std::int64_t UnixMillis(Clock::TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// The payload as it is kept on disk: Slack's legacy verification token is a
// secret and the handlers never need it. A payload that isn't a JSON object
// is kept as a string.
json::value StoredPayload(std::string_view payload_json) {
  boost::system::error_code ec;
  json::value payload = json::parse(payload_json, ec);
  if (ec) {
    return json::string(payload_json);
  }
  if (auto* object = payload.if_object()) {
    object->erase("token");
  }
  return payload;
}

std::string Line(const SpooledEvent& event) {
  json::object line;
  line["kind"] = KindName(event.request.kind);
  line["delivery_id"] = event.request.delivery_id;
  line["queued_at_ms"] = UnixMillis(event.queued_at);
  line["payload"] = StoredPayload(event.request.payload_json);
  return json::serialize(line) + "\n";
}

std::optional<SpooledEvent> ParseEvent(const json::object& line) {
  const auto* kind = line.if_contains("kind");
  const auto* id = line.if_contains("delivery_id");
  const auto* queued = line.if_contains("queued_at_ms");
  const auto* payload = line.if_contains("payload");
  if (!kind || !kind->is_string() || !id || !id->is_string() || !queued || !queued->is_int64() ||
      !payload) {
    return std::nullopt;
  }
  const auto parsed_kind = KindFrom(kind->as_string());
  if (!parsed_kind) {
    return std::nullopt;
  }
  SpooledEvent event;
  event.request.kind = *parsed_kind;
  event.request.delivery_id = std::string(id->as_string());
  event.request.payload_json =
      payload->is_string() ? std::string(payload->as_string()) : json::serialize(*payload);
  event.queued_at = Clock::TimePoint(std::chrono::milliseconds(queued->as_int64()));
  return event;
}

// Writes all of `text` to `fd`, retrying short writes.
bool WriteAll(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t written = ::write(fd, text.data(), text.size());
    if (written < 0) {
      if (errno == EINTR) {
        continue;
      }
      return false;
    }
    text.remove_prefix(static_cast<std::size_t>(written));
  }
  return true;
}

}  // namespace

EventSpool::EventSpool(std::filesystem::path path) : path_(std::move(path)) {}

std::filesystem::path EventSpool::Beside(const std::filesystem::path& database) {
  std::filesystem::path spool = database;
  spool += ".event-spool";
  return spool;
}

std::vector<SpooledEvent> EventSpool::Load() {
  std::vector<SpooledEvent> events;
  std::set<std::string, std::less<>> settled;
  std::ifstream in(path_);
  std::string text;
  for (int number = 1; std::getline(in, text); ++number) {
    boost::system::error_code ec;
    const json::value line = json::parse(text, ec);
    const auto* object = ec ? nullptr : line.if_object();
    if (object != nullptr && object->contains("settled") && object->at("settled").is_string()) {
      settled.emplace(object->at("settled").as_string());
      ++settled_lines_;
      continue;
    }
    auto event = object != nullptr ? ParseEvent(*object) : std::nullopt;
    if (!event) {
      spdlog::error("event=event_spool.bad_line path={} line={}", path_.string(), number);
      continue;
    }
    events.push_back(std::move(*event));
  }
  std::erase_if(events,
                [&](const SpooledEvent& e) { return settled.contains(e.request.delivery_id); });
  return events;
}

bool EventSpool::Append(const SpooledEvent& event) {
  return AppendLine(Line(event), /*durable=*/true);
}

void EventSpool::Settle(std::string_view delivery_id) {
  json::object line;
  line["settled"] = delivery_id;
  if (AppendLine(json::serialize(line) + "\n", /*durable=*/false)) {
    ++settled_lines_;
  }
}

bool EventSpool::WantsRewrite(std::size_t still_waiting) const {
  return settled_lines_ > 0 &&
         (still_waiting == 0 || settled_lines_ > still_waiting + kSettledSlack);
}

bool EventSpool::AppendLine(const std::string& line, bool durable) {
  const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  bool ok = fd >= 0 && WriteAll(fd, line) && (!durable || ::fsync(fd) == 0);
  const int error = errno;
  if (fd >= 0 && ::close(fd) != 0) {
    ok = false;
  }
  if (!ok) {
    spdlog::error("event=event_spool.write_failed path={} error=\"{}\"", path_.string(),
                  std::strerror(error));
  }
  return ok;
}

bool EventSpool::Rewrite(const std::vector<SpooledEvent>& waiting) {
  std::error_code ec;
  if (waiting.empty()) {
    std::filesystem::remove(path_, ec);
  } else {
    std::filesystem::path fresh = path_;
    fresh += ".new";
    const int fd = ::open(fresh.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    bool ok = fd >= 0;
    for (const SpooledEvent& event : waiting) {
      ok = ok && WriteAll(fd, Line(event));
    }
    ok = ok && ::fsync(fd) == 0;
    if (fd >= 0) {
      ok = ::close(fd) == 0 && ok;
    }
    if (ok) {
      std::filesystem::rename(fresh, path_, ec);
    } else {
      ec = std::error_code(errno, std::generic_category());
      std::error_code ignored;
      std::filesystem::remove(fresh, ignored);
    }
  }
  if (ec) {
    spdlog::error("event=event_spool.rewrite_failed path={} error=\"{}\"", path_.string(),
                  ec.message());
    return false;
  }
  settled_lines_ = 0;
  return true;
}

}  // namespace swarmbot::bot
