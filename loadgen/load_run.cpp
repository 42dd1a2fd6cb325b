#include "loadgen/load_run.hpp"

#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

#include <SQLiteCpp/SQLiteCpp.h>
#include <boost/json/parse.hpp>

#include "demo/scenario.hpp"
#include "demo/stack.hpp"
#include "loadgen/client.hpp"
#include "loadgen/report.hpp"
#include "loadgen/workload.hpp"

namespace swarmbot::loadgen {
namespace {

using Clock = std::chrono::steady_clock;

// How long a setup step (a declare, a swarm start) may take before the run gives up.
constexpr std::chrono::seconds kSetupWait{30};
// The outbox's own bookkeeping lands in SQLite just after Slack acted, and
// the emulator sees no change then; look again this often while waiting.
constexpr std::chrono::milliseconds kRecheck{50};

struct OutboxCounts {
  std::int64_t pending = 0;
  std::int64_t failed = 0;
};

// swarmbot's outbox, read beside the running process (SQLite in WAL mode
// lets a reader in while it writes).
class OutboxReader {
 public:
  explicit OutboxReader(const std::filesystem::path& database)
      : db_(database.string(), SQLite::OPEN_READONLY) {
    db_.setBusyTimeout(1000);
  }

  OutboxCounts Read() {
    return {db_.execAndGet("SELECT COUNT(*) FROM outbox WHERE state = 'pending'").getInt64(),
            db_.execAndGet("SELECT COUNT(*) FROM outbox WHERE state = 'failed'").getInt64()};
  }

 private:
  SQLite::Database db_;
};

// "VmHWM:  12345 kB" from /proc/<pid>/status, in kB; 0 when unreadable.
long PeakMemoryKb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("VmHWM:")) {
      return std::stol(line.substr(6));
    }
  }
  return 0;
}

constexpr std::size_t kExamples = 5;

// The Slack effects a phase's writes must have: each token once, in its channel.
class EffectLedger {
 public:
  EffectLedger(emulator::Emulator& slack, std::vector<UserId> people)
      : slack_(slack), people_(std::move(people)) {}

  void Expect(const ChannelId& channel, const std::string& token) {
    expected_[channel.str()].push_back(token);
  }

  struct Tally {
    std::size_t expected = 0;
    std::size_t performed = 0;          // tokens seen at least once
    std::size_t duplicated = 0;         // tokens seen more than once, and effect ids posted twice
    std::vector<std::string> examples;  // what was lost or duplicated, a few of them
  };

  Tally Count() const {
    Tally tally;
    for (const auto& [channel, tokens] : expected_) {
      const auto snapshot = slack_.Channel(ChannelId(channel));
      for (const std::string& token : tokens) {
        const std::size_t seen = snapshot ? MessagesWith(snapshot->messages, token) : 0;
        ++tally.expected;
        tally.performed += seen > 0 ? 1 : 0;
        tally.duplicated += seen > 1 ? 1 : 0;
        if (seen != 1 && tally.examples.size() < kExamples) {
          tally.examples.push_back(token + " in " + channel + " " + std::to_string(seen) +
                                   " times");
        }
      }
    }
    RepeatedEffectIds(tally);
    return tally;
  }

 private:
  static std::size_t MessagesWith(const std::vector<emulator::MessageSnapshot>& messages,
                                  const std::string& token) {
    return static_cast<std::size_t>(
        std::count_if(messages.begin(), messages.end(), [&](const auto& m) {
          return m.text.find(token) != std::string::npos ||
                 m.blocks_json.find(token) != std::string::npos;
        }));
  }

  // swarmbot marks each post with its effect's id (message metadata), so an
  // effect performed twice shows as two messages with one id, wherever posted.
  void RepeatedEffectIds(Tally& tally) const {
    std::vector<emulator::ChannelSnapshot> places = slack_.Channels();
    for (const UserId& person : people_) {
      if (auto dm = slack_.DirectMessage(person)) {
        places.push_back(std::move(*dm));
      }
    }
    std::map<std::string, std::vector<std::string>> posts;  // effect id → channel/ts
    for (const auto& place : places) {
      for (const auto& message : place.messages) {
        if (const std::string id = EffectId(message.metadata_json); !id.empty()) {
          posts[id].push_back(place.id.str() + "/" + message.ts.str());
        }
      }
    }
    for (const auto& [id, where] : posts) {
      if (where.size() > 1) {
        ++tally.duplicated;
        if (tally.examples.size() < kExamples) {
          tally.examples.push_back("effect " + id + " posted " + std::to_string(where.size()) +
                                   " times: " + where[0] + " " + where[1]);
        }
      }
    }
  }

