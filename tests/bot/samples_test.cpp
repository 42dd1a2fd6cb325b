// Slack's recorded payloads (java-slack-sdk json-logs, see
// shared/reference/slack-samples/SOURCES.md) through bot/'s own parsers.
#include <cctype>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "bot/inbound_parse.hpp"
#include "tests/support/testing.hpp"

namespace swarmbot::bot {
namespace {

namespace fs = std::filesystem;

fs::path SamplesDir() {
  return swarmbot::testing::SharedDir() / "reference" / "slack-samples" / "java-slack-sdk" /
         "json-logs" / "samples";
}

std::string Trimmed(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.pop_back();
  }
  return text;
}

std::string Envelope(std::string_view type, std::string_view id, const std::string& payload,
                     bool accepts_response) {
  return std::string(R"({"envelope_id":")") + std::string(id) + R"(","type":")" +
         std::string(type) + R"(","payload":)" + payload + R"(,"accepts_response_payload":)" +
         (accepts_response ? "true" : "false") + "}";
}

// "MemberJoinedChannelPayload.json" → "member_joined_channel"; every
// Message*Payload sample is a `message` event with some subtype.
std::string ExpectedEventType(const std::string& file_name) {
  std::string stem = file_name.substr(0, file_name.find("Payload"));
  if (stem.rfind("Message", 0) == 0) {
    return "message";
  }
  std::string out;
  for (char c : stem) {
    if (std::isupper(static_cast<unsigned char>(c))) {
      if (!out.empty()) {
        out.push_back('_');
      }
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    } else {
      out.push_back(c);
    }
  }
  return out;
}

struct AppBackendCase {
  const char* file;
  const char* frame_type;
  InboundKind kind;
  const char* payload_type;
  bool replies_in_ack;
};

TEST(SlackSamples, AppBackendPayloadsBecomeRequestsOfTheRightKind) {
  const AppBackendCase cases[] = {
      {"slash-commands/SlashCommandPayload.json", "slash_commands", InboundKind::kSlashCommand, "",
       true},
      {"interactive-components/BlockActionPayload.json", "interactive", InboundKind::kInteractive,
       "block_actions", false},
      {"interactive-components/MessageShortcutPayload.json", "interactive",
       InboundKind::kInteractive, "message_action", false},
      {"views/ViewSubmissionPayload.json", "interactive", InboundKind::kInteractive,
       "view_submission", true},
      {"views/ViewClosedPayload.json", "interactive", InboundKind::kInteractive, "view_closed",
       false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    const std::string payload =
        Trimmed(swarmbot::testing::ReadFile(SamplesDir() / "app-backend" / c.file));
    auto frame =
        ParseSocketFrame(Envelope(c.frame_type, "57d12c34-e2e2", payload, c.replies_in_ack));
    ASSERT_TRUE(frame) << frame.error().detail;
    auto envelope = ToInboundRequest(*frame);
    ASSERT_TRUE(envelope) << envelope.error().detail;
    EXPECT_EQ(envelope->request.kind, c.kind);
    EXPECT_EQ(envelope->payload_type, c.payload_type);
    EXPECT_EQ(envelope->replies_in_ack, c.replies_in_ack);
    EXPECT_EQ(envelope->request.delivery_id, "57d12c34-e2e2");
    EXPECT_EQ(envelope->request.payload_json, payload);
  }
}

TEST(SlackSamples, EventsApiPayloadsYieldTheirEventType) {
  int parsed = 0;
  for (const auto& entry : fs::directory_iterator(SamplesDir() / "events")) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".json" || name.find("Payload") == std::string::npos) {
      continue;
    }
    SCOPED_TRACE(name);
    const std::string payload = Trimmed(swarmbot::testing::ReadFile(entry.path()));

    // As an Events API HTTP body…
    auto summary = SummarizePayload(payload);
    ASSERT_TRUE(summary) << summary.error().detail;
    EXPECT_EQ(summary->event_type, ExpectedEventType(name));

    // …and inside a Socket Mode envelope. The samples' event_id is an empty
    // placeholder, so the envelope id stands in for it.
    auto frame = ParseSocketFrame(Envelope("events_api", "env-" + name, payload, false));
    ASSERT_TRUE(frame) << frame.error().detail;
    auto envelope = ToInboundRequest(*frame);
    ASSERT_TRUE(envelope) << envelope.error().detail;
    EXPECT_EQ(envelope->request.kind, InboundKind::kEvent);
    EXPECT_EQ(envelope->request.payload_json, payload);
    EXPECT_EQ(envelope->request.delivery_id,
              summary->event_id.empty() ? "env-" + name : summary->event_id);
    EXPECT_FALSE(envelope->replies_in_ack);
    ++parsed;
  }
  EXPECT_GE(parsed, 40);
}

}  // namespace
}  // namespace swarmbot::bot
