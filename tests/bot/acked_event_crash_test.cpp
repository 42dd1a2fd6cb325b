// Check 22, 1: in request-URL mode an event was answered 200 and only then
// written anywhere durable, so a crash between the answer and the handling
// lost it (Slack does not send an answered event again) and the restart
// replayed nothing. Now the event is in the spool before the 200 goes out.
//
// A crash is the state on disk at one instant: the dispatch below runs once
// the 200 is on the wire, and copies the spool file there, which is exactly
// what a SIGKILL at that instant leaves behind. A second EventRetry, as the
// restarted process builds it, replays that copy.
#include <filesystem>
#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "bot/event_retry.hpp"
#include "bot/event_spool.hpp"
#include "bot/http_endpoint.hpp"
#include "emulator/emulator.hpp"
#include "store/database.hpp"
#include "tests/bot/bot_testing.hpp"

namespace swarmbot::bot {
namespace {

using namespace std::chrono_literals;
using emulator::Emulator;

class AckedEventCrashTest : public ::testing::Test {
 protected:
  AckedEventCrashTest() {
    emulator::Options options;
    options.clock = &slack_clock_;
    options.http_retry_delays = {0ms, 50ms, 50ms};
    emulator_ = std::make_unique<Emulator>(std::move(options));
    ann_ = emulator_->AddUser("ann", "ann@takeout.example");
    swarm_ = emulator_->AddChannel("inc-1-feast25", {ann_, emulator_->BotUserId()});
  }

  ~AckedEventCrashTest() override {
    io_.Invoke([this] {
      if (endpoint_) {
        endpoint_->Stop();
      }
      return 0;
    });
    io_.Invoke([this] {
      endpoint_.reset();
      retry_.reset();
      filter_.reset();
      db_.reset();
      return 0;
    });
  }

  std::filesystem::path Database() const { return dir_ / "swarmbot.db"; }
  std::filesystem::path AtCrash() const { return dir_ / "at-crash.event-spool"; }

  // The endpoint, EventRetry and spool wired as swarmbot wires them. The
  // dispatch stands in for the application: it records the event and what
  // the spool held when it started.
  void Start() {
    HttpEndpointOptions options;
    options.signing_secret = emulator_->options().signing_secret;
    io_.Invoke([&] {
      db_ = std::move(store::Database::Open(Database().string()).value());
      filter_ = std::make_unique<DeliveryFilter>(*db_, clock_);
      spool_ = std::make_unique<EventSpool>(EventSpool::Beside(Database()));
      retry_ = std::make_unique<EventRetry>(
          io_.executor(), clock_,
          [this](const InboundRequest& request) {
            std::error_code ec;
            std::filesystem::remove(AtCrash(), ec);
            if (std::filesystem::exists(spool_->path())) {
              std::filesystem::copy_file(spool_->path(), AtCrash());
            }
            return recorder_(request);
          },
          EventRetryOptions{}, filter_.get(), spool_.get());
      retry_->Replay();
      endpoint_ = std::make_unique<HttpEndpoint>(
          io_.executor(), clock_, *filter_,
          [this](const InboundRequest& request) { return retry_->Handle(request); }, options);
      endpoint_->KeepEventsWith(
          [this](const InboundRequest& request) { return retry_->Keep(request); });
      endpoint_->Start();
      return 0;
    });
    emulator_->SetRequestUrl("http://127.0.0.1:" + std::to_string(endpoint_->Port()));
  }

  swarmbot::testing::TempDir dir_;
  FakeClock slack_clock_;
  FakeClock clock_;
  std::unique_ptr<Emulator> emulator_;
  UserId ann_;
  ChannelId swarm_;
  swarmbot::bot::testing::Recorder recorder_;
  swarmbot::bot::testing::IoThread io_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<DeliveryFilter> filter_;
  std::unique_ptr<EventSpool> spool_;
  std::unique_ptr<EventRetry> retry_;
  std::unique_ptr<HttpEndpoint> endpoint_;
};

TEST_F(AckedEventCrashTest, AnAnsweredEventIsInTheSpoolBeforeItIsHandledAndARestartHandlesIt) {
  Start();
  ASSERT_TRUE(emulator_->PostMessageAs(ann_, swarm_, "the fryer API is back"));
  ASSERT_TRUE(recorder_.WaitForCount(1));
  const InboundRequest answered = recorder_.Requests().at(0);
  ASSERT_EQ(answered.kind, InboundKind::kEvent);

  // A crash as the handling began: the answered event is on disk.
  ASSERT_TRUE(std::filesystem::exists(AtCrash()))
      << "nothing was on disk when the handling began, after the 200";
  EventSpool left(AtCrash());
  const auto waiting = left.Load();
  ASSERT_EQ(waiting.size(), 1u);
  EXPECT_EQ(waiting[0].request.delivery_id, answered.delivery_id);
  EXPECT_EQ(boost::json::parse(waiting[0].request.payload_json).at("event").at("text"),
            "the fryer API is back");

  // The restart over what the crash left: a fresh store (the handler's write
  // never committed) and that spool. The event is handed over once.
  swarmbot::bot::testing::Recorder replayed;
  auto restarted = std::move(store::Database::Open(":memory:").value());
  DeliveryFilter filter(*restarted, clock_);
  std::unique_ptr<EventRetry> retry;
  const std::size_t count = io_.Invoke([&] {
    retry = std::make_unique<EventRetry>(
        io_.executor(), clock_, [&](const InboundRequest& r) { return replayed(r); },
        EventRetryOptions{}, &filter, &left);
    retry->Replay();
    return retry->waiting();
  });
  EXPECT_EQ(count, 1u);
  ASSERT_TRUE(replayed.WaitForCount(1));
  EXPECT_EQ(replayed.Requests().at(0).delivery_id, answered.delivery_id);
  io_.Invoke([&] {
    retry.reset();
    return 0;
  });
}

TEST_F(AckedEventCrashTest, AHandledEventIsSettledAndNotReplayedAgain) {
  Start();
  ASSERT_TRUE(emulator_->PostMessageAs(ann_, swarm_, "first"));
  ASSERT_TRUE(emulator_->PostMessageAs(ann_, swarm_, "second"));
  ASSERT_TRUE(recorder_.WaitForCount(2));
  // Handled and marked in the store: the spool holds nothing any more, and a
  // copy a crash left behind is known as handled.
  ASSERT_TRUE(io_.Invoke([&] { return !std::filesystem::exists(spool_->path()); }));
  const auto requests = recorder_.Requests();
  ASSERT_TRUE(std::filesystem::exists(AtCrash()));
  const auto replayed = io_.Invoke([&] {
    EventSpool stale(AtCrash());
    std::size_t handled = 0;
    for (const SpooledEvent& event : stale.Load()) {
      handled += filter_->Handled(event.request.delivery_id) ? 1 : 0;
    }
    return handled;
  });
  EXPECT_EQ(replayed, 1u) << "the copy taken while the second was handled holds it, handled";
  EXPECT_TRUE(io_.Invoke([&] { return filter_->Handled(requests[0].delivery_id); }));
}

}  // namespace
}  // namespace swarmbot::bot
