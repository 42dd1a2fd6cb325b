#pragma once

#include "store/database.hpp"
#include "store/records.hpp"

namespace swarmbot::lifecycle {

// Told about every case the moment it is created, inside the transaction that
// stores it, so whatever it records commits or rolls back with the case.
// Every way a case arrives (the JSON intake, e-mail) passes through
// CaseService, which calls it once per new case, never for a replay.
class NewCaseHook {
 public:
  virtual ~NewCaseHook() = default;
  virtual void OnCaseCreated(store::Database& db, const store::Case& c) = 0;
};

}  // namespace swarmbot::lifecycle
