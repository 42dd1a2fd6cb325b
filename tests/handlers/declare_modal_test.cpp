// The declare modal and the incident record's commands, through the Router.
#include "handlers/declare_modal.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "handlers/router.hpp"
#include "lifecycle/case_service.hpp"
#include "lifecycle/routing_service.hpp"
#include "lifecycle/text_rules.hpp"
#include "tests/handlers/modal_testing.hpp"
#include "tests/support/testing.hpp"

namespace swarmbot::handlers {
namespace {

namespace json = boost::json;
using testing::FormInput;

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

class DeclareModalTest : public ::testing::Test {
 protected:
  DeclareModalTest() { settings_.incident_managers = {UserId("UMARA")}; }

  // The reply's text, or "" for a bare acknowledgement.
  std::string Command(std::string_view text, std::string_view user = "UMARA") {
    json::object payload{{"command", "/incident"}, {"text", text},          {"user_id", user},
                         {"channel_id", "C1"},     {"trigger_id", "1.2.x"}, {"team_id", "T1"}};
    const std::string body =
        router_.Handle({InboundKind::kSlashCommand, json::serialize(payload), "d"}).body_json;
    return body.empty() ? "" : std::string(json::parse(body).at("text").as_string());
  }

  // Submits the latest queued modal as `user` with `fields`; returns the ack.
  std::string Submit(const FormInput& fields, std::string_view view_id = "V1",
                     std::string_view user = "UMARA") {
    const std::string view = testing::QueuedView(*db_);
    EXPECT_FALSE(view.empty());
    return router_
        .Handle(
            {InboundKind::kInteractive, testing::ViewSubmission(view, view_id, user, fields), "d"})
        .body_json;
  }

  // The inline errors of a modal ack, by block id.
  std::map<std::string, std::string> Errors(const std::string& ack) {
    std::map<std::string, std::string> errors;
    const json::value parsed = json::parse(ack);
    EXPECT_EQ(parsed.at("response_action"), "errors");
    for (const auto& [block, message] : parsed.at("errors").as_object()) {
      errors[std::string(block)] = std::string(message.as_string());
    }
    return errors;
  }

  std::int64_t Count(const std::string& sql) { return db_->Sql().execAndGet(sql).getInt64(); }
  std::string Sql(const std::string& sql) { return db_->Sql().execAndGet(sql).getString(); }

  std::int64_t NewCase(std::string subject) {
    lifecycle::CaseInput in;
    in.contact_name = "Ana";
    in.contact_email = "ana@example.com";
    in.channel = "chat";
    in.territory = "North";
    in.subject = std::move(subject);
    in.owner = "URAVI";
    return lifecycle::CaseService(*db_, clock_).IntakeCase(in, {}).value().record.number;
  }

  void DeclareOne() {
    Command("declare FEAST25 fails at checkout");
    ASSERT_EQ(Submit({}), "");
  }

