#include "app/app.hpp"

#include <csignal>
#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "app/cab_settings.hpp"
#include "app/instance_lock.hpp"
#include "app/mail_worker.hpp"
#include "app/people_import.hpp"
#include "bot/delivery_filter.hpp"
#include "bot/event_retry.hpp"
#include "bot/event_spool.hpp"
#include "bot/http_endpoint.hpp"
#include "bot/outbox_worker.hpp"
#include "bot/socket_mode_client.hpp"
#include "bot/web_api_client.hpp"
#include "common/clock.hpp"
#include "handlers/effect_runner.hpp"
#include "handlers/email_intake.hpp"
#include "handlers/form_opener.hpp"
#include "handlers/intake.hpp"
#include "handlers/router.hpp"
#include "handlers/shared_objects.hpp"
#include "handlers/site_api.hpp"
#include "lifecycle/approval_service.hpp"
#include "lifecycle/spike_service.hpp"
#include "store/database.hpp"
#include "store/outbox.hpp"

namespace swarmbot::app {
namespace {

namespace asio = boost::asio;

// Who the bot is in this workspace (auth.test), so that its own messages and
// channel joins are not taken for people's.
struct BotIdentity {
  UserId user_id;
  std::string bot_id;
};

Result<BotIdentity> ParseIdentity(const ApiReply& reply) {
  boost::system::error_code ec;
  const boost::json::value body = boost::json::parse(reply.body, ec);
  const auto* object = ec ? nullptr : body.if_object();
  const auto* user = object ? object->if_contains("user_id") : nullptr;
  const auto* bot = object ? object->if_contains("bot_id") : nullptr;
  if (user == nullptr || !user->is_string()) {
    return MakeError(Errc::kUnavailable, "auth.test answered without user_id");
  }
  return BotIdentity{UserId(std::string(user->as_string())),
                     bot && bot->is_string() ? std::string(bot->as_string()) : std::string()};
}

// Asks Slack who the bot is, retrying while Slack is unreachable or busy; a
// token Slack rejects ends start-up, since no retry can fix it.
// `timer` paces the retries; cancelling it, or `stopping` (at shutdown), ends them.
asio::awaitable<Result<BotIdentity>> FetchIdentity(bot::WebApiClient& api,
                                                   asio::steady_timer& timer,
                                                   const bool& stopping) {
  std::chrono::seconds delay{1};
  for (int attempt = 1;; ++attempt) {
    auto reply = co_await api.Call("auth.test", "{}");
    if (reply) {
      co_return ParseIdentity(*reply);
    }
    if (!reply.error().Retryable() || attempt == 6) {
      co_return reply.error();
    }
    if (stopping) {
      co_return MakeError(Errc::kUnavailable, "start-up cancelled");
    }
    spdlog::warn("event=startup.auth_test_retry attempt={} error={}", attempt,
                 ErrcName(reply.error().code));
    timer.expires_after(reply.error().retry_after.value_or(delay));
    const auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) {
      co_return MakeError(Errc::kUnavailable, "start-up cancelled");
    }
    delay = std::min(delay * 2, std::chrono::seconds(30));
  }
}

handlers::Settings HandlerSettings(const config::Config& config, const BotIdentity& identity) {
  handlers::Settings settings;
  settings.bot_user_id = identity.user_id;
  settings.bot_id = identity.bot_id;
  settings.managers_channel = ChannelId(config.incident_channel);
  for (const auto& id : config.incident_managers) {
    settings.incident_managers.emplace_back(id);
  }
  settings.territories = config.territories;
  settings.priority_matrix.cells = config.priority_matrix;
  settings.routing = RoutingRulesFrom(config.routing);
  settings.spike_window = std::chrono::minutes(config.spike_window_minutes);
  settings.timeline_reaction = config.swarm_timeline_reaction;
  settings.broadcast = BroadcastSettingsFrom(config);
  settings.problem_reopen_days = config.problems_reopen_days;
  for (const config::StandardChange& entry : config.standard_changes) {
    settings.standard_changes.push_back({entry.name, entry.title, entry.steps});
  }
  settings.banner.clear_on_close = config.banner_clear_on_close;
  settings.invitation_timeout = std::chrono::minutes(config.swarm_invitation_timeout_minutes);
  for (const auto& group : config.incident_manager_groups) {
    settings.incident_manager_groups.emplace_back(group);
  }
  settings.cab = CabSettingsFrom(config.cab);
  settings.swarm_private = config.swarm_private;
  settings.swarm_private_from_priority = config.swarm_private_from_priority;
  settings.unarchive_swarms = !config.user_token.Empty();
  settings.confirm_group_invites_over = config.swarm_confirm_group_invites_over;
  return settings;
}

lifecycle::SpikeSettings SpikeSettingsFrom(const config::Config& config) {
  return {.window = std::chrono::minutes(config.spike_window_minutes),
          .similarity = config.spike_similarity,
          .min_cases = config.spike_min_cases,
          .min_contacts = config.spike_min_contacts};
}

bot::HttpAnswer ToHttpAnswer(const handlers::IntakeAnswer& answer) {
  bot::HttpAnswer http;
  http.status = answer.status;
  http.body = answer.body_json;
  return http;
}

bot::HttpAnswer ToHttpAnswer(handlers::SiteAnswer answer) {
  return {answer.status, std::move(answer.content_type), std::move(answer.body),
          std::move(answer.headers)};
}

handlers::SiteRequest ToSiteRequest(const bot::ApiRequest& request) {
  return {.query = request.query, .if_none_match = request.Header("if-none-match")};
}

void ReportReady(const ServeOptions& options, std::uint16_t port) {
  if (!options.ready_fd) {
    return;
  }
  const std::string line = "ready http_port=" + std::to_string(port) + "\n";
  if (::write(*options.ready_fd, line.data(), line.size()) < 0) {
    spdlog::warn("event=startup.ready_fd_failed");
  }
  ::close(*options.ready_fd);
}

}  // namespace

