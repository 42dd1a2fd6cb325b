#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "lifecycle/new_case_hook.hpp"
#include "store/case_repository.hpp"
#include "store/database.hpp"
#include "store/records.hpp"

namespace swarmbot::lifecycle {

// A case as the intake API receives it; every field is checked by IntakeCase.
struct CaseInput {
  std::string contact_name;   // required, <= 200
  std::string contact_email;  // required, <= 254, shaped like an address
  std::string channel;        // email | chat | messaging | phone | web
  std::string territory;      // <= 100
  std::string subject;        // required, <= 250
  std::string description;    // <= 10,000, may span lines
  std::string owner;          // Slack user id of the rep, <= 40
};

struct IntakeResult {
  store::Case record;
  bool replayed = false;  // an earlier request with the same Idempotency-Key made it
};

struct CaseListing {
  std::vector<store::Case> cases;  // newest first
  std::int64_t total = 0;          // matching cases, beyond the limit too
};

// Customer cases: intake, lookup and listing. Each call is one transaction.
class CaseService {
 public:
  static constexpr std::size_t kMaxIdempotencyKey = 255;

  CaseService(store::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  // Told about each new case inside its transaction (the spike watch); may be
  // null. Must outlive this service.
  void SetNewCaseHook(NewCaseHook* hook) noexcept { hook_ = hook; }
  // The service territories a case may name (config's incidents.territories);
  // empty: any. Another name is refused; a known one, in any letter case,
  // takes the configured spelling, so filters and spike counts agree.
  void SetTerritories(std::vector<std::string> territories) {
    territories_ = std::move(territories);
  }

  // Creates a `new` case. Errors: kInvalidInput naming the first bad field
  // (user_message says which and why); kConflict when `idempotency_key` was
  // used before with different content. The same key with the same content
  // returns the first case with replayed = true.
  Result<IntakeResult> IntakeCase(const CaseInput& input,
                                  const std::optional<std::string>& idempotency_key);

  // Whether IntakeCase would take this territory and owner (the rest of the
  // case aside): kInvalidInput naming the field otherwise.
  Status CheckAssignment(const std::string& territory, const std::string& owner) const;

  // kNotFound when there's no such case.
  Result<store::Case> FindCase(std::int64_t number);
  // For a held case the incident holding it; for one the customer reopened,
  // the closed incident it left (the link the reopening ended). Nothing when
  // there is none or the case doesn't exist.
  std::optional<std::int64_t> LastIncident(std::int64_t number);
  Result<CaseListing> ListCases(const store::CaseFilter& filter);
  // Every territory some case carries, sorted.
  Result<std::vector<std::string>> KnownTerritories();

 private:
  store::Database& db_;
  const Clock& clock_;
  NewCaseHook* hook_ = nullptr;
  std::vector<std::string> territories_;
};

// The order-independent fingerprint of a case's content, for idempotency.
std::string Fingerprint(const CaseInput& input);

}  // namespace swarmbot::lifecycle
