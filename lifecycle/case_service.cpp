#include "lifecycle/case_service.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "common/crypto.hpp"
#include "lifecycle/detail/effects_queue.hpp"
#include "lifecycle/text_rules.hpp"
#include "lifecycle/transaction.hpp"
#include "store/case_link_repository.hpp"
#include "store/idempotency_repository.hpp"

namespace swarmbot::lifecycle {
namespace {

Status Invalid(const std::string& field, const std::string& message) {
  return MakeError(Errc::kInvalidInput, "field " + field + " refused", message);
}

// Slack user ids: U (or W on Enterprise Grid) and uppercase letters or digits.
bool LooksLikeUserId(std::string_view id) {
  if (id.size() < 3 || (id.front() != 'U' && id.front() != 'W')) {
    return false;
  }
  return std::all_of(id.begin() + 1, id.end(),
                     [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); });
}

Status CheckOwner(const std::string& owner) {
  if (auto checked = CheckField(owner, {"owner", 40, false, false}); !checked) {
    return checked;
  }
  if (!owner.empty() && !LooksLikeUserId(owner)) {
    return Invalid("owner", "owner must be a Slack user id such as U012AB3CD");
  }
  return {};
}

Status CheckCase(const CaseInput& in) {
  const std::pair<const std::string*, FieldRule> rules[] = {
      {&in.contact_name, {"contact_name", 200, true, false}},
      {&in.contact_email, {"contact_email", 254, true, false}},
      {&in.channel, {"channel", 20, true, false}},
      {&in.territory, {"territory", 100, false, false}},
      {&in.subject, {"subject", 250, true, false}},
      {&in.description, {"description", 10'000, false, true}},
  };
  for (const auto& [value, rule] : rules) {
    if (auto checked = CheckField(*value, rule); !checked) {
      return checked;
    }
  }
  if (!LooksLikeEmail(in.contact_email)) {
    return Invalid("contact_email", "contact_email is not an e-mail address");
  }
  if (!store::ParseCaseChannel(in.channel)) {
    return Invalid("channel", "channel must be one of email, chat, messaging, phone, web");
  }
  return CheckOwner(in.owner);
}

store::Case ToRecord(const CaseInput& in, Clock::TimePoint now) {
  store::Case c;
  // TrimmedLine, as for the subject: a byte order mark a tool put first goes.
  c.contact_name = TrimmedLine(in.contact_name);
  c.contact_email = in.contact_email;
  c.channel = *store::ParseCaseChannel(in.channel);
  c.territory = TrimmedLine(in.territory);
  c.subject = TrimmedLine(in.subject);
  c.description = in.description;
  c.owner = UserId(in.owner);
  c.status = store::CaseStatus::kNew;
  c.created_at = c.updated_at = now;
  return c;
}

Status CheckKey(const std::string& key) {
  if (key.empty() || key.size() > CaseService::kMaxIdempotencyKey) {
    return Invalid("Idempotency-Key", "Idempotency-Key must be 1 to 255 characters");
  }
  for (char c : key) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x21 || u > 0x7E) {
      return Invalid("Idempotency-Key", "Idempotency-Key must be printable ASCII without spaces");
    }
  }
  return {};
}

}  // namespace

std::string Fingerprint(const CaseInput& in) {
  // Length-prefixed, so that moving text from one field to the next changes it.
  std::string canonical;
  for (const std::string* field : {&in.contact_name, &in.contact_email, &in.channel, &in.territory,
                                   &in.subject, &in.description, &in.owner}) {
    canonical += std::to_string(field->size()) + ":" + *field + ";";
  }
  return Sha256Hex(canonical);
}

Result<std::string> CanonicalTerritory(const std::string& territory,
                                       const std::vector<std::string>& known) {
  const std::string trimmed = TrimmedLine(territory);
  if (known.empty() || trimmed.empty()) {
    return trimmed;
  }
  const std::string wanted = Lowercase(trimmed);
  for (const std::string& name : known) {
    if (Lowercase(name) == wanted) {
      return name;
    }
  }
  std::string list;
  for (const std::string& name : known) {
    list += (list.empty() ? "" : ", ") + name;
  }
  return Invalid("territory", "territory must be one of " + list).error();
}

Status CaseService::CheckAssignment(const std::string& territory, const std::string& owner) const {
  if (auto checked = CheckField(territory, {"territory", 100, false, false}); !checked) {
    return checked;
  }
  if (auto known = CanonicalTerritory(territory, territories_); !known) {
    return known.error();
  }
  return CheckOwner(owner);
}

Result<IntakeResult> CaseService::IntakeCase(const CaseInput& given,
                                             const std::optional<std::string>& idempotency_key) {
  if (auto checked = CheckCase(given); !checked) {
    return checked.error();
  }
  CaseInput input = given;
  auto territory = CanonicalTerritory(given.territory, territories_);
  if (!territory) {
    return territory.error();
  }
  input.territory = std::move(*territory);
  if (idempotency_key) {
    if (auto checked = CheckKey(*idempotency_key); !checked) {
      return checked.error();
    }
  }
  const std::string fingerprint = Fingerprint(input);
  return InTransaction(db_, "intake_case", [&]() -> Result<IntakeResult> {
    store::CaseRepository cases(db_);
    store::IdempotencyRepository keys(db_);
    if (idempotency_key) {
      if (auto earlier = keys.Find(*idempotency_key)) {
        if (earlier->request_hash != fingerprint) {
          return MakeError(Errc::kConflict, "idempotency key reused with other content",
                           "this Idempotency-Key was already used for a different case");
        }
        return IntakeResult{cases.Find(earlier->case_number).value(), true};
      }
    }
    const auto now = clock_.Now();
    const std::int64_t number = cases.Insert(ToRecord(input, now));
    if (idempotency_key) {
      keys.Insert(*idempotency_key, fingerprint, number, now);
    }
    spdlog::info("event=case.created case={} channel={}", store::CaseNumberText(number),
                 input.channel);
    store::Case created = cases.Find(number).value();
    if (hook_ != nullptr) {
      hook_->OnCaseCreated(db_, created);
    }
    return IntakeResult{std::move(created), false};
  });
}

Result<store::Case> CaseService::FindCase(std::int64_t number) {
  return InReadTransaction(db_, "find_case", [&]() -> Result<store::Case> {
    if (auto found = store::CaseRepository(db_).Find(number)) {
      return *found;
    }
    const std::string text = store::CaseNumberText(number);
    return MakeError(Errc::kNotFound, "no such case", text + " doesn't exist");
  });
}

std::optional<std::int64_t> CaseService::LastIncident(std::int64_t number) {
  auto link = InReadTransaction(db_, "last_incident", [&]() -> Result<std::optional<std::int64_t>> {
    store::CaseLinkRepository links(db_);
    if (const auto live = links.LiveLink(number)) {
      return std::optional<std::int64_t>(live->incident);
    }
    // A reply from the customer ended the link (CaseMailService) as swarmbot.
    return links.LastEndedBy(number, UserId(std::string(detail::kBotActor)));
  });
  return link ? *link : std::nullopt;
}

Result<CaseListing> CaseService::ListCases(const store::CaseFilter& filter) {
  return InReadTransaction(db_, "list_cases", [&]() -> Result<CaseListing> {
    store::CaseRepository cases(db_);
    return CaseListing{cases.List(filter), cases.Count(filter)};
  });
}

Result<std::vector<std::string>> CaseService::KnownTerritories() {
  return InReadTransaction(db_, "case_territories", [&]() -> Result<std::vector<std::string>> {
    return store::CaseRepository(db_).Territories();
  });
}

}  // namespace swarmbot::lifecycle
