#include "handlers/form_opener.hpp"

#include <algorithm>
#include <deque>
#include <exception>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

namespace swarmbot::handlers {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

// views.open's arguments, or "" when the view isn't a JSON object (a bug in
// whoever built it). Built outside the coroutines: GCC 12 mishandles braced
// lists of string literals inside them.
std::string OpenArgs(const FormToOpen& form) {
  boost::system::error_code ec;
  json::value view = json::parse(form.view_json, ec);
  if (ec || !view.is_object()) {
    return {};
  }
  json::object args;
  args["trigger_id"] = form.trigger_id;
  args["view"] = std::move(view);
  return json::serialize(args);
}

std::string EphemeralArgs(const FormToOpen& form, std::string_view why) {
  json::object args;
  args["channel"] = form.channel.str();
  args["user"] = form.user.str();
  args["text"] = UnopenedFormText(why);
  return json::serialize(args);
}

}  // namespace

std::string UnopenedFormText(std::string_view why) {
  return "The form didn't open (" + std::string(why) +
         "), so nothing was changed. Please run the command or click the button again.";
}

struct FormOpener::Impl {
  struct Waiting {
    FormToOpen form;
    Clock::TimePoint asked_at;
  };

  Impl(asio::any_io_executor ex, SlackApi& a, const Clock& c, FormOpenerOptions o)
      : executor(std::move(ex)), api(a), clock(c), options(o) {
    options.max_in_flight = std::max<std::size_t>(options.max_in_flight, 1);
  }

  asio::any_io_executor executor;
  SlackApi& api;
  const Clock& clock;
  FormOpenerOptions options;
  std::deque<Waiting> waiting;
  std::size_t in_flight = 0;
  Stats stats;

  void Pump(const std::shared_ptr<Impl>& self);
  asio::awaitable<void> Send(FormToOpen form);
  asio::awaitable<void> Expire(FormToOpen form);
  asio::awaitable<void> Tell(const FormToOpen& form, std::string why);
};

void FormOpener::Impl::Pump(const std::shared_ptr<Impl>& self) {
  while (in_flight < options.max_in_flight && !waiting.empty()) {
    Waiting next = std::move(waiting.front());
    waiting.pop_front();
    const bool stale = clock.Now() - next.asked_at > options.send_within;
    ++in_flight;
    auto task = stale ? Expire(std::move(next.form)) : Send(std::move(next.form));
    asio::co_spawn(executor, std::move(task), [self](std::exception_ptr escaped) {
      if (escaped) {
        try {
          std::rethrow_exception(escaped);
        } catch (const std::exception& e) {
          spdlog::error("event=form.aborted error=\"{}\"", e.what());
        } catch (...) {
          spdlog::error("event=form.aborted error=unknown");
        }
      }
      --self->in_flight;
      self->Pump(self);
    });
  }
  stats.waiting = static_cast<std::int64_t>(waiting.size());
  stats.in_flight = static_cast<std::int64_t>(in_flight);
}

asio::awaitable<void> FormOpener::Impl::Send(FormToOpen form) {
  std::string args = OpenArgs(form);
  if (args.empty()) {
    spdlog::error("event=form.failed user={} error=bad_view", form.user.str());
    ++stats.failed;
    co_return;
  }
  std::string method = "views.open";
  auto opened = co_await api.Call(std::move(method), std::move(args));
  if (opened) {
    ++stats.opened;
    spdlog::debug("event=form.opened user={}", form.user.str());
    co_return;
  }
  // Usually expired_trigger_id, a timeout or a rate limit: the trigger is
  // spent either way, so only the person can try again.
  ++stats.failed;
  const Error& error = opened.error();
  const std::string code =
      error.slack_error.empty() ? std::string(ErrcName(error.code)) : error.slack_error;
  spdlog::warn("event=form.failed user={} error={}", form.user.str(), code);
  std::string why = error.slack_error.empty() ? std::string("Slack didn't answer in time")
                                              : "Slack answered `" + error.slack_error + "`";
  co_await Tell(form, std::move(why));
}

asio::awaitable<void> FormOpener::Impl::Expire(FormToOpen form) {
  ++stats.expired;
  spdlog::warn("event=form.expired user={} detail=\"waited past the trigger's life\"",
               form.user.str());
  std::string why = "swarmbot was too busy to open it in time";
  co_await Tell(form, std::move(why));
}

asio::awaitable<void> FormOpener::Impl::Tell(const FormToOpen& form, std::string why) {
  if (form.user.empty() || form.channel.empty()) {
    co_return;
  }
  std::string method = "chat.postEphemeral";
  std::string args = EphemeralArgs(form, why);
  auto told = co_await api.Call(std::move(method), std::move(args));
  if (!told) {
    spdlog::warn("event=form.explain_failed user={} detail=\"{}\"", form.user.str(),
                 told.error().detail);
  }
}

FormOpener::FormOpener(asio::any_io_executor executor, SlackApi& api, const Clock& clock,
                       FormOpenerOptions options)
    : impl_(std::make_shared<Impl>(std::move(executor), api, clock, options)) {}

FormOpener::~FormOpener() = default;

void FormOpener::Open(FormToOpen form) {
  impl_->waiting.push_back(Impl::Waiting{std::move(form), impl_->clock.Now()});
  impl_->Pump(impl_);
}

FormOpener::Stats FormOpener::GetStats() const {
  return impl_->stats;
}

}  // namespace swarmbot::handlers
