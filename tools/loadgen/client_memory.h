// The clients' memory: every DHCPACK any simulated client received, as an
// append-only "MAC IP UNIX_MS SERVER_ID" log (the wall-clock time of the ACK
// in milliseconds and the server identifier it carried, which the HA
// harness, tests/ha, needs to time a takeover; readers use the first two
// fields only). It lives outside the server's directory, so the
// simulated power cut does not touch it, the way a real client keeps its
// lease through the server's outage. Each line is written with one write()
// on an O_APPEND file, so a killed generator loses no acknowledged lease.
//
// It also keeps the binding every client believes in, and so sees a
// duplicate the moment it happens: an address ACKed to one client while
// another client still holds an unexpired ACK for it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <tl/expected.hpp>
#include <unordered_map>
#include <vector>

#include "common/types.h"

namespace bs::load {

using Mac = std::array<uint8_t, 6>;

// Simulated clients are 02:10:ad:XX:XX:XX ("load") and the verifier's
// probes 02:10:af:XX:XX:XX, numbered by a 24-bit index.
Mac load_client_mac(uint32_t index);
Mac probe_client_mac(uint32_t index);
std::string to_string(const Mac& mac);
std::optional<Mac> parse_mac(const std::string& text);

struct Binding {
  Mac mac;
  Ip4 address;
};

class ClientMemory {
 public:
  // Reads the log (if any) and opens it for appending. An empty path keeps
  // the memory in this process only.
  static tl::expected<ClientMemory, std::string> open(const std::string& path);
  ClientMemory(ClientMemory&& other) noexcept;
  ClientMemory& operator=(ClientMemory&&) = delete;
  ClientMemory(const ClientMemory&) = delete;
  ClientMemory& operator=(const ClientMemory&) = delete;
  ~ClientMemory();

  // A client received an ACK for `address`. Returns false (and counts a
  // duplicate) if another client holds that address.
  bool record_ack(const Mac& mac, Ip4 address, Ip4 server_id = Ip4{});
  // A stranger (a verify probe) was ACKed `address`: a duplicate if a
  // remembered client holds it. Strangers are not remembered; they leave.
  bool check_stranger_ack(const Mac& mac, Ip4 address);
  std::optional<Ip4> address_of(const Mac& mac) const;
  // Every client's current binding, in order of first appearance.
  std::vector<Binding> bindings() const;
  uint64_t duplicates() const { return duplicates_; }
  // ACKs that could not be appended to the log: the run cannot be trusted.
  uint64_t write_failures() const { return write_failures_; }

 private:
  explicit ClientMemory(int fd) : fd_(fd) {}
  void remember(const Mac& mac, Ip4 address);
  void append(const Mac& mac, Ip4 address, Ip4 server_id);
  bool count_duplicate(const Mac& mac, Ip4 address);

  int fd_ = -1;
  std::vector<Mac> order_;
  std::unordered_map<uint64_t, Ip4> address_of_mac_;
  std::unordered_map<Ip4, uint64_t> holder_of_address_;
  uint64_t duplicates_ = 0;
  uint64_t write_failures_ = 0;
};

}  // namespace bs::load
