#include "lifecycle/spike_service.hpp"

#include <algorithm>
#include <chrono>
#include <set>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "common/duration_text.hpp"
#include "lifecycle/detail/effects_queue.hpp"
#include "lifecycle/effects.hpp"
#include "lifecycle/incident_service.hpp"
#include "lifecycle/transaction.hpp"
#include "store/case_repository.hpp"
#include "store/incident_repository.hpp"
#include "store/outbox.hpp"
#include "store/timeline_repository.hpp"

namespace swarmbot::lifecycle {
namespace {

// IncidentService::LinkCases takes at most this many cases per call.
constexpr std::size_t kLinkChunk = 1000;
constexpr std::size_t kActiveListed = 5;

std::string Lower(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  });
  return lower;
}

void Enqueue(store::Database& db, std::int64_t spike, std::string_view kind, Clock::TimePoint now) {
  store::Outbox(db).Enqueue(store::SpikeNumberText(spike), kind,
                            {{std::string(effect::kArgSpike), std::to_string(spike)}}, now);
}

bool Eligible(const store::Case& c) {
  return c.status != store::CaseStatus::kHeld && c.status != store::CaseStatus::kClosed;
}

std::string Counts(const store::LabelCounts& counts) {
  std::string text;
  for (const auto& [label, n] : counts) {
    text += (text.empty() ? "" : ", ") + (label.empty() ? std::string("none") : label) + " " +
            std::to_string(n);
  }
  return text;
}

std::int64_t SpanMinutes(const store::SpikeFacts& facts) {
  return std::chrono::duration_cast<std::chrono::minutes>(facts.last_at - facts.first_at).count();
}

// A spike whose incident was closed is over: similar cases after it make a
// new spike, with an alert and a Declare button of its own.
bool Ended(store::Database& db, std::int64_t spike) {
  const auto found = store::SpikeRepository(db).Find(spike);
  if (!found || !found->incident) {
    return false;
  }
  const auto incident = store::IncidentRepository(db).Find(*found->incident);
  return incident && !incident->Open();
}

}  // namespace

Error SpikeNotFound(std::int64_t spike) {
  return MakeError(Errc::kNotFound, "no such spike",
                   store::SpikeNumberText(spike) + " doesn't exist");
}

store::Level SuggestedImpact(const store::SpikeFacts& facts) {
  if (facts.cases >= 30 || facts.by_territory.size() >= 3) {
    return store::Level::kHigh;
  }
  return facts.cases >= 10 ? store::Level::kMedium : store::Level::kLow;
}

store::Level SuggestedUrgency(const store::SpikeFacts& facts) {
  const std::int64_t per_hour = facts.cases * 60 / std::max<std::int64_t>(SpanMinutes(facts), 1);
  if (per_hour >= 60) {
    return store::Level::kHigh;
  }
  return per_hour >= 15 ? store::Level::kMedium : store::Level::kLow;
}

void SpikeWatch::OnCaseCreated(store::Database& db, const store::Case& c) {
  // The detector changes before the transaction commits; should the commit
  // fail, it holds one case too many until the window moves past it.
  const std::string contact = Lower(c.contact_email);
  const SpikePlacement placed =
      detector_.Add({c.number, c.created_at, contact, c.subject, c.description});
  if (const auto spike = detector_.SpikeOf(placed.cluster); spike && !Ended(db, *spike)) {
    bool grew = store::SpikeRepository(db).AddCase(*spike, c.number, c.created_at);
    grew = AddAbsorbed(db, *spike, placed.absorbed, c.created_at) || grew;
    if (grew) {
      detail::QueueSpikeRefresh(db, *spike, c.created_at);
      spdlog::info("event=spike.grew spike={} case={} cases={}", store::SpikeNumberText(*spike),
                   store::CaseNumberText(c.number), placed.size);
    }
    return;
  }
  MaybeRecordSpike(db, placed.cluster, c.created_at);
}

bool SpikeWatch::AddAbsorbed(store::Database& db, std::int64_t spike,
                             const std::vector<std::int64_t>& absorbed, Clock::TimePoint now) {
  store::CaseRepository cases(db);
  store::SpikeRepository spikes(db);
  bool added = false;
  for (std::int64_t number : absorbed) {
    if (auto found = cases.Find(number); found && Eligible(*found)) {
      added = spikes.AddCase(spike, number, now) || added;
    }
  }
  return added;
}

