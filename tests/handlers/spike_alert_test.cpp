#include "handlers/spike_alert.hpp"

#include <map>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "common/form.hpp"
#include "handlers/router.hpp"
#include "lifecycle/case_service.hpp"
#include "lifecycle/effects.hpp"
#include "store/outbox.hpp"
#include "tests/handlers/modal_testing.hpp"

namespace swarmbot::handlers {
namespace {

namespace json = boost::json;
using boost::asio::awaitable;

constexpr std::string_view kResponseUrl = "https://hooks.slack.com/actions/T1/1/secret";

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// Just enough of the Web API for the alert: posts, updates and history.
class FakeSlack final : public SlackApi {
 public:
  awaitable<Result<ApiReply>> Call(std::string method, std::string args_json) override {
    json::object args = json::parse(args_json).as_object();
    calls.push_back(method);
    if (method == "chat.postMessage") {
      args["ts"] = "1700000000." + std::to_string(100 + messages.size());
      messages.push_back(args);
      co_return ApiReply{json::serialize(json::object{{"ok", true}, {"ts", args["ts"]}}), ""};
    }
    if (method == "chat.update") {
      for (auto& message : messages) {
        if (message["ts"] == args["ts"]) {
          message["blocks"] = args["blocks"];
          message["text"] = args["text"];
        }
      }
      co_return ApiReply{R"({"ok":true})", ""};
    }
    if (method == "conversations.history") {
      json::array list(messages.rbegin(), messages.rend());
      co_return ApiReply{json::serialize(json::object{{"ok", true}, {"messages", list}}), ""};
    }
    co_return MakeError(Errc::kSlackError, "unexpected method " + method);
  }
  awaitable<Status> Respond(std::string, std::string) override { co_return Status{}; }

  std::vector<std::string> calls;
  std::vector<json::object> messages;
};

class SpikeAlertTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cases_.SetNewCaseHook(&watch_);
    for (int i = 0; i < 6; ++i) {
      lifecycle::CaseInput in;
      in.contact_name = "Customer";
      in.contact_email = "customer" + std::to_string(i) + "@mail.example";
      in.channel = i < 3 ? "email" : (i < 5 ? "chat" : "phone");
      in.territory = i % 3 == 2 ? "East" : "North";
      in.subject =
          i % 2 == 0 ? "FEAST25 code rejected at checkout" : "Discount code <FEAST25> fails";
      in.description = "The discount code FEAST25 gives an error at checkout.";
      clock_.Advance(std::chrono::minutes(2));
      ASSERT_TRUE(cases_.IntakeCase(in, {}));
    }
  }

  lifecycle::SpikeStatus Status() { return services_.spikes.StatusOf(1).value(); }

  std::int64_t DeclareIncident() {
    lifecycle::DeclareInput input;
    input.subject = "FEAST25 fails";
    return services_.incidents.Declare(input, UserId("UMARA")).value().number;
  }

  std::string Click(std::string_view value, std::string_view user) {
    const json::object payload{
        {"type", "block_actions"},
        {"user", {{"id", user}}},
        {"trigger_id", "12345.98765.abcd"},
        {"response_url", kResponseUrl},
        {"actions", json::array{{{"action_id", kSpikeDeclareActionId}, {"value", value}}}}};
    return router_.Handle({InboundKind::kInteractive, json::serialize(payload), "d"}).body_json;
  }

  std::string Reply(std::string_view text, std::string_view user = "UMARA") {
    const json::object payload{{"team_id", "T1"}, {"channel_id", "CIM"},
                               {"user_id", user}, {"command", "/incident"},
                               {"text", text},    {"trigger_id", "1.2"}};
    const auto reply = router_.Handle({InboundKind::kSlashCommand, json::serialize(payload), "d"});
    return std::string(json::parse(reply.body_json).at("text").as_string());
  }

