// The control socket section: where the control API listens and who may use
// it. Kea 2.7 spells it "control-sockets" (a list of "unix", "http" and
// "https" sockets); older files have one "control-socket" object. Both are read into
// Config::control_sockets. A "unix" socket's file permissions are its
// authentication, so it takes no credentials. The one rule
// that matters most is enforced here, at load time: an API reachable from
// other machines must require credentials (or, over https, client
// certificates), so a file that binds it elsewhere without them is rejected with FILE:LINE, and the
// daemon never starts with an open door.
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <span>
#include <utility>

#include "common/file_read.h"
#include "config/reader.h"

namespace bs::config {
namespace {

constexpr std::string_view kSocketKeys[] = {"socket-type", "socket-address", "socket-port",
                                            "authentication", "http-headers"};
constexpr std::string_view kUnixSocketKeys[] = {"socket-type", "socket-name"};
constexpr std::string_view kHttpsSocketKeys[] = {
    "socket-type",  "socket-address", "socket-port", "authentication", "http-headers",
    "trust-anchor", "cert-file",      "key-file",    "cert-required"};
constexpr std::string_view kHeaderKeys[] = {"name", "value"};
constexpr std::string_view kTlsKeys[] = {"trust-anchor", "cert-file", "key-file", "cert-required"};
constexpr std::string_view kAuthKeys[] = {"type", "realm", "clients", "token", "token-file"};
constexpr std::string_view kClientKeys[] = {"user", "password", "password-file"};
BS_CONFIG_KEYS("Dhcp4.control-sockets[] (http)", kSocketKeys);
BS_CONFIG_KEYS("Dhcp4.control-sockets[] (https)", kHttpsSocketKeys);
BS_CONFIG_KEYS("Dhcp4.control-sockets[] (unix)", kUnixSocketKeys);
BS_CONFIG_KEYS("Dhcp4.control-sockets[].authentication", kAuthKeys);
BS_CONFIG_KEYS("Dhcp4.control-sockets[].http-headers[]", kHeaderKeys);
BS_CONFIG_KEYS("Dhcp4.control-sockets[].authentication.clients[]", kClientKeys);

// Secret files are small; the cap (and the regular-file rule) keeps a path
// like /dev/zero or a FIFO, which config-test lets an API client name, from
// growing or stalling the daemon.
constexpr size_t kMaxSecretFileBytes = size_t{64} * 1024;

// A secret kept in its own file (mode 0600, out of the config): the first
// line, without the line break.
Result<std::string> read_secret_file(const Reader& reader, const Node& node) {
  auto path = reader.get_string(node);
  if (!path) return tl::unexpected(path.error());
  if (path->front() != '/') {
    return tl::unexpected(reader.error(node, node.path + " must be an absolute path"));
  }
  auto text = read_regular_file(*path, kMaxSecretFileBytes);
  if (!text) {
    return tl::unexpected(
        reader.error(node, node.path + ": cannot read " + quote(*path) + ": " + text.error()));
  }
  std::string line = text->substr(0, text->find('\n'));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) {
    return tl::unexpected(reader.error(node, node.path + ": " + quote(*path) + " is empty"));
  }
  return line;
}

// "password" or "password-file" (exactly one) of a client or a token.
Result<std::string> read_secret(const Reader& reader, const Node& owner, std::string_view key,
                                std::string_view file_key) {
  const auto inline_value = owner.find(key);
  const auto file_value = owner.find(file_key);
  if (inline_value && file_value) {
    return tl::unexpected(reader.key_error(*file_value, owner.path + " has both \"" +
                                                            std::string(key) + "\" and \"" +
                                                            std::string(file_key) + "\""));
  }
  if (file_value) return read_secret_file(reader, *file_value);
  if (!inline_value) {
    return tl::unexpected(reader.error(owner, owner.path + " needs \"" + std::string(key) +
                                                  "\" or \"" + std::string(file_key) + "\""));
  }
  return reader.get_string(*inline_value);
}

Status read_basic_clients(const Reader& reader, const Node& auth, ControlSocket& socket) {
  const auto clients = auth.find("clients");
  if (!clients) {
    return tl::unexpected(reader.error(auth, auth.path + " of type \"basic\" needs \"clients\""));
  }
  if (auto ok = reader.expect_array(*clients); !ok) return ok;
  if (clients->value->empty()) {
    return tl::unexpected(reader.error(*clients, clients->path + " must name at least one user"));
  }
  for (size_t i = 0; i < clients->value->size(); ++i) {
    const Node client = clients->element(i);
    if (auto ok = reader.expect_object(client); !ok) return ok;
    if (auto ok = reader.check_keys(client, Scope::ControlAuthentication, kClientKeys); !ok) {
      return ok;
    }
    const auto user_node = client.find("user");
    if (!user_node) return tl::unexpected(reader.error(client, client.path + " needs \"user\""));
    auto user = reader.get_string(*user_node);
    if (!user) return tl::unexpected(user.error());
    if (user->find(':') != std::string::npos) {  // RFC 7617: the user-id cannot contain ':'
      return tl::unexpected(reader.error(*user_node, user_node->path + " must not contain ':'"));
    }
    auto password = read_secret(reader, client, "password", "password-file");
    if (!password) return tl::unexpected(password.error());
    socket.basic_clients.emplace_back(std::move(*user), std::move(*password));
  }
  return {};
}

Status read_authentication(const Reader& reader, const Node& auth, ControlSocket& socket) {
  if (auto ok = reader.expect_object(auth); !ok) return ok;
  if (auto ok = reader.check_keys(auth, Scope::ControlAuthentication, kAuthKeys); !ok) return ok;
  const auto type_node = auth.find("type");
  if (!type_node) {
    return tl::unexpected(
        reader.error(auth, auth.path + " needs \"type\": \"basic\" or \"bearer\""));
  }
  auto type = reader.get_string(*type_node);
  if (!type) return tl::unexpected(type.error());
  if (const auto realm = auth.find("realm")) {
    auto text = reader.get_string(*realm);
    if (!text) return tl::unexpected(text.error());
    socket.realm = *text;
  }
  if (*type == "basic") {
    for (std::string_view key : {"token", "token-file"}) {
      if (const auto node = auth.find(key)) {
        return tl::unexpected(reader.key_error(*node, node->path + " belongs to type \"bearer\""));
      }
    }
    return read_basic_clients(reader, auth, socket);
  }
  if (*type != "bearer") {
    return tl::unexpected(reader.error(*type_node, type_node->path +
                                                       " must be \"basic\" or \"bearer\", got " +
                                                       describe_value(*type_node->value)));
  }
  if (const auto clients = auth.find("clients")) {
    return tl::unexpected(reader.key_error(*clients, clients->path + " belongs to type \"basic\""));
  }
  auto token = read_secret(reader, auth, "token", "token-file");
  if (!token) return tl::unexpected(token.error());
  constexpr size_t kMinTokenChars = 16;  // a guessable token is no protection
  if (token->size() < kMinTokenChars) {
    return tl::unexpected(reader.error(auth, auth.path + " token must be at least " +
                                                 std::to_string(kMinTokenChars) + " characters"));
  }
  socket.bearer_token = std::move(*token);
  return {};
}

// Kea 2.7 keeps UNIX sockets in one directory and resolves a bare name
// there; older files give absolute paths. KEA_CONTROL_SOCKET_DIR moves it,
// as it does for Kea.
std::string socket_directory() {
  const char* dir = std::getenv("KEA_CONTROL_SOCKET_DIR");
  return dir != nullptr && *dir == '/' ? std::string(dir) : std::string("/run/kea");
}

// sun_path holds 108 bytes with the terminating NUL.
constexpr size_t kMaxSocketPathBytes = 107;

Status read_unix_socket(const Reader& reader, const Node& entry, ControlSocket& socket) {
  if (auto ok = reader.check_keys(entry, Scope::ControlSocket, kUnixSocketKeys); !ok) return ok;
  const auto name_node = entry.find("socket-name");
  if (!name_node) {
    return tl::unexpected(reader.error(
        entry, entry.path + " of type \"unix\" needs \"socket-name\" (the socket file's path)"));
  }
  auto name = reader.get_string(*name_node);
  if (!name) return tl::unexpected(name.error());
  if (name->empty()) {
    return tl::unexpected(reader.error(*name_node, name_node->path + " is empty"));
  }
  socket.type = ControlSocketType::kUnix;
  socket.socket_name = name->front() == '/' ? *name : socket_directory() + "/" + *name;
  if (socket.socket_name.size() > kMaxSocketPathBytes) {
    return tl::unexpected(reader.error(*name_node, name_node->path + " " +
                                                       quote(socket.socket_name) +
                                                       " is longer than a UNIX socket path "
                                                       "may be (107 bytes)"));
  }
  return {};
}

// Kea's three TLS files, all required; cert-required defaults to true.
Status read_tls(const Reader& reader, const Node& entry, ControlSocket& socket) {
  const std::pair<std::string_view, std::string*> files[] = {
      {"cert-file", &socket.cert_file},
      {"key-file", &socket.key_file},
      {"trust-anchor", &socket.trust_anchor}};
  for (const auto& [key, target] : files) {
    const auto node = entry.find(key);
    if (!node) {
      return tl::unexpected(reader.error(entry, entry.path + " of type \"https\" needs \"" +
                                                    std::string(key) + "\" (a PEM file)"));
    }
    auto text = reader.get_string(*node);
    if (!text) return tl::unexpected(text.error());
    if (text->empty()) return tl::unexpected(reader.error(*node, node->path + " is empty"));
    *target = *text;
  }
  if (const auto required = entry.find("cert-required")) {
    auto value = reader.get_bool(*required);
    if (!value) return tl::unexpected(value.error());
    socket.cert_required = *value;
  }
  return {};
}

// IPv4, or IPv6 other than "::": a connection's own address decides which
// Host header names this server on a wildcard socket, and that check is
// written for IPv4; an IPv6 API names its address.
Result<ControlAddress> read_address(const Reader& reader, const Node& node) {
  auto text = reader.get_string(node);
  if (!text) return tl::unexpected(text.error());
  const auto address = parse_control_address(*text);
  if (!address) {
    return tl::unexpected(
        reader.error(node, node.path + " must be an IPv4 or IPv6 address, got " + quote(*text)));
  }
  if (address->is_v6 && address->is_unspecified()) {
    return tl::unexpected(
        reader.error(node, node.path + " \"::\" (every IPv6 address) is not supported; name "
                                       "one address (\"::1\" for this machine only)"));
  }
  return *address;
}

// RFC 9110's token characters: what a header name may be made of.
bool is_token(std::string_view text) {
  constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
  return !text.empty() && std::all_of(text.begin(), text.end(), [&](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
           kSymbols.find(c) != std::string_view::npos;
  });
}

// Visible ASCII, spaces and tabs: no line break can end the header early
// and start another one (response splitting).
bool is_header_value(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte == '\t' || (byte >= 0x20 && byte != 0x7f);
  });
}

