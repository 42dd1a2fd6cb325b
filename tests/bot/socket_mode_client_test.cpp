// SocketModeClient against the Slack emulator: hello, acks, replies in acks,
// redelivery, reconnects and disconnect reasons, over loopback WSS.
#include "bot/socket_mode_client.hpp"

#include <algorithm>
#include <condition_variable>
#include <future>
#include <mutex>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "emulator/emulator.hpp"
#include "store/database.hpp"
#include "tests/bot/bot_testing.hpp"
#include "tests/bot/http_client.hpp"

namespace swarmbot::bot {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using emulator::Emulator;
using swarmbot::testing::kTestTimeout;

class SocketModeClientTest : public ::testing::Test {
 protected:
  ~SocketModeClientTest() override {
    if (client_) {
      client_->Stop();
      if (running_.valid()) {
        EXPECT_EQ(running_.wait_for(kTestTimeout), std::future_status::ready);
      }
    }
    io_.Invoke([this] {
      client_.reset();
      api_.reset();
      filter_.reset();
      db_.reset();
      return 0;
    });
  }

  void StartEmulator(emulator::Options options = {}) {
    options.clock = &slack_clock_;
    emulator_ = std::make_unique<Emulator>(std::move(options));
    emulator_->WriteCaFile(dir_ / "ca.pem");
    ann_ = emulator_->AddUser("ann", "ann@takeout.example");
    incidents_ = emulator_->AddChannel("incidents", {ann_, emulator_->BotUserId()});
  }

  void StartClient(Secret app_token = {}, SocketModeOptions options = {}) {
    WebApiOptions api_options;
    api_options.base_url = emulator_->BaseUrl();
    api_options.ca_file = (dir_ / "ca.pem").string();
    api_options.bot_token = emulator_->options().bot_token;
    options.app_token = app_token.Empty() ? emulator_->options().app_token : app_token;
    options.ca_file = (dir_ / "ca.pem").string();
    options.backoff_initial = 20ms;
    if (options.backoff_cap == SocketModeOptions{}.backoff_cap) {
      options.backoff_cap = 200ms;  // unless the test chose its own
    }
    options.on_change = [this] {
      std::lock_guard lock(stats_mutex_);
      stats_changed_.notify_all();
    };
    io_.Invoke([&] {
      db_ = std::move(store::Database::Open(":memory:").value());
      filter_ = std::make_unique<DeliveryFilter>(*db_, clock_);
      api_ = std::make_unique<WebApiClient>(io_.executor(), api_options);
      client_ = std::make_unique<SocketModeClient>(
          io_.executor(), *api_, *filter_,
          [this](const InboundRequest& request) { return recorder_(request); }, options);
      running_ = asio::co_spawn(io_.executor(), client_->Run(), asio::use_future);
      return 0;
    });
  }

  // Waits until the client's own view satisfies `predicate`.
  bool WaitForClient(const std::function<bool(const SocketModeClient::Stats&)>& predicate) {
    std::unique_lock lock(stats_mutex_);
    return stats_changed_.wait_for(lock, kTestTimeout,
                                   [&] { return predicate(client_->GetStats()); });
  }

  // After a reconnect: the client has one socket that said hello (its
  // `hellos`-th) and the emulator has closed every other one.
  bool WaitForOnlySocket(int hellos) {
    return WaitForClient([&](const SocketModeClient::Stats& s) {
             return s.open_sockets == 1 && s.hellos >= hellos && s.connected;
           }) &&
           emulator_->WaitFor([&] { return emulator_->OpenSocketCount() == 1; }, kTestTimeout);
  }

  // A Web API call to the emulator from the test thread. The emulator serves
  // it on its own thread, after anything queued there before (a delivery
  // being sent, an ack being read).
  void EmulatorRoundTrip() {
    swarmbot::bot::testing::HttpClient http(emulator_->Port(), emulator_->CaPem());
    const auto reply =
        http.Send("POST", "/api/auth.test", "",
                  {{"Authorization", "Bearer " + emulator_->options().bot_token.Reveal()}});
    ASSERT_EQ(reply.status, 200);
  }

  bool WaitForSockets(int count, int opened_at_least) {
    return emulator_->WaitFor(
        [&] {
          return emulator_->OpenSocketCount() == count &&
                 emulator_->CallCount("apps.connections.open") >= opened_at_least;
        },
        kTestTimeout);
  }

