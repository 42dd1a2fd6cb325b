#pragma once

#include <string>

namespace swarmbot::emulator::detail {

// A throwaway CA and a server certificate it signed, made in memory at start:
// EC P-256, SAN IP:127.0.0.1 and DNS:localhost, valid from a day ago for 30
// days. Throws std::runtime_error if OpenSSL fails (a start-up error).
struct Certificate {
  std::string ca_pem;
  std::string chain_pem;  // server certificate, then the CA
  std::string key_pem;    // the server certificate's private key
};

Certificate MakeCertificate();

}  // namespace swarmbot::emulator::detail
