// OutboxWorker running several streams at once, against the Slack emulator
// over loopback TLS through the real WebApiClient, on a SQLite file.
#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "bot/outbox_worker.hpp"
#include "bot/web_api_client.hpp"
#include "emulator/emulator.hpp"
#include "store/database.hpp"
#include "store/outbox.hpp"
#include "tests/bot/bot_testing.hpp"

namespace swarmbot::bot {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using emulator::Fault;
using swarmbot::testing::kTestTimeout;

// Effects as simple as the real ones are at the wire: "post" posts args
// "text" in the channel, "topic" sets it as the channel's topic. Records
// which items started and how each ended.
class SlackEffects {
 public:
  SlackEffects(WebApiClient& api, ChannelId channel) : api_(api), channel_(std::move(channel)) {}

  asio::awaitable<Status> Run(store::OutboxItem item) {
    Note([&] { started_.push_back(item.id); });
    const std::string text = FormValue(item.args, "text").value_or("");
    const bool post = item.kind == "post";
    boost::json::object args{{"channel", channel_.str()}, {post ? "text" : "topic", text}};
    auto reply = co_await api_.Call(post ? "chat.postMessage" : "conversations.setTopic",
                                    boost::json::serialize(args));
    Status status = reply ? Status{} : Status(reply.error());
    Note([&] { ended_[item.id].push_back(status); });
    co_return status;
  }

  // Waits until `item` ended `times` times in all.
  bool WaitForEnd(std::int64_t item, std::size_t times = 1) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kTestTimeout, [&] { return ended_[item].size() >= times; });
  }

  std::vector<std::int64_t> Started() {
    std::lock_guard lock(mutex_);
    return started_;
  }

  std::vector<Status> Ends(std::int64_t item) {
    std::lock_guard lock(mutex_);
    return ended_[item];
  }

 private:
  template <class Fn>
  void Note(Fn fn) {
    std::lock_guard lock(mutex_);
    fn();
    changed_.notify_all();
  }

  WebApiClient& api_;
  ChannelId channel_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::int64_t> started_;
  std::map<std::int64_t, std::vector<Status>> ended_;
};

class OutboxConcurrencyTest : public ::testing::Test {
 protected:
  OutboxConcurrencyTest() {
    emulator_.WriteCaFile(dir_ / "ca.pem");
    channel_ = emulator_.AddChannel("incidents", {emulator_.BotUserId()});
    WebApiOptions api;
    api.base_url = emulator_.BaseUrl();
    api.ca_file = (dir_ / "ca.pem").string();
    api.bot_token = emulator_.options().bot_token;
    api.request_timeout = 10s;
    api.clock = &clock_;
    api_ = std::make_unique<WebApiClient>(io_.executor(), api);
    effects_ = std::make_unique<SlackEffects>(*api_, channel_);
    const auto path = (dir_ / "swarmbot.db").string();
    db_ = io_.Invoke([path] { return std::move(store::Database::Open(path).value()); });
    outbox_ = std::make_unique<store::Outbox>(*db_);
  }

  ~OutboxConcurrencyTest() override {
    emulator_.ReleaseHeld(false);
    if (running_.valid()) {
      worker_->Stop();
      EXPECT_EQ(running_.wait_for(kTestTimeout), std::future_status::ready);
    }
    io_.Invoke([this] {
      worker_.reset();
      outbox_.reset();
      db_.reset();
      return 0;
    });
  }

  void StartWorker(OutboxWorkerOptions options = {}) {
    options.idle_poll = 1min;
    worker_ = std::make_unique<OutboxWorker>(
        io_.executor(), *outbox_, clock_,
        [this](store::OutboxItem item) { return effects_->Run(std::move(item)); },
        std::move(options));
    running_ = asio::co_spawn(io_.executor(), worker_->Run(),
                              asio::bind_cancellation_slot(cancel_.slot(), asio::use_future));
  }

  std::int64_t Enqueue(const std::string& stream, const std::string& kind, const std::string& text,
                       FormFields extra = {}) {
    FormFields args{{"text", text}};
    args.insert(args.end(), extra.begin(), extra.end());
    return io_.Invoke([&] { return outbox_->Enqueue(stream, kind, args, clock_.Now()); });
  }

  // The texts the app posted in the channel, oldest first.
  std::vector<std::string> Messages() {
    std::vector<std::string> texts;
    const auto channel = emulator_.Channel(channel_);
    for (const auto& message : channel->messages) {
      if (message.subtype.empty()) {
        texts.push_back(message.text);
      }
    }
    return texts;
  }