  // A command answered through the socket proves the client is connected and
  // serving.
  void ExpectCommandAnswered(const std::string& text) {
    recorder_.SetReply([](const InboundRequest& request) {
      const auto payload = boost::json::parse(request.payload_json).as_object();
      boost::json::object reply{{"response_type", "ephemeral"},
                                {"text", "got " + std::string(payload.at("text").as_string())}};
      return InboundReply{boost::json::serialize(reply)};
    });
    auto ack = emulator_->SlashCommand(ann_, incidents_, "/incident", text);
    ASSERT_TRUE(ack) << ack.error().detail;
    EXPECT_EQ(boost::json::parse(*ack).at("text").as_string(), "got " + text);
  }

  swarmbot::bot::testing::LogCapture log_;  // first: outlives every thread that logs
  swarmbot::testing::TempDir dir_;
  FakeClock slack_clock_;  // the emulator's: ts, redelivery timing
  FakeClock clock_;        // swarmbot's
  std::unique_ptr<Emulator> emulator_;
  UserId ann_;
  ChannelId incidents_;
  swarmbot::bot::testing::Recorder recorder_;
  swarmbot::bot::testing::IoThread io_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<DeliveryFilter> filter_;
  std::unique_ptr<WebApiClient> api_;
  std::unique_ptr<SocketModeClient> client_;
  std::future<Status> running_;
  std::mutex stats_mutex_;
  std::condition_variable stats_changed_;
};

TEST_F(SocketModeClientTest, ConnectsSaysHelloAndAnswersASlashCommandInTheAck) {
  StartEmulator();
  StartClient();
  ASSERT_TRUE(WaitForOnlySocket(1));
  ExpectCommandAnswered("declare FEAST25 fails at checkout");

  const auto requests = recorder_.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].kind, InboundKind::kSlashCommand);
  EXPECT_FALSE(requests[0].delivery_id.empty());
  const auto payload = boost::json::parse(requests[0].payload_json).as_object();
  EXPECT_EQ(payload.at("command").as_string(), "/incident");
  EXPECT_EQ(payload.at("user_id").as_string(), ann_.str());
  EXPECT_EQ(payload.at("channel_id").as_string(), incidents_.str());

  const auto stats = client_->GetStats();
  EXPECT_EQ(stats.hellos, 1);
  EXPECT_TRUE(stats.connected);
  const auto ephemerals = emulator_->Ephemerals(ann_);
  ASSERT_FALSE(ephemerals.empty());
  EXPECT_EQ(ephemerals.back().text, "got declare FEAST25 fails at checkout");
}

TEST_F(SocketModeClientTest, DeliversEventsWithTheirEventIdAsDeliveryId) {
  StartEmulator();
  StartClient();
  ASSERT_TRUE(WaitForOnlySocket(1));
  ASSERT_TRUE(emulator_->PostMessageAs(ann_, incidents_, "checkout is broken"));
  ASSERT_TRUE(recorder_.WaitForCount(1));
  const auto request = recorder_.Requests()[0];
  EXPECT_EQ(request.kind, InboundKind::kEvent);
  const auto payload = boost::json::parse(request.payload_json).as_object();
  EXPECT_EQ(payload.at("type").as_string(), "event_callback");
  EXPECT_EQ(request.delivery_id, payload.at("event_id").as_string());
  EXPECT_EQ(payload.at("event").at("text").as_string(), "checkout is broken");
}

TEST_F(SocketModeClientTest, AcknowledgesAnEventBeforeItsHandlerRuns) {
  emulator::Options options;
  options.socket_redelivery_after = 3s;
  StartEmulator(options);
  StartClient();
  ASSERT_TRUE(WaitForOnlySocket(1));

  // The handler holds the io thread; had the ack waited for it, the emulator
  // would redeliver once its clock passes the deadline.
  std::promise<void> release;
  auto released = release.get_future().share();
  std::promise<void> entered;
  recorder_.SetReply([&, released](const InboundRequest&) {
    entered.set_value();
    released.wait();
    return InboundReply{};
  });
  ASSERT_TRUE(emulator_->PostMessageAs(ann_, incidents_, "slow to handle"));
  ASSERT_EQ(entered.get_future().wait_for(kTestTimeout), std::future_status::ready);
  EmulatorRoundTrip();  // the ack, written before the handler ran, has been read
  slack_clock_.Advance(10s);
  EXPECT_FALSE(
      emulator_->WaitFor([&] { return emulator_->DeliveryCount("events_api") > 1; }, 500ms));
  release.set_value();
  recorder_.SetReply({});
  EXPECT_EQ(client_->GetStats().duplicates, 0);
}