  static std::string EffectId(const std::string& metadata_json) {
    if (metadata_json.empty()) {
      return {};
    }
    boost::system::error_code ec;
    const auto value = boost::json::parse(metadata_json, ec);
    const auto* payload =
        !ec && value.is_object() ? value.as_object().if_contains("event_payload") : nullptr;
    const auto* id =
        payload && payload->is_object() ? payload->as_object().if_contains("effect_id") : nullptr;
    return id && id->is_string() ? std::string(id->as_string()) : std::string();
  }

  emulator::Emulator& slack_;
  std::vector<UserId> people_;
  std::map<std::string, std::vector<std::string>> expected_;
};

std::vector<UserId> Everyone(const demo::TakeOut& t) {
  return {t.mara,  t.ravi, t.lena, t.tom,  t.priya, t.omar, t.chen,
          t.sofia, t.dev,  t.ines, t.kofi, t.ana,   t.luis};
}

// Plays the setup as people would: cases arrive, Mara declares INC-1, starts
// its swarm and opens PRB-1 in the swarm channel.
Workspace SetUpSwarm(demo::Stack& stack, demo::Scenario& scenario) {
  const demo::TakeOut& people = scenario.people();
  auto& slack = stack.slack();
  scenario.CasesArrive();
  const std::string incident =
      scenario.DeclareIncident(people.mara, people.incidents, "",
                               {{"subject", {"FEAST25 discount code fails at checkout"}},
                                {"description", {"Customers get an error when applying FEAST25"}},
                                {"territories", {"North", "East"}},
                                {"impact", {"high"}},
                                {"urgency", {"high"}}});
  scenario.Type(people.mara, people.incidents, "/swarm", "start " + incident);
  ChannelId swarm;
  scenario.Await("the swarm channel of " + incident, [&] {
    for (const auto& channel : slack.Channels()) {
      if (channel.name.starts_with("inc-1-") && !channel.pins.empty() &&
          channel.HasMember(people.mara)) {
        swarm = channel.id;
      }
    }
    return !swarm.empty();
  });
  const std::string problem = scenario.OpenProblem(people.mara, swarm);
  const auto& o = slack.options();
  return Workspace{
      .team_id = o.team_id,
      .team_domain = o.team_domain,
      .app_id = o.app_id,
      .verification_token = o.verification_token,
      .response_url_base = "https://127.0.0.1:" + std::to_string(slack.Port()) + "/response/",
      .bot_user = slack.BotUserId(),
      .manager = people.mara,
      .swarm_members = {people.mara},
      .incidents = people.incidents,
      .swarm = swarm,
      .incident = incident,
      .problem = problem};
}

// Waits, on every change in the workspace and every kRecheck for the
// database, until `done` holds or `timeout` passes.
bool AwaitChanges(emulator::Emulator& slack, const std::function<bool()>& done,
                  std::chrono::seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (slack.WaitFor(done, kRecheck)) {
      return true;
    }
  }
  return false;
}

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

class Run {
 public:
  Run(const LoadOptions& options, std::ostream& out)
      : options_(options),
        out_(out),
        stack_({.swarmbot_binary = options.swarmbot_binary,
                .work_dir = options.work_dir,
                .request_url_mode = true}),
        scenario_(stack_, [](const std::string&) {}) {}

  bool Play() {
    SetUp();
    bool ok = Phase("steady", "S", options_.requests);
    DegradeSlack();
    ok = Phase("slack-degraded", "D", options_.slow_requests) && ok;
    stack_.slack().ClearFaults();
    return ok;
  }

 private:
  // Everything before the load: the swarm to play in, and an outbox that
  // has performed the setup's own effects.
  void SetUp() {
    ImportKnowledge();
    stack_.StartSwarmbot();
    workspace_ = SetUpSwarm(stack_, scenario_);
    pid_ = stack_.SwarmbotPid();
    port_ = stack_.SwarmbotHttpPort();
    outbox_.emplace(stack_.DatabaseFile());
    if (!AwaitChanges(
            stack_.slack(), [&] { return outbox_->Read().pending == 0; }, kSetupWait)) {
      throw std::runtime_error("the setup's Slack effects were never all performed");
    }
    failed_before_ = outbox_->Read().failed;
    out_ << "setup " << workspace_.incident << " swarming in " << workspace_.swarm.str() << " with "
         << workspace_.problem << "; " << options_.connections << " keep-alive connections\n";
  }

