// Socket Mode: connecting, hello, envelopes, acks, redelivery, control.
#include "tests/emulator/helpers.hpp"

namespace swarmbot::emulator::testing {
namespace {

using std::chrono::milliseconds;
using swarmbot::testing::kTestTimeout;

std::string OpenUrl(Emulator& emulator) {
  HttpsClient client(emulator.Port(), emulator.CaPem());
  auto reply =
      client.Request("POST", "/api/apps.connections.open", "", "",
                     {{"Authorization", "Bearer " + emulator.options().app_token.Reveal()}});
  return std::string(reply.Json().at("url").as_string());
}

using SocketMode = EmulatorTest;

TEST_F(SocketMode, OpensConnectionsOnlyWithTheAppTokenInTheHeader) {
  const std::string app = emulator_.options().app_token.Reveal();
  EXPECT_EQ(ErrorOf(Call("apps.connections.open", {})), "not_allowed_token_type");
  EXPECT_EQ(ErrorOf(client_.CallForm("apps.connections.open", {{"token", app}}, "")), "not_authed");
  EXPECT_EQ(ErrorOf(client_
                        .Request("GET", "/api/apps.connections.open", "", "",
                                 {{"Authorization", "Bearer " + app}})
                        .Json()),
            "insecure_request");
  const std::string url = OpenUrl(emulator_);
  const std::string prefix =
      "wss://127.0.0.1:" + std::to_string(emulator_.Port()) + "/link/?ticket=";
  EXPECT_EQ(url.rfind(prefix, 0), 0u) << url;
  EXPECT_NE(url.find("&app_id=" + emulator_.options().app_id), std::string::npos) << url;
}

TEST_F(SocketMode, GreetsANewSocketWithHello) {
  FakeApp app(emulator_);
  const auto& hello = app.hello();
  EXPECT_EQ(hello.at("type"), "hello");
  EXPECT_EQ(hello.at("num_connections").as_int64(), 1);
  EXPECT_TRUE(hello.at("debug_info").as_object().contains("host"));
  EXPECT_TRUE(hello.at("debug_info").as_object().contains("approximate_connection_time"));
  EXPECT_EQ(hello.at("connection_info").at("app_id"), emulator_.options().app_id.c_str());
  EXPECT_TRUE(emulator_.WaitFor([&] { return emulator_.OpenSocketCount() == 1; }, kTestTimeout));
}

TEST_F(SocketMode, AcceptsEachTicketOnce) {
  const std::string url = OpenUrl(emulator_);
  std::string error;
  auto first = WsClient::Connect(url, emulator_.CaPem(), &error);
  ASSERT_TRUE(first) << error;
  auto second = WsClient::Connect(url, emulator_.CaPem(), &error);
  EXPECT_FALSE(second);
  EXPECT_NE(error.find("401"), std::string::npos) << error;
}

TEST_F(SocketMode, DeliversASlashCommandAndReturnsTheAckPayload) {
  FakeApp app(emulator_, [](const json::object& envelope) {
    if (envelope.at("type") != "slash_commands") {
      return AckPlan{};
    }
    return AckPlan{true, json::object{{"response_type", "ephemeral"}, {"text", "INC-1 declared"}}};
  });
  auto ack = emulator_.SlashCommand(ws_.mara, ws_.incidents, "/incident", "declare Checkout down");
  ASSERT_TRUE(ack) << ack.error().detail;
  EXPECT_EQ(json::parse(*ack).at("text"), "INC-1 declared");

  auto commands = app.OfType("slash_commands");
  ASSERT_EQ(commands.size(), 1u);
  const auto& envelope = commands.front();
  EXPECT_TRUE(envelope.at("accepts_response_payload").as_bool());
  const auto& payload = envelope.at("payload").as_object();
  EXPECT_EQ(payload.at("command"), "/incident");
  EXPECT_EQ(payload.at("text"), "declare Checkout down");
  EXPECT_EQ(payload.at("user_id"), ws_.mara.str().c_str());
  EXPECT_EQ(payload.at("channel_id"), ws_.incidents.str().c_str());
  EXPECT_EQ(payload.at("channel_name"), "incidents");

  auto ephemerals = emulator_.Ephemerals(ws_.mara);
  ASSERT_EQ(ephemerals.size(), 1u);
  EXPECT_EQ(ephemerals[0].text, "INC-1 declared");
  EXPECT_EQ(ephemerals[0].source, "ack");
  EXPECT_EQ(ephemerals[0].channel, ws_.incidents);
}

TEST_F(SocketMode, PostsAnInChannelAckForEveryone) {
  FakeApp app(emulator_, [](const json::object&) {
    return AckPlan{true, json::object{{"response_type", "in_channel"}, {"text", "Swarm started"}}};
  });
  ASSERT_TRUE(emulator_.SlashCommand(ws_.mara, ws_.incidents, "/swarm", "start"));
  auto channel = emulator_.Channel(ws_.incidents);
  ASSERT_FALSE(channel->messages.empty());
  EXPECT_EQ(channel->messages.back().text, "Swarm started");
  EXPECT_EQ(channel->messages.back().bot_id, emulator_.options().bot_id);
  EXPECT_TRUE(emulator_.Ephemerals(ws_.mara).empty());
}

TEST_F(SocketMode, FailsACommandWhenNoSocketIsOpen) {
  auto ack = emulator_.SlashCommand(ws_.mara, ws_.incidents, "/incident", "help");
  ASSERT_FALSE(ack);
  EXPECT_EQ(ack.error().code, Errc::kUnavailable);
  EXPECT_NE(ack.error().detail.find("dispatch_failed"), std::string::npos);
  auto ephemerals = emulator_.Ephemerals(ws_.mara);
  ASSERT_EQ(ephemerals.size(), 1u);
  EXPECT_EQ(ephemerals[0].source, "slack");
}

TEST(SocketModeDeadline, FailsACommandThatIsNotAckedInTime) {
  Options options;
  options.ack_deadline = milliseconds(300);
  Emulator emulator(options);
  auto ws = Populate(emulator);
  FakeApp app(emulator, [](const json::object&) { return AckPlan{false}; });
  auto ack = emulator.SlashCommand(ws.mara, ws.incidents, "/incident", "help");
  ASSERT_FALSE(ack);
  EXPECT_NE(ack.error().detail.find("operation_timeout"), std::string::npos);
}

TEST(SocketModeRedelivery, SendsAnUnackedEventAgainWithTheNextRetryAttempt) {
  FakeClock clock;
  Options options;
  options.clock = &clock;
  options.socket_redelivery_after = std::chrono::seconds(3);
  Emulator emulator(options);
  auto ws = Populate(emulator);
  FakeApp app(emulator, [](const json::object&) { return AckPlan{false}; });

  ASSERT_TRUE(emulator.PostMessageAs(ws.mara, ws.general, "hello"));
  ASSERT_TRUE(app.WaitForEnvelopes(1));
  auto first = app.OfType("events_api").at(0);
  EXPECT_EQ(first.at("retry_attempt").as_int64(), 0);
  EXPECT_FALSE(first.at("accepts_response_payload").as_bool());

  clock.Advance(std::chrono::seconds(3));
  ASSERT_TRUE(app.WaitForEnvelopes(2));
  auto second = app.OfType("events_api").at(1);
  EXPECT_EQ(second.at("retry_attempt").as_int64(), 1);
  EXPECT_EQ(second.at("retry_reason"), "timeout");
  EXPECT_EQ(second.at("payload").at("event_id"), first.at("payload").at("event_id"));
  EXPECT_NE(second.at("envelope_id"), first.at("envelope_id"));

  clock.Advance(std::chrono::seconds(3));
  ASSERT_TRUE(app.WaitForEnvelopes(3));
  EXPECT_EQ(app.OfType("events_api").at(2).at("retry_attempt").as_int64(), 2);
  EXPECT_EQ(emulator.DeliveryCount("events_api"), 3);
}

TEST_F(SocketMode, RedeliversEventsOfADroppedSocketOnTheNextOne) {
  auto first =
      std::make_unique<FakeApp>(emulator_, [](const json::object&) { return AckPlan{false}; });
  ASSERT_TRUE(emulator_.PostMessageAs(ws_.mara, ws_.general, "are you there?"));
  ASSERT_TRUE(first->WaitForEnvelopes(1));
  const auto event_id = first->OfType("events_api").at(0).at("payload").at("event_id");
  first->socket().Drop();
  ASSERT_TRUE(emulator_.WaitFor([&] { return emulator_.OpenSocketCount() == 0; }, kTestTimeout));

  FakeApp second(emulator_);
  ASSERT_TRUE(second.WaitForEnvelopes(1));
  auto redelivered = second.OfType("events_api").at(0);
  EXPECT_EQ(redelivered.at("payload").at("event_id"), event_id);
  EXPECT_EQ(redelivered.at("retry_attempt").as_int64(), 1);
}

TEST_F(SocketMode, HoldsEventsUntilASocketOpens) {
  ASSERT_TRUE(emulator_.PostMessageAs(ws_.mara, ws_.general, "early bird"));
  FakeApp app(emulator_);
  ASSERT_TRUE(app.WaitForEnvelopes(1));
  EXPECT_EQ(app.OfType("message").at(0).at("payload").at("event").at("text"), "early bird");
}

TEST_F(SocketMode, SpreadsEnvelopesOverTheOpenSockets) {
  FakeApp a(emulator_);
  FakeApp b(emulator_);
  EXPECT_EQ(b.hello().at("num_connections").as_int64(), 2);
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(emulator_.PostMessageAs(ws_.mara, ws_.general, "message " + std::to_string(i)));
  }
  ASSERT_TRUE(a.WaitForEnvelopes(2));
  ASSERT_TRUE(b.WaitForEnvelopes(2));
  EXPECT_EQ(a.Envelopes().size() + b.Envelopes().size(), 4u);
}

TEST(SocketModeLimits, TellsASocketOverTheCapThatThereAreTooMany) {
  Options options;
  options.max_sockets = 2;
  Emulator emulator(options);
  FakeApp a(emulator);
  FakeApp b(emulator);
  std::string error;
  auto third = WsClient::Connect(OpenUrl(emulator), emulator.CaPem(), &error);
  ASSERT_TRUE(third) << error;
  auto message = third->NextJson();
  ASSERT_TRUE(message);
  EXPECT_EQ(message->at("type"), "disconnect");
  EXPECT_EQ(message->at("reason"), "too_many_websockets");
  EXPECT_TRUE(third->WaitClosed());
  EXPECT_EQ(emulator.OpenSocketCount(), 2);
}

TEST(SocketModeControl, SendsDisconnectThenClosesTheOldSocket) {
  Options options;
  options.disconnect_close_after = milliseconds(100);
  Emulator emulator(options);
  FakeApp app(emulator);
  emulator.SendDisconnect("refresh_requested");
  ASSERT_TRUE(app.WaitForEnvelopes(1));
  const auto disconnect = app.Envelopes().at(0);
  EXPECT_EQ(disconnect.at("type"), "disconnect");
  EXPECT_EQ(disconnect.at("reason"), "refresh_requested");
  EXPECT_TRUE(app.socket().WaitClosed());
  EXPECT_TRUE(app.socket().closed_cleanly());
  EXPECT_TRUE(emulator.WaitFor([&] { return emulator.OpenSocketCount() == 0; }, kTestTimeout));
}

TEST_F(SocketMode, DropsSocketsWithoutACloseFrame) {
  FakeApp app(emulator_);
  emulator_.DropSockets();
  EXPECT_TRUE(app.socket().WaitClosed());
  EXPECT_FALSE(app.socket().closed_cleanly());
  EXPECT_TRUE(emulator_.WaitFor([&] { return emulator_.OpenSocketCount() == 0; }, kTestTimeout));
}

TEST(SocketModeKeepAlive, PingsAnIdleSocket) {
  Options options;
  options.ping_interval = milliseconds(100);
  Emulator emulator(options);
  FakeApp app(emulator);
  EXPECT_TRUE(app.socket().WaitForPing());
}

}  // namespace
}  // namespace swarmbot::emulator::testing
