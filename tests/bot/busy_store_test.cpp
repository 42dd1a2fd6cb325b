// #4: while another process held the store's write lock, every event Slack
// delivered held the io thread for the busy timeout twice (the delivery
// filter's write, then the handler's), so a burst of them pushed commands past
// Slack's 3 s. Request-URL mode end to end, over a real SQLite file.
#include "tests/support/busy_store.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "bot/delivery_filter.hpp"
#include "bot/event_retry.hpp"
#include "bot/http_endpoint.hpp"
#include "emulator/emulator.hpp"
#include "store/database.hpp"
#include "store/seen_deliveries.hpp"
#include "tests/bot/bot_testing.hpp"

namespace swarmbot::bot {
namespace {

using namespace std::chrono_literals;
using emulator::Emulator;

constexpr int kBurst = 20;

// What the test reads on the io thread, between two of its tasks.
struct Snapshot {
  int busy_waits = 0;
  int handler_attempts = 0;
  std::size_t waiting = 0;
};

class BusyStoreTest : public ::testing::Test {
 protected:
  BusyStoreTest() {
    emulator::Options options;
    options.clock = &slack_clock_;
    emulator_ = std::make_unique<Emulator>(std::move(options));
    ann_ = emulator_->AddUser("ann", "ann@takeout.example");
    incidents_ = emulator_->AddChannel("incidents", {ann_, emulator_->BotUserId()});
    io_.Invoke([this] {
      db_ = std::move(store::Database::Open(path_).value());
      db_->Sql().exec("CREATE TABLE handled (seq INTEGER PRIMARY KEY, delivery_id TEXT)");
      busy_ = std::make_unique<swarmbot::testing::BusyWaitCounter>(db_->Sql(), 100ms);
      filter_ = std::make_unique<DeliveryFilter>(*db_, clock_);
      retry_ = std::make_unique<EventRetry>(
          io_.executor(), clock_, [this](const InboundRequest& request) { return Handle(request); },
          EventRetryOptions{.retry_initial = 200ms, .retry_cap = 400ms}, filter_.get());
      HttpEndpointOptions endpoint_options;
      endpoint_options.signing_secret = emulator_->options().signing_secret;
      endpoint_ = std::make_unique<HttpEndpoint>(
          io_.executor(), clock_, *filter_,
          [this](const InboundRequest& request) {
            InboundReply reply = retry_->Handle(request);
            arrived_(request);
            return reply;
          },
          endpoint_options);
      endpoint_->Start();
      return 0;
    });
    emulator_->SetRequestUrl("http://127.0.0.1:" + std::to_string(endpoint_->Port()));
  }

  ~BusyStoreTest() override {
    io_.Invoke([this] {
      endpoint_->Stop();
      retry_->Stop();
      return 0;
    });
    io_.Invoke([this] {
      endpoint_.reset();
      retry_.reset();
      filter_.reset();
      busy_.reset();
      db_.reset();
      return 0;
    });
  }

  // The application: keeps each event's id, as a handler records an event in
  // one write; a busy store fails it for later, as handlers::Router does.
  InboundReply Handle(const InboundRequest& request) {
    ++handler_attempts_;
    try {
      SQLite::Statement insert(db_->Sql(), "INSERT INTO handled (delivery_id) VALUES (?)");
      insert.bind(1, request.delivery_id);
      insert.exec();
    } catch (const SQLite::Exception&) {
      if (request.kind != InboundKind::kEvent) {
        return {R"({"text":"database is busy; nothing was changed"})"};
      }
      return {{}, true};
    }
    handled_(request);
    return {R"({"text":"done"})"};
  }

  Snapshot Read() {
    return io_.Invoke([this] {
      return Snapshot{busy_->waits(), handler_attempts_, retry_->waiting()};
    });
  }

  std::vector<std::string> HandledInOrder() {
    return io_.Invoke([this] {
      std::vector<std::string> ids;
      SQLite::Statement query(db_->Sql(), "SELECT delivery_id FROM handled ORDER BY seq");
      while (query.executeStep()) {
        ids.push_back(query.getColumn(0).getString());
      }
      return ids;
    });
  }

  swarmbot::testing::TempDir dir_;
  const std::string path_ = (dir_ / "swarmbot.db").string();
  FakeClock slack_clock_;
  FakeClock clock_;
  std::unique_ptr<Emulator> emulator_;
  UserId ann_;
  ChannelId incidents_;
  testing::Recorder arrived_;  // every delivery, as the endpoint passed it on
  testing::Recorder handled_;  // every delivery the application kept
  testing::IoThread io_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<swarmbot::testing::BusyWaitCounter> busy_;
  std::unique_ptr<DeliveryFilter> filter_;
  std::unique_ptr<EventRetry> retry_;
  std::unique_ptr<HttpEndpoint> endpoint_;
  int handler_attempts_ = 0;  // io thread only
};

TEST_F(BusyStoreTest, ABurstWhileTheStoreIsBusyWaitsOncePerRetryAndIsKeptOnceInOrder) {
  swarmbot::testing::WriteLockHolder holder(path_);
  for (int i = 0; i < kBurst; ++i) {
    ASSERT_TRUE(emulator_->PostMessageAs(ann_, incidents_, "message " + std::to_string(i)));
  }
  ASSERT_TRUE(arrived_.WaitForCount(kBurst));
  const Snapshot burst = Read();
  EXPECT_EQ(burst.waiting, static_cast<std::size_t>(kBurst));
  // The first delivery's filter write found the store busy; since then only
  // the retry timer has tried it, once per step.
  EXPECT_EQ(burst.busy_waits, 1 + burst.handler_attempts);
  EXPECT_LT(burst.handler_attempts, kBurst);

  // Slack's redelivery of a waiting event is dropped, without a wait.
  const std::string first = arrived_.Requests().front().delivery_id;
  EXPECT_FALSE(io_.Invoke([&] { return filter_->FirstDelivery(first); }));

  // A command is answered at once, not queued: its user learns of the busy store.
  const Snapshot before_command = Read();
  auto answer = emulator_->SlashCommand(ann_, incidents_, "/incident", "status");
  ASSERT_TRUE(answer) << answer.error().detail;
  EXPECT_NE(answer->find("nothing was changed"), std::string::npos) << *answer;
  const Snapshot after_command = Read();
  EXPECT_EQ(after_command.busy_waits - before_command.busy_waits,
            after_command.handler_attempts - before_command.handler_attempts);

  holder.Release();
  ASSERT_TRUE(handled_.WaitForCount(kBurst));
  std::vector<std::string> arrival_order;
  for (const InboundRequest& request : arrived_.Requests()) {
    if (request.kind == InboundKind::kEvent) {
      arrival_order.push_back(request.delivery_id);
    }
  }
  EXPECT_EQ(HandledInOrder(), arrival_order) << "each kept once, in the order Slack sent them";
  EXPECT_EQ(Read().waiting, 0u);
  EXPECT_TRUE(io_.Invoke([&] {
    store::SeenDeliveries seen(*db_);
    return !filter_->store_busy() && filter_->held() == 0 &&
           std::all_of(arrival_order.begin(), arrival_order.end(),
                       [&](const std::string& id) { return seen.Contains(id); });
  })) << "the ids held while the store was busy are recorded";
}

}  // namespace
}  // namespace swarmbot::bot
