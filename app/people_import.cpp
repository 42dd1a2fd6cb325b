#include "app/people_import.hpp"

#include <cstdio>

#include "app/app.hpp"
#include "app/import_file.hpp"
#include "common/clock.hpp"
#include "config/people_file.hpp"
#include "lifecycle/routing_service.hpp"
#include "store/database.hpp"

namespace swarmbot::app {

lifecycle::RoutingRules RoutingRulesFrom(const config::RoutingConfig& routing) {
  lifecycle::RoutingRules rules;
  rules.assign_on_declare = routing.assign_on_declare;
  rules.default_capacity = routing.default_capacity;
  for (const auto& rule : routing.rules) {
    rules.rules.push_back({rule.skill, rule.words});
  }
  return rules;
}

int ImportPeople(const config::Config& config, const std::filesystem::path& file) {
  const auto text = ReadImportFile(file, "people");
  if (!text) {
    return kExitConfig;
  }
  auto entries = config::ParsePeopleFile(*text, file.filename().string());
  if (!entries) {
    std::fprintf(stderr, "swarmbot: import people: %s\n", entries.error().user_message.c_str());
    return kExitConfig;
  }
  std::vector<store::Person> people;
  for (const auto& entry : *entries) {
    store::Person person;
    person.user = UserId(entry.user);
    person.display_name = entry.name;
    person.time_zone = entry.time_zone;
    person.capacity = entry.capacity.value_or(config.routing.default_capacity);
    person.skills = entry.skills;
    people.push_back(std::move(person));
  }

  auto db = OpenStoreForImport(config);
  if (!db) {
    return kExitConfig;
  }
  SystemClock clock;
  lifecycle::RoutingService routing(*db, clock, RoutingRulesFrom(config.routing));
  auto summary = routing.ImportPeople(people);
  if (!summary) {
    std::fprintf(stderr, "swarmbot: import people: %s\n", summary.error().user_message.c_str());
    return kExitFailure;
  }
  std::printf("imported %s: %zu people (%d added, %d updated), %d deactivated, %d skills\n",
              file.filename().string().c_str(), people.size(), summary->added, summary->updated,
              summary->deactivated, summary->skills);
  if (summary->slack_deactivated > 0) {
    // Listing someone again doesn't bring back an account Slack deactivated.
    std::printf(
        "%d listed people have a deactivated Slack account and get no incidents until "
        "Slack shows it back\n",
        summary->slack_deactivated);
  }
  return kExitOk;
}

}  // namespace swarmbot::app
