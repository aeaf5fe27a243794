// The OpenSSL server context of an "https" control socket.
#include "control/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/stat.h>

namespace bs::control::http {

std::string tls_error_text() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown TLS error";
  char text[256];
  ERR_error_string_n(code, text, sizeof(text));
  return text;
}

tl::expected<std::shared_ptr<TlsContext>, std::string> TlsContext::create(
    const config::ControlSocket& socket) {
  SSL_CTX* context = SSL_CTX_new(TLS_server_method());
  if (context == nullptr) return tl::unexpected(tls_error_text());
  std::shared_ptr<TlsContext> owner(new TlsContext(context));
  SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
  SSL_CTX_set_options(context, SSL_OP_NO_RENEGOTIATION);
  // Writes resume from wherever a short write stopped, the buffer may move.
  SSL_CTX_set_mode(context, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (SSL_CTX_use_certificate_chain_file(context, socket.cert_file.c_str()) != 1) {
    return tl::unexpected("cert-file " + socket.cert_file + ": " + tls_error_text());
  }
  if (SSL_CTX_use_PrivateKey_file(context, socket.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    return tl::unexpected("key-file " + socket.key_file + ": " + tls_error_text());
  }
  if (SSL_CTX_check_private_key(context) != 1) {
    return tl::unexpected("key-file " + socket.key_file + " does not match cert-file " +
                          socket.cert_file);
  }
  struct stat info {};
  const bool is_dir = ::stat(socket.trust_anchor.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
  const int loaded =
      is_dir ? SSL_CTX_load_verify_locations(context, nullptr, socket.trust_anchor.c_str())
             : SSL_CTX_load_verify_locations(context, socket.trust_anchor.c_str(), nullptr);
  if (loaded != 1) {
    return tl::unexpected("trust-anchor " + socket.trust_anchor + ": " + tls_error_text());
  }
  SSL_CTX_set_verify(
      context,
      socket.cert_required ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT : SSL_VERIFY_PEER,
      nullptr);
  if (!is_dir) {
    // Tells clients which CA's certificates the server accepts.
    SSL_CTX_set_client_CA_list(context, SSL_load_client_CA_file(socket.trust_anchor.c_str()));
  }
  return owner;
}

TlsContext::~TlsContext() { SSL_CTX_free(context_); }

SSL* TlsContext::accept_session(int fd) const {
  SSL* session = SSL_new(context_);
  if (session == nullptr) return nullptr;
  if (SSL_set_fd(session, fd) != 1) {
    SSL_free(session);
    return nullptr;
  }
  SSL_set_accept_state(session);
  return session;
}

}  // namespace bs::control::http
