// TLS for an "https" control socket, with OpenSSL: one server context per
// socket made from Kea's keys (cert-file, key-file, trust-anchor,
// cert-required), and nonblocking sessions the epoll server drives. Only
// TLS 1.2 and newer, no renegotiation (a client could otherwise make the
// server work on a connection it has already accepted).
#pragma once

#include <memory>
#include <string>
#include <tl/expected.hpp>

#include "config/config.h"

using SSL = struct ssl_st;
using SSL_CTX = struct ssl_ctx_st;

namespace bs::control::http {

class TlsContext {
 public:
  // Loads the certificate chain and key, and the trust anchor (a file or a
  // directory of CA certificates). With cert-required, a client without a
  // certificate signed by the trust anchor fails the handshake (mutual TLS);
  // without it, a certificate the client offers is still verified.
  static tl::expected<std::shared_ptr<TlsContext>, std::string> create(
      const config::ControlSocket& socket);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // A server session on a connected, nonblocking socket; nullptr when
  // OpenSSL is out of memory.
  SSL* accept_session(int fd) const;

 private:
  explicit TlsContext(SSL_CTX* context) : context_(context) {}
  SSL_CTX* context_;
};

// OpenSSL's latest error as text, and the error queue cleared.
std::string tls_error_text();

}  // namespace bs::control::http
