// The control API's epoll loop and worker pool. Connections are keyed by a
// number that only grows, so a worker's answer for a connection that was
// closed meanwhile finds nothing and is dropped, and the map's first entries
// are the oldest connections.
#include "control/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
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

// The port a listening socket got (the configured one, or the kernel's
// choice for port 0), for either family.
int bound_port(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return 0;
  if (address.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
  }
  return ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
}

// On an IPv6 socket this is zero: the router then names the configured
// address, which for IPv6 is never the wildcard (config_control.cpp).
Ip4 local_address_of(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
      address.ss_family != AF_INET) {
    return {};
  }
  return Ip4{ntohl(reinterpret_cast<const sockaddr_in*>(&address)->sin_addr.s_addr)};
}

constexpr mode_t kSocketMode = 0660;

sockaddr_un unix_address(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  BS_ASSERT(path.size() < sizeof(address.sun_path));
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  return address;
}

// The socket's permissions are its authentication, so the directory must
// not let others remove the file and put their own in its place: it exists,
// is a directory, and is not writable by others unless sticky (/tmp).
tl::expected<void, std::string> check_socket_directory(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == 0 ? "/" : path.substr(0, slash);
  struct stat info {};
  if (::stat(dir.c_str(), &info) != 0) {
    return tl::unexpected("directory " + dir + ": " + std::strerror(errno));
  }
  if (!S_ISDIR(info.st_mode)) return tl::unexpected(dir + " is not a directory");
  if ((info.st_mode & S_IWOTH) != 0 && (info.st_mode & S_ISVTX) == 0) {
    return tl::unexpected("directory " + dir +
                          " is writable by every user without the sticky bit, so another "
                          "user could replace the socket; use a directory only the server's "
                          "user can write, e.g. /run/kea");
  }
  return {};
}

// Kea's rule for a file left at the socket's path: a socket nobody listens
// on is a stale one from a dead process and is removed; a live one belongs
// to another server and is left alone; anything else is not ours to delete.
tl::expected<void, std::string> clear_stale_socket(const std::string& path) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return {};
    return tl::unexpected(std::string(std::strerror(errno)));
  }
  if (!S_ISSOCK(info.st_mode)) {
    return tl::unexpected(
        std::string("the path exists and is not a socket; remove it or choose another"));
  }
  const int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (probe < 0) return tl::unexpected(std::string(std::strerror(errno)));
  const sockaddr_un address = unix_address(path);
  const int connected =
      ::connect(probe, reinterpret_cast<const sockaddr*>(&address), sizeof(address));
  const int error = errno;
  ::close(probe);
  if (connected == 0) {
    return tl::unexpected(std::string("another process is listening on it (a second server?)"));
  }
  if (error != ECONNREFUSED) return tl::unexpected(std::string(std::strerror(error)));
  if (::unlink(path.c_str()) != 0) return tl::unexpected(std::string(std::strerror(errno)));
  return {};
}

}  // namespace

// One connection's request reader: HTTP or a bare JSON map.
struct RequestReader {
  bool json = false;
  RequestParser http;
  JsonFramer framer;

  size_t feed(std::string_view data) { return json ? framer.feed(data) : http.feed(data); }
  RequestParser::State state() const { return json ? framer.state() : http.state(); }
  bool started() const { return json ? framer.started() : http.started(); }
  bool wants_continue() const { return !json && http.wants_continue(); }
  void continue_sent() { http.continue_sent(); }
  Request take_request() { return json ? framer.take_request() : http.take_request(); }
  size_t buffered_bytes() const { return json ? framer.buffered_bytes() : http.buffered_bytes(); }
  const ParseError& error() const { return json ? framer.error() : http.error(); }
};

struct HttpServer::Connection {
  enum class Phase { kReading, kWaiting, kWriting, kLingering };

  int fd = -1;
  Phase phase = Phase::kReading;
  RequestReader parser;
  SSL* ssl = nullptr;  // HTTPS only; owned
  bool handshake_done = false;
  bool head_only = false;
  HttpServer::Clock::time_point deadline;
  size_t accounted_bytes = 0;  // this connection's share of buffered_bytes_
  std::string out;
  size_t out_sent = 0;
};

HttpServer::HttpServer(Handler handler, ServerLimits limits, Framing framing)
    : handler_(std::move(handler)),
      limits_(limits),
      framing_(framing),
      connection_cap_(limits.max_connections) {}

HttpServer::~HttpServer() {
  stop();
  for (int fd : {listen_fd_, epoll_fd_, wake_fd_}) {
    if (fd >= 0) ::close(fd);
  }
  remove_socket_file();
}

std::string HttpServer::encode(const Response& response, bool with_body) const {
  return framing_ == Framing::kJson ? response.body : serialize(response, with_body);
}

