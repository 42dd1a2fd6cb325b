#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "common/result.hpp"
#include "lifecycle/new_case_hook.hpp"
#include "lifecycle/spike_detector.hpp"
#include "store/database.hpp"
#include "store/records.hpp"
#include "store/spike_repository.hpp"

namespace swarmbot::lifecycle {

// The process's one spike detector, fed by case creation (CaseService calls
// it through NewCaseHook). When a group of similar cases crosses the
// thresholds it records SPIKE-n with the group's cases and enqueues the alert
// (effect::kPostSpikeAlert); a case that later joins the group, or a group
// that merges into it (SpikeDetector::Add), is added to the spike and
// refreshes the alert (effect::kUpdateSpikeAlert, at most one queued at a
// time). Cases held by an incident or closed don't count towards
// a new spike. Not thread safe: swarmbot creates cases on its one io thread.
class SpikeWatch : public NewCaseHook {
 public:
  explicit SpikeWatch(SpikeSettings settings) : detector_(settings) {}

  void OnCaseCreated(store::Database& db, const store::Case& c) override;

  // Refills the detector with the cases created within the window before
  // `now`, and binds each group to the spike its cases were recorded in, so a
  // restart neither forgets a building spike nor alerts a second time.
  // Errors: kInternal when the store fails.
  Status Rebuild(store::Database& db, Clock::TimePoint now);

  const SpikeDetector& detector() const noexcept { return detector_; }

 private:
  // Records a spike for `cluster` when its eligible cases reach the thresholds.
  void MaybeRecordSpike(store::Database& db, std::uint64_t cluster, Clock::TimePoint now);
  // Adds the open cases of a group that merged into the spike's; true if any
  // was new to it.
  bool AddAbsorbed(store::Database& db, std::int64_t spike,
                   const std::vector<std::int64_t>& absorbed, Clock::TimePoint now);

  SpikeDetector detector_;
};

// What the alert shows: the spike and its cases' facts.
struct SpikeStatus {
  store::Spike spike;
  store::SpikeFacts facts;
};

// The declare modal's fields, suggested from a spike. `origin` ("SPIKE-n")
// travels through the modal so that its submission links the spike's cases.
struct SpikePrefill {
  std::string subject;
  std::string description;
  std::vector<std::string> territories;
  store::Level impact = store::Level::kMedium;
  store::Level urgency = store::Level::kMedium;
  std::string origin;
};

struct SpikeLinkResult {
  std::int64_t spike = 0;
  std::vector<std::int64_t> linked;          // newly linked, ascending
  std::vector<std::int64_t> already_linked;  // to this incident before
  std::vector<std::int64_t> held_elsewhere;  // by another open incident: left alone
  std::vector<std::int64_t> closed;          // closed cases: left alone
};

// Spike records and what people do with them. Each call is one transaction
// (LinkToIncident: a few); refusals carry a user_message fit to show.
class SpikeService {
 public:
  // Samples of subjects on the alert.
  static constexpr std::size_t kSampleSubjects = 5;

  SpikeService(store::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  // kNotFound: "SPIKE-n doesn't exist".
  Result<SpikeStatus> StatusOf(std::int64_t spike);
  Result<SpikePrefill> Prefill(std::int64_t spike);

  // Links the spike's cases to the incident (through IncidentService, so the
  // usual rules hold) and binds the spike to it: the alert then shows
  // "Declared as INC-n" without its button. Cases held by another open
  // incident and closed cases are skipped and reported, not refused. Refused:
  // an unknown spike or incident, a closed incident, a spike already bound to
  // another open incident.
  Result<SpikeLinkResult> LinkToIncident(std::int64_t spike, std::int64_t incident,
                                         const UserId& actor);

  // The hook for the declare modal's submission: `origin` "SPIKE-n" links that
  // spike's cases to the new incident; any other origin does nothing. Called
  // within the declaration's transaction (IncidentService::Declare's `also`),
  // so that the incident, the links and the spike's tie commit together.
  Result<std::optional<SpikeLinkResult>> OnDeclared(std::string_view origin, std::int64_t incident,
                                                    const UserId& actor);

  // The spike bound to the incident; without one, kInvalidInput whose message
  // lists the active spikes (those a case joined within `window`).
  Result<std::int64_t> SpikeOfIncident(std::int64_t incident, std::chrono::minutes window);
  Result<std::vector<store::Spike>> Active(std::chrono::minutes window);

  // Results and bookkeeping of the alert's effects (handlers::SpikeAlerts).
  Status RecordAlert(std::int64_t spike, const ChannelId& channel, const MessageTs& ts);
  // Called as a refresh starts, so a case joining during it queues another.
  Status StartUpdate(std::int64_t spike);

 private:
  store::Database& db_;
  const Clock& clock_;
};

// kNotFound with "SPIKE-n doesn't exist".
Error SpikeNotFound(std::int64_t spike);

// Impact and urgency suggested by a spike's size and pace.
store::Level SuggestedImpact(const store::SpikeFacts& facts);
store::Level SuggestedUrgency(const store::SpikeFacts& facts);

}  // namespace swarmbot::lifecycle
