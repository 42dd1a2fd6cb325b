#pragma once

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/clock.hpp"
#include "lifecycle/case_service.hpp"
#include "lifecycle/incident_service.hpp"
#include "lifecycle/swarm_service.hpp"
#include "store/database.hpp"
#include "store/outbox.hpp"

namespace swarmbot::lifecycle::testing {

// A fresh in-memory store with the three services over it.
class LifecycleTest : public ::testing::Test {
 protected:
  CaseInput ValidCase(std::string subject = "FEAST25 rejected at checkout",
                      std::string channel = "email", std::string territory = "North") {
    CaseInput in;
    in.contact_name = "Ana Silva";
    in.contact_email = "ana@example.com";
    in.channel = std::move(channel);
    in.territory = std::move(territory);
    in.subject = std::move(subject);
    in.description = "The code FEAST25 says 'invalid' at checkout.\nTried twice.";
    in.owner = "URAVI";
    return in;
  }

  std::int64_t NewCase(std::string channel = "email", std::string territory = "North") {
    return cases_.IntakeCase(ValidCase("FEAST25", std::move(channel), std::move(territory)), {})
        .value()
        .record.number;
  }

  std::int64_t NewIncident(std::string subject = "FEAST25 fails at checkout") {
    DeclareInput in;
    in.subject = std::move(subject);
    in.impact = store::Level::kHigh;
    in.urgency = store::Level::kMedium;
    return incidents_.Declare(in, mara_).value().number;
  }

  // Kinds of the pending outbox items, in order.
  std::vector<std::string> PendingKinds() {
    std::vector<std::string> kinds;
    for (const auto& item : store::Outbox(*db_).Pending()) {
      kinds.push_back(item.kind);
    }
    return kinds;
  }

  void DrainOutbox() {
    store::Outbox outbox(*db_);
    for (const auto& item : outbox.Pending()) {
      outbox.MarkDone(item.id, clock_.Now());
    }
  }

  std::int64_t Count(const std::string& sql) { return db_->Sql().execAndGet(sql).getInt64(); }

  FakeClock clock_;
  std::unique_ptr<store::Database> db_ = store::Database::Open(":memory:").value();
  CaseService cases_{*db_, clock_};
  IncidentService incidents_{*db_, clock_};
  SwarmService swarms_{*db_, clock_};
  UserId mara_{"UMARA"};
  UserId priya_{"UPRIYA"};
};

}  // namespace swarmbot::lifecycle::testing
