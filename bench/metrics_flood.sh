#!/usr/bin/env bash
# What a flood of admin requests costs the daemon: starts jumio-bridge (embedded Kafka), sends a
# few seconds of callbacks so that /metrics has a busy daemon's series, then floods the admin
# listener with wrk: /healthz (the cost of an admin answer alone), /metrics, and /metrics while
# callbacks keep arriving on one connection (counts between scrapes). For each row prints wrk's
# rate and the daemon's CPU (utime + stime from /proc/PID/stat) over it. See bench/README.md.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD="$ROOT/build-bench"
DAEMON=""
BUILD_FIRST=1
DURATION=5
CONNS=8  # within admin.max_connections_per_address
THREADS=2

usage() {
  cat <<EOF
usage: bench/metrics_flood.sh [options]
  --duration S      seconds per row (default $DURATION)
  --conns N         wrk connections of the flood (default $CONNS)
  --threads N       wrk threads of the flood (default $THREADS)
  --build-dir DIR   build directory (default build-bench); output goes to DIR/bench-out/flood
  --daemon PATH     this jumio-bridge binary instead of DIR/daemon/jumio-bridge
  --skip-build      use the binaries already in the build directory
EOF
}

while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION=$2; shift ;;
    --conns) CONNS=$2; shift ;;
    --threads) THREADS=$2; shift ;;
    --build-dir) BUILD=$(realpath -m "$2"); shift ;;
    --daemon) DAEMON=$(realpath -m "$2"); shift ;;
    --skip-build) BUILD_FIRST=0 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
  shift
done

# shellcheck source=bench/common.sh
source "$ROOT/bench/common.sh"

command -v wrk >/dev/null || die "wrk is not installed (scripts/install-deps.sh installs it)"
if [ "$BUILD_FIRST" = 1 ]; then
  say "building (release) in $BUILD"
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DJB_TESTS=OFF -DJB_WERROR=OFF -DJB_BENCH=ON >/dev/null
  cmake --build "$BUILD" --target jumio-bridge -j2 >&2
fi
DAEMON=${DAEMON:-$BUILD/daemon/jumio-bridge}
[ -x "$DAEMON" ] || die "missing $DAEMON (run without --skip-build)"

OUT="$BUILD/bench-out/flood"
rm -rf "$OUT"
mkdir -p "$OUT/spool"
trap cleanup EXIT

PORT=$(free_port)
ADMIN=$(free_port)
until [ "$ADMIN" != "$PORT" ]; do ADMIN=$(free_port); done
cat >"$OUT/config.yaml" <<EOF
http:
  listen: "127.0.0.1:$PORT"
  max_connections_per_address: 256
admin:
  listen: "127.0.0.1:$ADMIN"
kafka:
  brokers: embedded
spool:
  dir: "$OUT/spool"
log:
  level: warn
EOF
(cd "$OUT" && exec "$DAEMON" serve --config "$OUT/config.yaml") >"$OUT/daemon.log" 2>&1 &
DAEMON_PID=$!
PIDS+=("$DAEMON_PID")
for _ in $(seq 600); do
  curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$ADMIN/readyz" 2>/dev/null && break
  sleep 0.1
done
curl -fsS -o /dev/null "http://127.0.0.1:$ADMIN/readyz" || die "daemon not ready; see $OUT/daemon.log"
CALLBACKS="http://127.0.0.1:$PORT/callbacks/jumio"

requests_of() { awk '/requests in/ { print $1 }' "$1"; }

# Every series a busy daemon has: a few seconds of the benchmark's callback mix.
wrk -t1 -c4 -d3s -s "$ROOT/bench/callbacks.lua" "$CALLBACKS" -- 0 >"$OUT/prime.txt" 2>&1 ||
  die "priming failed; see $OUT/prime.txt"
curl -fsS "http://127.0.0.1:$ADMIN/metrics" >"$OUT/exposition.txt"

# One row: wrk on PATH for DURATION seconds, optionally with callbacks on one connection beside it.
row() {
  local label=$1 path=$2 with_callbacks=$3 before after requests callbacks="-" side=""
  before=$(cpu_ticks "$DAEMON_PID")
  if [ "$with_callbacks" = 1 ]; then
    wrk -t1 -c1 -d"${DURATION}s" -s "$ROOT/bench/callbacks.lua" "$CALLBACKS" -- 1 \
      >"$OUT/$label.callbacks.txt" 2>&1 &
    side=$!
  fi
  wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" "http://127.0.0.1:$ADMIN$path" >"$OUT/$label.txt" 2>&1 ||
    die "wrk failed; see $OUT/$label.txt"
  ! grep -q 'Non-2xx' "$OUT/$label.txt" || say "note: answers other than 200 in $OUT/$label.txt"
  [ -n "$side" ] && wait "$side"
  after=$(cpu_ticks "$DAEMON_PID")
  requests=$(requests_of "$OUT/$label.txt")
  [ "$with_callbacks" = 1 ] && callbacks=$(requests_of "$OUT/$label.callbacks.txt")
  awk -v label="$label" -v n="$requests" -v cb="$callbacks" -v d="$DURATION" \
    -v ticks=$((after - before)) -v tck="$CLK_TCK" 'BEGIN {
      cpu = ticks / tck
      printf "%-24s %10.0f %10s %9.0f%% %12.1f\n", label, n / d, (cb == "-") ? "-" : sprintf("%.0f", cb / d),
        100 * cpu / d, (n > 0) ? 1e6 * cpu / n : 0
    }'
}

cat <<EOF
jumio-bridge admin flood, $(date -u +%Y-%m-%dT%H:%MZ)
machine: $(nproc) cores, Linux $(uname -r); daemon: $DAEMON
wrk: $THREADS threads, $CONNS connections, ${DURATION}s per row; /metrics is $(wc -c <"$OUT/exposition.txt") bytes

EOF
printf "%-24s %10s %10s %10s %12s\n" row "req/s" "cb/s" "daemon cpu" "cpu us/req"
row healthz /healthz 0
row metrics /metrics 0
row metrics+callbacks /metrics 1
