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
#include "store/spike_repository.hpp"

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

// Queues a refresh of the spike's alert unless one is queued already: it
// renders the spike as it is when it runs, so later changes show up in it.
inline void QueueSpikeRefresh(store::Database& db, std::int64_t spike, Clock::TimePoint now) {
  if (store::SpikeRepository(db).RequestUpdate(spike)) {
    store::Outbox(db).Enqueue(store::SpikeNumberText(spike), effect::kUpdateSpikeAlert,
                              {{std::string(effect::kArgSpike), std::to_string(spike)}}, now);
  }
}

// The actor recorded for steps swarmbot takes on its own.
inline constexpr std::string_view kBotActor = "swarmbot";

}  // namespace swarmbot::lifecycle::detail
