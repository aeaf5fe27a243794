// A small HTTP/1.1 server for the control API with every resource bounded:
// one epoll thread owns all sockets (nonblocking accept, read, write), so an
// idle or slow connection costs a file descriptor and a few hundred bytes,
// never a thread. Complete requests go to a fixed pool of worker threads
// through a bounded queue, because handlers may block waiting for the packet
// pipeline; the epoll thread never runs a handler.
//
// Bounds (ServerLimits): open connections (at the cap the oldest connection
// still sending its request is dropped for the new one), time from accept to
// the first byte, time from the first byte to the whole request (then 408),
// time to write the response, bytes held by unfinished requests across all
// connections (then 503), and queued requests (then 503). Each response
// closes its connection ("Connection: close"): one request per connection
// is all the API's clients need, and it leaves no keep-alive state to bound.
//
// With a TlsContext it serves HTTPS: the handshake is one more nonblocking
// step of reading, bounded by the idle timeout, and a failed one (no client
// certificate where one is required) closes the connection.
//
// The same loop serves Kea's UNIX-socket command protocol (Framing::kJson):
// a request is one JSON map framed by JsonFramer, the answer is the
// response body alone, and the connection closes after it, as Kea does.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <tl/expected.hpp>
#include <vector>

#include "common/types.h"
#include "control/http_request_parser.h"
#include "control/http_router.h"
#include "control/json_framer.h"
#include "control/tls.h"

namespace bs::control::http {

struct ServerLimits {
  size_t max_connections = 4096;
  std::chrono::milliseconds idle_timeout{10'000};     // accept to the first byte
  std::chrono::milliseconds request_timeout{10'000};  // first byte to the whole request
  std::chrono::milliseconds write_timeout{10'000};    // response ready to written
  // After the response, unread request bytes are drained this long so the
  // close does not reset the connection before the client read the answer.
  std::chrono::milliseconds linger{2'000};
  size_t workers = 4;
  // Queued requests; their bytes also count against max_buffered_bytes, so
  // a long queue of small requests is allowed and a long one of big ones not.
  size_t queue_capacity = 1024;
  size_t max_buffered_bytes = size_t{64} * 1024 * 1024;  // all requests not yet answered
};

using Handler = std::function<Response(const Request&)>;

// How requests arrive and answers leave: HTTP/1.1, or one bare JSON map
// each way (Kea's UNIX control socket).
enum class Framing { kHttp, kJson };

class HttpServer {
 public:
  explicit HttpServer(Handler handler, ServerLimits limits = {}, Framing framing = Framing::kHttp);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens (port 0 picks a free port); returns the port.
  tl::expected<int, std::string> listen(const config::ControlAddress& address, uint16_t port);
  // Binds a UNIX socket file (mode 0660) at `path`, Kea's way: a stale file
  // left by a dead process is replaced, a live listener is refused, and so
  // is a directory others could swap the file in. The file is removed again
  // when the server is destroyed.
  tl::expected<void, std::string> listen_unix(const std::string& path);
  // Serves HTTPS: every accepted connection does a TLS handshake first
  // (nonblocking, within the idle timeout). Call before start().
  void use_tls(std::shared_ptr<TlsContext> tls) { tls_ = std::move(tls); }
  // Starts the epoll thread and the workers; listen() must have succeeded.
  void start();
  // Stops accepting, answers the requests workers already run (for up to
  // 3 s), closes every connection, joins the threads.
  void stop();

  size_t connection_cap() const { return connection_cap_; }
  size_t open_connections() const { return open_connections_.load(); }

 private:
  struct Connection;
  struct Work {
    uint64_t id;
    Request request;
  };
  struct Done {
    uint64_t id;
    std::string bytes;
  };
  using Clock = std::chrono::steady_clock;

  tl::expected<void, std::string> watch_listener();
  std::string encode(const Response& response, bool with_body = true) const;
  void remove_socket_file();
  void run_loop();
  void run_worker();
  void accept_all();
  bool make_room();
  void on_event(uint64_t id, uint32_t events);
  void on_readable(uint64_t id, Connection& connection);
  void read_tls(uint64_t id, Connection& connection);
  void send_interim(Connection& connection, std::string_view bytes);
  void on_request_bytes(uint64_t id, Connection& connection, std::string_view bytes);
  void dispatch(uint64_t id, Connection& connection);
  void respond(uint64_t id, Connection& connection, std::string bytes);
  void write_some(uint64_t id, Connection& connection);
  void collect_done();
  void sweep_deadlines();
  void watch(uint64_t id, const Connection& connection, uint32_t events);
  void release_buffer(Connection& connection);
  void close_connection(uint64_t id);
  bool drain();
  void close_all();

  Handler handler_;
  ServerLimits limits_;
  Framing framing_;
  std::shared_ptr<TlsContext> tls_;
  std::string unix_path_;  // the socket file this server created, if any
  uint64_t unix_inode_ = 0;
  size_t connection_cap_;
  int listen_fd_ = -1;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  bool listen_paused_ = false;
  Clock::time_point listen_paused_until_;
  uint64_t next_id_ = 1;
  size_t buffered_bytes_ = 0;
  std::map<uint64_t, std::unique_ptr<Connection>> connections_;  // oldest first
  std::atomic<size_t> open_connections_{0};
  std::atomic<bool> stopping_{false};
  std::thread loop_thread_;
  std::vector<std::thread> workers_;

  std::mutex mutex_;  // guards work_, done_ and closed_
  std::condition_variable work_ready_;
  std::deque<Work> work_;
  std::deque<Done> done_;
  bool closed_ = false;
};

}  // namespace bs::control::http
