#include "handlers/effect_runner.hpp"

#include <algorithm>
#include <chrono>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <set>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "lifecycle/expert_service.hpp"
#include "lifecycle/incident_service.hpp"
#include "lifecycle/swarm_service.hpp"
#include "store/outbox.hpp"
#include "store/people_repository.hpp"
#include "tests/support/testing.hpp"

namespace swarmbot::handlers {
namespace {

namespace json = boost::json;
using boost::asio::awaitable;
using namespace std::chrono_literals;

Error SlackError(std::string code) {
  Error e = MakeError(Errc::kSlackError, "slack said " + code);
  e.slack_error = std::move(code);
  return e;
}

// A small in-memory Slack with just the behaviour EffectRunner relies on, and
// two faults: an error before the call takes effect, or a reply lost after it.
class FakeSlack final : public SlackApi {
 public:
  struct Channel {
    std::string id, name, creator, topic, purpose;
    bool archived = false;
    bool is_private = false;  // conversations.join is refused
    std::set<std::string> members;
    std::set<std::string> pins;
    std::vector<json::object> messages;  // oldest first
    std::vector<std::string> bookmarks;  // "title|link"
  };

  awaitable<Result<ApiReply>> Call(std::string method, std::string args_json) override {
    json::object args = json::parse(args_json).as_object();
    calls.push_back(method);
    if (auto& queue = fail_before[method]; !queue.empty()) {
      Error e = queue.front();
      queue.pop_front();
      co_return e;
    }
    Result<json::object> result = Handle(method, args);
    if (lose_reply[method] > 0) {
      --lose_reply[method];
      co_return MakeError(Errc::kUnavailable, "connection reset after the request was sent");
    }
    if (!result) {
      co_return result.error();
    }
    result->emplace("ok", true);
    ApiReply reply;
    reply.body = json::serialize(*result);
    co_return reply;
  }

  awaitable<Status> Respond(std::string, std::string) override { co_return Status{}; }

  // With `user_token`, acts as UADMIN for unarchive and invite; without,
  // answers not_authed as SlackApi does.
  awaitable<Result<ApiReply>> CallAsUser(std::string method, std::string args_json) override {
    if (!user_token) {
      co_return co_await SlackApi::CallAsUser(std::move(method), std::move(args_json));
    }
    calls.push_back("user:" + method);
    json::object args = json::parse(args_json).as_object();
    auto channel = Find(args);
    if (!channel) {
      co_return channel.error();
    }
    Result<json::object> result = json::object{};
    if (method == "conversations.unarchive") {
      if (!(*channel)->archived) {
        co_return SlackError("not_archived");
      }
      (*channel)->archived = false;
      (*channel)->members.insert("UADMIN");
    } else if (method == "conversations.invite") {
      result = Invite(**channel, args);
    } else {
      co_return SlackError("not_allowed_token_type");
    }
    if (!result) {
      co_return result.error();
    }
    ApiReply reply;
    reply.body = R"({"ok":true})";
    co_return reply;
  }

  bool user_token = false;

  Channel& Named(const std::string& name) {
    for (auto& [id, channel] : channels) {
      if (channel.name == name) {
        return channel;
      }
    }
    throw std::runtime_error("no channel " + name);
  }

  Channel& AddChannel(std::string name, std::string creator, bool archived = false,
                      std::string id = {}) {
    if (id.empty()) {
      id = "C" + std::to_string(100 + channels.size());
    }
    Channel& channel = channels[id];
    channel.id = id;
    channel.name = std::move(name);
    channel.creator = std::move(creator);
    channel.archived = archived;
    return channel;
  }

  std::size_t Count(const std::string& method) const {
    return static_cast<std::size_t>(std::count(calls.begin(), calls.end(), method));
  }

  std::map<std::string, Channel> channels;
  std::vector<std::string> calls;
  std::vector<std::string> ephemerals;  // "user: text"
  std::map<std::string, std::deque<Error>> fail_before;
  std::map<std::string, int> lose_reply;
  std::size_t list_page_size = 2;  // small, so that lookups must paginate

 private:
  static std::string Str(const json::object& args, const char* key) {
    auto it = args.find(key);
    return it == args.end() ? std::string() : std::string(it->value().as_string());
  }

  Result<Channel*> Find(const json::object& args) {
    auto it = channels.find(Str(args, "channel"));
    if (it == channels.end()) {
      return SlackError("channel_not_found");
    }
    return &it->second;
  }

  Result<json::object> Handle(const std::string& method, const json::object& args) {
    if (method == "auth.test") {
      return json::object{{"user_id", "UBOT"}, {"bot_id", "BBOT"}};
    }
    if (method == "conversations.create") {
      return Create(Str(args, "name"));
    }
    if (method == "conversations.list") {
      return List(Str(args, "cursor"));
    }
    if (method == "conversations.open") {
      const std::string id = "D" + Str(args, "users");
      Channel& dm = channels[id];
      dm.id = id;
      dm.members = {"UBOT", Str(args, "users")};
      return json::object{{"channel", {{"id", id}}}};
    }
    if (method == "chat.postEphemeral") {
      ephemerals.push_back(Str(args, "user") + ": " + Str(args, "text"));
      return json::object{{"message_ts", "1.1"}};
    }
    if (method == "usergroups.users.list") {
      if (Str(args, "usergroup") != "SDEVOPS") {
        return SlackError("no_such_subteam");
      }
      return json::object{{"users", json::array{"UDEV", "UINES", "UBOT"}}};
    }
    if (method.starts_with("bookmarks.")) {
      auto it = channels.find(Str(args, "channel_id"));
      if (it == channels.end()) {
        return SlackError("channel_not_found");
      }
      return Bookmarks(method, it->second, args);
    }
    auto channel = Find(args);
    if (!channel) {
      return channel.error();
    }
    return OnChannel(method, **channel, args);
  }

  // Adds every bookmark it is given, duplicates too, as Slack does.
  static Result<json::object> Bookmarks(const std::string& method, Channel& channel,
                                        const json::object& args) {
    if (method == "bookmarks.add") {
      channel.bookmarks.push_back(Str(args, "title") + "|" + Str(args, "link"));
      return json::object{};
    }
    json::array listed;
    for (const std::string& bookmark : channel.bookmarks) {
      listed.push_back(json::object{{"title", bookmark.substr(0, bookmark.find('|'))}});
    }
    return json::object{{"bookmarks", listed}};
  }

