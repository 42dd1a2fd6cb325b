// views.*, trigger_ids, and the modal stack driven by submissions.
#include "tests/emulator/helpers.hpp"

namespace swarmbot::emulator::testing {
namespace {

// One clock for the fixture's lifetime and the emulator it configures.
FakeClock& SharedClock() {
  static FakeClock clock;
  return clock;
}

using swarmbot::testing::kTestTimeout;

json::object Modal(const std::string& title, bool with_input = true) {
  json::array blocks{json::object{
      {"type", "actions"},
      {"block_id", "more"},
      {"elements",
       json::array{json::object{{"type", "button"},
                                {"action_id", "details"},
                                {"text", {{"type", "plain_text"}, {"text", "More"}}}}}}}};
  if (with_input) {
    blocks.push_back(
        json::object{{"type", "input"},
                     {"block_id", "subject_blk"},
                     {"label", {{"type", "plain_text"}, {"text", "Subject"}}},
                     {"element", {{"type", "plain_text_input"}, {"action_id", "subject_in"}}}});
  }
  json::object view{{"type", "modal"},
                    {"callback_id", "declare_incident"},
                    {"private_metadata", "{\"channel\":\"C1\"}"},
                    {"title", {{"type", "plain_text"}, {"text", title}}},
                    {"blocks", blocks}};
  if (with_input) {
    view["submit"] = json::object{{"type", "plain_text"}, {"text", "Declare"}};
  }
  return view;
}

// An app that remembers the trigger_id of each interaction and answers view
// submissions with whatever `submission_ack` holds.
class Views : public EmulatorTest {
 protected:
  Views() : EmulatorTest(WithClock(SharedClock())) {
    app_ = std::make_unique<FakeApp>(emulator_, [this](const json::object& envelope) {
      const auto& payload = envelope.at("payload").as_object();
      std::lock_guard lock(mu_);
      if (payload.contains("trigger_id")) {
        triggers_.push_back(Str(payload.at("trigger_id")));
      }
      if (payload.contains("type") && payload.at("type") == "view_submission") {
        return AckPlan{true, submission_ack_};
      }
      return AckPlan{};
    });
  }

  static Options WithClock(FakeClock& clock) {
    Options options;
    options.clock = &clock;
    return options;
  }

  std::string NextTrigger() {
    auto ack = emulator_.SlashCommand(ws_.mara, ws_.incidents, "/incident", "declare");
    EXPECT_TRUE(ack) << (ack ? "" : ack.error().detail);
    std::lock_guard lock(mu_);
    return triggers_.empty() ? "" : triggers_.back();
  }
  std::string LastTrigger() {
    std::lock_guard lock(mu_);
    return triggers_.back();
  }
  std::string Open(const json::object& view) {
    auto reply = Call("views.open", {{"trigger_id", NextTrigger()}, {"view", view}});
    EXPECT_TRUE(IsOk(reply)) << json::serialize(reply);
    return IsOk(reply) ? Str(reply.at("view").at("id")) : "";
  }
  void SetSubmissionAck(json::value ack) {
    std::lock_guard lock(mu_);
    submission_ack_ = std::move(ack);
  }

