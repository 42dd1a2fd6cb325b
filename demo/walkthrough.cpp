#include "demo/walkthrough.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "demo/smtp_sink.hpp"

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

// Whether the bot's DM with `user` holds a message containing `part`.
bool DirectMessageHas(emulator::Emulator& slack, const UserId& user, const std::string& part) {
  const auto dm = slack.DirectMessage(user);
  return dm && std::any_of(dm->messages.begin(), dm->messages.end(),
                           [&](const auto& m) { return m.text.find(part) != std::string::npos; });
}

// Step 8's Expert Finder: Priya asks for experts, invites the first (Sofia),
// and Sofia accepts from her direct message.
void PlayExpertFinder(Scenario& scenario, const ChannelId& swarm, std::ostream& out) {
  const TakeOut& p = scenario.people();
  const auto list = scenario.AskExperts(p.priya, swarm);
  // The first Invite button's value names Sofia ("INC-n <her id>").
  const auto sofia = list.blocks_json.find(" " + p.sofia.str() + "\"");
  if (sofia == std::string::npos || sofia > list.blocks_json.find("experts.invite.2")) {
    throw std::runtime_error("the Expert Finder didn't propose Sofia: " + list.blocks_json);
  }
  out << "The Expert Finder proposes Sofia first (promotions 5, two past discount incidents)\n";
  scenario.InviteExpert(p.priya, swarm, list, 1);
  scenario.AcceptInvitation(p.sofia, swarm);
  out << "Priya invited her; Sofia accepted in her direct message and joined\n";
}

// What the walk carries from step to step, and what it shows at the end.
struct Walk {
  Scenario& scenario;
  std::ostream& out;
  const SmtpSink& mail;
  std::string feast;  // the incident's number
  ChannelId swarm;
  std::string problem;
  std::string change;
  std::vector<std::string> site_answers;  // what the banner endpoint said, in order
};

void FetchBanners(Walk& walk, const std::string& when) {
  for (const char* audience : {"signed-in", "everyone"}) {
    const auto answer = walk.scenario.FetchBanner(audience);
    walk.site_answers.push_back(when + ", audience=" + audience + ": HTTP " +
                                std::to_string(answer.status) + " " + answer.body);
  }
}

void PlayBeforeTheDay(Walk& walk) {
  Scenario& scenario = walk.scenario;
  const TakeOut& p = scenario.people();
  emulator::Emulator& slack = scenario.stack().slack();
  Heading(walk.out, "Before the day starts: the people, their skills, and Omar's three incidents");
  scenario.ImportPeople();
  scenario.ImportAssets();
  for (const char* subject : {"Loyalty points missing after an order", "Rewards balance shows zero",
                              "Loyalty tier not updated after the fifth order"}) {
    const std::string number =
        scenario.DeclareIncident(p.mara, p.incidents, std::string(subject) + " impact=low");
    scenario.Await("Omar owns " + number,
                   [&] { return DirectMessageHas(slack, p.omar, "You now own " + number); });
  }
  walk.out << "Omar (loyalty 3) owns three open incidents: he is at his capacity of 3\n";
}