  detail::FlatJson ClickPayload(std::string_view value, std::string_view user) {
    const json::object payload{
        {"type", "block_actions"},
        {"user", {{"id", user}}},
        {"trigger_id", "12345.98765.abcd"},
        {"response_url", kResponseUrl},
        {"actions", json::array{{{"action_id", kSpikeDeclareActionId}, {"value", value}}}}};
    return detail::FlattenJson(json::serialize(payload), 3).value();
  }

  std::vector<std::string> Answers() {
    std::vector<std::string> texts;
    for (const auto& item : store::Outbox(*db_).Pending()) {
      if (item.kind == lifecycle::effect::kRespond) {
        const auto body = json::parse(*FormValue(item.args, lifecycle::effect::kArgBody));
        texts.emplace_back(body.at("text").as_string());
      }
    }
    return texts;
  }

  swarmbot::Status RunEffect(std::string_view kind, int attempts = 0) {
    store::OutboxItem item;
    item.id = ++effect_ids_;
    item.stream = "SPIKE-1";
    item.kind = std::string(kind);
    item.args = {{std::string(lifecycle::effect::kArgSpike), "1"}};
    item.attempts = attempts;
    boost::asio::io_context io;
    swarmbot::Status result = MakeError(Errc::kInternal, "not run");
    boost::asio::co_spawn(io, alerts_.Run(item, slack_),
                          [&](std::exception_ptr failure, swarmbot::Status status) {
                            if (failure) {
                              std::rethrow_exception(failure);
                            }
                            result = status;
                          });
    io.run();
    return result;
  }

  std::int64_t Count(const std::string& sql) { return db_->Sql().execAndGet(sql).getInt64(); }

  FakeClock clock_;
  std::unique_ptr<store::Database> db_ = store::Database::Open(":memory:").value();
  lifecycle::SpikeWatch watch_{lifecycle::SpikeSettings{}};
  lifecycle::CaseService cases_{*db_, clock_};
  Settings settings_{ChannelId("CIM"), {UserId("UMARA")}, "swarmbot", UserId("UBOT"), "BBOT"};
  detail::Services services_{*db_, clock_, settings_};
  Router router_{*db_, clock_, settings_};
  SpikeAlerts alerts_{services_};
  FakeSlack slack_;
  std::int64_t effect_ids_ = 100;
};

TEST_F(SpikeAlertTest, TheAlertShowsCountsSpanChannelsTerritoriesSamplesAndTheButton) {
  const BlockMessage alert = SpikeAlert(Status());
  const std::string blocks = json::serialize(alert.Blocks());

  EXPECT_TRUE(Contains(alert.Text(), "SPIKE-1: 6 similar cases in 10 min")) << alert.Text();
  EXPECT_TRUE(Contains(blocks, "6 similar cases in 10 min")) << blocks;
  EXPECT_TRUE(Contains(blocks, "6 cases from 6 customers · 2023-11-14 22:15 → 22:25 UTC"))
      << blocks;
  EXPECT_TRUE(Contains(blocks, "email 3, chat 2, phone 1")) << blocks;
  EXPECT_TRUE(Contains(blocks, "North 4, East 2")) << blocks;
  EXPECT_TRUE(Contains(blocks, "FEAST25 code rejected at checkout"));
  EXPECT_TRUE(Contains(blocks, "Discount code &lt;FEAST25&gt; fails")) << "subjects are escaped";
  EXPECT_TRUE(Contains(blocks, "\"action_id\":\"spike.declare\""));
  EXPECT_TRUE(Contains(blocks, "\"value\":\"SPIKE-1\""));
}

TEST_F(SpikeAlertTest, ADeclaredAlertNamesTheIncidentAndHasNoButton) {
  ASSERT_EQ(DeclareIncident(), 1);
  ASSERT_TRUE(services_.spikes.LinkToIncident(1, 1, UserId("UMARA")));

  const std::string blocks = json::serialize(SpikeAlert(Status()).Blocks());

  EXPECT_TRUE(Contains(blocks, "Declared as *INC-1*")) << blocks;
  EXPECT_FALSE(Contains(blocks, "spike.declare"));
}

