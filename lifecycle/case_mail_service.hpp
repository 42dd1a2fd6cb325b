#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "lifecycle/case_service.hpp"
#include "store/case_comment_repository.hpp"
#include "store/database.hpp"
#include "store/records.hpp"

namespace swarmbot::lifecycle {

// A customer's e-mail, already read from its MIME form.
struct MailInput {
  std::string from_name{};             // may be empty: the address stands in
  std::string from_address{};          // must look like an e-mail address
  std::string subject{};               // may be empty when there is text
  std::string text{};                  // the whole readable body
  std::string reply_text{};            // the body without quoted earlier messages
  std::string message_id{};            // empty: the mail can't be recognised when repeated
  std::vector<std::string> answers{};  // Message-IDs it replies to, most relevant first
  std::string territory{};             // from the gateway, not the mail
  std::string owner{};                 // a Slack user id or empty
  // Whether reading the mail replaced or dropped characters of the name (or
  // set the name aside), the subject or the text: control characters, NULs,
  // bytes invalid in their charset, bidirectional controls. Reported by
  // field in MailResult::altered.
  bool name_altered = false;
  bool subject_altered = false;
  bool text_altered = false;
};

struct MailResult {
  store::Case record;
  bool comment = false;   // a reply: it became a comment on `record`
  bool replayed = false;  // this Message-ID arrived before; nothing changed
  bool reopened = false;  // the reply came to a closed case, which is open again
  // Fields cut to their limit so that a long e-mail is kept, not refused.
  std::vector<std::string> truncated{};
  // Fields whose text isn't the mail's as written (MailInput's *_altered):
  // "contact_name", "subject" (also when made from an altered text),
  // "description", or "comment" for a reply.
  std::vector<std::string> altered{};
};

// E-mail intake: a new mail opens a case (through CaseService::IntakeCase, the
// one way cases are created), a reply to a known message becomes a comment on
// its case, and a repeated Message-ID changes nothing.
class CaseMailService {
 public:
  static constexpr std::size_t kMaxMessageId = 998;  // RFC 5322's line limit
  static constexpr std::size_t kMaxComment = 10'000;
  static constexpr int kMaxCommentsShown = 50;

  CaseMailService(store::Database& db, const Clock& clock)
      : db_(db), clock_(clock), cases_(db, clock) {}

  // Errors: kInvalidInput naming the problem (no usable From address, an
  // unknown owner shape, a territory too long…); kInternal if the store fails.
  Result<MailResult> Receive(const MailInput& mail);

  // The newest `limit` (at most kMaxCommentsShown) comments of a case, newest
  // first, and how many it has in all.
  struct Comments {
    std::vector<store::CaseComment> latest;
    std::int64_t total = 0;
  };
  Result<Comments> LatestComments(std::int64_t case_number, int limit);

  // See CaseService::SetNewCaseHook: e-mailed cases feed spike detection too.
  void SetNewCaseHook(NewCaseHook* hook) noexcept { cases_.SetNewCaseHook(hook); }
  void SetTerritories(std::vector<std::string> territories) {
    cases_.SetTerritories(std::move(territories));
  }

 private:
  Result<std::optional<MailResult>> ReplayOrComment(const MailInput& mail);
  Result<MailResult> OpenCase(const MailInput& mail);
  // A reopened case's live link to its (closed) incident ends, on the
  // incident's timeline, and what counts the incident's cases is refreshed.
  void LeaveIncident(std::int64_t case_number);
  // The customer reopened `closed` (as it was before) by `how`: when an
  // incident held it, its owner hears that it is theirs again, or the
  // incident managers' channel when it has no owner (effect::kCaseReopened).
  void TellOfReopening(const store::Case& closed, const std::string& how);

  store::Database& db_;
  const Clock& clock_;
  CaseService cases_;
};

// The first `max_code_points` characters of UTF-8 `text` (never splitting one).
std::string CutToLength(std::string_view text, std::size_t max_code_points);

}  // namespace swarmbot::lifecycle
