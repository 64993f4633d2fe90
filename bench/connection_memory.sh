#!/usr/bin/env bash
# Memory per connection: starts jumio-bridge (embedded Kafka) with http.max_body_bytes B, opens N
# connections that each send a request one byte short of a B-byte body (jb_hold_connections:
# the daemon keeps every byte and waits for the last), once with Content-Length and once chunked,
# and prints the daemon's VmRSS and VmHWM (/proc/PID/status) before and with the connections
# held, and the growth per connection. A fresh daemon for every row. See bench/README.md.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD="$ROOT/build-bench"
RUNS="262144:256 1048576:64"
DAEMON=""
BUILD_FIRST=1
SETTLE=1

usage() {
  cat <<EOF
usage: bench/connection_memory.sh [options]
  --runs "LIST"     max_body_bytes:connections pairs (default "$RUNS")
  --build-dir DIR   build directory (default build-bench); output goes to DIR/bench-out/memory
  --daemon PATH     this jumio-bridge binary instead of DIR/daemon/jumio-bridge
  --settle S        seconds between the last byte read and the reading of RSS (default $SETTLE)
  --skip-build      use the binaries already in the build directory
EOF
}

while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift ;;
    --build-dir) BUILD=$(realpath -m "$2"); shift ;;
    --daemon) DAEMON=$(realpath -m "$2"); shift ;;
    --settle) SETTLE=$2; shift ;;
    --skip-build) BUILD_FIRST=0 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
  shift
done

# shellcheck source=bench/common.sh
source "$ROOT/bench/common.sh"

if [ "$BUILD_FIRST" = 1 ]; then
  say "building (release) in $BUILD"
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DJB_TESTS=OFF -DJB_WERROR=OFF -DJB_BENCH=ON >/dev/null
  cmake --build "$BUILD" --target jumio-bridge jb_hold_connections -j2 >&2
fi
DAEMON=${DAEMON:-$BUILD/daemon/jumio-bridge}
HOLD="$BUILD/bench/jb_hold_connections"
for binary in "$DAEMON" "$HOLD"; do
  [ -x "$binary" ] || die "missing $binary (run without --skip-build)"
done

OUT="$BUILD/bench-out/memory"
rm -rf "$OUT"
mkdir -p "$OUT"
DAEMON_PID=""
HOLD_PID=""
stop() {
  local pid
  for pid in $HOLD_PID $DAEMON_PID; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in $HOLD_PID $DAEMON_PID; do wait "$pid" 2>/dev/null || true; done
  HOLD_PID=""
  DAEMON_PID=""
}
trap stop EXIT

status_kib() { awk -v key="$2:" '$1 == key { print $2 }' "/proc/$1/status"; }
# Established connections to PORT and the bytes in their receive queues (not read by the daemon).
sockets() { ss -Htn state established "( sport = :$1 )" | awk '{ n++; q += $1 } END { print n + 0, q + 0 }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# One row: a fresh daemon, its RSS, N held requests of one framing, its RSS again.
row() {
  local body=$1 conns=$2 framing=$3 port admin dir
  port=$(free_port)
  admin=$(free_port)
  until [ "$admin" != "$port" ]; do admin=$(free_port); done
  dir="$OUT/$body-$conns-$framing"
  mkdir -p "$dir/spool"
  cat >"$dir/config.yaml" <<EOF
http:
  listen: "127.0.0.1:$port"
  max_body_bytes: $body
  max_connections: 256
  max_connections_per_address: 256
  request_timeout_ms: 300000
  read_timeout_ms: 300000
admin:
  listen: "127.0.0.1:$admin"
kafka:
  brokers: embedded
spool:
  dir: "$dir/spool"
log:
  level: warn
EOF
  (cd "$dir" && exec "$DAEMON" serve --config "$dir/config.yaml") >"$dir/daemon.log" 2>&1 &
  DAEMON_PID=$!
  wait_http "http://127.0.0.1:$admin/readyz" || die "daemon not ready; see $dir/daemon.log"
  sleep "$SETTLE"
  local rss_before hwm_before
  rss_before=$(status_kib "$DAEMON_PID" VmRSS)
  hwm_before=$(status_kib "$DAEMON_PID" VmHWM)

  "$HOLD" --port "$port" --connections "$conns" --body-bytes "$body" --framing "$framing" \
    >"$dir/hold.out" 2>&1 &
  HOLD_PID=$!
  local open=0 queued=1 counts
  for _ in $(seq 1200); do
    if grep -q '^sent ' "$dir/hold.out"; then
      read -r open queued <<<"$(sockets "$port")"
      [ "$open" -eq "$conns" ] && [ "$queued" -eq 0 ] && break
    fi
    kill -0 "$HOLD_PID" 2>/dev/null || die "jb_hold_connections failed: $(cat "$dir/hold.out")"
    sleep 0.1
  done
  [ "$open" -eq "$conns" ] && [ "$queued" -eq 0 ] ||
    die "$open of $conns connections open, $queued bytes unread; see $dir"
  sleep "$SETTLE"
  counts=$(sockets "$port")
  local rss_held hwm_held
  rss_held=$(status_kib "$DAEMON_PID" VmRSS)
  hwm_held=$(status_kib "$DAEMON_PID" VmHWM)
  printf "%9s %5s %-8s %10s %10s %10s %10s %12s %12s %10s\n" "$body" "$conns" "$framing" \
    "$(mib "$rss_before")" "$(mib "$hwm_before")" "$(mib "$rss_held")" "$(mib "$hwm_held")" \
    "$(awk -v a="$rss_held" -v b="$rss_before" -v n="$conns" 'BEGIN { printf "%.0f", (a - b) / n }')" \
    "$(awk -v a="$hwm_held" -v b="$rss_before" -v n="$conns" 'BEGIN { printf "%.0f", (a - b) / n }')" \
    "$(awk -v a="$rss_held" -v b="$rss_before" -v n="$conns" -v s="$body" \
      'BEGIN { printf "%.2f", (a - b) * 1024 / n / s }')"
  [ "${counts%% *}" -eq "$conns" ] || say "note: ${counts%% *} of $conns connections still open at the reading"
  stop
}

cat <<EOF
jumio-bridge memory per connection, $(date -u +%Y-%m-%dT%H:%MZ)
machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r)
daemon: $DAEMON ($(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown))
each connection: a request one byte short of max_body_bytes (Content-Length, or chunks of 16,000
bytes without the last chunk); RSS read ${SETTLE} s after the daemon has read every byte

EOF
printf "%9s %5s %-8s %10s %10s %10s %10s %12s %12s %10s\n" body conns framing "RSS MiB" \
  "HWM MiB" "held RSS" "held HWM" "KiB/conn" "HWM KiB/conn" "x body"
for run in $RUNS; do
  for framing in length chunked; do
    row "${run%%:*}" "${run#*:}" "$framing"
  done
done
