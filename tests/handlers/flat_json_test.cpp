#include "handlers/detail/flat_json.hpp"

#include <gtest/gtest.h>

namespace swarmbot::handlers::detail {
namespace {

TEST(FlattenJson, ReadsNestedObjectsAndArraysAsPaths) {
  auto flat = FlattenJson(
      R"({"type":"event_callback","event":{"type":"member_joined_channel","user":"U1"},)"
      R"("list":[{"name":"a\"b"},{"name":"c","n":12.5,"ok":true,"none":null}]})");
  ASSERT_TRUE(flat) << flat.error().detail;
  EXPECT_EQ(flat->StringOr("type"), "event_callback");
  EXPECT_EQ(flat->StringOr("event.user"), "U1");
  EXPECT_EQ(flat->ArraySize("list"), 2u);
  EXPECT_EQ(flat->StringOr("list.0.name"), "a\"b");
  EXPECT_EQ(flat->scalars.at("list.1.n"), "12.5");
  EXPECT_TRUE(flat->True("list.1.ok"));
  EXPECT_EQ(flat->scalars.at("list.1.none"), "null");
  EXPECT_TRUE(flat->IsObject("event"));
  EXPECT_EQ(flat->top_level_keys, (std::vector<std::string>{"type", "event", "list"}));
  EXPECT_FALSE(flat->String("event.missing"));
}

TEST(FlattenJson, UnescapesStrings) {
  auto flat = FlattenJson(R"({"text":"caf\u00e9 \n <@U1>"})");
  ASSERT_TRUE(flat);
  EXPECT_EQ(flat->StringOr("text"), "café \n <@U1>");
}

TEST(FlattenJson, SkipsWhatIsNestedTooDeep) {
  auto flat = FlattenJson(R"({"a":{"b":{"c":"deep"}},"d":"top"})", 1);
  ASSERT_TRUE(flat);
  EXPECT_EQ(flat->StringOr("d"), "top");
  EXPECT_FALSE(flat->String("a.b.c"));
}

TEST(FlattenJson, RefusesMalformedJsonWithoutThrowing) {
  for (const char* bad : {"", "not json", "[1,2]", "\"text\"", "{", "{\"a\":}", "{\"a\":1,}",
                          "{\"a\":\"b\"} trailing", "{\"a\":tru}", "{\"a\":[1,2}", "{'a':1}",
                          "{\"a\":\"\xff\"}", "{\"a\":01}", "{\"a\":{\"b\":[}}}"}) {
    auto flat = FlattenJson(bad);
    EXPECT_FALSE(flat) << bad;
    if (!flat) {
      EXPECT_EQ(flat.error().code, Errc::kInvalidInput);
    }
  }
}

}  // namespace
}  // namespace swarmbot::handlers::detail
