#include "handlers/router.hpp"

#include <map>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "common/form.hpp"
#include "lifecycle/case_service.hpp"
#include "lifecycle/swarm_service.hpp"
#include "store/outbox.hpp"
#include "tests/handlers/modal_testing.hpp"
#include "tests/support/testing.hpp"

namespace swarmbot::handlers {
namespace {

namespace json = boost::json;

class RouterTest : public ::testing::Test {
 protected:
  std::string Command(std::string_view command, std::string_view text,
                      std::string_view user = "UMARA", std::string_view channel = "CGENERAL") {
    json::object payload{
        {"token", "ignored"},     {"team_id", "T1"},
        {"channel_id", channel},  {"channel_name", "general"},
        {"user_id", user},        {"user_name", "mara"},
        {"command", command},     {"text", text},
        {"api_app_id", "A1"},     {"response_url", "https://hooks.slack.com/commands/T1/1/x"},
        {"trigger_id", "1.2.abc"}};
    return Send(InboundKind::kSlashCommand, json::serialize(payload));
  }

  // The reply's text, after checking it is an ephemeral reply.
  std::string Send(InboundKind kind, const std::string& payload) {
    last_reply_ = router_in_use_->Handle({kind, payload, "delivery-1"}).body_json;
    if (kind != InboundKind::kSlashCommand || last_reply_.empty()) {
      return last_reply_;
    }
    json::value reply = json::parse(last_reply_);
    EXPECT_EQ(reply.at("response_type"), "ephemeral");
    return std::string(reply.at("text").as_string());
  }

  std::string Event(std::string_view type, std::string_view user, std::string_view channel) {
    json::object payload{{"type", "event_callback"},
                         {"event_id", "Ev1"},
                         {"event", {{"type", type}, {"user", user}, {"channel", channel}}}};
    return Send(InboundKind::kEvent, json::serialize(payload));
  }

  // Row counts of every table a command could change.
  std::vector<std::int64_t> Snapshot() {
    std::vector<std::int64_t> counts;
    for (const char* table : {"incidents", "cases", "case_links", "swarms", "swarm_members",
                              "outbox", "timeline", "idempotency_keys"}) {
      counts.push_back(
          db_->Sql().execAndGet(std::string("SELECT COUNT(*) FROM ") + table).getInt64());
    }
    return counts;
  }

  std::int64_t NewCase(std::string channel = "email") {
    lifecycle::CaseInput in;
    in.contact_name = "Ana";
    in.contact_email = "ana@example.com";
    in.channel = std::move(channel);
    in.territory = "North";
    in.subject = "FEAST25 rejected";
    in.owner = "URAVI";
    auto made = lifecycle::CaseService(*db_, clock_).IntakeCase(in, {}).value();
    clock_.Advance(std::chrono::seconds(1));
    return made.record.number;
  }

  // Types `/incident declare <text>` and submits the modal it opens with
  // `fields` over what the text filled in; returns the submission's ack.
  std::string Declare(std::string_view text, const testing::FormInput& fields = {},
                      std::string_view user = "UMARA") {
    Command("/incident", "declare " + std::string(text), user);
    const std::string view = testing::QueuedView(*db_);
    EXPECT_FALSE(view.empty()) << last_reply_;
    const std::string view_id = "V" + std::to_string(++views_);
    return Send(InboundKind::kInteractive, testing::ViewSubmission(view, view_id, user, fields));
  }

  // Declares INC-1 and starts its swarm in channel CSWARM.
  void DeclareAndSwarm() {
    Declare("FEAST25 fails at checkout impact=high");
    Command("/swarm", "start INC-1");
    ASSERT_TRUE(lifecycle::SwarmService(*db_, clock_)
                    .RecordChannel(1, ChannelId("CSWARM"), "inc-1-feast25-fails-at-checkout"));
  }

  std::vector<std::string> PendingKinds() {
    std::vector<std::string> kinds;
    for (const auto& item : store::Outbox(*db_).Pending()) {
      kinds.push_back(item.kind);
    }
    return kinds;
  }

  std::string Sql(const std::string& query) { return db_->Sql().execAndGet(query).getString(); }