  FakeClock& clock_ = SharedClock();
  std::mutex mu_;
  std::vector<std::string> triggers_;
  json::value submission_ack_ = nullptr;
  std::unique_ptr<FakeApp> app_;
};

TEST_F(Views, OpensAModalWithAFreshTrigger) {
  auto reply =
      Call("views.open", {{"trigger_id", NextTrigger()}, {"view", Modal("Declare incident")}});
  ASSERT_TRUE(IsOk(reply)) << json::serialize(reply);
  const auto& view = reply.at("view").as_object();
  EXPECT_EQ(Str(view.at("id")).front(), 'V');
  EXPECT_EQ(view.at("callback_id"), "declare_incident");
  EXPECT_EQ(view.at("root_view_id"), view.at("id"));
  EXPECT_FALSE(Str(view.at("hash")).empty());
  auto snapshot = emulator_.View(Str(view.at("id")));
  ASSERT_TRUE(snapshot);
  EXPECT_TRUE(snapshot->open);
  EXPECT_EQ(snapshot->user, ws_.mara);
}

TEST_F(Views, UsesATriggerOnceAndOnlyWithinThreeSeconds) {
  const std::string trigger = NextTrigger();
  ASSERT_TRUE(IsOk(Call("views.open", {{"trigger_id", trigger}, {"view", Modal("One")}})));
  EXPECT_EQ(ErrorOf(Call("views.open", {{"trigger_id", trigger}, {"view", Modal("Two")}})),
            "exchanged_trigger_id");

  const std::string late = NextTrigger();
  clock_.Advance(std::chrono::milliseconds(3001));
  EXPECT_EQ(ErrorOf(Call("views.open", {{"trigger_id", late}, {"view", Modal("Late")}})),
            "expired_trigger_id");
  EXPECT_EQ(ErrorOf(Call("views.open", {{"trigger_id", "123.456.abc"}, {"view", Modal("X")}})),
            "invalid_trigger_id");
}

TEST_F(Views, ChecksTheViewItself) {
  auto no_submit = Modal("Needs submit", false);
  no_submit["blocks"].as_array().push_back(
      json::object{{"type", "input"},
                   {"label", {{"type", "plain_text"}, {"text", "Subject"}}},
                   {"element", {{"type", "plain_text_input"}, {"action_id", "s"}}}});
  auto reply = Call("views.open", {{"trigger_id", NextTrigger()}, {"view", no_submit}});
  EXPECT_EQ(ErrorOf(reply), "invalid_arguments");
  EXPECT_TRUE(reply.at("response_metadata").as_object().contains("messages"));
  EXPECT_EQ(ErrorOf(Call("views.open",
                         {{"trigger_id", NextTrigger()}, {"view", Modal(std::string(25, 't'))}})),
            "invalid_arguments");
}

TEST_F(Views, UpdatesAViewGuardedByItsHash) {
  auto opened = Call("views.open", {{"trigger_id", NextTrigger()}, {"view", Modal("First")}});
  const std::string id = Str(opened.at("view").at("id"));
  const std::string hash = Str(opened.at("view").at("hash"));
  auto updated = Call("views.update", {{"view_id", id}, {"hash", hash}, {"view", Modal("Second")}});
  ASSERT_TRUE(IsOk(updated)) << json::serialize(updated);
  EXPECT_EQ(updated.at("view").at("title").at("text"), "Second");
  EXPECT_NE(Str(updated.at("view").at("hash")), hash);
  EXPECT_EQ(
      ErrorOf(Call("views.update", {{"view_id", id}, {"hash", hash}, {"view", Modal("Third")}})),
      "hash_conflict");
  EXPECT_EQ(ErrorOf(Call("views.update", {{"view_id", "V0NOTHERE0"}, {"view", Modal("X")}})),
            "not_found");
}

TEST_F(Views, PushesAtMostThreeViews) {
  const std::string root = Open(Modal("Root"));
  for (int depth = 2; depth <= 3; ++depth) {
    ASSERT_TRUE(emulator_.ClickViewButton(ws_.mara, root, "details"));
    auto pushed = Call("views.push", {{"trigger_id", LastTrigger()}, {"view", Modal("Level")}});
    ASSERT_TRUE(IsOk(pushed)) << json::serialize(pushed);
    EXPECT_EQ(pushed.at("view").at("root_view_id"), root.c_str());
  }
  ASSERT_TRUE(emulator_.ClickViewButton(ws_.mara, root, "details"));
  EXPECT_EQ(
      ErrorOf(Call("views.push", {{"trigger_id", LastTrigger()}, {"view", Modal("Too deep")}})),
      "push_limit_reached");
}

TEST_F(Views, KeepsAModalOpenWithErrorsThenClosesItOnABareAck) {
  const std::string id = Open(Modal("Declare incident"));
  SetSubmissionAck(json::object{{"response_action", "errors"},
                                {"errors", {{"subject_blk", "A subject is required"}}}});
  const std::string empty_subject =
      R"({"subject_blk":{"subject_in":{"type":"plain_text_input","value":null}}})";
  auto ack = emulator_.SubmitView(ws_.mara, id, empty_subject);
  ASSERT_TRUE(ack) << ack.error().detail;
  EXPECT_EQ(json::parse(*ack).at("response_action"), "errors");
  auto view = emulator_.View(id);
  EXPECT_TRUE(view->open);
  EXPECT_NE(view->errors_json.find("A subject is required"), std::string::npos);

  auto submissions = app_->OfType("interactive");
  ASSERT_FALSE(submissions.empty());
  const auto& payload = submissions.back().at("payload").as_object();
  EXPECT_EQ(payload.at("type"), "view_submission");
  EXPECT_TRUE(submissions.back().at("accepts_response_payload").as_bool());
  EXPECT_EQ(
      payload.at("view").at("state").at("values").at("subject_blk").at("subject_in").at("type"),
      "plain_text_input");
  EXPECT_EQ(payload.at("view").at("private_metadata"), "{\"channel\":\"C1\"}");

  SetSubmissionAck(nullptr);
  ASSERT_TRUE(emulator_.SubmitView(
      ws_.mara, id,
      R"({"subject_blk":{"subject_in":{"type":"plain_text_input","value":"FEAST25"}}})"));
  EXPECT_FALSE(emulator_.View(id)->open);
}

TEST_F(Views, FillsInputsOverTheirInitialValuesAndResubmitsLikeADoubleClick) {
  json::object view = Modal("Declare incident");
  auto option = [](const char* value) {
    return json::object{{"text", {{"type", "plain_text"}, {"text", value}}}, {"value", value}};
  };
  view["blocks"].as_array().push_back(
      json::object{{"type", "input"},
                   {"block_id", "impact_blk"},
                   {"label", {{"type", "plain_text"}, {"text", "Impact"}}},
                   {"element",
                    {{"type", "static_select"},
                     {"action_id", "impact_sel"},
                     {"options", json::array{option("high"), option("low")}},
                     {"initial_option", option("low")}}}});
  view["blocks"].as_array().push_back(
      json::object{{"type", "input"},
                   {"block_id", "where_blk"},
                   {"label", {{"type", "plain_text"}, {"text", "Where"}}},
                   {"element",
                    {{"type", "multi_static_select"},
                     {"action_id", "where_sel"},
                     {"options", json::array{option("North"), option("East")}}}}});
  const std::string id = Open(view);
  EXPECT_EQ(emulator_.FillAndSubmitView(ws_.mara, id, {{"where_blk", {"Atlantis"}}}).error().code,
            Errc::kInvalidInput);
  EXPECT_EQ(emulator_.FillAndSubmitView(ws_.mara, id, {{"nope", {"x"}}}).error().code,
            Errc::kInvalidInput);
  ASSERT_TRUE(emulator_.FillAndSubmitView(
      ws_.mara, id, {{"subject_blk", {"FEAST25"}}, {"where_blk", {"North", "East"}}}));
  EXPECT_FALSE(emulator_.View(id)->open);
  const auto values =
      app_->OfType("interactive").back().at("payload").at("view").at("state").at("values");
  EXPECT_EQ(values.at("subject_blk").at("subject_in").at("value"), "FEAST25");
  EXPECT_EQ(values.at("impact_blk").at("impact_sel").at("selected_option").at("value"), "low");
  EXPECT_EQ(values.at("where_blk").at("where_sel").at("selected_options").as_array().size(), 2u);

  const auto count = app_->OfType("interactive").size();
  ASSERT_TRUE(emulator_.ResubmitView(ws_.mara, id));
  const auto again = app_->OfType("interactive");
  ASSERT_EQ(again.size(), count + 1);
  EXPECT_EQ(again.back().at("payload").at("view").at("id"), id.c_str());
  EXPECT_EQ(again.back().at("payload").at("view").at("state").at("values"), values);
}

TEST_F(Views, FollowsUpdatePushAndClearResponseActions) {
  const std::string id = Open(Modal("Step one"));
  SetSubmissionAck(json::object{{"response_action", "update"}, {"view", Modal("Step two")}});
  ASSERT_TRUE(emulator_.SubmitView(ws_.mara, id, "{}"));
  EXPECT_NE(emulator_.View(id)->view_json.find("Step two"), std::string::npos);

  SetSubmissionAck(json::object{{"response_action", "push"}, {"view", Modal("Step three")}});
  ASSERT_TRUE(emulator_.SubmitView(ws_.mara, id, "{}"));
  int open = 0;
  for (const auto& v : emulator_.Views(ws_.mara)) {
    open += v.open ? 1 : 0;
  }
  EXPECT_EQ(open, 2);

  SetSubmissionAck(json::object{{"response_action", "clear"}});
  ASSERT_TRUE(emulator_.SubmitView(ws_.mara, id, "{}"));
  for (const auto& v : emulator_.Views(ws_.mara)) {
    EXPECT_FALSE(v.open) << v.id;
  }
}

TEST_F(Views, PublishesTheHomeTab) {
  json::object home{
      {"type", "home"},
      {"blocks",
       json::array{json::object{{"type", "section"},
                                {"text", {{"type", "mrkdwn"}, {"text", "No open incidents"}}}}}}};
  auto first = Call("views.publish", {{"user_id", ws_.priya.str()}, {"view", home}});
  ASSERT_TRUE(IsOk(first)) << json::serialize(first);
  const std::string hash = Str(first.at("view").at("hash"));
  EXPECT_TRUE(
      IsOk(Call("views.publish", {{"user_id", ws_.priya.str()}, {"view", home}, {"hash", hash}})));
  EXPECT_EQ(ErrorOf(Call("views.publish",
                         {{"user_id", ws_.priya.str()}, {"view", home}, {"hash", hash}})),
            "hash_conflict");
  EXPECT_EQ(
      ErrorOf(Call("views.publish", {{"user_id", ws_.priya.str()}, {"view", Modal("Not home")}})),
      "invalid_arguments");
}

}  // namespace
}  // namespace swarmbot::emulator::testing
