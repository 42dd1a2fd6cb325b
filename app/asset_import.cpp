#include "app/asset_import.hpp"

#include <cstdio>

#include "app/app.hpp"
#include "app/import_file.hpp"
#include "common/clock.hpp"
#include "config/asset_file.hpp"
#include "lifecycle/incident_service.hpp"
#include "lifecycle/problem_service.hpp"
#include "store/database.hpp"

namespace swarmbot::app {

int ImportAssets(const config::Config& config, const std::filesystem::path& file) {
  const auto text = ReadImportFile(file, "assets");
  if (!text) {
    return kExitConfig;
  }
  auto entries = config::ParseAssetFile(*text, file.filename().string());
  if (!entries) {
    std::fprintf(stderr, "swarmbot: import assets: %s\n", entries.error().user_message.c_str());
    return kExitConfig;
  }
  std::vector<store::Asset> assets;
  for (const auto& entry : *entries) {
    assets.push_back(store::Asset{entry.name, entry.team, entry.description});
  }
  auto db = OpenStoreForImport(config);
  if (!db) {
    return kExitConfig;
  }
  SystemClock clock;
  lifecycle::IncidentService incidents(*db, clock);
  lifecycle::ProblemService problems(*db, clock, incidents);
  auto report = problems.ImportAssets(assets);
  if (!report) {
    std::fprintf(stderr, "swarmbot: import assets: %s\n", report.error().user_message.c_str());
    return kExitFailure;
  }
  std::printf("imported %s: %zu assets (%d added, %d updated, %d unchanged)\n",
              file.filename().string().c_str(), assets.size(), report->added, report->updated,
              report->unchanged);
  return kExitOk;
}

}  // namespace swarmbot::app