  // Slack as on a bad day: 429 ratelimited with Retry-After for every
  // method, then slow posts.
  void DegradeSlack() {
    auto& slack = stack_.slack();
    slack.FailNext("*", options_.ratelimited_calls,
                   emulator::Fault::RateLimited(options_.retry_after));
    slack.FailNext("chat.postMessage", options_.slowed_calls,
                   emulator::Fault::Delay(options_.slowed_by));
    out_ << "slack-degraded the next " << options_.ratelimited_calls
         << " Web API calls answer 429 ratelimited (Retry-After " << options_.retry_after.count()
         << " s), then " << options_.slowed_calls << " chat.postMessage calls take +"
         << options_.slowed_by.count() << " ms\n";
  }

  void ImportKnowledge() {
    const auto result = stack_.RunSwarmbotCommand(
        {"import", "kb", "--dir",
         (std::filesystem::path(SWARMBOT_SOURCE_DIR) / "samples/kb").string()});
    if (result.status != 0) {
      throw std::runtime_error("import kb failed: " + result.output);
    }
  }

  bool Phase(const std::string& phase, std::string_view tag, std::size_t count) {
    const auto requests = MixedRequests(workspace_, count, tag);
    EffectLedger ledger(stack_.slack(), Everyone(scenario_.people()));
    for (const Request& request : requests) {
      if (request.kind == Kind::kDeclare) {
        ledger.Expect(workspace_.incidents, request.token);
      } else if (request.kind == Kind::kCause) {
        ledger.Expect(workspace_.swarm, request.token);
      }
    }

    const int calls_before = WebApiCalls();
    const auto started = Clock::now();
    const Traffic traffic = SendAll(requests, port_, Secret(), options_.connections);
    const Figures all = FiguresOfAll(traffic);
    for (const Figures& figures : FiguresByKind(traffic)) {
      PrintFigures(out_, phase, figures);
    }
    PrintFigures(out_, phase, all);
    out_ << phase << " connections opened=" << traffic.connections_opened << " for "
         << options_.connections << " clients; wall " << Seconds(traffic.elapsed) << " s\n";
    PrintErrors(out_, phase, traffic, 5);
    if (options_.show_replies) {
      PrintSampleReplies(out_, phase, traffic);
    }

    // Every effect of the phase is queued by the time it was acknowledged, so
    // an empty outbox means each has been performed or given up on; the
    // ledger then tells which of those Slack shows, and how often.
    const bool drained = AwaitChanges(
        stack_.slack(), [&] { return outbox_->Read().pending == 0; }, options_.effects_timeout);
    const auto finished = Clock::now();
    const auto tally = ledger.Count();
    const auto outbox = outbox_->Read();
    const std::int64_t failed = outbox.failed - failed_before_;
    failed_before_ = outbox.failed;
    const std::size_t lost = tally.expected - tally.performed;
    out_ << phase << " effects expected=" << tally.expected << " performed=" << tally.performed
         << " lost=" << lost << " duplicated=" << tally.duplicated
         << " outbox_pending=" << outbox.pending << " outbox_failed=" << failed
         << " slack_calls=" << WebApiCalls() - calls_before << "; all performed "
         << (drained
                 ? std::to_string(Seconds(finished - started)) + " s after the first request, " +
                       std::to_string(Seconds(finished - started - traffic.elapsed)) +
                       " s after the last acknowledgement"
                 : "NOT within " + std::to_string(options_.effects_timeout.count()) + " s")
         << "\n";
    for (const std::string& example : tally.examples) {
      out_ << phase << " effect problem: " << example << "\n";
    }
    out_ << phase << " swarmbot VmHWM=" << PeakMemoryKb(pid_) / 1024 << " MiB\n";
    return all.errors == 0 && drained && lost == 0 && tally.duplicated == 0 && failed == 0;
  }

  int WebApiCalls() {
    int total = 0;
    for (const auto& [method, count] : stack_.slack().CallCounts()) {
      total += count;
    }
    return total;
  }

  std::string Secret() const { return stack_.Secrets().at(2); }

  const LoadOptions& options_;
  std::ostream& out_;
  demo::Stack stack_;
  demo::Scenario scenario_;
  Workspace workspace_;
  std::optional<OutboxReader> outbox_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::int64_t failed_before_ = 0;
};

}  // namespace

bool RunLoad(const LoadOptions& options, std::ostream& out) {
  Run run(options, out);
  return run.Play();
}

}  // namespace swarmbot::loadgen
