#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "common/result.hpp"
#include "store/banner_repository.hpp"
#include "store/database.hpp"

namespace swarmbot::lifecycle {

// [banner] in config.
struct BannerSettings {
  // A banner tied to an incident comes down when the incident closes. Kept
  // per banner as it is set, so a config change affects new banners only.
  bool clear_on_close = true;
};

struct BannerInput {
  std::optional<std::int64_t> incident;  // none: a banner of its own
  store::BannerAudience audience = store::BannerAudience::kSignedIn;
  store::BannerSeverity severity = store::BannerSeverity::kInfo;
  std::string text;  // plain text, one line
  std::string link;  // "" or an http(s) URL
};

struct SetBannerResult {
  store::Banner banner;
  std::optional<store::Banner> replaced;  // the audience's previous banner
};

// Which banners to take down; both empty: every banner that is up.
struct BannerSelection {
  std::optional<std::int64_t> incident;
  std::optional<store::BannerAudience> audience;
};

// What the public status page shows.
struct PublicStatus {
  // Open ones, most urgent first (priority, then newest): see
  // BannerService::kMaxPublicIncidents.
  std::vector<store::PublicIncident> incidents;
  int left_out = 0;                     // open ones not listed
  std::optional<store::Banner> banner;  // the banner for everyone
};

// Site banners for the customer site, and the public face of incidents.
// Who may do what is the caller's to check (handlers know the roles). Every
// change is one transaction that also writes the incident's timeline and
// enqueues its Slack effects: a line in the swarm channel
// (effect::kBannerAnnounce) and the refreshed summaries, which show the
// banner while it is up.
class BannerService {
 public:
  static constexpr std::size_t kMaxText = 280;
  static constexpr std::size_t kMaxLink = 500;
  static constexpr std::size_t kMaxPublicTitle = 120;
  // The status page lists every open incident of priority kAlwaysPublic or
  // more urgent, and less urgent ones only while it lists fewer than
  // kMaxPublicIncidents in all (a page a customer can read, and a bounded cost
  // for an address anyone may call); it counts the ones it leaves out.
  static constexpr int kMaxPublicIncidents = 50;
  static constexpr int kAlwaysPublic = 2;

  BannerService(store::Database& db, const Clock& clock, BannerSettings settings = {})
      : db_(db), clock_(clock), settings_(settings) {}

  // Puts up a banner, replacing the audience's current one. kInvalidInput for
  // an empty, oversized or multi-line text or a link that isn't a plain
  // http(s) URL of at most kMaxLink characters; kNotFound for an unknown
  // incident, kConflict for a closed one.
  Result<SetBannerResult> Set(const BannerInput& input, const UserId& actor);

  // The banners `selection` names, without changing anything.
  Result<std::vector<store::Banner>> Matching(const BannerSelection& selection);

  // Takes down what `selection` names and returns it; kNotFound (saying
  // what is up instead) when that is nothing.
  Result<std::vector<store::Banner>> Clear(const BannerSelection& selection, const UserId& actor);

  // Any banner, up or cleared; kNotFound for an unknown id.
  Result<store::Banner> Find(std::int64_t id);

  // Every banner that is up, signed-in first.
  Result<std::vector<store::Banner>> Active();

  // What the customer site shows `audience`: signed-in customers see their
  // own banner, or else the one for everyone; everyone sees only theirs.
  Result<std::optional<store::Banner>> ForSite(store::BannerAudience audience);

  // The title /status shows for the incident; "" goes back to the generic
  // one. kInvalidInput for a title over kMaxPublicTitle or with line breaks.
  Status SetPublicTitle(std::int64_t incident, std::string_view title, const UserId& actor);
  Result<std::string> PublicTitle(std::int64_t incident);

  Result<PublicStatus> Public();
  // How the status page lists `incident` right now; nothing when it doesn't.
  Result<std::optional<store::PublicIncident>> OnStatusPage(std::int64_t incident);

  // Checks a link as Set does; kInvalidInput with a reason to show.
  static Status CheckLink(std::string_view link);

 private:
  store::Database& db_;
  const Clock& clock_;
  BannerSettings settings_;
};

// Takes down the banners of `incident` that were set to clear on close, with
// a timeline entry and a line in its swarm channel each. Call inside the
// transaction that closes the incident, before the swarm's closing effects
// are enqueued. Returns how many came down.
std::size_t ClearBannersOnClose(store::Database& db, std::int64_t incident, Clock::TimePoint now);

// "signed-in customers", "everyone".
std::string AudienceWords(store::BannerAudience audience);

// What customers may read as an incident's name (status page, e-mail): the
// title someone chose to publish (`chosen`), or one built from its
// territories that says nothing internal. Never the internal subject.
std::string PublicTitleOf(std::string_view chosen, const std::vector<std::string>& territories);

}  // namespace swarmbot::lifecycle
