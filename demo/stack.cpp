#include "demo/stack.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/crypto.hpp"

namespace swarmbot::demo {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

std::string TomlString(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
    }
    out.push_back(c);
  }
  return out + "\"";
}

}  // namespace

Stack::Stack(Options options)
    : options_(std::move(options)),
      slack_(std::make_unique<emulator::Emulator>(options_.slack)),
      intake_api_key_("intake-" + RandomHex(16)),
      site_api_key_("site-" + RandomHex(16)) {
  std::filesystem::create_directories(options_.work_dir);
  // As subscribed in slack-app-manifest.yml.
  auto events = emulator::DefaultEventSubscriptions();
  events.insert("member_left_channel");
  events.insert("pin_added");
  events.insert("group_archive");
  events.insert("user_change");
  slack_->SetEventSubscriptions(std::move(events));
  slack_->WriteCaFile(options_.work_dir / "emulator-ca.pem");
}

Stack::~Stack() {
  process_.reset();
}

void Stack::WriteConfig() {
  if (incident_channel_.empty()) {
    incident_channel_ = slack_->AddChannel("swarmbot-incidents", {slack_->BotUserId()});
  }
  std::ofstream out(options_.work_dir / "swarmbot.toml", std::ios::trunc);
  out << "[slack]\n"
      << "mode = " << (options_.request_url_mode ? "\"http\"" : "\"socket\"") << "\n"
      << "api_base_url = " << TomlString(slack_->BaseUrl()) << "\n"
      << "ca_file = " << TomlString((options_.work_dir / "emulator-ca.pem").string()) << "\n"
      << "incident_channel = " << TomlString(incident_channel_.str()) << "\n"
      << "[http]\nlisten = \"127.0.0.1\"\nport = 0\n"
      << "[store]\npath = " << TomlString(DatabaseFile().string()) << "\n"
      << "[roles]\nincident_managers = [";
  for (std::size_t i = 0; i < managers_.size(); ++i) {
    out << (i ? ", " : "") << TomlString(managers_[i].str());
  }
  out << "]\n[log]\nlevel = " << TomlString(options_.log_level) << "\n";
  out << extra_config_;
  if (!out) {
    throw std::runtime_error("cannot write the swarmbot config");
  }
}

std::vector<std::string> Stack::Secrets() const {
  const auto& s = slack_->options();
  std::vector<std::string> secrets{s.bot_token.Reveal(), s.app_token.Reveal(),
                                   s.signing_secret.Reveal(), intake_api_key_, site_api_key_};
  if (!s.user_token.Empty()) {
    secrets.push_back(s.user_token.Reveal());
  }
  return secrets;
}

void Stack::Launch(bool wait_ready) {
  if (process_) {
    throw std::logic_error("swarmbot is already running");
  }
  WriteConfig();
  process_ = std::make_unique<SwarmbotProcess>(SwarmbotProcess::Options{
      .binary = options_.swarmbot_binary,
      .config_file = options_.work_dir / "swarmbot.toml",
      .log_file = LogFile(),
      .env = SecretEnvironment(),
      .wait_ready = wait_ready,
  });
}

void Stack::LaunchSwarmbot() {
  Launch(/*wait_ready=*/false);
}

void Stack::StartSwarmbot() {
  const int sockets_before = slack_->OpenSocketCount();
  Launch(/*wait_ready=*/true);
  if (options_.request_url_mode) {
    slack_->SetRequestUrl("http://127.0.0.1:" + std::to_string(process_->HttpPort()));
    return;
  }
  const bool connected = slack_->WaitFor([&] { return slack_->OpenSocketCount() > sockets_before; },
                                         std::chrono::seconds(20));
  if (!connected) {
    throw std::runtime_error("swarmbot did not open a Socket Mode connection");
  }
}

std::map<std::string, std::string> Stack::SecretEnvironment() const {
  const auto& s = slack_->options();
  std::map<std::string, std::string> env{{"SWARMBOT_BOT_TOKEN", s.bot_token.Reveal()},
                                         {"SWARMBOT_APP_TOKEN", s.app_token.Reveal()},
                                         {"SWARMBOT_SIGNING_SECRET", s.signing_secret.Reveal()},
                                         {"SWARMBOT_INTAKE_API_KEY", intake_api_key_},
                                         {"SWARMBOT_SITE_API_KEY", site_api_key_}};
  // The emulator issues a user token only when asked to; swarmbot then gets it.
  if (!s.user_token.Empty()) {
    env.emplace("SWARMBOT_USER_TOKEN", s.user_token.Reveal());
  }
  return env;
}

