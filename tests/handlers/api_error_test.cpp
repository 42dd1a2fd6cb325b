#include "handlers/detail/api_error.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace swarmbot::handlers::detail {
namespace {

TEST(EscapeInvalidUtf8, KeepsCharactersAndWritesEveryStrayByteAsHex) {
  EXPECT_EQ(EscapeInvalidUtf8("caf\u00E9 \u2615 \U0001F375"), "caf\u00E9 \u2615 \U0001F375");
  EXPECT_EQ(EscapeInvalidUtf8("a\xFF"
                              "b"),
            "a\\xFFb");
  EXPECT_EQ(EscapeInvalidUtf8("cut \xC3"), "cut \\xC3") << "a sequence cut short";
  EXPECT_EQ(EscapeInvalidUtf8("\xC0\xAF"), "\\xC0\\xAF") << "an overlong '/'";
  EXPECT_EQ(EscapeInvalidUtf8("\xED\xA0\x80"), "\\xED\\xA0\\x80") << "an encoded surrogate";
  EXPECT_EQ(EscapeInvalidUtf8("\xE2\x98"
                              "x"),
            "\\xE2\\x98x");
}

TEST(ApiErrorBody, IsJsonThatAStrictParserReads) {
  const std::string body = ApiErrorBody("invalid_input", "unknown \xFF\xFE key\n");
  const boost::json::value parsed = boost::json::parse(body);
  EXPECT_EQ(parsed.at("error"), "invalid_input");
  EXPECT_EQ(parsed.at("message"), "unknown \\xFF\\xFE key\n");
}

}  // namespace
}  // namespace swarmbot::handlers::detail
