#pragma once

#include <string>

#include <gtest/gtest.h>

#include "tests/emulator/support.hpp"

namespace swarmbot::emulator::testing {

inline bool IsOk(const json::object& reply) {
  const auto* ok = reply.if_contains("ok");
  return ok != nullptr && ok->is_bool() && ok->as_bool();
}

inline std::string ErrorOf(const json::object& reply) {
  const auto* error = reply.if_contains("error");
  return error != nullptr && error->is_string() ? std::string(error->as_string()) : "";
}

inline std::string Str(const json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : json::serialize(v);
}

// An emulator with the standard workspace and a client holding the bot token.
class EmulatorTest : public ::testing::Test {
 public:
  explicit EmulatorTest(Options options = {})
      : emulator_(std::move(options)),
        ws_(Populate(emulator_)),
        client_(emulator_.Port(), emulator_.CaPem()),
        bot_token_(emulator_.options().bot_token.Reveal()) {}

  json::object Call(const std::string& method, const json::object& args) {
    return client_.CallJson(method, args, bot_token_);
  }
  json::object CallForm(const std::string& method, const FormFields& args) {
    return client_.CallForm(method, args, bot_token_);
  }
  // Creates a public channel through the API and returns its id.
  std::string CreateChannel(const std::string& name, bool is_private = false) {
    auto reply = Call("conversations.create", {{"name", name}, {"is_private", is_private}});
    EXPECT_TRUE(IsOk(reply)) << json::serialize(reply);
    return IsOk(reply) ? std::string(reply.at("channel").at("id").as_string()) : "";
  }
  std::string Post(const std::string& channel, const std::string& text) {
    auto reply = Call("chat.postMessage", {{"channel", channel}, {"text", text}});
    EXPECT_TRUE(IsOk(reply)) << json::serialize(reply);
    return IsOk(reply) ? std::string(reply.at("ts").as_string()) : "";
  }

  Emulator emulator_;
  Workspace ws_;
  HttpsClient client_;
  std::string bot_token_;
};

}  // namespace swarmbot::emulator::testing
