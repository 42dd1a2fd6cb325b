#include "handlers/intake.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace swarmbot::handlers {
namespace {

namespace json = boost::json;

class IntakeTest : public ::testing::Test {
 protected:
  IntakeAnswer Post(const std::string& body, std::optional<std::string> key = {},
                    std::string api_key = "intake-key") {
    return intake_.Handle(
        {body, std::move(key), Secret(std::move(api_key)), false, "application/json"});
  }

  static std::string Body(std::string subject = "FEAST25 rejected") {
    return json::serialize(json::object{{"contact_name", "Ana Silva"},
                                        {"contact_email", "ana@example.com"},
                                        {"channel", "email"},
                                        {"territory", "North"},
                                        {"subject", subject},
                                        {"description", "It says invalid."},
                                        {"owner", "URAVI"}});
  }

  static std::string Message(const IntakeAnswer& answer) {
    return std::string(json::parse(answer.body_json).at("message").as_string());
  }

  std::int64_t Cases() { return db_->Sql().execAndGet("SELECT COUNT(*) FROM cases").getInt64(); }

  FakeClock clock_;
  std::unique_ptr<store::Database> db_ = store::Database::Open(":memory:").value();
  Intake intake_{*db_, clock_, Secret("intake-key")};
};

TEST_F(IntakeTest, RefusesARequestWithTheIdempotencyKeyTwice) {
  const auto answer = intake_.Handle({Body(), "key-1", Secret("intake-key"),
                                      /*idempotency_key_repeated=*/true, "application/json"});
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(Message(answer),
            "the Idempotency-Key header must be sent once; this request has it more than once");
  EXPECT_EQ(Cases(), 0);
}

TEST_F(IntakeTest, CreatesACase) {
  const auto answer = Post(Body());
  ASSERT_EQ(answer.status, 201) << answer.body_json;
  const json::value body = json::parse(answer.body_json);
  EXPECT_EQ(body.at("case").at("number"), "CASE-1");
  EXPECT_EQ(body.at("case").at("status"), "new");
  EXPECT_EQ(body.at("case").at("channel"), "email");
  EXPECT_EQ(body.at("case").at("created_at"), "2023-11-14T22:13:20Z");
  EXPECT_EQ(body.at("replayed"), false);
  EXPECT_EQ(Cases(), 1);
}

TEST_F(IntakeTest, ReplaysAnIdempotentRequest) {
  ASSERT_EQ(Post(Body(), "k-1").status, 201);
  const auto again = Post(Body(), "k-1");
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(json::parse(again.body_json).at("case").at("number"), "CASE-1");
  EXPECT_EQ(Cases(), 1);
  const auto conflict = Post(Body("another subject"), "k-1");
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(json::parse(conflict.body_json).at("error"), "conflict") << "as the README says";
  EXPECT_EQ(Message(conflict), "this Idempotency-Key was already used for a different case");
  EXPECT_EQ(Cases(), 1);
}

TEST_F(IntakeTest, RefusesAWrongOrMissingApiKey) {
  EXPECT_EQ(Post(Body(), {}, "wrong").status, 401);
  EXPECT_EQ(Post(Body(), {}, "").status, 401);
  EXPECT_EQ(Post(Body(), {}, "intake-key-longer").status, 401);
  Intake closed(*db_, clock_, Secret(""));
  EXPECT_EQ(closed.Handle({Body(), {}, Secret(""), false, "application/json"}).status, 401);
  EXPECT_EQ(Cases(), 0);
}

TEST_F(IntakeTest, RefusesMalformedJson) {
  for (const char* bad : {"", "{", "{\"subject\": }", "nonsense", "[] junk"}) {
    const auto answer = Post(bad);
    EXPECT_EQ(answer.status, 400) << bad;
    EXPECT_EQ(Message(answer), "body is not valid JSON") << bad;
  }
  EXPECT_EQ(Cases(), 0);
}

// Check 11: `[]` is valid JSON, so "not valid JSON" sent people looking for a
// syntax error that wasn't there.
TEST_F(IntakeTest, SaysABodyThatIsValidJsonButNoObjectMustBeAnObject) {
  for (const char* bad : {"[]", "[{\"subject\": \"x\"}]", "\"text\"", "42", "null"}) {
    const auto answer = Post(bad);
    EXPECT_EQ(answer.status, 400) << bad;
    EXPECT_EQ(Message(answer), "body must be a JSON object") << bad;
  }
  EXPECT_EQ(Cases(), 0);
}

TEST_F(IntakeTest, NamesTheBadField) {
  json::object body = json::parse(Body()).as_object();
  body["contact_email"] = "not-an-address";
  auto answer = Post(json::serialize(body));
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(Message(answer), "contact_email is not an e-mail address");

  body = json::parse(Body()).as_object();
  body["channel"] = "fax";
  EXPECT_EQ(Message(Post(json::serialize(body))),
            "channel must be one of email, chat, messaging, phone, web");

  body = json::parse(Body()).as_object();
  body["subject"] = 42;
  EXPECT_EQ(Message(Post(json::serialize(body))), "subject must be a string");

  body = json::parse(Body()).as_object();
  body["priority"] = "high";
  EXPECT_EQ(Message(Post(json::serialize(body))),
            "unknown field priority (allowed: contact_name, contact_email, channel, territory, "
            "subject, description, owner)");

  body = json::parse(Body()).as_object();
  body.erase("subject");
  EXPECT_EQ(Message(Post(json::serialize(body))), "subject is required");

  EXPECT_EQ(Message(Post(R"({"subject":"a","subject":"b"})")), "field subject appears twice");
  EXPECT_EQ(Cases(), 0);
}

TEST_F(IntakeTest, ShowsAnOversizedKeyCutBetweenCharacters) {
  const std::string key =
      "k" + std::string(50, 'x') + "\u00E9\u00E9\u00E9\u00E9\u00E9\u00E9\u00E9\u00E9\u00E9\u00E9";
  json::object body = json::parse(Body()).as_object();
  body[key] = 42;
  const IntakeAnswer unknown = Post(json::serialize(body));
  EXPECT_EQ(json::parse(unknown.body_json).at("error"), "invalid_input");
  EXPECT_EQ(Message(unknown), "unknown field " + key.substr(0, 51 + 8 * 2) +
                                  "\u2026 (allowed: contact_name, contact_email, channel, "
                                  "territory, subject, description, owner)");
}

TEST_F(IntakeTest, TakesCasesFromEveryChannel) {
  for (const char* channel : {"email", "chat", "messaging", "phone", "web"}) {
    json::object body = json::parse(Body()).as_object();
    body["channel"] = channel;
    const auto answer = Post(json::serialize(body));
    ASSERT_EQ(answer.status, 201) << channel << " " << answer.body_json;
    EXPECT_EQ(json::parse(answer.body_json).at("case").at("channel"), channel);
  }
  EXPECT_EQ(Cases(), 5);
}

TEST_F(IntakeTest, NamesEveryFieldThatIsTooLong) {
  const std::pair<const char*, std::size_t> limits[] = {
      {"contact_name", 200}, {"territory", 100}, {"subject", 250}, {"description", 10'000}};
  for (const auto& [field, limit] : limits) {
    json::object body = json::parse(Body()).as_object();
    body[field] = std::string(limit + 1, 'x');
    const auto answer = Post(json::serialize(body));
    EXPECT_EQ(answer.status, 400) << field;
    EXPECT_EQ(Message(answer), std::string(field) + " is too long (at most " +
                                   std::to_string(limit) + " characters)");
  }
  json::object body = json::parse(Body()).as_object();
  body["contact_email"] = std::string(250, 'a') + "@example.com";
  EXPECT_EQ(Message(Post(json::serialize(body))),
            "contact_email is too long (at most 254 characters)");
  body = json::parse(Body()).as_object();
  body["owner"] = "U" + std::string(40, 'A');
  EXPECT_EQ(Message(Post(json::serialize(body))), "owner is too long (at most 40 characters)");
  EXPECT_EQ(Message(Post(Body(), std::string(256, 'k'))),
            "Idempotency-Key must be 1 to 255 characters");
  EXPECT_EQ(Cases(), 0);
}

TEST_F(IntakeTest, RefusesAnUnknownTerritoryByName) {
  intake_.SetTerritories({"North", "East", "South", "West"});
  json::object body = json::parse(Body()).as_object();
  body["territory"] = "Narnia";
  const auto answer = Post(json::serialize(body));
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(Message(answer), "territory must be one of North, East, South, West");
  EXPECT_EQ(Cases(), 0);
}

TEST_F(IntakeTest, RefusesAnOversizedBody) {
  json::object body = json::parse(Body()).as_object();
  body["description"] = std::string(Intake::kMaxBody, 'd');
  EXPECT_EQ(Post(json::serialize(body)).status, 413);
  EXPECT_EQ(Cases(), 0);
}

}  // namespace
}  // namespace swarmbot::handlers