// The response framing is blackstart's: a second Content-Length or
// Connection would let a proxy read the stream differently.
bool is_framing_header(std::string_view name) {
  constexpr std::string_view kFraming[] = {"content-length", "content-type", "connection",
                                           "transfer-encoding"};
  std::string lowered(name);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return std::find(std::begin(kFraming), std::end(kFraming), lowered) != std::end(kFraming);
}

// Kea's "http-headers" (2.7.5): [{"name": ..., "value": ...}], added to
// every response of this socket (for example Strict-Transport-Security).
Status read_http_headers(const Reader& reader, const Node& list, ControlSocket& socket) {
  if (auto ok = reader.expect_array(list); !ok) return ok;
  constexpr size_t kMaxHeaders = 32;
  constexpr size_t kMaxHeaderBytes = 4096;
  if (list.value->size() > kMaxHeaders) {
    return tl::unexpected(reader.error(
        list, list.path + " may hold at most " + std::to_string(kMaxHeaders) + " headers"));
  }
  for (size_t i = 0; i < list.value->size(); ++i) {
    const Node entry = list.element(i);
    if (auto ok = reader.expect_object(entry); !ok) return ok;
    if (auto ok = reader.check_keys(entry, Scope::ControlSocket, kHeaderKeys); !ok) return ok;
    const auto name_node = entry.find("name");
    const auto value_node = entry.find("value");
    if (!name_node || !value_node) {
      return tl::unexpected(reader.error(entry, entry.path + " needs \"name\" and \"value\""));
    }
    auto name = reader.get_string(*name_node);
    if (!name) return tl::unexpected(name.error());
    auto value = reader.get_string(*value_node);
    if (!value) return tl::unexpected(value.error());
    if (!is_token(*name) || is_framing_header(*name)) {
      return tl::unexpected(reader.error(
          *name_node, name_node->path + " " + quote(*name) +
                          (is_token(*name) ? " is set by blackstart itself"
                                           : " is not a header name (letters, digits, -)")));
    }
    if (!is_header_value(*value) || value->size() > kMaxHeaderBytes) {
      return tl::unexpected(reader.error(
          *value_node, value_node->path + " must be printable text of at most " +
                           std::to_string(kMaxHeaderBytes) + " bytes, without line breaks"));
    }
    socket.http_headers.emplace_back(std::move(*name), std::move(*value));
  }
  return {};
}