// Steps 1 to 4: the cases arrive, the spike is spotted, Mara declares, the cases are linked.
void PlayCasesToIncident(Walk& walk) {
  Scenario& scenario = walk.scenario;
  const TakeOut& p = scenario.people();
  emulator::Emulator& slack = scenario.stack().slack();
  Heading(walk.out, "Step 1: customer cases arrive by e-mail, chat, messaging and phone");
  scenario.CasesArrive();
  scenario.Type(p.ravi, p.support, "/case", "list");
  scenario.Type(p.ravi, p.support, "/case", "show " + scenario.CustomerReplies());

  Heading(walk.out, "Step 2: swarmbot spots the spike and alerts the incident managers");
  scenario.Await("one spike alert counting the 36 FEAST25 cases", [&] {
    const auto alerts = SpikeAlerts(slack, p.incidents);
    return alerts.size() == 1 &&
           alerts[0].blocks_json.find("36 similar cases") != std::string::npos;
  });
  // 36 is exactly the FEAST25 cases: none of the others was counted in, and
  // none is named in the alert.
  const auto alert = SpikeAlerts(slack, p.incidents).front();
  std::size_t unrelated = 0;
  for (const CaseSpec& spec : scenario.cases()) {
    if (spec.about_feast25) {
      continue;
    }
    ++unrelated;
    if (alert.blocks_json.find(spec.subject) != std::string::npos) {
      throw std::runtime_error("the spike alert names the unrelated case \"" + spec.subject + "\"");
    }
  }
  if (scenario.cases().size() - unrelated != 36) {
    throw std::runtime_error("the scenario no longer has 36 FEAST25 cases");
  }
  walk.out << "#incident-managers shows " << alert.text
           << ", with a \"Declare incident\" button; the " << unrelated
           << " unrelated cases are not in it\n";

  Heading(walk.out, "Step 3: Mara declares the incident from the alert");
  // A first try by command, without a subject, shows the form's inline error.
  scenario.Declare(p.mara, p.incidents, "", {{"subject", {""}}});
  walk.feast =
      scenario.DeclareFromSpikeAlert(p.mara, p.incidents,
                                     {{"subject", {"FEAST25 discount code fails at checkout"}},
                                      {"impact", {"high"}},
                                      {"urgency", {"high"}},
                                      {"territories", {"North", "East"}}});

  Heading(walk.out, "Step 4: the spike's cases are linked to " + walk.feast);
  scenario.Await("the alert showing " + walk.feast, [&] {
    const auto alerts = SpikeAlerts(slack, p.incidents);
    return alerts.size() == 1 &&
           alerts[0].blocks_json.find("Declared as *" + walk.feast + "*") != std::string::npos;
  });
  scenario.Type(p.mara, p.incidents, "/incident", "status " + walk.feast);
  scenario.Type(p.ravi, p.support, "/case", "mine");
}

// Steps 5 to 7: routing, Priya takes the cases, the knowledge base has no workaround.
void PlayOwnership(Walk& walk) {
  Scenario& scenario = walk.scenario;
  const TakeOut& p = scenario.people();
  emulator::Emulator& slack = scenario.stack().slack();
  const std::string& feast = walk.feast;
  Heading(walk.out, "Step 5: swarmbot routes " + feast + " by skills, capacity and presence");
  scenario.Await("Priya's direct message about " + feast,
                 [&] { return DirectMessageHas(slack, p.priya, "You now own " + feast); });
  walk.out << feast << " went to Priya (promotions 5, checkout 3), not Omar (at capacity) nor "
           << "Chen (payments); she has a direct message with the summary\n";

  Heading(walk.out, "Step 6: Priya takes the linked cases");
  scenario.Type(p.priya, p.incidents, "/incident", "take-cases " + feast);
  scenario.Await("one direct message each for Ravi, Lena and Tom", [&] {
    return DirectMessageHas(slack, p.ravi, "moved to") &&
           DirectMessageHas(slack, p.lena, "moved to") &&
           DirectMessageHas(slack, p.tom, "moved to");
  });

  Heading(walk.out, "Step 7: Priya searches the knowledge base for a workaround");
  const std::string kb = std::string(SWARMBOT_SOURCE_DIR) + "/samples/kb";
  const auto imported = scenario.stack().RunSwarmbotCommand({"import", "kb", "--dir", kb});
  if (imported.status != 0) {
    throw std::runtime_error("swarmbot import kb failed: " + imported.output);
  }
  walk.out << "swarmbot import kb: the eight sample articles are in the store\n";
  scenario.Type(p.priya, p.incidents, "/kb", feast + " discount code checkout");
  walk.out << "None of them offers a workaround for FEAST25; the search is on " << feast
           << "'s timeline\n";
}

