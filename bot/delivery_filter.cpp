#include "bot/delivery_filter.hpp"

#include <exception>

#include <spdlog/spdlog.h>

namespace swarmbot::bot {
namespace {

// Pruning is one indexed DELETE; every ten minutes keeps it off the hot path.
constexpr std::chrono::minutes kPruneInterval{10};

}  // namespace

DeliveryFilter::DeliveryFilter(store::Database& db, const Clock& clock,
                               std::chrono::seconds retention)
    : seen_(db), clock_(clock), retention_(retention) {}

bool DeliveryFilter::FirstDelivery(std::string_view id) {
  if (id.empty()) {
    return true;
  }
  const auto now = clock_.Now();
  if (now - last_prune_ >= kPruneInterval) {
    Prune();
  }
  try {
    return seen_.Insert(id, now);
  } catch (const std::exception& e) {
    spdlog::error("event=delivery_filter.store_failed error=\"{}\"", e.what());
    return true;
  }
}

void DeliveryFilter::Prune() {
  const auto now = clock_.Now();
  last_prune_ = now;
  try {
    const auto removed = seen_.PruneSeenBefore(now - retention_);
    if (removed > 0) {
      spdlog::debug("event=delivery_filter.pruned count={}", removed);
    }
  } catch (const std::exception& e) {
    spdlog::error("event=delivery_filter.prune_failed error=\"{}\"", e.what());
  }
}

}  // namespace swarmbot::bot
