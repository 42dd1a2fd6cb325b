#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/secret.hpp"
#include "handlers/intake.hpp"
#include "lifecycle/case_mail_service.hpp"
#include "store/database.hpp"

namespace swarmbot::handlers {

// POST /api/cases/email as the HTTP layer hands it over.
struct EmailIntakeRequest {
  std::string message;  // the raw RFC 5322 message, headers and body
  std::string query;    // the raw query text: territory=…&owner=…
  Secret api_key;       // the key the client presented
};

// What a mail doesn't say and the gateway may leave out of the query.
struct EmailIntakeDefaults {
  std::string territory;
  std::string owner;  // a Slack user id or empty
};

// The e-mail intake: a mail gateway forwards each customer e-mail as it is.
// The contact comes from From, subject and text from the message (see
// ReadEmail); territory and owner from the query (`?territory=North&owner=U1`),
// else from the defaults. A text, subject or name over its limit is kept up to
// the limit with a note and listed in "truncated"; one whose characters were
// replaced or dropped in reading (see EmailMessage) is listed in "altered".
//
// Answers 201 with {"case", "comment": false} for a new case; 201 with
// {"case", "comment": true} when the mail replies (In-Reply-To or References)
// to a message swarmbot knows: it becomes a comment on that case; 200 with
// "replayed": true for a Message-ID seen before (nothing changes); 400 naming
// what is wrong (not a message, no From, no subject and no text, a bad query
// parameter or field); 401 for a wrong key; 413 over kMaxMessage.
class EmailIntake {
 public:
  // Attachments travel in the message too; past this the gateway must strip them.
  static constexpr std::size_t kMaxMessage = 1 << 20;

  EmailIntake(store::Database& db, const Clock& clock, Secret api_key, EmailIntakeDefaults defaults)
      : mail_(db, clock), api_key_(std::move(api_key)), defaults_(std::move(defaults)) {}

  IntakeAnswer Handle(const EmailIntakeRequest& request);

  // See lifecycle::CaseService::SetNewCaseHook.
  void SetNewCaseHook(lifecycle::NewCaseHook* hook) noexcept { mail_.SetNewCaseHook(hook); }
  // See lifecycle::CaseService::SetTerritories.
  void SetTerritories(std::vector<std::string> territories) {
    mail_.SetTerritories(std::move(territories));
  }

 private:
  lifecycle::CaseMailService mail_;
  Secret api_key_;
  EmailIntakeDefaults defaults_;
};

}  // namespace swarmbot::handlers
