// Request-URL mode: signed HTTP deliveries, retries, url_verification.
#include "common/crypto.hpp"
#include "emulator/detail/certificate.hpp"
#include "tests/emulator/helpers.hpp"

namespace swarmbot::emulator::testing {
namespace {

using std::chrono::milliseconds;

// Quick retries; a timeout long enough that a loaded machine doesn't turn an
// answer into http_timeout.
Options FastRetries(milliseconds http_timeout = milliseconds(2000)) {
  Options options;
  options.http_timeout = http_timeout;
  options.http_retry_delays = {milliseconds(0), milliseconds(10), milliseconds(20)};
  return options;
}

// True when `r` carries a valid v0 signature of its raw body.
::testing::AssertionResult SignedBy(const Received& r, const std::string& secret) {
  const auto ts = r.headers.find("x-slack-request-timestamp");
  const auto sig = r.headers.find("x-slack-signature");
  if (ts == r.headers.end() || sig == r.headers.end()) {
    return ::testing::AssertionFailure() << "signature headers missing";
  }
  const std::string expected = "v0=" + HmacSha256Hex(secret, "v0:" + ts->second + ":" + r.body);
  if (sig->second != expected) {
    return ::testing::AssertionFailure() << "bad signature " << sig->second;
  }
  return ::testing::AssertionSuccess();
}

class HttpDelivery : public EmulatorTest {
 protected:
  HttpDelivery() : EmulatorTest(FastRetries()) {}
  const std::string& secret() { return emulator_.options().signing_secret.Reveal(); }
};

TEST_F(HttpDelivery, PostsASignedFormEncodedSlashCommandAndShowsTheReply) {
  RecordingServer app([](const Received&) {
    return Answer{200, R"({"response_type":"ephemeral","text":"INC-1 declared"})",
                  "application/json"};
  });
  emulator_.SetRequestUrl(app.base_url());
  auto ack = emulator_.SlashCommand(ws_.mara, ws_.incidents, "/incident", "declare FEAST25 fails");
  ASSERT_TRUE(ack) << ack.error().detail;
  ASSERT_EQ(app.Requests().size(), 1u);
  const Received r = app.Requests()[0];
  EXPECT_EQ(r.target, "/slack/commands");
  EXPECT_EQ(r.headers.at("content-type"), "application/x-www-form-urlencoded");
  EXPECT_TRUE(SignedBy(r, secret()));
  auto fields = ParseForm(r.body);
  ASSERT_TRUE(fields);
  EXPECT_EQ(FormValue(*fields, "command"), "/incident");
  EXPECT_EQ(FormValue(*fields, "text"), "declare FEAST25 fails");
  EXPECT_EQ(FormValue(*fields, "user_id"), ws_.mara.str());
  EXPECT_EQ(emulator_.Ephemerals(ws_.mara).at(0).text, "INC-1 declared");
}

TEST_F(HttpDelivery, ShowsAPlainTextAnswerAsTheEphemeralReply) {
  RecordingServer app([](const Received&) { return Answer{200, "Unknown subcommand"}; });
  emulator_.SetRequestUrl(app.base_url() + "/");
  ASSERT_TRUE(emulator_.SlashCommand(ws_.mara, ws_.incidents, "/incident", "dance"));
  EXPECT_EQ(emulator_.Ephemerals(ws_.mara).at(0).text, "Unknown subcommand");
}

TEST_F(HttpDelivery, SendsEventsAsSignedJson) {
  RecordingServer app([](const Received&) { return Answer{}; });
  emulator_.SetRequestUrl(app.base_url());
  ASSERT_TRUE(emulator_.PostMessageAs(ws_.mara, ws_.general, "hello"));
  ASSERT_TRUE(app.WaitForRequests(1));
  const Received r = app.Requests()[0];
  EXPECT_EQ(r.target, "/slack/events");
  EXPECT_EQ(r.headers.at("content-type"), "application/json");
  EXPECT_TRUE(SignedBy(r, secret()));
  auto body = json::parse(r.body).as_object();
  EXPECT_EQ(body.at("type"), "event_callback");
  EXPECT_EQ(body.at("event").at("type"), "message");
  EXPECT_EQ(body.at("event").at("text"), "hello");
  EXPECT_EQ(r.headers.count("x-slack-retry-num"), 0u);
}

TEST_F(HttpDelivery, SendsInteractivityAsAPayloadField) {
  RecordingServer app([](const Received&) { return Answer{}; });
  emulator_.SetRequestUrl(app.base_url());
  auto posted = Call("chat.postMessage",
                     {{"channel", ws_.general.str()},
                      {"text", "Approve CHG-1?"},
                      {"blocks", json::parse(R"([{"type":"actions","block_id":"chg-1","elements":[
                          {"type":"button","action_id":"approve","value":"CHG-1",
                           "text":{"type":"plain_text","text":"Approve"}}]}])")}});
  ASSERT_TRUE(IsOk(posted));
  ASSERT_TRUE(
      emulator_.ClickButton(ws_.mara, ws_.general, MessageTs(Str(posted.at("ts"))), "approve"));
  ASSERT_TRUE(app.WaitForRequests(2));  // the message event, then the click
  Received click;
  for (const auto& r : app.Requests()) {
    if (r.target == "/slack/interactive") {
      click = r;
    }
  }
  EXPECT_TRUE(SignedBy(click, secret()));
  auto fields = ParseForm(click.body);
  ASSERT_TRUE(fields);
  ASSERT_EQ(fields->size(), 1u);
  auto payload = json::parse(*FormValue(*fields, "payload")).as_object();
  EXPECT_EQ(payload.at("type"), "block_actions");
  EXPECT_EQ(payload.at("actions").at(0).at("value"), "CHG-1");
}

TEST_F(HttpDelivery, RetriesAFailedEventWithRetryHeaders) {
  int calls = 0;
  RecordingServer app([&](const Received&) { return Answer{++calls < 3 ? 500 : 200}; });
  emulator_.SetRequestUrl(app.base_url());
  ASSERT_TRUE(emulator_.PostMessageAs(ws_.mara, ws_.general, "retry me"));
  ASSERT_TRUE(app.WaitForRequests(3));
  auto requests = app.Requests();
  EXPECT_EQ(requests[1].headers.at("x-slack-retry-num"), "1");
  EXPECT_EQ(requests[1].headers.at("x-slack-retry-reason"), "http_error");
  EXPECT_EQ(requests[2].headers.at("x-slack-retry-num"), "2");
  EXPECT_EQ(json::parse(requests[0].body).at("event_id"),
            json::parse(requests[2].body).at("event_id"));
  EXPECT_TRUE(SignedBy(requests[2], secret()));
}

TEST_F(HttpDelivery, StopsRetryingWhenTheAppSaysNoRetry) {
  RecordingServer app([](const Received& r) {
    if (r.target == "/slack/events" && r.body.find("no retry") != std::string::npos) {
      return Answer{500, "", "text/plain", {{"X-Slack-No-Retry", "1"}}};
    }
    return Answer{};
  });
  emulator_.SetRequestUrl(app.base_url());
  ASSERT_TRUE(emulator_.PostMessageAs(ws_.mara, ws_.general, "no retry"));
  ASSERT_TRUE(app.WaitForRequests(1));
  // A later delivery proves the first was given up rather than queued.
  ASSERT_TRUE(emulator_.PostMessageAs(ws_.mara, ws_.general, "next"));
  ASSERT_TRUE(app.WaitForRequests(2));
  auto requests = app.Requests();
  EXPECT_NE(requests[1].body.find("next"), std::string::npos);
  EXPECT_EQ(requests[1].headers.count("x-slack-retry-num"), 0u);
}

TEST(HttpDeliveryTimeout, RetriesAnEventThatGetsNoAnswerInTime) {
  Emulator emulator(FastRetries(milliseconds(300)));
  auto ws = Populate(emulator);
  int calls = 0;
  RecordingServer app([&](const Received&) {
    Answer a;
    a.hang = ++calls == 1;
    return a;
  });
  emulator.SetRequestUrl(app.base_url());
  ASSERT_TRUE(emulator.PostMessageAs(ws.mara, ws.general, "slow"));
  ASSERT_TRUE(app.WaitForRequests(2));
  EXPECT_EQ(app.Requests()[1].headers.at("x-slack-retry-reason"), "http_timeout");
}

TEST_F(HttpDelivery, FailsACommandWhoseRequestUrlAnswersWithAnError) {
  RecordingServer app([](const Received&) { return Answer{503}; });
  emulator_.SetRequestUrl(app.base_url());
  auto ack = emulator_.SlashCommand(ws_.mara, ws_.incidents, "/incident", "help");
  ASSERT_FALSE(ack);
  EXPECT_EQ(ack.error().detail, "http_error");
  EXPECT_EQ(app.Requests().size(), 1u);  // commands aren't retried
}

TEST_F(HttpDelivery, SignsWithTheAdjustableClockOffset) {
  RecordingServer app([](const Received&) { return Answer{}; });
  emulator_.SetRequestUrl(app.base_url());
  ASSERT_TRUE(emulator_.PostMessageAs(ws_.mara, ws_.general, "now"));
  ASSERT_TRUE(app.WaitForRequests(1));  // signed when sent, so let it go first
  emulator_.SetSigningTimeOffset(std::chrono::seconds(-301));
  ASSERT_TRUE(emulator_.PostMessageAs(ws_.mara, ws_.general, "stale"));
  ASSERT_TRUE(app.WaitForRequests(2));
  // Deliveries travel on separate connections, so find each by its text.
  Received now;
  Received stale;
  for (const auto& r : app.Requests()) {
    (r.body.find("stale") != std::string::npos ? stale : now) = r;
  }
  const long now_ts = std::stol(now.headers.at("x-slack-request-timestamp"));
  const long stale_ts = std::stol(stale.headers.at("x-slack-request-timestamp"));
  EXPECT_GE(now_ts - stale_ts, 300);
  EXPECT_LE(now_ts - stale_ts, 302);
  EXPECT_TRUE(SignedBy(stale, secret()));
}

TEST_F(HttpDelivery, VerifiesTheRequestUrlWithAChallenge) {
  RecordingServer echo([](const Received& r) {
    auto body = json::parse(r.body).as_object();
    if (!body.contains("challenge")) {
      return Answer{};
    }
    return Answer{200, json::serialize(json::object{{"challenge", body.at("challenge")}}),
                  "application/json"};
  });
  Status ok = emulator_.ConfigureRequestUrl(echo.base_url());
  ASSERT_TRUE(ok) << ok.error().detail;
  const Received r = echo.Requests().at(0);
  EXPECT_EQ(r.target, "/slack/events");
  EXPECT_EQ(json::parse(r.body).at("type"), "url_verification");
  EXPECT_TRUE(SignedBy(r, secret()));

  RecordingServer wrong([](const Received&) { return Answer{200, "nope"}; });
  EXPECT_FALSE(emulator_.ConfigureRequestUrl(wrong.base_url()));
  // A failed verification leaves the working URL in place.
  ASSERT_TRUE(emulator_.PostMessageAs(ws_.mara, ws_.general, "still here"));
  EXPECT_TRUE(echo.WaitForRequests(2));
}

TEST_F(HttpDelivery, DeliversToAnHttpsRequestUrl) {
  const auto cert = detail::MakeCertificate();
  RecordingServer app(
      [](const Received&) {
        return Answer{200, "secure"};
      },
      cert.chain_pem, cert.key_pem);
  swarmbot::testing::TempDir dir;
  swarmbot::testing::WriteFile(dir / "app-ca.pem", cert.ca_pem);
  emulator_.SetRequestUrl(app.base_url(), (dir / "app-ca.pem").string());
  auto ack = emulator_.SlashCommand(ws_.mara, ws_.incidents, "/incident", "help");
  ASSERT_TRUE(ack) << ack.error().detail;
  EXPECT_EQ(*ack, "secure");
}

TEST_F(HttpDelivery, RefusesToDeliverOffThisMachine) {
  emulator_.SetRequestUrl("http://192.0.2.1:9");
  auto ack = emulator_.SlashCommand(ws_.mara, ws_.incidents, "/incident", "help");
  ASSERT_FALSE(ack);
  EXPECT_EQ(ack.error().detail, "connection_failed");
}

}  // namespace
}  // namespace swarmbot::emulator::testing