Stack::CommandResult Stack::RunSwarmbotCommand(const std::vector<std::string>& args) {
  WriteConfig();
  const auto output_file = options_.work_dir / "command.out";
  const int out_fd = ::open(output_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (out_fd < 0) {
    throw std::runtime_error("cannot open " + output_file.string());
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out_fd, STDERR_FILENO);

  std::vector<std::string> argv_text{options_.swarmbot_binary.string()};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  argv_text.push_back("--config");
  argv_text.push_back((options_.work_dir / "swarmbot.toml").string());
  std::vector<std::string> env_text{"PATH=/usr/bin:/bin"};
  for (const auto& [name, value] : SecretEnvironment()) {
    env_text.push_back(name + "=" + value);
  }
  std::vector<char*> argv;
  for (auto& a : argv_text) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env_text) {
    envp.push_back(e.data());
  }
  envp.push_back(nullptr);

  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_fd);
  if (rc != 0) {
    throw std::runtime_error("cannot start " + options_.swarmbot_binary.string());
  }
  int wait_status = 0;
  while (::waitpid(pid, &wait_status, 0) < 0) {
    if (errno != EINTR) {
      throw std::runtime_error("waitpid failed");
    }
  }
  CommandResult result;
  result.status = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
  std::ifstream in(output_file);
  std::ostringstream text;
  text << in.rdbuf();
  result.output = text.str();
  return result;
}

void Stack::KillSwarmbot() {
  if (process_) {
    process_->Kill();
    process_.reset();
    AwaitSocketsClosed();
  }
}

int Stack::StopSwarmbot() {
  if (!process_) {
    return -1;
  }
  const int status = process_->Stop();
  process_.reset();
  AwaitSocketsClosed();
  return status;
}

// The kernel closes a dead process's sockets; once Slack has noticed, nothing
// is delivered to them and a restart's new socket is told apart from them.
void Stack::AwaitSocketsClosed() {
  if (!options_.request_url_mode &&
      !slack_->WaitFor([&] { return slack_->OpenSocketCount() == 0; }, std::chrono::seconds(20))) {
    throw std::runtime_error("the emulator still sees swarmbot's sockets open");
  }
}

Stack::HttpResult Stack::PostCase(const std::string& json, const std::string& idempotency_key) {
  return PostCaseWithKeys(json, idempotency_key.empty()
                                    ? std::vector<std::string>{}
                                    : std::vector<std::string>{idempotency_key});
}

Stack::HttpResult Stack::PostCaseWithKeys(const std::string& json,
                                          const std::vector<std::string>& keys) {
  HeaderList headers{{"Authorization", "Bearer " + intake_api_key_},
                     {"Content-Type", "application/json"}};
  for (const std::string& key : keys) {
    headers.emplace_back("Idempotency-Key", key);
  }
  return Send("POST", "/api/cases", headers, json);
}

Stack::HttpResult Stack::PostEmail(const std::string& message, const std::string& query) {
  return Request(
      "POST", "/api/cases/email" + (query.empty() ? "" : "?" + query),
      {{"Authorization", "Bearer " + intake_api_key_}, {"Content-Type", "message/rfc822"}},
      message);
}

Stack::HttpResult Stack::Request(const std::string& method, const std::string& target,
                                 const std::map<std::string, std::string>& headers,
                                 const std::string& body) {
  return Send(method, target, HeaderList(headers.begin(), headers.end()), body);
}

Stack::HttpResult Stack::Send(const std::string& method, const std::string& target,
                              const HeaderList& headers, const std::string& body) {
  if (!process_) {
    throw std::logic_error("swarmbot is not running");
  }
  boost::asio::io_context io;
  beast::tcp_stream stream(io);
  stream.expires_after(std::chrono::seconds(20));
  stream.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), process_->HttpPort()));
  http::request<http::string_body> request(http::string_to_verb(method), target, 11);
  request.set(http::field::host, "127.0.0.1");
  for (const auto& [name, value] : headers) {
    request.insert(name, value);
  }
  request.body() = body;
  request.prepare_payload();
  http::write(stream, request);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(stream, buffer, response);
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  HttpResult result{static_cast<int>(response.result_int()), response.body()};
  for (const auto& field : response) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    result.headers[name] = std::string(field.value());
  }
  return result;
}

}  // namespace swarmbot::demo
