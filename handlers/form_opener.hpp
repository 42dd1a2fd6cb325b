#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "common/slack_api.hpp"

namespace swarmbot::handlers {

// A form (modal) that a click or a command asked for.
struct FormToOpen {
  std::string trigger_id;
  std::string view_json;  // views.open's `view`
  UserId user;            // who asked; told ephemerally if it can't open
  ChannelId channel;      // where they asked
};

struct FormOpenerOptions {
  // views.open calls in flight at once; more wait for one to finish. Each
  // takes its own connection, so this also bounds the sockets and TLS
  // handshakes a burst of forms costs.
  std::size_t max_in_flight = 16;
  // A form still waiting this long after it was asked for is not sent:
  // Slack's trigger lives 3 s from when Slack sent it, and the call itself
  // needs some of that. The person is told to ask again instead.
  std::chrono::milliseconds send_within{2'500};
};

// Opens forms with views.open as soon as they are asked for, beside the
// outbox rather than in it: a trigger_id dies 3 s after the click, so a form
// must never wait behind other Slack work (an incident's effects, a spike
// alert backlog, another form). Up to max_in_flight calls run at once.
// A form that is refused, times out (WebApiClient's trigger_timeout), is
// rate limited, or waited past send_within is never retried: the person gets
// an ephemeral message in the channel saying the form didn't open and to
// run the command or click the button again.
//
// Nothing is stored: a crash loses the forms in flight, whose triggers would
// be dead by the restart anyway. Runs on `executor` (the io thread); api and
// clock must outlive the calls it starts.
class FormOpener {
 public:
  FormOpener(boost::asio::any_io_executor executor, SlackApi& api, const Clock& clock,
             FormOpenerOptions options = {});
  ~FormOpener();
  FormOpener(const FormOpener&) = delete;
  FormOpener& operator=(const FormOpener&) = delete;

  // Starts views.open for `form` now, or as soon as a place is free. Call on
  // the io thread, when the request that carries the trigger arrives.
  void Open(FormToOpen form);

  struct Stats {
    std::int64_t opened = 0;   // Slack opened the form
    std::int64_t failed = 0;   // Slack refused it or didn't answer in time
    std::int64_t expired = 0;  // waited past send_within; never sent
    std::int64_t waiting = 0;  // not started yet
    std::int64_t in_flight = 0;
  };
  Stats GetStats() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// The ephemeral message for a form that didn't open, `why` in a few words.
std::string UnopenedFormText(std::string_view why);

}  // namespace swarmbot::handlers
