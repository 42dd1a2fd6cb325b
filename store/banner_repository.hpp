#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "store/database.hpp"
#include "store/records.hpp"

namespace swarmbot::store {

// Who a site banner is shown to. The customer site asks for one of them.
enum class BannerAudience { kSignedIn, kEveryone };
enum class BannerSeverity { kInfo, kWarning, kCritical };

// "signed-in", "everyone"; "info", "warning", "critical".
std::string_view Name(BannerAudience audience) noexcept;
std::string_view Name(BannerSeverity severity) noexcept;
std::optional<BannerAudience> ParseBannerAudience(std::string_view text) noexcept;
std::optional<BannerSeverity> ParseBannerSeverity(std::string_view text) noexcept;

// A message on the customer site. Rows are never edited except to clear
// them, so a banner's id names one text for good.
struct Banner {
  std::int64_t id = 0;
  BannerAudience audience = BannerAudience::kSignedIn;
  BannerSeverity severity = BannerSeverity::kInfo;
  std::string text;
  std::string link;                      // "" for none
  std::optional<std::int64_t> incident;  // the incident it belongs to, if any
  UserId set_by;
  Clock::TimePoint set_at;
  bool clear_on_close = true;  // cleared when its incident closes
  std::optional<Clock::TimePoint> cleared_at;
  std::string cleared_by;  // a user id, or "swarmbot"
};

// An open incident as the public status page may show it.
struct PublicIncident {
  std::int64_t number = 0;
  IncidentState state = IncidentState::kNew;
  std::vector<std::string> territories;
  std::string public_title;  // "" when nobody chose one
  Clock::TimePoint created_at;
  int priority = 3;
};

// The open incidents the status page lists, and how many it leaves out.
struct PublicIncidents {
  std::vector<PublicIncident> listed;  // most urgent first: priority, then newest
  int left_out = 0;
};

// The `banners` and `incident_public_titles` tables. Calls run inside the
// caller's transaction, if any. At most one banner per audience is up (a
// partial unique index enforces it).
class BannerRepository {
 public:
  explicit BannerRepository(Database& db) : db_(db) {}

  std::int64_t Insert(const Banner& banner);
  std::optional<Banner> Find(std::int64_t id);
  std::optional<Banner> Active(BannerAudience audience);
  std::vector<Banner> ActiveAll();
  std::vector<Banner> ActiveForIncident(std::int64_t incident);
  void Clear(std::int64_t id, std::string_view by, Clock::TimePoint now);

  // "" removes the title.
  void SetPublicTitle(std::int64_t incident, std::string_view title, const UserId& by,
                      Clock::TimePoint now);
  std::string PublicTitle(std::int64_t incident);
  // Open incidents, most urgent first (priority, then newest): every one of
  // priority `always_up_to` or more urgent, then others while fewer than
  // `limit` are listed; the rest are only counted.
  PublicIncidents OpenIncidents(int limit, int always_up_to);

 private:
  Database& db_;
};

}  // namespace swarmbot::store