  swarmbot::testing::TempDir dir_;
  emulator::Emulator emulator_;
  swarmbot::bot::testing::IoThread io_;
  FakeClock clock_;
  ChannelId channel_;
  std::unique_ptr<WebApiClient> api_;
  std::unique_ptr<SlackEffects> effects_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<store::Outbox> outbox_;
  std::unique_ptr<OutboxWorker> worker_;
  asio::cancellation_signal cancel_;
  std::future<void> running_;
};

TEST_F(OutboxConcurrencyTest, ASlowCallInOneStreamDoesNotHoldBackAnotherStream) {
  emulator_.FailNext("chat.postMessage", 1, Fault::Hold());
  const auto slow = Enqueue("INC-1", "post", "INC-1 declared");
  const auto quick = Enqueue("INC-2", "topic", "INC-2 · P2");
  StartWorker();
  ASSERT_TRUE(emulator_.WaitForHeld("chat.postMessage", kTestTimeout));

  ASSERT_TRUE(effects_->WaitForEnd(quick)) << "INC-2 waited for INC-1's slow call";
  EXPECT_TRUE(effects_->Ends(quick)[0]);
  EXPECT_EQ(emulator_.Channel(channel_)->topic, "INC-2 · P2");
  EXPECT_TRUE(Messages().empty());

  emulator_.ReleaseHeld(false);
  ASSERT_TRUE(effects_->WaitForEnd(slow));
  EXPECT_TRUE(effects_->Ends(slow)[0]);
  EXPECT_EQ(Messages(), std::vector<std::string>{"INC-1 declared"});
}

TEST_F(OutboxConcurrencyTest, KeepsEachStreamInOrderAndClaimsAnItemInFlightOnlyOnce) {
  emulator_.FailNext("chat.postMessage", 1, Fault::Hold());
  const auto first = Enqueue("INC-1", "post", "INC-1 declared");
  const auto second = Enqueue("INC-1", "post", "INC-1 swarm started");
  const auto other = Enqueue("INC-2", "topic", "INC-2 · P2");
  StartWorker({.concurrency = 4});
  ASSERT_TRUE(emulator_.WaitForHeld("chat.postMessage", kTestTimeout));
  ASSERT_TRUE(effects_->WaitForEnd(other)) << "INC-2 waited for INC-1's slow call";
  // Free slots and fresh looks at the outbox must not start the held item
  // again, nor the next item of its stream.
  for (int i = 0; i < 3; ++i) {
    worker_->Wake();
    io_.Invoke([] { return 0; });
  }
  EXPECT_EQ(effects_->Started(), (std::vector<std::int64_t>{first, other}));
  EXPECT_EQ(emulator_.CallCount("chat.postMessage"), 1);

  emulator_.ReleaseHeld(false);
  ASSERT_TRUE(effects_->WaitForEnd(second));
  EXPECT_EQ(Messages(), (std::vector<std::string>{"INC-1 declared", "INC-1 swarm started"}));
  EXPECT_EQ(effects_->Started(), (std::vector<std::int64_t>{first, other, second}));
  EXPECT_EQ(io_.Invoke([this] { return outbox_->PendingCount(); }), 0);
}

TEST_F(OutboxConcurrencyTest, RunsItemsOfOneSharedObjectOneAtATime) {
  emulator_.FailNext("chat.postMessage", 1, Fault::Hold());
  const FormFields plan{{"object", "CHG-3 plan"}};
  const auto in_incident = Enqueue("INC-1", "post", "CHG-3 work plan", plan);
  const auto in_change = Enqueue("CHG-3", "post", "CHG-3 work plan again", plan);
  const auto unrelated = Enqueue("INC-2", "topic", "INC-2 · P2");
  StartWorker({.shared_object = [](const store::OutboxItem& item) {
    return FormValue(item.args, "object").value_or("");
  }});
  ASSERT_TRUE(emulator_.WaitForHeld("chat.postMessage", kTestTimeout));
  ASSERT_TRUE(effects_->WaitForEnd(unrelated));
  io_.Invoke([] { return 0; });
  EXPECT_EQ(effects_->Started(), (std::vector<std::int64_t>{in_incident, unrelated}))
      << "CHG-3's item ran while INC-1's item on the same plan was in flight";

  emulator_.ReleaseHeld(false);
  ASSERT_TRUE(effects_->WaitForEnd(in_change));
  EXPECT_EQ(effects_->Started(), (std::vector<std::int64_t>{in_incident, unrelated, in_change}));
}

