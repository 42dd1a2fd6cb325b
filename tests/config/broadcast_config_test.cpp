// [broadcast] and [smtp]: the customer e-mail and the server it goes through.
#include <map>

#include <gtest/gtest.h>

#include "config/config.hpp"
#include "tests/support/testing.hpp"

namespace swarmbot::config {
namespace {

class BroadcastConfigTest : public ::testing::Test {
 protected:
  Config Parse(const std::string& toml) const {
    return ParseConfig(toml, "swarmbot.toml", [this](const std::string& name) {
      auto it = env_.find(name);
      return it == env_.end() ? std::nullopt : std::optional(it->second);
    });
  }

  std::string ErrorOf(const std::string& toml) const {
    try {
      Parse(toml);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  }

  // A working [smtp] and [broadcast] plus `broadcast` and `smtp` lines; a key
  // given there replaces the default one.
  static std::string Mail(const std::string& broadcast, const std::string& smtp = "") {
    std::string toml = "[smtp]\nurl = \"smtp://127.0.0.1:2525\"\n" + smtp + "[broadcast]\n";
    if (broadcast.find("from =") == std::string::npos) {
      toml += "from = \"support@takeout.example\"\n";
    }
    if (broadcast.find("unsubscribe_url =") == std::string::npos) {
      toml += "unsubscribe_url = \"https://takeout.example/u?e={email}\"\n";
    }
    return toml + broadcast;
  }

  std::map<std::string, std::string> env_{{"SWARMBOT_BOT_TOKEN", "xoxb-1-secretbot"},
                                          {"SWARMBOT_APP_TOKEN", "xapp-1-secretapp"},
                                          {"SWARMBOT_INTAKE_API_KEY", "intake-key-123"}};
};

TEST_F(BroadcastConfigTest, EmailIsOffWithoutAnSmtpServer) {
  EXPECT_FALSE(Parse("").broadcast.Enabled());
}

TEST_F(BroadcastConfigTest, ReadsTheTemplatesRateAndServer) {
  const Config config = Parse(Mail(R"(subject = "{incident}: fixed"
body = """Hello {contact_name},
{public_title} works again. {unsubscribe_url}"""
rate_per_second = 2
)",
                                   "starttls = true\ntimeout_seconds = 10\n"));
  const BroadcastConfig& b = config.broadcast;
  EXPECT_TRUE(b.Enabled());
  EXPECT_EQ(b.from, "support@takeout.example");
  EXPECT_EQ(b.subject, "{incident}: fixed");
  EXPECT_EQ(b.body, "Hello {contact_name},\n{public_title} works again. {unsubscribe_url}");
  EXPECT_EQ(b.rate_per_second, 2.0);
  EXPECT_TRUE(b.smtp.starttls);
  EXPECT_EQ(b.smtp.timeout_seconds, 10);
}

TEST_F(BroadcastConfigTest, AnUnknownPlaceholderStopsStartUpNamingIt) {
  EXPECT_EQ(ErrorOf(Mail("body = \"Hello {contact_nmae}\"\n")),
            "swarmbot.toml: broadcast.body: unknown placeholder {contact_nmae}; known: "
            "{incident}, {public_title}, {contact_name}, {contact_email}, {unsubscribe_url}");
  EXPECT_NE(ErrorOf(Mail("subject = \"{incident\"\n")).find("broadcast.subject: a { at"),
            std::string::npos);
  EXPECT_NE(ErrorOf(Mail("unsubscribe_mailto = \"x@y.example\"\nunsubscribe_url = "
                         "\"https://u.example/{contact}\"\n"))
                .find("broadcast.unsubscribe_url: unknown placeholder {contact}"),
            std::string::npos);
}

TEST_F(BroadcastConfigTest, RefusesWhatCouldHurtCustomersOrTheServer) {
  EXPECT_NE(ErrorOf(Mail("from = \"support\"\n")).find("broadcast.from"), std::string::npos);
  EXPECT_NE(ErrorOf(Mail("subject = \"a\\nBcc: x@y.example\"\n"))
                .find("broadcast.subject: must be one line"),
            std::string::npos);
  EXPECT_NE(ErrorOf(Mail("rate_per_second = 0\n")).find("broadcast.rate_per_second"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[smtp]\nurl = \"http://mail.example\"\n").find("smtp.url"), std::string::npos);
  EXPECT_NE(ErrorOf("[smtp]\nurl = \"smtp://127.0.0.1:25\"\n[broadcast]\nfrom = \"a@b.example\"\n")
                .find("every customer e-mail offers a way out"),
            std::string::npos);
  EXPECT_NE(ErrorOf(Mail("unsubscribe_url = \"http://u.example\"\n")).find("https://"),
            std::string::npos);
}

// Check 19: a missing smtp.ca_file passed check-config and serve started,
// while a missing slack.ca_file was refused; the first e-mail would have
// found out.
TEST_F(BroadcastConfigTest, TheServersCertificateFileIsCheckedAtStart) {
  testing::TempDir dir;
  testing::WriteFile(dir / "not-pem", "hello\n");
  const std::string missing = (dir / "missing.pem").string();
  EXPECT_EQ(
      ErrorOf(Mail("", "ca_file = \"" + missing + "\"\n")),
      "swarmbot.toml: smtp.ca_file: cannot load certificates from " + missing + " (no such file)");
  EXPECT_EQ(ErrorOf(Mail("", "ca_file = \"" + (dir / "not-pem").string() + "\"\n")),
            "swarmbot.toml: smtp.ca_file: cannot load certificates from " +
                (dir / "not-pem").string() + " (unreadable, or no PEM certificate in it)");
  EXPECT_EQ(ErrorOf(Mail("", "ca_file = \"" + dir.path().string() + "\"\n")),
            "swarmbot.toml: smtp.ca_file: cannot load certificates from " + dir.path().string() +
                " (not a regular file)");
}

// Check 19: a subject of spaces passed check-config, as did other values that
// read as set but say nothing.
TEST_F(BroadcastConfigTest, RefusesWordsOfOnlySpacesOrWithDirectionControls) {
  EXPECT_EQ(ErrorOf(Mail("subject = \"   \"\n")),
            "swarmbot.toml: broadcast.subject: must not be only spaces");
  EXPECT_EQ(ErrorOf(Mail("from_name = \" \"\n")),
            "swarmbot.toml: broadcast.from_name: must not be only spaces");
  EXPECT_EQ(ErrorOf(Mail("body = \"\"\"\n\n  \"\"\"\n")),
            "swarmbot.toml: broadcast.body: must not be only spaces");
  EXPECT_EQ(ErrorOf(Mail("subject = \"{incident} \\u202Edexif\"\n")),
            "swarmbot.toml: broadcast.subject: contains U+202E, a direction control that would "
            "reorder the text around it; remove it");
  EXPECT_EQ(ErrorOf(Mail("body = \"Hello\\u0007 {unsubscribe_url}\"\n")),
            "swarmbot.toml: broadcast.body: contains the control character U+0007; only tabs "
            "and line breaks are allowed");
  EXPECT_EQ(ErrorOf(Mail("", "username = \" \"\n")),
            "swarmbot.toml: smtp.username: must not be only spaces");
  EXPECT_EQ(ErrorOf(Mail("from_name = \"Take-Out Support\"\n")), "");
  // Without [smtp] nothing is sent, but a sender set is still checked.
  EXPECT_EQ(ErrorOf("[broadcast]\nfrom = \" \"\n"),
            "swarmbot.toml: broadcast.from: must be an e-mail address such as "
            "support@example.com");
}

TEST_F(BroadcastConfigTest, ThePasswordComesFromTheEnvironmentAndNeverAppearsInErrors) {
  const std::string toml = Mail("", "username = \"swarmbot\"\n");
  EXPECT_NE(ErrorOf(toml).find("SWARMBOT_SMTP_PASSWORD: missing"), std::string::npos);
  env_["SWARMBOT_SMTP_PASSWORD"] = "hunter2-smtp";
  EXPECT_EQ(Parse(toml).broadcast.smtp.password.Reveal(), "hunter2-smtp");
  env_["SWARMBOT_SMTP_PASSWORD"] = "bad password";
  const std::string error = ErrorOf(toml);
  EXPECT_NE(error.find("SWARMBOT_SMTP_PASSWORD"), std::string::npos);
  EXPECT_EQ(error.find("bad password"), std::string::npos);
}

TEST_F(BroadcastConfigTest, APasswordInsideTheSmtpUrlIsRefusedWithoutRepeatingIt) {
  for (const char* url : {"smtp://bob:hunter2pw@mail.example:587", "smtps://bob@mail.example"}) {
    const std::string error = ErrorOf("[smtp]\nurl = \"" + std::string(url) +
                                      "\"\n[broadcast]\nfrom = \"a@b.example\"\n");
    EXPECT_NE(error.find("smtp.url: must not hold a user name or password"), std::string::npos)
        << error;
    EXPECT_NE(error.find("SWARMBOT_SMTP_PASSWORD"), std::string::npos) << error;
    EXPECT_EQ(error.find("hunter2pw"), std::string::npos) << "the password is never echoed";
    EXPECT_EQ(error.find("bob"), std::string::npos) << error;
  }
  EXPECT_EQ(Parse(Mail("")).broadcast.smtp.url, "smtp://127.0.0.1:2525");
}

TEST_F(BroadcastConfigTest, HowLongAnUnreachableServerIsRetriedIsConfigurable) {
  EXPECT_EQ(Parse(Mail("")).broadcast.give_up_after_minutes, 30);
  EXPECT_EQ(Parse(Mail("give_up_after_minutes = 0\n")).broadcast.give_up_after_minutes, 0);
  EXPECT_NE(ErrorOf(Mail("give_up_after_minutes = -1\n")).find("broadcast.give_up_after_minutes"),
            std::string::npos);
  EXPECT_NE(ErrorOf(Mail("give_up_after_minutes = \"soon\"\n")).find("must be a number"),
            std::string::npos);
}

}  // namespace
}  // namespace swarmbot::config
