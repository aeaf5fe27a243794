#!/usr/bin/env bash
# Installs the Debian packages a make target needs, and only if missing, so
# `make demo` and `make test` work on a fresh Debian 12 machine (as root).
# Usage: scripts/install-deps.sh build|test|demo|deb|powercut|ha|drill
set -euo pipefail

build_pkgs=(cmake ninja-build g++ make pkg-config libgtest-dev libbenchmark-dev
  libsqlite3-dev sqlite3 nlohmann-json3-dev libfmt-dev libspdlog-dev libcli11-dev
  libcpp-httplib-dev libexpected-dev libssl-dev libpq-dev)
# The daemon's sd_notify (libsystemd) and privilege drop (libcap), see
# docs/ARCHITECTURE.md.
build_pkgs+=(libsystemd-dev libcap-dev)
fuzz_pkgs=(clang libclang-rt-dev)
net_pkgs=(iproute2 isc-dhcp-client udhcpc dhcpcd-base isc-dhcp-relay procps iputils-ping)
lint_pkgs=(clang-format clang-tidy)
# Kea 2.2's own example configs (doc/examples/kea4), which the config tests
# feed to `blackstart -t` to measure how much of Kea's syntax is covered.
kea_doc_pkgs=(kea-doc)
# Control API tests: curl and jq drive the API (socat its UNIX socket,
# openssl makes the https test's certificates), promtool checks /metrics,
# chromium + playwright-core (npm) test the status page. A nodejs that
# already brings npm (NodeSource's does) conflicts with Debian's npm.
api_pkgs=(curl jq socat openssl prometheus chromium nodejs python3)
command -v npm >/dev/null || api_pkgs+=(npm)
# The peers `make powercut` compares blackstart with. dnsmasq-base, not
# dnsmasq: the latter ships a service that would start on the host.
powercut_pkgs=(iproute2 procps kea-dhcp4-server dnsmasq-base)
# The HA harness (tests/ha, make ha-powercut): Kea 2.2's hot-standby pair
# (libdhcp_ha.so and libdhcp_lease_cmds.so come with kea-dhcp4-server's
# kea-common), curl and jq for its HA commands, python3 for the checks,
# kea-admin for perfdhcp (make bench-ha's second generator).
ha_pkgs=(iproute2 procps kea-dhcp4-server kea-admin curl jq python3)
# Kea 2.2 itself, for the memfile interop test (test_kea_memfile.sh): its
# lease file is taken over by blackstart and back. The service never starts
# on the host (policy-rc.d below); the test runs kea-dhcp4 in a namespace.
# kea-ctrl-agent forwards HTTP commands to blackstart's UNIX control socket
# (test_control_sockets.sh), as it does to Kea's.
kea_pkgs=(kea-dhcp4-server kea-ctrl-agent)
# PostgreSQL 15 for the shared lease store's tests: tests/pg/pg-test-server.sh
# runs its initdb/pg_ctl in a temp directory (the packaged cluster is never
# started: policy-rc.d below). kea-admin creates Kea's own schema in it.
pg_pkgs=(postgresql-15 kea-admin)
# The differential test against Kea (tests/differential): scapy builds and
# parses the scripted clients' raw DHCP packets.
diff_pkgs=(python3-scapy)
# The outage drill (drill/): real Postfix as the office's mail host and
# sipp (sip-tester) as its SIP registrar and phones, run in namespaces with
# their own config dirs; postfix is preseeded to "No configuration" so the
# host gets no mail system of its own. The report's plot uses matplotlib.
# dnsmasq-base is scenario rogue's consumer router and, with ISC dhcpd
# (isc-dhcp-server), a server the drill can compare (--server).
drill_pkgs=(postfix sip-tester python3 python3-matplotlib isc-dhcp-relay dnsmasq-base isc-dhcp-server)
# The Debian package (make deb, tests/package): help2man writes the man
# pages from --help, lintian checks the .deb, debootstrap makes the fresh
# Debian 12 root it is installed into.
deb_pkgs=(help2man lintian debootstrap dpkg-dev fakeroot)
# systemd-nspawn boots that root to start the unit under a real systemd.
deb_pkgs+=(systemd-container)
# ISC dhcpd itself, for the import test (test_dhcpd_import.sh): it serves
# real clients in a namespace and writes the dhcpd.leases that is imported.
# Its service never starts on the host (policy-rc.d below).
import_pkgs=(isc-dhcp-server)

case "${1:-build}" in
  build) wanted=("${build_pkgs[@]}") ;;
  deb) wanted=("${build_pkgs[@]}" "${deb_pkgs[@]}" "${net_pkgs[@]}") ;;
  demo) wanted=("${build_pkgs[@]}" "${net_pkgs[@]}") ;;
  test) wanted=("${build_pkgs[@]}" "${fuzz_pkgs[@]}" "${net_pkgs[@]}" "${lint_pkgs[@]}" "${kea_doc_pkgs[@]}" dnsmasq-base "${api_pkgs[@]}" "${kea_pkgs[@]}" "${pg_pkgs[@]}" "${diff_pkgs[@]}" "${drill_pkgs[@]}" "${deb_pkgs[@]}" "${import_pkgs[@]}") ;;
  drill) wanted=("${build_pkgs[@]}" "${net_pkgs[@]}" "${kea_pkgs[@]}" "${drill_pkgs[@]}") ;;
  powercut) wanted=("${build_pkgs[@]}" "${powercut_pkgs[@]}") ;;
  ha) wanted=("${build_pkgs[@]}" "${ha_pkgs[@]}") ;;
  *) echo "usage: $0 build|test|demo|deb|powercut|ha|drill" >&2; exit 2 ;;
esac

missing=()
for pkg in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing packages ${missing[*]}; run as root or install them" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
# Packages such as isc-dhcp-relay and kea-dhcp4-server ship services; never
# let them start on the host. Only add a policy if the machine has none, and
# remove only our own.
added_policy=0
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  added_policy=1
fi
trap '[[ $added_policy -eq 1 ]] && rm -f /usr/sbin/policy-rc.d' EXIT
export DEBIAN_FRONTEND=noninteractive
# Postfix must not become the host's MTA: no main.cf, no mail system.
if [[ " ${missing[*]} " == *" postfix "* ]]; then
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
fi
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