TEST_F(SocketModeClientTest, AcknowledgesAndDropsARedeliveredEvent) {
  emulator::Options options;
  options.socket_redelivery_after = 3s;
  StartEmulator(options);
  StartClient();
  ASSERT_TRUE(WaitForOnlySocket(1));

  // Hold the io thread so the first envelope sits unread (unacked) while the
  // emulator's clock passes its redelivery deadline.
  std::promise<void> release;
  std::promise<void> holding;
  asio::post(io_.executor(), [&, released = release.get_future()]() mutable {
    holding.set_value();
    released.wait();
  });
  ASSERT_EQ(holding.get_future().wait_for(kTestTimeout), std::future_status::ready);
  ASSERT_TRUE(emulator_->PostMessageAs(ann_, incidents_, "said once"));
  EmulatorRoundTrip();  // the envelope has been sent, stamped with the old time
  slack_clock_.Advance(4s);
  ASSERT_TRUE(emulator_->WaitFor([&] { return emulator_->DeliveryCount("events_api") >= 2; },
                                 kTestTimeout));
  release.set_value();

  // Envelopes on one socket are handled in order: once this later event is
  // dispatched, the redelivery before it has been dealt with.
  ASSERT_TRUE(emulator_->PostMessageAs(ann_, incidents_, "said later"));
  ASSERT_TRUE(recorder_.WaitForCount(2));
  const auto requests = recorder_.Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_NE(requests[0].delivery_id, requests[1].delivery_id);
  EXPECT_NE(requests[0].payload_json.find("said once"), std::string::npos);
  EXPECT_NE(requests[1].payload_json.find("said later"), std::string::npos);
  EXPECT_EQ(client_->GetStats().duplicates, 1);
}

TEST_F(SocketModeClientTest, AcknowledgesAButtonClickThenDispatchesIt) {
  StartEmulator();
  StartClient();
  ASSERT_TRUE(WaitForOnlySocket(1));
  const std::string blocks =
      R"([{"type":"actions","block_id":"declare","elements":[{"type":"button",)"
      R"("action_id":"declare_incident","text":{"type":"plain_text","text":"Declare incident"},)"
      R"("value":"spike-1"}]}])";
  auto posted = io_.Run(api_->Call(
      "chat.postMessage", R"({"channel":")" + incidents_.str() +
                              R"(","text":"Spike of similar cases","blocks":)" + blocks + "}"));
  ASSERT_TRUE(posted) << posted.error().detail;
  const MessageTs ts(std::string(boost::json::parse(posted->body).at("ts").as_string()));

  auto ack = emulator_->ClickButton(ann_, incidents_, ts, "declare_incident");
  ASSERT_TRUE(ack) << ack.error().detail;
  EXPECT_EQ(*ack, "");
  // The bot's own post also comes back as a `message` event; pick the click.
  auto is_click = [](const InboundRequest& r) { return r.kind == InboundKind::kInteractive; };
  ASSERT_TRUE(recorder_.WaitFor([&](const std::vector<InboundRequest>& requests) {
    return std::any_of(requests.begin(), requests.end(), is_click);
  }));
  const auto requests = recorder_.Requests();
  const auto request = *std::find_if(requests.begin(), requests.end(), is_click);
  const auto payload = boost::json::parse(request.payload_json).as_object();
  EXPECT_EQ(payload.at("type").as_string(), "block_actions");
  EXPECT_EQ(payload.at("actions").as_array()[0].at("value").as_string(), "spike-1");
}

TEST_F(SocketModeClientTest, ReturnsAViewSubmissionsResponseActionInTheAck) {
  StartEmulator();
  StartClient();
  ASSERT_TRUE(WaitForOnlySocket(1));
  ExpectCommandAnswered("declare");
  const auto command = boost::json::parse(recorder_.Requests()[0].payload_json).as_object();
  const std::string trigger(command.at("trigger_id").as_string());
  const std::string view = R"({"type":"modal","callback_id":"declare_incident",)"
                           R"("title":{"type":"plain_text","text":"Declare"},)"
                           R"("submit":{"type":"plain_text","text":"Declare"},)"
                           R"("blocks":[{"type":"input","block_id":"title_blk",)"
                           R"("label":{"type":"plain_text","text":"Title"},)"
                           R"("element":{"type":"plain_text_input","action_id":"title_in"}}]})";
  auto opened = io_.Run(
      api_->Call("views.open", R"({"trigger_id":")" + trigger + R"(","view":)" + view + "}"));
  ASSERT_TRUE(opened) << opened.error().detail;
  const std::string view_id(boost::json::parse(opened->body).at("view").at("id").as_string());

  const std::string errors = R"({"response_action":"errors","errors":{"title_blk":"Required"}})";
  recorder_.SetReply([&](const InboundRequest&) { return InboundReply{errors}; });
  auto ack = emulator_->SubmitView(
      ann_, view_id, R"({"title_blk":{"title_in":{"type":"plain_text_input","value":null}}})");
  ASSERT_TRUE(ack) << ack.error().detail;
  EXPECT_EQ(boost::json::parse(*ack), boost::json::parse(errors));
  const auto last = recorder_.Requests().back();
  EXPECT_EQ(last.kind, InboundKind::kInteractive);
  EXPECT_NE(last.payload_json.find("view_submission"), std::string::npos);
}

