#include "config/people_file.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>

#include "config/config.hpp"

namespace swarmbot::config {
namespace {

std::string ErrorOf(const std::string& toml) {
  auto parsed = ParsePeopleFile(toml, "people.toml");
  return parsed ? "" : parsed.error().user_message;
}

TEST(PeopleFile, ReadsPeopleWithSkillsCapacityAndTimeZone) {
  auto people = ParsePeopleFile(R"(
[[person]]
user = "U0PRIYA"
name = "Priya"
time_zone = "Europe/London"
capacity = 3
skills = { promotions = 5, checkout = 3 }

[[person]]
user = "U0CHEN"
name = "Chen"
)",
                                "people.toml");
  ASSERT_TRUE(people) << people.error().user_message;
  ASSERT_EQ(people->size(), 2u);
  EXPECT_EQ((*people)[0].user, "U0PRIYA");
  EXPECT_EQ((*people)[0].time_zone, "Europe/London");
  EXPECT_EQ((*people)[0].capacity, 3);
  EXPECT_EQ((*people)[0].skills, (std::map<std::string, int>{{"checkout", 3}, {"promotions", 5}}));
  EXPECT_FALSE((*people)[1].capacity.has_value());
  EXPECT_TRUE((*people)[1].skills.empty());
}

TEST(PeopleFile, TheCheckedInSampleIsValid) {
  std::ifstream in(std::filesystem::path(SWARMBOT_SOURCE_DIR) / "samples/people.toml");
  std::ostringstream text;
  text << in.rdbuf();
  auto people = ParsePeopleFile(text.str(), "people.toml");
  ASSERT_TRUE(people) << people.error().user_message;
  EXPECT_GE(people->size(), 5u);
}

TEST(PeopleFile, NamesTheLineAndKeyOfALevelOutOfRange) {
  EXPECT_EQ(ErrorOf("[[person]]\nuser = \"U1AB\"\nname = \"A\"\n\n[[person]]\nuser = \"U2AB\"\n"
                    "name = \"B\"\nskills = { promotions = 6 }\n"),
            "people.toml:8: person[2].skills.promotions: must be a whole number from 1 to 5");
}

// Check18 #4: a name holding BEL or a right-to-left override was imported,
// and since an import replaces the list, it deactivated everyone else too.
TEST(PeopleFile, RefusesANameWithAControlCharacterOrADirectionControl) {
  const std::string head = "[[person]]\nuser = \"U1AB\"\nname = \"Ann\"\n\n[[person]]\n";
  EXPECT_EQ(ErrorOf(head + "user = \"U2AB\"\nname = \"Bo\\u0007b\"\n"),
            "people.toml:7: person[2].name: contains U+0007, a control character; a name is one "
            "line of plain text");
  EXPECT_EQ(ErrorOf(head + "user = \"U2AB\"\nname = \"X\\u202Eevil\"\n"),
            "people.toml:7: person[2].name: contains U+202E, a direction control that would "
            "reorder the text around it; remove it");
  for (const char* bad : {"\\u001b[31m", "\\u007f", "\\u0085", "\\u2066", "\\u202A"}) {
    EXPECT_NE(ErrorOf(head + "user = \"U2AB\"\nname = \"B" + bad + "\"\n").find("person[2].name"),
              std::string::npos)
        << bad;
  }
  // Accents, other scripts, emoji with joiners and right-to-left marks stay.
  auto people = ParsePeopleFile(head +
                                    "user = \"U2AB\"\nname = \"Zo\u00EB \u05E9\u05E8\u05D4\u200F "
                                    "\U0001F469\u200D\U0001F4BB\"\n",
                                "people.toml");
  ASSERT_TRUE(people) << people.error().user_message;
  EXPECT_EQ((*people)[1].name, "Zo\u00EB \u05E9\u05E8\u05D4\u200F \U0001F469\u200D\U0001F4BB");
}

TEST(PeopleFile, RefusesEachKindOfBadEntry) {
  const std::string head = "[[person]]\nuser = \"U1AB\"\nname = \"A\"\n";
  EXPECT_NE(ErrorOf("[[person]]\nname = \"A\"\n").find("person[1].user: missing"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[[person]]\nuser = \"priya\"\nname = \"A\"\n").find("Slack user id"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[[person]]\nuser = \"U1AB\"\nname = \"\"\n").find("person[1].name"),
            std::string::npos);
  EXPECT_NE(ErrorOf(head + "capacity = -1\n").find("person[1].capacity"), std::string::npos);
  EXPECT_NE(ErrorOf(head + "capacity = \"3\"\n").find("person[1].capacity"), std::string::npos);
  EXPECT_NE(ErrorOf(head + "time_zone = \"not a zone\"\n").find("time_zone"), std::string::npos);
  EXPECT_NE(ErrorOf(head + "skills = { \"Promo Codes\" = 3 }\n").find("skill name"),
            std::string::npos);
  EXPECT_NE(ErrorOf(head + "skills = [\"promotions\"]\n").find("person[1].skills"),
            std::string::npos);
  EXPECT_NE(ErrorOf(head + "role = \"rep\"\n").find("person[1].role: unknown key"),
            std::string::npos);
  EXPECT_NE(ErrorOf(head + head).find("listed twice"), std::string::npos);
  EXPECT_NE(ErrorOf("[people]\n").find("unknown key"), std::string::npos);
  EXPECT_NE(ErrorOf("").find("no [[person]]"), std::string::npos);
  EXPECT_NE(ErrorOf("[[person]\n").find("people.toml:1:"), std::string::npos);
}

TEST(RoutingConfig, ReadsRulesAndDefaultsAndRefusesBadOnes) {
  auto env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "SWARMBOT_BOT_TOKEN") {
      return "xoxb-1";
    }
    if (name == "SWARMBOT_APP_TOKEN") {
      return "xapp-1";
    }
    if (name == "SWARMBOT_INTAKE_API_KEY") {
      return "key";
    }
    return std::nullopt;
  };
  const Config defaults = ParseConfig("", "swarmbot.toml", env);
  EXPECT_TRUE(defaults.routing.assign_on_declare);
  EXPECT_EQ(defaults.routing.default_capacity, 3);

  const Config config = ParseConfig(R"(
[routing]
assign_on_declare = false
default_capacity = 2
[[routing.rules]]
skill = "promotions"
words = ["discount", "code"]
)",
                                    "swarmbot.toml", env);
  EXPECT_FALSE(config.routing.assign_on_declare);
  EXPECT_EQ(config.routing.default_capacity, 2);
  ASSERT_EQ(config.routing.rules.size(), 1u);
  EXPECT_EQ(config.routing.rules[0].words, (std::vector<std::string>{"discount", "code"}));

  auto error_of = [&](const std::string& toml) -> std::string {
    try {
      ParseConfig(toml, "swarmbot.toml", env);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_EQ(error_of("[routing]\ndefault_capacity = -1\n"),
            "swarmbot.toml: routing.default_capacity: must be a whole number from 0 to 100");
  EXPECT_EQ(error_of("[routing]\nassign_on_declare = \"yes\"\n"),
            "swarmbot.toml: routing.assign_on_declare: must be true or false");
  EXPECT_EQ(error_of("[[routing.rules]]\nskill = \"promotions\"\nwords = [\"Two Words\"]\n"),
            "swarmbot.toml: routing.rules[0].words: must hold single lowercase words (letters "
            "and digits)");
  EXPECT_EQ(error_of("[[routing.rules]]\nwords = [\"code\"]\n"),
            "swarmbot.toml: routing.rules[0].skill: must be a skill name: lowercase letters, "
            "digits, - or _");
  EXPECT_EQ(error_of("[routing]\nqueue = 1\n"), "swarmbot.toml: routing.queue: unknown key");
}

}  // namespace
}  // namespace swarmbot::config
