// The control API's epoll loop and worker pool. Connections are keyed by a
// number that only grows, so a worker's answer for a connection that was
// closed meanwhile finds nothing and is dropped, and the map's first entries
// are the oldest connections.
#include "control/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <optional>

#include "common/assert.h"

namespace bs::control::http {
namespace {

constexpr uint64_t kListenTag = 0;
constexpr uint64_t kWakeTag = UINT64_MAX;
constexpr int kTickMs = 100;
constexpr size_t kReadChunkBytes = size_t{64} * 1024;
constexpr int kListenBacklog = 4096;
// Descriptors kept back for the rest of the daemon (sockets, the database).
constexpr size_t kReservedFds = 128;
// A worker is bounded by the Executor's own timeout; this is a backstop.
constexpr std::chrono::seconds kHandlerBackstop{60};
// How long stop() waits for answers already being computed.
constexpr std::chrono::seconds kDrainTime{3};
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

void block_stop_signals() {
  // Signals belong to the packet loop's thread, whose wait they interrupt.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

// Raises the soft descriptor limit toward the hard one so the connection cap
// fits, and returns the cap that does fit.
size_t fit_connection_cap(size_t wanted) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return wanted;
  const rlim_t goal = static_cast<rlim_t>(wanted + kReservedFds * 2);
  if (limit.rlim_cur < goal && limit.rlim_cur != RLIM_INFINITY) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max == RLIM_INFINITY ? goal : std::min(goal, limit.rlim_max);
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  if (limit.rlim_cur == RLIM_INFINITY) return wanted;
  const auto usable = static_cast<size_t>(limit.rlim_cur);
  return std::min(wanted, usable > 2 * kReservedFds ? usable - kReservedFds : usable / 2);
}

Ip4 local_address_of(int fd) {
  sockaddr_in address{};
  socklen_t length = sizeof(address);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return {};
  return Ip4{ntohl(address.sin_addr.s_addr)};
}

}  // namespace

struct HttpServer::Connection {
  enum class Phase { kReading, kWaiting, kWriting, kLingering };

  int fd = -1;
  Phase phase = Phase::kReading;
  RequestParser parser;
  bool head_only = false;
  HttpServer::Clock::time_point deadline;
  size_t accounted_bytes = 0;  // this connection's share of buffered_bytes_
  std::string out;
  size_t out_sent = 0;
};

HttpServer::HttpServer(Handler handler, ServerLimits limits)
    : handler_(std::move(handler)), limits_(limits), connection_cap_(limits.max_connections) {}

HttpServer::~HttpServer() {
  stop();
  for (int fd : {listen_fd_, epoll_fd_, wake_fd_}) {
    if (fd >= 0) ::close(fd);
  }
}

tl::expected<int, std::string> HttpServer::listen(Ip4 address, uint16_t port) {
  connection_cap_ = fit_connection_cap(limits_.max_connections);
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return tl::unexpected(std::string(std::strerror(errno)));
  const int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in bind_address{};
  bind_address.sin_family = AF_INET;
  bind_address.sin_port = htons(port);
  bind_address.sin_addr.s_addr = htonl(address.value);
  if (::bind(listen_fd_, reinterpret_cast<const sockaddr*>(&bind_address), sizeof(bind_address)) !=
          0 ||
      ::listen(listen_fd_, kListenBacklog) != 0) {
    return tl::unexpected(std::string(std::strerror(errno)));
  }
  socklen_t length = sizeof(bind_address);
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bind_address), &length);
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_fd_ < 0 || wake_fd_ < 0) return tl::unexpected(std::string(std::strerror(errno)));
  epoll_event listen_event{EPOLLIN, {.u64 = kListenTag}};
  epoll_event wake_event{EPOLLIN, {.u64 = kWakeTag}};
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &listen_event);
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &wake_event);
  return static_cast<int>(ntohs(bind_address.sin_port));
}

void HttpServer::start() {
  BS_ASSERT(epoll_fd_ >= 0);
  for (size_t i = 0; i < limits_.workers; ++i) {
    workers_.emplace_back([this] {
      block_stop_signals();
      run_worker();
    });
  }
  loop_thread_ = std::thread([this] {
    block_stop_signals();
    run_loop();
  });
}

void HttpServer::stop() {
  if (!loop_thread_.joinable()) return;
  stopping_ = true;
  const uint64_t one = 1;
  [[maybe_unused]] const ssize_t written = ::write(wake_fd_, &one, sizeof(one));
  loop_thread_.join();
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  work_ready_.notify_all();
  for (std::thread& worker : workers_) worker.join();
  workers_.clear();
}

void HttpServer::run_worker() {
  while (true) {
    Work work;
    {
      std::unique_lock lock(mutex_);
      work_ready_.wait(lock, [this] { return closed_ || !work_.empty(); });
      if (work_.empty()) return;
      work = std::move(work_.front());
      work_.pop_front();
    }
    Response response;
    try {
      response = handler_(work.request);
    } catch (const std::exception&) {
      response = error_response(500, "internal error");
    }
    std::string bytes = serialize(response, work.request.method != "HEAD");
    {
      std::lock_guard lock(mutex_);
      done_.push_back(Done{work.id, std::move(bytes)});
    }
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t written = ::write(wake_fd_, &one, sizeof(one));
  }
}

