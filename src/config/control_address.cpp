// The control socket's address, IPv4 or IPv6: parsing and the two ways it
// is written (bare in a config or log line, bracketed in a URL or Host
// header for IPv6). The DHCP side of blackstart is IPv4 only; only the
// control API listens on IPv6, because Kea's configs may put it there.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "config/config.h"

namespace bs::config {

bool ControlAddress::is_loopback() const {
  if (!is_v6) return (v4.value >> 24) == 127;
  std::array<uint8_t, 16> loopback{};
  loopback[15] = 1;
  return v6 == loopback;
}

bool ControlAddress::is_unspecified() const {
  return is_v6 ? v6 == std::array<uint8_t, 16>{} : v4.is_zero();
}

std::string ControlAddress::text() const {
  if (!is_v6) return to_string(v4);
  char buffer[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET6, v6.data(), buffer, sizeof(buffer));
  return buffer;
}

std::string ControlAddress::url_host() const { return is_v6 ? "[" + text() + "]" : text(); }

std::optional<ControlAddress> parse_control_address(std::string_view text) {
  // inet_pton needs a terminated string; an address is short.
  if (text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buffer[INET6_ADDRSTRLEN] = {};
  std::memcpy(buffer, text.data(), text.size());
  ControlAddress address;
  in_addr v4{};
  if (::inet_pton(AF_INET, buffer, &v4) == 1) {
    address.v4 = Ip4{ntohl(v4.s_addr)};
    return address;
  }
  if (::inet_pton(AF_INET6, buffer, address.v6.data()) == 1) {
    address.is_v6 = true;
    return address;
  }
  return std::nullopt;
}

int bind_tcp_socket(const ControlAddress& address, uint16_t port, bool non_blocking) {
  const int family = address.is_v6 ? AF_INET6 : AF_INET;
  const int fd =
      ::socket(family, SOCK_STREAM | SOCK_CLOEXEC | (non_blocking ? SOCK_NONBLOCK : 0), 0);
  if (fd < 0) return -errno;
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  int result = 0;
  if (address.is_v6) {
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    sockaddr_in6 where{};
    where.sin6_family = AF_INET6;
    where.sin6_port = htons(port);
    std::memcpy(&where.sin6_addr, address.v6.data(), address.v6.size());
    result = ::bind(fd, reinterpret_cast<const sockaddr*>(&where), sizeof(where));
  } else {
    sockaddr_in where{};
    where.sin_family = AF_INET;
    where.sin_port = htons(port);
    where.sin_addr.s_addr = htonl(address.v4.value);
    result = ::bind(fd, reinterpret_cast<const sockaddr*>(&where), sizeof(where));
  }
  if (result == 0) return fd;
  const int error = errno;
  ::close(fd);
  return -error;
}

}  // namespace bs::config
