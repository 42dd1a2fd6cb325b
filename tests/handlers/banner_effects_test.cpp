// banner.announce: one line in the swarm channel per banner event, never two,
// and none once the channel is archived.
#include "handlers/banner_effects.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "lifecycle/effects.hpp"
#include "lifecycle/incident_service.hpp"
#include "lifecycle/swarm_service.hpp"

namespace swarmbot::handlers {
namespace {

namespace json = boost::json;
using boost::asio::awaitable;

// Posts and reads back one channel's history, as much of Slack as the
// announcement needs.
class ChannelSlack final : public SlackApi {
 public:
  awaitable<Result<ApiReply>> Call(std::string method, std::string args_json) override {
    const json::object args = json::parse(args_json).as_object();
    json::object reply{{"ok", true}};
    if (method == "chat.postMessage") {
      posts.push_back(args);
      reply["ts"] = std::to_string(posts.size()) + ".000100";
    } else if (method == "conversations.history") {
      json::array messages;
      for (const auto& post : posts) {
        messages.push_back(
            json::object{{"text", post.at("text")}, {"metadata", post.at("metadata")}});
      }
      reply["messages"] = std::move(messages);
    } else {
      co_return MakeError(Errc::kSlackError, "unexpected " + method);
    }
    co_return ApiReply{json::serialize(reply), ""};
  }

  awaitable<Status> Respond(std::string, std::string) override { co_return Status{}; }

  std::vector<json::object> posts;
};

class BannerEffectsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    lifecycle::DeclareInput in;
    in.subject = "FEAST25 fails at checkout";
    ASSERT_TRUE(services_.incidents.Declare(in, UserId("UMARA")));
    ASSERT_TRUE(services_.swarms.Start({1, {}, {}}, UserId("UPRIYA")));
    ASSERT_TRUE(services_.swarms.RecordChannel(1, ChannelId("CSWARM"), "inc-1-feast25"));
  }

  // The pending banner.announce items, oldest first.
  std::vector<store::OutboxItem> Announcements() {
    std::vector<store::OutboxItem> items;
    for (auto& item : store::Outbox(*db_).Pending()) {
      if (item.kind == lifecycle::effect::kBannerAnnounce) {
        items.push_back(std::move(item));
      }
    }
    return items;
  }

  Status Run(store::OutboxItem item) {
    boost::asio::io_context io;
    std::optional<Status> result;
    boost::asio::co_spawn(io, effects_.Run(item, slack_),
                          [&](std::exception_ptr error, Status status) {
                            if (error) {
                              std::rethrow_exception(error);
                            }
                            result = std::move(status);
                          });
    io.run();
    return result.value();
  }

  std::string PostText(std::size_t i) {
    return std::string(slack_.posts.at(i).at("text").as_string());
  }

  lifecycle::BannerInput Input() {
    lifecycle::BannerInput input;
    input.incident = 1;
    input.text = "Use <FEAST25B>";
    return input;
  }

  FakeClock clock_;
  std::unique_ptr<store::Database> db_ = store::Database::Open(":memory:").value();
  detail::Services services_{*db_, clock_, Settings{}};
  BannerEffects effects_{services_};
  ChannelSlack slack_;
};

TEST_F(BannerEffectsTest, SaysInTheSwarmChannelThatTheBannerWentUpAndCameDown) {
  ASSERT_TRUE(services_.banners.Set(Input(), UserId("UPRIYA")));
  ASSERT_TRUE(services_.banners.Clear({.incident = 1, .audience = std::nullopt}, UserId("UMARA")));
  const auto items = Announcements();
  ASSERT_EQ(items.size(), 2u);
  ASSERT_TRUE(Run(items[0]));
  ASSERT_TRUE(Run(items[1]));

  ASSERT_EQ(slack_.posts.size(), 2u);
  EXPECT_EQ(slack_.posts[0].at("channel").as_string(), "CSWARM");
  EXPECT_EQ(PostText(0),
            ":loudspeaker: <@UPRIYA> put up a site banner for signed-in customers (info): \"Use "
            "&lt;FEAST25B&gt;\"");
  EXPECT_EQ(PostText(1),
            ":white_check_mark: <@UMARA> took down the site banner for signed-in customers: "
            "\"Use &lt;FEAST25B&gt;\"");
}

TEST_F(BannerEffectsTest, ARetryFindsItsEarlierPostAndDoesNotPostAgain) {
  ASSERT_TRUE(services_.banners.Set(Input(), UserId("UPRIYA")));
  auto item = Announcements().at(0);
  ASSERT_TRUE(Run(item));
  item.attempts = 1;  // the outbox never heard that the first run succeeded
  ASSERT_TRUE(Run(item));
  EXPECT_EQ(slack_.posts.size(), 1u);
}

TEST_F(BannerEffectsTest, PostsNothingOnceTheChannelIsArchived) {
  ASSERT_TRUE(services_.banners.Set(Input(), UserId("UPRIYA")));
  ASSERT_TRUE(services_.swarms.RecordArchived(1, ChannelId("CSWARM")));
  ASSERT_TRUE(Run(Announcements().at(0)));
  EXPECT_TRUE(slack_.posts.empty());
}

TEST_F(BannerEffectsTest, RefusesAMalformedItem) {
  store::OutboxItem item;
  item.kind = std::string(lifecycle::effect::kBannerAnnounce);
  item.args = {{"incident", "1"}};
  EXPECT_EQ(Run(item).error().code, Errc::kInternal);
  EXPECT_TRUE(slack_.posts.empty());
}

}  // namespace
}  // namespace swarmbot::handlers
