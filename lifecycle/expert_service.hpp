#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "common/result.hpp"
#include "expertfinder/finder.hpp"
#include "lifecycle/routing.hpp"
#include "store/database.hpp"
#include "store/expert_repository.hpp"
#include "store/outbox.hpp"
#include "store/people_repository.hpp"

namespace swarmbot::lifecycle {

struct ExpertSettings {
  RoutingRules routing;  // its words give the skills an incident needs
  std::chrono::minutes invitation_timeout{15};
  std::size_t shown = 5;  // candidates shown by `/swarm experts`
};

// What Slack says about one person, asked when the list is made. Unknown
// fields stay empty and count as neutral.
struct SlackProfile {
  std::optional<bool> active;
  std::optional<std::chrono::minutes> utc_offset;
  bool deactivated = false;
};

// The first pass of a ranking, made from the store alone: the incident, the
// people worth asking Slack about (best first; nobody already in the swarm),
// and everything the second pass needs.
// The ranking's picture of history and people at one moment. Requests share
// it while a newer one is built; it is read-only once made.
struct ExpertIndexSnapshot {
  std::string fingerprint;  // store::ExpertRepository::HistoryFingerprint when read
  std::unique_ptr<const expertfinder::ExpertIndex> index;
  std::unordered_map<std::string, store::Person> people;  // by user id
  // Per territory, its share of the resolved incidents and closed cases
  // (whose components are territories): one most of them share tells
  // nobody apart.
  std::unordered_map<std::string, double> territory_share;
};

// Reads the history and people list from `db` (in one read transaction) and
// builds the index. Slow for a big history: swarmbot runs it off the thread
// that answers Slack, on a connection of its own.
std::shared_ptr<const ExpertIndexSnapshot> BuildExpertIndex(store::Database& db,
                                                            const ExpertSettings& settings);
// The same through a new read-only connection to the SQLite file `path`.
// Throws SQLite::Exception when the file can't be read.
std::shared_ptr<const ExpertIndexSnapshot> BuildExpertIndex(const std::string& path,
                                                            const ExpertSettings& settings);

struct ExpertShortlist {
  std::int64_t incident = 0;
  ChannelId channel;  // the swarm channel
  expertfinder::Query query;
  std::vector<expertfinder::Person> people;
  std::shared_ptr<const ExpertIndexSnapshot> index;  // the one the first pass used
  // Left out of the ranking, and why (see ExpertList).
  std::vector<UserId> waiting;
  std::vector<UserId> declined;
  // Still ranked, with a mark: they left the swarm channel, or let an
  // earlier invitation to it expire.
  std::set<UserId> left;
  std::set<UserId> unanswered;
};

struct ShownExpert {
  UserId user;
  std::vector<std::string> reasons;
  // What the swarm already knows of them: "left the swarm", "didn't answer
  // when asked earlier".
  std::vector<std::string> marks;
};

// The list a `/swarm experts` posts.
struct ExpertList {
  // Best first, at most ExpertSettings::shown, and only people with a matching
  // skill or matching history: possibly fewer, possibly none.
  std::vector<ShownExpert> experts;
  std::vector<std::string> needed_skills;
  // Needed, and nobody shown, waiting or declined has them.
  std::vector<std::string> uncovered_skills;
  std::size_t history_records = 0;
  // Not proposed again, but named so that nobody wonders where they went:
  // people with an invitation still open, and people who declined one for
  // this incident (asking again would only nag them).
  std::vector<UserId> waiting;
  std::vector<UserId> declined;
};

struct ImportedHistory {
  int added = 0;
  int updated = 0;
};

// Someone on the latest list whom the swarm went past without asking, and
// why, in words that follow their mention ("left the swarm").
struct PassedOver {
  UserId user;
  std::string why;
};

// Where the swarm went after an invitation ended without an accept.
struct MovedOn {
  std::vector<UserId> unreachable;  // skipped: Slack refused their direct message
  // Skipped: Slack refused their direct message saying their account is
  // deactivated.
  std::vector<UserId> deactivated;
  // Skipped for a reason the channel hasn't heard from swarmbot (they left
  // the swarm, or the people list): those ranked between the person who
  // answered and the one asked, or, when nobody was asked, anyone on the
  // list. Each is named once: someone an earlier move of the incident's
  // invitations went past already isn't here again, and sets named_before.
  std::vector<PassedOver> passed_over;
  bool named_before = false;
  std::optional<UserId> asked;  // who was asked in the end; none: nobody was left
  bool pending = false;         // their direct message isn't sent yet
};

// What `/swarm invite` queued, for its reply.
struct DirectInvitation {
  std::vector<UserId> users;       // to be added, each once
  std::vector<UserId> already_in;  // in the swarm channel already: left out
  std::string channel_name;
};

// What an answer to an invitation did, for the click's reply. An Accept that
// can no longer add its invitee withdraws the invitation at the click: its
// state is then kWithdrawn, with why.
struct InvitationAnswer {
  store::Invitation invitation;   // as it is now
  bool already_answered = false;  // a second click: nothing changed
  bool incident_closed = false;   // the incident closed meanwhile: no answer is needed
  std::optional<UserId> next;     // who was asked next, after a decline or a withdrawal
};

// The Expert Finder as the swarm uses it: proposing people for an incident,
// inviting them one at a time, moving on when someone declines or doesn't
// answer. Ranking is expertfinder::ExpertIndex over the history gathered
// here; the index is cached and rebuilt only when the history changed.
// By default Shortlist rebuilds it in place; with SetIndexBuiltElsewhere the
// caller builds and installs it (off the answering thread) and Shortlist
// ranks with the one installed, even if history moved on since.
class ExpertService {
 public:
  // A field longer than this in an imported record is refused.
  static constexpr std::size_t kMaxHistoryText = 20'000;

