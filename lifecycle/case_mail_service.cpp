#include "lifecycle/case_mail_service.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "common/crypto.hpp"
#include "common/mail_address.hpp"
#include "lifecycle/detail/effects_queue.hpp"
#include "lifecycle/detail/swarm_life.hpp"
#include "lifecycle/text_rules.hpp"
#include "lifecycle/transaction.hpp"
#include "store/case_link_repository.hpp"
#include "store/case_repository.hpp"
#include "store/spike_repository.hpp"
#include "store/timeline_repository.hpp"

namespace swarmbot::lifecycle {
namespace {

constexpr std::size_t kMaxName = 200;
constexpr std::size_t kMaxSubject = 250;
constexpr std::size_t kMaxDescription = 10'000;
// A subject made from the first line of the text stays short, as a person's would.
constexpr std::size_t kSubjectFromText = 100;

// Said at the end of a cut text, so that whoever reads the case knows more was sent.
constexpr std::string_view kCutNote =
    "\n\n[swarmbot: the e-mail was longer than this; the rest was cut to fit the limit]";

// `text` cut to `max` characters with the note appended inside the limit, or
// `text` itself when it fits; `cut` says which happened.
std::string KeepWithin(std::string_view text, std::size_t max, bool& cut) {
  cut = Utf8Length(text) > max;
  if (!cut) {
    return std::string(text);
  }
  return CutToLength(text, max - Utf8Length(kCutNote)) + std::string(kCutNote);
}

std::string FirstLine(std::string_view text) {
  const std::size_t end = text.find('\n');
  return Trimmed(text.substr(0, end));
}

// The idempotency key under which a mail's case is created: a digest, so that
// any Message-ID fits the key's 255 printable characters.
std::string KeyFor(std::string_view message_id) {
  return "email:" + Sha256Hex(message_id);
}

Status CheckMail(const MailInput& mail) {
  if (!LooksLikeEmail(mail.from_address)) {
    return MakeError(Errc::kInvalidInput, "unusable From address",
                     "the From address " + CutToLength(mail.from_address, 80) +
                         " is not a usable e-mail address");
  }
  if (mail.message_id.size() > CaseMailService::kMaxMessageId) {
    return MakeError(Errc::kInvalidInput, "Message-ID too long",
                     "the Message-ID is longer than 998 characters");
  }
  return {};
}

}  // namespace

std::string CutToLength(std::string_view text, std::size_t max_code_points) {
  std::size_t points = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) != 0x80 && points++ == max_code_points) {
      return std::string(text.substr(0, i));
    }
  }
  return std::string(text);
}

Result<MailResult> CaseMailService::Receive(const MailInput& mail) {
  if (auto checked = CheckMail(mail); !checked) {
    return checked.error();
  }
  // The request is checked whole before anything is replayed: a bad owner
  // or territory is refused even for a Message-ID seen before.
  if (auto checked = cases_.CheckAssignment(mail.territory, mail.owner); !checked) {
    return checked.error();
  }
  auto handled = ReplayOrComment(mail);
  if (!handled) {
    return handled.error();
  }
  if (*handled) {
    return std::move(**handled);
  }
  return OpenCase(mail);
}

Result<std::optional<MailResult>> CaseMailService::ReplayOrComment(const MailInput& mail) {
  return InTransaction(db_, "receive_mail", [&]() -> Result<std::optional<MailResult>> {
    store::CaseCommentRepository comments(db_);
    store::CaseRepository cases(db_);
    if (auto seen = comments.FindMessage(mail.message_id)) {
      return MailResult{.record = cases.Find(seen->case_number).value(),
                        .comment = seen->comment.has_value(),
                        .replayed = true};
    }
    for (const std::string& earlier : mail.answers) {
      const auto thread = comments.FindMessage(earlier);
      if (!thread) {
        continue;
      }
      MailResult result{.record = cases.Find(thread->case_number).value(), .comment = true};
      bool cut = false;
      store::CaseComment comment{
          .case_number = thread->case_number,
          .author_name = CutToLength(mail.from_name, kMaxName),
          .author_email = mail.from_address,
          .body = KeepWithin(mail.reply_text.empty() ? mail.subject : mail.reply_text, kMaxComment,
                             cut),
          .message_id = mail.message_id,
          .created_at = clock_.Now(),
      };
      if (cut) {
        result.truncated.emplace_back("comment");
      }
      if (mail.reply_text.empty() ? mail.subject_altered : mail.text_altered) {
        result.altered.emplace_back("comment");
      }
      comments.Insert(comment);
      // Knowing a Message-ID doesn't make someone the customer: a reply from
      // another address is kept (shown with that address) but changes nothing.
      const bool from_contact =
          FoldAddress(mail.from_address) == FoldAddress(result.record.contact_email);
      if (from_contact && result.record.status == store::CaseStatus::kClosed) {
        // The customer says it isn't over: back to the owner's open queue.
        const store::Case closed = result.record;
        cases.Reopen(thread->case_number, clock_.Now());
        LeaveIncident(thread->case_number);
        result.record = cases.Find(thread->case_number).value();
        result.reopened = true;
        TellOfReopening(
            closed, "a new e-mail from " +
                        (comment.author_name.empty() ? mail.from_address : comment.author_name));
      }
      spdlog::info("event=case.commented case={} source=email from_contact={} reopened={}",
                   store::CaseNumberText(thread->case_number), from_contact, result.reopened);
      return std::optional<MailResult>(std::move(result));
    }
    return std::optional<MailResult>();
  });
}