TEST_F(OutboxConcurrencyTest, ARateLimitHoldsTheMethodForEveryStreamButNotOtherMethods) {
  emulator_.FailNext("chat.postMessage", 1, Fault::RateLimited(30s));
  const auto limited = Enqueue("INC-1", "post", "INC-1 declared");
  StartWorker();
  ASSERT_TRUE(effects_->WaitForEnd(limited));
  const auto held = Enqueue("INC-2", "post", "INC-2 declared");
  const auto topic = Enqueue("INC-3", "topic", "INC-3 · P1");
  worker_->Wake();
  ASSERT_TRUE(effects_->WaitForEnd(held));
  ASSERT_TRUE(effects_->WaitForEnd(topic));

  EXPECT_EQ(emulator_.CallCount("chat.postMessage"), 1) << "INC-2's post went out into the limit";
  EXPECT_EQ(effects_->Ends(held)[0].error().code, Errc::kRateLimited);
  EXPECT_TRUE(effects_->Ends(topic)[0]) << "another method is not held back";
  EXPECT_EQ(emulator_.Channel(channel_)->topic, "INC-3 · P1");
  const auto due = io_.Invoke([this] { return outbox_->NextDue(); });
  ASSERT_TRUE(due.has_value());
  EXPECT_GE(*due, clock_.Now() + 29s);
  EXPECT_LE(*due, clock_.Now() + 30s);

  clock_.Advance(30s);
  worker_->Wake();
  ASSERT_TRUE(effects_->WaitForEnd(limited, 2));
  ASSERT_TRUE(effects_->WaitForEnd(held, 2));
  auto posted = Messages();
  std::sort(posted.begin(), posted.end());  // the two streams post at once
  EXPECT_EQ(posted, (std::vector<std::string>{"INC-1 declared", "INC-2 declared"}));
}

TEST_F(OutboxConcurrencyTest, StopWaitsForEveryItemInFlight) {
  emulator_.FailNext("chat.postMessage", 1, Fault::Hold());
  emulator_.FailNext("conversations.setTopic", 1, Fault::Hold());
  Enqueue("INC-1", "post", "INC-1 declared");
  Enqueue("INC-2", "topic", "INC-2 · P2");
  StartWorker();
  ASSERT_TRUE(emulator_.WaitForHeld("chat.postMessage", kTestTimeout));
  ASSERT_TRUE(emulator_.WaitForHeld("conversations.setTopic", kTestTimeout));

  worker_->Stop();
  io_.Invoke([] { return 0; });  // behind Stop
  io_.Invoke([] { return 0; });  // behind the worker's look at what is in flight
  EXPECT_NE(running_.wait_for(0s), std::future_status::ready);

  emulator_.ReleaseHeld(false);
  ASSERT_EQ(running_.wait_for(kTestTimeout), std::future_status::ready);
  running_.get();
  EXPECT_EQ(io_.Invoke([this] { return outbox_->PendingCount(); }), 0);
  EXPECT_EQ(Messages(), std::vector<std::string>{"INC-1 declared"});
  EXPECT_EQ(emulator_.Channel(channel_)->topic, "INC-2 · P2");
}

TEST_F(OutboxConcurrencyTest, CancellingTheWorkerAbortsEveryItemInFlightAndKeepsItForARetry) {
  emulator_.FailNext("chat.postMessage", 1, Fault::Hold());
  emulator_.FailNext("conversations.setTopic", 1, Fault::Hold());
  const auto post = Enqueue("INC-1", "post", "INC-1 declared");
  const auto topic = Enqueue("INC-2", "topic", "INC-2 · P2");
  StartWorker();
  ASSERT_TRUE(emulator_.WaitForHeld("chat.postMessage", kTestTimeout));
  ASSERT_TRUE(emulator_.WaitForHeld("conversations.setTopic", kTestTimeout));

  io_.Invoke([this] {
    cancel_.emit(asio::cancellation_type::total);
    return 0;
  });
  ASSERT_EQ(running_.wait_for(kTestTimeout), std::future_status::ready);
  running_.get();
  for (const auto id : {post, topic}) {
    ASSERT_EQ(effects_->Ends(id).size(), 1u);
    EXPECT_EQ(effects_->Ends(id)[0].error().code, Errc::kUnavailable);
  }
  const auto pending = io_.Invoke([this] { return outbox_->Pending(); });
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].attempts, 1) << "the retry must check whether the post happened";
  EXPECT_EQ(pending[1].attempts, 1);
}

}  // namespace
}  // namespace swarmbot::bot
