// Kea's own example configurations (doc/examples/kea4 of Kea 2.2.0, from
// Debian's kea-doc package) fed to `blackstart -t` unchanged. Prints the
// tally and every failure as FILE:LINE: message. A file may only fail on a
// feature blackstart still refuses on purpose, and the message must name it;
// anything else (a key blackstart should know, a parse error) fails the test.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

constexpr const char* kExamples = "/usr/share/doc/kea/examples/kea4";

// Refusals that are expected until their own issues land, each recognised
// by what the message names.
struct Refusal {
  const char* feature;
  const char* names;  // text the refusal must contain
};
constexpr Refusal kDocumentedRefusals[] = {
    {"memfile lease file (issue 10 part 1, another branch)", "\"memfile\""},
    {"DDNS", "\"dhcp-ddns\""},
    {"DDNS", "\"ddns-"},
    {"hosts databases", "\"hosts-database"},
    {"config backend", "\"config-control\""},
    {"config backend", "\"server-tag\""},
    {"DHCPv4-over-DHCPv6", "\"dhcp4o6-port\""},
    {"DHCPv4-over-DHCPv6", "\"4o6-"},
    {"hook library without a built-in equivalent", "hook library"},
    {"options the server sets itself (52, 54, 56, 57 in all-options.json)",
     "is managed by the server"},
    {"sanity-checks", "\"sanity-checks\""},
    {"outbound-interface", "\"outbound-interface\""},
    {"compatibility (all-keys.json, reached now that client classes pass)", "\"compatibility\""},
};

struct Outcome {
  std::string file;
  int exit_status = 0;
  std::string output;  // stderr and stdout
};

Outcome run_check(const fs::path& file) {
  const std::string command = std::string(BS_BLACKSTART) + " -t '" + file.string() + "' 2>&1";
  Outcome outcome{file.filename().string(), -1, ""};
  std::FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return outcome;
  std::array<char, 4096> buffer{};
  size_t count = 0;
  while ((count = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
    outcome.output.append(buffer.data(), count);
  }
  const int status = pclose(pipe);
  outcome.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return outcome;
}

// The first line that is not a warning: the error blackstart stopped at.
std::string error_line(const std::string& output) {
  size_t start = 0;
  while (start < output.size()) {
    const size_t end = output.find('\n', start);
    const std::string line = output.substr(start, end - start);
    if (line.find(": warning: ") == std::string::npos && !line.empty()) return line;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return output;
}

const Refusal* documented(const std::string& error) {
  for (const Refusal& refusal : kDocumentedRefusals) {
    if (error.find(refusal.names) != std::string::npos) return &refusal;
  }
  return nullptr;
}

TEST(KeaExamples, EveryFilePassesOrNamesADocumentedRefusal) {
  if (!fs::is_directory(kExamples)) {
    GTEST_SKIP() << kExamples << " is missing: install kea-doc (scripts/install-deps.sh test)";
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(kExamples)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_FALSE(files.empty());
  size_t passed = 0;
  std::string report;
  for (const fs::path& file : files) {
    const Outcome outcome = run_check(file);
    if (outcome.exit_status == 0) {
      ++passed;
      continue;
    }
    const std::string error = error_line(outcome.output);
    const Refusal* refusal = documented(error);
    report +=
        "  " + error + (refusal ? "  [refused: " + std::string(refusal->feature) + "]" : "") + "\n";
    EXPECT_EQ(outcome.exit_status, 1) << outcome.file << ": " << outcome.output;
    EXPECT_NE(refusal, nullptr) << "not a documented refusal: " << error;
  }
  std::printf("Kea 2.2.0 doc/examples/kea4: blackstart -t passed %zu of %zu\n%s", passed,
              files.size(), report.c_str());
  // What this branch reached; it may only go up.
  EXPECT_GE(passed, 1u);
}

}  // namespace
