// An IPv4 address and port as the sockaddr_in the socket calls take, in
// network byte order: the one conversion the DHCP sockets and the HA
// partner link share.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdint>

#include "common/types.h"

namespace bs::io {

inline sockaddr_in socket_address(Ip4 address, uint16_t port) {
  sockaddr_in out{};
  out.sin_family = AF_INET;
  out.sin_port = htons(port);
  out.sin_addr.s_addr = htonl(address.value);
  return out;
}

}  // namespace bs::io
