// The emulator's payloads and answers against Slack's own samples in shared/:
// every field a real payload or success answer carries must be there.
#include "tests/emulator/helpers.hpp"

namespace swarmbot::emulator::testing {
namespace {

const std::string kAppBackend = "java-slack-sdk/json-logs/samples/app-backend/";
const std::string kMethods = "slack-api-ref/docs.slack.dev-methods/";

// Keys of `sample` missing from `actual`.
std::vector<std::string> Missing(const json::object& sample, const json::object& actual) {
  std::vector<std::string> missing;
  for (const auto& [key, value] : sample) {
    if (!actual.contains(key)) {
      missing.emplace_back(key);
    }
  }
  return missing;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) {
    out += (out.empty() ? "" : ", ") + i;
  }
  return out;
}

// An app that records every envelope and acks each with nothing.
class Samples : public EmulatorTest {
 public:
  Samples() : app_(emulator_) {}

  json::object LastPayload(const std::string& type) {
    auto envelopes = app_.OfType(type);
    EXPECT_FALSE(envelopes.empty()) << type;
    return envelopes.empty() ? json::object{} : envelopes.back().at("payload").as_object();
  }
  std::string Trigger() {
    EXPECT_TRUE(emulator_.SlashCommand(ws_.mara, ws_.general, "/incident", "declare"));
    return Str(LastPayload("slash_commands").at("trigger_id"));
  }
  std::string ButtonMessage() {
    auto posted = Call("chat.postMessage",
                       {{"channel", ws_.general.str()},
                        {"text", "Approve CHG-1?"},
                        {"blocks", json::parse(R"([{"type":"actions","block_id":"chg-1","elements":[
                            {"type":"button","action_id":"approve","value":"CHG-1","style":"primary",
                             "text":{"type":"plain_text","text":"Approve"}}]}])")}});
    return Str(posted.at("ts"));
  }

