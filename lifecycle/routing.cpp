#include "lifecycle/routing.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <tuple>

namespace swarmbot::lifecycle {
namespace {

std::set<std::string> WordsOf(std::string_view text) {
  std::set<std::string> words;
  std::string word;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0) {
      word.push_back(static_cast<char>(std::tolower(u)));
    } else if (!word.empty()) {
      words.insert(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) {
    words.insert(std::move(word));
  }
  return words;
}

int LevelSum(const std::vector<std::string>& required, const Candidate& c) {
  int sum = 0;
  for (const std::string& skill : required) {
    if (auto it = c.skills.find(skill); it != c.skills.end()) {
      sum += it->second;
    }
  }
  return sum;
}

std::string Matched(const std::vector<std::string>& required, const Candidate& c) {
  std::string text;
  for (const std::string& skill : required) {
    if (auto it = c.skills.find(skill); it != c.skills.end()) {
      text += (text.empty() ? "" : ", ") + skill + " " + std::to_string(it->second);
    }
  }
  return text.empty() ? "no particular skill needed" : text;
}

std::string Joined(const std::vector<std::string>& items) {
  std::string text;
  for (std::size_t i = 0; i < items.size(); ++i) {
    text += (i == 0 ? "" : (i + 1 == items.size() ? " and " : ", ")) + items[i];
  }
  return text;
}

// Why nobody among `skilled` (people with a required skill) can take it.
std::string WhyNobody(const std::vector<std::string>& required,
                      const std::vector<const Candidate*>& skilled) {
  const std::string needs = required.empty() ? "" : " with " + Joined(required);
  if (skilled.empty()) {
    return "nobody" + needs + " is in the people list with an active Slack account";
  }
  std::vector<std::string> full;
  std::vector<std::string> away;
  for (const Candidate* c : skilled) {
    if (c->open_incidents >= c->capacity) {
      full.push_back(c->name + " (" + std::to_string(c->open_incidents) + " of " +
                     std::to_string(c->capacity) + " open)");
    } else {
      away.push_back(c->name);
    }
  }
  std::string text = "everyone" + needs + " is busy:";
  if (!full.empty()) {
    text += " at capacity " + Joined(full);
  }
  if (!away.empty()) {
    text += std::string(full.empty() ? "" : ";") + " away " + Joined(away);
  }
  return text;
}

}  // namespace

std::vector<std::string> RequiredSkills(const std::vector<SkillRule>& rules,
                                        std::string_view text) {
  const std::set<std::string> words = WordsOf(text);
  std::vector<std::string> skills;
  for (const SkillRule& rule : rules) {
    const bool hit = std::any_of(rule.words.begin(), rule.words.end(), [&](const std::string& w) {
      return words.contains(w) || words.contains(w + "s");
    });
    if (hit && std::find(skills.begin(), skills.end(), rule.skill) == skills.end()) {
      skills.push_back(rule.skill);
    }
  }
  return skills;
}

RoutingChoice ChooseOwner(const std::vector<std::string>& required,
                          const std::vector<Candidate>& candidates) {
  std::vector<const Candidate*> skilled;
  for (const Candidate& c : candidates) {
    if (required.empty() || LevelSum(required, c) > 0) {
      skilled.push_back(&c);
    }
  }
  const Candidate* best = nullptr;
  // Larger is better: level sum, free capacity, then "longer ago" (never = best).
  auto rank = [&](const Candidate& c) {
    const bool never = !c.last_assigned_at.has_value();
    const auto last = never ? 0 : c.last_assigned_at->time_since_epoch().count();
    return std::make_tuple(LevelSum(required, c), c.capacity - c.open_incidents, never, -last);
  };
  for (const Candidate* c : skilled) {
    if (!c->available || c->open_incidents >= c->capacity) {
      continue;
    }
    if (best == nullptr || rank(*c) > rank(*best) ||
        (rank(*c) == rank(*best) && c->user < best->user)) {
      best = c;
    }
  }
  if (best == nullptr) {
    return {std::nullopt, WhyNobody(required, skilled)};
  }
  return {best->user, Matched(required, *best) + "; " + std::to_string(best->open_incidents) +
                          " of " + std::to_string(best->capacity) + " open"};
}

}  // namespace swarmbot::lifecycle