void HttpServer::run_loop() {
  std::array<epoll_event, 256> events{};
  auto last_sweep = Clock::now();
  std::optional<Clock::time_point> drain_until;
  while (true) {
    if (stopping_ && !drain_until) drain_until = Clock::now() + kDrainTime;
    if (drain_until && (!drain() || Clock::now() >= *drain_until)) break;
    const int count =
        ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), kTickMs);
    for (int i = 0; i < count; ++i) {
      const uint64_t tag = events[static_cast<size_t>(i)].data.u64;
      if (tag == kListenTag) {
        accept_all();
      } else if (tag == kWakeTag) {
        collect_done();
      } else {
        on_event(tag, events[static_cast<size_t>(i)].events);
      }
    }
    if (Clock::now() - last_sweep >= std::chrono::milliseconds(kTickMs)) {
      sweep_deadlines();
      last_sweep = Clock::now();
    }
  }
  close_all();
}

// Stopping: no new connections or requests, but requests already with a
// worker are answered (a "shutdown" command's answer among them). Returns
// whether any are left.
bool HttpServer::drain() {
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    listen_fd_ = -1;
  }
  std::vector<uint64_t> idle;
  for (const auto& [id, connection] : connections_) {
    if (connection->phase == Connection::Phase::kReading ||
        connection->phase == Connection::Phase::kLingering) {
      idle.push_back(id);
    }
  }
  for (uint64_t id : idle) close_connection(id);
  return !connections_.empty();
}

// Out of descriptors or at the cap: the oldest connection that has not
// finished sending its request makes room. Slow senders are what fill the
// table, and the oldest of them has had the longest chance.
bool HttpServer::make_room() {
  for (auto& [id, connection] : connections_) {
    if (connection->phase == Connection::Phase::kReading) {
      close_connection(id);
      return true;
    }
  }
  return false;
}

void HttpServer::accept_all() {
  while (true) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if ((errno == EMFILE || errno == ENFILE) && make_room()) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        // Still out of descriptors: stop listening for a tick, not spin.
        ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, listen_fd_, nullptr);
        listen_paused_ = true;
        listen_paused_until_ = Clock::now() + std::chrono::milliseconds(kTickMs);
      }
      return;
    }
    if (connections_.size() >= connection_cap_ && !make_room()) {
      const std::string busy = serialize(error_response(503, "too many connections; try again"));
      [[maybe_unused]] const ssize_t sent =
          ::send(fd, busy.data(), busy.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      ::close(fd);
      continue;
    }
    const uint64_t id = next_id_++;
    auto connection = std::make_unique<Connection>();
    connection->fd = fd;
    connection->deadline = Clock::now() + limits_.idle_timeout;
    epoll_event event{EPOLLIN | EPOLLRDHUP, {.u64 = id}};
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event);
    connections_.emplace(id, std::move(connection));
    open_connections_ = connections_.size();
  }
}

void HttpServer::on_event(uint64_t id, uint32_t events) {
  const auto it = connections_.find(id);
  if (it == connections_.end()) return;
  Connection& connection = *it->second;
  if ((events & EPOLLERR) != 0) {
    close_connection(id);
    return;
  }
  switch (connection.phase) {
    case Connection::Phase::kReading:
    case Connection::Phase::kLingering:
      if ((events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP)) != 0) on_readable(id, connection);
      return;
    case Connection::Phase::kWaiting:
      // The client went away while a worker runs its request; the answer
      // will find no connection.
      if ((events & EPOLLHUP) != 0) close_connection(id);
      return;
    case Connection::Phase::kWriting:
      if ((events & EPOLLOUT) != 0) write_some(id, connection);
      return;
  }
}

void HttpServer::on_readable(uint64_t id, Connection& connection) {
  std::array<char, kReadChunkBytes> buffer;  // NOLINT(cppcoreguidelines-pro-type-member-init)
  const ssize_t n = ::recv(connection.fd, buffer.data(), buffer.size(), 0);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
  if (n <= 0) {  // the client closed (or broke) its side
    close_connection(id);
    return;
  }
  if (connection.phase == Connection::Phase::kLingering) return;  // discarded
  on_request_bytes(id, connection, std::string_view(buffer.data(), static_cast<size_t>(n)));
}

