#include "app/cab_settings.hpp"

namespace swarmbot::app {

lifecycle::CabSettings CabSettingsFrom(const config::CabConfig& cab) {
  lifecycle::CabSettings settings;
  settings.channel = ChannelId(cab.channel);
  settings.escalation_channel = ChannelId(cab.escalation_channel);
  for (const auto& [type, from] : cab.policies) {
    lifecycle::ApprovalPolicy policy;
    for (const std::string& group : from.groups) {
      policy.groups.emplace_back(group);
    }
    policy.rule = lifecycle::ParseApprovalRule(from.rule).value_or(lifecycle::ApprovalRule::kAll);
    policy.n = from.n;
    for (const std::string& user : from.mandatory) {
      policy.mandatory.emplace_back(user);
    }
    policy.allow_self_approval = from.allow_self_approval;
    policy.deadline = std::chrono::hours(from.deadline_hours);
    settings.policies[type] = std::move(policy);
  }
  return settings;
}

}  // namespace swarmbot::app
