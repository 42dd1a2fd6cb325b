#include "demo/walkthrough.hpp"

#include <algorithm>

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

void Heading(std::ostream& out, const std::string& text) {
  out << "\n== " << text << " ==\n";
}

// Whether the bot's DM with `user` holds a message containing `part`.
bool DirectMessageHas(emulator::Emulator& slack, const UserId& user, const std::string& part) {
  const auto dm = slack.DirectMessage(user);
  return dm && std::any_of(dm->messages.begin(), dm->messages.end(),
                           [&](const auto& m) { return m.text.find(part) != std::string::npos; });
}

}  // namespace

void PlayWalkthrough(Scenario& scenario, std::ostream& out) {
  const TakeOut& p = scenario.people();
  emulator::Emulator& slack = scenario.stack().slack();

  Heading(out, "Starting swarmbot against the local Slack emulator");
  scenario.stack().StartSwarmbot();
  out << "swarmbot is connected over Socket Mode (TLS on 127.0.0.1:" << slack.Port() << ")\n";

  Heading(out, "Before the day starts: the people, their skills, and Omar's three incidents");
  scenario.ImportPeople();
  for (const char* subject : {"Loyalty points missing after an order", "Rewards balance shows zero",
                              "Loyalty tier not updated after the fifth order"}) {
    const std::string number =
        scenario.DeclareIncident(p.mara, p.incidents, std::string(subject) + " impact=low");
    scenario.Await("Omar owns " + number,
                   [&] { return DirectMessageHas(slack, p.omar, "You now own " + number); });
  }
  out << "Omar (loyalty 3) owns three open incidents: he is at his capacity of 3\n";

  Heading(out, "Step 1: customer cases arrive by e-mail, chat, messaging and phone");
  scenario.CasesArrive();
  scenario.Type(p.ravi, p.support, "/case", "list");
  scenario.Type(p.ravi, p.support, "/case", "show " + scenario.CustomerReplies());

  // TODO(#3): step 2, the spike alert with its "Declare incident" button.
  Heading(out, "Step 3: Mara declares the incident");
  // A first try without a subject shows the form's inline error.
  scenario.Declare(p.mara, p.incidents, "", {{"subject", {""}}});
  const std::string feast = scenario.DeclareIncident(
      p.mara, p.incidents,
      "FEAST25 discount code fails at checkout | Customers get an error when they apply the "
      "FEAST25 code at checkout impact=high urgency=high",
      {{"territories", {"North", "East"}}});

  Heading(out, "Step 4: Mara links the FEAST25 cases");
  std::string link = "link " + feast;
  for (const auto& number : scenario.Feast25CaseNumbers()) {
    link += " " + number;
  }
  scenario.Type(p.mara, p.incidents, "/incident", link);

  Heading(out, "Step 5: swarmbot routes " + feast + " by skills, capacity and presence");
  scenario.Await("Priya's direct message about " + feast,
                 [&] { return DirectMessageHas(slack, p.priya, "You now own " + feast); });
  out << feast << " went to Priya (promotions 5, checkout 3), not Omar (at capacity) nor Chen "
      << "(payments); she has a direct message with the summary\n";

  Heading(out, "Step 6: Priya takes the linked cases");
  scenario.Type(p.priya, p.incidents, "/incident", "take-cases " + feast);
  scenario.Await("one direct message each for Ravi, Lena and Tom", [&] {
    return DirectMessageHas(slack, p.ravi, "moved to") &&
           DirectMessageHas(slack, p.lena, "moved to") &&
           DirectMessageHas(slack, p.tom, "moved to");
  });

  // TODO(#3): step 7, knowledge.
  Heading(out, "Step 8: Priya starts the swarm with Sofia and @devops");
  scenario.Type(p.priya, p.incidents, "/swarm",
                "start " + feast + " <@" + p.sofia.str() + "|sofia> <!subteam^" + p.devops.str() +
                    "|@devops>");
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