tl::expected<int, std::string> HttpServer::listen(const config::ControlAddress& address,
                                                  uint16_t port) {
  connection_cap_ = fit_connection_cap(limits_.max_connections);
  listen_fd_ = config::bind_tcp_socket(address, port, true);
  if (listen_fd_ < 0) {
    const int error = -listen_fd_;
    listen_fd_ = -1;
    return tl::unexpected(std::string(std::strerror(error)));
  }
  if (::listen(listen_fd_, kListenBacklog) != 0) {
    return tl::unexpected(std::string(std::strerror(errno)));
  }
  if (auto ok = watch_listener(); !ok) return tl::unexpected(ok.error());
  return bound_port(listen_fd_);
}

tl::expected<void, std::string> HttpServer::watch_listener() {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_fd_ < 0 || wake_fd_ < 0) return tl::unexpected(std::string(std::strerror(errno)));
  epoll_event listen_event{EPOLLIN, {.u64 = kListenTag}};
  epoll_event wake_event{EPOLLIN, {.u64 = kWakeTag}};
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &listen_event);
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &wake_event);
  return {};
}

tl::expected<void, std::string> HttpServer::listen_unix(const std::string& path) {
  connection_cap_ = fit_connection_cap(limits_.max_connections);
  if (auto ok = check_socket_directory(path); !ok) return ok;
  if (auto ok = clear_stale_socket(path); !ok) return ok;
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return tl::unexpected(std::string(std::strerror(errno)));
  const sockaddr_un address = unix_address(path);
  if (::bind(listen_fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    return tl::unexpected(std::string(std::strerror(errno)));
  }
  // Nobody can connect before listen(), so the mode is right before the
  // first client could use the file, whatever the umask made of it.
  struct stat made {};
  if (::chmod(path.c_str(), kSocketMode) != 0 || ::lstat(path.c_str(), &made) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(path.c_str());
    return tl::unexpected(why);
  }
  unix_path_ = path;
  unix_inode_ = made.st_ino;
  if (::listen(listen_fd_, kListenBacklog) != 0) {
    return tl::unexpected(std::string(std::strerror(errno)));
  }
  return watch_listener();
}

// Only the file this server made: a newer daemon may have replaced it.
void HttpServer::remove_socket_file() {
  if (unix_path_.empty()) return;
  struct stat now {};
  if (::lstat(unix_path_.c_str(), &now) == 0 && now.st_ino == unix_inode_) {
    ::unlink(unix_path_.c_str());
  }
  unix_path_.clear();
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
    std::string bytes = encode(response, work.request.method != "HEAD");
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
    if (connections_.size() >= connection_cap_ && !make_room() && tls_) {
      ::close(fd);  // a plain-text 503 means nothing to a TLS client
      continue;
    }
    if (connections_.size() >= connection_cap_ && !make_room()) {
      const std::string busy = encode(error_response(503, "too many connections; try again"));
      [[maybe_unused]] const ssize_t sent =
          ::send(fd, busy.data(), busy.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      ::close(fd);
      continue;
    }
    const uint64_t id = next_id_++;
    auto connection = std::make_unique<Connection>();
    connection->fd = fd;
    connection->parser.json = framing_ == Framing::kJson;
    if (tls_) {
      connection->ssl = tls_->accept_session(fd);
      if (connection->ssl == nullptr) {
        ::close(fd);
        continue;
      }
    }
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
      // EPOLLOUT only while a TLS handshake waits to write.
      if ((events & (EPOLLIN | EPOLLOUT | EPOLLHUP | EPOLLRDHUP)) != 0) {
        on_readable(id, connection);
      }
      return;
    case Connection::Phase::kWaiting:
      // The client went away while a worker runs its request; the answer
      // will find no connection.
      if ((events & EPOLLHUP) != 0) close_connection(id);
      return;
    case Connection::Phase::kWriting:
      // EPOLLIN only while a TLS write waits for the peer's data.
      if ((events & (EPOLLOUT | EPOLLIN)) != 0) write_some(id, connection);
      return;
  }
}

void HttpServer::on_readable(uint64_t id, Connection& connection) {
  if (connection.ssl != nullptr && connection.phase == Connection::Phase::kReading) {
    read_tls(id, connection);
    return;
  }
  std::array<char, kReadChunkBytes> buffer;  // NOLINT(cppcoreguidelines-pro-type-member-init)
  const ssize_t n = ::recv(connection.fd, buffer.data(), buffer.size(), 0);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
  if (n == 0 && framing_ == Framing::kJson && connection.phase == Connection::Phase::kReading &&
      connection.parser.started()) {
    // socat and scripts close their side after writing: say why nothing ran.
    respond(id, connection,
            encode(error_response(400, "the connection ended before the command's JSON map did")));
    return;
  }
  if (n <= 0) {  // the client closed (or broke) its side
    close_connection(id);
    return;
  }
  if (connection.phase == Connection::Phase::kLingering) return;  // discarded
  on_request_bytes(id, connection, std::string_view(buffer.data(), static_cast<size_t>(n)));
}

// The handshake, then decrypted bytes to the parser. OpenSSL may hold a
// whole record already read from the socket, which epoll cannot see, so
// this reads until OpenSSL wants more from the network.
void HttpServer::read_tls(uint64_t id, Connection& connection) {
  if (!connection.handshake_done) {
    ERR_clear_error();
    const int done = SSL_do_handshake(connection.ssl);
    if (done != 1) {
      const int why = SSL_get_error(connection.ssl, done);
      ERR_clear_error();
      if (why == SSL_ERROR_WANT_READ) {
        watch(id, connection, EPOLLIN | EPOLLRDHUP);
      } else if (why == SSL_ERROR_WANT_WRITE) {
        watch(id, connection, EPOLLIN | EPOLLOUT | EPOLLRDHUP);
      } else {
        close_connection(id);  // not TLS, or no (valid) client certificate
      }
      return;
    }
    connection.handshake_done = true;
    watch(id, connection, EPOLLIN | EPOLLRDHUP);
  }
  std::array<char, kReadChunkBytes> buffer;  // NOLINT(cppcoreguidelines-pro-type-member-init)
  while (connection.phase == Connection::Phase::kReading) {
    ERR_clear_error();
    const int n = SSL_read(connection.ssl, buffer.data(), static_cast<int>(buffer.size()));
    if (n > 0) {
      on_request_bytes(id, connection, std::string_view(buffer.data(), static_cast<size_t>(n)));
      continue;
    }
    const int why = SSL_get_error(connection.ssl, n);
    ERR_clear_error();
    if (why == SSL_ERROR_WANT_READ) return;
    if (why == SSL_ERROR_WANT_WRITE) {
      watch(id, connection, EPOLLIN | EPOLLOUT | EPOLLRDHUP);
      return;
    }
    close_connection(id);  // closed, or a broken record
    return;
  }
}

// A short interim answer (100 Continue); the send buffer is empty then.
void HttpServer::send_interim(Connection& connection, std::string_view bytes) {
  if (connection.ssl != nullptr) {
    ERR_clear_error();
    SSL_write(connection.ssl, bytes.data(), static_cast<int>(bytes.size()));
    ERR_clear_error();
    return;
  }
  [[maybe_unused]] const ssize_t sent =
      ::send(connection.fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
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
      respond(id, connection, encode(error_response(error.status, error.message)));
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
            encode(error_response(503,
                                  "the control API is receiving too much at once; "
                                  "try again")));
    return;
  }
  if (connection.parser.wants_continue()) {
    // The socket's send buffer is empty at this point, so this fits whole.
    send_interim(connection, kContinue);
    connection.parser.continue_sent();
  }
}