  Result<json::object> Create(const std::string& name) {
    for (const auto& [id, channel] : channels) {
      if (channel.name == name) {
        return SlackError("name_taken");
      }
    }
    Channel& channel = AddChannel(name, "UBOT");
    channel.members.insert("UBOT");
    return json::object{{"channel", {{"id", channel.id}, {"name", channel.name}}}};
  }

  Result<json::object> List(const std::string& cursor) {
    const std::size_t start = cursor.empty() ? 0 : std::stoul(cursor);
    json::array page;
    std::size_t index = 0;
    for (const auto& [id, channel] : channels) {
      if (index++ < start || channel.archived) {
        continue;  // exclude_archived
      }
      if (page.size() == list_page_size) {
        break;
      }
      page.push_back(json::object{{"id", channel.id},
                                  {"name", channel.name},
                                  {"creator", channel.creator},
                                  {"is_archived", false}});
    }
    const std::size_t next = start + list_page_size;
    return json::object{
        {"channels", page},
        {"response_metadata",
         {{"next_cursor", next < channels.size() ? std::to_string(next) : std::string()}}}};
  }

  Result<json::object> OnChannel(const std::string& method, Channel& channel,
                                 const json::object& args) {
    const bool writes = method != "conversations.history";
    if (channel.archived && writes) {
      return SlackError(method == "conversations.archive" ? "already_archived" : "is_archived");
    }
    if (method == "conversations.join") {
      if (channel.is_private) {
        return SlackError("method_not_supported_for_channel_type");
      }
      channel.members.insert("UBOT");
      return json::object{};
    }
    if (!channel.members.contains("UBOT")) {
      return SlackError("not_in_channel");
    }
    if (method == "chat.postMessage") {
      json::object message = args;
      message["ts"] = "1700000000." + std::to_string(100000 + ++ts_counter_);
      channel.messages.push_back(message);
      return json::object{{"ts", message["ts"]}, {"channel", channel.id}};
    }
    if (method == "chat.update") {
      for (auto& message : channel.messages) {
        if (message["ts"] == args.at("ts")) {
          message["text"] = args.at("text");
          message["blocks"] = args.at("blocks");
          return json::object{{"ts", message["ts"]}};
        }
      }
      return SlackError("message_not_found");
    }
    if (method == "chat.getPermalink") {
      return json::object{{"permalink", "https://fake.slack/archives/" + channel.id + "/p" +
                                            Str(args, "message_ts")}};
    }
    if (method == "conversations.history") {
      json::array messages;
      for (auto it = channel.messages.rbegin(); it != channel.messages.rend(); ++it) {
        messages.push_back(*it);
      }
      return json::object{{"messages", messages}, {"has_more", false}};
    }
    if (method == "conversations.setTopic") {
      channel.topic = Str(args, "topic");
      return json::object{};
    }
    if (method == "conversations.setPurpose") {
      channel.purpose = Str(args, "purpose");
      return json::object{};
    }
    if (method == "pins.add") {
      if (!channel.pins.insert(Str(args, "timestamp")).second) {
        return SlackError("already_pinned");
      }
      return json::object{};
    }
    if (method == "conversations.invite") {
      return Invite(channel, args);
    }
    if (method == "conversations.archive") {
      channel.archived = true;
      channel.members.erase("UBOT");
      return json::object{};
    }
    return SlackError("unknown_method");
  }

  // As Slack: with force the valid users get in and the rest are listed in
  // `errors`; without it (or with nobody valid) the first error fails all.
  static Result<json::object> Invite(Channel& channel, const json::object& args) {
    std::vector<std::string> valid;
    json::array errors;
    std::string first_error;
    std::string list = Str(args, "users");
    while (!list.empty()) {
      const auto comma = list.find(',');
      const std::string user = list.substr(0, comma);
      list = comma == std::string::npos ? std::string() : list.substr(comma + 1);
      std::string error;
      if (user == "UGONE") {
        error = "user_not_found";
      } else if (user == "UBOT") {
        error = "cant_invite_self";
      } else if (channel.members.contains(user)) {
        error = "already_in_channel";
      }
      if (error.empty()) {
        valid.push_back(user);
      } else {
        first_error = first_error.empty() ? error : first_error;
        errors.push_back(json::object{{"user", user}, {"ok", false}, {"error", error}});
      }
    }
    const auto force = args.find("force");
    const bool forced = force != args.end() && force->value().is_bool() && force->value().as_bool();
    if (!errors.empty() && (!forced || valid.empty())) {
      return SlackError(first_error);
    }
    channel.members.insert(valid.begin(), valid.end());
    return json::object{{"errors", errors}};
  }

  int ts_counter_ = 0;
};

class EffectRunnerTest : public ::testing::Test {
 protected:
  EffectRunnerTest() { slack_.AddChannel("incident-managers", "UADMIN", false, "CIM"); }

  Status RunOne(const store::OutboxItem& item) {
    boost::asio::io_context io;
    std::optional<Status> result;
    boost::asio::co_spawn(io, runner_.Run(item, slack_),
                          [&](std::exception_ptr error, Status status) {
                            if (error) {
                              std::rethrow_exception(error);
                            }
                            result = std::move(status);
                          });
    io.run();
    return result.value();
  }

  // Performs the outbox the way bot's OutboxWorker does, retrying at once.
  void Drain() {
    store::Outbox outbox(*db_);
    for (int guard = 0; guard < 200; ++guard) {
      auto item = outbox.ClaimNext(clock_.Now());
      if (!item) {
        return;
      }
      Status status = RunOne(*item);
      if (status) {
        outbox.MarkDone(item->id, clock_.Now());
      } else if (status.error().Retryable()) {
        outbox.Retry(item->id, clock_.Now(), status.error().detail);
      } else {
        outbox.MarkFailed(item->id, status.error().detail, clock_.Now());
        failed_.push_back(item->kind);
      }
    }
    FAIL() << "the outbox never drained";
  }

  std::int64_t Declare() {
    lifecycle::DeclareInput in;
    in.subject = "FEAST25 fails at checkout";
    in.impact = store::Level::kHigh;
    return incidents_.Declare(in, UserId("UMARA")).value().number;
  }

  void Start(std::vector<UserId> invitees = {}, std::vector<UserGroupId> groups = {}) {
    ASSERT_TRUE(swarms_.Start({1, std::move(invitees), std::move(groups)}, UserId("UPRIYA")));
  }

  std::string LastTimeline() {
    return db_->Sql().execAndGet("SELECT text FROM timeline ORDER BY id DESC LIMIT 1").getString();
  }

