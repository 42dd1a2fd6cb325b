#pragma once

#include <string>

#include <boost/asio/awaitable.hpp>

#include "common/result.hpp"

namespace swarmbot {

// The body of a Web API answer that said ok:true, with its warnings.
struct ApiReply {
  std::string body;     // the whole JSON object as received
  std::string warning;  // Slack's comma-separated `warning`, if any
};

// The Web API, as the outbox's effects see it. bot::WebApiClient implements it
// over HTTPS; handlers/ uses it without knowing about sockets.
class SlackApi {
 public:
  virtual ~SlackApi() = default;

  // Calls `method` (e.g. "chat.postMessage") with `args_json`, a JSON object.
  // The client picks JSON or form encoding as the method requires. ok:false
  // comes back as Errc::kSlackError with Error::slack_error set; HTTP 429 as
  // kRateLimited with retry_after; 5xx, timeouts and resets as kUnavailable.
  virtual boost::asio::awaitable<Result<ApiReply>> Call(std::string method,
                                                        std::string args_json) = 0;

  // As Call, with the user token (xoxp-) instead of the bot's, for what a
  // bot may not do (conversations.unarchive). Without a user token this
  // answers kUnauthenticated with slack_error "not_authed", as Slack would.
  virtual boost::asio::awaitable<Result<ApiReply>> CallAsUser(std::string method,
                                                              std::string args_json);

  // Whether CallAsUser has a token to call with.
  virtual bool HasUserToken() const { return false; }

  // POSTs `body_json` to a response_url from a command or a click.
  virtual boost::asio::awaitable<Status> Respond(std::string response_url,
                                                 std::string body_json) = 0;
};

}  // namespace swarmbot
