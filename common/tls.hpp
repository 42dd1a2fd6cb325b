#pragma once

#include <string>

#include <boost/asio/ssl/context.hpp>

namespace swarmbot {

// A client context that verifies the peer's chain and (with SetHostName on the
// stream) its name. `ca_file` adds a trust anchor, as tests do for the
// emulator's certificate; empty means the system's store only.
boost::asio::ssl::context MakeClientTlsContext(const std::string& ca_file);

// A server context from PEM text (certificate chain and private key).
boost::asio::ssl::context MakeServerTlsContext(const std::string& cert_pem,
                                               const std::string& key_pem);

// Sets SNI and the host name to verify on an OpenSSL stream handle.
// Returns false if OpenSSL refused the name.
bool SetTlsHostName(void* native_ssl_handle, const std::string& host);

}  // namespace swarmbot
