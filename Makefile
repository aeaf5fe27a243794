# blackstart: `make demo` runs the virtual-office demo, `make test` runs every
# test. Both install the Debian packages they need first (as root).
BUILD ?= build
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 20
JOBS ?= $(shell nproc)

.PHONY: all build deps test unit micro micro-bench bench bench-cpu bench-cpu-tiny bench-pg bench-priority bench-priority-tiny bench-tiny bench-ha bench-ha-tiny ha-powercut ha-powercut-short scale fuzz-replay fuzz fuzz-and-lint integration differential deb package-test lint format demo drill clean

all: build

deps:
	scripts/install-deps.sh build

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

unit: build
	@for t in $(BUILD)/*_tests; do echo "== $$t"; $$t --gtest_brief=1 || exit 1; done

# Micro-benchmarks: tiny inputs inside make test, full inputs on demand.
# The tiny scale run checks that bs-scale still works; it times nothing that
# is asserted.
micro: build
	$(BUILD)/micro_bench --tiny --benchmark_min_time=0.01
	$(BUILD)/bs-scale --tiny >/dev/null
micro-bench: build
	$(BUILD)/micro_bench

# Peer benchmark (issue #3): perfdhcp and bs-load against blackstart (fsync
# on and off), Kea, dnsmasq and ISC dhcpd in network namespaces, then the
# scale report; installs the peers itself. About 15 minutes.
bench: build
	/usr/bin/python3 bench/peer_bench.py --blackstart $(BUILD)/blackstart --bs-load $(BUILD)/bs-load
	$(MAKE) scale
# The peer benchmark in miniature (make test): blackstart, Kea and the
# durable-reply floor (tools/floor), one
# 1,000/s step of 2 s per generator, so the generators, the parsers and the
# report (issue 16's targets table included) keep working. Its figures mean
# nothing; the report goes to the build directory.
bench-tiny: build
	/usr/bin/python3 bench/peer_bench.py --blackstart $(BUILD)/blackstart --bs-load $(BUILD)/bs-load \
	  --servers blackstart,kea,floor --rates 1000 --perfdhcp2-rates 1000 --bsload-rates 1000 \
	  --period 2 --cross-check '' --calibration-rate 2000 --strict --results $(BUILD)/bench-tiny
	@grep -q 'Targets (issue 16)' $(BUILD)/bench-tiny/latest.md

# Issue 16's CPU targets measured again and again: blackstart, the floor
# (tools/floor) and Kea at 1,000/s and 4,000/s, five interleaved rounds,
# medians and ratios (bench/results/cpu-ratio.md). About 7 minutes.
bench-cpu: build
	/usr/bin/python3 bench/cpu_ratio.py --blackstart $(BUILD)/blackstart --bs-load $(BUILD)/bs-load \
	  --rates 1000,4000 --repeat 5 --period 10
# The same in miniature for make test: one round of 2 s at 1,000/s.
bench-cpu-tiny: build
	/usr/bin/python3 bench/cpu_ratio.py --blackstart $(BUILD)/blackstart --bs-load $(BUILD)/bs-load \
	  --rates 1000 --repeat 1 --period 2 --strict --out $(BUILD)/bench-cpu-tiny.md
	@grep -q 'Ratios of the medians' $(BUILD)/bench-cpu-tiny.md

# Priority under overload (issue #11): public counters (5%) and PCs at 2x
# and 4x blackstart's sustainable rate, priority on and off, and Kea 2.2 on
# the same file. About 2 minutes; the tiny run inside make test only checks
# that the bench still works.
bench-priority: build
	/usr/bin/python3 bench/priority_bench.py --blackstart $(BUILD)/blackstart --bs-load $(BUILD)/bs-load --out bench/results/priority.md
bench-priority-tiny: build
	/usr/bin/python3 bench/priority_bench.py --blackstart $(BUILD)/blackstart --bs-load $(BUILD)/bs-load --tiny

# PostgreSQL (issue #13): blackstart (1 server; 3 sharing one database)
# and Kea 2.2 on one PostgreSQL 15, same run, bs-load sweeps; ACKs/s, CPU
# per exchange of the servers and of the database, load average. ~2 min.
bench-pg: build
	scripts/install-deps.sh test
	bench/pg_bench.sh $(BUILD) | tee bench/results/pg.md

# Scale report (issue #3): 1,000,000-address pool, 500,000 leases in SQLite:
# cold start, bytes per lease, allocation rate at 10/50/95% use.
scale: build
	$(BUILD)/bs-scale --out bench/results/scale.md

# The kept corpus replays as a regression test with the normal compiler.
fuzz-replay: build
	@for t in $(BUILD)/*_fuzz_replay; do \
	  name=$$(basename $$t _fuzz_replay); \
	  echo "replaying corpus tests/fuzz/corpus/$$name"; \
	  $$t tests/fuzz/corpus/$$name || exit 1; \
	done

# A short libFuzzer run per target (clang, ASan+UBSan); new finds go to a
# scratch directory, not into the kept corpus.
fuzz:
	scripts/install-deps.sh test
	CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja -DBLACKSTART_FUZZ=ON
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_targets
	@for t in $(FUZZ_BUILD)/*_fuzz; do \
	  name=$$(basename $$t _fuzz); scratch=$$(mktemp -d); \
	  echo "fuzzing $$name for $(FUZZ_SECONDS)s"; \
	  $$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 $$scratch tests/fuzz/corpus/$$name >$$scratch.log 2>&1; \
	  rc=$$?; tail -n 12 $$scratch.log; rm -rf $$scratch $$scratch.log; [ $$rc -eq 0 ] || exit 1; \
	done

integration: build
	tests/integration/run_all.sh $(BUILD)/blackstart

# Differential test (issue #10): the same scripted client exchanges against
# Kea 2.2 and blackstart in namespaces, replies compared option by option;
# differences must be the ones docs/KEA_DIFFERENCES.md lists. About 1 minute.
differential: build
	tests/differential/run.sh $(BUILD)/blackstart

# The Debian package (issue #15, packaging/): $(BUILD)/blackstart_*.deb,
# made by CPack from the build tree, with man pages generated from the
# binaries. package-test installs it into a fresh Debian 12 root made by
# debootstrap and runs it there (tests/package/test_deb.sh); a few minutes,
# most of it debootstrap.
deb: build
	scripts/install-deps.sh deb
	cmake --build $(BUILD) --target package-files
	cd $(BUILD) && rm -f blackstart_*.deb && cpack -G DEB
package-test: deb
	timeout 900 tests/package/test_deb.sh $(BUILD)

lint: build
	scripts/lint.sh $(BUILD)

test:
	scripts/install-deps.sh test
	$(MAKE) build unit micro fuzz-replay
	$(MAKE) fuzz-and-lint
	$(MAKE) integration
	$(MAKE) differential
	$(MAKE) package-test
	$(MAKE) bench-priority-tiny
	$(MAKE) bench-tiny
	$(MAKE) bench-cpu-tiny
	$(MAKE) bench-ha-tiny
	$(MAKE) ha-powercut-short

# clang-tidy takes about 10 minutes on 2 cores; each fuzz target runs on one
# core for a fixed time, so lint runs beside the fuzz phase (its output is
# printed when it ends). Both must pass.
fuzz-and-lint: build
	@scripts/lint.sh $(BUILD) >$(BUILD)/lint.log 2>&1 & lint_pid=$$!; \
	  $(MAKE) fuzz; fuzz_rc=$$?; \
	  wait $$lint_pid; lint_rc=$$?; \
	  echo "== lint (ran beside fuzz)"; cat $(BUILD)/lint.log; \
	  [ $$fuzz_rc -eq 0 ] && [ $$lint_rc -eq 0 ]

demo:
	scripts/install-deps.sh demo
	$(MAKE) build
	tools/demo.sh $(BUILD)/blackstart

# The power-cut harness (tools/powercut/README.md): 50 simulated power cuts
# under DHCP load for blackstart on SQLite and 50 on memfile (Kea's CSV),
# then the same harness against its fsync-off knobs, Kea and dnsmasq, each
# also with torn writes. Prints the table and
# writes bench/results/powercut.md. POWERCUT_SEED=N repeats the choices.
POWERCUT_SERVERS ?= blackstart:50 blackstart:20:torn blackstart-memfile:50 blackstart-memfile:20:torn \
  blackstart-nofsync:10 blackstart-memfile-nofsync:10 kea:10 kea:10:torn \
  dnsmasq:10 dnsmasq:20:torn
powercut:
	scripts/install-deps.sh powercut
	$(MAKE) build
	POWERCUT_BUILD=$(BUILD) tools/powercut/powercut.sh -o bench/results/powercut.md $(POWERCUT_SERVERS)

# The HA harness (issue #12, tests/ha/README.md): each server pair kind
# (an adapter in tests/ha/adapters) on one switch; 30 power cuts of the
# primary (in load-balancing either server) under load (takeover time,
# ACKed leases lost, addresses held twice after the return), a split brain
# and a cut of both. Writes bench/results/ha-powercut.md; HA_SEED=N repeats
# the instants. blackstart's kinds are judged (exit 1 on a broken
# guarantee), Kea's measured. About 12 min for Kea, 6 for each blackstart.
HA_KINDS ?= kea:30 blackstart:30 blackstart-lb:30
ha-powercut:
	scripts/install-deps.sh ha
	$(MAKE) build
	HA_BUILD=$(BUILD) tests/ha/ha_powercut.sh -o bench/results/ha-powercut.md $(HA_KINDS)
# In make test: a few cuts of blackstart's pairs (load-balancing: one of
# each server), judged; Kea (85 s for 3 cuts) only in make ha-powercut.
HA_SHORT_KINDS ?= blackstart:2 blackstart-lb:2
ha-powercut-short:
	scripts/install-deps.sh ha
	$(MAKE) build
	HA_BUILD=$(BUILD) tests/ha/ha_powercut.sh $(HA_SHORT_KINDS)

# The HA pairs' rate (issue #12, tests/ha/README.md "The rate"): one
# blackstart, blackstart's pair in hot-standby and load-balancing and Kea
# 2.2's HA pair on the harness's switch, in the same run, each swept with
# bs-load and perfdhcp (max rate, p99 REQUEST->ACK), then 3 power cuts per
# pair for the takeover time; writes bench/results/ha-bench.md. About 10
# min. Separate from make bench; the tiny version (one 1 s step per
# generator, no cuts, Kea left out) runs in make test so it cannot rot.
HA_BENCH_KINDS ?= blackstart-single kea blackstart blackstart-lb
bench-ha:
	scripts/install-deps.sh ha
	$(MAKE) build
	HA_BUILD=$(BUILD) tests/ha/ha_powercut.sh -b 5 -o bench/results/ha-bench.md $(HA_BENCH_KINDS)
bench-ha-tiny:
	scripts/install-deps.sh ha
	$(MAKE) build
	HA_BUILD=$(BUILD) HA_BENCH_RATES=200 HA_BENCH_CUTS=0 \
	  tests/ha/ha_powercut.sh -b 1 blackstart-single blackstart blackstart-lb

# The outage drill (issue #14, docs/DRILL.md): a virtual office through a
# day, a power cut and the restart, blackstart and Kea 2.2 side by side;
# the report goes to drill/results/report.md. DRILL_ARGS passes options
# (e.g. DRILL_ARGS="--devices 50 --site my-office.json").
DRILL_ARGS ?=
drill:
	scripts/install-deps.sh drill
	$(MAKE) build
	drill/drill --build $(BUILD) $(DRILL_ARGS)

format:
	git ls-files '*.cpp' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD)
