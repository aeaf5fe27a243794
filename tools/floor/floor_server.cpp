// bs-floor: the least CPU any DHCP server that keeps blackstart's first
// promise (no ACK before its lease is on stable storage) must spend per
// exchange on a given machine, measured in the peer benchmark beside the
// real servers (bench/peer/servers.py, "floor").
//
// It does the irreducible part of a relayed 4-way exchange and nothing
// else: one blocking recvmmsg per wake-up (no epoll, no timers, no other
// socket), a reply made by patching the query in place (no codec, no
// allocation engine, no configuration, no allocation on the packet path),
// OFFERs sent at once, and for the REQUESTs of a wake-up one pwrite of
// 32-byte records into a pre-written ring file plus one fdatasync, then one
// sendmmsg of the ACKs. The ring is written full of zeros and fsync'd at
// start, so a commit overwrites allocated blocks and never changes the
// file's size: the cheapest durable write ext4 offers (bench/README.md,
// "The floor"). The address given is a hash of chaddr, never checked for
// uniqueness: this is a yardstick, not a server.
//
// Usage: bs-floor --address 198.18.0.1 --ring FILE [--max-seconds N]
// (the address is the server-id it gives; it listens on 0.0.0.0:67). Runs
// until SIGTERM/SIGINT or --max-seconds (default 3600), then prints
// its counters on stdout. Answers relayed queries only (giaddr set).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

namespace {

constexpr size_t kBatch = 64;                 // datagrams per recvmmsg
constexpr size_t kMaxDatagram = 1500;         // bytes
constexpr size_t kFixedHeader = 240;          // BOOTP header and magic cookie
constexpr size_t kRecordBytes = 32;           // one lease record in the ring
constexpr off_t kRingBytes = 4 << 20;         // written full at start
constexpr uint32_t kPoolFirst = 0xC6121001u;  // 198.18.16.1
constexpr uint32_t kPoolSize = 100000;
constexpr uint8_t kOptMessageType = 53;
constexpr uint8_t kOptServerId = 54;
constexpr uint8_t kOptEnd = 255;
constexpr uint8_t kDiscover = 1;
constexpr uint8_t kOffer = 2;
constexpr uint8_t kRequest = 3;
constexpr uint8_t kAck = 5;

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

struct Counters {
  uint64_t offers = 0;
  uint64_t acks = 0;
  uint64_t commits = 0;
  uint64_t ignored = 0;
};

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "bs-floor: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

// Offset of option `code`'s length byte, or 0 when absent. Bounded by the
// datagram's length, so a truncated option ends the walk.
size_t find_option(const uint8_t* packet, size_t length, uint8_t code) {
  size_t at = kFixedHeader;
  while (at < length && packet[at] != kOptEnd) {
    if (packet[at] == 0) {
      ++at;
      continue;
    }
    if (at + 1 >= length) return 0;
    if (packet[at] == code) return at + 1;
    at += 2 + packet[at + 1];
  }
  return 0;
}

uint32_t address_for(const uint8_t* chaddr) {
  uint32_t hash = 2166136261u;
  for (size_t i = 0; i < 6; ++i) hash = (hash ^ chaddr[i]) * 16777619u;
  return kPoolFirst + hash % kPoolSize;
}

// Turns the query in `packet` into its reply in place; returns the reply's
// type (kOffer, kAck) or 0 to ignore it. The server-id replaces the end
// option, so the reply grows by 6 bytes.
uint8_t make_reply(uint8_t* packet, size_t& length, uint32_t server_be) {
  if (length < kFixedHeader + 3 || length + 6 > kMaxDatagram || packet[0] != 1) return 0;
  const size_t type_at = find_option(packet, length, kOptMessageType);
  if (type_at == 0 || type_at + 1 >= length) return 0;
  const uint8_t query = packet[type_at + 1];
  if (query != kDiscover && query != kRequest) return 0;
  size_t end = kFixedHeader;
  while (end < length && packet[end] != kOptEnd) end += packet[end] == 0 ? 1 : 2 + packet[end + 1];
  if (end >= length) return 0;
  const uint8_t reply = query == kDiscover ? kOffer : kAck;
  packet[0] = 2;
  packet[type_at + 1] = reply;
  const uint32_t yiaddr = htonl(address_for(packet + 28));
  std::memcpy(packet + 16, &yiaddr, 4);
  packet[end] = kOptServerId;
  packet[end + 1] = 4;
  std::memcpy(packet + end + 2, &server_be, 4);
  packet[end + 6] = kOptEnd;
  length = end + 7;
  return reply;
}

class Ring {
 public:
  explicit Ring(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd_ < 0) die("open ring");
    std::vector<uint8_t> zeros(1 << 20, 0);
    for (off_t at = 0; at < kRingBytes; at += static_cast<off_t>(zeros.size())) {
      if (::pwrite(fd_, zeros.data(), zeros.size(), at) != static_cast<ssize_t>(zeros.size())) {
        die("write ring");
      }
    }
    if (::fsync(fd_) != 0) die("fsync ring");
  }
  ~Ring() { ::close(fd_); }
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;

