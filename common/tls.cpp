#include "common/tls.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace swarmbot {

namespace ssl = boost::asio::ssl;

ssl::context MakeClientTlsContext(const std::string& ca_file) {
  ssl::context ctx(ssl::context::tls_client);
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  ctx.set_default_verify_paths();
  if (!ca_file.empty()) {
    ctx.load_verify_file(ca_file);
  }
  ctx.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  return ctx;
}

ssl::context MakeServerTlsContext(const std::string& cert_pem, const std::string& key_pem) {
  ssl::context ctx(ssl::context::tls_server);
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                  ssl::context::single_dh_use);
  ctx.use_certificate_chain(boost::asio::buffer(cert_pem));
  ctx.use_private_key(boost::asio::buffer(key_pem), ssl::context::pem);
  return ctx;
}

bool SetTlsHostName(void* native_ssl_handle, const std::string& host) {
  auto* ssl_handle = static_cast<SSL*>(native_ssl_handle);
  // An IP literal is checked against the certificate's IP SANs; SNI must not
  // carry an IP address (RFC 6066 §3).
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl_handle);
  if (X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) == 1) {
    return true;
  }
  if (SSL_set_tlsext_host_name(ssl_handle, host.c_str()) != 1) {
    return false;
  }
  return SSL_set1_host(ssl_handle, host.c_str()) == 1;
}

}  // namespace swarmbot