void PlaySwarmStarts(Walk& walk) {
  Scenario& scenario = walk.scenario;
  const TakeOut& p = scenario.people();
  emulator::Emulator& slack = scenario.stack().slack();
  Heading(walk.out, "Step 8: Priya starts the swarm, asks the Expert Finder, invites @devops");
  scenario.ImportHistory();
  scenario.Type(p.priya, p.incidents, "/swarm", "start " + walk.feast);
  scenario.Await("the swarm channel with its pinned summary", [&] {
    const auto channel = SwarmChannel(slack);
    return channel && !channel->pins.empty() && channel->HasMember(p.priya);
  });
  walk.swarm = SwarmChannel(slack)->id;
  walk.out << "#" << SwarmChannel(slack)->name << " is open, its summary pinned\n";
  PlayExpertFinder(scenario, walk.swarm, walk.out);
  scenario.Type(p.priya, walk.swarm, "/swarm", "invite <!subteam^" + p.devops.str() + "|@devops>");
  scenario.Await("Dev and Ines in the swarm channel", [&] {
    const auto channel = slack.Channel(walk.swarm);
    return channel && channel->HasMember(p.dev) && channel->HasMember(p.ines);
  });
  walk.out << "Priya invited @devops: Dev and Ines joined\n";
  scenario.Type(p.sofia, walk.swarm, "/swarm",
                "note FEAST25 was created with a minimum basket of 25 in North only");
}

// Steps 9 and 10: Dev opens the problem; Priya puts up the banner with FEAST25B.
void PlayProblemAndBanner(Walk& walk) {
  Scenario& scenario = walk.scenario;
  const TakeOut& p = scenario.people();
  emulator::Emulator& slack = scenario.stack().slack();
  Heading(walk.out, "Step 9: Dev records the problem from the swarm channel");
  for (const auto& [who, text] : std::vector<std::pair<UserId, std::string>>{
           {p.sofia, "FEAST25 needs a basket of 25 before the discount; that rule looks wrong"},
           {p.dev, "Confirmed: the validator checks the minimum after taking 25% off"}}) {
    if (auto posted = slack.PostMessageAs(who, walk.swarm, text); !posted) {
      throw std::runtime_error("posting in the swarm channel failed: " + posted.error().detail);
    }
  }
  walk.out << "Sofia and Dev talk it through in the swarm channel\n";
  walk.problem = scenario.OpenProblem(p.dev, walk.swarm);
  scenario.Type(p.dev, walk.swarm, "/problem",
                "cause The FEAST25 rule checks the basket minimum before the discount, so every "
                "basket under 25 after the discount is refused");
  scenario.Type(p.dev, walk.swarm, "/problem", "asset checkout-service pricing-service");

  Heading(walk.out, "Step 10: Priya puts up a site banner for signed-in customers");
  scenario.Type(p.priya, walk.swarm, "/incident", "public-title Discount codes at checkout");
  scenario.Type(p.priya, walk.swarm, "/banner",
                "set --audience signed-in --severity warning FEAST25 is failing at checkout; "
                "use FEAST25B for the same 25% off");
  FetchBanners(walk, "after /banner set");
}

