// Request-URL mode end to end: the emulator delivers signed HTTP requests to
// HttpEndpoint, as Slack would.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "bot/http_endpoint.hpp"
#include "emulator/detail/certificate.hpp"
#include "emulator/emulator.hpp"
#include "store/database.hpp"
#include "tests/bot/bot_testing.hpp"

namespace swarmbot::bot {
namespace {

using namespace std::chrono_literals;
using emulator::Emulator;
using swarmbot::testing::kTestTimeout;

class HttpDeliveryTest : public ::testing::Test {
 protected:
  HttpDeliveryTest() {
    emulator::Options options;
    options.clock = &slack_clock_;
    options.http_retry_delays = {0ms, 50ms, 50ms};
    emulator_ = std::make_unique<Emulator>(std::move(options));
    ann_ = emulator_->AddUser("ann", "ann@takeout.example");
    incidents_ = emulator_->AddChannel("incidents", {ann_, emulator_->BotUserId()});
  }

  ~HttpDeliveryTest() override {
    io_.Invoke([this] {
      if (endpoint_) {
        endpoint_->Stop();
      }
      return 0;
    });
    io_.Invoke([this] {
      endpoint_.reset();
      filter_.reset();
      db_.reset();
      return 0;
    });
  }

  std::string StartEndpoint(HttpEndpointOptions options = {}) {
    options.signing_secret = emulator_->options().signing_secret;
    io_.Invoke([&] {
      db_ = std::move(store::Database::Open(":memory:").value());
      filter_ = std::make_unique<DeliveryFilter>(*db_, clock_);
      endpoint_ = std::make_unique<HttpEndpoint>(
          io_.executor(), clock_, *filter_,
          [this](const InboundRequest& request) { return recorder_(request); }, options);
      endpoint_->Start();
      return 0;
    });
    const std::string scheme = options.tls_cert_pem.empty() ? "http" : "https";
    return scheme + "://127.0.0.1:" + std::to_string(endpoint_->Port());
  }

  swarmbot::testing::TempDir dir_;
  FakeClock slack_clock_;
  FakeClock clock_;
  std::unique_ptr<Emulator> emulator_;
  UserId ann_;
  ChannelId incidents_;
  swarmbot::bot::testing::Recorder recorder_;
  swarmbot::bot::testing::IoThread io_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<DeliveryFilter> filter_;
  std::unique_ptr<HttpEndpoint> endpoint_;
};

TEST_F(HttpDeliveryTest, PassesSlacksUrlVerification) {
  const auto base = StartEndpoint();
  const auto status = emulator_->ConfigureRequestUrl(base);
  EXPECT_TRUE(status) << status.error().detail;
  EXPECT_EQ(recorder_.Count(), 0u);
}

TEST_F(HttpDeliveryTest, AnswersASignedSlashCommandInTheResponseBody) {
  emulator_->SetRequestUrl(StartEndpoint());
  recorder_.SetReply([](const InboundRequest&) {
    return InboundReply{R"({"response_type":"ephemeral","text":"INC-1 declared"})"};
  });
  auto ack = emulator_->SlashCommand(ann_, incidents_, "/incident", "declare FEAST25 fails");
  ASSERT_TRUE(ack) << ack.error().detail;
  EXPECT_EQ(boost::json::parse(*ack).at("text").as_string(), "INC-1 declared");
  const auto requests = recorder_.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].kind, InboundKind::kSlashCommand);
  const auto payload = boost::json::parse(requests[0].payload_json).as_object();
  EXPECT_EQ(payload.at("text").as_string(), "declare FEAST25 fails");
  EXPECT_EQ(payload.at("user_id").as_string(), ann_.str());
}

TEST_F(HttpDeliveryTest, RefusesRequestsSignedOutsideTheReplayWindow) {
  emulator_->SetRequestUrl(StartEndpoint());
  emulator_->SetSigningTimeOffset(-301s);
  auto stale = emulator_->SlashCommand(ann_, incidents_, "/incident", "declare stale");
  EXPECT_FALSE(stale);
  emulator_->SetSigningTimeOffset(301s);
  auto future = emulator_->SlashCommand(ann_, incidents_, "/incident", "declare future");
  EXPECT_FALSE(future);
  EXPECT_EQ(io_.Invoke([this] { return recorder_.Count(); }), 0u);

  emulator_->SetSigningTimeOffset(-250s);
  EXPECT_TRUE(emulator_->SlashCommand(ann_, incidents_, "/incident", "declare late but fine"));
  EXPECT_EQ(recorder_.Count(), 1u);
}

TEST_F(HttpDeliveryTest, DeliversEventsOnceEach) {
  emulator_->SetRequestUrl(StartEndpoint());
  ASSERT_TRUE(emulator_->PostMessageAs(ann_, incidents_, "first"));
  ASSERT_TRUE(emulator_->PostMessageAs(ann_, incidents_, "second"));
  ASSERT_TRUE(recorder_.WaitForCount(2));
  const auto requests = recorder_.Requests();
  EXPECT_EQ(requests[0].kind, InboundKind::kEvent);
  EXPECT_NE(requests[0].delivery_id, requests[1].delivery_id);
  EXPECT_EQ(requests[0].delivery_id.substr(0, 2), "Ev");
}

TEST_F(HttpDeliveryTest, ServesSlackOverHttps) {
  const auto cert = emulator::detail::MakeCertificate();
  swarmbot::testing::WriteFile(dir_ / "bot-ca.pem", cert.ca_pem);
  HttpEndpointOptions options;
  options.tls_cert_pem = cert.chain_pem;
  options.tls_key_pem = cert.key_pem;
  const auto base = StartEndpoint(options);
  ASSERT_TRUE(emulator_->ConfigureRequestUrl(base, (dir_ / "bot-ca.pem").string()));
  recorder_.SetReply([](const InboundRequest&) { return InboundReply{R"({"text":"ok"})"}; });
  auto ack = emulator_->SlashCommand(ann_, incidents_, "/incident", "status");
  ASSERT_TRUE(ack) << ack.error().detail;
  EXPECT_EQ(boost::json::parse(*ack).at("text").as_string(), "ok");
}

}  // namespace
}  // namespace swarmbot::bot
