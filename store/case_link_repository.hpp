#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "store/database.hpp"
#include "store/records.hpp"

namespace swarmbot::store {

// The `case_links` table: which incident holds which case, with history. A
// case has at most one live (not unlinked) link; the schema enforces it.
class CaseLinkRepository {
 public:
  explicit CaseLinkRepository(Database& db) : db_(db) {}

  void Link(std::int64_t incident, std::int64_t case_number, const UserId& by,
            Clock::TimePoint now);
  // Ends the case's live link, if it has one; the row stays as history.
  void Unlink(std::int64_t case_number, const UserId& by, Clock::TimePoint now);
  std::optional<CaseLink> LiveLink(std::int64_t case_number);
  // The incident of the case's latest link when that link has ended and `by`
  // ended it; nothing otherwise (no link, a live one, ended by someone else).
  std::optional<std::int64_t> LastEndedBy(std::int64_t case_number, const UserId& by);
  // Case numbers with a live link to `incident`, ascending.
  std::vector<std::int64_t> LinkedCases(std::int64_t incident);
  // Cases ever linked to `incident` (still or once) whose contact address is
  // `email`, ignoring ASCII case; ascending, each once.
  std::vector<std::int64_t> CasesWithContact(std::int64_t incident, std::string_view email);

 private:
  Database& db_;
};

}  // namespace swarmbot::store