  FakeApp app_;
};

TEST_F(Samples, SlashCommandCarriesEverySampleField) {
  ASSERT_TRUE(emulator_.SlashCommand(ws_.mara, ws_.general, "/incident", "help"));
  const auto sample =
      ReadSample(kAppBackend + "slash-commands/SlashCommandPayload.json").as_object();
  const auto payload = LastPayload("slash_commands");
  EXPECT_EQ(Missing(sample, payload), std::vector<std::string>{}) << Join(Missing(sample, payload));
  for (const auto& [key, value] : payload) {
    EXPECT_TRUE(value.is_string()) << key << ": Socket Mode sends the form fields as strings";
  }
}

TEST_F(Samples, BlockActionsFromAMessageCarryEverySampleField) {
  const std::string ts = ButtonMessage();
  ASSERT_TRUE(emulator_.ClickButton(ws_.mara, ws_.general, MessageTs(ts), "approve"));
  const auto sample =
      ReadSample(kAppBackend + "interactive-components/BlockActionPayload.json").as_object();
  const auto payload = LastPayload("interactive");
  EXPECT_EQ(Missing(sample, payload), std::vector<std::string>{}) << Join(Missing(sample, payload));
  EXPECT_EQ(payload.at("type"), "block_actions");
  EXPECT_EQ(payload.at("container").at("type"), "message");
  EXPECT_EQ(payload.at("container").at("message_ts"), ts.c_str());
  EXPECT_EQ(payload.at("message").at("ts"), ts.c_str());
  EXPECT_EQ(payload.at("channel").at("id"), ws_.general.str().c_str());
  const auto& action = payload.at("actions").at(0).as_object();
  EXPECT_EQ(action.at("action_id"), "approve");
  EXPECT_EQ(action.at("block_id"), "chg-1");
  EXPECT_EQ(action.at("value"), "CHG-1");
  EXPECT_EQ(action.at("type"), "button");
  EXPECT_TRUE(action.contains("action_ts"));
  EXPECT_TRUE(Missing(sample.at("user").as_object(), payload.at("user").as_object()).empty());
}

TEST_F(Samples, ViewSubmissionCarriesEverySampleField) {
  auto opened = Call("views.open", {{"trigger_id", Trigger()},
                                    {"view", json::parse(R"({"type":"modal","callback_id":"declare",
                          "title":{"type":"plain_text","text":"Declare"},
                          "submit":{"type":"plain_text","text":"Go"},
                          "blocks":[{"type":"input","block_id":"s","label":{"type":"plain_text","text":"S"},
                                     "element":{"type":"plain_text_input","action_id":"v"}}]})")}});
  ASSERT_TRUE(IsOk(opened)) << json::serialize(opened);
  ASSERT_TRUE(emulator_.SubmitView(ws_.mara, Str(opened.at("view").at("id")),
                                   R"({"s":{"v":{"type":"plain_text_input","value":"x"}}})"));
  const auto sample = ReadSample(kAppBackend + "views/ViewSubmissionPayload.json").as_object();
  const auto payload = LastPayload("interactive");
  EXPECT_EQ(Missing(sample, payload), std::vector<std::string>{}) << Join(Missing(sample, payload));
  const auto missing_in_view =
      Missing(sample.at("view").as_object(), payload.at("view").as_object());
  EXPECT_TRUE(missing_in_view.empty()) << Join(missing_in_view);
}

TEST_F(Samples, EventsCarryTheEventCallbackFields) {
  ASSERT_TRUE(emulator_.PostMessageAs(ws_.mara, ws_.general, "hello"));
  ASSERT_TRUE(app_.WaitForEnvelopes(1));
  const auto sample =
      ReadSample("java-slack-sdk/json-logs/samples/events/MemberJoinedChannelPayload.json")
          .as_object();
  const auto payload = LastPayload("message");
  EXPECT_EQ(Missing(sample, payload), std::vector<std::string>{}) << Join(Missing(sample, payload));
}

TEST_F(Samples, UserChangeTellsOfADeactivationAndOfTheAccountComingBack) {
  auto events = DefaultEventSubscriptions();
  events.insert("user_change");
  emulator_.SetEventSubscriptions(events);
  emulator_.DeactivateUser(ws_.dev);
  emulator_.ReactivateUser(ws_.dev);
  ASSERT_TRUE(app_.WaitForEnvelopes(2));

  const auto sample =
      ReadSample("java-slack-sdk/json-logs/samples/events/UserChangePayload.json").as_object();
  const auto changes = app_.OfType("user_change");
  ASSERT_EQ(changes.size(), 2u);
  const auto& gone = changes[0].at("payload").as_object();
  const auto& back = changes[1].at("payload").as_object();
  // The envelope is every event's (EventsCarryTheEventCallbackFields); the
  // sample's legacy authed_users and authed_teams may be missing (reference §2.2).
  const auto& event = gone.at("event").as_object();
  EXPECT_EQ(Missing(sample.at("event").as_object(), event), std::vector<std::string>{});
  EXPECT_EQ(event.at("user").at("id"), ws_.dev.str().c_str());
  EXPECT_TRUE(event.at("user").at("deleted").as_bool());
  EXPECT_FALSE(back.at("event").at("user").at("deleted").as_bool());
  // The same user object as users.info answers.
  const auto info = CallForm("users.info", {{"user", ws_.dev.str()}});
  EXPECT_EQ(Missing(info.at("user").as_object(), event.at("user").as_object()),
            std::vector<std::string>{});
}

// One successful call per method, compared with the docs' success examples.
struct MethodCase {
  std::string method;
  std::string example;  // the key under `examples`
  std::function<json::object(Samples&)> call;
};

class SuccessAnswers : public Samples {
 public:
  void Check(const MethodCase& c) {
    const auto doc = ReadSample(kMethods + c.method + ".json").as_object();
    const auto& example = doc.at("examples").at(c.example).at("example").as_object();
    const json::object answer = c.call(*this);
    ASSERT_TRUE(IsOk(answer)) << c.method << ": " << json::serialize(answer);
    const auto missing = Missing(example, answer);
    EXPECT_TRUE(missing.empty()) << c.method << " lacks " << Join(missing);
    // One level down for the objects whose shape matters to callers.
    for (const char* key : {"channel", "user", "view", "bookmark"}) {
      if (c.method == "conversations.rename" || c.method == "conversations.open") {
        break;  // rename's example shows optional fields; open's varies with return_im
      }
      const auto* expected = example.if_contains(key);
      const auto* actual = answer.if_contains(key);
      if (expected != nullptr && expected->is_object() && actual != nullptr &&
          actual->is_object()) {
        const auto inner = Missing(expected->as_object(), actual->as_object());
        EXPECT_TRUE(inner.empty()) << c.method << "." << key << " lacks " << Join(inner);
      }
    }
  }
};

TEST_F(SuccessAnswers, MatchTheDocumentedExamples) {
  const std::string general = ws_.general.str();
  const std::vector<MethodCase> cases{
      {"auth.test", "success_with_bot_token", [](Samples& s) { return s.Call("auth.test", {}); }},
      {"apps.connections.open", "success",
       [](Samples& s) {
         return s.client_
             .Request("POST", "/api/apps.connections.open", "", "",
                      {{"Authorization", "Bearer " + s.emulator_.options().app_token.Reveal()}})
             .Json();
       }},
      {"chat.postMessage", "success",
       [&](Samples& s) {
         return s.Call("chat.postMessage", {{"channel", general}, {"text", "x"}});
       }},
      {"chat.postEphemeral", "success",
       [&](Samples& s) {
         return s.Call("chat.postEphemeral",
                       {{"channel", general}, {"user", s.ws_.mara.str()}, {"text", "x"}});
       }},
      {"chat.update", "success",
       [&](Samples& s) {
         return s.Call("chat.update",
                       {{"channel", general}, {"ts", s.Post(general, "a")}, {"text", "b"}});
       }},
      {"chat.delete", "success",
       [&](Samples& s) {
         return s.Call("chat.delete", {{"channel", general}, {"ts", s.Post(general, "a")}});
       }},
      {"chat.getPermalink", "success",
       [&](Samples& s) {
         return s.CallForm("chat.getPermalink",
                           {{"channel", general}, {"message_ts", s.Post(general, "a")}});
       }},
      {"conversations.create", "success",
       [](Samples& s) {
         return s.Call("conversations.create", {{"name", "inc-100"}});
       }},
      {"conversations.invite", "success",
       [](Samples& s) {
         return s.Call("conversations.invite",
                       {{"channel", s.CreateChannel("inc-101")}, {"users", s.ws_.dev.str()}});
       }},
      {"conversations.archive", "success",
       [](Samples& s) {
         return s.Call("conversations.archive", {{"channel", s.CreateChannel("inc-102")}});
       }},
      {"conversations.rename", "success",
       [](Samples& s) {
         return s.Call("conversations.rename",
                       {{"channel", s.CreateChannel("inc-103")}, {"name", "inc-103-b"}});
       }},
      {"conversations.setTopic", "success",
       [&](Samples& s) {
         return s.Call("conversations.setTopic", {{"channel", general}, {"topic", "t"}});
       }},
      {"conversations.setPurpose", "success",
       [&](Samples& s) {
         return s.Call("conversations.setPurpose", {{"channel", general}, {"purpose", "p"}});
       }},
      {"conversations.join", "success",
       [&](Samples& s) {
         return s.Call("conversations.join", {{"channel", general}});
       }},
      {"conversations.kick", "success",
       [](Samples& s) {
         const std::string channel = s.CreateChannel("inc-104");
         s.Call("conversations.invite", {{"channel", channel}, {"users", s.ws_.dev.str()}});
         return s.Call("conversations.kick", {{"channel", channel}, {"user", s.ws_.dev.str()}});
       }},
      {"conversations.info", "success",
       [&](Samples& s) {
         return s.CallForm("conversations.info", {{"channel", general}});
       }},
      {"conversations.members", "success",
       [&](Samples& s) {
         return s.CallForm("conversations.members", {{"channel", general}});
       }},
      {"conversations.list", "success",
       [](Samples& s) { return s.CallForm("conversations.list", {}); }},
      {"conversations.history", "success",
       [&](Samples& s) {
         s.Post(general, "a");
         return s.Call("conversations.history", {{"channel", general}});
       }},
      {"conversations.history", "success_with_timestamp_inclusive",
       [&](Samples& s) {
         const std::string ts = s.Post(general, "a");
         return s.Call("conversations.history",
                       {{"channel", general}, {"latest", ts}, {"inclusive", true}, {"limit", 1}});
       }},
      {"conversations.open", "success",
       [](Samples& s) {
         return s.Call("conversations.open", {{"users", s.ws_.priya.str()}});
       }},
      {"conversations.open", "success_with_return_im",
       [](Samples& s) {
         return s.Call("conversations.open", {{"users", s.ws_.priya.str()}, {"return_im", true}});
       }},
      {"pins.add", "success",
       [&](Samples& s) {
         return s.Call("pins.add", {{"channel", general}, {"timestamp", s.Post(general, "a")}});
       }},
      {"reactions.add", "success",
       [&](Samples& s) {
         return s.Call(
             "reactions.add",
             {{"channel", general}, {"timestamp", s.Post(general, "a")}, {"name", "eyes"}});
       }},
      {"bookmarks.add", "success",
       [&](Samples& s) {
         return s.Call("bookmarks.add", {{"channel_id", general},
                                         {"title", "Runbook"},
                                         {"type", "link"},
                                         {"link", "https://runbooks.example/"}});
       }},
      {"users.info", "success",
       [](Samples& s) {
         return s.CallForm("users.info", {{"user", s.ws_.mara.str()}});
       }},
      {"users.list", "success", [](Samples& s) { return s.CallForm("users.list", {}); }},
      {"users.lookupByEmail", "success",
       [](Samples& s) {
         return s.CallForm("users.lookupByEmail", {{"email", "mara@take-out.example"}});
       }},
      {"users.getPresence", "success",
       [](Samples& s) {
         return s.CallForm("users.getPresence", {{"user", s.ws_.mara.str()}});
       }},
      {"users.getPresence", "success_for_token_holder",
       [](Samples& s) { return s.CallForm("users.getPresence", {}); }},
      {"usergroups.users.list", "success",
       [](Samples& s) {
         return s.CallForm("usergroups.users.list",
                           {{"usergroup", s.emulator_.AddUserGroup("cab", {s.ws_.mara}).str()}});
       }},
      {"usergroups.list", "success", [](Samples& s) { return s.CallForm("usergroups.list", {}); }},
      {"views.open", "success",
       [](Samples& s) {
         return s.Call("views.open",
                       {{"trigger_id", s.Trigger()}, {"view", json::parse(R"({"type":"modal",
                                          "title":{"type":"plain_text","text":"T"},"blocks":[]})")}});
       }},
      {"views.publish", "success",
       [](Samples& s) {
         return s.Call("views.publish", {{"user_id", s.ws_.mara.str()},
                                         {"view", json::parse(R"({"type":"home","blocks":[]})")}});
       }},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.method + " " + c.example);
    Check(c);
  }
}

TEST_F(SuccessAnswers, MatchTheDocumentedExamplesForViewUpdates) {
  auto opened =
      Call("views.open", {{"trigger_id", Trigger()}, {"view", json::parse(R"({"type":"modal",
                                        "title":{"type":"plain_text","text":"T"},"blocks":[
                                        {"type":"actions","elements":[{"type":"button","action_id":"b",
                                         "text":{"type":"plain_text","text":"B"}}]}]})")}});
  const std::string id = Str(opened.at("view").at("id"));
  ASSERT_TRUE(emulator_.ClickViewButton(ws_.mara, id, "b"));
  const std::string trigger = Str(LastPayload("interactive").at("trigger_id"));
  Check({"views.update", "success", [&](Samples& s) {
           return s.Call("views.update", {{"view_id", id}, {"view", json::parse(R"({"type":"modal",
                              "title":{"type":"plain_text","text":"U"},"blocks":[]})")}});
         }});
  Check({"views.push", "success", [&](Samples& s) {
           return s.Call("views.push",
                         {{"trigger_id", trigger}, {"view", json::parse(R"({"type":"modal",
                                            "title":{"type":"plain_text","text":"P"},"blocks":[]})")}});
         }});
}

}  // namespace
}  // namespace swarmbot::emulator::testing
