// The swarm channel's life through the router (issue #4): the "Start swarm"
// button, /swarm close, messages counted per member, an archive in Slack.
#include <algorithm>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "common/form.hpp"
#include "handlers/incident_view.hpp"
#include "handlers/router.hpp"
#include "lifecycle/incident_service.hpp"
#include "lifecycle/swarm_service.hpp"
#include "store/outbox.hpp"

namespace swarmbot::handlers {
namespace {

namespace json = boost::json;

class SwarmLifeHandlers : public ::testing::Test {
 protected:
  void SetUp() override {
    settings_.incident_managers = {UserId("UMARA")};
    router_ = std::make_unique<Router>(*db_, clock_, settings_);
    for (int i = 0; i < 2; ++i) {
      lifecycle::DeclareInput in;
      in.subject = "FEAST25 fails at checkout";
      ASSERT_TRUE(incidents_.Declare(in, UserId("UMARA")));
    }
    ASSERT_TRUE(swarms_.Start({1, {}, {}}, UserId("UMARA")));
    ASSERT_TRUE(swarms_.RecordChannel(1, ChannelId("CSWARM"), "inc-1-feast25"));
  }

  std::string Command(std::string_view user, std::string_view text,
                      std::string_view channel = "CSWARM") {
    json::object payload{{"team_id", "T1"},
                         {"channel_id", channel},
                         {"user_id", user},
                         {"command", "/swarm"},
                         {"text", text},
                         {"trigger_id", "1.2.abc"},
                         {"response_url", "https://hooks.slack.com/commands/T1/1/x"}};
    const auto reply =
        router_->Handle({InboundKind::kSlashCommand, json::serialize(payload), "d1"});
    return std::string(json::parse(reply.body_json).at("text").as_string());
  }

  void Deliver(json::object event) {
    json::object payload{{"type", "event_callback"}, {"event_id", "Ev1"}, {"event", event}};
    router_->Handle({InboundKind::kEvent, json::serialize(payload), "Ev1"});
  }

  void Message(std::string_view user, std::string_view channel, std::string_view subtype = "",
               std::string_view bot_id = "") {
    json::object event{{"type", "message"},
                       {"user", user},
                       {"channel", channel},
                       {"text", "a secret finding"},
                       {"ts", "1700000000.000100"}};
    if (!subtype.empty()) {
      event["subtype"] = subtype;
    }
    if (!bot_id.empty()) {
      event["bot_id"] = bot_id;
    }
    Deliver(event);
  }

  void Click(std::string_view user, std::string_view value) {
    json::object payload{
        {"type", "block_actions"},
        {"user", {{"id", user}}},
        {"channel", {{"id", "CIM"}}},
        {"trigger_id", "1.2.abc"},
        {"response_url", "https://hooks.slack.com/actions/T1/1/x"},
        {"actions", json::array{{{"action_id", kSwarmStartActionId}, {"value", value}}}}};
    router_->Handle({InboundKind::kInteractive, json::serialize(payload), "d2"});
  }

  // The text of the newest answer queued for a response_url.
  std::string LastAnswer() {
    std::string text;
    for (const auto& item : store::Outbox(*db_).Pending()) {
      if (item.kind == "slack.respond") {
        text = std::string(
            json::parse(FormValue(item.args, "body").value_or("{}")).at("text").as_string());
      }
    }
    return text;
  }

  std::int64_t MessagesOf(std::string_view user) {
    const lifecycle::IncidentStatus status = incidents_.StatusOf(1).value();
    for (const auto& member : status.members) {
      if (member.user.str() == user) {
        return member.messages;
      }
    }
    return -1;
  }

