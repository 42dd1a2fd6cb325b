#include "bot/inbound_parse.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace swarmbot::bot {
namespace {

TEST(ParseSocketFrame, ReadsHello) {
  auto frame =
      ParseSocketFrame(R"({"type":"hello","num_connections":2,"debug_info":{"host":"applink-1",)"
                       R"("build_number":10,"approximate_connection_time":18060},)"
                       R"("connection_info":{"app_id":"A01K58AR4RF"}})");
  ASSERT_TRUE(frame) << frame.error().detail;
  EXPECT_EQ(frame->type, FrameType::kHello);
  EXPECT_EQ(frame->num_connections, 2);
  EXPECT_TRUE(frame->envelope_id.empty());
}

TEST(ParseSocketFrame, ReadsDisconnectReason) {
  auto frame =
      ParseSocketFrame(R"({"type":"disconnect","reason":"refresh_requested","debug_info":{}})");
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->type, FrameType::kDisconnect);
  EXPECT_EQ(frame->disconnect_reason, "refresh_requested");
}

TEST(ParseSocketFrame, KeepsThePayloadVerbatim) {
  const std::string payload =
      "{ \"type\" : \"event_callback\",\n \"event_id\":\"Ev01\", \"event\":{\"type\":\"message\","
      "\"text\":\"caf\\u00e9 \\\"quoted\\\" <@U1|ann>\"}, \"n\": [1, 2.5e3, null] }";
  auto frame = ParseSocketFrame(R"({"envelope_id":"e-1","type":"events_api","payload":)" + payload +
                                R"(,"accepts_response_payload":false,"retry_attempt":2,)"
                                R"("retry_reason":"timeout"})");
  ASSERT_TRUE(frame) << frame.error().detail;
  EXPECT_EQ(frame->type, FrameType::kEventsApi);
  EXPECT_EQ(frame->envelope_id, "e-1");
  EXPECT_EQ(frame->payload_json, payload);
  EXPECT_EQ(frame->retry_attempt, 2);
  EXPECT_EQ(frame->retry_reason, "timeout");
}

TEST(ParseSocketFrame, IgnoresUnknownFieldsAndOddlyTypedOptionalOnes) {
  auto frame = ParseSocketFrame(
      R"({"extra":{"deep":[1,{"x":true}]},"type":"interactive","envelope_id":"e-2",)"
      R"("retry_reason":null,"retry_attempt":"zero","payload":{"type":"block_actions"}})");
  ASSERT_TRUE(frame) << frame.error().detail;
  EXPECT_EQ(frame->type, FrameType::kInteractive);
  EXPECT_EQ(frame->retry_attempt, 0);
  EXPECT_EQ(frame->retry_reason, "");
}

TEST(ParseSocketFrame, RejectsTextThatIsNotOneJsonObject) {
  EXPECT_FALSE(ParseSocketFrame(""));
  EXPECT_FALSE(ParseSocketFrame("not json"));
  EXPECT_FALSE(ParseSocketFrame("[1,2]"));
  EXPECT_FALSE(ParseSocketFrame(R"("hello")"));
  EXPECT_FALSE(ParseSocketFrame(R"({"type":"hello")"));
  EXPECT_FALSE(ParseSocketFrame(R"({"type":"hello"} {"type":"hello"})"));
  EXPECT_FALSE(ParseSocketFrame(R"({"type":"hello",})"));
  EXPECT_FALSE(ParseSocketFrame(R"({"envelope_id":17,"type":"events_api"})"));
}

TEST(ParseSocketFrame, MarksUnknownFrameTypes) {
  auto frame = ParseSocketFrame(R"({"type":"future_thing","envelope_id":"e-3"})");
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->type, FrameType::kUnknown);
  EXPECT_EQ(frame->type_name, "future_thing");
}

TEST(ToInboundRequest, UsesTheEventIdForEventsSoRedeliveriesMatch) {
  auto frame = ParseSocketFrame(
      R"({"envelope_id":"e-4","type":"events_api","accepts_response_payload":false,)"
      R"("payload":{"type":"event_callback","event_id":"Ev0PV52K25","event":{"type":"app_mention"}}})");
  ASSERT_TRUE(frame);
  auto envelope = ToInboundRequest(*frame);
  ASSERT_TRUE(envelope) << envelope.error().detail;
  EXPECT_EQ(envelope->request.kind, InboundKind::kEvent);
  EXPECT_EQ(envelope->request.delivery_id, "Ev0PV52K25");
  EXPECT_EQ(envelope->payload_type, "event_callback");
  EXPECT_FALSE(envelope->replies_in_ack);
}

TEST(ToInboundRequest, AnswersSlashCommandsInTheAck) {
  auto frame = ParseSocketFrame(
      R"({"envelope_id":"e-5","type":"slash_commands","accepts_response_payload":true,)"
      R"("payload":{"command":"/incident","text":"declare db down","user_id":"U1"}})");
  ASSERT_TRUE(frame);
  auto envelope = ToInboundRequest(*frame);
  ASSERT_TRUE(envelope);
  EXPECT_EQ(envelope->request.kind, InboundKind::kSlashCommand);
  EXPECT_EQ(envelope->request.delivery_id, "e-5");
  EXPECT_TRUE(envelope->replies_in_ack);
}