TEST_F(SocketModeClientTest, ReconnectsAfterTheSocketDrops) {
  StartEmulator();
  StartClient();
  ASSERT_TRUE(WaitForOnlySocket(1));
  emulator_->DropSockets();
  ASSERT_TRUE(WaitForOnlySocket(2));
  ExpectCommandAnswered("status");
  EXPECT_EQ(client_->GetStats().connections, 2);
}

TEST_F(SocketModeClientTest, ReconnectsWhenSlackRequestsARefresh) {
  StartEmulator();
  StartClient();
  ASSERT_TRUE(WaitForOnlySocket(1));
  emulator_->SendDisconnect("refresh_requested");
  ASSERT_TRUE(WaitForOnlySocket(2));
  ExpectCommandAnswered("status");
  EXPECT_EQ(client_->GetStats().disconnects, 1);
}

TEST_F(SocketModeClientTest, OpensTheNextSocketBeforeTheWarnedOneCloses) {
  emulator::Options options;
  options.disconnect_close_after = 60s;  // Slack's ~10 s, stretched past kTestTimeout
  StartEmulator(options);
  SocketModeOptions client_options;
  client_options.drain_timeout = 300ms;
  StartClient({}, client_options);
  ASSERT_TRUE(WaitForOnlySocket(1));
  emulator_->SendDisconnect("warning");
  // Two sockets at once is only possible if the new one opened while the old
  // one was still up; then the old one is let go after draining.
  ASSERT_TRUE(WaitForSockets(2, 2));
  ASSERT_TRUE(WaitForOnlySocket(2));
  ExpectCommandAnswered("status");
}

TEST_F(SocketModeClientTest, BacksOffInsteadOfStormingWhenThereAreTooManySockets) {
  emulator::Options options;
  options.max_sockets = 1;
  StartEmulator(options);
  StartClient();
  ASSERT_TRUE(WaitForOnlySocket(1));

  // A second app instance finds the socket budget spent.
  std::mutex mutex;
  std::condition_variable changed;
  SocketModeOptions second_options;
  second_options.app_token = emulator_->options().app_token;
  second_options.ca_file = (dir_ / "ca.pem").string();
  second_options.backoff_initial = 20ms;
  second_options.backoff_cap = 60s;
  second_options.on_change = [&] {
    std::lock_guard lock(mutex);
    changed.notify_all();
  };
  auto second = io_.Invoke([&] {
    return std::make_unique<SocketModeClient>(
        io_.executor(), *api_, *filter_, [this](const InboundRequest& r) { return recorder_(r); },
        second_options);
  });
  auto second_running = asio::co_spawn(io_.executor(), second->Run(), asio::use_future);
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(changed.wait_for(lock, kTestTimeout, [&] {
      const auto stats = second->GetStats();
      return stats.disconnects == 1 && stats.open_sockets == 0;
    }));
  }
  // With the 20 ms base delay it would be back many times within this window;
  // jumping to the cap keeps it away.
  EXPECT_FALSE(
      emulator_->WaitFor([&] { return emulator_->CallCount("apps.connections.open") > 2; }, 500ms));
  EXPECT_EQ(second->GetStats().connections, 1);

  second->Stop();
  ASSERT_EQ(second_running.wait_for(kTestTimeout), std::future_status::ready);
  EXPECT_TRUE(second_running.get());
  io_.Invoke([&] {
    second.reset();
    return 0;
  });
  ExpectCommandAnswered("status");
}

TEST_F(SocketModeClientTest, AnswersLaterThroughTheResponseUrl) {
  StartEmulator();
  StartClient();
  ASSERT_TRUE(WaitForOnlySocket(1));
  ExpectCommandAnswered("status");
  const auto command = boost::json::parse(recorder_.Requests()[0].payload_json).as_object();
  const std::string response_url(command.at("response_url").as_string());
  auto status = io_.Run(api_->Respond(
      response_url, R"({"response_type":"ephemeral","text":"INC-1 is being worked on"})"));
  ASSERT_TRUE(status) << status.error().detail;
  const auto ephemerals = emulator_->Ephemerals(ann_);
  ASSERT_FALSE(ephemerals.empty());
  EXPECT_EQ(ephemerals.back().text, "INC-1 is being worked on");
  EXPECT_EQ(ephemerals.back().source, "response_url");
}

