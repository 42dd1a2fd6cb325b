#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

// A small blocking HTTP/1.1 client for tests: talks to servers on 127.0.0.1,
// optionally over TLS verified against a CA PEM. One object is one connection
// (keep-alive); it reconnects if the server closed it.
namespace swarmbot::bot::testing {

struct HttpReply {
  int status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  bool keep_alive = false;

  std::optional<std::string> Header(const std::string& name) const;
};

class HttpClient {
 public:
  // `ca_pem` non-empty: HTTPS verified against it (host 127.0.0.1).
  explicit HttpClient(std::uint16_t port, std::string ca_pem = {});
  ~HttpClient();

  HttpReply Send(const std::string& method, const std::string& target, const std::string& body,
                 std::vector<std::pair<std::string, std::string>> headers = {});

  // Writes raw bytes and reads one response (for malformed requests).
  HttpReply SendRaw(const std::string& bytes);

  // How many TCP connections this client opened so far.
  int Connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace swarmbot::bot::testing
