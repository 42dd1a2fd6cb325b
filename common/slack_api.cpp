#include "common/slack_api.hpp"

namespace swarmbot {

boost::asio::awaitable<Result<ApiReply>> SlackApi::CallAsUser(std::string method,
                                                              std::string /*args_json*/) {
  // Slack's own answer to a call without a token.
  Error error = MakeError(Errc::kUnauthenticated, method + " needs a user token; none is set");
  error.slack_error = "not_authed";
  co_return error;
}

}  // namespace swarmbot
