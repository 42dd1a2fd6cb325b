#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/ids.hpp"

namespace swarmbot::lifecycle {

// Words in an incident's subject or description that call for a skill.
struct SkillRule {
  std::string skill;               // e.g. "promotions"
  std::vector<std::string> words;  // lowercase, e.g. {"discount", "promo", "coupon", "code"}
};

// Config [routing].
struct RoutingRules {
  // Off unless configured, so that code and tests that build their own
  // settings get no routing effects they didn't ask for; the config file's
  // default is on.
  bool assign_on_declare = false;
  int default_capacity = 3;  // for people whose entry names none
  std::vector<SkillRule> rules;
};

// The skills `text` calls for, in rule order, each once. A rule word matches
// a whole word of the text, ignoring case, or that word with a plural "s".
std::vector<std::string> RequiredSkills(const std::vector<SkillRule>& rules, std::string_view text);

// One person as routing sees them at the moment it decides.
struct Candidate {
  UserId user;
  std::string name;  // for the managers' note when nobody can take it
  std::map<std::string, int> skills;
  int capacity = 0;
  int open_incidents = 0;
  bool available = false;  // presence, after the person's own override
  std::optional<Clock::TimePoint> last_assigned_at;
};

struct RoutingChoice {
  std::optional<UserId> owner;
  // For an owner: why them ("promotions 5, checkout 3; 0 of 3 open").
  // Without one: why nobody, fit to show the incident managers.
  std::string why;
};

// Picks the owner: someone available, below capacity, with at least one
// required skill (anyone when none is required); then the highest sum of
// levels in the required skills, then the most free capacity, then the one
// assigned least recently (never assigned first), then the smaller user id.
RoutingChoice ChooseOwner(const std::vector<std::string>& required,
                          const std::vector<Candidate>& candidates);

}  // namespace swarmbot::lifecycle