TEST_F(SpikeAlertTest, TheAlertIsPostedOnceAndUpdatedInPlace) {
  ASSERT_TRUE(RunEffect(lifecycle::effect::kPostSpikeAlert));
  ASSERT_EQ(slack_.messages.size(), 1u);
  EXPECT_EQ(slack_.messages[0]["channel"], "CIM");
  EXPECT_EQ(Status().spike.alert_ts.str(), "1700000000.100");

  lifecycle::CaseInput in;
  in.contact_name = "Late";
  in.contact_email = "late@mail.example";
  in.channel = "web";
  in.subject = "FEAST25 code rejected at checkout";
  in.description = "The discount code FEAST25 gives an error at checkout.";
  ASSERT_TRUE(cases_.IntakeCase(in, {}));
  ASSERT_TRUE(RunEffect(lifecycle::effect::kUpdateSpikeAlert));

  ASSERT_EQ(slack_.messages.size(), 1u);
  EXPECT_TRUE(Contains(json::serialize(slack_.messages[0]["blocks"]), "7 similar cases"));
  EXPECT_FALSE(Status().spike.update_pending);
}

TEST_F(SpikeAlertTest, ARetriedPostAdoptsTheAlertSlackAlreadyHas) {
  ASSERT_TRUE(RunEffect(lifecycle::effect::kPostSpikeAlert));
  db_->Sql().exec("UPDATE spikes SET alert_ts = ''");  // as if the crash came before recording
  --effect_ids_;

  ASSERT_TRUE(RunEffect(lifecycle::effect::kPostSpikeAlert, /*attempts=*/1));

  EXPECT_EQ(slack_.messages.size(), 1u);
  EXPECT_EQ(Status().spike.alert_ts.str(), "1700000000.100");
}

TEST_F(SpikeAlertTest, AClickFromSomeoneWhoIsNotAnIncidentManagerIsRefused) {
  SpikeCommands commands(services_);
  bool opened = false;
  commands.SetModalOpener(
      [&](const std::string&, const UserId&, const ChannelId&, const lifecycle::SpikePrefill&) {
        opened = true;
        return swarmbot::Status{};
      });

  commands.HandleDeclareClick(ClickPayload("SPIKE-1", "URAVI"), 0);

  EXPECT_FALSE(opened);
  ASSERT_EQ(Answers().size(), 1u);
  EXPECT_TRUE(Contains(Answers()[0], "Only incident managers")) << Answers()[0];
  EXPECT_EQ(Count("SELECT COUNT(*) FROM incidents"), 0);
}

TEST_F(SpikeAlertTest, AClickFromAnIncidentManagerOpensTheModalPrefilled) {
  SpikeCommands commands(services_);
  std::string trigger;
  lifecycle::SpikePrefill seen;
  commands.SetModalOpener([&](const std::string& trigger_id, const UserId&, const ChannelId&,
                              const lifecycle::SpikePrefill& p) {
    trigger = trigger_id;
    seen = p;
    return swarmbot::Status{};
  });

  commands.HandleDeclareClick(ClickPayload("SPIKE-1", "UMARA"), 0);

  EXPECT_EQ(trigger, "12345.98765.abcd");
  EXPECT_EQ(seen.origin, "SPIKE-1");
  EXPECT_EQ(seen.subject, "FEAST25 code rejected at checkout");
  EXPECT_EQ(seen.territories, (std::vector<std::string>{"North", "East"}));
  EXPECT_TRUE(Answers().empty());
}

