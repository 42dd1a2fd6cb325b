#include "store/asset_repository.hpp"

#include <string>

#include <SQLiteCpp/Statement.h>

#include "store/records.hpp"

namespace swarmbot::store {

AssetRepository::Outcome AssetRepository::Upsert(const Asset& asset, Clock::TimePoint now) {
  const auto existing = Find(asset.name);
  if (existing && existing->owner_team == asset.owner_team &&
      existing->description == asset.description) {
    return Outcome::kUnchanged;
  }
  SQLite::Statement upsert(db_.Sql(),
                           "INSERT INTO assets (name, owner_team, description, updated_at) "
                           "VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                           "owner_team = excluded.owner_team, description = excluded.description, "
                           "updated_at = excluded.updated_at");
  upsert.bind(1, asset.name);
  upsert.bind(2, asset.owner_team);
  upsert.bind(3, asset.description);
  upsert.bind(4, ToMillis(now));
  upsert.exec();
  return existing ? Outcome::kUpdated : Outcome::kAdded;
}

std::optional<Asset> AssetRepository::Find(std::string_view name) {
  SQLite::Statement select(db_.Sql(),
                           "SELECT name, owner_team, description FROM assets WHERE name = ?");
  select.bind(1, std::string(name));
  if (!select.executeStep()) {
    return std::nullopt;
  }
  return Asset{select.getColumn(0).getString(), select.getColumn(1).getString(),
               select.getColumn(2).getString()};
}

std::vector<Asset> AssetRepository::All() {
  SQLite::Statement select(db_.Sql(),
                           "SELECT name, owner_team, description FROM assets ORDER BY name");
  std::vector<Asset> assets;
  while (select.executeStep()) {
    assets.push_back(Asset{select.getColumn(0).getString(), select.getColumn(1).getString(),
                           select.getColumn(2).getString()});
  }
  return assets;
}

}  // namespace swarmbot::store
