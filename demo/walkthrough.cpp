#include "demo/walkthrough.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace swarmbot::demo {
namespace {

std::optional<emulator::ChannelSnapshot> SwarmChannel(emulator::Emulator& slack) {
  for (const auto& channel : slack.Channels()) {
    if (channel.name.rfind("inc-", 0) == 0) {
      return channel;
    }
  }
  return std::nullopt;
}

// swarmbot's spike alerts in `channel`, oldest first.
std::vector<emulator::MessageSnapshot> SpikeAlerts(emulator::Emulator& slack,
                                                   const ChannelId& channel) {
  std::vector<emulator::MessageSnapshot> alerts;
  if (const auto snapshot = slack.Channel(channel)) {
    for (const auto& message : snapshot->messages) {
      if (message.text.find("SPIKE-") != std::string::npos) {
        alerts.push_back(message);
      }
    }
  }
  return alerts;
}

void Heading(std::ostream& out, const std::string& text) {
  out << "\n== " << text << " ==\n";
}

}  // namespace

void PlayWalkthrough(Scenario& scenario, std::ostream& out) {
  const TakeOut& p = scenario.people();
  emulator::Emulator& slack = scenario.stack().slack();

  Heading(out, "Starting swarmbot against the local Slack emulator");
  scenario.stack().StartSwarmbot();
  out << "swarmbot is connected over Socket Mode (TLS on 127.0.0.1:" << slack.Port() << ")\n";

  Heading(out, "Step 1: customer cases arrive by e-mail, chat, messaging and phone");
  scenario.CasesArrive();
  scenario.Type(p.ravi, p.support, "/case", "list");

  Heading(out, "Step 2: swarmbot spots the spike and alerts the incident managers");
  scenario.Await("one spike alert counting the 36 FEAST25 cases", [&] {
    const auto alerts = SpikeAlerts(slack, p.incidents);
    return alerts.size() == 1 &&
           alerts[0].blocks_json.find("36 similar cases") != std::string::npos;
  });
  out << "#incident-managers shows " << SpikeAlerts(slack, p.incidents).front().text
      << ", with a \"Declare incident\" button\n";

  Heading(out, "Step 3: Mara declares the incident");
  scenario.Type(p.mara, p.incidents, "/incident",
                "declare FEAST25 discount code fails at checkout | Customers get an error when "
                "they apply the FEAST25 code at checkout impact=high urgency=high");

  Heading(out, "Step 4: Mara links the FEAST25 cases");
  std::string link = "link INC-1";
  for (const auto& number : scenario.Feast25CaseNumbers()) {
    link += " " + number;
  }
  scenario.Type(p.mara, p.incidents, "/incident", link);

  // TODO(#3): steps 5 to 7, routing by skills, taking the cases, knowledge.
  Heading(out, "Step 8: Priya starts the swarm with Sofia and @devops");
  scenario.Type(
      p.priya, p.incidents, "/swarm",
      "start INC-1 <@" + p.sofia.str() + "|sofia> <!subteam^" + p.devops.str() + "|@devops>");
  scenario.Await("the swarm channel with its pinned summary and members", [&] {
    const auto channel = SwarmChannel(slack);
    return channel && !channel->pins.empty() && channel->HasMember(p.dev) &&
           channel->HasMember(p.ines) && channel->HasMember(p.sofia);
  });
  const ChannelId swarm = SwarmChannel(slack)->id;
  out << "#" << SwarmChannel(slack)->name << " is open, its summary pinned\n";
  scenario.Type(p.priya, swarm, "/incident", "status");

  // TODO(#5) and TODO(#6): steps 9 to 15, problem, banner, change, CAB, e-mail.
  Heading(out, "Step 16: the incident closes and the swarm channel is archived");
  // TODO(#3): the incident owner may close too; for now an incident manager does.
  scenario.Type(p.mara, swarm, "/incident", "close Fixed the FEAST25 validation rule");
  scenario.Await("the swarm channel archived", [&] {
    const auto channel = slack.Channel(swarm);
    return channel && channel->is_archived;
  });

  Heading(out, "What Slack shows");
  out << slack.Transcript();
}

}  // namespace swarmbot::demo
