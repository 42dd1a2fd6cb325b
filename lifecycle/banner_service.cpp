#include "lifecycle/banner_service.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

#include <spdlog/spdlog.h>

#include "lifecycle/detail/effects_queue.hpp"
#include "lifecycle/incident_service.hpp"
#include "lifecycle/text_rules.hpp"
#include "lifecycle/transaction.hpp"
#include "store/incident_repository.hpp"
#include "store/swarm_repository.hpp"
#include "store/timeline_repository.hpp"

namespace swarmbot::lifecycle {
namespace {

using store::Banner;
using store::BannerAudience;
using store::BannerRepository;

// Characters a URL may hold unencoded (RFC 3986's unreserved, reserved and
// '%'); anything else (spaces, quotes, angle brackets, non-ASCII) must be
// percent-encoded, so a link can't break out of an HTML attribute.
bool UrlCharacter(char c) {
  static constexpr std::string_view kAllowed = "-._~:/?#[]@!$&'()*+,;=%";
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         kAllowed.find(c) != std::string_view::npos;
}

bool HostCharacter(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' || c == ':' ||
         c == '[' || c == ']';
}

Error BadLink(std::string_view why) {
  return MakeError(Errc::kInvalidInput, "bad banner link", "The link " + std::string(why) + ".");
}

bool SwarmIsLive(store::Database& db, std::int64_t incident) {
  auto swarm = store::SwarmRepository(db).FindByIncident(incident);
  return swarm && (swarm->state == store::SwarmState::kStarting ||
                   swarm->state == store::SwarmState::kActive);
}

std::string Quoted(const Banner& banner) {
  return "\"" + banner.text + "\"";
}

// The timeline entry and Slack effects of one banner event on its incident.
void Record(store::Database& db, const Banner& banner, std::string_view event,
            std::string_view actor, Clock::TimePoint now) {
  if (!banner.incident) {
    return;
  }
  const std::int64_t incident = *banner.incident;
  const std::string audience = AudienceWords(banner.audience);
  std::string text;
  if (event == "set") {
    text = "Site banner for " + audience + " set (" + std::string(store::Name(banner.severity)) +
           "): " + Quoted(banner);
  } else if (event == "replaced") {
    text = "Site banner for " + audience + " replaced by a newer one: " + Quoted(banner);
  } else if (event == "closed") {
    text = "Site banner for " + audience + " cleared as the incident closed: " + Quoted(banner);
  } else {
    text = "Site banner for " + audience + " cleared: " + Quoted(banner);
  }
  store::TimelineRepository(db).Append(incident, now, actor, "banner_" + std::string(event), text);
  if (SwarmIsLive(db, incident)) {
    detail::EnqueueEffect(db, incident, effect::kBannerAnnounce, now,
                          {{std::string(effect::kArgBanner), std::to_string(banner.id)},
                           {std::string(effect::kArgBannerEvent), std::string(event)}});
    if (event != "closed") {
      detail::EnqueueEffect(db, incident, effect::kUpdateSummary, now);
    }
  }
  if (event != "closed") {
    detail::EnqueueEffect(db, incident, effect::kUpdateAnnouncement, now);
  }
}

Status CheckIncidentOpen(store::Database& db, std::int64_t incident, std::string_view what) {
  auto found = store::IncidentRepository(db).Find(incident);
  if (!found) {
    return IncidentNotFound(incident);
  }
  if (!found->Open()) {
    return MakeError(Errc::kConflict, "incident is closed",
                     store::IncidentNumberText(incident) + " is closed; " + std::string(what));
  }
  return {};
}

bool Selected(const Banner& banner, const BannerSelection& selection) {
  return (!selection.incident || banner.incident == selection.incident) &&
         (!selection.audience || banner.audience == *selection.audience);
}

std::vector<Banner> Select(store::Database& db, const BannerSelection& selection) {
  std::vector<Banner> chosen;
  for (Banner& banner : BannerRepository(db).ActiveAll()) {
    if (Selected(banner, selection)) {
      chosen.push_back(std::move(banner));
    }
  }
  std::stable_sort(chosen.begin(), chosen.end(), [](const Banner& a, const Banner& b) {
    return a.audience == BannerAudience::kSignedIn && b.audience != BannerAudience::kSignedIn;
  });
  return chosen;
}

Error NothingToClear(const BannerSelection& selection, bool any_up) {
  std::string what = "There is no site banner up";
  if (selection.incident) {
    what += " for " + store::IncidentNumberText(*selection.incident);
  }
  if (selection.audience) {
    what += " for " + AudienceWords(*selection.audience);
  }
  what += any_up ? "; `/banner show` lists the ones that are." : ".";
  return MakeError(Errc::kNotFound, "no banner matches", what + " Nothing was changed.");
}

}  // namespace

std::string AudienceWords(BannerAudience audience) {
  return audience == BannerAudience::kSignedIn ? "signed-in customers" : "everyone";
}

Status BannerService::CheckLink(std::string_view link) {
  if (link.size() > kMaxLink) {
    return BadLink("is longer than " + std::to_string(kMaxLink) + " characters");
  }
  const std::string lower = Lowercase(link.substr(0, 8));
  const std::size_t scheme =
      lower.starts_with("https://") ? 8 : (lower.starts_with("http://") ? 7 : 0);
  if (scheme == 0) {
    return BadLink("must start with https:// or http://");
  }
  if (!std::all_of(link.begin(), link.end(), UrlCharacter)) {
    return BadLink("holds a space, quote or other character a URL can't carry unencoded");
  }
  const std::string_view rest = link.substr(scheme);
  const std::string_view host = rest.substr(0, rest.find_first_of("/?#"));
  if (host.empty() || host.find('@') != std::string_view::npos ||
      !std::all_of(host.begin(), host.end(), HostCharacter)) {
    return BadLink("needs a plain host name after the scheme, such as https://status.example.com");
  }
  return {};
}

Result<SetBannerResult> BannerService::Set(const BannerInput& input, const UserId& actor) {
  BannerInput clean = input;
  clean.text = TrimmedLine(input.text);
  clean.link = Trimmed(input.link);
  if (auto checked = CheckField(clean.text, {"banner text", kMaxText, true, false}); !checked) {
    return checked.error();
  }
  if (!clean.link.empty()) {
    if (auto checked = CheckLink(clean.link); !checked) {
      return checked.error();
    }
  }
  return InTransaction(db_, "set_banner", [&]() -> Result<SetBannerResult> {
    if (clean.incident) {
      if (auto open = CheckIncidentOpen(db_, *clean.incident,
                                        "a closed incident can't put up a "
                                        "site banner");
          !open) {
        return open.error();
      }
    }
    const auto now = clock_.Now();
    BannerRepository banners(db_);
    SetBannerResult result;
    result.replaced = banners.Active(clean.audience);
    if (result.replaced) {
      banners.Clear(result.replaced->id, actor.str(), now);
      Record(db_, *result.replaced, "replaced", actor.str(), now);
    }
    Banner banner;
    banner.audience = clean.audience;
    banner.severity = clean.severity;
    banner.text = clean.text;
    banner.link = clean.link;
    banner.incident = clean.incident;
    banner.set_by = actor;
    banner.set_at = now;
    banner.clear_on_close = settings_.clear_on_close;
    result.banner = banners.Find(banners.Insert(banner)).value();
    Record(db_, result.banner, "set", actor.str(), now);
    spdlog::info(
        "event=banner.set banner={} audience={} severity={} incident={} replaced={} "
        "actor={}",
        result.banner.id, store::Name(clean.audience), store::Name(clean.severity),
        clean.incident ? store::IncidentNumberText(*clean.incident) : "none",
        result.replaced ? std::to_string(result.replaced->id) : "none", actor.str());
    return result;
  });
}

Result<std::vector<Banner>> BannerService::Matching(const BannerSelection& selection) {
  return InReadTransaction(db_, "match_banners",
                           [&]() -> Result<std::vector<Banner>> { return Select(db_, selection); });
}

Result<std::vector<Banner>> BannerService::Clear(const BannerSelection& selection,
                                                 const UserId& actor) {
  return InTransaction(db_, "clear_banner", [&]() -> Result<std::vector<Banner>> {
    std::vector<Banner> chosen = Select(db_, selection);
    if (chosen.empty()) {
      return NothingToClear(selection, !BannerRepository(db_).ActiveAll().empty());
    }
    const auto now = clock_.Now();
    BannerRepository banners(db_);
    for (const Banner& banner : chosen) {
      banners.Clear(banner.id, actor.str(), now);
      Record(db_, banner, "cleared", actor.str(), now);
      spdlog::info("event=banner.cleared banner={} audience={} actor={}", banner.id,
                   store::Name(banner.audience), actor.str());
    }
    return chosen;
  });
}

Result<Banner> BannerService::Find(std::int64_t id) {
  return InReadTransaction(db_, "find_banner", [&]() -> Result<Banner> {
    auto banner = BannerRepository(db_).Find(id);
    if (!banner) {
      return MakeError(Errc::kNotFound, "no such banner");
    }
    return *banner;
  });
}

Result<std::vector<Banner>> BannerService::Active() {
  return Matching({});
}

Result<std::optional<Banner>> BannerService::ForSite(BannerAudience audience) {
  return InReadTransaction(db_, "site_banner", [&]() -> Result<std::optional<Banner>> {
    BannerRepository banners(db_);
    if (audience == BannerAudience::kSignedIn) {
      if (auto own = banners.Active(BannerAudience::kSignedIn)) {
        return own;
      }
    }
    // Never the other way round: the public audience must not see what was
    // written for signed-in customers.
    return banners.Active(BannerAudience::kEveryone);
  });
}

Status BannerService::SetPublicTitle(std::int64_t incident, std::string_view title,
                                     const UserId& actor) {
  const std::string clean = TrimmedLine(title);
  if (auto checked = CheckField(clean, {"public title", kMaxPublicTitle, false, false}); !checked) {
    return checked.error();
  }
  return InTransaction(db_, "public_title", [&]() -> Status {
    if (auto open = CheckIncidentOpen(db_, incident, "its public title no longer shows"); !open) {
      return open.error();
    }
    const auto now = clock_.Now();
    store::BannerRepository(db_).SetPublicTitle(incident, clean, actor, now);
    store::TimelineRepository(db_).Append(
        incident, now, actor.str(), "public_title",
        clean.empty() ? "Public title removed; the status page shows a generic one"
                      : "Public title set: \"" + clean + "\"");
    return {};
  });
}

Result<std::string> BannerService::PublicTitle(std::int64_t incident) {
  return InReadTransaction(db_, "public_title", [&]() -> Result<std::string> {
    return store::BannerRepository(db_).PublicTitle(incident);
  });
}

Result<PublicStatus> BannerService::Public() {
  return InReadTransaction(db_, "public_status", [&]() -> Result<PublicStatus> {
    store::BannerRepository banners(db_);
    store::PublicIncidents open = banners.OpenIncidents(kMaxPublicIncidents, kAlwaysPublic);
    return PublicStatus{std::move(open.listed), open.left_out,
                        banners.Active(BannerAudience::kEveryone)};
  });
}

Result<std::optional<store::PublicIncident>> BannerService::OnStatusPage(std::int64_t incident) {
  auto status = Public();
  if (!status) {
    return status.error();
  }
  for (store::PublicIncident& listed : status->incidents) {
    if (listed.number == incident) {
      return std::move(listed);
    }
  }
  return std::optional<store::PublicIncident>{};
}

std::size_t ClearBannersOnClose(store::Database& db, std::int64_t incident, Clock::TimePoint now) {
  BannerRepository banners(db);
  std::size_t cleared = 0;
  for (const Banner& banner : banners.ActiveForIncident(incident)) {
    if (!banner.clear_on_close) {
      continue;
    }
    banners.Clear(banner.id, detail::kBotActor, now);
    Record(db, banner, "closed", detail::kBotActor, now);
    ++cleared;
  }
  if (cleared > 0) {
    spdlog::info("event=banner.cleared_on_close incident={} banners={}",
                 store::IncidentNumberText(incident), cleared);
  }
  return cleared;
}

std::string PublicTitleOf(std::string_view chosen, const std::vector<std::string>& territories) {
  if (!chosen.empty()) {
    return std::string(chosen);
  }
  if (territories.empty()) {
    return "An issue affecting some customers";
  }
  std::string text = "An issue affecting customers in ";
  for (std::size_t i = 0; i < territories.size(); ++i) {
    text += (i == 0 ? "" : (i + 1 == territories.size() ? " and " : ", ")) + territories[i];
  }
  return text;
}

}  // namespace swarmbot::lifecycle