TEST_F(SpikeAlertTest, AClickOpensTheDeclareModalAndItsSubmissionLinksTheSpike) {
  Click("SPIKE-1", "UMARA");
  const std::string view = testing::QueuedView(*db_);
  ASSERT_FALSE(view.empty()) << "views.open is queued for the click's trigger";
  const json::object opened = json::parse(view).as_object();
  EXPECT_EQ(opened.at("private_metadata"), "SPIKE-1");
  EXPECT_TRUE(Contains(view, "FEAST25")) << view;

  const std::string ack = router_
                              .Handle({InboundKind::kInteractive,
                                       testing::ViewSubmission(view, "V1", "UMARA", {}), "d"})
                              .body_json;
  EXPECT_EQ(ack, "") << "the modal closes";
  EXPECT_EQ(Count("SELECT COUNT(*) FROM incidents"), 1);
  EXPECT_EQ(Status().spike.incident, 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM cases WHERE status = 'held' AND incident_id = 1"), 6);
}

TEST_F(SpikeAlertTest, TwoModalsFromOneSpikeDeclareOneIncident) {
  // Two managers click before either submits: both get a modal.
  Click("SPIKE-1", "UMARA");
  const std::string first = testing::QueuedView(*db_);
  Click("SPIKE-1", "UMARA");
  const std::string second = testing::QueuedView(*db_);
  ASSERT_FALSE(first.empty());
  ASSERT_FALSE(second.empty());

  EXPECT_EQ(router_
                .Handle({InboundKind::kInteractive,
                         testing::ViewSubmission(first, "V1", "UMARA", {}), "d"})
                .body_json,
            "");
  const std::string late = router_
                               .Handle({InboundKind::kInteractive,
                                        testing::ViewSubmission(second, "V2", "UMARA", {}), "d"})
                               .body_json;
  EXPECT_TRUE(Contains(late, "\"response_action\":\"errors\"")) << late;
  EXPECT_TRUE(Contains(late, "SPIKE-1 was already declared as INC-1")) << late;
  EXPECT_EQ(Count("SELECT COUNT(*) FROM incidents"), 1);
}

// Check22 #2: the incident was stored before the spike's cases and tie, so a
// crash between them left INC-1 with no cases, the spike free and the form
// "submitted already". A store failure at the last step (the spike's tie) now
// undoes the incident and its links too, and the same form then declares.
TEST_F(SpikeAlertTest, DeclaringFromTheSpikeIsAllOrNothing) {
  Click("SPIKE-1", "UMARA");
  const std::string view = testing::QueuedView(*db_);
  ASSERT_FALSE(view.empty());
  db_->Sql().exec(
      "CREATE TRIGGER tie_fails BEFORE UPDATE OF incident_id ON spikes "
      "BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END");

  const std::string failed = router_
                                 .Handle({InboundKind::kInteractive,
                                          testing::ViewSubmission(view, "V1", "UMARA", {}), "d"})
                                 .body_json;
  EXPECT_TRUE(Contains(failed, "\"response_action\":\"errors\"")) << failed;
  EXPECT_TRUE(Contains(failed, "nothing was changed")) << failed;
  EXPECT_EQ(Count("SELECT COUNT(*) FROM incidents"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM case_links"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM cases WHERE status = 'held'"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM timeline"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM outbox WHERE stream LIKE 'INC-%'"), 0);
  EXPECT_FALSE(Status().spike.incident);

  db_->Sql().exec("DROP TRIGGER tie_fails");
  const std::string again = router_
                                .Handle({InboundKind::kInteractive,
                                         testing::ViewSubmission(view, "V1", "UMARA", {}), "d"})
                                .body_json;
  EXPECT_EQ(again, "") << "the same form declares now";
  EXPECT_EQ(Count("SELECT COUNT(*) FROM incidents"), 1);
  EXPECT_EQ(Status().spike.incident, 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM cases WHERE status = 'held' AND incident_id = 1"), 6);
}

// Check22 #4: once its incident closed, the spike's old button opened a form
// again and its submission declared INC-2 for the same spike.
TEST_F(SpikeAlertTest, ASpikeWhoseIncidentClosedIsNotDeclaredAgain) {
  Click("SPIKE-1", "UMARA");
  const std::string first = testing::QueuedView(*db_);
  Click("SPIKE-1", "UMARA");
  const std::string stale = testing::QueuedView(*db_);
  ASSERT_EQ(router_
                .Handle({InboundKind::kInteractive,
                         testing::ViewSubmission(first, "V1", "UMARA", {}), "d"})
                .body_json,
            "");
  ASSERT_TRUE(services_.incidents.Close(1, UserId("UMARA"), "fixed"));
  const auto views = [&] {
    return Count("SELECT COUNT(*) FROM outbox WHERE kind = 'slack.open_view'");
  };
  const std::int64_t opened = views();

  SpikeCommands(services_).HandleDeclareClick(ClickPayload("SPIKE-1", "UMARA"), 0);
  EXPECT_EQ(views(), opened) << "no form opens";
  ASSERT_EQ(Answers().size(), 1u);
  const std::string answer = Answers()[0];
  EXPECT_TRUE(Contains(answer, "SPIKE-1 was already declared as INC-1, which is closed")) << answer;
  EXPECT_TRUE(Contains(answer, "`/incident reopen INC-1`")) << answer;
  EXPECT_TRUE(Contains(answer, "new spike")) << answer;

  const std::string late = router_
                               .Handle({InboundKind::kInteractive,
                                        testing::ViewSubmission(stale, "V2", "UMARA", {}), "d"})
                               .body_json;
  EXPECT_TRUE(Contains(late, "\"response_action\":\"errors\"")) << late;
  EXPECT_TRUE(Contains(late, "INC-1, which is closed")) << late;
  EXPECT_EQ(Count("SELECT COUNT(*) FROM incidents"), 1);
  EXPECT_EQ(Status().spike.incident, 1);
  const std::string blocks = json::serialize(SpikeAlert(Status()).Blocks());
  EXPECT_TRUE(Contains(blocks, "Declared as *INC-1*")) << blocks;
  EXPECT_FALSE(Contains(blocks, "spike.declare")) << blocks;
}

TEST_F(SpikeAlertTest, AModalNamingASpikeThatDoesNotExistDeclaresNothing) {
  Click("SPIKE-1", "UMARA");
  json::object view = json::parse(testing::QueuedView(*db_)).as_object();
  view["private_metadata"] = "SPIKE-99";
  const std::string ack =
      router_
          .Handle({InboundKind::kInteractive,
                   testing::ViewSubmission(json::serialize(view), "V1", "UMARA", {}), "d"})
          .body_json;
  EXPECT_TRUE(Contains(ack, "SPIKE-99 doesn't exist")) << ack;
  EXPECT_EQ(Count("SELECT COUNT(*) FROM incidents"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM cases WHERE status = 'held'"), 0);
  EXPECT_FALSE(Status().spike.incident);
}

TEST_F(SpikeAlertTest, AStaleOrUnknownButtonGetsAClearAnswer) {
  SpikeCommands commands(services_);
  commands.HandleDeclareClick(ClickPayload("INC-1", "UMARA"), 0);
  commands.HandleDeclareClick(ClickPayload("SPIKE-9", "UMARA"), 0);

  const auto answers = Answers();
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_TRUE(Contains(answers[0], "out of date"));
  EXPECT_TRUE(Contains(answers[1], "SPIKE-9 doesn't exist"));
}

TEST_F(SpikeAlertTest, AClickOnASpikeAlreadyDeclaredSaysAs) {
  ASSERT_EQ(DeclareIncident(), 1);
  ASSERT_TRUE(services_.spikes.LinkToIncident(1, 1, UserId("UMARA")));

  SpikeCommands(services_).HandleDeclareClick(ClickPayload("SPIKE-1", "UMARA"), 0);

  ASSERT_EQ(Answers().size(), 1u);
  EXPECT_TRUE(Contains(Answers()[0], "already declared as INC-1"));
}

// Linked some other way (by number or --query), the spike is somebody's
// work already: its alert and a click from an older copy of it say where.
TEST_F(SpikeAlertTest, CasesLinkedByHandTakeTheButtonAwayAndAClickDeclaresNothing) {
  ASSERT_EQ(DeclareIncident(), 1);
  ASSERT_TRUE(Contains(Reply("link INC-1 --query FEAST25"), "Linked 6 cases to INC-1"));

  const std::string blocks = json::serialize(SpikeAlert(Status()).Blocks());
  EXPECT_TRUE(Contains(blocks, "Its open cases are linked to INC-1 already")) << blocks;
  EXPECT_TRUE(Contains(blocks, "/incident link INC-1 --cluster SPIKE-1")) << blocks;
  EXPECT_FALSE(Contains(blocks, "spike.declare")) << blocks;

  SpikeCommands(services_).HandleDeclareClick(ClickPayload("SPIKE-1", "UMARA"), 0);
  ASSERT_EQ(Answers().size(), 1u);
  EXPECT_TRUE(Contains(Answers()[0], "linked to INC-1 already")) << Answers()[0];
  EXPECT_TRUE(Contains(Answers()[0], "Nothing was declared")) << Answers()[0];
  EXPECT_EQ(Count("SELECT COUNT(*) FROM incidents"), 1);

  ASSERT_TRUE(Contains(Reply("unlink INC-1 CASE-2"), "CASE-2"));
  const std::string again = json::serialize(SpikeAlert(Status()).Blocks());
  EXPECT_TRUE(Contains(again, "spike.declare")) << again;
  EXPECT_TRUE(Contains(again, "1 case is nobody's yet; the others are linked to INC-1")) << again;
}

TEST_F(SpikeAlertTest, LinkClusterLinksTheSpikesCases) {
  ASSERT_EQ(DeclareIncident(), 1);

  const std::string text = Reply("link INC-1 --cluster SPIKE-1");

  EXPECT_TRUE(Contains(text, "Linked 6 cases of SPIKE-1 to INC-1")) << text;
  EXPECT_EQ(Count("SELECT COUNT(*) FROM cases WHERE status = 'held'"), 6);
  EXPECT_TRUE(Contains(Reply("link INC-1 --cluster"), "already linked to INC-1"));
}

// Check22 #12: "1 already were".
TEST_F(SpikeAlertTest, LinkRepliesCountWhatWasLinkedBeforeInAgreement) {
  ASSERT_EQ(DeclareIncident(), 1);
  ASSERT_TRUE(Contains(Reply("link INC-1 CASE-1"), "Linked 1 case to INC-1"));

  std::string text = Reply("link INC-1 --cluster SPIKE-1");
  EXPECT_TRUE(Contains(text, "Linked 5 cases of SPIKE-1 to INC-1")) << text;
  EXPECT_TRUE(Contains(text, " 1 already was.")) << text;

  ASSERT_TRUE(Contains(Reply("unlink INC-1 CASE-3 CASE-4"), "CASE-3"));
  text = Reply("link INC-1 CASE-2 CASE-3");
  EXPECT_TRUE(Contains(text, "Linked 1 case to INC-1: CASE-3.")) << text;
  EXPECT_TRUE(Contains(text, " 1 already was.")) << text;
  text = Reply("link INC-1 CASE-4 CASE-5 CASE-6");
  EXPECT_TRUE(Contains(text, " 2 already were.")) << text;
}

TEST_F(SpikeAlertTest, LinkClusterWithoutABoundSpikeListsTheActiveOnes) {
  ASSERT_EQ(DeclareIncident(), 1);

  const std::string text = Reply("link INC-1 --cluster");

  EXPECT_TRUE(Contains(text, "wasn't declared from a spike")) << text;
  EXPECT_TRUE(Contains(text, "SPIKE-1 (6 cases)")) << text;
  EXPECT_EQ(Count("SELECT COUNT(*) FROM case_links"), 0);
}

TEST_F(SpikeAlertTest, LinkClusterRefusesWhatIsNotASpike) {
  ASSERT_EQ(DeclareIncident(), 1);

  EXPECT_TRUE(Contains(Reply("link INC-1 --cluster CASE-3"), "isn't a spike"));
  EXPECT_TRUE(Contains(Reply("link INC-1 --cluster SPIKE-4"), "SPIKE-4 doesn't exist"));
  EXPECT_TRUE(Contains(Reply("link INC-7 --cluster SPIKE-1"), "INC-7 doesn't exist"));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM case_links"), 0);
}

}  // namespace
}  // namespace swarmbot::handlers