  FakeClock clock_;
  std::unique_ptr<store::Database> db_ = store::Database::Open(":memory:").value();
  Settings settings_{ChannelId("CIM"), {}, "swarmbot", UserId("UBOT"), "BBOT"};
  Router router_{*db_, clock_, settings_};
  Router* router_in_use_ = &router_;  // another for tests of other settings
  std::string last_reply_;
  int views_ = 0;
};

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

TEST_F(RouterTest, AnswersHelpForEachCommand) {
  EXPECT_TRUE(Contains(Command("/incident", "help"), "/incident declare [<subject>]"));
  EXPECT_TRUE(Contains(Command("/incident", ""), "/incident link [INC-n]"));
  EXPECT_TRUE(Contains(Command("/swarm", "help"), "/swarm start INC-n"));
  EXPECT_TRUE(Contains(Command("/case", "HELP"), "/case list"));
}

// Check 19: `/incident link help` answered "Which incident? …" though the
// README says `help` after any command shows what it takes.
TEST_F(RouterTest, HelpAfterAnySubcommandShowsItsUsageAndChangesNothing) {
  const std::map<std::string, std::vector<std::string>> subcommands{
      {"/incident",
       {"declare", "link", "unlink", "status", "triage", "start", "resolve", "reopen", "close",
        "assign", "take-cases", "public-title"}},
      {"/swarm", {"start", "note", "experts", "invite", "close"}},
      {"/case", {"list", "mine", "queue", "show"}},
      {"/problem",
       {"new", "link", "unlink", "cause", "asset", "known-error", "investigate", "resolve", "close",
        "reopen", "show", "list"}},
      {"/change",
       {"new", "link", "unlink", "step", "done", "verify", "plan", "submit", "close", "show"}},
      {"/banner", {"set", "clear", "show"}},
      {"/notify", {"customers", "stop"}},
      {"/swarmbot", {"away", "back"}},
  };
  const auto before = Snapshot();
  for (const auto& [command, subs] : subcommands) {
    for (const std::string& sub : subs) {
      const std::string usage = Command(command, sub + " HELP");
      EXPECT_TRUE(usage.starts_with("*" + command + " " + sub + "*\n• `")) << usage;
      EXPECT_TRUE(Contains(usage, "`" + command + " ")) << usage;
    }
  }
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(RouterTest, HelpAfterASubcommandShowsOnlyThatOnesUsage) {
  const std::string link = Command("/incident", "link help");
  EXPECT_TRUE(Contains(link, "`/incident link [INC-n] --query <words>`")) << link;
  EXPECT_TRUE(Contains(link, "`/incident link [INC-n] --cluster [SPIKE-n]`")) << link;
  EXPECT_FALSE(Contains(link, "Which incident")) << link;
  EXPECT_FALSE(Contains(link, "/incident unlink")) << link;
  const std::string add = Command("/change", "step add help");
  EXPECT_TRUE(Contains(add, "`/change step add [CHG-n] text`")) << add;
  EXPECT_FALSE(Contains(add, "/change step done")) << add;
  EXPECT_TRUE(
      Contains(Command("/incident", "start help"), "/incident triage|start|resolve|reopen"));
  EXPECT_TRUE(Contains(Command("/swarm", "note help"), "Reacting with :pushpin:"));
  // A note that ends in "help" after other words is a note, not a question.
  EXPECT_FALSE(Command("/swarm", "note INC-1 help").starts_with("*/swarm note*"));
}

TEST_F(RouterTest, SwarmHelpNamesTheConfiguredTimelineReaction) {
  EXPECT_TRUE(Contains(Command("/swarm", "help"), "Reacting with :pushpin: or pinning"));
  Settings eyes = settings_;
  eyes.timeline_reaction = "eyes";
  Router router{*db_, clock_, eyes};
  router_in_use_ = &router;
  EXPECT_TRUE(Contains(Command("/swarm", "help"), "Reacting with :eyes: or pinning"));
  router_in_use_ = &router_;
}

TEST_F(RouterTest, ExplainsAnUnknownSubcommandAndChangesNothing) {
  const auto before = Snapshot();
  EXPECT_EQ(Command("/incident", "frobnicate INC-1"),
            "Unknown subcommand `frobnicate`; try `/incident help`.");
  EXPECT_EQ(Command("/swarm", "explode"), "Unknown subcommand `explode`; try `/swarm help`.");
  EXPECT_EQ(Command("/case", "<delete>"), "Unknown subcommand `&lt;delete&gt;`; try `/case help`.");
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(RouterTest, ExplainsAnUnknownCommand) {
  EXPECT_TRUE(Contains(Command("/pizza", "large"), "I don't know the command `/pizza`"));
}

TEST_F(RouterTest, AnswersMalformedPayloadsClearlyAndChangesNothing) {
  const auto before = Snapshot();
  for (const char* bad : {"{not json", "", "[]", R"({"text":"declare x"})",
                          R"({"command":"/incident","text":"declare x"})",
                          R"({"command":"/incident","user_id":"U1","text":"declare x"} extra)"}) {
    EXPECT_EQ(Send(InboundKind::kSlashCommand, bad),
              "Sorry, I couldn't read that command; nothing was changed.")
        << bad;
  }
  EXPECT_EQ(Send(InboundKind::kEvent, "{broken"), "");
  EXPECT_EQ(Send(InboundKind::kInteractive, "payload=%7B"), "");
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(RouterTest, DeclareOpensTheModalAndItsSubmissionDeclares) {
  EXPECT_EQ(Command("/incident",
                    "declare FEAST25 fails at checkout | Customers can't apply the code "
                    "impact=high urgency=medium"),
            "");
  EXPECT_EQ(PendingKinds(), std::vector<std::string>{"slack.open_view"});
  EXPECT_EQ(Declare("FEAST25 fails at checkout | Customers can't apply the code impact=high "
                    "urgency=medium"),
            "");
  EXPECT_EQ(Sql("SELECT subject || '|' || description || '|' || state || '|' || declared_by || "
                "'|' || priority FROM incidents"),
            "FEAST25 fails at checkout|Customers can't apply the code|new|UMARA|2");
  EXPECT_EQ(PendingKinds(),
            (std::vector<std::string>{"slack.open_view", "slack.open_view", "incident.announce",
                                      "incident.tell_declarer"}));
}

TEST_F(RouterTest, StoresSlackEscapedTextPlainAndEscapesItAgainInReplies) {
  Declare("Checkout &lt;FEAST25&gt; &amp; pay");
  EXPECT_EQ(Sql("SELECT subject FROM incidents"), "Checkout <FEAST25> & pay");
  Command("/incident", "status INC-1");
  EXPECT_TRUE(Contains(last_reply_, "Checkout &lt;FEAST25&gt; &amp; pay")) << last_reply_;
}

TEST_F(RouterTest, RefusesABadDeclarationWithUsageAndChangesNothing) {
  const auto before = Snapshot();
  const std::string reply = Command("/incident", "declare x impact=urgent");
  EXPECT_TRUE(Contains(reply, "Impact must be high, medium or low")) << reply;
  EXPECT_TRUE(Contains(reply, "Usage: `/incident declare")) << reply;
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(RouterTest, RefusesOversizedCommandText) {
  const auto before = Snapshot();
  const std::string reply = Command("/incident", "declare " + std::string(20'000, 'x'));
  EXPECT_TRUE(Contains(reply, "too long for a command")) << reply;
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(RouterTest, OnlyIncidentManagersDeclareAndCloseWhenConfigured) {
  Settings strict = settings_;
  strict.incident_managers = {UserId("UMARA")};
  Router router(*db_, clock_, strict);
  auto text = [&](std::string_view user, std::string_view command_text) {
    json::object payload{{"command", "/incident"},
                         {"text", command_text},
                         {"user_id", user},
                         {"channel_id", "C1"},
                         {"trigger_id", "1.2.x"}};
    return router.Handle({InboundKind::kSlashCommand, json::serialize(payload), ""}).body_json;
  };
  EXPECT_TRUE(
      Contains(text("URAVI", "declare x"), "Only incident managers can declare incidents."));
  EXPECT_EQ(testing::QueuedView(*db_), "");
  EXPECT_EQ(text("UMARA", "declare x"), "");
  const std::string submitted =
      router
          .Handle({InboundKind::kInteractive,
                   testing::ViewSubmission(testing::QueuedView(*db_), "V1", "UMARA"), ""})
          .body_json;
  EXPECT_EQ(submitted, "");
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM incidents"), "1");
  EXPECT_TRUE(Contains(text("URAVI", "close INC-1"),
                       "Only incident managers and the incident's owner can change its state."));
  EXPECT_TRUE(Contains(text("UMARA", "close INC-1"), "INC-1 closed"));
}

TEST_F(RouterTest, LinksCasesByListAndRange) {
  for (int i = 0; i < 4; ++i) {
    NewCase();
  }
  Declare("FEAST25 fails");
  EXPECT_EQ(Command("/incident", "link INC-1 CASE-1 CASE-2..CASE-3"),
            "Linked 3 cases to INC-1: CASE-1, CASE-2, CASE-3.");
  EXPECT_EQ(Sql("SELECT group_concat(status) FROM (SELECT status FROM cases ORDER BY number)"),
            "held,held,held,new");
  EXPECT_EQ(Command("/incident", "link INC-1 CASE-3,CASE-4"),
            "Linked 1 case to INC-1: CASE-4. 1 already was.");
  EXPECT_EQ(Command("/incident", "link INC-1 CASE-4"),
            "Those cases were already linked to INC-1; nothing changed.");
}

TEST_F(RouterTest, RefusesALinkWithAnUnknownCaseAndChangesNothing) {
  NewCase();
  Declare("FEAST25 fails");
  const auto before = Snapshot();
  const std::string reply = Command("/incident", "link INC-1 CASE-1 CASE-99");
  EXPECT_TRUE(Contains(reply, "CASE-99 doesn't exist; nothing was linked")) << reply;
  EXPECT_TRUE(Contains(Command("/incident", "link INC-7 CASE-1"), "INC-7 doesn't exist"));
  EXPECT_TRUE(Contains(Command("/incident", "link INC-1 pizza"), "`pizza` isn't a case"));
  EXPECT_TRUE(Contains(Command("/incident", "link INC-1"), "Name at least one case"));
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(RouterTest, AsksWhichIncidentOutsideASwarmChannel) {
  NewCase();
  const std::string reply = Command("/incident", "link CASE-1");
  EXPECT_TRUE(Contains(reply, "Which incident?")) << reply;
  EXPECT_TRUE(Contains(Command("/incident", "status"), "Which incident?"));
}

TEST_F(RouterTest, TakesTheIncidentFromTheSwarmChannel) {
  NewCase();
  DeclareAndSwarm();
  EXPECT_EQ(Command("/incident", "link CASE-1", "UPRIYA", "CSWARM"),
            "Linked 1 case to INC-1: CASE-1.");
  EXPECT_TRUE(Contains(Command("/incident", "status", "UPRIYA", "CSWARM"),
                       "INC-1 · P2 · in progress · FEAST25 fails at checkout"));
}

TEST_F(RouterTest, ShowsStatusWithTheSummaryAndLatestEvents) {
  NewCase("chat");
  Declare("FEAST25 fails");
  Command("/incident", "link INC-1 CASE-1");
  Command("/incident", "status INC-1");
  const std::string blocks = json::serialize(json::parse(last_reply_).at("blocks"));
  EXPECT_TRUE(Contains(blocks, "INC-1 · FEAST25 fails")) << blocks;
  EXPECT_TRUE(Contains(blocks, "1 (chat 1)")) << blocks;
  EXPECT_TRUE(Contains(blocks, "Linked 1 case: CASE-1")) << blocks;
  EXPECT_TRUE(Contains(Command("/incident", "status INC-9"), "INC-9 doesn't exist"));
}

// Check18 #7: a record number pasted with a Unicode space after it was no
// record number ("`INC-1 ` isn't an incident number").
TEST_F(RouterTest, UnicodeSpacesAroundARecordNumberAreWordBreaks) {
  NewCase("chat");
  Declare("FEAST25 fails");
  for (const char* space : {"\u00A0", "\u3000", "\u2009", "\u200B", "\uFEFF"}) {
    Command("/incident", std::string("status ") + space + "INC-1" + space);
    const std::string blocks = json::serialize(json::parse(last_reply_).at("blocks"));
    EXPECT_TRUE(Contains(blocks, "INC-1 · FEAST25 fails")) << blocks;
  }
  EXPECT_EQ(Command("/incident", "link\u00A0INC-1\u00A0CASE-1\u202F"),
            "Linked 1 case to INC-1: CASE-1.");
}

// Issue #18 of check9: "inviting you, 3 people." read oddly.
TEST_F(RouterTest, TheStartReplyListsWhomItInvitesAsASentence) {
  Declare("FEAST25 fails at checkout");
  Declare("Checkout slow");
  EXPECT_EQ(Command("/swarm", "start INC-1 <@USOFIA|sofia> <@UCHEN> <@UDEV>", "UPRIYA"),
            "Starting the swarm for INC-1: #inc-1-feast25-fails-at-checkout is on its way; "
            "inviting you and 3 people.");
  EXPECT_EQ(Command("/swarm", "start INC-2 <!subteam^SDEVOPS|@devops>", "UPRIYA"),
            "Starting the swarm for INC-2: #inc-2-checkout-slow is on its way; inviting you and 1 "
            "group.");
}

// Check 13: swarmbot named among the invitees (and the starter naming
// themselves) counted as people it would invite.
TEST_F(RouterTest, TheStartReplyLeavesOutSwarmbotAndTheStarter) {
  Declare("FEAST25 fails at checkout");
  EXPECT_EQ(Command("/swarm", "start INC-1 <@UBOT> <@USOFIA|sofia> <@UPRIYA> <@UCHEN> <@USOFIA>",
                    "UPRIYA"),
            "Starting the swarm for INC-1: #inc-1-feast25-fails-at-checkout is on its way; "
            "inviting you and 2 people.");
  auto pending = store::Outbox(*db_).Pending();
  auto invite = std::find_if(pending.begin(), pending.end(),
                             [](const auto& item) { return item.kind == "swarm.invite"; });
  ASSERT_NE(invite, pending.end());
  EXPECT_EQ(FormValue(invite->args, "users"), "UPRIYA,USOFIA,UCHEN");
}

TEST_F(RouterTest, StartsASwarmWithPeopleAndGroups) {
  Declare("FEAST25 fails at checkout");
  const std::string reply = Command(
      "/swarm", "start INC-1 <@USOFIA|sofia> <@UCHEN> <!subteam^SDEVOPS|@devops>", "UPRIYA");
  EXPECT_EQ(reply,
            "Starting the swarm for INC-1: #inc-1-feast25-fails-at-checkout is on its way; "
            "inviting you, 2 people and 1 group.");
  auto pending = store::Outbox(*db_).Pending();
  auto invite = std::find_if(pending.begin(), pending.end(),
                             [](const auto& item) { return item.kind == "swarm.invite"; });
  ASSERT_NE(invite, pending.end());
  EXPECT_EQ(FormValue(invite->args, "users"), "UPRIYA,USOFIA,UCHEN");
  EXPECT_EQ(FormValue(invite->args, "usergroups"), "SDEVOPS");
}

// Check9 #7: the asker only heard where the swarm was, and couldn't get in.
TEST_F(RouterTest, ASecondSwarmStartInvitesTheAskerToTheExistingChannel) {
  DeclareAndSwarm();
  const auto before = Snapshot();
  EXPECT_EQ(Command("/swarm", "start INC-1"),
            "INC-1 already swarms in <#CSWARM>; inviting you to it.");
  auto after = Snapshot();
  EXPECT_EQ(after[3], before[3]) << "no second swarm";
  EXPECT_EQ(after[5], before[5] + 1) << "one invitation queued";
  const auto pending = store::Outbox(*db_).Pending();
  ASSERT_FALSE(pending.empty());
  EXPECT_EQ(pending.back().kind, "swarm.invite");
  EXPECT_EQ(FormValue(pending.back().args, "users"), "UMARA");
}

TEST_F(RouterTest, RefusesInviteesThatAreNotMentions) {
  Declare("FEAST25 fails");
  const auto before = Snapshot();
  const std::string reply = Command("/swarm", "start INC-1 @sofia");
  EXPECT_TRUE(Contains(reply, "`@sofia` isn't a person or a user group")) << reply;
  EXPECT_TRUE(Contains(Command("/swarm", "start <@USOFIA>"), "Which incident?"));
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(RouterTest, RefusesSwarmCloseWhileTheIncidentIsBeingWorkedOn) {
  DeclareAndSwarm();
  const auto before = Snapshot();
  EXPECT_TRUE(Contains(Command("/swarm", "close", "UPRIYA", "CSWARM"), "resolve it first"));
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(RouterTest, ClosesTheIncidentItsCasesAndTheSwarm) {
  NewCase();
  NewCase();
  DeclareAndSwarm();
  Command("/incident", "link INC-1 CASE-1..CASE-2");
  EXPECT_EQ(Command("/incident", "close INC-1 Fixed the validation &amp; redeployed"),
            "INC-1 closed · 2 linked cases closed · archiving <#CSWARM>.");
  EXPECT_EQ(Sql("SELECT state || '|' || close_note FROM incidents"),
            "closed|Fixed the validation & redeployed");
  EXPECT_EQ(Sql("SELECT group_concat(DISTINCT status || ':' || resolution) FROM cases"),
            "closed:Fixed the validation & redeployed");
  EXPECT_EQ(Command("/incident", "close INC-1"),
            "INC-1 is closed; `close` works from new, triaged, in progress or resolved.");
}

TEST_F(RouterTest, ASwarmStartForAClosedIncidentSaysItIsClosedNotWhereItSwarmed) {
  DeclareAndSwarm();
  Command("/incident", "close INC-1");
  const auto before = Snapshot();
  EXPECT_EQ(Command("/swarm", "start INC-1"),
            "INC-1 is closed; a closed incident can't start a swarm. `/incident reopen INC-1` "
            "brings its swarm back.");
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(RouterTest, AWordThatLooksLikeAnIncidentButIsNotOneIsRefused) {
  DeclareAndSwarm();
  const auto before = Snapshot();
  for (const char* bad : {"INC-0", "inc-x", "INC-99999999999999999999", "INC-"}) {
    const std::string refusal =
        std::string("`") + bad + "` isn't an incident number; they read like `INC-12`.\nUsage:";
    EXPECT_TRUE(Command("/swarm", std::string("start ") + bad).starts_with(refusal)) << bad;
    // Not taken as the note's first word in the incident's own channel either.
    EXPECT_TRUE(Command("/swarm", std::string("note ") + bad + " looks odd", "UPRIYA", "CSWARM")
                    .starts_with(refusal))
        << bad;
  }
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(RouterTest, ClosesFromTheSwarmChannelWithANote) {
  DeclareAndSwarm();
  EXPECT_TRUE(
      Contains(Command("/incident", "close all good now", "UMARA", "CSWARM"), "INC-1 closed"));
  EXPECT_EQ(Sql("SELECT close_note FROM incidents"), "all good now");
}

TEST_F(RouterTest, ListsCasesNewestFirstWithoutHeldOnes) {
  NewCase("email");
  NewCase("phone");
  NewCase("web");
  Declare("FEAST25 fails");
  Command("/incident", "link INC-1 CASE-2");
  Command("/case", "list");
  const std::string blocks = json::serialize(json::parse(last_reply_).at("blocks"));
  const auto third = blocks.find("`CASE-3` · new · web");
  const auto first = blocks.find("`CASE-1` · new · email");
  ASSERT_NE(third, std::string::npos) << blocks;
  ASSERT_NE(first, std::string::npos) << blocks;
  EXPECT_LT(third, first);
  EXPECT_FALSE(Contains(blocks, "CASE-2"));
  EXPECT_TRUE(Contains(blocks, "<@URAVI>"));

  Command("/case", "list held");
  EXPECT_TRUE(Contains(json::serialize(json::parse(last_reply_).at("blocks")), "`CASE-2` · held"));
  EXPECT_TRUE(Contains(Command("/case", "list sideways"), "Unknown filter `sideways`"));
  EXPECT_EQ(Command("/case", "list closed"), "No cases (closed).");
}

TEST_F(RouterTest, ShowsACase) {
  NewCase();
  Command("/case", "show CASE-1");
  const std::string blocks = json::serialize(json::parse(last_reply_).at("blocks"));
  EXPECT_TRUE(Contains(blocks, "CASE-1 · FEAST25 rejected")) << blocks;
  EXPECT_TRUE(Contains(blocks, "ana@example.com"));
  EXPECT_EQ(Command("/case", "show CASE-9"), "CASE-9 doesn't exist.");
  EXPECT_EQ(Command("/case", "show"), "Which case? Usage: `/case show CASE-n`");
}

TEST_F(RouterTest, RecordsMembersJoiningAndLeavingASwarmChannel) {
  DeclareAndSwarm();
  EXPECT_EQ(Event("member_joined_channel", "USOFIA", "CSWARM"), "");
  EXPECT_EQ(Sql("SELECT user_id || ':' || (joined_at IS NOT NULL) FROM swarm_members"), "USOFIA:1");
  Event("member_left_channel", "USOFIA", "CSWARM");
  EXPECT_EQ(Sql("SELECT left_at IS NOT NULL FROM swarm_members"), "1");
}

TEST_F(RouterTest, IgnoresOtherChannelsTheBotItselfAndMessages) {
  DeclareAndSwarm();
  const auto before = Snapshot();
  Event("member_joined_channel", "USOFIA", "CRANDOM");
  Event("member_joined_channel", "UBOT", "CSWARM");
  // A message in a swarm channel is counted (swarm_life_test.cpp); elsewhere
  // it changes nothing.
  Event("message", "USOFIA", "CRANDOM");
  Event("app_mention", "USOFIA", "CSWARM");
  Send(InboundKind::kEvent,
       R"({"type":"event_callback","event":{"type":"member_joined_channel"}})");
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(RouterTest, AcknowledgesInteractivityWithoutActing) {
  const auto before = Snapshot();
  EXPECT_EQ(Send(InboundKind::kInteractive,
                 R"({"type":"block_actions","user":{"id":"U1"},"actions":[{"value":"x"}]})"),
            "");
  EXPECT_EQ(Snapshot(), before);
}

// The real sample from Slack's Java SDK, through our parser: its shape (a
// boolean among the strings) must not trip it.
TEST_F(RouterTest, ReadsSlacksSampleSlashCommandPayload) {
  const auto path = swarmbot::testing::SharedDir() /
                    "reference/slack-samples/java-slack-sdk/json-logs/samples/app-backend/"
                    "slash-commands/SlashCommandPayload.json";
  const std::string sample = swarmbot::testing::ReadFile(path);
  // As recorded, every field is a blank placeholder: nothing to act on.
  const auto before = Snapshot();
  EXPECT_EQ(Send(InboundKind::kSlashCommand, sample),
            "Sorry, I couldn't read that command; nothing was changed.");
  EXPECT_EQ(Snapshot(), before);

  json::object filled = json::parse(sample).as_object();
  ASSERT_TRUE(filled.at("is_enterprise_install").is_bool());
  filled["command"] = "/incident";
  filled["text"] = "declare Sample payload works";
  filled["user_id"] = "UMARA";
  filled["channel_id"] = "CGENERAL";
  filled["trigger_id"] = "13345224609.738474920.8088930838d88f008e0";
  EXPECT_EQ(Send(InboundKind::kSlashCommand, json::serialize(filled)), "");
  EXPECT_TRUE(Contains(testing::QueuedView(*db_), "\"initial_value\":\"Sample payload works\""));
}

TEST_F(RouterTest, ReadsSlacksSampleMemberJoinedEvent) {
  DeclareAndSwarm();
  const auto path = swarmbot::testing::SharedDir() /
                    "reference/slack-samples/java-slack-sdk/json-logs/samples/events/"
                    "MemberJoinedChannelPayload.json";
  json::object sample = json::parse(swarmbot::testing::ReadFile(path)).as_object();
  sample["event"].as_object()["user"] = "USOFIA";
  sample["event"].as_object()["channel"] = "CSWARM";
  Send(InboundKind::kEvent, json::serialize(sample));
  EXPECT_EQ(Sql("SELECT user_id FROM swarm_members"), "USOFIA");
}

}  // namespace
}  // namespace swarmbot::handlers
