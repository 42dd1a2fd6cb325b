#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

// A scripted HTTP/1.1 server on 127.0.0.1 for the Web API client's transport
// tests: it records what arrived and answers the same way every time.
namespace swarmbot::bot::testing {

class FakeHttpServer {
 public:
  enum class Mode {
    kKeepAlive,             // answer and keep the connection open
    kCloseAfterEachAnswer,  // answer (without saying so) and close: a server
                            // that dropped the idle keep-alive connection
    kNeverAnswer,           // read the request and stay silent
  };

  struct Seen {
    std::string method;
    std::string target;
    std::string body;
    std::map<std::string, std::string> headers;  // names in lowercase
  };

  explicit FakeHttpServer(Mode mode, int status = 200, std::string body = R"({"ok":true})",
                          std::map<std::string, std::string> headers = {});
  ~FakeHttpServer();
  FakeHttpServer(const FakeHttpServer&) = delete;
  FakeHttpServer& operator=(const FakeHttpServer&) = delete;

  std::uint16_t Port() const;
  std::string BaseUrl() const;  // "http://127.0.0.1:<port>/api/"
  std::vector<Seen> Requests() const;
  int Connections() const;
  // Waits (bounded by kTestTimeout) until the server has closed `count`
  // connections itself (kCloseAfterEachAnswer).
  bool WaitForServerClosed(int count) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace swarmbot::bot::testing
