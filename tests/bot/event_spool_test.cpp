// check 10, 2: events queued on a busy store (each already acknowledged to
// Slack, which won't send it again) were lost when swarmbot was killed. They
// are now kept in a spool beside the database and handled, once, at the next
// start. Over real SQLite files.
#include "bot/event_spool.hpp"

#include <optional>
#include <string>
#include <vector>

#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "bot/delivery_filter.hpp"
#include "bot/event_retry.hpp"
#include "store/database.hpp"
#include "tests/bot/bot_testing.hpp"
#include "tests/support/busy_store.hpp"

namespace swarmbot::bot {
namespace {

using namespace std::chrono_literals;

constexpr char kPayload[] =
    R"({"token":"legacy-verification-secret","type":"event_callback","event":{"type":"pin_added"}})";

InboundRequest Event(std::string id) {
  return {InboundKind::kEvent, kPayload, std::move(id)};
}

TEST(EventSpool, KeepsWhatWaitsPrivatelyAndWithoutTheVerificationToken) {
  swarmbot::testing::TempDir dir;
  EventSpool spool(EventSpool::Beside(dir / "swarmbot.db"));
  EXPECT_EQ(spool.path(), dir / "swarmbot.db.event-spool");
  FakeClock clock;
  ASSERT_TRUE(spool.Append({Event("Ev1"), clock.Now()}));
  ASSERT_TRUE(spool.Append({Event("Ev2"), clock.Now() + 1s}));
  spool.Settle("Ev1");

  struct stat info {};
  ASSERT_EQ(::stat(spool.path().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  const std::string text = swarmbot::testing::ReadFile(spool.path());
  EXPECT_EQ(text.find("legacy-verification-secret"), std::string::npos) << text;

  const auto loaded = EventSpool(spool.path()).Load();
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(loaded[0].request.delivery_id, "Ev2");
  EXPECT_EQ(loaded[0].request.kind, InboundKind::kEvent);
  EXPECT_EQ(loaded[0].queued_at, clock.Now() + 1s);
  EXPECT_NE(loaded[0].request.payload_json.find(R"("pin_added")"), std::string::npos);
}

TEST(EventSpool, SkipsALineItCannotReadAndKeepsTheRest) {
  swarmbot::testing::TempDir dir;
  EventSpool spool(dir / "spool");
  FakeClock clock;
  ASSERT_TRUE(spool.Append({Event("Ev1"), clock.Now()}));
  swarmbot::testing::WriteFile(dir / "spool", swarmbot::testing::ReadFile(dir / "spool") +
                                                  "{\"kind\":\"event\",\"deliv\n"
                                                  "{\"kind\":\"bogus\"}\n");
  ASSERT_TRUE(spool.Append({Event("Ev2"), clock.Now()}));
  const auto loaded = EventSpool(dir / "spool").Load();
  ASSERT_EQ(loaded.size(), 2u);
  EXPECT_EQ(loaded[0].request.delivery_id, "Ev1");
  EXPECT_EQ(loaded[1].request.delivery_id, "Ev2");
}

TEST(EventSpool, AnUnwritableSpoolLeavesTheEventWaitingInMemory) {
  swarmbot::testing::TempDir dir;
  EventSpool spool(dir / "missing" / "spool");
  FakeClock clock;
  testing::IoThread io;
  testing::Recorder recorder;
  recorder.SetReply([](const InboundRequest&) { return InboundReply{{}, true}; });
  EventRetry retry(io.executor(), clock, std::ref(recorder), {}, nullptr, &spool);
  EXPECT_TRUE(io.Invoke([&] { return retry.Handle(Event("Ev1")); }).retry_later);
  EXPECT_EQ(io.Invoke([&] { return retry.waiting(); }), 1u);
  io.Invoke([&] {
    retry.Stop();
    return 0;
  });
}

// swarmbot's parts over one database file, as a process runs them; a second
// instance on the same files is the process after a restart.
class Instance {
 public:
  Instance(testing::IoThread& io, const std::string& path, const Clock& clock,
           testing::Recorder& handled)
      : io_(io), handled_(handled), spool_(EventSpool::Beside(path)) {
    io_.Invoke([&] {
      db_ = std::move(store::Database::Open(path).value());
      db_->Sql().exec("CREATE TABLE IF NOT EXISTS handled (seq INTEGER PRIMARY KEY, id TEXT)");
      busy_ = std::make_unique<swarmbot::testing::BusyWaitCounter>(db_->Sql(), 50ms);
      filter_ = std::make_unique<DeliveryFilter>(*db_, clock);
      retry_ = std::make_unique<EventRetry>(
          io_.executor(), clock, [this](const InboundRequest& request) { return Handle(request); },
          EventRetryOptions{.retry_initial = 20ms, .retry_cap = 40ms}, filter_.get(), &spool_);
      return 0;
    });
  }
  // A crash: nothing is stopped or settled.
  ~Instance() {
    io_.Invoke([&] {
      retry_.reset();
      filter_.reset();
      busy_.reset();
      db_.reset();
      return 0;
    });
  }

  // As a transport passes on a delivery.
  InboundReply Deliver(const InboundRequest& request) {
    return io_.Invoke([&] {
      if (!filter_->FirstDelivery(request.delivery_id)) {
        return InboundReply{};
      }
      return retry_->Handle(request);
    });
  }
  void Replay() {
    io_.Invoke([&] {
      retry_->Replay();
      return 0;
    });
  }
  std::size_t Waiting() {
    return io_.Invoke([&] { return retry_->waiting(); });
  }
  bool FirstDelivery(const std::string& id) {
    return io_.Invoke([&] { return filter_->FirstDelivery(id); });
  }
  bool MarkHandled(const std::string& id) {
    return io_.Invoke([&] { return filter_->MarkHandled(id); });
  }
  std::vector<std::string> HandledInOrder() {
    return io_.Invoke([&] {
      std::vector<std::string> ids;
      SQLite::Statement query(db_->Sql(), "SELECT id FROM handled ORDER BY seq");
      while (query.executeStep()) {
        ids.push_back(query.getColumn(0).getString());
      }
      return ids;
    });
  }
  EventSpool& spool() { return spool_; }

 private:
  InboundReply Handle(const InboundRequest& request) {
    try {
      SQLite::Statement insert(db_->Sql(), "INSERT INTO handled (id) VALUES (?)");
      insert.bind(1, request.delivery_id);
      insert.exec();
    } catch (const SQLite::Exception&) {
      return {{}, true};
    }
    handled_(request);
    return {};
  }

  testing::IoThread& io_;
  testing::Recorder& handled_;
  EventSpool spool_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<swarmbot::testing::BusyWaitCounter> busy_;
  std::unique_ptr<DeliveryFilter> filter_;
  std::unique_ptr<EventRetry> retry_;
};

class EventSpoolCrashTest : public ::testing::Test {
 protected:
  swarmbot::testing::TempDir dir_;
  const std::string path_ = (dir_ / "swarmbot.db").string();
  FakeClock clock_;
  testing::Recorder handled_;
  testing::IoThread io_;
};

TEST_F(EventSpoolCrashTest, EventsQueuedOnABusyStoreSurviveACrashAndAreHandledOnceInOrder) {
  const std::vector<std::string> ids = {"Ev1", "Ev2", "Ev3"};
  std::optional<swarmbot::testing::WriteLockHolder> holder;
  {
    Instance before(io_, path_, clock_, handled_);
    holder.emplace(path_);
    for (const std::string& id : ids) {
      EXPECT_TRUE(before.Deliver(Event(id)).retry_later);
    }
    EXPECT_EQ(before.Waiting(), 3u);
  }
  Instance after(io_, path_, clock_, handled_);
  after.Replay();
  EXPECT_EQ(after.Waiting(), 3u);
  EXPECT_FALSE(after.Deliver(Event("Ev2")).retry_later) << "Slack's copy of a replayed event";

  holder->Release();
  ASSERT_TRUE(handled_.WaitForCount(ids.size()));
  ASSERT_TRUE(handled_.WaitFor([&](const auto&) { return after.Waiting() == 0; }));
  EXPECT_EQ(after.HandledInOrder(), ids);
  EXPECT_FALSE(std::filesystem::exists(after.spool().path())) << "emptied once nothing waits";
}

// EvDone: the crash came after its handler and MarkHandled, before its
// settled line. EvPending: its id was recorded on arrival, but its handler
// found the store busy.
TEST_F(EventSpoolCrashTest, OnlyTheEventsNotHandledBeforeACrashAreHandledAfterIt) {
  {
    Instance before(io_, path_, clock_, handled_);
    ASSERT_TRUE(before.spool().Append({Event("EvDone"), clock_.Now()}));
    ASSERT_TRUE(before.MarkHandled("EvDone"));
    ASSERT_TRUE(before.FirstDelivery("EvPending"));
    ASSERT_TRUE(before.spool().Append({Event("EvPending"), clock_.Now()}));
  }
  Instance after(io_, path_, clock_, handled_);
  after.Replay();
  ASSERT_TRUE(handled_.WaitForCount(1));
  ASSERT_TRUE(handled_.WaitFor([&](const auto&) { return after.Waiting() == 0; }));
  EXPECT_EQ(after.HandledInOrder(), std::vector<std::string>{"EvPending"});
}

TEST_F(EventSpoolCrashTest, EventsStaleByTheNextStartAreDropped) {
  {
    Instance before(io_, path_, clock_, handled_);
    ASSERT_TRUE(before.spool().Append({Event("EvOld"), clock_.Now()}));
  }
  clock_.Advance(16min);
  Instance after(io_, path_, clock_, handled_);
  after.Replay();
  EXPECT_EQ(after.Waiting(), 0u);
  EXPECT_EQ(after.HandledInOrder(), std::vector<std::string>{});
}

}  // namespace
}  // namespace swarmbot::bot