  FakeClock clock_;
  std::unique_ptr<store::Database> db_ = store::Database::Open(":memory:").value();
  Settings settings_{ChannelId("CIM"), {}, "swarmbot", UserId("UBOT"), "BBOT"};
  Router router_{*db_, clock_, [this] {
                   Settings s = settings_;
                   s.incident_managers = {UserId("UMARA")};
                   return s;
                 }()};
};

TEST(DeclareModalView, OffersTheFieldsPrefilledAndKeepsTheOrigin) {
  DeclarePrefill prefill;
  prefill.subject = "FEAST25 fails";
  prefill.description = std::string(5000, 'd');
  prefill.territories = {"East", "Atlantis"};
  prefill.impact = store::Level::kHigh;
  prefill.origin = "SPIKE-7";
  const json::value view = json::parse(DeclareModalView(prefill, {"North", "East"}));
  EXPECT_EQ(view.at("callback_id"), "incident.declare");
  EXPECT_EQ(view.at("private_metadata"), "SPIKE-7");
  const auto& blocks = view.at("blocks").as_array();
  ASSERT_EQ(blocks.size(), 7u);
  EXPECT_EQ(blocks[0].at("element").at("initial_value"), "FEAST25 fails");
  EXPECT_EQ(lifecycle::Utf8Length(blocks[1].at("element").at("initial_value").as_string()), 3000u);
  EXPECT_EQ(blocks[2].at("element").at("options").as_array().size(), 2u);
  EXPECT_EQ(blocks[2].at("element").at("initial_options").as_array().size(), 1u);
  EXPECT_EQ(blocks[3].at("element").at("initial_option").at("value"), "high");
  EXPECT_EQ(blocks[4].at("element").at("initial_option").at("value"), "medium");
  EXPECT_FALSE(blocks[5].at("element").as_object().contains("initial_option"));
}

TEST_F(DeclareModalTest, DeclaresWithTerritoriesAndAnOverrideKeptWithItsReason) {
  EXPECT_EQ(Command("declare FEAST25 fails at checkout | Code rejected impact=high"), "");
  EXPECT_EQ(
      Submit({{"territories", {"North", "East"}}, {"priority", {"1"}}, {"reason", {"launch day"}}}),
      "");
  EXPECT_EQ(Sql("SELECT subject || '|' || description || '|' || impact || '|' || priority || "
                "'|' || matrix_priority || '|' || priority_reason || '|' || "
                "replace(territories, char(10), ',') || '|' || state FROM incidents"),
            "FEAST25 fails at checkout|Code rejected|high|1|2|launch day|North,East|new");
  const std::string status = Command("status INC-1");
  EXPECT_TRUE(Contains(status, "INC-1 · P1 · new")) << status;
}

TEST_F(DeclareModalTest, AnswersEachBadFieldInlineAndDeclaresNothing) {
  Command("declare x");
  auto errors = Errors(Submit({{"subject", {""}}}));
  EXPECT_EQ(errors["subject"], "Subject is required.");
  errors = Errors(Submit({{"subject", {std::string(251, 's')}}}));
  EXPECT_EQ(errors["subject"], "Subject is too long (at most 250 characters).");
  errors = Errors(Submit({{"description", {std::string(10'001, 'd')}}}));
  EXPECT_EQ(errors["description"], "Description is too long (at most 10000 characters).");
  errors = Errors(Submit({{"territories", {"Atlantis"}}}));
  EXPECT_EQ(errors["territories"], "Unknown territory \"Atlantis\"; choose from the list.");
  errors = Errors(Submit({{"impact", {}}, {"urgency", {"urgent"}}}));
  EXPECT_EQ(errors["impact"], "Choose high, medium or low.");
  EXPECT_EQ(errors["urgency"], "Choose high, medium or low.");
  errors = Errors(Submit({{"priority", {"1"}}}));
  EXPECT_EQ(errors["reason"], "Say why: impact and urgency give P3, not P1.");
  errors = Errors(Submit({{"priority", {"9"}}}));
  EXPECT_EQ(errors["priority"], "Choose P1, P2, P3 or P4, or leave it empty.");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM incidents"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM outbox WHERE kind != 'slack.open_view'"), 0);
}

// Check18 #3: a subject of only invisible characters or Unicode spaces was
// accepted and showed as blank; around a real subject they are trimmed.
TEST_F(DeclareModalTest, AnInvisibleSubjectIsEmptyAndInvisibleEdgesAreTrimmed) {
  Command("declare x");
  for (const char* blank : {"\u200B", "\u00A0\u3000", "\u2060\uFEFF\u200D", "\u2003 \u200C"}) {
    EXPECT_EQ(Errors(Submit({{"subject", {blank}}}))["subject"], "Subject is required.") << blank;
  }
  EXPECT_EQ(Count("SELECT COUNT(*) FROM incidents"), 0);
  EXPECT_EQ(Submit({{"subject", {"\u00A0\u200BFEAST25 fails\u3000\uFEFF"}}}), "");
  EXPECT_EQ(Sql("SELECT subject FROM incidents"), "FEAST25 fails");
}

// Check22 #11: an override whose reason shows as blank was passed by the
// form and refused by the incident's own check, under Subject.
TEST_F(DeclareModalTest, AnOverrideReasonThatShowsAsBlankIsAskedForUnderTheReason) {
  Command("declare x");
  for (const char* blank : {"   \u200B", "\u00A0\u3000", "\n\u2060\t"}) {
    const auto errors = Errors(Submit({{"priority", {"1"}}, {"reason", {blank}}}));
    EXPECT_EQ(errors, (std::map<std::string, std::string>{
                          {"reason", "Say why: impact and urgency give P3, not P1."}}))
        << blank;
  }
  EXPECT_EQ(Count("SELECT COUNT(*) FROM incidents"), 0);
  EXPECT_EQ(Submit({{"priority", {"1"}}, {"reason", {"  launch day "}}}), "");
  EXPECT_EQ(Sql("SELECT priority || '|' || priority_reason FROM incidents"), "1|launch day");
}

TEST_F(DeclareModalTest, ASecondSubmissionOfTheSameViewDeclaresOnce) {
  DeclareOne();
  const auto errors = Errors(Submit({}, "V1"));
  EXPECT_EQ(errors.at("subject"), "This form was submitted already: it declared INC-1.");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM incidents"), 1);
  EXPECT_EQ(Submit({}, "V2"), "");  // another modal is another incident
  EXPECT_EQ(Count("SELECT COUNT(*) FROM incidents"), 2);
}

TEST_F(DeclareModalTest, RefusesTheCommandAndAForgedSubmissionFromANonManager) {
  EXPECT_EQ(Command("declare x", "URAVI"),
            "Only incident managers can declare incidents. Ask an incident manager in <#CIM>.");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM outbox"), 0);
  Command("declare x");
  const auto errors = Errors(Submit({}, "V1", "URAVI"));
  EXPECT_EQ(errors.at("subject"), "Only incident managers can declare incidents.");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM incidents"), 0);
}

TEST_F(DeclareModalTest, IgnoresOtherViewsAndMalformedSubmissions) {
  json::object other{{"type", "view_submission"},
                     {"user", {{"id", "UMARA"}}},
                     {"view", {{"id", "V9"}, {"callback_id", "something.else"}}}};
  EXPECT_EQ(router_.Handle({InboundKind::kInteractive, json::serialize(other), "d"}).body_json, "");
  EXPECT_EQ(
      router_.Handle({InboundKind::kInteractive, R"({"type":"view_submission",)", "d"}).body_json,
      "");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM incidents"), 0);
}

TEST_F(DeclareModalTest, CallsTheDeclaredHookWithTheOrigin) {
  detail::Services services(*db_, clock_, settings_);
  std::vector<std::string> calls;
  services.on_declared = [&](std::int64_t incident, const std::string& origin, const UserId& by) {
    calls.push_back(store::IncidentNumberText(incident) + " " + origin + " " + by.str());
    return swarmbot::Status{};
  };
  DeclareModal modal(services);
  DeclarePrefill prefill;
  prefill.subject = "Spike of FEAST25 cases";
  prefill.origin = "SPIKE-7";
  ASSERT_TRUE(modal.Open("1.2.x", UserId("UMARA"), ChannelId("C1"), prefill));
  auto payload =
      detail::FlattenJson(testing::ViewSubmission(testing::QueuedView(*db_), "V1", "UMARA"), 10);
  ASSERT_TRUE(payload);
  EXPECT_EQ(modal.HandleSubmission(*payload), "");
  EXPECT_EQ(calls, std::vector<std::string>{"INC-1 SPIKE-7 UMARA"});
}

TEST_F(DeclareModalTest, MovesTheIncidentAndRefusesAnIllegalMove) {
  DeclareOne();
  EXPECT_EQ(Command("triage INC-1"), "INC-1 is triaged now.");
  EXPECT_EQ(Command("triage INC-1"), "INC-1 is triaged; `triage` works from new.");
  EXPECT_EQ(Command("start INC-1"), "INC-1 is in progress now.");
  EXPECT_EQ(Command("resolve INC-1 fixed", "URAVI"),
            "Only incident managers and the incident's owner can change its state. Ask an "
            "incident manager in <#CIM>.");
  db_->Sql().exec("UPDATE incidents SET owner = 'UPRIYA'");
  EXPECT_EQ(Command("resolve INC-1 fixed", "UPRIYA"), "INC-1 is resolved now.");
  EXPECT_EQ(Command("close INC-1", "UPRIYA"), "INC-1 closed · 0 linked cases closed.");
  EXPECT_EQ(Command("resolve INC-1"),
            "INC-1 is closed; `resolve` works from triaged or in progress.");
  EXPECT_EQ(Command("reopen INC-1 customers still see errors"), "INC-1 is in progress now.");
  EXPECT_TRUE(Contains(Command("triage"), "Which incident?"));
}

TEST_F(DeclareModalTest, OnlyManagersAndTheOwnerLinkUnlinkOrRouteAgain) {
  NewCase("FEAST25 rejected at checkout");
  DeclareOne();
  const std::string refusal = "Only incident managers and the incident's owner can ";
  EXPECT_TRUE(Contains(Command("link INC-1 CASE-1", "URAVI"), refusal + "link cases"));
  EXPECT_TRUE(Contains(Command("link INC-1 --cluster SPIKE-1", "URAVI"), refusal + "link cases"));
  EXPECT_TRUE(Contains(Command("assign INC-1", "URAVI"), refusal + "route it again"));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM case_links"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM routing_requests"), 0);

  ASSERT_EQ(Command("link INC-1 CASE-1"), "Linked 1 case to INC-1: CASE-1.");
  EXPECT_TRUE(Contains(Command("unlink INC-1 CASE-1", "URAVI"), refusal + "unlink cases"));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM case_links WHERE unlinked_at IS NULL"), 1);
}

// Check10 #6: naming the owner again repeated the reply, the direct message,
// the channel's notice and the invitation.
TEST_F(DeclareModalTest, AssigningTheOwnerAgainSaysSoAndChangesNothing) {
  store::Person omar;
  omar.user = UserId("UOMAR");
  omar.display_name = "Omar";
  omar.capacity = 3;
  ASSERT_TRUE(lifecycle::RoutingService(*db_, clock_, {}).ImportPeople({omar}));
  DeclareOne();
  ASSERT_EQ(Command("assign INC-1 <@UOMAR|omar>"),
            "INC-1 is now owned by <@UOMAR>; they get a direct message with the summary.");
  const auto queued = Count("SELECT COUNT(*) FROM outbox");
  const auto entries = Count("SELECT COUNT(*) FROM timeline");
  EXPECT_EQ(Command("assign INC-1 <@UOMAR|omar>"), "<@UOMAR> owns INC-1 already.");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM outbox"), queued);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM timeline"), entries);
}

TEST_F(DeclareModalTest, UnlinksAndLinksByQuery) {
  NewCase("FEAST25 rejected at checkout");
  NewCase("Late delivery");
  NewCase("FEAST25 code invalid at checkout");
  DeclareOne();
  EXPECT_EQ(Command("link INC-1 --query feast25 CHECKOUT"),
            "Linked 2 cases to INC-1: CASE-1, CASE-3.");
  EXPECT_EQ(Command("link INC-1 --query pizza"),
            "No new or open case mentions every one of those words; nothing was linked to INC-1.");
  EXPECT_TRUE(Contains(Command("link INC-1 --cluster"), "wasn't declared from a spike"));
  EXPECT_EQ(Command("unlink INC-1 CASE-3"),
            "Unlinked 1 case from INC-1: CASE-3. It is back in its owner's open queue.");
  EXPECT_EQ(Sql("SELECT status FROM cases WHERE number = 3"), "open");
  EXPECT_EQ(Command("unlink INC-1 CASE-2"), "CASE-2 isn't linked to INC-1; nothing was unlinked.");
  EXPECT_TRUE(Contains(Command("unlink INC-1"), "Name at least one case"));
}

}  // namespace
}  // namespace swarmbot::handlers