void CaseMailService::LeaveIncident(std::int64_t case_number) {
  store::CaseLinkRepository links(db_);
  const auto link = links.LiveLink(case_number);
  if (!link) {
    return;
  }
  const auto now = clock_.Now();
  links.Unlink(case_number, UserId(std::string(detail::kBotActor)), now);
  store::TimelineRepository(db_).Append(
      link->incident, now, detail::kBotActor, "case_reopened",
      store::CaseNumberText(case_number) +
          " was reopened by the customer's e-mail reply and is no longer linked");
  // Its counts (announcement, pinned summary, spike alert) drop the case.
  detail::EnqueueIncidentRefresh(db_, link->incident, now);
  store::SpikeRepository spikes(db_);
  if (const auto spike = spikes.SpikeOfCase(case_number)) {
    const auto found = spikes.Find(*spike);
    if (found && !found->incident) {
      detail::QueueSpikeRefresh(db_, *spike, now);
    }
  }
}

void CaseMailService::TellOfReopening(const store::Case& closed, const std::string& how) {
  if (!closed.incident) {
    return;  // closed on its own: no incident to let go of
  }
  // An empty owner: the handler tells the incident managers' channel instead.
  detail::EnqueueEffect(db_, *closed.incident, effect::kCaseReopened, clock_.Now(),
                        {{std::string(effect::kArgUsers), closed.owner.str()},
                         {std::string(effect::kArgCases), std::to_string(closed.number)},
                         {std::string(effect::kArgText), how}});
}

Result<MailResult> CaseMailService::OpenCase(const MailInput& mail) {
  MailResult result;
  bool cut_name = false;
  bool cut_subject = false;
  bool cut_text = false;
  CaseInput input{
      .contact_name = mail.from_name.empty() ? mail.from_address : mail.from_name,
      .contact_email = mail.from_address,
      .channel = "email",
      .territory = mail.territory,
      .subject =
          mail.subject.empty() ? CutToLength(FirstLine(mail.text), kSubjectFromText) : mail.subject,
      .description = KeepWithin(mail.text, kMaxDescription, cut_text),
      .owner = mail.owner,
  };
  cut_name = Utf8Length(input.contact_name) > kMaxName;
  input.contact_name = CutToLength(input.contact_name, kMaxName);
  cut_subject = Utf8Length(input.subject) > kMaxSubject;
  input.subject = CutToLength(input.subject, kMaxSubject);
  for (auto [cut, field] : {std::pair{cut_name, "contact_name"}, std::pair{cut_subject, "subject"},
                            std::pair{cut_text, "description"}}) {
    if (cut) {
      result.truncated.emplace_back(field);
    }
  }
  const bool subject_altered = mail.subject.empty() ? mail.text_altered : mail.subject_altered;
  for (auto [altered, field] :
       {std::pair{mail.name_altered, "contact_name"}, std::pair{subject_altered, "subject"},
        std::pair{mail.text_altered, "description"}}) {
    if (altered) {
      result.altered.emplace_back(field);
    }
  }
  std::optional<std::string> key;
  if (!mail.message_id.empty()) {
    key = KeyFor(mail.message_id);
  }
  auto created = cases_.IntakeCase(input, key);
  if (!created) {
    return created.error();
  }
  result.record = created->record;
  result.replayed = created->replayed;
  if (!mail.message_id.empty()) {
    auto recorded = InTransaction(db_, "record_case_email", [&]() -> Status {
      store::CaseCommentRepository(db_).RecordCaseEmail(mail.message_id, result.record.number,
                                                        clock_.Now());
      return {};
    });
    if (!recorded) {
      return recorded.error();
    }
  }
  return result;
}

Result<CaseMailService::Comments> CaseMailService::LatestComments(std::int64_t case_number,
                                                                  int limit) {
  return InReadTransaction(db_, "case_comments", [&]() -> Result<Comments> {
    store::CaseCommentRepository comments(db_);
    return Comments{comments.Latest(case_number, std::clamp(limit, 0, kMaxCommentsShown)),
                    comments.Count(case_number)};
  });
}

}  // namespace swarmbot::lifecycle
