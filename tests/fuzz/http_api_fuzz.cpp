// libFuzzer target for the control API's request handling: raw bytes as
// they would arrive on the socket go through the HTTP request parser and,
// when they form a request, through the router (Host/Origin/credential/
// Content-Type policy, the JSON depth bound, every command and view) with
// jobs run inline on a real Controller over an in-memory server. Checks:
// no crash, and the parser reaches the same verdict whether the bytes come
// at once or in small pieces.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "common/clock.h"
#include "control/controller.h"
#include "control/http_request_parser.h"
#include "control/http_router.h"
#include "io/fake_transport.h"
#include "server/server.h"
#include "store/lease_store.h"

namespace {

using bs::control::http::Request;
using bs::control::http::RequestParser;

constexpr const char* kConfig = R"({"Dhcp4": {
  "interfaces-config": {"interfaces": ["office0"]},
  "lease-database": {"type": "sqlite", "name": "/unused"},
  "valid-lifetime": 3600,
  "subnet4": [{"id": 1, "subnet": "198.18.1.0/24",
               "pools": [{"pool": "198.18.1.100 - 198.18.1.109"}]}]}})";

void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "http_api_fuzz: %s\n", what);
  std::abort();
}

bs::io::InterfaceInfo office_link() {
  bs::io::InterfaceInfo link;
  link.ifindex = 2;
  link.name = "office0";
  link.address = bs::Ip4{0xc6120101u};  // 198.18.1.1
  link.prefix_len = 24;
  link.mac = {0x02, 0xaa, 0, 0, 0, 1};
  return link;
}

class InlineExecutor final : public bs::control::Executor {
 public:
  bs::control::Controller* controller = nullptr;
  tl::expected<void, std::string> run(bs::control::Job job) override {
    job(*controller);
    return {};
  }
};

// One in-memory server for the whole run, as the daemon has one.
struct World {
  bs::FakeClock clock;
  bs::store::MemoryLeaseStore store;
  bs::io::FakeTransport transport{{office_link()}};
  std::unique_ptr<bs::server::Server> server;
  std::unique_ptr<bs::control::Controller> controller;
  InlineExecutor executor;
  std::unique_ptr<bs::control::http::Router> router;

  World() {
    auto running = bs::control::parse_running_config(kConfig, "fuzz");
    check(running.has_value(), "the fuzz config does not parse");
    auto created = bs::server::Server::create(running->config, store, transport, clock);
    check(created.has_value(), "the fuzz server cannot be created");
    server = std::move(*created);
    controller =
        std::make_unique<bs::control::Controller>(*server, clock, std::move(*running), "memory");
    executor.controller = controller.get();
    bs::config::ControlSocket socket;
    router = std::make_unique<bs::control::http::Router>(socket, executor);
    router->set_port(8004);
  }
};

struct Verdict {
  RequestParser::State state;
  int status = 0;
  size_t used = 0;
  Request request;
};

Verdict parse(std::string_view bytes, size_t piece) {
  RequestParser parser;
  Verdict out;
  for (size_t at = 0; at < bytes.size() && parser.state() == RequestParser::State::kNeedMore;
       at += piece) {
    const std::string_view part = bytes.substr(at, piece);
    const size_t used = parser.feed(part);
    out.used += used;
    if (used < part.size()) break;
  }
  out.state = parser.state();
  out.status = parser.error().status;
  if (out.state == RequestParser::State::kComplete) out.request = parser.take_request();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Past the header cap and a small body nothing new happens, only slower.
  constexpr size_t kMaxInputBytes = 256 * 1024;
  if (size > kMaxInputBytes) return -1;
  static World world;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  Verdict whole = parse(bytes, bytes.size() + 1);
  const Verdict pieces = parse(bytes, 1 + size % 7);
  check(whole.state == pieces.state, "split input changes the parser's state");
  check(whole.used == pieces.used, "split input changes the bytes consumed");
  if (whole.state == RequestParser::State::kError) {
    check(whole.status == pieces.status, "split input changes the error status");
    check(whole.status >= 400 && whole.status <= 505, "error status out of range");
    return 0;
  }
  if (whole.state != RequestParser::State::kComplete) return 0;
  check(whole.request.body == pieces.request.body, "split input changes the body");
  whole.request.local_address = bs::Ip4{0x7f000001u};
  const auto response = world.router->handle(whole.request);
  const std::string wire = bs::control::http::serialize(response);
  check(wire.starts_with("HTTP/1.1 "), "response without a status line");
  return 0;
}
