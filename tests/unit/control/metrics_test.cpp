// /metrics formatting: every family is announced, histogram buckets are
// cumulative and end in +Inf = count, and the pipeline's numbers appear
// under the right labels. (promtool's own check runs in the integration
// test, against the daemon.)
#include "control/metrics.h"

#include <sstream>

#include "control/status_json.h"
#include "control_fixture.h"
#include "io/fake_prober.h"

namespace bs::control::test {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool has_line(const std::string& text, const std::string& line) {
  const auto lines = lines_of(text);
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

TEST(HistogramTest, BucketsByUpperBound) {
  server::Histogram h({1, 2, 4});
  for (double v : {0.5, 1.0, 1.5, 3.0, 9.0}) h.observe(v);
  EXPECT_EQ(h.counts(), (std::vector<uint64_t>{2, 1, 1, 1}));
  EXPECT_EQ(h.count(), 5u);
  EXPECT_DOUBLE_EQ(h.sum(), 15.0);
}

TEST_F(ControlTest, MetricsShowThePipeline) {
  auto a = client(1);
  a.dora();
  controller_->tick();
  const std::string text = format_metrics(controller_->snapshot());
  EXPECT_TRUE(has_line(text, "# TYPE blackstart_packets_received_total counter"));
  EXPECT_TRUE(has_line(text, "blackstart_packets_received_total{type=\"discover\"} 1"));
  EXPECT_TRUE(has_line(text, "blackstart_packets_sent_total{type=\"ack\"} 1"));
  EXPECT_TRUE(has_line(text, "blackstart_packets_dropped_total{reason=\"malformed\"} 0"));
  EXPECT_TRUE(has_line(
      text, "blackstart_leases{subnet=\"1\",prefix=\"198.18.1.0/24\",state=\"assigned\"} 1"));
  EXPECT_TRUE(has_line(
      text, "blackstart_pool_addresses{subnet=\"1\",prefix=\"198.18.1.0/24\",use=\"total\"} 10"));
  EXPECT_TRUE(has_line(text, "blackstart_commit_batch_leases_count 1"));
  EXPECT_TRUE(has_line(text, "blackstart_commit_batch_leases_bucket{le=\"+Inf\"} 1"));
  // The one ACK granted a lease: its REQUEST→ACK delay was observed.
  EXPECT_TRUE(has_line(text, "blackstart_request_to_ack_seconds_count 1"));
  EXPECT_TRUE(has_line(text, "# TYPE blackstart_request_to_ack_max_seconds gauge"));
  EXPECT_TRUE(has_line(text, "blackstart_allocation_duration_seconds_count 2"));
  EXPECT_TRUE(has_line(text, "blackstart_conflicts_total 0"));
  EXPECT_TRUE(has_line(text, "blackstart_rogue_server_sightings_total 0"));
  EXPECT_TRUE(has_line(text, "blackstart_recovery_mode 0"));
  EXPECT_TRUE(has_line(text, "blackstart_lease_store_healthy 1"));
  // Every sample belongs to a family announced before it.
  std::string family;
  for (const std::string& line : lines_of(text)) {
    if (line.rfind("# TYPE ", 0) == 0) {
      family = line.substr(7, line.find(' ', 7) - 7);
    } else if (line[0] != '#') {
      EXPECT_EQ(line.rfind(family, 0), 0u) << line << " after family " << family;
    }
  }
}

TEST_F(ControlTest, MetricsAndStatusShowConflictProbes) {
  auto prober = std::make_unique<io::FakeProber>();
  prober->occupied[parse_ip4("198.18.1.100")->value] = io::MacAddress{2, 0xee, 0, 0, 0, 1};
  server_->attach_prober(std::move(prober));
  server_->enter_recovery(clock_.now_s());
  auto a = client(1);
  a.discover();  // .100 answers; .101 is being probed
  controller_->tick();
  std::string text = format_metrics(controller_->snapshot());
  EXPECT_TRUE(has_line(text, "blackstart_conflict_probes_total{result=\"sent\"} 2"));
  EXPECT_TRUE(has_line(text, "blackstart_conflict_probes_total{result=\"conflict\"} 1"));
  EXPECT_TRUE(has_line(text, "blackstart_conflict_probes_pending 1"));
  EXPECT_TRUE(has_line(text, "blackstart_conflicts_total 1"));
  EXPECT_TRUE(has_line(text, "blackstart_recovery_mode 1"));
  clock_.advance_ms(300);
  server_->run_once();
  controller_->tick();
  text = format_metrics(controller_->snapshot());
  EXPECT_TRUE(has_line(text, "blackstart_conflict_probes_total{result=\"timeout\"} 1"));
  EXPECT_TRUE(has_line(text, "blackstart_conflict_probes_pending 0"));
  const Json status = status_to_json(controller_->snapshot());
  EXPECT_EQ(status["conflict-probes"]["sent"], 2);
  EXPECT_EQ(status["conflict-probes"]["conflicts"], 1);
  EXPECT_EQ(status["conflict-probes"]["timed-out"], 1);
}

TEST_F(ControlTest, StarvationDropsHaveTheirOwnReason) {
  const std::string text = format_metrics(controller_->snapshot());
  EXPECT_TRUE(has_line(text, "blackstart_packets_dropped_total{reason=\"starvation_share\"} 0"));
  EXPECT_TRUE(has_line(text, "blackstart_packets_dropped_total{reason=\"probe_backlog\"} 0"));
}

// A full run_script queue loses events silently for the script; the
// operator sees it here.
TEST_F(ControlTest, ScriptEventsDroppedAreAMetric) {
  controller_->tick();
  StatusSnapshot snapshot = controller_->snapshot();
  EXPECT_TRUE(has_line(format_metrics(snapshot), "blackstart_script_events_dropped_total 0"));
  snapshot.counters.script_events_dropped = 3;
  const std::string text = format_metrics(snapshot);
  EXPECT_TRUE(has_line(text, "# TYPE blackstart_script_events_dropped_total counter"));
  EXPECT_TRUE(has_line(text, "blackstart_script_events_dropped_total 3"));
}

TEST_F(ControlTest, HistogramBucketsAreCumulative) {
  for (uint8_t i = 1; i <= 3; ++i) client(i).dora();
  const std::string text = format_metrics(controller_->snapshot());
  uint64_t previous = 0;
  for (const std::string& line : lines_of(text)) {
    if (line.rfind("blackstart_commit_duration_seconds_bucket", 0) != 0) continue;
    const uint64_t value = std::stoull(line.substr(line.rfind(' ') + 1));
    EXPECT_GE(value, previous) << line;
    previous = value;
  }
  EXPECT_EQ(previous, 3u);  // +Inf holds every commit
}

}  // namespace
}  // namespace bs::control::test