  void add(const uint8_t* packet) {
    uint8_t* record = records_.data() + count_ * kRecordBytes;
    std::memcpy(record, packet + 28, 16);      // chaddr
    std::memcpy(record + 16, packet + 16, 4);  // yiaddr
    std::memcpy(record + 20, packet + 4, 4);   // xid
    ++count_;
  }
  // One pwrite (two at the ring's end) and one fdatasync for every record
  // added since the last commit.
  void commit() {
    if (count_ == 0) return;
    const size_t bytes = count_ * kRecordBytes;
    const size_t first = std::min(bytes, static_cast<size_t>(kRingBytes - offset_));
    if (::pwrite(fd_, records_.data(), first, offset_) != static_cast<ssize_t>(first)) {
      die("pwrite");
    }
    if (first < bytes && ::pwrite(fd_, records_.data() + first, bytes - first, 0) !=
                             static_cast<ssize_t>(bytes - first)) {
      die("pwrite");
    }
    offset_ = static_cast<off_t>((offset_ + static_cast<off_t>(bytes)) % kRingBytes);
    if (::fdatasync(fd_) != 0) die("fdatasync");
    count_ = 0;
  }

 private:
  int fd_ = -1;
  off_t offset_ = 0;
  size_t count_ = 0;
  std::array<uint8_t, kBatch * kRecordBytes> records_{};
};

struct Batch {
  std::array<std::array<uint8_t, kMaxDatagram>, kBatch> buffers{};
  std::array<iovec, kBatch> iov{};
  std::array<mmsghdr, kBatch> in{};
  std::array<sockaddr_in, kBatch> peers{};
  std::array<mmsghdr, kBatch> offers{};
  std::array<mmsghdr, kBatch> acks{};
  std::array<iovec, kBatch> reply_iov{};
};

void send_all(int fd, mmsghdr* messages, size_t count) {
  size_t sent = 0;
  while (sent < count) {
    const int n = ::sendmmsg(fd, messages + sent, static_cast<unsigned>(count - sent), 0);
    if (n <= 0) return;  // a full send buffer drops the rest, as UDP does
    sent += static_cast<size_t>(n);
  }
}

int open_socket() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  const int buffer_bytes = 8 << 20;
  (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buffer_bytes, sizeof buffer_bytes);
  const timeval wait{.tv_sec = 0, .tv_usec = 500000};  // to notice a stop
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait) != 0) die("SO_RCVTIMEO");
  // The wildcard address: perfdhcp's relayed queries come to the
  // broadcast address, bs-load's to the server's own.
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_port = htons(67);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0) die("bind :67");
  return fd;
}