void HttpServer::on_request_bytes(uint64_t id, Connection& connection, std::string_view bytes) {
  const bool was_started = connection.parser.started();
  connection.parser.feed(bytes);
  if (!was_started) connection.deadline = Clock::now() + limits_.request_timeout;
  buffered_bytes_ =
      buffered_bytes_ - connection.accounted_bytes + connection.parser.buffered_bytes();
  connection.accounted_bytes = connection.parser.buffered_bytes();
  switch (connection.parser.state()) {
    case RequestParser::State::kError: {
      const ParseError& error = connection.parser.error();
      respond(id, connection, serialize(error_response(error.status, error.message)));
      return;
    }
    case RequestParser::State::kComplete:
      dispatch(id, connection);
      return;
    case RequestParser::State::kNeedMore:
      break;
  }
  if (buffered_bytes_ > limits_.max_buffered_bytes) {
    respond(id, connection,
            serialize(error_response(503,
                                     "the control API is receiving too much at once; "
                                     "try again")));
    return;
  }
  if (connection.parser.wants_continue()) {
    // The socket's send buffer is empty at this point, so this fits whole.
    [[maybe_unused]] const ssize_t sent =
        ::send(connection.fd, kContinue.data(), kContinue.size(), MSG_NOSIGNAL);
    connection.parser.continue_sent();
  }
}

// The request's bytes stay counted in buffered_bytes_ until its answer is
// sent, so the byte budget bounds queued requests too, not only the queue.
void HttpServer::dispatch(uint64_t id, Connection& connection) {
  Request request = connection.parser.take_request();
  request.local_address = local_address_of(connection.fd);
  connection.head_only = request.method == "HEAD";
  {
    std::lock_guard lock(mutex_);
    if (work_.size() < limits_.queue_capacity) {
      work_.push_back(Work{id, std::move(request)});
      connection.phase = Connection::Phase::kWaiting;
    }
  }
  if (connection.phase != Connection::Phase::kWaiting) {
    respond(id, connection,
            serialize(error_response(503, "the control API is busy; try again"), true));
    return;
  }
  work_ready_.notify_one();
  connection.deadline = Clock::now() + kHandlerBackstop;
  watch(id, connection, 0);
}

void HttpServer::respond(uint64_t id, Connection& connection, std::string bytes) {
  release_buffer(connection);
  connection.phase = Connection::Phase::kWriting;
  connection.out = std::move(bytes);
  connection.out_sent = 0;
  connection.deadline = Clock::now() + limits_.write_timeout;
  write_some(id, connection);
}

void HttpServer::write_some(uint64_t id, Connection& connection) {
  while (connection.out_sent < connection.out.size()) {
    const ssize_t n = ::send(connection.fd, connection.out.data() + connection.out_sent,
                             connection.out.size() - connection.out_sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      watch(id, connection, EPOLLOUT);
      return;
    }
    if (n <= 0) {
      close_connection(id);
      return;
    }
    connection.out_sent += static_cast<size_t>(n);
  }
  // Written: half-close, then drain what the client still sends until it
  // closes or the linger time ends.
  connection.out.clear();
  connection.out.shrink_to_fit();
  ::shutdown(connection.fd, SHUT_WR);
  connection.phase = Connection::Phase::kLingering;
  connection.deadline = Clock::now() + limits_.linger;
  watch(id, connection, EPOLLIN | EPOLLRDHUP);
}

void HttpServer::collect_done() {
  uint64_t count = 0;
  [[maybe_unused]] const ssize_t n = ::read(wake_fd_, &count, sizeof(count));
  std::deque<Done> done;
  {
    std::lock_guard lock(mutex_);
    done.swap(done_);
  }
  for (Done& item : done) {
    const auto it = connections_.find(item.id);
    if (it == connections_.end()) continue;
    respond(item.id, *it->second, std::move(item.bytes));
  }
}

void HttpServer::sweep_deadlines() {
  const auto now = Clock::now();
  if (listen_paused_ && listen_fd_ >= 0 && now >= listen_paused_until_) {
    epoll_event listen_event{EPOLLIN, {.u64 = kListenTag}};
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &listen_event);
    listen_paused_ = false;
  }
  std::vector<uint64_t> expired;
  for (const auto& [id, connection] : connections_) {
    if (now >= connection->deadline) expired.push_back(id);
  }
  for (uint64_t id : expired) {
    Connection& connection = *connections_.at(id);
    if (connection.phase == Connection::Phase::kReading && connection.parser.started()) {
      respond(id, connection,
              serialize(error_response(408, "the request took longer than " +
                                                std::to_string(limits_.request_timeout.count()) +
                                                " ms to arrive")));
    } else {
      close_connection(id);  // idle, lingering, or a client that does not read
    }
  }
}

void HttpServer::watch(uint64_t id, const Connection& connection, uint32_t events) {
  epoll_event event{events, {.u64 = id}};
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, connection.fd, &event);
}

void HttpServer::release_buffer(Connection& connection) {
  buffered_bytes_ -= connection.accounted_bytes;
  connection.accounted_bytes = 0;
}

void HttpServer::close_connection(uint64_t id) {
  const auto it = connections_.find(id);
  if (it == connections_.end()) return;
  release_buffer(*it->second);
  ::close(it->second->fd);  // also removes it from the epoll set
  connections_.erase(it);
  open_connections_ = connections_.size();
}

void HttpServer::close_all() {
  while (!connections_.empty()) close_connection(connections_.begin()->first);
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    listen_fd_ = -1;
  }
}

}  // namespace bs::control::http
