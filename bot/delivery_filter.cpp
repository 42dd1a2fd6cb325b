#include "bot/delivery_filter.hpp"

#include <exception>
#include <optional>

#include <spdlog/spdlog.h>

namespace swarmbot::bot {
namespace {

// Pruning is one indexed DELETE; every ten minutes keeps it off the hot path.
constexpr std::chrono::minutes kPruneInterval{10};

// Prefix of the ids MarkHandled records; Slack's ids never carry it.
constexpr std::string_view kHandledPrefix = "handled:";

std::string HandledKey(std::string_view id) {
  return std::string(kHandledPrefix) + std::string(id);
}

}  // namespace

DeliveryFilter::DeliveryFilter(store::Database& db, const Clock& clock,
                               std::chrono::seconds retention)
    : db_(db), seen_(db), clock_(clock), retention_(retention) {}

DeliveryFilter::~DeliveryFilter() {
  if (!held_.empty()) {
    spdlog::warn("event=delivery_filter.held_ids_lost count={}", held_.size());
  }
}

bool DeliveryFilter::FirstDelivery(std::string_view id) {
  if (id.empty()) {
    return true;
  }
  if (held_.contains(id)) {
    return false;
  }
  const auto now = clock_.Now();
  if (now - last_prune_ >= kPruneInterval) {
    Prune();
  }
  if (store_busy_) {
    return Hold(id, now);
  }
  try {
    return seen_.Insert(id, now);
  } catch (const std::exception& e) {
    if (!store::IsBusy(e)) {
      spdlog::error("event=delivery_filter.store_failed error=\"{}\"", e.what());
      return true;
    }
    spdlog::warn("event=delivery_filter.store_busy");
    store_busy_ = true;
    return Hold(id, now);
  }
}

bool DeliveryFilter::Hold(std::string_view id, Clock::TimePoint now) {
  try {
    if (seen_.Contains(id)) {
      return false;
    }
  } catch (const std::exception& e) {
    spdlog::error("event=delivery_filter.store_failed error=\"{}\"", e.what());
  }
  held_.emplace(std::string(id), now);
  return true;
}

bool DeliveryFilter::WriteHeldIds() {
  store_busy_ = false;
  while (!held_.empty()) {
    const auto first = held_.begin();
    try {
      seen_.Insert(first->first, first->second);
    } catch (const std::exception& e) {
      if (store::IsBusy(e)) {
        store_busy_ = true;
        return false;
      }
      // Given up, as a write that fails at first sight is.
      spdlog::error("event=delivery_filter.store_failed error=\"{}\"", e.what());
    }
    held_.erase(first);
  }
  return true;
}

bool DeliveryFilter::MarkHandled(std::string_view id) {
  try {
    seen_.Insert(HandledKey(id), clock_.Now());
    return true;
  } catch (const std::exception& e) {
    spdlog::error("event=delivery_filter.mark_handled_failed delivery_id={} error=\"{}\"", id,
                  e.what());
    return false;
  }
}

bool DeliveryFilter::HandleOnce(std::string_view id, const std::function<bool()>& handle) {
  std::optional<store::NestedTransaction> together;
  try {
    together.emplace(db_);
  } catch (const std::exception& e) {
    if (store::IsBusy(e)) {
      store_busy_ = true;
      return false;
    }
    // The store is failing anyway; the handler says what it can do.
    spdlog::error("event=delivery_filter.store_failed error=\"{}\"", e.what());
  }
  if (!handle()) {
    return false;
  }
  if (!together) {
    return MarkHandled(id);
  }
  MarkHandled(id);  // a failure is logged; what the handler did stands
  try {
    together->Commit();
    return true;
  } catch (const std::exception& e) {
    spdlog::error("event=delivery_filter.commit_failed delivery_id={} error=\"{}\"", id, e.what());
    store_busy_ = store_busy_ || store::IsBusy(e);
    return false;
  }
}

bool DeliveryFilter::Handled(std::string_view id) {
  try {
    return seen_.Contains(HandledKey(id));
  } catch (const std::exception& e) {
    spdlog::error("event=delivery_filter.store_failed error=\"{}\"", e.what());
    return false;
  }
}

void DeliveryFilter::Prune() {
  if (store_busy_) {
    return;
  }
  const auto now = clock_.Now();
  last_prune_ = now;
  try {
    const auto removed = seen_.PruneSeenBefore(now - retention_);
    if (removed > 0) {
      spdlog::debug("event=delivery_filter.pruned count={}", removed);
    }
  } catch (const std::exception& e) {
    store_busy_ = store::IsBusy(e);
    spdlog::log(store_busy_ ? spdlog::level::warn : spdlog::level::err,
                "event=delivery_filter.prune_failed error=\"{}\"", e.what());
  }
}

}  // namespace swarmbot::bot
