#include "handlers/block_kit.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "handlers/incident_view.hpp"
#include "handlers/mrkdwn.hpp"

namespace swarmbot::handlers {
namespace {

namespace json = boost::json;

std::size_t CodePoints(std::string_view text) {
  std::size_t n = 0;
  for (char c : text) {
    n += (static_cast<unsigned char>(c) & 0xC0) == 0x80 ? 0 : 1;
  }
  return n;
}

std::string TextOf(const json::value& text_object) {
  return std::string(text_object.at("text").as_string());
}

// Every limit of reference §8.3 that our blocks use.
void ExpectWithinLimits(const BlockMessage& message) {
  const json::array& blocks = message.Blocks();
  EXPECT_LE(blocks.size(), kMaxBlocks);
  EXPECT_LE(CodePoints(message.Text()), kMaxFallbackText);
  for (const json::value& block : blocks) {
    const std::string type(block.at("type").as_string());
    if (type == "header") {
      EXPECT_LE(CodePoints(TextOf(block.at("text"))), kMaxHeaderText);
      EXPECT_EQ(block.at("text").at("type"), "plain_text");
    } else if (type == "section" && block.as_object().contains("text")) {
      EXPECT_LE(CodePoints(TextOf(block.at("text"))), kMaxSectionText);
    } else if (type == "section") {
      EXPECT_LE(block.at("fields").as_array().size(), kMaxFields);
      for (const auto& field : block.at("fields").as_array()) {
        EXPECT_LE(CodePoints(TextOf(field)), kMaxFieldText);
      }
    } else if (type == "context") {
      EXPECT_LE(block.at("elements").as_array().size(), kMaxContextElements);
    }
  }
}

lifecycle::IncidentStatus HugeIncident() {
  lifecycle::IncidentStatus status;
  status.incident.number = 7;
  status.incident.subject = std::string(400, 'S') + " <!channel> & more";
  status.incident.description = std::string(20'000, 'd');
  status.incident.priority = 2;
  status.incident.declared_by = UserId("UMARA");
  status.linked_cases = 36;
  for (int i = 0; i < 200; ++i) {
    status.by_channel.emplace_back("channel" + std::to_string(i), 1);
    status.by_territory.emplace_back(std::string(50, 't') + "<&>", 1);
  }
  store::Swarm swarm;
  swarm.channel_id = ChannelId("CSWARM");
  status.swarm = swarm;
  for (int i = 0; i < 500; ++i) {
    store::SwarmMember member;
    member.user = UserId("U" + std::to_string(100000 + i));
    status.members.push_back(member);
  }
  for (int i = 0; i < 60; ++i) {
    store::TimelineEntry entry;
    entry.actor = "UMARA";
    entry.text = std::string(500, 'x');
    status.recent.push_back(entry);
  }
  return status;
}

TEST(BlockMessage, CutsEveryTextToItsBlocksLimit) {
  BlockMessage message(std::string(5000, 'f'));
  message.Header(std::string(300, 'h'))
      .Section(std::string(4000, 's'))
      .Fields(std::vector<std::string>(25, std::string(2500, 'f')))
      .Context(std::vector<std::string>(15, "c"));
  ExpectWithinLimits(message);
  EXPECT_EQ(message.Blocks().size(), 6u);  // header, section, three field sections, context
}

TEST(BlockMessage, DropsBlocksPastFiftyBehindANote) {
  BlockMessage message("many");
  for (int i = 0; i < 80; ++i) {
    message.Section("line " + std::to_string(i));
  }
  ASSERT_EQ(message.Blocks().size(), kMaxBlocks);
  EXPECT_EQ(message.Blocks().back().at("type"), "context");
  EXPECT_NE(json::serialize(message.Blocks().back()).find("truncated"), std::string::npos);
}

TEST(BlockMessage, SkipsEmptySections) {
  BlockMessage message("x");
  message.Section("");
  EXPECT_TRUE(message.Blocks().empty());
  EXPECT_EQ(json::serialize(message.ToObject()), R"({"text":"x","blocks":[]})");
}

TEST(IncidentSummary, StaysWithinLimitsForAHugeIncident) {
  const auto status = HugeIncident();
  ExpectWithinLimits(IncidentSummary(status));
  ExpectWithinLimits(ClosingSummary(status, FakeClock().Now()));
  ExpectWithinLimits(StatusView(status));
}

TEST(IncidentSummary, EscapesUserTextInMrkdwn) {
  lifecycle::IncidentStatus status;
  status.incident.number = 1;
  status.incident.subject = "Codes <fail> & <!channel>";
  status.incident.description = "See <https://evil.example|here> & <@U1>";
  status.by_territory = {{"North & <East>", 3}};
  const BlockMessage message = IncidentSummary(status);
  // Everything Slack parses as mrkdwn: the fallback text and the blocks after the header.
  std::string text = message.Text();
  for (std::size_t i = 1; i < message.Blocks().size(); ++i) {
    text += json::serialize(message.Blocks()[i]);
  }
  EXPECT_EQ(text.find("<!channel>"), std::string::npos);
  EXPECT_NE(text.find("Codes &lt;fail&gt; &amp; &lt;!channel&gt;"), std::string::npos);
  EXPECT_EQ(text.find("<https://evil"), std::string::npos);
  EXPECT_NE(text.find("See &lt;https://evil.example|here&gt; &amp; &lt;@U1&gt;"),
            std::string::npos);
  EXPECT_NE(text.find("North &amp; &lt;East&gt; 3"), std::string::npos);
  // The header is plain_text, which Slack doesn't parse: no escaping there.
  EXPECT_EQ(IncidentSummary(status).Blocks()[0].at("text").at("text"),
            "INC-1 · Codes <fail> & <!channel>");
}

TEST(IncidentSummary, ShowsStateOwnerCasesAndChannel) {
  lifecycle::IncidentStatus status;
  status.incident.number = 3;
  status.incident.subject = "FEAST25 fails";
  status.incident.state = store::IncidentState::kInProgress;
  status.incident.priority = 2;
  status.incident.impact = store::Level::kHigh;
  status.incident.declared_by = UserId("UMARA");
  status.linked_cases = 3;
  status.by_channel = {{"email", 2}, {"chat", 1}};
  store::Swarm swarm;
  swarm.channel_id = ChannelId("CSW");
  status.swarm = swarm;
  const auto message = IncidentSummary(status);
  EXPECT_EQ(message.Text(), "INC-3 · P2 · in progress · FEAST25 fails");
  const std::string text = json::serialize(message.ToObject());
  for (const char* expected :
       {"*State*\\nin progress", "P2 (impact high, urgency medium)", "*Owner*\\nunassigned",
        "<@UMARA>", "3 (email 2, chat 1)", "<#CSW>"}) {
    EXPECT_NE(text.find(expected), std::string::npos) << expected;
  }
}

TEST(ClosingSummary, GivesDurationsPeopleAndCases) {
  lifecycle::IncidentStatus status;
  const Clock::TimePoint start{std::chrono::seconds{1'700'000'000}};
  status.incident.number = 1;
  status.incident.subject = "FEAST25";
  status.incident.created_at = start;
  status.incident.closed_at = start + std::chrono::minutes(150);
  status.incident.close_note = "Fixed validation & redeployed";
  store::Swarm swarm;
  swarm.created_at = start + std::chrono::minutes(30);
  swarm.channel_id = ChannelId("CSW");
  status.swarm = swarm;
  store::SwarmMember member;
  member.user = UserId("USOFIA");
  member.joined_at = start + std::chrono::minutes(31);
  status.members = {member};
  status.linked_cases = 36;
  const auto message = ClosingSummary(status, start);
  const std::string text = json::serialize(message.ToObject());
  EXPECT_NE(text.find("*Time to resolve*\\n2 h 30 min"), std::string::npos);
  EXPECT_NE(text.find("*Swarm duration*\\n2 h"), std::string::npos);
  EXPECT_NE(text.find("<@USOFIA>"), std::string::npos);
  EXPECT_NE(text.find("Fixed validation &amp; redeployed"), std::string::npos);
  EXPECT_EQ(message.Text(), "INC-1 swarm closed · resolved in 2 h 30 min · 36 linked cases");
}

TEST(ClosingSummary, ListsTheIncidentsProblemsAmongItsRecords) {
  lifecycle::IncidentStatus status;
  status.incident.number = 4;
  status.incident.state = store::IncidentState::kClosed;
  store::Problem problem;
  problem.number = 1;
  problem.state = store::ProblemState::kClosed;
  status.problems = {problem};
  const std::string text = json::serialize(ClosingSummary(status, FakeClock().Now()).ToObject());
  EXPECT_NE(text.find("• Incident INC-4 (closed)\\n• Linked cases: none\\n• Problems: PRB-1 "
                      "(closed)"),
            std::string::npos)
      << text;
}

TEST(SwarmTopic, ShowsNumberPriorityAndStateWithinTheLimit) {
  store::Incident incident;
  incident.number = 4;
  incident.priority = 2;
  incident.state = store::IncidentState::kInProgress;
  incident.subject = "FEAST25 fails";
  EXPECT_EQ(SwarmTopic(incident), "INC-4 · P2 · in progress · FEAST25 fails");
  incident.subject = std::string(400, 'x');
  EXPECT_LE(CodePoints(SwarmTopic(incident)), 250u);
  EXPECT_LE(CodePoints(SwarmPurpose(incident)), 250u);
}

}  // namespace
}  // namespace swarmbot::handlers
