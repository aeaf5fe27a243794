// blackstart-ctl's connection to the daemon: one Kea-style command or one
// GET per call, with credentials and timeouts, and the exit codes the tool
// uses for each way a call can end.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <tl/expected.hpp>

namespace httplib {
enum class Error;  // <httplib.h> is large; callers of this header need not see it
}

namespace bs::cli {

// sysexits.h values where one fits, so scripts can tell the cases apart.
enum ExitCode : int {
  kExitOk = 0,
  kExitFailed = 1,         // the server refused the command or found nothing
  kExitUsage = 2,          // bad command line
  kExitUnavailable = 69,   // EX_UNAVAILABLE: server unreachable or not blackstart
  kExitNoPermission = 77,  // EX_NOPERM: credentials missing or wrong
};

struct Endpoint {
  std::string url = "http://127.0.0.1:8004";
  std::string token;
  std::string user;
  std::string password;
  int timeout_s = 15;
};

struct CallError {
  int exit_code = kExitUnavailable;
  std::string message;
};

// Why no answer came, for people: "connection refused to 127.0.0.1:8004;
// is blackstart running? (set --url)". For a failed connection it connects
// once more itself to learn the reason, which httplib does not keep.
std::string describe_call_failure(httplib::Error error, const Endpoint& endpoint);

class ApiClient {
 public:
  explicit ApiClient(Endpoint endpoint) : endpoint_(std::move(endpoint)) {}

  // POST / {"command": NAME, "arguments": ARGS}; the answer map, whatever
  // its result code. Fails only if no answer came.
  tl::expected<nlohmann::json, CallError> command(const std::string& name,
                                                  const nlohmann::json& arguments = nullptr) const;

 private:
  Endpoint endpoint_;
};

}  // namespace bs::cli
