#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/form.hpp"
#include "lifecycle/effects.hpp"
#include "store/database.hpp"
#include "store/outbox.hpp"
#include "store/records.hpp"

namespace swarmbot::lifecycle::detail {

// Enqueues `kind` for `incident` on the incident's stream; call inside the
// operation's transaction.
inline void EnqueueEffect(store::Database& db, std::int64_t incident, std::string_view kind,
                          Clock::TimePoint now, FormFields extra = {}) {
  FormFields args{{std::string(effect::kArgIncident), std::to_string(incident)}};
  for (auto& field : extra) {
    args.push_back(std::move(field));
  }
  store::Outbox(db).Enqueue(store::IncidentNumberText(incident), kind, args, now);
}

// The actor recorded for steps swarmbot takes on its own.
inline constexpr std::string_view kBotActor = "swarmbot";

}  // namespace swarmbot::lifecycle::detail
