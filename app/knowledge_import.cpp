#include "app/knowledge_import.hpp"

#include <cstdio>

#include "app/app.hpp"
#include "common/clock.hpp"
#include "lifecycle/knowledge_service.hpp"
#include "store/database.hpp"

namespace swarmbot::app {

int ImportKnowledge(const config::Config& config, const std::filesystem::path& dir) {
  auto db = store::Database::Open(config.store_path);
  if (!db) {
    std::fprintf(stderr, "swarmbot: store: %s\n", db.error().user_message.c_str());
    return kExitConfig;
  }
  SystemClock clock;
  lifecycle::KnowledgeService knowledge(**db, clock);
  auto report = knowledge.ImportFolder(dir);
  if (!report) {
    std::fprintf(stderr, "swarmbot: import kb: %s\n", report.error().user_message.c_str());
    return report.error().code == Errc::kInternal ? kExitFailure : kExitConfig;
  }
  for (const auto& problem : report->problems) {
    std::fprintf(stderr, "swarmbot: import kb: skipped %s: %s\n", problem.file.c_str(),
                 problem.message.c_str());
  }
  std::printf("imported %s: %d added, %d updated, %d unchanged, %zu skipped\n",
              dir.string().c_str(), report->added, report->updated, report->unchanged,
              report->problems.size());
  return report->problems.empty() ? kExitOk : kExitFailure;
}

}  // namespace swarmbot::app