TEST(ToInboundRequest, AcknowledgesButtonClicksFirstButAnswersViewSubmissionsInTheAck) {
  auto click = ParseSocketFrame(
      R"({"envelope_id":"e-6","type":"interactive","accepts_response_payload":false,)"
      R"("payload":{"type":"block_actions","actions":[]}})");
  ASSERT_TRUE(click);
  auto click_request = ToInboundRequest(*click);
  ASSERT_TRUE(click_request);
  EXPECT_EQ(click_request->request.kind, InboundKind::kInteractive);
  EXPECT_FALSE(click_request->replies_in_ack);

  auto submit = ParseSocketFrame(
      R"({"envelope_id":"e-7","type":"interactive","accepts_response_payload":true,)"
      R"("payload":{"type":"view_submission","view":{"id":"V1"}}})");
  ASSERT_TRUE(submit);
  auto submit_request = ToInboundRequest(*submit);
  ASSERT_TRUE(submit_request);
  EXPECT_EQ(submit_request->payload_type, "view_submission");
  EXPECT_TRUE(submit_request->replies_in_ack);
}

TEST(ToInboundRequest, RejectsControlFramesAndEnvelopesWithoutPayloadOrId) {
  auto hello = ParseSocketFrame(R"({"type":"hello"})");
  ASSERT_TRUE(hello);
  EXPECT_FALSE(ToInboundRequest(*hello));
  auto no_payload = ParseSocketFrame(R"({"type":"events_api","envelope_id":"e-8"})");
  ASSERT_TRUE(no_payload);
  EXPECT_FALSE(ToInboundRequest(*no_payload));
  auto no_id = ParseSocketFrame(R"({"type":"events_api","payload":{"type":"event_callback"}})");
  ASSERT_TRUE(no_id);
  EXPECT_FALSE(ToInboundRequest(*no_id));
  auto array_payload = ParseSocketFrame(R"({"type":"events_api","envelope_id":"e","payload":[]})");
  ASSERT_TRUE(array_payload);
  EXPECT_FALSE(ToInboundRequest(*array_payload));
}

TEST(SummarizePayload, ReadsRoutingFieldsOnly) {
  auto summary = SummarizePayload(
      R"({"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",)"
      R"("type":"url_verification"})");
  ASSERT_TRUE(summary);
  EXPECT_EQ(summary->type, "url_verification");
  EXPECT_EQ(summary->challenge, "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P");

  auto event =
      SummarizePayload(R"({"type":"event_callback","event":{"user":"U1","type":"reaction_added",)"
                       R"("item":{"type":"message"}},"event_id":"Ev9"})");
  ASSERT_TRUE(event);
  EXPECT_EQ(event->event_type, "reaction_added");
  EXPECT_EQ(event->event_id, "Ev9");
}

TEST(FormToJsonObject, TurnsSlashCommandFormsIntoTheSocketModeShape) {
  auto json = FormToJsonObject(
      "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&command=%2Fincident&text=declare+"
      "FEAST25+%26+more&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1%2F3%2F9&text=x");
  ASSERT_TRUE(json);
  const auto object = boost::json::parse(*json).as_object();
  EXPECT_EQ(object.at("command").as_string(), "/incident");
  EXPECT_EQ(object.at("text").as_string(), "declare FEAST25 & more");
  EXPECT_EQ(object.at("response_url").as_string(), "https://hooks.slack.com/commands/T1/3/9");
  EXPECT_EQ(object.at("team_id").as_string(), "T1DC2JH3J");
  EXPECT_FALSE(FormToJsonObject("text=%zz"));
}

TEST(BuildAck, CarriesTheReplyAsPayload) {
  const auto bare = boost::json::parse(BuildAck("e-1", "")).as_object();
  EXPECT_EQ(bare.at("envelope_id").as_string(), "e-1");
  EXPECT_FALSE(bare.contains("payload"));

  const auto with_reply =
      boost::json::parse(BuildAck("e-2", R"({"response_type":"ephemeral","text":"hi"})"))
          .as_object();
  EXPECT_EQ(with_reply.at("payload").at("text").as_string(), "hi");

  bool dropped = false;
  const auto broken = boost::json::parse(BuildAck("e-3", "{not json", &dropped)).as_object();
  EXPECT_TRUE(dropped);
  EXPECT_FALSE(broken.contains("payload"));
}

TEST(RepliesInAcknowledgement, FollowsSlacksRulesPerKind) {
  EXPECT_TRUE(RepliesInAcknowledgement(InboundKind::kSlashCommand, ""));
  EXPECT_TRUE(RepliesInAcknowledgement(InboundKind::kInteractive, "view_submission"));
  EXPECT_TRUE(RepliesInAcknowledgement(InboundKind::kInteractive, "block_suggestion"));
  EXPECT_FALSE(RepliesInAcknowledgement(InboundKind::kInteractive, "block_actions"));
  EXPECT_FALSE(RepliesInAcknowledgement(InboundKind::kInteractive, "shortcut"));
  EXPECT_FALSE(RepliesInAcknowledgement(InboundKind::kEvent, "event_callback"));
}

}  // namespace
}  // namespace swarmbot::bot