// One running swarmbot: the parts, in the order they depend on each other.
class Server {
 public:
  Server(const config::Config& config, store::Database& db)
      : config_(config),
        db_(db),
        outbox_(db),
        filter_(db, clock_),
        spike_watch_(SpikeSettingsFrom(config)),
        intake_(db, clock_, config.intake_api_key),
        email_intake_(
            db, clock_, config.intake_api_key,
            {.territory = config.intake_email_territory, .owner = config.intake_email_owner}),
        site_(db, clock_, {.max_age_seconds = config.banner_max_age_seconds}),
        api_(io_.get_executor(), bot::WebApiOptions{.base_url = config.api_base_url,
                                                    .ca_file = config.ca_file,
                                                    .bot_token = config.bot_token,
                                                    .user_token = config.user_token}),
        worker_(
            io_.get_executor(), outbox_, clock_,
            [this](store::OutboxItem item) { return effects_->Run(std::move(item), api_); },
            bot::OutboxWorkerOptions{
                .concurrency = static_cast<std::size_t>(config.effects_in_flight),
                .shared_object = handlers::SharedSlackObject}),
        spool_(bot::EventSpool::Beside(config.store_path)),
        events_(
            io_.get_executor(), clock_,
            [this](const InboundRequest& request) { return Dispatch(request); }, {}, &filter_,
            &spool_),
        endpoint_(
            io_.get_executor(), clock_, filter_,
            [this](const InboundRequest& request) { return events_.Handle(request); },
            bot::HttpEndpointOptions{
                .address = config.http_listen,
                .port = config.http_port,
                .signing_secret =
                    config.mode == config::Mode::kHttp ? config.signing_secret : Secret{},
            }) {
    endpoint_.KeepEventsWith(
        [this](const InboundRequest& request) { return events_.Keep(request); });
    if (auto rebuilt = spike_watch_.Rebuild(db, clock_.Now()); !rebuilt) {
      spdlog::error("event=startup.spike_rebuild_failed detail=\"{}\"", rebuilt.error().detail);
    }
    intake_.SetNewCaseHook(&spike_watch_);
    email_intake_.SetNewCaseHook(&spike_watch_);
    intake_.SetTerritories(config.territories);
    email_intake_.SetTerritories(config.territories);
    // The endpoint has already compared the client's key with this one (and
    // strips it from the headers), so the intake is handed the matching key.
    endpoint_.AddApiRoute(
        "POST", "/api/cases", config.intake_api_key, [this](const bot::ApiRequest& request) {
          auto answer = intake_.Handle(
              {.body = request.body,
               .idempotency_key = request.Header("idempotency-key"),
               .api_key = config_.intake_api_key,
               .idempotency_key_repeated = request.HeaderCount("idempotency-key") > 1,
               .content_type = request.Header("content-type")});
          worker_.Wake();
          return ToHttpAnswer(answer);
        });
    endpoint_.AddApiRoute(
        "POST", "/api/cases/email", config.intake_api_key, [this](const bot::ApiRequest& request) {
          auto answer = email_intake_.Handle(
              {.message = request.body, .query = request.query, .api_key = config_.intake_api_key});
          worker_.Wake();
          return ToHttpAnswer(answer);
        });
    AddSiteRoutes();
  }

