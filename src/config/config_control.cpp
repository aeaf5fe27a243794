// The control socket section: where the HTTP control API listens and who may
// use it. Kea 2.7 spells it "control-sockets" (a list); older files have one
// "control-socket" object. Both are read into Config::control. The one rule
// that matters most is enforced here, at load time: an API reachable from
// other machines must require credentials, so a file that binds it elsewhere
// without "authentication" is rejected with FILE:LINE, and the daemon never
// starts with an open door.
#include "common/file_read.h"
#include "config/reader.h"

namespace bs::config {
namespace {

constexpr std::string_view kSocketKeys[] = {"socket-type", "socket-address", "socket-port",
                                            "authentication"};
constexpr std::string_view kAuthKeys[] = {"type", "realm", "clients", "token", "token-file"};
constexpr std::string_view kClientKeys[] = {"user", "password", "password-file"};

bool is_loopback(Ip4 address) { return (address.value >> 24) == 127; }

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

Status check_socket_type(const Reader& reader, const Node& entry) {
  const auto type_node = entry.find("socket-type");
  if (!type_node) {
    return tl::unexpected(reader.error(entry, entry.path + " needs \"socket-type\": \"http\""));
  }
  auto type = reader.get_string(*type_node);
  if (!type) return tl::unexpected(type.error());
  if (*type == "http") return {};
  std::string why = " is not a control socket type blackstart knows; use \"http\"";
  if (*type == "unix") {
    why =
        " is Kea's UNIX socket; blackstart serves its control API over HTTP only: use "
        "{\"socket-type\": \"http\", \"socket-address\": \"127.0.0.1\", \"socket-port\": 8004}";
  } else if (*type == "https") {
    why = " (TLS) is not supported yet; use \"http\" on 127.0.0.1 behind a TLS proxy";
  }
  return tl::unexpected(reader.error(*type_node, type_node->path + " \"" + *type + "\"" + why));
}

Status read_socket(const Reader& reader, const Node& entry, ControlSocket& socket) {
  if (auto ok = reader.expect_object(entry); !ok) return ok;
  if (auto ok = check_socket_type(reader, entry); !ok) return ok;
  if (auto ok = reader.check_keys(entry, Scope::ControlSocket, kSocketKeys); !ok) return ok;
  const auto address = entry.find("socket-address");
  if (address) {
    auto ip = reader.get_ip4(*address);
    if (!ip) return tl::unexpected(ip.error());
    socket.address = *ip;
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
  if (address && !is_loopback(socket.address) && !socket.needs_auth()) {
    return tl::unexpected(reader.error(
        *address, address->path + " " + to_string(socket.address) +
                      " is reachable from other machines, so the control API needs "
                      "\"authentication\" ({\"type\": \"basic\", \"clients\": [{\"user\": ..., "
                      "\"password\": ...}]} or {\"type\": \"bearer\", \"token\": ...})"));
  }
  return {};
}

Status read_socket_list(const Reader& reader, const Node& list, ControlSocket& socket) {
  if (auto ok = reader.expect_array(list); !ok) return ok;
  if (list.value->empty()) {
    socket.enabled = false;  // an explicit "no control API"
    return {};
  }
  if (list.value->size() > 1) {
    return tl::unexpected(reader.error(list.element(1), list.path +
                                                            " may hold one socket; blackstart "
                                                            "serves one HTTP control API"));
  }
  return read_socket(reader, list.element(0), socket);
}

}  // namespace

Status read_control_sockets(const Reader& reader, const Node& dhcp4, Config& config) {
  const auto list = dhcp4.find("control-sockets");
  const auto single = dhcp4.find("control-socket");
  if (list && single) {
    return tl::unexpected(reader.key_error(
        *single, "Dhcp4 has both \"control-sockets\" and \"control-socket\"; keep one"));
  }
  ControlSocket socket;
  if (list) {
    if (auto ok = read_socket_list(reader, *list, socket); !ok) return ok;
  } else if (single) {
    if (auto ok = read_socket(reader, *single, socket); !ok) return ok;
  }
  config.control = std::move(socket);
  return {};
}

}  // namespace bs::config