Status read_http_socket(const Reader& reader, const Node& entry, ControlSocket& socket, bool tls) {
  if (!tls) {
    for (std::string_view key : kTlsKeys) {
      if (const auto node = entry.find(key)) {
        return tl::unexpected(
            reader.key_error(*node, node->path + " belongs to \"socket-type\": \"https\" (TLS)"));
      }
    }
  }
  if (auto ok = reader.check_keys(entry, Scope::ControlSocket,
                                  tls ? std::span<const std::string_view>(kHttpsSocketKeys)
                                      : std::span<const std::string_view>(kSocketKeys));
      !ok) {
    return ok;
  }
  socket.type = tls ? ControlSocketType::kHttps : ControlSocketType::kHttp;
  if (tls) {
    if (auto ok = read_tls(reader, entry, socket); !ok) return ok;
  }
  const auto address = entry.find("socket-address");
  if (address) {
    auto parsed = read_address(reader, *address);
    if (!parsed) return tl::unexpected(parsed.error());
    socket.address = *parsed;
  }
  if (const auto headers = entry.find("http-headers")) {
    if (auto ok = read_http_headers(reader, *headers, socket); !ok) return ok;
  }
  if (const auto port = entry.find("socket-port")) {
    auto number = reader.get_u32(*port, 1, 65535);
    if (!number) return tl::unexpected(number.error());
    socket.port = static_cast<uint16_t>(*number);
  }
  if (const auto auth = entry.find("authentication")) {
    if (auto ok = read_authentication(reader, *auth, socket); !ok) return ok;
  }
  // The default address is loopback, so only a configured one can fail this.
  // Client certificates checked against the trust anchor are credentials too.
  const bool client_certified = tls && socket.cert_required;
  if (address && !socket.address.is_loopback() && !socket.needs_auth() && !client_certified) {
    return tl::unexpected(reader.error(
        *address, address->path + " " + socket.address.text() +
                      " is reachable from other machines, so the control API needs "
                      "\"authentication\" ({\"type\": \"basic\", \"clients\": [{\"user\": ..., "
                      "\"password\": ...}]} or {\"type\": \"bearer\", \"token\": ...})" +
                      (tls ? " or \"cert-required\": true" : "")));
  }
  return {};
}