void SpikeWatch::MaybeRecordSpike(store::Database& db, std::uint64_t cluster,
                                  Clock::TimePoint now) {
  const SpikeSettings& settings = detector_.settings();
  const std::vector<std::int64_t> members = detector_.Members(cluster);
  if (members.size() < static_cast<std::size_t>(settings.min_cases) ||
      detector_.ContactsOf(cluster) < static_cast<std::size_t>(settings.min_contacts)) {
    return;
  }
  // Cases already held by an incident are somebody's work; they don't make a
  // new spike.
  store::CaseRepository cases(db);
  std::vector<std::int64_t> eligible;
  std::set<std::string> contacts;
  for (std::int64_t number : members) {
    if (auto found = cases.Find(number); found && Eligible(*found)) {
      eligible.push_back(number);
      contacts.insert(Lower(found->contact_email));
    }
  }
  if (eligible.size() < static_cast<std::size_t>(settings.min_cases) ||
      contacts.size() < static_cast<std::size_t>(settings.min_contacts)) {
    return;
  }
  store::SpikeRepository spikes(db);
  const std::int64_t number = spikes.Insert(now);
  for (std::int64_t member : eligible) {
    spikes.AddCase(number, member, now);
  }
  Enqueue(db, number, effect::kPostSpikeAlert, now);
  detector_.SetSpike(cluster, number);
  spdlog::info("event=spike.detected spike={} cases={} contacts={}", store::SpikeNumberText(number),
               eligible.size(), contacts.size());
}

Status SpikeWatch::Rebuild(store::Database& db, Clock::TimePoint now) {
  return InReadTransaction(db, "rebuild_spikes", [&]() -> Status {
    store::SpikeRepository spikes(db);
    const Clock::TimePoint since = now - detector_.settings().window;
    std::unordered_map<std::int64_t, std::int64_t> newest_spike;  // of each case
    for (const auto& [spike, case_number] : spikes.SpikeCasesSince(since)) {
      std::int64_t& newest = newest_spike[case_number];
      newest = std::max(newest, spike);
    }
    // Bound as they are replayed, so that groups merge as they did live.
    std::size_t bound = 0;
    for (const store::SpikeSource& c : spikes.CasesSince(since)) {
      const std::string contact = Lower(c.contact_email);
      const std::uint64_t cluster =
          detector_.Add({c.number, c.created_at, contact, c.subject, c.description}).cluster;
      const auto spike = newest_spike.find(c.number);
      const auto known = detector_.SpikeOf(cluster);
      if (spike != newest_spike.end() && (!known || *known < spike->second)) {
        detector_.SetSpike(cluster, spike->second);
        ++bound;
      }
    }
    detector_.Expire(now);
    spdlog::info("event=spike.rebuilt cases={} clusters={} bound={}", detector_.LiveCases(),
                 detector_.ClusterCount(), bound);
    return {};
  });
}

Result<SpikeStatus> SpikeService::StatusOf(std::int64_t spike) {
  return InReadTransaction(db_, "spike_status", [&]() -> Result<SpikeStatus> {
    store::SpikeRepository spikes(db_);
    auto found = spikes.Find(spike);
    if (!found) {
      return SpikeNotFound(spike);
    }
    return SpikeStatus{*found, spikes.Facts(spike, kSampleSubjects)};
  });
}

Result<SpikePrefill> SpikeService::Prefill(std::int64_t spike) {
  auto status = StatusOf(spike);
  if (!status) {
    return status.error();
  }
  const store::SpikeFacts& facts = status->facts;
  SpikePrefill prefill;
  prefill.origin = store::SpikeNumberText(spike);
  prefill.subject = facts.subjects.empty() ? "Spike of similar cases" : facts.subjects.front();
  // The incident keeps this for good, so the cases' times rather than a span
  // ("in under 1 s") that only reads well beside the live alert.
  prefill.description = std::to_string(facts.cases) + " similar cases from " +
                        std::to_string(facts.contacts) + " customers " +
                        FormatTimeRange(facts.first_at, facts.last_at) + ", spotted as " +
                        prefill.origin + ".\nChannels: " + Counts(facts.by_channel) +
                        ".\nTerritories: " + Counts(facts.by_territory) + ".";
  for (const auto& [territory, n] : facts.by_territory) {
    if (!territory.empty()) {
      prefill.territories.push_back(territory);
    }
  }
  prefill.impact = SuggestedImpact(facts);
  prefill.urgency = SuggestedUrgency(facts);
  return prefill;
}