// Steps 11 and 12: the emergency change from the problem and its verified plan.
void PlayChangeAndPlan(Walk& walk) {
  Scenario& scenario = walk.scenario;
  const TakeOut& p = scenario.people();
  Heading(walk.out, "Step 11: Dev opens an emergency change that fixes " + walk.problem);
  walk.change = scenario.OpenChange(
      p.dev, walk.swarm, "new " + walk.problem,
      {{"change_title", {"Fix the FEAST25 validation rule"}},
       {"change_type", {"emergency"}},
       {"change_risk", {"medium"}},
       {"change_justification", {"The launch code fails for every customer at checkout"}}});

  Heading(walk.out, "Step 12: the work plan; every step done, then verified by someone else");
  const std::string& chg = walk.change;
  for (const char* step : {"Fix the basket check in the FEAST25 validation rule",
                           "Deploy checkout-service and pricing-service",
                           "Verify checkout with FEAST25 in North and East"}) {
    scenario.Type(p.dev, walk.swarm, "/change", "step add " + chg + " " + step);
  }
  for (const char* n : {"1", "2", "3"}) {
    scenario.Type(p.dev, walk.swarm, "/change", "step done " + chg + " " + n);
  }
  scenario.Type(p.dev, walk.swarm, "/change", "step verify " + chg + " 1");
  scenario.Type(p.dev, walk.swarm, "/change", "submit " + chg);
  for (const char* n : {"1", "2", "3"}) {
    scenario.Type(p.ines, walk.swarm, "/change", "step verify " + chg + " " + n);
  }
}

// Step 13: Dev submits; Mara (not on the CAB) is refused, Kofi and Ana approve.
void PlayApproval(Walk& walk) {
  Scenario& scenario = walk.scenario;
  const TakeOut& p = scenario.people();
  const std::string& chg = walk.change;
  Heading(walk.out, "Step 13: the CAB approves " + chg + " with the buttons in #cab");
  scenario.Type(p.dev, walk.swarm, "/change", "submit " + chg);
  scenario.Await("the approval request in #cab",
                 [&] { return scenario.ApprovalRequest(chg).has_value(); });
  walk.out << "#cab shows the request with the plan, the risk and [Approve] [Reject]\n";
  scenario.Vote(p.mara, chg);
  scenario.Vote(p.kofi, chg);
  scenario.Vote(p.kofi, chg);
  scenario.Vote(p.ana, chg);
  scenario.Await("the outcome in place of the buttons", [&] {
    const auto request = scenario.ApprovalRequest(chg);
    return request && request->blocks_json.find("cab.approve") == std::string::npos;
  });
  walk.out << "With two approvals " << chg << " is approved; the buttons in #cab gave way to "
           << "the outcome\n";
}

// Step 14: the close action on the change closes the problem, the incident and the cases.
void PlayCloseEverything(Walk& walk) {
  Scenario& scenario = walk.scenario;
  const TakeOut& p = scenario.people();
  Heading(walk.out, "Step 14: Dev closes " + walk.change + ", and with it everything it fixes");
  scenario.CloseChange(p.dev, walk.swarm, walk.change);
  scenario.Type(p.mara, p.incidents, "/incident", "status " + walk.feast);
}

// Step 15: Priya takes the banner down and e-mails the customers of the linked cases.
void PlayTellCustomers(Walk& walk) {
  Scenario& scenario = walk.scenario;
  const TakeOut& p = scenario.people();
  Heading(walk.out, "Step 15: Priya takes the banner down and e-mails the customers");
  scenario.Type(p.priya, p.incidents, "/banner", "clear " + walk.feast);
  FetchBanners(walk, "after /banner clear");
  scenario.EmailCustomers(p.priya, p.incidents, walk.feast);
  const std::size_t contacts = scenario.Feast25CaseNumbers().size();
  if (!walk.mail.WaitForCount(contacts)) {
    throw std::runtime_error("the SMTP server did not receive " + std::to_string(contacts) +
                             " e-mails");
  }
  scenario.Await("the e-mail's progress message done",
                 [&] { return scenario.LatestMessageWith(p.incidents, "is done").has_value(); });
  walk.out << "The SMTP server on 127.0.0.1:" << walk.mail.Port() << " received "
           << walk.mail.Received().size() << " e-mails\n";
}