  FakeClock clock_;
  std::unique_ptr<store::Database> db_ = store::Database::Open(":memory:").value();
  lifecycle::IncidentService incidents_{*db_, clock_};
  lifecycle::SwarmService swarms_{*db_, clock_};
  Settings settings_{ChannelId("CIM"), {}, "swarmbot", UserId(), ""};
  EffectRunner runner_{*db_, clock_, settings_};
  FakeSlack slack_;
  std::vector<std::string> failed_;
  const std::string kName = "inc-1-feast25-fails-at-checkout";
};

TEST_F(EffectRunnerTest, RunsASwarmFromAnnouncementToArchive) {
  Declare();
  Start({UserId("USOFIA")}, {UserGroupId("SDEVOPS")});
  Drain();
  EXPECT_TRUE(failed_.empty());

  // The announcement: the bot joined the managers' channel to post it.
  ASSERT_EQ(slack_.channels["CIM"].messages.size(), 1u);
  auto incident = incidents_.FindIncident(1).value();
  EXPECT_EQ(incident.announce_channel, ChannelId("CIM"));
  EXPECT_EQ(MessageTs(std::string(slack_.channels["CIM"].messages[0]["ts"].as_string())),
            incident.announce_ts);

  FakeSlack::Channel& channel = slack_.Named(kName);
  EXPECT_EQ(channel.topic, "INC-1 · P2 · in progress · FEAST25 fails at checkout");
  EXPECT_EQ(channel.purpose, "Swarm on INC-1: FEAST25 fails at checkout");
  ASSERT_EQ(channel.messages.size(), 1u);
  EXPECT_EQ(channel.messages[0]["metadata"].at("event_type"), "swarmbot_effect");
  EXPECT_EQ(channel.pins.size(), 1u);
  EXPECT_EQ(channel.bookmarks, (std::vector<std::string>{"INC-1|https://fake.slack/archives/CIM/p" +
                                                         incident.announce_ts.str()}));
  EXPECT_EQ(channel.members, (std::set<std::string>{"UBOT", "UPRIYA", "USOFIA", "UDEV", "UINES"}));

  auto swarm = swarms_.FindByIncident(1).value().value();
  EXPECT_EQ(swarm.channel_id, ChannelId(channel.id));
  EXPECT_EQ(swarm.state, store::SwarmState::kActive);
  EXPECT_EQ(swarm.summary_ts.str(), std::string(channel.messages[0]["ts"].as_string()));
  EXPECT_EQ(incidents_.StatusOf(1)->members.size(), 4u);

  ASSERT_TRUE(incidents_.Close(1, UserId("UPRIYA"), "Fixed"));
  Drain();
  EXPECT_TRUE(failed_.empty());
  ASSERT_EQ(channel.messages.size(), 2u);
  EXPECT_NE(json::serialize(channel.messages[0]).find("*State*\\nclosed"), std::string::npos);
  EXPECT_NE(std::string(channel.messages[1]["text"].as_string()).find("INC-1 swarm closed"),
            std::string::npos);
  EXPECT_TRUE(channel.archived);
  EXPECT_EQ(swarms_.FindByIncident(1).value()->state, store::SwarmState::kArchived);
  EXPECT_EQ(slack_.Count("conversations.create"), 1u);
}

TEST_F(EffectRunnerTest, AdoptsTheChannelItCreatedWhenTheReplyWasLost) {
  Declare();
  Start();
  slack_.lose_reply["conversations.create"] = 1;
  slack_.AddChannel("aaa", "UX");  // lookups must page past other channels
  slack_.AddChannel("bbb", "UX");
  Drain();
  EXPECT_TRUE(failed_.empty());
  std::size_t named = 0;
  for (const auto& [id, channel] : slack_.channels) {
    named += channel.name.starts_with("inc-1") ? 1 : 0;
  }
  EXPECT_EQ(named, 1u);
  EXPECT_EQ(swarms_.FindByIncident(1).value()->channel_id, ChannelId(slack_.Named(kName).id));
  EXPECT_GE(slack_.Count("conversations.list"), 2u);
}

TEST_F(EffectRunnerTest, MovesToASuffixWhenSomeoneElseHasTheName) {
  Declare();
  Start();
  slack_.AddChannel(kName, "USOMEONE");
  Drain();
  EXPECT_EQ(swarms_.FindByIncident(1).value()->channel_name, kName + "-2");
  EXPECT_EQ(slack_.Named(kName + "-2").topic.substr(0, 5), "INC-1");
  // Check9 #5: the starter learns the real name, with a link.
  ASSERT_EQ(slack_.channels["DUPRIYA"].messages.size(), 1u);
  const std::string told = json::serialize(slack_.channels["DUPRIYA"].messages[0]);
  EXPECT_NE(told.find("The swarm channel of INC-1 is <#" + slack_.Named(kName + "-2").id + ">: #" +
                      kName + " was taken, so it is #" + kName + "-2."),
            std::string::npos)
      << told;
}

TEST_F(EffectRunnerTest, DoesNotAdoptAnArchivedChannelOnRetry) {
  Declare();
  Start();
  slack_.AddChannel(kName, "UBOT", /*archived=*/true);
  slack_.fail_before["conversations.create"].push_back(MakeError(Errc::kUnavailable, "reset"));
  Drain();
  EXPECT_EQ(swarms_.FindByIncident(1).value()->channel_name, kName + "-2");
}

TEST_F(EffectRunnerTest, FindsAPostWhoseReplyWasLostInsteadOfPostingTwice) {
  Declare();
  Drain();  // the announcement
  slack_.calls.clear();
  Start();
  slack_.lose_reply["chat.postMessage"] = 1;
  Drain();
  FakeSlack::Channel& channel = slack_.Named(kName);
  ASSERT_EQ(channel.messages.size(), 1u);
  EXPECT_EQ(swarms_.FindByIncident(1).value()->summary_ts.str(),
            std::string(channel.messages[0]["ts"].as_string()));
  EXPECT_EQ(channel.pins.size(), 1u);
  EXPECT_EQ(slack_.Count("conversations.history"), 1u);
}

TEST_F(EffectRunnerTest, CountsAlreadyDoneAsDone) {
  Declare();
  Start();
  slack_.lose_reply["pins.add"] = 1;
  slack_.lose_reply["conversations.invite"] = 1;
  Drain();
  ASSERT_TRUE(failed_.empty());
  ASSERT_TRUE(incidents_.Close(1, UserId("UPRIYA"), ""));
  slack_.lose_reply["conversations.archive"] = 1;
  Drain();
  EXPECT_TRUE(failed_.empty());
  EXPECT_TRUE(slack_.Named(kName).archived);
  EXPECT_EQ(swarms_.FindByIncident(1).value()->state, store::SwarmState::kArchived);
}

TEST_F(EffectRunnerTest, BookmarksTheAnnouncementOnceWhenTheReplyWasLost) {
  Declare();
  Start();
  slack_.lose_reply["bookmarks.add"] = 1;
  Drain();
  EXPECT_TRUE(failed_.empty());
  EXPECT_EQ(slack_.Named(kName).bookmarks.size(), 1u);
  EXPECT_EQ(slack_.Count("bookmarks.list"), 1u);
}

TEST_F(EffectRunnerTest, ReturnsRateLimitsForTheWorkerToRetry) {
  Declare();
  Start();
  Error limited = MakeError(Errc::kRateLimited, "429");
  limited.retry_after = std::chrono::seconds(3);
  slack_.fail_before["conversations.setTopic"].push_back(limited);
  store::Outbox outbox(*db_);
  std::optional<Status> topic_status;
  while (auto item = outbox.ClaimNext(clock_.Now())) {
    Status status = RunOne(*item);
    if (item->kind == "swarm.set_topic") {
      topic_status = status;
      break;
    }
    outbox.MarkDone(item->id, clock_.Now());
  }
  ASSERT_TRUE(topic_status);
  ASSERT_FALSE(*topic_status);
  EXPECT_EQ(topic_status->error().code, Errc::kRateLimited);
  EXPECT_EQ(topic_status->error().retry_after, std::chrono::seconds(3));
  EXPECT_EQ(db_->Sql().execAndGet("SELECT COUNT(*) FROM timeline WHERE kind = 'problem'").getInt(),
            0);
}

// Check13 #1: a channel Slack refuses for good ends the swarm, instead of
// leaving it starting and every later setup step failing.
TEST_F(EffectRunnerTest, AChannelRefusedForGoodEndsTheSwarmAndSaysWhy) {
  Declare();
  Start();
  slack_.fail_before["conversations.create"].push_back(SlackError("restricted_action"));
  Drain();
  EXPECT_TRUE(failed_.empty()) << failed_.front();
  EXPECT_TRUE(swarms_.FindByIncident(1).value()->ChannelRefused());
  EXPECT_EQ(
      db_->Sql().execAndGet("SELECT text FROM timeline WHERE kind = 'channel_refused'").getString(),
      "Couldn't create the swarm channel #" + kName +
          ": Slack said restricted_action. The swarm ended; `/swarm start INC-1` tries "
          "again.");
}

// Issues #8 and #21 of check9: a group that doesn't exist was noted only on
// the timeline, and the channel was shown Slack's raw error codes.
TEST_F(EffectRunnerTest, SkipsPeopleItCannotInviteAndSaysSoInWords) {
  Declare();
  Start({UserId("UGONE"), UserId("USOFIA")}, {UserGroupId("SNOPE")});
  Drain();
  EXPECT_TRUE(failed_.empty());
  EXPECT_TRUE(slack_.Named(kName).members.contains("USOFIA"));
  const std::string problems = db_->Sql()
                                   .execAndGet(
                                       "SELECT group_concat(text, ' / ') FROM timeline "
                                       "WHERE kind = 'problem'")
                                   .getString();
  // The timeline keeps Slack's codes for whoever looks into it.
  EXPECT_EQ(problems,
            "Couldn't add to the swarm channel: <@UGONE> (user_not_found), members of user group "
            "SNOPE (no_such_subteam)");
  // Said once in the channel too, naming who and why in words.
  const auto& messages = slack_.Named(kName).messages;
  std::vector<std::string> told;
  for (const json::object& m : messages) {
    const std::string text = json::serialize(m);
    if (text.find(":warning:") != std::string::npos) {
      told.push_back(text);
    }
  }
  ASSERT_EQ(told.size(), 1u);
  EXPECT_NE(told[0].find("Couldn't add <@UGONE> (Slack doesn't know this person) to this channel. "
                         "Couldn't read the members of user group `SNOPE` (that user group "
                         "doesn't exist), so nobody from it was added. Everyone else is in."),
            std::string::npos)
      << told[0];
  EXPECT_EQ(told[0].find("user_not_found"), std::string::npos);
  EXPECT_EQ(told[0].find("no_such_subteam"), std::string::npos);
}

TEST_F(EffectRunnerTest, AGroupThatCannotBeReadIsToldInTheChannelEvenWithNobodyRefused) {
  Declare();
  Start();
  Drain();
  store::Outbox(*db_).Enqueue("INC-1", "swarm.invite", {{"incident", "1"}, {"usergroups", "SNOPE"}},
                              clock_.Now());
  Drain();
  EXPECT_TRUE(failed_.empty());
  const auto& messages = slack_.Named(kName).messages;
  const auto told = std::count_if(messages.begin(), messages.end(), [](const json::object& m) {
    return json::serialize(m).find(
               "Couldn't read the members of user group `SNOPE` (that user "
               "group doesn't exist), so nobody from it was added.") != std::string::npos;
  });
  EXPECT_EQ(told, 1);
}

TEST_F(EffectRunnerTest, InvitesEveryoneInOneCallAndCountsThoseAlreadyInAsInvited) {
  Declare();
  Start({UserId("USOFIA"), UserId("UDEV")}, {UserGroupId("SDEVOPS")});
  Drain();
  EXPECT_TRUE(failed_.empty());
  EXPECT_EQ(slack_.Count("conversations.invite"), 1u);
  // A second invite of people already in (Slack: already_in_channel) is fine.
  store::Outbox(*db_).Enqueue("INC-1", "swarm.invite", {{"incident", "1"}, {"users", "USOFIA"}},
                              clock_.Now());
  Drain();
  EXPECT_TRUE(failed_.empty());
  EXPECT_EQ(db_->Sql().execAndGet("SELECT COUNT(*) FROM timeline WHERE kind = 'problem'").getInt(),
            0);
  EXPECT_EQ(incidents_.StatusOf(1)->members.size(), 4u);
}

TEST_F(EffectRunnerTest, WhenEveryInviteeIsRefusedAsksOneByOneToNameEach) {
  Declare();
  Start();
  Drain();
  store::Outbox(*db_).Enqueue("INC-1", "swarm.invite",
                              {{"incident", "1"}, {"users", "UGONE,UPRIYA"}}, clock_.Now());
  Drain();
  EXPECT_TRUE(failed_.empty());
  // One call for both, refused for UGONE's sake; then one each.
  EXPECT_EQ(slack_.Count("conversations.invite"), 4u);
  const std::string problem = LastTimeline();
  EXPECT_EQ(problem, "Couldn't add to the swarm channel: <@UGONE> (user_not_found)");
}

TEST_F(EffectRunnerTest, CreatesAPrivateChannelForUrgentPriorities) {
  Settings settings = settings_;
  settings.swarm_private_from_priority = 2;
  EXPECT_TRUE(SwarmChannelIsPrivate(settings, 1));
  EXPECT_TRUE(SwarmChannelIsPrivate(settings, 2));
  EXPECT_FALSE(SwarmChannelIsPrivate(settings, 3));
  settings.swarm_private_from_priority = 0;
  EXPECT_FALSE(SwarmChannelIsPrivate(settings, 1));
  settings.swarm_private = true;
  EXPECT_TRUE(SwarmChannelIsPrivate(settings, 4));
}

TEST_F(EffectRunnerTest, AnEffectOnAChannelArchivedInSlackFinishesAndRecordsTheArchive) {
  Declare();
  Start();
  Drain();
  slack_.Named(kName).archived = true;  // someone archived it in Slack
  ASSERT_TRUE(incidents_.Move(1, lifecycle::Transition::kResolve, UserId("UPRIYA"), ""));
  Drain();
  EXPECT_TRUE(failed_.empty()) << failed_.front();
  EXPECT_EQ(swarms_.FindByIncident(1).value()->state, store::SwarmState::kArchived);
  EXPECT_NE(LastTimeline().find("archived in Slack"), std::string::npos) << LastTimeline();
  // The swarm isn't stuck: reopening opens a new channel.
  ASSERT_TRUE(incidents_.Move(1, lifecycle::Transition::kReopen, UserId("UPRIYA"), ""));
  Drain();
  EXPECT_TRUE(failed_.empty());
  EXPECT_EQ(swarms_.FindByIncident(1).value()->channel_name, kName + "-reopened");
  EXPECT_EQ(swarms_.FindByIncident(1).value()->state, store::SwarmState::kActive);
}

// Check9 #3: a restart after an archive in Slack announced a reopening.
TEST_F(EffectRunnerTest, AStartAfterAnArchiveInSlackSaysTheSwarmStartedAgainNotReopened) {
  Declare();
  Start();
  Drain();
  slack_.Named(kName).archived = true;
  ASSERT_TRUE(swarms_.ChannelArchived(ChannelId(slack_.Named(kName).id)));
  ASSERT_TRUE(swarms_.Start({1, {}, {}}, UserId("UPRIYA")));
  Drain();
  EXPECT_TRUE(failed_.empty()) << failed_.front();
  const auto& messages = slack_.Named(kName + "-reopened").messages;
  ASSERT_FALSE(messages.empty());
  std::string all;
  for (const auto& message : messages) {
    all += json::serialize(message);
  }
  EXPECT_NE(all.find("The swarm of INC-1 started again"), std::string::npos) << all;
  EXPECT_EQ(all.find("was reopened"), std::string::npos) << all;
}

// Check9 #1: someone removed swarmbot from the channel, so the archive failed.
TEST_F(EffectRunnerTest, SwarmbotRemovedFromAPublicSwarmChannelJoinsAgainToCloseIt) {
  Declare();
  Start();
  Drain();
  ASSERT_TRUE(incidents_.Move(1, lifecycle::Transition::kResolve, UserId("UPRIYA"), ""));
  Drain();
  slack_.Named(kName).members.erase("UBOT");
  ASSERT_TRUE(swarms_.Close(1, UserId("UPRIYA")));
  Drain();
  EXPECT_TRUE(failed_.empty()) << failed_.front();
  EXPECT_TRUE(slack_.Named(kName).archived);
  EXPECT_EQ(slack_.Count("conversations.join"), 2u);  // the managers' channel, then this one
  EXPECT_EQ(swarms_.FindByIncident(1).value()->state, store::SwarmState::kArchived);
  const auto& messages = slack_.Named(kName).messages;
  ASSERT_FALSE(messages.empty());
  EXPECT_NE(json::serialize(messages.back()).find(":tada:"), std::string::npos)
      << "the closing summary got in too";
}

TEST_F(EffectRunnerTest, AnArchiveRefusedForGoodKeepsTheSwarmAndTellsTheChannelAndTheCloser) {
  Declare();
  Start();
  Drain();
  ASSERT_TRUE(incidents_.Move(1, lifecycle::Transition::kResolve, UserId("UPRIYA"), ""));
  Drain();
  slack_.fail_before["conversations.archive"].push_back(SlackError("restricted_action"));
  ASSERT_TRUE(swarms_.Close(1, UserId("UMARA")));
  Drain();
  EXPECT_TRUE(failed_.empty()) << failed_.front();
  EXPECT_FALSE(slack_.Named(kName).archived);
  EXPECT_EQ(swarms_.FindByIncident(1).value()->state, store::SwarmState::kActive);
  // Check10 #4 and #5: both say the same, in words; the code is on the timeline.
  const std::string why = "(the workspace's settings don't let swarmbot archive channels)";
  const std::string here = json::serialize(slack_.Named(kName).messages.back());
  EXPECT_NE(here.find("This channel couldn't be archived " + why +
                      ", so the swarm of INC-1 stays active here. To close it, run `/swarm "
                      "close INC-1` again"),
            std::string::npos)
      << here;
  const auto& dm = slack_.channels["DUMARA"].messages;
  ASSERT_EQ(dm.size(), 1u);
  const std::string told = json::serialize(dm[0]);
  EXPECT_NE(told.find("You closed INC-1's swarm, but <#" + slack_.Named(kName).id +
                      "> couldn't be archived " + why +
                      ", so the swarm stays active there. To close it, run `/swarm close INC-1` "
                      "again"),
            std::string::npos)
      << told;
  EXPECT_EQ((here + told).find("restricted_action"), std::string::npos);
  EXPECT_EQ(db_->Sql()
                .execAndGet("SELECT COUNT(*) FROM timeline WHERE kind = 'archive_failed' AND "
                            "text LIKE '%restricted_action%'")
                .getInt(),
            1);

  // Trying again works once Slack allows it.
  ASSERT_TRUE(swarms_.Close(1, UserId("UMARA")));
  Drain();
  EXPECT_TRUE(slack_.Named(kName).archived);
  EXPECT_EQ(swarms_.FindByIncident(1).value()->state, store::SwarmState::kArchived);
}

// Check10 #3: trying the close again posted the whole closing summary again.
TEST_F(EffectRunnerTest, TryingTheCloseAgainRetriesOnlyTheArchive) {
  Declare();
  Start();
  Drain();
  ASSERT_TRUE(incidents_.Move(1, lifecycle::Transition::kResolve, UserId("UPRIYA"), ""));
  Drain();
  const auto closings = [&] {
    const auto& messages = slack_.Named(kName).messages;
    return std::count_if(messages.begin(), messages.end(), [](const json::object& message) {
      return json::serialize(message).find(":tada:") != std::string::npos;
    });
  };
  slack_.fail_before["conversations.archive"].push_back(SlackError("restricted_action"));
  slack_.fail_before["conversations.archive"].push_back(SlackError("restricted_action"));
  for (int attempt = 0; attempt < 3; ++attempt) {
    ASSERT_TRUE(swarms_.Close(1, UserId("UMARA")));
    Drain();
    EXPECT_EQ(closings(), 1) << "after close " << attempt + 1;
  }
  EXPECT_TRUE(failed_.empty()) << failed_.front();
  EXPECT_EQ(slack_.Count("conversations.archive"), 3u);
  EXPECT_TRUE(slack_.Named(kName).archived);
}

TEST_F(EffectRunnerTest, APrivateChannelSwarmbotWasRemovedFromIsLeftOpenAndTheCloserTold) {
  Declare();
  Start();
  Drain();
  ASSERT_TRUE(incidents_.Close(1, UserId("UMARA"), "fixed"));
  slack_.Named(kName).is_private = true;
  slack_.Named(kName).members.erase("UBOT");
  Drain();
  EXPECT_FALSE(slack_.Named(kName).archived);
  EXPECT_EQ(swarms_.FindByIncident(1).value()->state, store::SwarmState::kActive);
  ASSERT_EQ(slack_.channels["DUMARA"].messages.size(), 1u);
  const std::string told = json::serialize(slack_.channels["DUMARA"].messages[0]);
  EXPECT_NE(told.find("(swarmbot isn't in the channel any more)"), std::string::npos) << told;
  EXPECT_NE(told.find("invite swarmbot back"), std::string::npos) << told;
}

// Check9 #16: resolve then /swarm close sent the same topic and summary twice.
TEST_F(EffectRunnerTest, AnUnchangedTopicOrSummaryIsNotSentAgain) {
  Declare();
  Start();
  Drain();
  ASSERT_TRUE(incidents_.Move(1, lifecycle::Transition::kResolve, UserId("UPRIYA"), ""));
  Drain();
  const auto topics = slack_.Count("conversations.setTopic");
  const auto updates = slack_.Count("chat.update");
  ASSERT_TRUE(swarms_.Close(1, UserId("UPRIYA")));
  Drain();
  EXPECT_TRUE(failed_.empty()) << failed_.front();
  EXPECT_EQ(slack_.Count("conversations.setTopic"), topics);
  EXPECT_LE(slack_.Count("chat.update"), updates + 1) << "only the announcement may change";
  EXPECT_TRUE(slack_.Named(kName).archived);
}

// Check9 #9: the swarm channel hears who owns the incident now.
TEST_F(EffectRunnerTest, ANoteIsPostedInTheLiveSwarmChannelOnly) {
  Declare();
  Start();
  Drain();
  store::Outbox(*db_).Enqueue(
      "INC-1", "swarm.post_note",
      {{"incident", "1"}, {"text", ":bust_in_silhouette: <@UCHEN> owns INC-1 now."}}, clock_.Now());
  Drain();
  EXPECT_TRUE(failed_.empty()) << failed_.front();
  const std::string posted = json::serialize(slack_.Named(kName).messages.back());
  EXPECT_NE(posted.find(":bust_in_silhouette: <@UCHEN> owns INC-1 now."), std::string::npos)
      << posted;
  const auto before = slack_.Named(kName).messages.size();
  ASSERT_TRUE(incidents_.Close(1, UserId("UPRIYA"), ""));
  Drain();
  store::Outbox(*db_).Enqueue("INC-1", "swarm.post_note", {{"incident", "1"}, {"text", "late"}},
                              clock_.Now());
  Drain();
  EXPECT_EQ(slack_.Named(kName).messages.size(), before + 1) << "only the closing summary";
}

TEST_F(EffectRunnerTest, ReopeningAClosedIncidentSwarmsInANewChannelWithTheSameMembers) {
  Declare();
  Start({UserId("USOFIA")});
  Drain();
  const std::string old_id = slack_.Named(kName).id;
  ASSERT_TRUE(incidents_.Close(1, UserId("UPRIYA"), "Fixed"));
  ASSERT_TRUE(incidents_.Move(1, lifecycle::Transition::kReopen, UserId("UMARA"), "again"));
  Drain();
  EXPECT_TRUE(failed_.empty()) << failed_.front();
  EXPECT_TRUE(slack_.Named(kName).archived);
  EXPECT_EQ(slack_.Named(kName).messages.size(), 2u);  // summary and closing summary
  FakeSlack::Channel& reopened = slack_.Named(kName + "-reopened");
  EXPECT_FALSE(reopened.archived);
  EXPECT_EQ(reopened.members, (std::set<std::string>{"UBOT", "UMARA", "UPRIYA", "USOFIA"}));
  EXPECT_EQ(reopened.pins.size(), 1u);
  ASSERT_EQ(reopened.messages.size(), 2u);
  EXPECT_NE(json::serialize(reopened.messages[1]).find("<#" + old_id + ">"), std::string::npos);
  auto swarm = swarms_.FindByIncident(1).value().value();
  EXPECT_EQ(swarm.state, store::SwarmState::kActive);
  EXPECT_EQ(swarm.channel_id, ChannelId(reopened.id));
  EXPECT_EQ(swarm.previous_channel_id, ChannelId(old_id));
}

TEST_F(EffectRunnerTest, WithAUserTokenReopeningUnarchivesTheChannelAndBringsEveryoneBack) {
  incidents_.SetUnarchiveSwarms(true);
  slack_.user_token = true;
  Declare();
  Start({UserId("USOFIA")});
  Drain();
  const std::string id = slack_.Named(kName).id;
  ASSERT_TRUE(incidents_.Close(1, UserId("UPRIYA"), "Fixed"));
  Drain();
  ASSERT_TRUE(slack_.Named(kName).archived);
  ASSERT_TRUE(incidents_.Move(1, lifecycle::Transition::kReopen, UserId("UMARA"), "again"));
  Drain();
  EXPECT_TRUE(failed_.empty()) << failed_.front();
  FakeSlack::Channel& channel = slack_.Named(kName);
  EXPECT_FALSE(channel.archived);
  EXPECT_EQ(channel.members,
            (std::set<std::string>{"UADMIN", "UBOT", "UMARA", "UPRIYA", "USOFIA"}));
  ASSERT_EQ(channel.messages.size(), 3u);  // summary, closing summary, reopening note
  EXPECT_NE(json::serialize(channel.messages[2]).find("was reopened"), std::string::npos);
  EXPECT_EQ(slack_.Count("conversations.create"), 1u);
  EXPECT_EQ(slack_.Count("user:conversations.unarchive"), 1u);
  auto swarm = swarms_.FindByIncident(1).value().value();
  EXPECT_EQ(swarm.state, store::SwarmState::kActive);
  EXPECT_EQ(swarm.channel_id, ChannelId(id));
  EXPECT_NE(channel.topic.find("in progress"), std::string::npos) << channel.topic;
}

TEST_F(EffectRunnerTest, WhenTheUserTokenIsRefusedTheSwarmMovesToANewChannel) {
  incidents_.SetUnarchiveSwarms(true);  // configured, but Slack answers not_authed
  Declare();
  Start({UserId("USOFIA")});
  Drain();
  ASSERT_TRUE(incidents_.Close(1, UserId("UPRIYA"), "Fixed"));
  Drain();  // archived: the reopening tries to unarchive
  ASSERT_TRUE(incidents_.Move(1, lifecycle::Transition::kReopen, UserId("UMARA"), "again"));
  Drain();
  EXPECT_TRUE(failed_.empty()) << failed_.front();
  EXPECT_TRUE(slack_.Named(kName).archived);
  FakeSlack::Channel& reopened = slack_.Named(kName + "-reopened");
  EXPECT_EQ(reopened.members, (std::set<std::string>{"UBOT", "UMARA", "UPRIYA", "USOFIA"}));
  EXPECT_EQ(db_->Sql()
                .execAndGet("SELECT count(*) FROM timeline WHERE text LIKE 'Slack refused to "
                            "unarchive #" +
                            kName + " (not_authed). Swarm restarted in #%'")
                .getInt(),
            1);
}

TEST_F(EffectRunnerTest, SomeoneInvitedWhileTheUnarchiveFallsBackGetsIntoTheNewChannel) {
  incidents_.SetUnarchiveSwarms(true);  // configured, but Slack answers not_authed
  Declare();
  Start({UserId("USOFIA")});
  Drain();
  ASSERT_TRUE(incidents_.Close(1, UserId("UPRIYA"), "Fixed"));
  Drain();
  ASSERT_TRUE(incidents_.Move(1, lifecycle::Transition::kReopen, UserId("UMARA"), "again"));
  // Queued behind the unarchive, which then falls back to a channel not yet created.
  lifecycle::ExpertService experts(*db_, clock_, {});
  ASSERT_TRUE(experts.InviteDirect(1, {UserId("UKAI")}, {}, UserId("UMARA")));
  Drain();
  EXPECT_TRUE(failed_.empty()) << failed_.front();
  FakeSlack::Channel& reopened = slack_.Named(kName + "-reopened");
  EXPECT_EQ(reopened.members, (std::set<std::string>{"UBOT", "UKAI", "UMARA", "UPRIYA", "USOFIA"}));
  EXPECT_EQ(db_->Sql().execAndGet("SELECT count(*) FROM timeline WHERE kind = 'problem'").getInt(),
            0)
      << "no failure was noted on the incident";
}

TEST_F(EffectRunnerTest, AnnouncesNothingWithoutAManagersChannel) {
  Settings quiet = settings_;
  quiet.managers_channel = ChannelId();
  EffectRunner runner(*db_, clock_, quiet);
  Declare();
  auto item = store::Outbox(*db_).ClaimNext(clock_.Now()).value();
  boost::asio::io_context io;
  std::optional<Status> result;
  boost::asio::co_spawn(io, runner.Run(item, slack_),
                        [&](std::exception_ptr, Status status) { result = std::move(status); });
  io.run();
  ASSERT_TRUE(result && *result);
  EXPECT_TRUE(slack_.calls.empty());
}

TEST_F(EffectRunnerTest, RefusesAnItemItDoesNotKnow) {
  store::OutboxItem item;
  item.id = 9;
  item.kind = "swarm.dance";
  item.args = {{"incident", std::to_string(Declare())}};
  Status status = RunOne(item);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, Errc::kInternal);
  item.args = {};
  EXPECT_EQ(RunOne(item).error().code, Errc::kInternal);
}

// A views.open that gets no answer in the trigger's short life is not
// retried (the trigger is dead by then): the person is told to try again.
TEST_F(EffectRunnerTest, AFormSlackDoesNotOpenInTimeIsNotRetriedAndThePersonIsTold) {
  ASSERT_TRUE(incidents_.QueueOpenView("123.456.abc", R"({"type":"modal"})", UserId("UMARA"),
                                       ChannelId("CSUP")));
  store::Outbox outbox(*db_);
  auto item = outbox.ClaimNext(clock_.Now());
  ASSERT_TRUE(item);
  slack_.fail_before["views.open"].push_back(
      MakeError(Errc::kUnavailable, "timed out talking to slack.com"));
  EXPECT_TRUE(RunOne(*item)) << "done: a retry would carry an expired trigger";
  EXPECT_EQ(slack_.Count("views.open"), 1u);
  ASSERT_EQ(slack_.ephemerals.size(), 1u);
  EXPECT_EQ(slack_.ephemerals[0],
            "UMARA: The form didn't open (Slack didn't answer in time), so nothing was changed. "
            "Please run the command or click the button again.");

  // Claimed again after a crash during the call: no second views.open.
  item->attempts = 1;
  EXPECT_TRUE(RunOne(*item));
  EXPECT_EQ(slack_.Count("views.open"), 1u);
  ASSERT_EQ(slack_.ephemerals.size(), 2u);
  EXPECT_NE(slack_.ephemerals[1].find("Please run the command or click the button again."),
            std::string::npos);
}

// experts.propose over a store in a file, where the Expert Finder's index is
// built on a worker thread. Items run one at a time, as OutboxWorker runs them,
// on an io_context that lives as long as the runner.
class ExpertProposalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    slack_.AddChannel("incident-managers", "UADMIN", false, "CIM");
    AddPerson("USOFIA", "Sofia");
    AddPerson("UOMAR", "Omar");
    AddPerson("UCHEN", "Chen");
    AddHistory("old-1", "FEAST10 discount code rejected at checkout", "Sofia");
    AddHistory("old-2", "SPRING discount code rejected for some baskets", "Omar");
    Declare("FEAST25 discount code rejected at checkout");
    ASSERT_TRUE(swarms_.Start({1, {}, {}}, UserId("UPRIYA")));
    ASSERT_TRUE(RunDueItems());
    ASSERT_TRUE(Swarm());
  }

  void TearDown() override { Release(); }

  void AddPerson(const std::string& user, const std::string& name) {
    store::Person person;
    person.user = UserId(user);
    person.display_name = name;
    store::PeopleRepository(*db_).Upsert(person, clock_.Now());
  }

  void AddHistory(const std::string& id, const std::string& title, const std::string& expert) {
    ASSERT_TRUE(experts_.ImportHistory({{id, clock_.Now() - 24h, title, title, {}, expert}}));
  }

  void Declare(const std::string& subject) {
    lifecycle::DeclareInput in;
    in.subject = subject;
    in.impact = store::Level::kHigh;
    ASSERT_TRUE(incidents_.Declare(in, UserId("UMARA")));
  }

  FakeSlack::Channel* Swarm() {
    for (auto& [id, channel] : slack_.channels) {
      if (channel.name.starts_with("inc-1-")) {
        return &channel;
      }
    }
    return nullptr;
  }

  // The experts lists posted in the swarm channel, oldest first, as JSON.
  std::vector<std::string> Lists() {
    std::vector<std::string> lists;
    for (const auto& message : Swarm()->messages) {
      const json::value* text = message.if_contains("text");
      if (text != nullptr && *text == "Experts for INC-1") {
        lists.push_back(json::serialize(message));
      }
    }
    return lists;
  }

  // Holds every index build on its worker thread until Release().
  void HoldBuilds() {
    runner_.expert_index().SetBeforeBuild([this] { released_.wait(); });
  }
  void Release() {
    if (!released_once_) {
      released_once_ = true;
      release_.set_value();
    }
  }

  // Runs the io_context until `done`, bounded by kTestTimeout.
  bool RunIoUntil(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + swarmbot::testing::kTestTimeout;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io_.restart();
      io_.run_one_until(deadline);
    }
    return done();
  }

  // Performs every item due now, one at a time. False when one of them
  // didn't finish: it held up the outbox.
  bool RunDueItems() {
    store::Outbox outbox(*db_);
    while (auto item = outbox.ClaimNext(clock_.Now())) {
      std::optional<Status> result;
      boost::asio::co_spawn(io_, runner_.Run(*item, slack_),
                            [&](std::exception_ptr error, Status status) {
                              if (error) {
                                std::rethrow_exception(error);
                              }
                              result = std::move(status);
                            });
      if (!RunIoUntil([&] { return result.has_value(); })) {
        ADD_FAILURE() << item->kind << " of " << item->stream << " held up the outbox";
        return false;
      }
      if (!*result) {
        ADD_FAILURE() << item->kind << " failed: " << result->error().detail;
        outbox.MarkFailed(item->id, result->error().detail, clock_.Now());
      } else {
        outbox.MarkDone(item->id, clock_.Now());
      }
    }
    return true;
  }

  // Asks for experts and lets time pass until a new list is posted.
  std::string AskForExperts() {
    const std::size_t before = Lists().size();
    EXPECT_TRUE(experts_.RequestExperts(1, UserId("UPRIYA")));
    const bool posted = RunIoUntil([&] {
      clock_.Advance(1s);
      return RunDueItems() && Lists().size() > before;
    });
    EXPECT_TRUE(posted) << "no new experts list";
    return posted ? Lists().back() : std::string();
  }

  static bool Has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
  }

  swarmbot::testing::TempDir dir_;
  std::unique_ptr<store::Database> db_ =
      store::Database::Open((dir_ / "swarmbot.db").string()).value();
  FakeClock clock_;
  lifecycle::IncidentService incidents_{*db_, clock_};
  lifecycle::SwarmService swarms_{*db_, clock_};
  lifecycle::ExpertService experts_{*db_, clock_, {}};
  Settings settings_{ChannelId("CIM"), {}, "swarmbot", UserId(), ""};
  EffectRunner runner_{*db_, clock_, settings_};
  FakeSlack slack_;
  boost::asio::io_context io_{1};
  std::promise<void> release_;
  std::shared_future<void> released_ = release_.get_future().share();
  bool released_once_ = false;
};