// The request's bytes stay counted in buffered_bytes_ until its answer is
// sent, so the byte budget bounds queued requests too, not only the queue.
void HttpServer::dispatch(uint64_t id, Connection& connection) {
  Request request = connection.parser.take_request();
  if (framing_ == Framing::kHttp) request.local_address = local_address_of(connection.fd);
  connection.head_only = request.method == "HEAD";
  {
    std::lock_guard lock(mutex_);
    if (work_.size() < limits_.queue_capacity) {
      work_.push_back(Work{id, std::move(request)});
      connection.phase = Connection::Phase::kWaiting;
    }
  }
  if (connection.phase != Connection::Phase::kWaiting) {
    respond(id, connection, encode(error_response(503, "the control API is busy; try again")));
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
  while (connection.ssl != nullptr && connection.out_sent < connection.out.size()) {
    ERR_clear_error();
    const int n = SSL_write(connection.ssl, connection.out.data() + connection.out_sent,
                            static_cast<int>(connection.out.size() - connection.out_sent));
    if (n > 0) {
      connection.out_sent += static_cast<size_t>(n);
      continue;
    }
    const int why = SSL_get_error(connection.ssl, n);
    ERR_clear_error();
    if (why == SSL_ERROR_WANT_WRITE || why == SSL_ERROR_WANT_READ) {
      watch(id, connection, why == SSL_ERROR_WANT_WRITE ? EPOLLOUT : EPOLLIN);
      return;
    }
    close_connection(id);
    return;
  }
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
  if (connection.ssl != nullptr) {
    ERR_clear_error();
    SSL_shutdown(connection.ssl);  // close_notify; the client's is not awaited
    ERR_clear_error();
  }
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
              encode(error_response(408, "the request took longer than " +
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
  if (it->second->ssl != nullptr) SSL_free(it->second->ssl);
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