  FakeClock clock_;
  std::unique_ptr<store::Database> db_ = store::Database::Open(":memory:").value();
  lifecycle::IncidentService incidents_{*db_, clock_};
  lifecycle::SwarmService swarms_{*db_, clock_};
  Settings settings_{ChannelId("CIM"), {}, "swarmbot", UserId("UBOT"), "BBOT"};
  std::unique_ptr<Router> router_;
};

TEST_F(SwarmLifeHandlers, CountsPeoplesMessagesButNotEditsBotsOrOtherChannels) {
  Message("USOFIA", "CSWARM");
  Message("USOFIA", "CSWARM", "thread_broadcast");
  Message("USOFIA", "CSWARM", "message_changed");
  Message("USOFIA", "CSWARM", "channel_join");
  Message("UBOT", "CSWARM");
  Message("UOTHERBOT", "CSWARM", "", "BOTHER");
  Message("USOFIA", "CRANDOM");
  EXPECT_EQ(MessagesOf("USOFIA"), 2);
  EXPECT_EQ(MessagesOf("UBOT"), -1);
  EXPECT_EQ(MessagesOf("UOTHERBOT"), -1);
  const auto text =
      db_->Sql().execAndGet("SELECT COUNT(*) FROM timeline WHERE text LIKE '%secret finding%'");
  EXPECT_EQ(text.getInt(), 0);
}

TEST_F(SwarmLifeHandlers, AChannelArchivedInSlackIsRecorded) {
  Deliver({{"type", "channel_archive"}, {"channel", "CSWARM"}, {"user", "USOFIA"}});
  EXPECT_EQ(swarms_.FindByIncident(1).value()->state, store::SwarmState::kArchived);
  Deliver({{"type", "group_archive"}, {"channel", "CRANDOM"}, {"user", "USOFIA"}});
  Deliver({{"type", "channel_archive"}});  // malformed: no channel
}

TEST_F(SwarmLifeHandlers, SwarmCloseIsForManagersAndTheOwnerOfAResolvedIncident) {
  EXPECT_EQ(Command("UPRIYA", "close"),
            "Only incident managers and the incident's owner can close its swarm. Ask an "
            "incident manager in <#CIM>.");
  EXPECT_NE(Command("UMARA", "close").find("resolve it first"), std::string::npos);
  EXPECT_NE(Command("UMARA", "close INC-1 now").find("takes nothing after the incident"),
            std::string::npos);
  EXPECT_NE(Command("UMARA", "close", "CRANDOM").find("Usage: `/swarm close`"), std::string::npos);
  ASSERT_TRUE(incidents_.Move(1, lifecycle::Transition::kResolve, UserId("UMARA"), ""));
  EXPECT_EQ(Command("UMARA", "close INC-1", "CRANDOM"),
            "Closing the swarm of INC-1: the closing summary goes into the channel, then it is "
            "archived. INC-1 itself stays resolved.");
  EXPECT_EQ(swarms_.FindByIncident(1).value()->state, store::SwarmState::kClosing);
  EXPECT_NE(Command("UMARA", "close INC-1", "CRANDOM").find("is closed already"),
            std::string::npos);
}

TEST_F(SwarmLifeHandlers, TheStartButtonStartsTheSwarmForTheClicker) {
  // Priya may not move INC-2 as `/incident start` does, so it stays new
  // (check 21).
  Click("UPRIYA", "INC-2");
  EXPECT_EQ(LastAnswer(),
            "Starting the swarm for INC-2: #inc-2-feast25-fails-at-checkout is on its way; "
            "inviting you. INC-2 stays new: only incident managers and its owner put it in "
            "progress (`/incident start INC-2`).");
  EXPECT_EQ(incidents_.FindIncident(2).value().state, store::IncidentState::kNew);
  auto swarm = swarms_.FindByIncident(2).value();
  ASSERT_TRUE(swarm);
  EXPECT_EQ(swarm->created_by, UserId("UPRIYA"));

  ASSERT_TRUE(swarms_.RecordChannel(2, ChannelId("CTWO"), "inc-2-feast25-fails-at-checkout"));
  Click("USOFIA", "INC-2");
  EXPECT_EQ(LastAnswer(), "INC-2 already swarms in <#CTWO>; inviting you to it.");
  Click("USOFIA", "INC-99");
  EXPECT_EQ(LastAnswer(), "INC-99 doesn't exist.");
  Click("USOFIA", "not-an-incident");
  EXPECT_EQ(LastAnswer(), "That button is out of date; nothing was changed.");
}

// Check10 #8: someone already in the channel was told they were being invited.
TEST_F(SwarmLifeHandlers, SomeoneInTheChannelAlreadyIsToldSoAndNotInvited) {
  const auto invites = [&] {
    const auto pending = store::Outbox(*db_).Pending();
    return std::count_if(pending.begin(), pending.end(),
                         [](const auto& item) { return item.kind == "swarm.invite"; });
  };
  ASSERT_TRUE(swarms_.MemberJoined(ChannelId("CSWARM"), UserId("USOFIA")));
  const auto before = invites();
  Click("USOFIA", "INC-1");
  EXPECT_EQ(LastAnswer(), "You're in <#CSWARM> already.");
  EXPECT_EQ(Command("USOFIA", "start INC-1"), "You're in <#CSWARM> already.");
  EXPECT_EQ(invites(), before);

  EXPECT_EQ(Command("USOFIA", "start INC-1 <@UCHEN|chen>"),
            "You're in <#CSWARM> already; inviting 1 person to it.");
  const auto pending = store::Outbox(*db_).Pending();
  ASSERT_EQ(invites(), before + 1);
  EXPECT_EQ(FormValue(pending.back().args, "users"), "UCHEN");
}

// Check18 #1: asking to join a private swarm let anybody in, who as a member
// could then open a change that fixes the incident and close it.
TEST_F(SwarmLifeHandlers, APrivateSwarmTakesInOnlyItsOwnerManagersAndWhomItsPeopleInvite) {
  settings_.swarm_private = true;
  router_ = std::make_unique<Router>(*db_, clock_, settings_);
  db_->Sql().exec("UPDATE incidents SET owner = 'UPRIYA' WHERE number = 1");
  const auto count = [&](const char* sql) { return db_->Sql().execAndGet(sql).getInt(); };
  const char* invites = "SELECT COUNT(*) FROM outbox WHERE kind = 'swarm.invite'";
  const char* entries = "SELECT COUNT(*) FROM timeline WHERE incident_id = 1";
  const int invites_before = count(invites);
  const int entries_before = count(entries);

  const std::string asking =
      "INC-1 swarms in a private channel, which only its owner and incident managers can join "
      "by asking. Ask <@UPRIYA> (the owner) or someone in the channel to add you with "
      "`/swarm invite`; nothing was changed.";
  EXPECT_EQ(Command("UEVE", "start INC-1 <@UFRIEND|friend>", "CRANDOM"), asking);
  Click("UEVE", "INC-1");
  EXPECT_EQ(LastAnswer(), asking);
  EXPECT_EQ(Command("UEVE", "invite INC-1 <@UFRIEND|friend>", "CRANDOM"),
            "INC-1 swarms in a private channel: only the people in it, the incident's owner and "
            "incident managers can invite others to it. Ask <@UPRIYA> (the owner) or someone in "
            "the channel; nothing was changed.");
  EXPECT_EQ(count(invites), invites_before);
  EXPECT_EQ(count(entries), entries_before);

  // The owner and managers get in by asking; the people in it bring others.
  EXPECT_EQ(Command("UPRIYA", "start INC-1", "CRANDOM"),
            "INC-1 already swarms in <#CSWARM>; inviting you to it.");
  ASSERT_TRUE(swarms_.MemberJoined(ChannelId("CSWARM"), UserId("USOFIA")));
  EXPECT_EQ(Command("USOFIA", "invite <@UEVE|eve>"), "Inviting <@UEVE> to the swarm of INC-1.");
  EXPECT_EQ(Command("USOFIA", "start INC-1 <@UCHEN|chen>", "CRANDOM"),
            "You're in <#CSWARM> already; inviting 1 person to it.");
  EXPECT_EQ(count(invites), invites_before + 3);
}

TEST_F(SwarmLifeHandlers, TheSummaryOffersTheButtonOnlyToAnOpenIncidentWithoutASwarm) {
  const auto has_button = [&](std::int64_t incident) {
    const auto message = IncidentSummary(incidents_.StatusOf(incident).value());
    return json::serialize(message.Blocks()).find(kSwarmStartActionId) != std::string::npos;
  };
  EXPECT_FALSE(has_button(1));
  EXPECT_TRUE(has_button(2));
  ASSERT_TRUE(incidents_.Close(2, UserId("UMARA"), ""));
  EXPECT_FALSE(has_button(2));
}

TEST_F(SwarmLifeHandlers, TheClosingSummaryListsMembersRecordsAndThanksTheTeam) {
  ASSERT_TRUE(swarms_.MemberJoined(ChannelId("CSWARM"), UserId("USOFIA")));
  Message("USOFIA", "CSWARM");
  clock_.Advance(std::chrono::minutes(30));
  ASSERT_TRUE(swarms_.MemberLeft(ChannelId("CSWARM"), UserId("USOFIA")));
  ASSERT_TRUE(incidents_.Close(1, UserId("UMARA"), "Rule extended"));
  const auto message = ClosingSummary(incidents_.StatusOf(1).value(), clock_.Now());
  const std::string blocks = json::serialize(message.Blocks());
  EXPECT_NE(blocks.find("<@USOFIA> joined"), std::string::npos) << blocks;
  EXPECT_NE(blocks.find(", left "), std::string::npos) << blocks;
  EXPECT_NE(blocks.find("1 message"), std::string::npos) << blocks;
  EXPECT_NE(blocks.find("Incident INC-1 (closed)"), std::string::npos) << blocks;
  EXPECT_NE(blocks.find("Rule extended"), std::string::npos) << blocks;
  EXPECT_NE(blocks.find(":tada:"), std::string::npos) << blocks;
}

}  // namespace
}  // namespace swarmbot::handlers