// Files reply i of the batch under `list` (the OFFERs or the ACKs).
void file_reply(Batch& batch, size_t i, size_t length, mmsghdr& slot) {
  uint32_t giaddr = 0;
  std::memcpy(&giaddr, batch.buffers[i].data() + 24, 4);
  batch.peers[i] = sockaddr_in{};
  batch.peers[i].sin_family = AF_INET;
  batch.peers[i].sin_port = htons(67);
  batch.peers[i].sin_addr.s_addr = giaddr;
  batch.reply_iov[i] = {batch.buffers[i].data(), length};
  slot = mmsghdr{};
  slot.msg_hdr.msg_name = &batch.peers[i];
  slot.msg_hdr.msg_namelen = sizeof(sockaddr_in);
  slot.msg_hdr.msg_iov = &batch.reply_iov[i];
  slot.msg_hdr.msg_iovlen = 1;
}

void serve(int fd, uint32_t server_be, Ring& ring, Counters& counters, int max_seconds) {
  Batch batch;
  const time_t deadline = std::time(nullptr) + max_seconds;
  while (g_stop == 0 && std::time(nullptr) < deadline) {
    for (size_t i = 0; i < kBatch; ++i) {
      batch.iov[i] = {batch.buffers[i].data(), kMaxDatagram};
      batch.in[i] = mmsghdr{};
      batch.in[i].msg_hdr.msg_iov = &batch.iov[i];
      batch.in[i].msg_hdr.msg_iovlen = 1;
    }
    const int got = ::recvmmsg(fd, batch.in.data(), kBatch, MSG_WAITFORONE, nullptr);
    if (got <= 0) continue;  // the receive timeout, or a signal
    size_t offers = 0;
    size_t acks = 0;
    for (size_t i = 0; i < static_cast<size_t>(got); ++i) {
      size_t length = batch.in[i].msg_len;
      const uint8_t reply = make_reply(batch.buffers[i].data(), length, server_be);
      uint32_t giaddr = 0;
      std::memcpy(&giaddr, batch.buffers[i].data() + 24, 4);
      if (reply == 0 || giaddr == 0) {
        ++counters.ignored;
        continue;
      }
      if (reply == kAck) ring.add(batch.buffers[i].data());
      file_reply(batch, i, length, reply == kOffer ? batch.offers[offers++] : batch.acks[acks++]);
    }
    send_all(fd, batch.offers.data(), offers);
    counters.offers += offers;
    if (acks == 0) continue;
    ring.commit();
    ++counters.commits;
    send_all(fd, batch.acks.data(), acks);
    counters.acks += acks;
  }
}

}  // namespace

int main(int argc, char** argv) {
  const char* address = nullptr;
  std::string ring_path;
  int max_seconds = 3600;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--address") address = argv[i + 1];
    if (flag == "--ring") ring_path = argv[i + 1];
    if (flag == "--max-seconds") max_seconds = std::atoi(argv[i + 1]);
  }
  if (address == nullptr || ring_path.empty() || max_seconds <= 0) {
    std::fprintf(stderr, "usage: bs-floor --address A --ring FILE [--max-seconds N]\n");
    return 2;
  }
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  in_addr server{};
  if (::inet_pton(AF_INET, address, &server) != 1) {
    std::fprintf(stderr, "bs-floor: bad address %s\n", address);
    return 2;
  }
  Ring ring(ring_path);
  const int fd = open_socket();
  Counters counters;
  std::printf("bs-floor: serving on port 67 as %s, ring %s\n", address, ring_path.c_str());
  std::fflush(stdout);
  serve(fd, server.s_addr, ring, counters, max_seconds);
  std::printf("bs-floor: offers=%llu acks=%llu commits=%llu ignored=%llu\n",
              static_cast<unsigned long long>(counters.offers),
              static_cast<unsigned long long>(counters.acks),
              static_cast<unsigned long long>(counters.commits),
              static_cast<unsigned long long>(counters.ignored));
  ::close(fd);
  return 0;
}
