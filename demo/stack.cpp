#include "demo/stack.hpp"

#include <fstream>
#include <stdexcept>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

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
      intake_api_key_("intake-" + RandomHex(16)) {
  std::filesystem::create_directories(options_.work_dir);
  // As subscribed in slack-app-manifest.yml.
  auto events = emulator::DefaultEventSubscriptions();
  events.insert("member_left_channel");
  slack_->SetEventSubscriptions(std::move(events));
  slack_->WriteCaFile(options_.work_dir / "emulator-ca.pem");
}

Stack::~Stack() {
  process_.reset();
}

void Stack::WriteConfig() const {
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
  if (!out) {
    throw std::runtime_error("cannot write the swarmbot config");
  }
}

std::vector<std::string> Stack::Secrets() const {
  const auto& s = slack_->options();
  return {s.bot_token.Reveal(), s.app_token.Reveal(), s.signing_secret.Reveal(), intake_api_key_};
}

void Stack::StartSwarmbot() {
  if (process_) {
    throw std::logic_error("swarmbot is already running");
  }
  WriteConfig();
  const auto& s = slack_->options();
  const int sockets_before = slack_->OpenSocketCount();
  process_ = std::make_unique<SwarmbotProcess>(SwarmbotProcess::Options{
      .binary = options_.swarmbot_binary,
      .config_file = options_.work_dir / "swarmbot.toml",
      .log_file = LogFile(),
      .env = {{"SWARMBOT_BOT_TOKEN", s.bot_token.Reveal()},
              {"SWARMBOT_APP_TOKEN", s.app_token.Reveal()},
              {"SWARMBOT_SIGNING_SECRET", s.signing_secret.Reveal()},
              {"SWARMBOT_INTAKE_API_KEY", intake_api_key_}},
  });
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

void Stack::KillSwarmbot() {
  if (process_) {
    process_->Kill();
    process_.reset();
  }
}

int Stack::StopSwarmbot() {
  if (!process_) {
    return -1;
  }
  const int status = process_->Stop();
  process_.reset();
  return status;
}

Stack::HttpResult Stack::PostCase(const std::string& json, const std::string& idempotency_key) {
  std::map<std::string, std::string> headers{{"Authorization", "Bearer " + intake_api_key_},
                                             {"Content-Type", "application/json"}};
  if (!idempotency_key.empty()) {
    headers["Idempotency-Key"] = idempotency_key;
  }
  return Request("POST", "/api/cases", headers, json);
}

Stack::HttpResult Stack::Request(const std::string& method, const std::string& target,
                                 const std::map<std::string, std::string>& headers,
                                 const std::string& body) {
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
    request.set(name, value);
  }
  request.body() = body;
  request.prepare_payload();
  http::write(stream, request);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(stream, buffer, response);
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  return {static_cast<int>(response.result_int()), response.body()};
}

}  // namespace swarmbot::demo
