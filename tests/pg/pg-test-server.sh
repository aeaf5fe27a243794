#!/usr/bin/env bash
# A throwaway PostgreSQL 15 server for tests: Debian's initdb/pg_ctl run as
# an unprivileged user in a fresh temp directory, listening only on a UNIX
# socket inside that directory (no TCP at all), so tests need no running
# cluster, no port and no root-owned state, and parallel runs never meet.
#
#   pg-test-server.sh start [OWNER_PID]   prints the directory; the socket
#                                         is DIR, port 5432, superuser
#                                         "blackstart", trust auth
#   pg-test-server.sh standby PRIMARY_DIR [OWNER_PID]
#                                         a streaming-replication standby of
#                                         the server in PRIMARY_DIR, its own
#                                         directory printed as for start; the
#                                         primary is made to wait for it
#                                         (synchronous_standby_names)
#   pg-test-server.sh stop DIR            stops the postmaster by its PID and
#                                         removes DIR
#
# With OWNER_PID (a gtest binary's or a shell test's own PID), a watchdog
# stops and removes the server when that process exits, so a crashed or
# killed test leaves nothing running. stop only removes directories that
# carry this script's marker file.
set -euo pipefail

PG_BIN=${BS_PG_BIN:-/usr/lib/postgresql/15/bin}
PG_PORT=5432
PG_SUPERUSER=blackstart
MARKER=.blackstart-pg-test-server

die() {
  echo "pg-test-server: $*" >&2
  exit 1
}

# Runs a command as the server's OS user: postgres refuses to run as root.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    setpriv --reuid="$PG_OS_USER" --regid="$PG_OS_USER" --init-groups -- "$@"
  else
    "$@"
  fi
}

pick_os_user() {
  PG_OS_USER=$(id -un)
  if [[ $(id -u) -eq 0 ]]; then
    getent passwd postgres >/dev/null || die "running as root needs the postgres user (package postgresql-common)"
    PG_OS_USER=postgres
  fi
}

postmaster_pid() {
  local dir=$1
  [[ -f "$dir/data/postmaster.pid" ]] || return 1
  head -n 1 "$dir/data/postmaster.pid"
}

stop_server() {
  local dir=$1 pid tries
  [[ -f "$dir/$MARKER" ]] || die "$dir is not a directory this script made; not touching it"
  if pid=$(postmaster_pid "$dir") && [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
    # Immediate shutdown (SIGQUIT): the data is thrown away anyway.
    kill -QUIT "$pid" 2>/dev/null || true
    for ((tries = 0; tries < 100; tries++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  if [[ -f "$dir/watchdog.pid" ]]; then
    local watchdog
    watchdog=$(cat "$dir/watchdog.pid")
    # The watchdog itself calls stop_server; it must not kill itself.
    if [[ "$watchdog" != "$BASHPID" ]]; then kill "$watchdog" 2>/dev/null || true; fi
  fi
  rm -rf -- "$dir"
}

start_server() {
  local owner=${1:-} dir
  [[ -x "$PG_BIN/initdb" ]] || die "$PG_BIN/initdb not found (install postgresql-15: scripts/install-deps.sh test)"
  pick_os_user
  dir=$(mktemp -d "${TMPDIR:-/tmp}/bs-pg.XXXXXX")
  touch "$dir/$MARKER"
  chown "$PG_OS_USER" "$dir"
  chmod 700 "$dir"
  if ! as_owner "$PG_BIN/initdb" -D "$dir/data" -U "$PG_SUPERUSER" --auth=trust \
    --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    rm -rf -- "$dir"
    die "initdb failed"
  fi
  # Socket only, in the private directory; a small server.
  cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$dir'
port = $PG_PORT
max_connections = 40
shared_buffers = 16MB
EOF
  if ! as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start >/dev/null; then
    cat "$dir/server.log" >&2 || true
    stop_server "$dir"
    die "the server did not start"
  fi
  # The socket directory must be reachable by clients of other users.
  chmod 711 "$dir"
  watch_owner "$owner" "$dir"
  echo "$dir"
}

watch_owner() {
  local owner=$1 dir=$2
  [[ -n "$owner" ]] || return 0
  # Detached from our stdout so callers reading it are not kept waiting.
  (
    while kill -0 "$owner" 2>/dev/null && [[ -d "$dir" ]]; do sleep 1; done
    [[ -d "$dir" ]] && stop_server "$dir"
  ) </dev/null >/dev/null 2>&1 &
  echo $! >"$dir/watchdog.pid"
}

# A copy of the primary by pg_basebackup (-R: it follows the primary over
# the primary's socket), named "bs_standby" so the primary can wait for it.
start_standby() {
  local primary=$1 owner=${2:-} dir
  [[ -f "$primary/$MARKER" ]] || die "$primary is not a directory this script made"
  pick_os_user
  dir=$(mktemp -d "${TMPDIR:-/tmp}/bs-pg.XXXXXX")
  touch "$dir/$MARKER"
  chown "$PG_OS_USER" "$dir"
  chmod 700 "$dir"
  if ! as_owner "$PG_BIN/pg_basebackup" -h "$primary" -p "$PG_PORT" -U "$PG_SUPERUSER" \
    -D "$dir/data" -R -X stream -c fast -d "application_name=bs_standby" >"$dir/basebackup.log" 2>&1; then
    cat "$dir/basebackup.log" >&2
    rm -rf -- "$dir"
    die "pg_basebackup failed"
  fi
  rm -f "$dir/data/postmaster.pid"
  sed -i "s|^unix_socket_directories = .*|unix_socket_directories = '$dir'|" "$dir/data/postgresql.conf"
  if ! as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start >/dev/null; then
    cat "$dir/server.log" >&2 || true
    stop_server "$dir"
    die "the standby did not start"
  fi
  chmod 711 "$dir"
  echo "synchronous_standby_names = 'bs_standby'" >>"$primary/data/postgresql.conf"
  as_owner "$PG_BIN/pg_ctl" -D "$primary/data" reload >/dev/null
  watch_owner "$owner" "$dir"
  echo "$dir"
}

case "${1:-}" in
  start) start_server "${2:-}" ;;
  standby) start_standby "${2:?usage: $0 standby PRIMARY_DIR [OWNER_PID]}" "${3:-}" ;;
  stop) stop_server "${2:?usage: $0 stop DIR}" ;;
  *)
    echo "usage: $0 start [OWNER_PID] | standby PRIMARY_DIR [OWNER_PID] | stop DIR" >&2
    exit 2
    ;;
esac