  // The customer site's banner (behind its own key) and the public status page.
  void AddSiteRoutes() {
    if (config_.site_api_key.Empty()) {
      spdlog::warn("event=startup.no_site_api_key detail=\"GET /api/site/banner answers 401\"");
    }
    endpoint_.AddApiRoute("GET", "/api/site/banner", config_.site_api_key,
                          [this](const bot::ApiRequest& request) {
                            return ToHttpAnswer(site_.Banner(ToSiteRequest(request)));
                          });
    endpoint_.AddApiRoute("POST", "/api/site/unsubscribe", config_.site_api_key,
                          [this](const bot::ApiRequest& request) {
                            return ToHttpAnswer(site_.Unsubscribe(request.body));
                          });
    endpoint_.AddPublicRoute("GET", "/status", [this](const bot::ApiRequest& request) {
      return ToHttpAnswer(site_.StatusPage(ToSiteRequest(request)));
    });
  }

  int Run(const ServeOptions& options) {
    asio::signal_set signals(io_, SIGINT, SIGTERM);
    signals.async_wait([this](const boost::system::error_code& ec, int signal) {
      if (!ec) {
        spdlog::info("event=shutdown signal={}", signal);
        Shutdown();
      }
    });
    Spawn("startup", Start(options));
    io_.run();
    return exit_status_;
  }

 private:
  // Learns the bot's identity, then opens the doors: the HTTP endpoint, the
  // outbox and (in Socket Mode) the WebSocket to Slack.
  asio::awaitable<void> Start(ServeOptions options) {
    auto identity = co_await FetchIdentity(api_, startup_timer_, shutting_down_);
    if (shutting_down_) {
      co_return;
    }
    if (!identity) {
      spdlog::error("event=startup.failed part=auth.test error={} slack_error={}",
                    ErrcName(identity.error().code), identity.error().slack_error);
      std::fprintf(stderr, "swarmbot: Slack refused the bot token or could not be reached (%s)\n",
                   identity.error().slack_error.empty() ? ErrcName(identity.error().code).data()
                                                        : identity.error().slack_error.c_str());
      exit_status_ = kExitFailure;
      Shutdown();
      co_return;
    }
    OpenDoors(*identity, options);
  }

  // With the bot's identity known: the handlers, then the HTTP endpoint, the
  // outbox, the mail worker and (in Socket Mode) the WebSocket to Slack. A
  // plain function, not part of the start-up coroutine: GCC 12 warns wrongly
  // about a large coroutine frame (-Wmismatched-new-delete).
  void OpenDoors(const BotIdentity& identity, const ServeOptions& options) {
    spdlog::info("event=startup.identity bot_user={}", identity.user_id.str());
    const handlers::Settings settings = HandlerSettings(config_, identity);
    router_.emplace(db_, clock_, settings);
    router_->SetFormOpener(forms_);
    effects_.emplace(db_, clock_, settings);
    effects_->WarmUp(io_.get_executor());
    RefreshRoleGroups(settings);
    events_.Replay();  // ahead of anything the doors let in

    try {
      endpoint_.Start();
    } catch (const std::system_error& e) {
      const std::string why = e.code().message();
      spdlog::error("event=startup.failed part=http address={} port={} error=\"{}\"",
                    config_.http_listen, config_.http_port, why);
      std::fprintf(stderr, "swarmbot: cannot listen on %s port %u: %s\n",
                   config_.http_listen.c_str(), unsigned{config_.http_port}, why.c_str());
      exit_status_ = kExitFailure;
      Shutdown();
      return;
    }
    serving_ = true;
    spdlog::info("event=startup.http address={} port={}", config_.http_listen, endpoint_.Port());
    Spawn("outbox", worker_.Run());
    mail_.Start();
    if (config_.mode == config::Mode::kSocket) {
      socket_mode_.emplace(
          io_.get_executor(), api_, filter_,
          [this](const InboundRequest& request) { return events_.Handle(request); },
          bot::SocketModeOptions{.app_token = config_.app_token, .ca_file = config_.ca_file});
      socket_mode_->KeepEventsWith(
          [this](const InboundRequest& request) { return events_.Keep(request); });
      Spawn("socket_mode", RunSocketMode());
    }
    ReportReady(options, endpoint_.Port());
    spdlog::info("event=startup.ready mode={}",
                 config_.mode == config::Mode::kSocket ? "socket" : "http");
  }

  // Role groups' members as they are now; subteam events keep them current.
  void RefreshRoleGroups(const handlers::Settings& settings) {
    if (auto queued = lifecycle::ApprovalService(db_, clock_, settings.cab)
                          .QueueRoleRefresh(settings.incident_manager_groups);
        !queued) {
      spdlog::error("event=startup.roles_refresh_failed detail=\"{}\"", queued.error().detail);
    }
  }

  InboundReply Dispatch(const InboundRequest& request) {
    InboundReply reply = router_->Handle(request);
    if (reply.retry_later) {
      return reply;  // nothing was kept; waking the workers would wait on the busy store again
    }
    worker_.Wake();
    mail_.Wake();  // a Send click may have started a broadcast
    return reply;
  }

