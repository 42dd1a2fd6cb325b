#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/inbound.hpp"

namespace swarmbot::bot {

// An event EventRetry had queued when the process last stopped.
struct SpooledEvent {
  InboundRequest request;
  Clock::TimePoint queued_at;
};

// The events EventRetry holds for a busy store, on disk, so that a crash does
// not lose them: Slack was acknowledged long before and will not send them
// again. A file beside the database (mode 0600), one JSON object a line:
//   {"kind":"event","delivery_id":"Ev1","queued_at_ms":...,"payload":{...}}
// appended and fsync'd as an event queues, and
//   {"settled":"Ev1"}
// appended (flushed, not fsync'd) once it was handled or dropped. A settled
// line lost to a crash only means the event is offered again at start-up,
// where the delivery filter knows it as handled. The file is emptied once
// nothing waits and rewritten when settled lines outnumber the waiting ones.
//
// The payload's top-level "token" (Slack's legacy verification token) is
// never written. Failures are logged and returned; payloads are never logged.
// Not thread-safe: used on the io thread.
class EventSpool {
 public:
  explicit EventSpool(std::filesystem::path path);

  // `<database path>.event-spool`.
  static std::filesystem::path Beside(const std::filesystem::path& database);

  const std::filesystem::path& path() const { return path_; }

  // The events queued and not settled, oldest first. A line that can't be
  // read is logged (by line number) and skipped; a missing file is empty.
  std::vector<SpooledEvent> Load();

  // Writes `event` durably. False (logged) if it could not be written.
  bool Append(const SpooledEvent& event);

  // Records that `delivery_id` no longer waits (handled or dropped).
  void Settle(std::string_view delivery_id);

  // Whether settled lines have piled up: none wait any more, or the settled
  // outnumber the `still_waiting` by a margin. Then Rewrite keeps the file small.
  bool WantsRewrite(std::size_t still_waiting) const;

  // Replaces the file with `waiting`, oldest first (removes it when empty).
  // False (logged) if that failed; the old file then stays as it was.
  bool Rewrite(const std::vector<SpooledEvent>& waiting);

 private:
  bool AppendLine(const std::string& line, bool durable);

  std::filesystem::path path_;
  std::size_t settled_lines_ = 0;  // settled lines in the file since it was last rewritten
};

}  // namespace swarmbot::bot