// Check 7, B1: the first /swarm experts after a start held up every
// incident's Slack updates while the index was built; a P1's announcement waited.
TEST_F(ExpertProposalTest, OtherIncidentsEffectsGoOnWhileTheIndexIsBuilt) {
  HoldBuilds();
  ASSERT_TRUE(experts_.RequestExperts(1, UserId("UPRIYA")));
  Declare("Checkout down for everyone");
  ASSERT_TRUE(RunDueItems());
  const auto& managers = slack_.channels["CIM"].messages;
  ASSERT_EQ(managers.size(), 2u) << "INC-2 was announced while the index was being built";
  EXPECT_TRUE(Has(json::serialize(managers[1]), "INC-2"));
  EXPECT_TRUE(Lists().empty());

  Release();
  const bool posted = RunIoUntil([&] {
    clock_.Advance(1s);
    return RunDueItems() && !Lists().empty();
  });
  ASSERT_TRUE(posted) << "the list came once the index was built";
  EXPECT_TRUE(Has(Lists().front(), "INC-1 USOFIA"));
}

// Check 7, B4: the next /swarm experts after a people import still
// proposed someone the import had deactivated.
TEST_F(ExpertProposalTest, SomeoneDeactivatedByAPeopleImportIsNotProposedNextTime) {
  ASSERT_TRUE(Has(AskForExperts(), "INC-1 UOMAR"));
  store::PeopleRepository(*db_).DeactivateAllExcept({UserId("USOFIA"), UserId("UCHEN")},
                                                    clock_.Now());
  const std::string list = AskForExperts();
  EXPECT_FALSE(Has(list, "UOMAR")) << list;
  EXPECT_TRUE(Has(list, "INC-1 USOFIA")) << list;
}

// Check 7, B4: after a history import added the only evidence for someone,
// the next request still said nobody else had matching past work.
TEST_F(ExpertProposalTest, HistoryImportedSinceTheLastListCountsForTheNextRequest) {
  ASSERT_FALSE(Has(AskForExperts(), "UCHEN"));
  AddHistory("old-3", "FEAST25 discount code rejected at checkout again", "Chen");
  const std::string list = AskForExperts();
  EXPECT_TRUE(Has(list, "INC-1 UCHEN")) << list;
}

}  // namespace
}  // namespace swarmbot::handlers
