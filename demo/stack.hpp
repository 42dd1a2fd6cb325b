#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "demo/swarmbot_process.hpp"
#include "emulator/emulator.hpp"

namespace swarmbot::demo {

// The whole system on one machine: the Slack emulator in this process, the
// real swarmbot binary as a child process talking to it over TLS on loopback,
// and a SQLite file in a work folder. Used by the demo and the end-to-end tests.
class Stack {
 public:
  struct Options {
    std::filesystem::path swarmbot_binary{};
    std::filesystem::path work_dir{};  // config, database, CA file and log go here
    emulator::Options slack{};
    bool request_url_mode = false;  // false: Socket Mode
    std::string log_level = "info";
  };

  explicit Stack(Options options);
  ~Stack();

  emulator::Emulator& slack() { return *slack_; }
  const std::filesystem::path& work_dir() const { return options_.work_dir; }
  std::filesystem::path LogFile() const { return options_.work_dir / "swarmbot.log"; }
  std::filesystem::path DatabaseFile() const { return options_.work_dir / "swarmbot.db"; }

  // The channel where swarmbot announces incidents; set before StartSwarmbot,
  // or the stack makes one with only swarmbot in it.
  void SetIncidentChannel(const ChannelId& channel) { incident_channel_ = channel; }
  void SetIncidentManagers(std::vector<UserId> managers) { managers_ = std::move(managers); }
  // TOML appended to the config swarmbot is started with, e.g. a [routing] table.
  void SetExtraConfig(std::string toml) { extra_config_ = std::move(toml); }

  // Writes the config and starts swarmbot; returns once it is ready and, in
  // Socket Mode, connected to the emulator.
  void StartSwarmbot();
  // Starts it without waiting for it to be ready (for tests of start-up).
  void LaunchSwarmbot();
  void KillSwarmbot();  // SIGKILL, as a crash
  int StopSwarmbot();   // SIGTERM; returns the exit status
  bool Running() const { return process_ != nullptr; }
  // The running swarmbot's process id and HTTP port (for the load tool's
  // figures and requests); call only while Running().
  pid_t SwarmbotPid() const { return process_->Pid(); }
  unsigned short SwarmbotHttpPort() const { return process_->HttpPort(); }

  // Runs `swarmbot <args…> --config <work dir>/swarmbot.toml` (e.g. {"import",
  // "kb", "--dir", …}) with the stack's secrets, writing the config first,
  // and waits for it to exit. Output is stdout and stderr together.
  struct CommandResult {
    int status = -1;  // exit status, or 128+signal
    std::string output;
  };
  CommandResult RunSwarmbotCommand(const std::vector<std::string>& args);

  // The secrets swarmbot runs with, for tests that scan its log for them.
  std::vector<std::string> Secrets() const;
  std::string IntakeApiKey() const { return intake_api_key_; }
  // The key the customer site presents to GET /api/site/banner.
  std::string SiteApiKey() const { return site_api_key_; }

  struct HttpResult {
    int status = 0;
    std::string body;
    std::map<std::string, std::string> headers{};  // names in lowercase
  };
  // POST /api/cases on swarmbot's HTTP endpoint with the intake API key.
  HttpResult PostCase(const std::string& json, const std::string& idempotency_key = "");
  // The same with one Idempotency-Key header per key (none, one, or a repeat).
  HttpResult PostCaseWithKeys(const std::string& json, const std::vector<std::string>& keys);
  // POST /api/cases/email?<query> with a raw RFC 5322 message and the intake API key.
  HttpResult PostEmail(const std::string& message, const std::string& query = "");
  // Any request to swarmbot's HTTP endpoint; `headers` are sent as given.
  HttpResult Request(const std::string& method, const std::string& target,
                     const std::map<std::string, std::string>& headers, const std::string& body);

 private:
  using HeaderList = std::vector<std::pair<std::string, std::string>>;
  // Request with the headers in order, a name possibly more than once.
  HttpResult Send(const std::string& method, const std::string& target, const HeaderList& headers,
                  const std::string& body);
  void WriteConfig();
  void Launch(bool wait_ready);
  void AwaitSocketsClosed();
  std::map<std::string, std::string> SecretEnvironment() const;

  Options options_;
  std::unique_ptr<emulator::Emulator> slack_;
  std::unique_ptr<SwarmbotProcess> process_;
  ChannelId incident_channel_;
  std::vector<UserId> managers_;
  std::string extra_config_;
  std::string intake_api_key_;
  std::string site_api_key_;
};

}  // namespace swarmbot::demo
