#include "lifecycle/expert_service.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <span>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "common/count_text.hpp"
#include "common/form.hpp"
#include "lifecycle/detail/effects_queue.hpp"
#include "lifecycle/detail/invitations.hpp"
#include "lifecycle/incident_service.hpp"
#include "lifecycle/transaction.hpp"
#include "store/incident_repository.hpp"
#include "store/outbox.hpp"
#include "store/people_repository.hpp"
#include "store/swarm_repository.hpp"
#include "store/timeline_repository.hpp"

namespace swarmbot::lifecycle {

namespace ef = expertfinder;

namespace {

std::string JoinReasons(const std::vector<std::string>& reasons) {
  std::string joined;
  for (const std::string& reason : reasons) {
    joined += (joined.empty() ? "" : "; ") + reason;
  }
  return joined;
}

// The record's text as the finder reads it: the title line, then the rest.
std::string RecordText(const store::HistoryRow& row) {
  if (row.text.empty() || row.text.starts_with(row.title)) {
    return row.text.empty() ? row.title : row.text;
  }
  return row.title + "\n" + row.text;
}

ef::Time Seconds(Clock::TimePoint t) {
  return std::chrono::floor<std::chrono::seconds>(t);
}

// The people as the cached index knows them: skills and capacity, which
// change only with a people import. Load and presence come per request.
ef::Person IndexPerson(const store::Person& person, int default_capacity) {
  ef::Person p;
  p.id = person.user.str();
  for (const auto& [skill, level] : person.skills) {
    p.skills.push_back({skill, level});
  }
  p.capacity = person.capacity > 0 ? person.capacity : default_capacity;
  return p;
}

// Resolvers named by a people-file name ("Sofia") become that person's id;
// rows resolved by anyone not in the people list are left out.
std::vector<ef::HistoryRecord> ToRecords(const std::vector<store::HistoryRow>& rows,
                                         const std::vector<store::Person>& people) {
  std::unordered_map<std::string, std::string> ids;
  for (const store::Person& person : people) {
    ids[person.user.str()] = person.user.str();
    std::string name = person.display_name;
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    ids.emplace(name, person.user.str());
  }
  std::vector<ef::HistoryRecord> records;
  records.reserve(rows.size());
  for (const store::HistoryRow& row : rows) {
    std::string key = row.resolver;
    auto it = ids.find(key);
    if (it == ids.end()) {
      std::transform(key.begin(), key.end(), key.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      it = ids.find(key);
    }
    if (it == ids.end()) {
      continue;
    }
    records.push_back({row.id, Seconds(row.at), RecordText(row), row.components, it->second});
  }
  return records;
}

// A territory in more than this share of past incidents and cases is left
// out of the query (see Shortlist).
constexpr double kMaxTellingTerritoryShare = 0.5;

bool SwarmLive(const store::Swarm& swarm) {
  return swarm.state == store::SwarmState::kStarting || swarm.state == store::SwarmState::kActive;
}

// The incident and its live swarm, or why there is none.
Result<store::Swarm> LiveSwarm(store::Database& db, std::int64_t incident) {
  auto found = store::IncidentRepository(db).Find(incident);
  if (!found) {
    return IncidentNotFound(incident);
  }
  const std::string name = store::IncidentNumberText(incident);
  if (!found->Open()) {
    return MakeError(Errc::kConflict, "incident is closed", name + " is closed.");
  }
  auto swarm = store::SwarmRepository(db).FindByIncident(incident);
  if (!swarm) {
    return MakeError(Errc::kConflict, "no swarm",
                     name + " has no swarm channel yet; start one with `/swarm start " + name +
                         "`, then ask for experts there.");
  }
  if (swarm->ChannelRefused()) {
    return MakeError(Errc::kConflict, "channel refused",
                     "Slack refused to create the swarm channel of " + name +
                         "; start it again with `/swarm start " + name + "`.");
  }
  if (!SwarmLive(*swarm)) {
    return MakeError(Errc::kConflict, "swarm archived",
                     "The swarm channel #" + swarm->channel_name + " of " + name +
                         " is archived; nobody can be invited to it.");
  }
  return *swarm;
}

// Who is in the channel: joined, or added by conversations.invite (whose
// member_joined_channel event may not have arrived yet), and not left since.
std::set<std::string> PresentMembers(store::Database& db, std::int64_t swarm) {
  std::set<std::string> present;
  for (const store::SwarmMember& member : store::SwarmRepository(db).Members(swarm)) {
    if (!member.left_at && (member.joined_at || member.invited_at)) {
      present.insert(member.user.str());
    }
  }
  return present;
}

// Sorts the people this swarm asked before, and those who left it, into
// `shortlist`; people who are waiting to answer or who declined go into
// `left_out` as well.
void SortEarlierAsks(store::Database& db, const store::Swarm& swarm, ExpertShortlist& shortlist,
                     std::set<std::string>& left_out) {
  for (const store::Invitation& earlier :
       store::ExpertRepository(db).InvitationsFor(swarm.incident)) {
    const UserId& who = earlier.invitee;
    auto add_once = [&](std::vector<UserId>& list) {
      if (std::find(list.begin(), list.end(), who) == list.end()) {
        list.push_back(who);
      }
    };
    if (earlier.state == store::InvitationState::kOpen) {
      add_once(shortlist.waiting);
      left_out.insert(who.str());
    } else if (earlier.state == store::InvitationState::kDeclined) {
      add_once(shortlist.declined);
      left_out.insert(who.str());
    } else if (earlier.state == store::InvitationState::kExpired) {
      shortlist.unanswered.insert(who);
    }
  }
  for (const store::SwarmMember& member : store::SwarmRepository(db).Members(swarm.id)) {
    if (member.left_at) {
      shortlist.left.insert(member.user);
    }
  }
}

std::string PersonName(store::Database& db, const UserId& user) {
  auto person = store::PeopleRepository(db).Find(user);
  return person && !person->display_name.empty() ? person->display_name : user.str();
}

// GatherHistory's rows, and where among them the resolved incidents and
// closed cases lie: their components are territories.
struct History {
  std::vector<store::HistoryRow> rows;
  std::size_t territorial_begin = 0;
  std::size_t territorial_end = 0;
};

History ReadHistory(store::Database& db) {
  store::ExpertRepository experts(db);
  History history{experts.ImportedHistory()};
  const auto append = [&](std::vector<store::HistoryRow> more) {
    history.rows.insert(history.rows.end(), std::make_move_iterator(more.begin()),
                        std::make_move_iterator(more.end()));
  };
  history.territorial_begin = history.rows.size();
  append(experts.ResolvedIncidents());
  append(experts.ClosedCases());
  history.territorial_end = history.rows.size();
  append(experts.ResolvedProblems());
  return history;
}

}  // namespace

std::vector<store::HistoryRow> GatherHistory(store::Database& db) {
  return ReadHistory(db).rows;
}

namespace {

// Each territory's share of `territorial`, rows whose components are territories.
std::unordered_map<std::string, double> TerritoryShares(
    std::span<const store::HistoryRow> territorial) {
  std::unordered_map<std::string, double> shares;
  for (const store::HistoryRow& row : territorial) {
    for (const std::string& territory :
         std::set<std::string>(row.components.begin(), row.components.end())) {
      shares[territory] += 1.0 / static_cast<double>(territorial.size());
    }
  }
  return shares;
}

// Inside the caller's transaction.
std::shared_ptr<const ExpertIndexSnapshot> SnapshotOf(store::Database& db,
                                                      const ExpertSettings& settings) {
  auto snapshot = std::make_shared<ExpertIndexSnapshot>();
  snapshot->fingerprint = store::ExpertRepository(db).HistoryFingerprint();
  const History history = ReadHistory(db);
  snapshot->territory_share = TerritoryShares(
      std::span<const store::HistoryRow>(history.rows)
          .subspan(history.territorial_begin, history.territorial_end - history.territorial_begin));
  const std::vector<store::Person> people = store::PeopleRepository(db).Active();
  std::vector<ef::Person> indexed;
  for (const store::Person& person : people) {
    indexed.push_back(IndexPerson(person, settings.routing.default_capacity));
    snapshot->people.emplace(person.user.str(), person);
  }
  snapshot->index =
      std::make_unique<ef::ExpertIndex>(std::move(indexed), ToRecords(history.rows, people));
  spdlog::info("event=experts.index_built people={} records={}", snapshot->index->PersonCount(),
               snapshot->index->RecordCount());
  return snapshot;
}

}  // namespace

std::shared_ptr<const ExpertIndexSnapshot> BuildExpertIndex(store::Database& db,
                                                            const ExpertSettings& settings) {
  // One read transaction: the fingerprint describes exactly the rows read.
  store::NestedTransaction transaction(db, /*immediate=*/false);
  auto snapshot = SnapshotOf(db, settings);
  transaction.Commit();
  return snapshot;
}

std::shared_ptr<const ExpertIndexSnapshot> BuildExpertIndex(const std::string& path,
                                                            const ExpertSettings& settings) {
  auto connection = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READONLY);
  // The io thread may hold the write lock for a moment; WAL readers rarely wait.
  connection->setBusyTimeout(5000);
  store::Database db(std::move(connection));
  return BuildExpertIndex(db, settings);
}

ExpertService::ExpertService(store::Database& db, const Clock& clock, ExpertSettings settings)
    : db_(db), clock_(clock), settings_(std::move(settings)) {}

ExpertService::~ExpertService() = default;

Result<std::string> ExpertService::IndexFingerprint() {
  return InReadTransaction(db_, "expert_fingerprint", [&]() -> Result<std::string> {
    return store::ExpertRepository(db_).HistoryFingerprint();
  });
}

bool ExpertService::IndexCurrent(const std::string& fingerprint) const {
  return index_ != nullptr && index_->fingerprint == fingerprint;
}

void ExpertService::InstallIndex(std::shared_ptr<const ExpertIndexSnapshot> index) {
  index_ = std::move(index);
}

std::string ExpertService::StoreFile() const {
  const std::string file = db_.Sql().getFilename();
  return file == ":memory:" ? std::string() : file;
}

Status ExpertService::RequestExperts(std::int64_t incident, const UserId& actor) {
  return InTransaction(db_, "request_experts", [&]() -> Status {
    auto swarm = LiveSwarm(db_, incident);
    if (!swarm) {
      return swarm.error();
    }
    if (store::ExpertRepository(db_).ActivePeople() == 0) {
      return MakeError(Errc::kConflict, "no people",
                       "I know nobody to propose yet: an admin imports the people list (skills, "
                       "capacity) with `swarmbot import people FILE`, and past tickets with "
                       "`swarmbot import history FILE`.");
    }
    detail::EnqueueEffect(db_, incident, effect::kProposeExperts, clock_.Now(),
                          {{std::string(effect::kArgUser), actor.str()}});
    spdlog::info("event=experts.requested incident={} actor={}",
                 store::IncidentNumberText(incident), actor.str());
    return {};
  });
}

Status ExpertService::RunAgainLater(const store::OutboxItem& item, const FormFields& args,
                                    std::chrono::milliseconds delay) {
  return InTransaction(db_, "run_again_later", [&]() -> Status {
    const auto now = clock_.Now();
    store::Outbox(db_).EnqueueAt(item.stream, item.kind, args, now, now + delay);
    return {};
  });
}

void ExpertService::RefreshIndex() {
  if (index_ != nullptr &&
      (index_built_elsewhere_ ||
       index_->fingerprint == store::ExpertRepository(db_).HistoryFingerprint())) {
    return;
  }
  index_ = SnapshotOf(db_, settings_);
}

Result<ExpertShortlist> ExpertService::Shortlist(std::int64_t incident, std::size_t size) {
  return InReadTransaction(db_, "expert_shortlist", [&]() -> Result<ExpertShortlist> {
    auto swarm = LiveSwarm(db_, incident);
    if (!swarm) {
      return swarm.error();
    }
    RefreshIndex();
    const store::Incident record = store::IncidentRepository(db_).Find(incident).value();
    ExpertShortlist shortlist;
    shortlist.incident = incident;
    shortlist.channel = swarm->channel_id;
    shortlist.query.text = record.subject + "\n" + record.description;
    // Where it hurts: its territories, and the assets its problems impact.
    // A territory most past incidents and cases share (every one, in a
    // one-territory workspace) tells nobody apart, so it is neither
    // evidence nor a reason.
    for (const std::string& territory : record.territories) {
      const auto share = index_->territory_share.find(territory);
      if (share == index_->territory_share.end() || share->second <= kMaxTellingTerritoryShare) {
        shortlist.query.components.push_back(territory);
      }
    }
    for (std::string& asset : store::ExpertRepository(db_).IncidentAssets(incident)) {
      shortlist.query.components.push_back(std::move(asset));
    }
    shortlist.query.needed_skills =
        RequiredSkills(settings_.routing.rules, record.subject + "\n" + record.description);
    shortlist.query.now = Seconds(clock_.Now());

    // People in the channel now are not proposed, nor whoever declared or
    // owns the incident (they know of it already, and the owner is invited
    // with the swarm); ask for enough to drop them.
    std::set<std::string> left_out = PresentMembers(db_, swarm->id);
    left_out.insert(record.declared_by.str());
    if (!record.owner.empty()) {
      left_out.insert(record.owner.str());
    }
    SortEarlierAsks(db_, *swarm, shortlist, left_out);
    shortlist.index = index_;
    const ef::Ranking first = index_->index->Rank(shortlist.query, size + left_out.size());
    const std::map<UserId, int> load = store::ExpertRepository(db_).OpenLoad();
    for (const ef::Candidate& candidate : first.candidates) {
      if (left_out.contains(candidate.person_id) || shortlist.people.size() >= size) {
        continue;
      }
      const store::Person& stored = index_->people.at(candidate.person_id);
      ef::Person person = IndexPerson(stored, settings_.routing.default_capacity);
      const auto it = load.find(stored.user);
      person.open_items = it == load.end() ? 0 : it->second;
      if (stored.presence_override != store::PresenceOverride::kNone) {
        person.presence = stored.presence_override == store::PresenceOverride::kAway
                              ? ef::Presence::kAway
                              : ef::Presence::kActive;
      }
      shortlist.people.push_back(std::move(person));
    }
    return shortlist;
  });
}

Result<ExpertList> ExpertService::Finish(ExpertShortlist shortlist,
                                         const std::map<std::string, SlackProfile>& profiles) {
  std::vector<ef::Person> people;
  for (ef::Person& person : shortlist.people) {
    const auto it = profiles.find(person.id);
    if (it != profiles.end()) {
      if (it->second.deactivated) {
        continue;  // gone from the workspace: nobody to invite
      }
      // The person's own away/back wins over what Slack shows.
      if (!person.presence && it->second.active) {
        person.presence = *it->second.active ? ef::Presence::kActive : ef::Presence::kAway;
      }
      person.utc_offset = it->second.utc_offset;
    }
    people.push_back(std::move(person));
  }
  // The second pass ranks the shortlist again in the same index, now with
  // presence, local time and load.
  const ef::ExpertIndex& index = *shortlist.index->index;
  const ef::Ranking ranking = index.RankAmong(shortlist.query, people.size(), people);

  ExpertList list;
  list.waiting = shortlist.waiting;
  list.declined = shortlist.declined;
  list.needed_skills = shortlist.query.needed_skills;
  list.history_records = index.RecordCount();
  std::vector<store::ProposedExpert> proposal;
  std::set<std::string> covered;
  for (const ef::Candidate& candidate : ranking.candidates) {
    // Someone with neither a matching skill nor matching history would only
    // pad the list, and a decline would move on to them.
    if (!candidate.has_evidence) {
      continue;
    }
    proposal.push_back({UserId(candidate.person_id), JoinReasons(candidate.reasons)});
    if (list.experts.size() < settings_.shown) {
      const UserId user(candidate.person_id);
      std::vector<std::string> marks;
      if (shortlist.left.contains(user)) {
        marks.emplace_back("left the swarm");
      }
      if (shortlist.unanswered.contains(user)) {
        marks.emplace_back("didn't answer when asked earlier");
      }
      list.experts.push_back({user, candidate.reasons, std::move(marks)});
      covered.insert(candidate.covered_skills.begin(), candidate.covered_skills.end());
    }
  }
  // Nor is a skill missing that someone asked already brings: the list
  // names them below, and "nobody has it" would deny what it shows.
  std::vector<ef::Person> asked;
  for (const std::vector<UserId>* users : {&list.waiting, &list.declined}) {
    for (const UserId& user : *users) {
      if (const auto it = shortlist.index->people.find(user.str());
          it != shortlist.index->people.end()) {
        asked.push_back(IndexPerson(it->second, settings_.routing.default_capacity));
      }
    }
  }
  if (!asked.empty() && !list.needed_skills.empty()) {
    for (const ef::Candidate& candidate :
         index.RankAmong(shortlist.query, asked.size(), asked).candidates) {
      covered.insert(candidate.covered_skills.begin(), candidate.covered_skills.end());
    }
  }
  for (const std::string& skill : list.needed_skills) {
    if (!covered.contains(skill)) {
      list.uncovered_skills.push_back(skill);
    }
  }
  auto recorded = InTransaction(db_, "record_proposal", [&]() -> Status {
    store::ExpertRepository(db_).ReplaceProposal(shortlist.incident, proposal, clock_.Now());
    std::string names;
    for (const ShownExpert& expert : list.experts) {
      names += (names.empty() ? "" : ", ") + PersonName(db_, expert.user);
    }
    store::TimelineRepository(db_).Append(
        shortlist.incident, clock_.Now(), detail::kBotActor, "experts_proposed",
        names.empty() ? "Looked for experts; nobody left to propose"
                      : "Proposed experts: " + names);
    return {};
  });
  if (!recorded) {
    return recorded.error();
  }
  return list;
}

namespace {

// The reasons of a proposal that still hold when its person is asked, maybe
// much later: presence and local time described the moment the list was made
// ("10:23 local time" would be wrong by the time a decline moves on), and the
// person asked knows both better than the list did.
std::string LastingReasons(std::string_view reasons) {
  std::string kept;
  while (!reasons.empty()) {
    const auto end = reasons.find("; ");
    const std::string_view reason = reasons.substr(0, end);
    reasons = end == std::string_view::npos ? std::string_view{} : reasons.substr(end + 2);
    if (reason == "available" || reason == "away" || reason.ends_with(" local time")) {
      continue;
    }
    kept += (kept.empty() ? "" : "; ") + std::string(reason);
  }
  return kept;
}

// Whether `user` may still be asked: an import of the people list that left
// them out deactivated them. Someone the list never knew isn't refused.
bool StillActive(store::Database& db, const UserId& user) {
  const auto person = store::PeopleRepository(db).Find(user);
  return !person || person->active;
}

Result<store::Invitation> InviteInTransaction(store::Database& db, const Clock& clock,
                                              const ExpertSettings& settings, std::int64_t incident,
                                              const UserId& invitee, const std::string& asked_by) {
  auto swarm = LiveSwarm(db, incident);
  if (!swarm) {
    return swarm.error();
  }
  const std::string who = PersonName(db, invitee);
  if (!StillActive(db, invitee)) {
    return MakeError(Errc::kConflict, "no longer active",
                     who +
                         " is no longer on swarmbot's people list, so they can't be invited. "
                         "`/swarm experts` makes a fresh list.");
  }
  if (PresentMembers(db, swarm->id).contains(invitee.str())) {
    return MakeError(Errc::kConflict, "already in the swarm",
                     who + " is already in #" + swarm->channel_name + ".");
  }
  store::ExpertRepository experts(db);
  for (const store::Invitation& earlier : experts.InvitationsFor(incident)) {
    if (earlier.invitee == invitee && earlier.state == store::InvitationState::kOpen) {
      return MakeError(Errc::kConflict, "invitation open",
                       who + " was already asked and hasn't answered yet.");
    }
    // An expert list from before the answer still shows their Invite button.
    if (earlier.invitee == invitee && earlier.state == store::InvitationState::kDeclined) {
      return MakeError(Errc::kConflict, "declined",
                       who + " declined for " + store::IncidentNumberText(incident) + ".");
    }
  }
  const auto now = clock.Now();
  store::Invitation invitation;
  invitation.incident = incident;
  invitation.invitee = invitee;
  invitation.asked_by = asked_by;
  for (const store::ProposedExpert& proposed : experts.Proposal(incident)) {
    if (proposed.user == invitee) {
      invitation.reasons = LastingReasons(proposed.reasons);
    }
  }
  invitation.asked_at = now;
  invitation.due_at = now + settings.invitation_timeout;
  invitation.id = experts.InsertInvitation(invitation);
  store::TimelineRepository(db).Append(incident, now, asked_by, "expert_invited",
                                       "Asked " + who + " to join the swarm");
  const std::string id = std::to_string(invitation.id);
  detail::EnqueueEffect(db, incident, effect::kAskExpert, now,
                        {{std::string(effect::kArgInvitation), id}});
  // Its own stream: a timer holds back the later items of its stream.
  store::Outbox(db).EnqueueAt(std::string(effect::kInvitationStreamPrefix) + id,
                              effect::kInvitationTimeout,
                              {{std::string(effect::kArgIncident), std::to_string(incident)},
                               {std::string(effect::kArgInvitation), id}},
                              now, invitation.due_at);
  spdlog::info("event=experts.invited incident={} invitation={} invitee={} asked_by={}",
               store::IncidentNumberText(incident), invitation.id, invitee.str(), asked_by);
  return invitation;
}

}  // namespace

namespace detail {

void WithdrawOpenInvitations(store::Database& db, std::int64_t incident, store::Withdrawal why,
                             Clock::TimePoint now) {
  store::ExpertRepository experts(db);
  for (const store::Invitation& invitation : experts.InvitationsFor(incident)) {
    if (invitation.state != store::InvitationState::kOpen) {
      continue;
    }
    experts.WithdrawInvitation(invitation.id, why, now);
    EnqueueEffect(db, incident, effect::kUpdateAsk, now,
                  {{std::string(effect::kArgInvitation), std::to_string(invitation.id)}});
  }
}

std::vector<store::Invitation> AcceptedButNotIn(store::Database& db, const store::Swarm& swarm) {
  std::set<UserId> got_in;
  for (const store::SwarmMember& member : store::SwarmRepository(db).Members(swarm.id)) {
    if (member.joined_at || member.invited_at) {
      got_in.insert(member.user);
    }
  }
  // Accepted before this channel's swarm started: an earlier restart
  // carried them over as members, and they are judged as members now.
  std::vector<store::Invitation> waiting;
  for (const store::Invitation& invitation :
       store::ExpertRepository(db).InvitationsFor(swarm.incident)) {
    if (invitation.state == store::InvitationState::kAccepted && invitation.answered_at &&
        *invitation.answered_at >= swarm.created_at && !got_in.contains(invitation.invitee)) {
      waiting.push_back(invitation);
    }
  }
  return waiting;
}

void TellAcceptedTheChannelIsGone(store::Database& db, const store::Swarm& swarm,
                                  Clock::TimePoint now) {
  for (const store::Invitation& invitation : AcceptedButNotIn(db, swarm)) {
    EnqueueEffect(db, swarm.incident, effect::kUpdateAsk, now,
                  {{std::string(effect::kArgInvitation), std::to_string(invitation.id)},
                   {std::string(effect::kArgChannelGone), "1"},
                   {std::string(effect::kArgChannel), swarm.channel_id.str()}});
  }
}

}  // namespace detail

namespace {

void EnqueueAnswered(store::Database& db, const store::Invitation& invitation, Clock::TimePoint now,
                     const std::optional<UserId>& next) {
  const std::string id = std::to_string(invitation.id);
  detail::EnqueueEffect(db, invitation.incident, effect::kUpdateAsk, now,
                        {{std::string(effect::kArgInvitation), id},
                         {std::string(effect::kArgNext), next ? next->str() : ""}});
  detail::EnqueueEffect(db, invitation.incident, effect::kTellExpertAnswer, now,
                        {{std::string(effect::kArgInvitation), id},
                         {std::string(effect::kArgNext), next ? next->str() : ""}});
}

// Whether `user` is in the incident's live swarm channel now (or was added
// to it and their join is on its way).
bool InLiveSwarm(store::Database& db, std::int64_t incident, const UserId& user) {
  const auto swarm = store::SwarmRepository(db).FindByIncident(incident);
  return swarm && SwarmLive(*swarm) && PresentMembers(db, swarm->id).contains(user.str());
}

// Why AskNext went past `user` without asking them, when the channel hasn't
// heard it from swarmbot: an invitation's own outcome (declined, silent,
// unreachable) was told when it ended, and people in the channel are there.
std::optional<std::string> UntoldSkip(store::Database& db, const std::set<std::string>& present,
                                      const std::set<UserId>& left, const UserId& user) {
  if (!StillActive(db, user)) {
    return "is no longer on the people list";
  }
  if (!present.contains(user.str()) && left.contains(user)) {
    return "left the swarm";
  }
  return std::nullopt;
}

// MovedOn::passed_over for the chain that began with `answered`, whose
// invitees are `chain`.
std::vector<PassedOver> PassedOverOn(store::Database& db, const store::Invitation& answered,
                                     const std::set<UserId>& chain,
                                     const std::optional<UserId>& asked) {
  store::ExpertRepository experts(db);
  const auto swarm = store::SwarmRepository(db).FindByIncident(answered.incident);
  if (!swarm) {
    return {};
  }
  const std::vector<store::ProposedExpert> proposal = experts.Proposal(answered.incident);
  const auto position = [&](const UserId& user) {
    return static_cast<std::size_t>(
        std::find_if(proposal.begin(), proposal.end(),
                     [&](const store::ProposedExpert& p) { return p.user == user; }) -
        proposal.begin());
  };
  std::size_t begin = 0;
  std::size_t end = proposal.size();
  if (asked) {
    end = position(*asked);
    if (end == proposal.size()) {
      return {};  // asked off an older list: this one says nothing of the way there
    }
    // Down the list from whoever answered; from the top when they were
    // asked off an older list or ranked below.
    const std::size_t from = position(answered.invitee);
    begin = from < end ? from + 1 : 0;
  }
  const std::set<std::string> present = PresentMembers(db, swarm->id);
  std::set<UserId> left;
  for (const store::SwarmMember& member : store::SwarmRepository(db).Members(swarm->id)) {
    if (member.left_at) {
      left.insert(member.user);
    }
  }
  std::vector<PassedOver> passed;
  for (std::size_t i = begin; i < end; ++i) {
    const UserId& user = proposal[i].user;
    if (chain.contains(user)) {
      continue;
    }
    if (auto why = UntoldSkip(db, present, left, user)) {
      passed.push_back({user, std::move(*why)});
    }
  }
  return passed;
}

// Who was named as passed over at an earlier move of `incident`'s
// invitations (each record's people, whatever it said of them).
std::set<UserId> NamedAsPassedOver(store::Database& db, std::int64_t incident) {
  std::set<UserId> named;
  for (const store::Invitation& invitation : store::ExpertRepository(db).InvitationsFor(incident)) {
    if (!invitation.passed_over) {
      continue;
    }
    if (auto fields = ParseForm(*invitation.passed_over)) {
      for (const auto& [user, why] : *fields) {
        named.emplace(user);
      }
    }
  }
  return named;
}

// The invitees of the chain that led to `after`, `after`'s own among them:
// each link's outcome was told in its notice.
std::set<UserId> ChainInto(store::Database& db, const store::Invitation& after) {
  std::map<std::int64_t, const store::Invitation*> previous;
  const std::vector<store::Invitation> all =
      store::ExpertRepository(db).InvitationsFor(after.incident);
  for (const store::Invitation& invitation : all) {
    if (invitation.next_invitation) {
      previous[*invitation.next_invitation] = &invitation;
    }
  }
  std::set<UserId> chain{after.invitee};
  // Links point to newer invitations, so walking back ends.
  for (auto it = previous.find(after.id); it != previous.end();
       it = previous.find(it->second->id)) {
    chain.insert(it->second->invitee);
  }
  return chain;
}

// The record of whom a move went past (store::Invitation::passed_over):
// each person's id with why, or with nothing when an earlier move named them.
std::string EncodePassedOver(const std::vector<PassedOver>& passed, const std::set<UserId>& named) {
  FormFields fields;
  for (const PassedOver& person : passed) {
    fields.emplace_back(person.user.str(), named.contains(person.user) ? "" : person.why);
  }
  return BuildForm(fields);
}

// Adds what `record` says to `moved`: the people named here for the first
// time to passed_over, and whether anyone named before was passed over again.
void ReadPassedOver(const std::string& record, MovedOn& moved) {
  auto fields = ParseForm(record);
  if (!fields) {
    return;
  }
  for (const auto& [user, why] : *fields) {
    if (why.empty()) {
      moved.named_before = true;
    } else {
      moved.passed_over.push_back({UserId(user), why});
    }
  }
}

}  // namespace

Result<store::Invitation> ExpertService::Invite(std::int64_t incident, const UserId& invitee,
                                                const UserId& asked_by) {
  return InTransaction(db_, "invite_expert", [&]() -> Result<store::Invitation> {
    return InviteInTransaction(db_, clock_, settings_, incident, invitee, asked_by.str());
  });
}

Result<std::optional<UserId>> ExpertService::AskNext(const store::Invitation& after,
                                                     std::string_view why) {
  store::ExpertRepository experts(db_);
  auto swarm = LiveSwarm(db_, after.incident);
  if (!swarm) {
    return std::optional<UserId>{};  // nothing to invite to any more
  }
  std::set<std::string> skip = PresentMembers(db_, swarm->id);
  // A withdrawal said nothing about its invitee (a close, say, before a
  // reopen): they may be asked again. Their own withdrawal is `after`.
  for (const store::Invitation& earlier : experts.InvitationsFor(after.incident)) {
    if (earlier.state != store::InvitationState::kWithdrawn || earlier.id == after.id) {
      skip.insert(earlier.invitee.str());
    }
  }
  std::optional<UserId> next;
  for (const store::ProposedExpert& proposed : experts.Proposal(after.incident)) {
    if (skip.contains(proposed.user.str()) || !StillActive(db_, proposed.user)) {
      continue;
    }
    auto invited = InviteInTransaction(db_, clock_, settings_, after.incident, proposed.user,
                                       std::string(detail::kBotActor));
    if (!invited) {
      return invited.error();
    }
    experts.SetNextInvitation(after.id, invited->id);
    spdlog::info("event=experts.moved_on incident={} from={} to={} why={}",
                 store::IncidentNumberText(after.incident), after.invitee.str(),
                 proposed.user.str(), why);
    next = proposed.user;
    break;
  }
  // Whom this move went past is reckoned now, as it happens, and kept: the
  // notice names them, and a later move that goes past them again doesn't.
  const std::set<UserId> named = NamedAsPassedOver(db_, after.incident);
  experts.SetPassedOver(
      after.id, EncodePassedOver(PassedOverOn(db_, after, ChainInto(db_, after), next), named));
  return next;
}

Result<InvitationAnswer> ExpertService::Answer(std::int64_t id, const UserId& user, bool accept) {
  return InTransaction(db_, "answer_invitation", [&]() -> Result<InvitationAnswer> {
    store::ExpertRepository experts(db_);
    auto invitation = experts.FindInvitation(id);
    if (!invitation) {
      return MakeError(Errc::kNotFound, "unknown invitation", "That invitation no longer exists.");
    }
    if (invitation->invitee != user) {
      return MakeError(Errc::kForbidden, "not the invitee",
                       "This invitation is for someone else; only they can answer it.");
    }
    InvitationAnswer answer;
    const auto record = store::IncidentRepository(db_).Find(invitation->incident);
    answer.incident_closed = record && !record->Open();
    if (invitation->state != store::InvitationState::kOpen) {
      answer.invitation = *invitation;
      answer.already_answered = true;
      return answer;
    }
    const auto now = clock_.Now();
    if (accept) {
      // Ended here with the real reason: left open, its timer would later
      // tell everyone the invitee never answered.
      const auto swarm_now = store::SwarmRepository(db_).FindByIncident(invitation->incident);
      if (!answer.incident_closed && swarm_now && !SwarmLive(*swarm_now)) {
        return WithdrawAtAccept(*invitation, store::Withdrawal::kSwarmArchived, answer);
      }
      auto swarm = LiveSwarm(db_, invitation->incident);
      if (!swarm) {
        return swarm.error();
      }
      if (!StillActive(db_, user)) {
        return WithdrawAtAccept(*invitation, store::Withdrawal::kLeftPeopleList, answer);
      }
      experts.SetInvitationState(id, store::InvitationState::kAccepted, now);
      store::TimelineRepository(db_).Append(invitation->incident, now, user.str(),
                                            "expert_accepted", "Accepted the invitation to help");
      answer.invitation = experts.FindInvitation(id).value();
      // The channel hears "accepted and is joining" before the join itself.
      EnqueueAnswered(db_, answer.invitation, now, std::nullopt);
      detail::EnqueueEffect(db_, invitation->incident, effect::kInvite, now,
                            {{std::string(effect::kArgUsers), user.str()}});
      return answer;
    }
    experts.SetInvitationState(id, store::InvitationState::kDeclined, now);
    store::TimelineRepository(db_).Append(invitation->incident, now, user.str(), "expert_declined",
                                          "Declined the invitation to help");
    auto next = AskNext(*invitation, "declined");
    if (!next) {
      return next.error();
    }
    answer.invitation = experts.FindInvitation(id).value();
    answer.next = *next;
    EnqueueAnswered(db_, answer.invitation, now, *next);
    return answer;
  });
}

Result<InvitationAnswer> ExpertService::WithdrawAtAccept(const store::Invitation& invitation,
                                                         store::Withdrawal why,
                                                         InvitationAnswer answer) {
  store::ExpertRepository experts(db_);
  const auto now = clock_.Now();
  experts.WithdrawInvitation(invitation.id, why, now);
  const std::string who = PersonName(db_, invitation.invitee);
  store::TimelineRepository(db_).Append(
      invitation.incident, now, invitation.invitee.str(), "expert_withdrawn",
      why == store::Withdrawal::kSwarmArchived
          ? who + " accepted after the swarm channel was archived; the invitation was withdrawn"
          : who + " accepted, but is no longer on the people list; the invitation was withdrawn");
  std::optional<UserId> next;
  if (why == store::Withdrawal::kLeftPeopleList) {
    auto asked = AskNext(invitation, "left the people list");
    if (!asked) {
      return asked.error();
    }
    next = *asked;
  }
  spdlog::info("event=experts.withdrawn_at_accept incident={} invitation={} why={}",
               store::IncidentNumberText(invitation.incident), invitation.id, store::Name(why));
  answer.invitation = experts.FindInvitation(invitation.id).value();
  answer.next = next;
  EnqueueAnswered(db_, answer.invitation, now, next);
  return answer;
}

Result<bool> ExpertService::Expire(std::int64_t id) {
  return InTransaction(db_, "expire_invitation", [&]() -> Result<bool> {
    store::ExpertRepository experts(db_);
    auto invitation = experts.FindInvitation(id);
    if (!invitation || invitation->state != store::InvitationState::kOpen) {
      return false;  // answered meanwhile, or never existed: nothing to do
    }
    const auto now = clock_.Now();
    if (InLiveSwarm(db_, invitation->incident, invitation->invitee)) {
      // Added by `/swarm invite`, as the new owner, or by joining: they are
      // helping, so nobody else is asked and no silence is held against them.
      experts.WithdrawInvitation(id, store::Withdrawal::kJoinedAnyway, now);
      store::TimelineRepository(db_).Append(
          invitation->incident, now, detail::kBotActor, "expert_withdrawn",
          PersonName(db_, invitation->invitee) +
              " is in the swarm channel already; the invitation has ended");
      EnqueueAnswered(db_, experts.FindInvitation(id).value(), now, std::nullopt);
      return true;
    }
    experts.SetInvitationState(id, store::InvitationState::kExpired, now);
    store::TimelineRepository(db_).Append(
        invitation->incident, now, detail::kBotActor, "expert_expired",
        PersonName(db_, invitation->invitee) +
            (invitation->dm_ts.empty()
                 ? std::string(" couldn't be reached by direct message")
                 : " didn't answer within " +
                       Counted(settings_.invitation_timeout.count(), "minute", "minutes")));
    auto next = AskNext(*invitation, "expired");
    if (!next) {
      return next.error();
    }
    EnqueueAnswered(db_, experts.FindInvitation(id).value(), now, *next);
    return true;
  });
}

Status ExpertService::MarkUnreachable(std::int64_t id, std::string_view what_happened,
                                      bool deactivated) {
  return InTransaction(db_, "invitation_unreachable", [&]() -> Status {
    store::ExpertRepository experts(db_);
    auto invitation = experts.FindInvitation(id);
    if (!invitation || invitation->state != store::InvitationState::kOpen) {
      return {};
    }
    const auto now = clock_.Now();
    experts.SetInvitationState(id, store::InvitationState::kUnreachable, now);
    if (deactivated) {
      experts.SetUnreachableDeactivated(id);
    }
    store::TimelineRepository(db_).Append(
        invitation->incident, now, detail::kBotActor, "expert_unreachable",
        PersonName(db_, invitation->invitee) + " " + std::string(what_happened));
    auto next = AskNext(*invitation, "unreachable");
    if (!next) {
      return next.error();
    }
    // Moved on to by swarmbot: the notice about whoever came before names
    // them. Asked by a person: nobody has said anything yet.
    if (invitation->asked_by != detail::kBotActor) {
      const std::string args_id = std::to_string(id);
      detail::EnqueueEffect(db_, invitation->incident, effect::kTellExpertAnswer, now,
                            {{std::string(effect::kArgInvitation), args_id},
                             {std::string(effect::kArgNext), *next ? (*next)->str() : ""}});
    }
    return {};
  });
}

Status ExpertService::PassOverDeactivated(const UserId& user) {
  auto open =
      InReadTransaction(db_, "open_invitations_of", [&]() -> Result<std::vector<std::int64_t>> {
        return store::ExpertRepository(db_).OpenInvitationsOf(user);
      });
  if (!open) {
    return open.error();
  }
  for (std::int64_t id : *open) {
    if (auto passed = MarkUnreachable(id, "can't answer: their Slack account is deactivated", true);
        !passed) {
      return passed;
    }
  }
  return {};
}

Result<MovedOn> ExpertService::MovedOnFrom(std::int64_t id) {
  return InReadTransaction(db_, "moved_on_from", [&]() -> Result<MovedOn> {
    store::ExpertRepository experts(db_);
    MovedOn moved;
    const auto answered = experts.FindInvitation(id);
    if (!answered) {
      return moved;
    }
    std::set<UserId> chain{answered->invitee};
    // What each move of this notice's chain recorded of whom it went past.
    std::vector<std::string> records;
    if (answered->passed_over) {
      records.push_back(*answered->passed_over);
    }
    auto current = answered;
    // Each link points to a newer invitation, so this ends.
    while (current && current->next_invitation) {
      current = experts.FindInvitation(*current->next_invitation);
      if (!current) {
        break;
      }
      chain.insert(current->invitee);
      if (current->state == store::InvitationState::kUnreachable) {
        (current->deactivated ? moved.deactivated : moved.unreachable).push_back(current->invitee);
        if (current->passed_over) {
          records.push_back(*current->passed_over);
        }
        continue;
      }
      moved.pending = current->state == store::InvitationState::kOpen && current->dm_ts.empty();
      moved.asked = current->invitee;
      break;
    }
    // An accept or a withdrawal moved nowhere; only a move down the list
    // passes anyone over.
    if (answered->state != store::InvitationState::kAccepted &&
        (answered->state != store::InvitationState::kWithdrawn ||
         answered->withdrawal == store::Withdrawal::kLeftPeopleList)) {
      if (!answered->passed_over) {
        // Moved on before the moves kept a record: reckoned now.
        moved.passed_over = PassedOverOn(db_, *answered, chain, moved.asked);
      }
      for (const std::string& record : records) {
        ReadPassedOver(record, moved);
      }
    }
    return moved;
  });
}

Result<std::optional<store::Invitation>> ExpertService::FindInvitation(std::int64_t id) {
  return InReadTransaction(db_, "find_invitation",
                           [&]() -> Result<std::optional<store::Invitation>> {
                             return store::ExpertRepository(db_).FindInvitation(id);
                           });
}

Status ExpertService::RecordInvitationMessage(std::int64_t id, const ChannelId& channel,
                                              const MessageTs& ts) {
  return InTransaction(db_, "record_invitation_message", [&]() -> Status {
    store::ExpertRepository(db_).SetInvitationMessage(id, channel, ts);
    return {};
  });
}

Result<DirectInvitation> ExpertService::InviteDirect(std::int64_t incident,
                                                     const std::vector<UserId>& users,
                                                     const std::vector<UserGroupId>& groups,
                                                     const UserId& actor) {
  return InTransaction(db_, "invite_direct", [&]() -> Result<DirectInvitation> {
    auto swarm = LiveSwarm(db_, incident);
    if (!swarm) {
      return swarm.error();
    }
    DirectInvitation invitation;
    invitation.channel_name = swarm->channel_name;
    const std::set<std::string> present = PresentMembers(db_, swarm->id);
    std::string user_list;
    for (const UserId& user : users) {
      auto& bucket = present.contains(user.str()) ? invitation.already_in : invitation.users;
      if (std::find(bucket.begin(), bucket.end(), user) == bucket.end()) {
        bucket.push_back(user);
      }
    }
    for (const UserId& user : invitation.users) {
      user_list += (user_list.empty() ? "" : ",") + user.str();
    }
    std::string group_list;
    for (const UserGroupId& group : groups) {
      group_list += (group_list.empty() ? "" : ",") + group.str();
    }
    if (user_list.empty() && group_list.empty()) {
      return invitation;
    }
    std::vector<std::string> whom;
    if (!invitation.users.empty()) {
      whom.push_back(
          Counted(static_cast<std::int64_t>(invitation.users.size()), "person", "people"));
    }
    if (!groups.empty()) {
      whom.push_back("the members of " + Counted(static_cast<std::int64_t>(groups.size()),
                                                 "user group", "user groups"));
    }
    const auto now = clock_.Now();
    store::TimelineRepository(db_).Append(incident, now, actor.str(), "swarm_invited",
                                          "Invited " + JoinWithAnd(whom) + " to the swarm");
    detail::EnqueueEffect(db_, incident, effect::kInvite, now,
                          {{std::string(effect::kArgUsers), user_list},
                           {std::string(effect::kArgUsergroups), group_list}});
    return invitation;
  });
}

Result<ImportedHistory> ExpertService::ImportHistory(const std::vector<store::HistoryRow>& rows) {
  return InTransaction(db_, "import_history", [&]() -> Result<ImportedHistory> {
    store::ExpertRepository experts(db_);
    ImportedHistory imported;
    for (const store::HistoryRow& row : rows) {
      if (experts.UpsertHistory(row, clock_.Now())) {
        ++imported.added;
      } else {
        ++imported.updated;
      }
    }
    return imported;
  });
}

Status ExpertService::QueueResponse(const std::string& response_url, const std::string& body) {
  return InTransaction(db_, "queue_response", [&]() -> Status {
    store::Outbox(db_).Enqueue(effect::kResponseStream, effect::kRespond,
                               {{std::string(effect::kArgResponseUrl), response_url},
                                {std::string(effect::kArgBody), body}},
                               clock_.Now());
    return {};
  });
}

}  // namespace swarmbot::lifecycle