  ExpertService(store::Database& db, const Clock& clock, ExpertSettings settings);
  ~ExpertService();

  const ExpertSettings& settings() const { return settings_; }

  // `/swarm experts`: checks the incident has a live swarm and people to
  // propose, then enqueues experts.propose for the effect to rank and post.
  // kNotFound (unknown incident), kConflict (no swarm yet, swarm archived,
  // incident closed, no people imported); each with a user_message saying
  // what to do.
  Status RequestExperts(std::int64_t incident, const UserId& actor);

  // Queues the experts.* effect `item` once more at the end of its stream
  // with `args`, due after `delay`: a proposal waits for an index build
  // without holding up the outbox, and a notice about who was asked next
  // waits behind that person's invitation.
  Status RunAgainLater(const store::OutboxItem& item, const FormFields& args,
                       std::chrono::milliseconds delay);

  // First pass, from the store: the best `size` people not in the swarm now.
  Result<ExpertShortlist> Shortlist(std::int64_t incident, std::size_t size);
  // The store's fingerprint now, and whether the installed index matches it.
  Result<std::string> IndexFingerprint();
  bool IndexCurrent(const std::string& fingerprint) const;
  bool HasIndex() const { return index_ != nullptr; }
  void InstallIndex(std::shared_ptr<const ExpertIndexSnapshot> index);
  void SetIndexBuiltElsewhere(bool elsewhere) { index_built_elsewhere_ = elsewhere; }
  // The SQLite file behind the store; empty for an in-memory one.
  std::string StoreFile() const;

  // Second pass with what Slack said of each shortlisted person; records the
  // ranked list (so declines can move down it) and a timeline entry.
  Result<ExpertList> Finish(ExpertShortlist shortlist,
                            const std::map<std::string, SlackProfile>& profiles);

  // The Invite button or the next candidate: a DM with Accept / Decline and
  // a timer. kConflict when the person is already in the swarm, has an open
  // invitation to it or declined one, is no longer active on the people list,
  // or the swarm is archived. Moving down the list after a decline skips inactive people too.
  Result<store::Invitation> Invite(std::int64_t incident, const UserId& invitee,
                                   const UserId& asked_by);
  // Accept or Decline by `user`. kForbidden for anyone but the invitee;
  // kNotFound for an unknown invitation; an answered or expired one comes
  // back with already_answered. Accept adds the invitee to the channel, or,
  // when the swarm was archived or the invitee left the people list since,
  // withdraws the invitation (moving on to the next person in the latter
  // case); Decline asks the next person on the list.
  Result<InvitationAnswer> Answer(std::int64_t invitation, const UserId& user, bool accept);
  // The timer: an invitation still open when it runs expires and the next
  // person is asked. Returns false when it had been answered meanwhile.
  Result<bool> Expire(std::int64_t invitation);

  // Slack refused the invitation's direct message for good: it becomes
  // unreachable and the next person is asked. The swarm channel hears of it
  // here only when a person asked; after a decline or silence, the notice of
  // that answer names who was skipped (MovedOnFrom).
  // `what_happened` ends the timeline line that names the person;
  // `deactivated`: Slack's refusal said their account is deactivated.
  Status MarkUnreachable(std::int64_t invitation,
                         std::string_view what_happened = "couldn't be reached by direct message",
                         bool deactivated = false);
  // Slack says `user`'s account is deactivated: each invitation of theirs
  // still open is unreachable now, and the next person is asked at once
  // rather than after the timeout.
  Status PassOverDeactivated(const UserId& user);
  // Who was asked after `invitation`, skipping the unreachable.
  Result<MovedOn> MovedOnFrom(std::int64_t invitation);

  Result<std::optional<store::Invitation>> FindInvitation(std::int64_t invitation);
  Status RecordInvitationMessage(std::int64_t invitation, const ChannelId& channel,
                                 const MessageTs& ts);

  // `/swarm invite @person @group`: straight into the channel. People
  // already in it are left out (and named in the result); when nobody and no
  // group is left, nothing is queued.
  Result<DirectInvitation> InviteDirect(std::int64_t incident, const std::vector<UserId>& users,
                                        const std::vector<UserGroupId>& groups,
                                        const UserId& actor);

  // `swarmbot import history`: adds or replaces rows by id.
  Result<ImportedHistory> ImportHistory(const std::vector<store::HistoryRow>& rows);

  // A reply to a click, through the response_url.
  Status QueueResponse(const std::string& response_url, const std::string& body);

 private:
  // Rebuilds the cached index when the store's history fingerprint moved, or
  // when there is none yet.
  void RefreshIndex();
  Result<std::optional<UserId>> AskNext(const store::Invitation& after, std::string_view why);
  // Inside Answer's transaction: an Accept that can't add its invitee.
  Result<InvitationAnswer> WithdrawAtAccept(const store::Invitation& invitation,
                                            store::Withdrawal why, InvitationAnswer answer);

  store::Database& db_;
  const Clock& clock_;
  ExpertSettings settings_;
  std::shared_ptr<const ExpertIndexSnapshot> index_;
  bool index_built_elsewhere_ = false;
};

// Every history row the finder learns from, in one place: imported tickets,
// resolved incidents, closed cases and resolved problems.
std::vector<store::HistoryRow> GatherHistory(store::Database& db);

}  // namespace swarmbot::lifecycle
