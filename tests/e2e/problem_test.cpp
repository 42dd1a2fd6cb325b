// Step 9 of the Take-Out scenario through the real binary (issue #5): Dev
// opens a problem from the swarm channel, notes the cause and names the
// impacted assets from the imported catalogue; the channel hears of each.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/e2e/e2e_fixture.hpp"

namespace swarmbot::e2e {
namespace {

class ProblemRecord : public EndToEnd {
 protected:
  static bool Has(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
  }

  std::filesystem::path WriteFile(const std::string& name, const std::string& text) {
    const auto path = dir_.path() / name;
    std::ofstream(path) << text;
    return path;
  }

  // Starts INC-1's swarm with Dev; returns the channel once Dev is in it.
  // Once swarmbot has recorded Dev in it too: a member may tie a problem to
  // the incident.
  // Dev is a responder on the people list: in the swarm, he may open a
  // problem on INC-1.
  ChannelId StartSwarm() {
    scenario_->ImportPeople();
    Type(people().mara, people().incidents, "/swarm",
         "start INC-1 <@" + people().dev.str() + "|dev>");
    const ChannelId channel = SwarmChannelWith({people().dev}, "the swarm channel with Dev");
    EXPECT_TRUE(LogSays("event=swarm.member_joined incident=INC-1 user=" + people().dev.str()));
    return channel;
  }

  // Whether the bot posted a message in `channel` containing every part.
  bool BotPosted(const ChannelId& channel, const std::vector<std::string>& parts) {
    const auto snapshot = slack().Channel(channel);
    if (!snapshot) {
      return false;
    }
    for (const auto& message : snapshot->messages) {
      bool all = !message.bot_id.empty();
      for (const std::string& part : parts) {
        all = all && Has(message.blocks_json, part);
      }
      if (all) {
        return true;
      }
    }
    return false;
  }
};

TEST_F(ProblemRecord, DevOpensAProblemInTheSwarmChannelWithCauseAndAssets) {
  const std::string catalogue = std::string(SWARMBOT_SOURCE_DIR) + "/samples/assets.toml";
  const auto imported = stack_->RunSwarmbotCommand({"import", "assets", catalogue});
  ASSERT_EQ(imported.status, 0) << imported.output;
  EXPECT_TRUE(Has(imported.output, "imported assets.toml: 6 assets (6 added, 0 updated"))
      << imported.output;
  ASSERT_EQ(DeclareFeast25(), "INC-1");
  const ChannelId swarm = StartSwarm();
  ASSERT_FALSE(swarm.empty());

  EXPECT_TRUE(Has(Type(people().dev, swarm, "/problem", "new"),
                  "PRB-1 opened and linked to INC-1: FEAST25 discount code fails at checkout."));
  EXPECT_EQ(Type(people().dev, swarm, "/problem",
                 "cause The FEAST25 rule's end date was set to last Sunday"),
            "Root-cause note added to PRB-1.");
  EXPECT_EQ(Type(people().dev, swarm, "/problem", "asset checkout-service pricing-service"),
            "Impacted assets added to PRB-1: checkout-service, pricing-service.");
  EXPECT_TRUE(Has(Type(people().dev, swarm, "/problem", "asset checkout"),
                  "did you mean checkout-service?"));

  EXPECT_TRUE(Eventually("the link, the cause and the assets announced in the channel", [&] {
    return BotPosted(swarm, {"PRB-1", "Opened", "linked to INC-1"}) &&
           BotPosted(swarm, {"PRB-1", "Root cause: The FEAST25 rule"}) &&
           BotPosted(swarm, {"PRB-1", "Impacted assets: checkout-service, pricing-service"});
  }));
  // The pinned summary names the problem.
  EXPECT_TRUE(Eventually("the pinned summary showing PRB-1", [&] {
    const auto snapshot = slack().Channel(swarm);
    const auto* pinned = snapshot ? snapshot->FindMessage(snapshot->pins.front()) : nullptr;
    return pinned != nullptr && Has(pinned->blocks_json, "PRB-1 (investigating)");
  }));

  Type(people().dev, swarm, "/problem", "show");
  const auto shown = slack().Ephemerals(people().dev);
  ASSERT_FALSE(shown.empty());
  EXPECT_TRUE(Has(shown.back().blocks_json, "checkout-service, pricing-service"))
      << shown.back().blocks_json;
  EXPECT_TRUE(Has(shown.back().blocks_json, "INC-1 (in progress)")) << shown.back().blocks_json;
}

// Check 21 #5: `/problem show` without an id, in a swarm channel whose
// incident has several problems, gave an example naming some other PRB-2.
TEST_F(ProblemRecord, WithoutAnIdInASwarmWithSeveralProblemsTheAnswerNamesThem) {
  ASSERT_EQ(DeclareFeast25(), "INC-1");
  const ChannelId swarm = StartSwarm();
  ASSERT_FALSE(swarm.empty());
  for (const char* title : {"Expired rule", "Stale cache", "Wrong time zone"}) {
    ASSERT_TRUE(
        Has(Type(people().dev, swarm, "/problem", std::string("new ") + title), "linked to INC-1"));
  }
  const std::string which = Type(people().dev, swarm, "/problem", "show");
  EXPECT_TRUE(Has(which,
                  "Which problem? INC-1 has 3 problems, PRB-1, PRB-2 and PRB-3; name one, "
                  "e.g. `/problem show PRB-1`."))
      << which;
  const std::string cause = Type(people().dev, swarm, "/problem", "cause the rule expired");
  EXPECT_TRUE(Has(cause, "e.g. `/problem cause PRB-1 the rule expired`")) << cause;
}

TEST_F(ProblemRecord, ABadAssetFileExitsTwoNamingTheLineAndReimportUpdates) {
  const auto bad = WriteFile("assets.toml",
                             "[[asset]]\nname = \"checkout-service\"\n\n[[asset]]\n"
                             "name = \"Pricing Service\"\n");
  const auto refused = stack_->RunSwarmbotCommand({"import", "assets", bad.string()});
  EXPECT_EQ(refused.status, 2) << refused.output;
  EXPECT_TRUE(Has(refused.output, "assets.toml:5: asset[2].name")) << refused.output;

  const auto good = WriteFile("assets.toml", "[[asset]]\nname = \"checkout-service\"\n");
  ASSERT_EQ(stack_->RunSwarmbotCommand({"import", "assets", good.string()}).status, 0);
  WriteFile("assets.toml",
            "[[asset]]\nname = \"checkout-service\"\nteam = \"payments\"\n"
            "[[asset]]\nname = \"pricing-service\"\n");
  const auto again = stack_->RunSwarmbotCommand({"import", "assets", good.string()});
  EXPECT_EQ(again.status, 0) << again.output;
  EXPECT_TRUE(Has(again.output, "2 assets (1 added, 1 updated, 0 unchanged)")) << again.output;
}

}  // namespace
}  // namespace swarmbot::e2e
