#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/secret.hpp"
#include "lifecycle/case_service.hpp"
#include "store/database.hpp"

namespace swarmbot::handlers {

// POST /api/cases as the HTTP layer hands it over.
struct IntakeRequest {
  std::string body;                            // raw JSON
  std::optional<std::string> idempotency_key;  // the Idempotency-Key header
  Secret api_key;                              // the key the client presented
  bool idempotency_key_repeated = false;       // the header came more than once
  std::optional<std::string> content_type;     // the Content-Type header, if sent
};

// What to answer: status code and a JSON body.
struct IntakeAnswer {
  int status = 500;
  std::string body_json;
};

// The case intake API. The body is a JSON object of strings: contact_name,
// contact_email, channel (email|chat|messaging|phone|web), territory,
// subject, description, owner (see lifecycle::CaseInput for the rules).
//
// Answers 201 with the case; 200 with the first case for a replay of an
// Idempotency-Key with the same content; 400 naming the bad field (or "body is
// not valid JSON", "body must be a JSON object", or the Idempotency-Key header
// sent more than once, since which one counts would be a guess); 401 for a missing or wrong API key
// (compared in constant time; an empty configured key refuses everyone); 409 for a key reused with
// other content; 413 for a body over 64 KiB; 415 unless the Content-Type is application/json
// (a charset, if given, utf-8). Never throws on bad input.
class Intake {
 public:
  static constexpr std::size_t kMaxBody = 64 * 1024;

  Intake(store::Database& db, const Clock& clock, Secret api_key)
      : cases_(db, clock), api_key_(std::move(api_key)) {}

  IntakeAnswer Handle(const IntakeRequest& request);

  // See lifecycle::CaseService::SetNewCaseHook.
  void SetNewCaseHook(lifecycle::NewCaseHook* hook) noexcept { cases_.SetNewCaseHook(hook); }
  // See lifecycle::CaseService::SetTerritories.
  void SetTerritories(std::vector<std::string> territories) {
    cases_.SetTerritories(std::move(territories));
  }

 private:
  lifecycle::CaseService cases_;
  Secret api_key_;
};

}  // namespace swarmbot::handlers