// Step 16: closing the incident closed its swarm: summary, celebration, archive.
void PlaySwarmCloses(Walk& walk) {
  emulator::Emulator& slack = walk.scenario.stack().slack();
  Heading(walk.out, "Step 16: the swarm closes with its summary and is archived");
  walk.scenario.Await("the swarm channel archived", [&] {
    const auto channel = slack.Channel(walk.swarm);
    return channel && channel->is_archived;
  });
  walk.out << "Closing " << walk.feast << " closed its swarm: #" << slack.Channel(walk.swarm)->name
           << " has the closing summary with the team's celebration, and is archived\n";
}

void PrintSiteAnswers(const Walk& walk) {
  Heading(walk.out, "What the customer site got from GET /api/site/banner");
  for (const std::string& line : walk.site_answers) {
    walk.out << line << "\n";
  }
}

// The first `count` lines of `text` that aren't blank, joined by " / ".
std::string FirstLines(const std::string& text, int count) {
  std::string out;
  std::size_t start = 0;
  while (count > 0 && start < text.size()) {
    const auto end = std::min(text.find('\n', start), text.size());
    if (end > start) {
      out += (out.empty() ? "" : " / ") + text.substr(start, end - start);
      --count;
    }
    start = end + 1;
  }
  return out;
}

// Each e-mail's recipient, subject and first body line, then the count
// against the distinct contacts of the FEAST25 cases.
void PrintMail(const Walk& walk) {
  Heading(walk.out, "What the SMTP server received");
  std::set<std::string> recipients;
  for (const auto& mail : walk.mail.Received()) {
    for (const auto& to : mail.rcpt_tos) {
      recipients.insert(to);
      walk.out << to << " · " << mail.subject << " · " << FirstLines(mail.body, 2) << "\n";
    }
  }
  std::set<std::string> contacts;
  for (const CaseSpec& spec : walk.scenario.cases()) {
    if (spec.about_feast25) {
      contacts.insert(spec.contact_email);
    }
  }
  walk.out << walk.mail.Received().size() << " e-mails to " << recipients.size()
           << " distinct recipients; the FEAST25 cases have " << contacts.size()
           << " distinct contacts\n";
}

// The summary as the transcript renders it, from its first line to the archive notice.
void PrintClosingSummary(const Walk& walk) {
  Heading(walk.out, "The closing summary");
  const std::string transcript = walk.scenario.stack().slack().Transcript();
  const auto at = transcript.find("swarmbot: == " + walk.feast + " swarm closed");
  if (at == std::string::npos) {
    throw std::runtime_error("no closing summary in the swarm channel");
  }
  const auto archived = transcript.find(" archived the channel", at);
  const auto end = transcript.rfind('\n', archived);
  walk.out << transcript.substr(
      at, end == std::string::npos || end < at ? std::string::npos : end - at + 1);
}

}  // namespace

void PlayWalkthrough(Scenario& scenario, std::ostream& out) {
  emulator::Emulator& slack = scenario.stack().slack();
  Heading(out, "Starting a loopback SMTP server, and swarmbot against the local Slack emulator");
  const SmtpSink mail(scenario.stack().work_dir() / "mail");
  scenario.PrepareLaterSteps(mail.Url());
  scenario.stack().StartSwarmbot();
  out << "swarmbot is connected over Socket Mode (TLS on 127.0.0.1:" << slack.Port()
      << "); customer e-mail goes to the SMTP server on 127.0.0.1:" << mail.Port() << "\n";

  Walk walk{scenario, out, mail, {}, {}, {}, {}, {}};
  PlayBeforeTheDay(walk);
  PlayCasesToIncident(walk);
  PlayOwnership(walk);
  PlaySwarmStarts(walk);
  PlayProblemAndBanner(walk);
  PlayChangeAndPlan(walk);
  PlayApproval(walk);
  PlayCloseEverything(walk);
  PlayTellCustomers(walk);
  PlaySwarmCloses(walk);

  Heading(out, "What Slack shows");
  out << slack.Transcript();
  PrintSiteAnswers(walk);
  PrintMail(walk);
  PrintClosingSummary(walk);
}

}  // namespace swarmbot::demo