  asio::awaitable<void> RunSocketMode() {
    const Status status = co_await socket_mode_->Run();
    if (!status) {
      spdlog::error("event=socket_mode.stopped error={} detail=\"{}\"",
                    ErrcName(status.error().code), status.error().detail);
      exit_status_ = kExitFailure;
      Shutdown();
    }
  }

  // Runs a long-lived task. One that ends by an exception stops the process:
  // a transport that died silently would leave a bot that looks alive but
  // answers nobody.
  void Spawn(const char* name, asio::awaitable<void> task) {
    ++tasks_running_;
    asio::co_spawn(io_, std::move(task), [this, name](std::exception_ptr failure) {
      --tasks_running_;
      if (failure) {
        try {
          std::rethrow_exception(failure);
        } catch (const std::exception& e) {
          spdlog::error("event=task.failed task={} error=\"{}\"", name, e.what());
        }
        exit_status_ = kExitFailure;
        Shutdown();
      }
      if (shutting_down_ && tasks_running_ == 0) {
        io_.stop();
      }
    });
  }

  void Shutdown() {
    if (shutting_down_) {
      return;
    }
    shutting_down_ = true;
    if (socket_mode_) {
      socket_mode_->Stop();
    }
    startup_timer_.cancel();
    events_.Stop();
    if (serving_) {
      endpoint_.Stop();
      worker_.Stop();
      mail_.Stop();  // waits for the message in flight, if any
    }
    // The tasks finish what is in flight; past this bound we stop anyway, and
    // the outbox keeps whatever is unfinished for the next start.
    shutdown_timer_.expires_after(std::chrono::seconds(5));
    shutdown_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) {
        io_.stop();
      }
    });
  }

  const config::Config& config_;
  store::Database& db_;
  SystemClock clock_;
  asio::io_context io_{1};
  store::Outbox outbox_;
  bot::DeliveryFilter filter_;
  lifecycle::SpikeWatch spike_watch_;
  handlers::Intake intake_;
  handlers::EmailIntake email_intake_;
  handlers::SiteApi site_;
  std::optional<handlers::Router> router_;         // set once the bot's identity is known
  std::optional<handlers::EffectRunner> effects_;  // likewise
  bot::WebApiClient api_;
  bot::OutboxWorker worker_;
  // Forms open at once, beside the outbox: their trigger lives 3 s.
  handlers::FormOpener forms_{io_.get_executor(), api_, clock_};
  bot::EventSpool spool_;   // the events waiting in events_, kept across a crash
  bot::EventRetry events_;  // between the transports and Dispatch
  bot::HttpEndpoint endpoint_;
  std::optional<bot::SocketModeClient> socket_mode_;
  // Progress updates it queues are performed by the outbox worker, woken on
  // the io thread.
  MailWorker mail_{config_, [this] { asio::post(io_, [this] { worker_.Wake(); }); }};
  asio::steady_timer shutdown_timer_{io_};
  asio::steady_timer startup_timer_{io_};
  bool serving_ = false;
  int tasks_running_ = 0;
  bool shutting_down_ = false;
  int exit_status_ = kExitOk;
};

int Serve(const config::Config& config, const ServeOptions& options) {
  // Two processes on one database would both perform the same outbox items.
  auto lock = InstanceLock::Acquire(InstanceLock::FileBeside(config.store_path, ".lock"),
                                    "the database is in use by another swarmbot; stop it first");
  if (!lock) {
    spdlog::error("event=startup.failed part=lock detail=\"{}\"", lock.error().detail);
    std::fprintf(stderr, "swarmbot: %s\n", lock.error().user_message.c_str());
    return kExitFailure;
  }
  auto db = store::Database::Open(config.store_path);
  if (!db) {
    spdlog::error("event=startup.failed part=store detail=\"{}\"", db.error().detail);
    std::fprintf(
        stderr, "swarmbot: %s\n",
        (db.error().user_message.empty() ? db.error().detail : db.error().user_message).c_str());
    return db.error().code == Errc::kUnavailable ? kExitFailure : kExitConfig;
  }
  // The mail worker and the imports write through their own connections;
  // each side waits for the other's short transactions instead of failing
  // with SQLITE_BUSY. Well under Slack's 3 s for an answer: a command that
  // can't get the lock answers "nothing was changed" in time, rather than
  // going through after Slack has told the user it failed.
  (*db)->Sql().setBusyTimeout(kServeBusyTimeoutMs);
  try {
    Server server(config, **db);
    return server.Run(options);
  } catch (const std::exception& e) {
    spdlog::error("event=startup.failed detail=\"{}\"", e.what());
    std::fprintf(stderr, "swarmbot: %s\n", e.what());
    return kExitFailure;
  }
}

}  // namespace swarmbot::app
