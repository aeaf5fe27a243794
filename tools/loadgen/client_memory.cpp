// The clients' memory log and duplicate detection; see client_memory.h.
#include "client_memory.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace bs::load {

namespace {

uint64_t key_of(const Mac& mac) {
  uint64_t key = 0;
  for (const uint8_t byte : mac) key = (key << 8) | byte;
  return key;
}

Mac mac_of_key(uint64_t key) {
  Mac mac{};
  for (size_t i = mac.size(); i-- > 0;) {
    mac[i] = static_cast<uint8_t>(key & 0xff);
    key >>= 8;
  }
  return mac;
}

Mac numbered_mac(uint8_t family, uint32_t index) {
  return {0x02,
          0x10,
          family,
          static_cast<uint8_t>(index >> 16),
          static_cast<uint8_t>(index >> 8),
          static_cast<uint8_t>(index)};
}

}  // namespace

Mac load_client_mac(uint32_t index) { return numbered_mac(0xad, index); }
Mac probe_client_mac(uint32_t index) { return numbered_mac(0xaf, index); }

std::string to_string(const Mac& mac) { return to_hex_colon(mac); }

std::optional<Mac> parse_mac(const std::string& text) {
  const auto hw = parse_hwaddr(text);
  if (!hw || hw->length != 6) return std::nullopt;
  Mac mac{};
  std::copy(hw->bytes.begin(), hw->bytes.begin() + 6, mac.begin());
  return mac;
}

tl::expected<ClientMemory, std::string> ClientMemory::open(const std::string& path) {
  if (path.empty()) return ClientMemory(-1);
  std::vector<Binding> lines;
  std::ifstream in(path);
  std::string line;
  size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::istringstream fields(line);
    std::string mac_text, ip_text;
    fields >> mac_text >> ip_text;
    const auto mac = parse_mac(mac_text);
    const auto address = parse_ip4(ip_text);
    if (!mac || !address) {
      return tl::unexpected(path + ":" + std::to_string(number) + ": not \"MAC IP\"");
    }
    lines.push_back({*mac, *address});
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return tl::unexpected(path + ": " + std::strerror(errno));
  ClientMemory memory(fd);
  for (const Binding& binding : lines) memory.remember(binding.mac, binding.address);
  return memory;
}

ClientMemory::ClientMemory(ClientMemory&& other) noexcept
    : fd_(other.fd_),
      order_(std::move(other.order_)),
      address_of_mac_(std::move(other.address_of_mac_)),
      holder_of_address_(std::move(other.holder_of_address_)),
      duplicates_(other.duplicates_),
      write_failures_(other.write_failures_) {
  other.fd_ = -1;
}

ClientMemory::~ClientMemory() {
  if (fd_ >= 0) close(fd_);
}

// Later lines win: a client that moved holds only its newest address.
void ClientMemory::remember(const Mac& mac, Ip4 address) {
  const uint64_t key = key_of(mac);
  auto [it, inserted] = address_of_mac_.try_emplace(key, address);
  if (inserted) {
    order_.push_back(mac);
  } else {
    const auto held = holder_of_address_.find(it->second);
    if (held != holder_of_address_.end() && held->second == key) holder_of_address_.erase(held);
    it->second = address;
  }
  holder_of_address_[address] = key;
}

void ClientMemory::append(const Mac& mac, Ip4 address, Ip4 server_id) {
  if (fd_ < 0) return;
  const auto unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
  const std::string line = to_string(mac) + " " + bs::to_string(address) + " " +
                           std::to_string(unix_ms) + " " + bs::to_string(server_id) + "\n";
  // One write per line on O_APPEND: whole lines or nothing.
  if (write(fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
    ++write_failures_;
    std::fprintf(stderr, "bs-load: cannot append to the clients' memory: %s\n",
                 std::strerror(errno));
  }
}

bool ClientMemory::count_duplicate(const Mac& mac, Ip4 address) {
  const auto held = holder_of_address_.find(address);
  if (held == holder_of_address_.end() || held->second == key_of(mac)) return false;
  ++duplicates_;
  std::printf("duplicate: %s ACKed to %s, held by %s\n", bs::to_string(address).c_str(),
              to_string(mac).c_str(), to_string(mac_of_key(held->second)).c_str());
  return true;
}

bool ClientMemory::check_stranger_ack(const Mac& mac, Ip4 address) {
  return !count_duplicate(mac, address);
}

bool ClientMemory::record_ack(const Mac& mac, Ip4 address, Ip4 server_id) {
  const bool duplicate = count_duplicate(mac, address);
  remember(mac, address);
  append(mac, address, server_id);
  return !duplicate;
}

std::optional<Ip4> ClientMemory::address_of(const Mac& mac) const {
  const auto it = address_of_mac_.find(key_of(mac));
  if (it == address_of_mac_.end()) return std::nullopt;
  return it->second;
}

std::vector<Binding> ClientMemory::bindings() const {
  std::vector<Binding> out;
  out.reserve(order_.size());
  for (const Mac& mac : order_) out.push_back({mac, address_of_mac_.at(key_of(mac))});
  return out;
}

}  // namespace bs::load