Result<SpikeLinkResult> SpikeService::LinkToIncident(std::int64_t spike, std::int64_t incident,
                                                     const UserId& actor) {
  std::vector<std::int64_t> to_link;
  auto planned = InReadTransaction(db_, "plan_spike_link", [&]() -> Result<SpikeLinkResult> {
    store::SpikeRepository spikes(db_);
    store::IncidentRepository incidents(db_);
    const auto found = spikes.Find(spike);
    if (!found) {
      return SpikeNotFound(spike);
    }
    const auto target = incidents.Find(incident);
    if (!target) {
      return IncidentNotFound(incident);
    }
    if (!target->Open()) {
      return MakeError(
          Errc::kConflict, "incident is closed",
          store::IncidentNumberText(incident) + " is closed; cases can't be linked to it");
    }
    if (found->incident && *found->incident != incident) {
      const auto other = incidents.Find(*found->incident);
      if (other && other->Open()) {
        const std::string name = store::IncidentNumberText(other->number);
        return MakeError(Errc::kConflict, "spike bound to another incident",
                         store::SpikeNumberText(spike) + " was declared as " + name +
                             "; link its cases there, or close " + name + " first");
      }
    }
    SpikeLinkResult result;
    result.spike = spike;
    store::CaseRepository cases(db_);
    for (std::int64_t number : spikes.Cases(spike)) {
      const auto c = cases.Find(number);
      if (!c) {
        continue;
      }
      if (c->status == store::CaseStatus::kClosed) {
        result.closed.push_back(number);
        continue;
      }
      if (c->status == store::CaseStatus::kHeld && c->incident && *c->incident != incident) {
        const auto holder = incidents.Find(*c->incident);
        if (holder && holder->Open()) {
          result.held_elsewhere.push_back(number);
          continue;
        }
      }
      to_link.push_back(number);
    }
    return result;
  });
  if (!planned) {
    return planned.error();
  }
  SpikeLinkResult result = std::move(*planned);

  IncidentService incidents(db_, clock_);
  for (std::size_t at = 0; at < to_link.size(); at += kLinkChunk) {
    const auto end =
        to_link.begin() + static_cast<std::ptrdiff_t>(std::min(at + kLinkChunk, to_link.size()));
    auto linked = incidents.LinkCases(
        incident, std::vector<std::int64_t>(to_link.begin() + static_cast<std::ptrdiff_t>(at), end),
        actor);
    if (!linked) {
      return linked.error();
    }
    result.linked.insert(result.linked.end(), linked->linked.begin(), linked->linked.end());
    result.already_linked.insert(result.already_linked.end(), linked->already_linked.begin(),
                                 linked->already_linked.end());
  }

  auto bound = InTransaction(db_, "bind_spike", [&]() -> Status {
    store::SpikeRepository spikes(db_);
    const auto now = clock_.Now();
    const auto found = spikes.Find(spike);
    if (found && found->incident != incident) {
      spikes.SetIncident(spike, incident, now);
      store::TimelineRepository(db_).Append(
          incident, now, actor.str(), "spike_linked",
          "Bound to " + store::SpikeNumberText(spike) + " (" +
              std::to_string(result.linked.size() + result.already_linked.size()) +
              " of its cases linked)");
    }
    detail::QueueSpikeRefresh(db_, spike, now);
    return {};
  });
  if (!bound) {
    return bound.error();
  }
  spdlog::info("event=spike.linked spike={} incident={} linked={} skipped={} actor={}",
               store::SpikeNumberText(spike), store::IncidentNumberText(incident),
               result.linked.size(), result.held_elsewhere.size() + result.closed.size(),
               actor.str());
  return result;
}

Result<std::optional<SpikeLinkResult>> SpikeService::OnDeclared(std::string_view origin,
                                                                std::int64_t incident,
                                                                const UserId& actor) {
  const auto spike = store::ParseSpikeNumber(origin);
  if (!spike) {
    return std::optional<SpikeLinkResult>{};
  }
  auto linked = LinkToIncident(*spike, incident, actor);
  if (!linked) {
    return linked.error();
  }
  return std::optional<SpikeLinkResult>(std::move(*linked));
}

Result<std::vector<store::Spike>> SpikeService::Active(std::chrono::minutes window) {
  return InReadTransaction(db_, "active_spikes", [&]() -> Result<std::vector<store::Spike>> {
    return store::SpikeRepository(db_).Active(clock_.Now() - window);
  });
}

Result<std::int64_t> SpikeService::SpikeOfIncident(std::int64_t incident,
                                                   std::chrono::minutes window) {
  return InReadTransaction(db_, "spike_of_incident", [&]() -> Result<std::int64_t> {
    store::SpikeRepository spikes(db_);
    if (auto spike = spikes.SpikeOfIncident(incident)) {
      return *spike;
    }
    const std::string name = store::IncidentNumberText(incident);
    std::string text = name + " wasn't declared from a spike; name one, e.g. `/incident link " +
                       name + " --cluster SPIKE-1`.";
    const auto active = spikes.Active(clock_.Now() - window);
    if (active.empty()) {
      text += " There are no active spikes.";
    } else {
      text += " Active spikes:";
      for (std::size_t i = 0; i < active.size() && i < kActiveListed; ++i) {
        text += (i == 0 ? " " : ", ") + store::SpikeNumberText(active[i].number) + " (" +
                std::to_string(spikes.Cases(active[i].number).size()) + " cases)";
      }
      text += ".";
    }
    return MakeError(Errc::kInvalidInput, "no spike for incident", text);
  });
}

Status SpikeService::RecordAlert(std::int64_t spike, const ChannelId& channel,
                                 const MessageTs& ts) {
  return InTransaction(db_, "record_spike_alert", [&]() -> Status {
    store::SpikeRepository(db_).SetAlert(spike, channel, ts);
    return {};
  });
}

Status SpikeService::StartUpdate(std::int64_t spike) {
  return InTransaction(db_, "start_spike_update", [&]() -> Status {
    store::SpikeRepository(db_).ClearUpdate(spike);
    return {};
  });
}

}  // namespace swarmbot::lifecycle