Status read_socket(const Reader& reader, const Node& entry, ControlSocket& socket) {
  if (auto ok = reader.expect_object(entry); !ok) return ok;
  const auto type_node = entry.find("socket-type");
  if (!type_node) {
    return tl::unexpected(reader.error(
        entry, entry.path + " needs \"socket-type\": \"unix\", \"http\" or \"https\""));
  }
  auto type = reader.get_string(*type_node);
  if (!type) return tl::unexpected(type.error());
  if (*type == "unix") return read_unix_socket(reader, entry, socket);
  if (*type == "http" || *type == "https") {
    return read_http_socket(reader, entry, socket, *type == "https");
  }
  return tl::unexpected(reader.error(
      *type_node, type_node->path + " \"" + *type +
                      "\" is not a control socket type blackstart knows; use \"unix\", "
                      "\"http\" or \"https\""));
}

// Two sockets cannot share a file or an address and port; the second would
// fail to bind at start, so the file is refused here with its line.
Status check_distinct(const Reader& reader, const Node& entry,
                      const std::vector<ControlSocket>& sockets, const ControlSocket& socket) {
  for (const ControlSocket& other : sockets) {
    const bool same_kind =
        (other.type == ControlSocketType::kUnix) == (socket.type == ControlSocketType::kUnix);
    const bool clash =
        same_kind &&
        (socket.type == ControlSocketType::kUnix
             ? other.socket_name == socket.socket_name
             : other.port == socket.port && other.address.is_v6 == socket.address.is_v6 &&
                   (other.address == socket.address || other.address.is_unspecified() ||
                    socket.address.is_unspecified()));
    if (clash) {
      return tl::unexpected(reader.error(
          entry,
          entry.path + " uses the same " +
              (socket.type == ControlSocketType::kUnix ? "socket file " + quote(socket.socket_name)
                                                       : "address and port") +
              " as an earlier control socket"));
    }
  }
  return {};
}