TEST_F(SocketModeClientTest, EndsWithAnErrorWhenSocketModeIsTurnedOff) {
  StartEmulator();
  StartClient();
  ASSERT_TRUE(WaitForOnlySocket(1));
  emulator_->SendDisconnect("link_disabled");
  ASSERT_EQ(running_.wait_for(kTestTimeout), std::future_status::ready);
  const Status status = running_.get();
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, Errc::kSlackError);
  EXPECT_EQ(status.error().slack_error, "link_disabled");
  EXPECT_NE(status.error().detail.find("turned off"), std::string::npos);
  ASSERT_TRUE(WaitForSockets(0, 1));
  EXPECT_EQ(emulator_->CallCount("apps.connections.open"), 1);
}

TEST_F(SocketModeClientTest, KeepsTheRefreshedSocketUntilSlackAllowsANewOne) {
  emulator::Options options;
  options.max_sockets = 1;
  options.disconnect_close_after = 60s;  // past kTestTimeout: the test drops it itself
  StartEmulator(options);
  SocketModeOptions client_options;
  client_options.drain_timeout = 100ms;
  client_options.backoff_cap = 60s;
  StartClient({}, client_options);
  ASSERT_TRUE(WaitForOnlySocket(1));

  // The refreshed socket still counts against the budget, so the next one is
  // refused with too_many_websockets; the old one must not be let go.
  emulator_->SendDisconnect("refresh_requested");
  ASSERT_TRUE(WaitForClient([](const SocketModeClient::Stats& s) {
    return s.disconnects == 2 && s.connections == 2 && s.open_sockets == 1;
  }));
  EXPECT_NE(log_.WaitForLine("event=socket_mode.session_end socket=1 reason=refresh_requested"),
            "");
  EXPECT_FALSE(emulator_->WaitFor([&] { return emulator_->OpenSocketCount() == 0; }, 1s));
  ExpectCommandAnswered("status");

  // Once Slack closes it, a new socket opens at once, not at the 60 s cap.
  emulator_->DropSockets();
  ASSERT_TRUE(WaitForOnlySocket(2));
  ExpectCommandAnswered("status again");
}

TEST_F(SocketModeClientTest, SendsACommandsReplyToItsResponseUrlWhenTheSocketDiesBeforeTheAck) {
  StartEmulator();
  StartClient();
  ASSERT_TRUE(WaitForOnlySocket(1));
  // The handler acts, then Slack drops the socket before the ack goes out.
  recorder_.SetReply([this](const InboundRequest&) {
    emulator_->DropSockets();
    EXPECT_TRUE(
        emulator_->WaitFor([&] { return emulator_->OpenSocketCount() == 0; }, kTestTimeout));
    return InboundReply{R"({"response_type":"ephemeral","text":"Noted on INC-1"})"};
  });
  auto ack = emulator_->SlashCommand(ann_, incidents_, "/swarm", "note checked the logs");
  EXPECT_FALSE(ack);
  auto noted = [&] {
    const auto ephemerals = emulator_->Ephemerals(ann_);
    return std::count_if(ephemerals.begin(), ephemerals.end(), [](const auto& e) {
      return e.text == "Noted on INC-1" && e.source == "response_url";
    });
  };
  ASSERT_TRUE(emulator_->WaitFor([&] { return noted() == 1; }, kTestTimeout));
  ASSERT_TRUE(WaitForOnlySocket(2));
  EXPECT_EQ(emulator_->CallCount("response_url"), 1);
  EXPECT_EQ(noted(), 1);
  EXPECT_EQ(recorder_.Count(), 1u);
}

TEST_F(SocketModeClientTest, GivesUpWhenTheAppTokenIsRefused) {
  StartEmulator();
  StartClient(Secret("xapp-1-A0-wrong-token"));
  ASSERT_EQ(running_.wait_for(kTestTimeout), std::future_status::ready);
  auto status = running_.get();
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, Errc::kUnauthenticated);
}

TEST_F(SocketModeClientTest, StopClosesTheSocket) {
  StartEmulator();
  StartClient();
  ASSERT_TRUE(WaitForOnlySocket(1));
  client_->Stop();
  ASSERT_EQ(running_.wait_for(kTestTimeout), std::future_status::ready);
  EXPECT_TRUE(running_.get());
  ASSERT_TRUE(WaitForSockets(0, 1));
}

}  // namespace
}  // namespace swarmbot::bot
