// Turns the interface names from the configuration into what the transport
// needs to open sockets and to answer as a server on that link: index,
// IPv4 address and prefix, and MAC. Reads the kernel's view once, at start.
#pragma once

#include <string>
#include <tl/expected.hpp>
#include <vector>

#include "io/transport.h"

namespace bs::io {

// Accepts "name", "name/198.18.0.1" (answer from that address of the
// interface) and "*" (every up, non-loopback interface with an IPv4 address).
// An interface named twice is returned once. Fails naming the first entry
// that does not exist, has no IPv4 address, or lacks the given address.
tl::expected<std::vector<InterfaceInfo>, IoError> resolve_interfaces(
    const std::vector<std::string>& specs);

}  // namespace bs::io