Status read_socket_list(const Reader& reader, const Node& list,
                        std::vector<ControlSocket>& sockets) {
  if (auto ok = reader.expect_array(list); !ok) return ok;
  // Kea's own files hold one to three (unix, http, https); the bound keeps
  // a hostile config-test from asking for thousands of listeners.
  constexpr size_t kMaxControlSockets = 16;
  if (list.value->size() > kMaxControlSockets) {
    return tl::unexpected(reader.error(
        list, list.path + " may hold at most " + std::to_string(kMaxControlSockets) + " sockets"));
  }
  for (size_t i = 0; i < list.value->size(); ++i) {
    const Node entry = list.element(i);
    ControlSocket socket;
    if (auto ok = read_socket(reader, entry, socket); !ok) return ok;
    if (auto ok = check_distinct(reader, entry, sockets, socket); !ok) return ok;
    sockets.push_back(std::move(socket));
  }
  return {};
}

}  // namespace

Status read_control_sockets(const Reader& reader, const Node& dhcp4, Config& config) {
  const auto list = dhcp4.find("control-sockets");
  const auto single = dhcp4.find("control-socket");
  if (list && single) {
    return tl::unexpected(reader.key_error(
        *single, "Dhcp4 has both \"control-sockets\" and \"control-socket\"; keep one"));
  }
  if (!list && !single) return {};  // the default, loopback HTTP on 8004
  std::vector<ControlSocket> sockets;
  if (list) {
    if (auto ok = read_socket_list(reader, *list, sockets); !ok) return ok;
  } else {
    ControlSocket socket;
    if (auto ok = read_socket(reader, *single, socket); !ok) return ok;
    sockets.push_back(std::move(socket));
  }
  config.control_sockets = std::move(sockets);
  return {};
}

}  // namespace bs::config
