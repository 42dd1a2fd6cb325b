#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "emulator/detail/workspace.hpp"

namespace swarmbot::emulator::detail {

// An HTTP request and answer in plain terms, so the Web API logic needs no
// networking headers.
struct HttpCall {
  std::string verb;  // GET, POST…
  std::string target;
  std::string content_type;
  std::string authorization;
  std::string body;
};

struct HttpAnswer {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// "/api/chat.postMessage?x=1" → "chat.postMessage"; "" for other targets.
std::string ApiMethodName(std::string_view target);

// Runs one Web API call against the workspace; the caller holds its lock.
// Events the call causes are queued in the workspace.
HttpAnswer RunWebApi(Workspace& ws, const HttpCall& call);

// An HTTP 429 as Slack sends it.
HttpAnswer RateLimitedAnswer(std::chrono::seconds retry_after);
// {"ok":false,"error":error} with HTTP 200, as Slack refuses a call.
HttpAnswer RefusedAnswer(std::string_view error);

}  // namespace swarmbot::emulator::detail
