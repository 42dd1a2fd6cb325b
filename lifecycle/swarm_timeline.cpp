// SwarmService's timeline entries that come from the swarm itself: notes typed
// with /swarm note, and messages marked with the configured reaction or pinned.
#include <charconv>
#include <chrono>
#include <cstdio>

#include <spdlog/spdlog.h>

#include "lifecycle/effects.hpp"
#include "lifecycle/incident_service.hpp"
#include "lifecycle/swarm_service.hpp"
#include "lifecycle/text_rules.hpp"
#include "lifecycle/transaction.hpp"
#include "store/incident_repository.hpp"
#include "store/outbox.hpp"
#include "store/swarm_repository.hpp"
#include "store/timeline_repository.hpp"

namespace swarmbot::lifecycle {
namespace {

// The first `max` code points of `text` on one line, "…" marking a cut.
// Control characters (a message's line breaks) become spaces.
std::string Quote(std::string_view text, std::size_t max) {
  std::string quote;
  std::size_t points = 0;
  for (char raw : Trimmed(text)) {
    const auto c = static_cast<unsigned char>(raw);
    const bool starts_point = (c & 0xC0) != 0x80;
    if (starts_point && ++points > max) {
      return quote + "…";
    }
    quote += (c < 0x20 || c == 0x7F) ? ' ' : raw;
  }
  return quote;
}

// "2026-12-05 14:35:01 UTC" for a message's ts ("1796466901.000100"), or the
// ts itself when it isn't one.
std::string MessageTime(const MessageTs& ts) {
  const std::string& text = ts.str();
  std::int64_t seconds = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (error != std::errc() || end == text.data()) {
    return text;
  }
  const std::chrono::sys_seconds when{std::chrono::seconds(seconds)};
  const auto day = std::chrono::floor<std::chrono::days>(when);
  const std::chrono::year_month_day date{day};
  const std::chrono::hh_mm_ss time{when - day};
  char out[96];
  std::snprintf(out, sizeof out, "%04d-%02u-%02u %02lld:%02lld:%02lld UTC",
                static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<long long>(time.hours().count()),
                static_cast<long long>(time.minutes().count()),
                static_cast<long long>(time.seconds().count()));
  return out;
}

// Where the message is, for a person to find it: Slack's events name the
// message by channel and ts only, shown as a channel mention and the time it
// was written.
std::string EntryText(const MarkedMessage& mark) {
  const bool pinned = mark.how == MarkedMessage::How::kPinned;
  std::string text = std::string(pinned ? "Pinned" : "Marked") + " the message of " +
                     MessageTime(mark.ts) + " in <#" + mark.channel.str() + ">";
  const std::string quote =
      IsValidUtf8(mark.text) ? Quote(mark.text, SwarmService::kMaxQuote) : std::string();
  if (!quote.empty()) {
    text += ": \"" + quote + "\"";
  }
  return text;
}

}  // namespace

Status SwarmService::AddNote(std::int64_t incident, const UserId& actor, std::string_view text) {
  const std::string note = Trimmed(text);
  if (auto checked = CheckField(note, {"note", kMaxNote, true, true}); !checked) {
    return checked.error();
  }
  return InTransaction(db_, "swarm_note", [&]() -> Status {
    auto record = store::IncidentRepository(db_).Find(incident);
    if (!record) {
      return IncidentNotFound(incident);
    }
    if (!record->Open()) {
      const std::string name = store::IncidentNumberText(incident);
      return MakeError(Errc::kConflict, "incident is closed",
                       name + " is closed; reopen it to add notes to its timeline");
    }
    store::TimelineRepository(db_).Append(incident, clock_.Now(), actor.str(), "note", note);
    spdlog::info("event=swarm.note incident={} actor={} chars={}",
                 store::IncidentNumberText(incident), actor.str(), Utf8Length(note));
    return {};
  });
}

Status SwarmService::QueueGroupCount(std::int64_t incident, std::string_view request,
                                     std::string_view response_url) {
  return InTransaction(db_, "swarm_count_groups", [&]() -> Status {
    store::Outbox(db_).Enqueue(store::IncidentNumberText(incident), effect::kCountGroups,
                               {{std::string(effect::kArgIncident), std::to_string(incident)},
                                {std::string(effect::kArgGroupRequest), std::string(request)},
                                {std::string(effect::kArgResponseUrl), std::string(response_url)}},
                               clock_.Now());
    return {};
  });
}

Result<bool> SwarmService::ClaimGroupConfirmation(std::int64_t incident, const UserId& actor,
                                                  std::string_view what) {
  constexpr std::string_view kKind = "group_invite_confirmed";
  return InTransaction(db_, "swarm_confirm_groups", [&]() -> Result<bool> {
    store::TimelineRepository timeline(db_);
    if (timeline.Contains(incident, actor.str(), kKind, what)) {
      return false;
    }
    timeline.Append(incident, clock_.Now(), actor.str(), kKind, what);
    return true;
  });
}

Result<std::optional<std::int64_t>> SwarmService::AddMarkedMessage(const MarkedMessage& mark) {
  return InTransaction(db_, "swarm_mark", [&]() -> Result<std::optional<std::int64_t>> {
    auto swarm = store::SwarmRepository(db_).FindByChannel(mark.channel);
    if (!swarm) {
      return std::optional<std::int64_t>{};
    }
    const std::string_view kind =
        mark.how == MarkedMessage::How::kPinned ? "message_pinned" : "message_marked";
    const std::string text = EntryText(mark);
    store::TimelineRepository timeline(db_);
    if (timeline.Contains(swarm->incident, mark.by.str(), kind, text)) {
      return std::optional<std::int64_t>{};
    }
    timeline.Append(swarm->incident, clock_.Now(), mark.by.str(), kind, text);
    return std::optional<std::int64_t>{swarm->incident};
  });
}

}  // namespace swarmbot::lifecycle
