#include "store/banner_repository.hpp"

#include <array>
#include <string>
#include <utility>

#include <SQLiteCpp/Statement.h>

#include "store/detail/columns.hpp"
#include "store/incident_repository.hpp"

namespace swarmbot::store {
namespace {

constexpr std::array<std::pair<BannerAudience, std::string_view>, 2> kAudiences{{
    {BannerAudience::kSignedIn, "signed-in"},
    {BannerAudience::kEveryone, "everyone"},
}};
constexpr std::array<std::pair<BannerSeverity, std::string_view>, 3> kSeverities{{
    {BannerSeverity::kInfo, "info"},
    {BannerSeverity::kWarning, "warning"},
    {BannerSeverity::kCritical, "critical"},
}};

template <class Enum, std::size_t N>
std::string_view NameIn(const std::array<std::pair<Enum, std::string_view>, N>& names, Enum v) {
  for (const auto& [value, name] : names) {
    if (value == v) {
      return name;
    }
  }
  return names.front().second;
}

template <class Enum, std::size_t N>
std::optional<Enum> ParseIn(const std::array<std::pair<Enum, std::string_view>, N>& names,
                            std::string_view text) {
  for (const auto& [value, name] : names) {
    if (name == text) {
      return value;
    }
  }
  return std::nullopt;
}

constexpr const char* kColumns =
    "id, audience, severity, text, link, incident_id, set_by, set_at, clear_on_close, "
    "cleared_at, cleared_by";

Banner ReadBanner(SQLite::Statement& row) {
  Banner b;
  b.id = row.getColumn(0).getInt64();
  b.audience =
      ParseBannerAudience(row.getColumn(1).getString()).value_or(BannerAudience::kSignedIn);
  b.severity = ParseBannerSeverity(row.getColumn(2).getString()).value_or(BannerSeverity::kInfo);
  b.text = row.getColumn(3).getString();
  b.link = row.getColumn(4).getString();
  b.incident = detail::OptionalInt64(row.getColumn(5));
  b.set_by = UserId(row.getColumn(6).getString());
  b.set_at = detail::Time(row.getColumn(7));
  b.clear_on_close = row.getColumn(8).getInt() != 0;
  b.cleared_at = detail::OptionalTime(row.getColumn(9));
  b.cleared_by = row.getColumn(10).getString();
  return b;
}

// Rows of `SELECT kColumns FROM banners WHERE <where>`, oldest first, with
// `values` bound to its parameters in order.
template <class... Values>
std::vector<Banner> Select(Database& db, const char* where, const Values&... values) {
  SQLite::Statement select(db.Sql(), std::string("SELECT ") + kColumns + " FROM banners WHERE " +
                                         where + " ORDER BY id");
  int index = 0;
  (select.bind(++index, values), ...);
  std::vector<Banner> banners;
  while (select.executeStep()) {
    banners.push_back(ReadBanner(select));
  }
  return banners;
}

}  // namespace

std::string_view Name(BannerAudience audience) noexcept {
  return NameIn(kAudiences, audience);
}

std::string_view Name(BannerSeverity severity) noexcept {
  return NameIn(kSeverities, severity);
}

std::optional<BannerAudience> ParseBannerAudience(std::string_view text) noexcept {
  return ParseIn(kAudiences, text);
}

std::optional<BannerSeverity> ParseBannerSeverity(std::string_view text) noexcept {
  return ParseIn(kSeverities, text);
}

std::int64_t BannerRepository::Insert(const Banner& banner) {
  SQLite::Statement insert(db_.Sql(),
                           "INSERT INTO banners (audience, severity, text, link, incident_id, "
                           "set_by, set_at, clear_on_close) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, std::string(Name(banner.audience)));
  insert.bind(2, std::string(Name(banner.severity)));
  insert.bind(3, banner.text);
  insert.bind(4, banner.link);
  if (banner.incident) {
    insert.bind(5, *banner.incident);
  } else {
    insert.bind(5);
  }
  insert.bind(6, banner.set_by.str());
  insert.bind(7, ToMillis(banner.set_at));
  insert.bind(8, banner.clear_on_close ? 1 : 0);
  insert.exec();
  return db_.Sql().getLastInsertRowid();
}

std::optional<Banner> BannerRepository::Find(std::int64_t id) {
  auto found = Select(db_, "id = ?", id);
  return found.empty() ? std::nullopt : std::optional<Banner>(std::move(found.front()));
}

std::optional<Banner> BannerRepository::Active(BannerAudience audience) {
  auto found = Select(db_, "audience = ? AND cleared_at IS NULL", std::string(Name(audience)));
  return found.empty() ? std::nullopt : std::optional<Banner>(std::move(found.front()));
}

std::vector<Banner> BannerRepository::ActiveAll() {
  return Select(db_, "cleared_at IS NULL");
}

std::vector<Banner> BannerRepository::ActiveForIncident(std::int64_t incident) {
  return Select(db_, "incident_id = ? AND cleared_at IS NULL", incident);
}

void BannerRepository::Clear(std::int64_t id, std::string_view by, Clock::TimePoint now) {
  SQLite::Statement update(db_.Sql(),
                           "UPDATE banners SET cleared_at = ?, cleared_by = ? WHERE id = ? AND "
                           "cleared_at IS NULL");
  update.bind(1, ToMillis(now));
  update.bind(2, std::string(by));
  update.bind(3, id);
  update.exec();
}

void BannerRepository::SetPublicTitle(std::int64_t incident, std::string_view title,
                                      const UserId& by, Clock::TimePoint now) {
  if (title.empty()) {
    SQLite::Statement remove(db_.Sql(), "DELETE FROM incident_public_titles WHERE incident_id = ?");
    remove.bind(1, incident);
    remove.exec();
    return;
  }
  SQLite::Statement upsert(db_.Sql(),
                           "INSERT INTO incident_public_titles (incident_id, title, set_by, "
                           "set_at) VALUES (?, ?, ?, ?) ON CONFLICT (incident_id) DO UPDATE SET "
                           "title = excluded.title, set_by = excluded.set_by, "
                           "set_at = excluded.set_at");
  upsert.bind(1, incident);
  upsert.bind(2, std::string(title));
  upsert.bind(3, by.str());
  upsert.bind(4, ToMillis(now));
  upsert.exec();
}

std::string BannerRepository::PublicTitle(std::int64_t incident) {
  SQLite::Statement select(db_.Sql(),
                           "SELECT title FROM incident_public_titles WHERE incident_id = ?");
  select.bind(1, incident);
  return select.executeStep() ? select.getColumn(0).getString() : std::string();
}

PublicIncidents BannerRepository::OpenIncidents(int limit, int always_up_to) {
  SQLite::Statement select(db_.Sql(),
                           "SELECT number, priority FROM incidents WHERE state <> ? "
                           "ORDER BY priority, created_at DESC, number DESC");
  select.bind(1, std::string(Name(IncidentState::kClosed)));
  std::vector<std::int64_t> numbers;
  PublicIncidents open;
  while (select.executeStep()) {
    const bool urgent = select.getColumn(1).getInt() <= always_up_to;
    if (urgent || std::cmp_less(numbers.size(), limit)) {
      numbers.push_back(select.getColumn(0).getInt64());
    } else {
      ++open.left_out;
    }
  }
  IncidentRepository incidents(db_);
  for (std::int64_t number : numbers) {
    auto incident = incidents.Find(number);
    if (!incident) {
      continue;
    }
    open.listed.push_back({number, incident->state, incident->territories, PublicTitle(number),
                           incident->created_at, incident->priority});
  }
  return open;
}

}  // namespace swarmbot::store
