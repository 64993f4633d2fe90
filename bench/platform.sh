#!/usr/bin/env bash
# The Jumio Platform benchmark: how many platform callbacks `serve` stores a second, and how many
# workflow events `reconcile` publishes a second against a Jumio Platform that answers at once
# (bench/platform_api.cpp), at several Retrieval API rate limits. A mock cluster runs in its own
# process (bench/mock_broker.cpp).
#
# 1. serve: wrk posts platform callbacks (bench/platform.lua) for DURATION seconds at CONNS
#    connections; callbacks/s, latencies, and the daemon's CPU per 1,000 callbacks.
# 2. reconcile, once per rate in RATES: serve stores EVENTS callbacks (posted by python3 on one
#    connection) on a topic of its own, then
#    reconcile reads them and publishes their workflow events; events/s from its first event to its
#    last (its group join is not counted), its CPU per 1,000 events, and the API requests it made.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD="$ROOT/build-bench"
DURATION=10
CONNS=64
RATES="2 15 1000"
EVENTS=""  # per rate: rate x 20 s, at least 40 and at most 5000
PARTITIONS=8
BUILD_FIRST=1
OUT=""

usage() {
  cat <<EOF
usage: bench/platform.sh [options]
  --duration S     seconds of the serve row (default $DURATION)
  --conns N        wrk connections of the serve row (default $CONNS)
  --rates "LIST"   retrieval.max_requests_per_second of each reconcile row (default "$RATES";
                   2 is the default of the config)
  --events N       callbacks each reconcile row publishes (default: 20 s worth at the rate,
                   40 to 5000)
  --partitions N   partitions of every topic (default $PARTITIONS)
  --build-dir DIR  build directory (default build-bench); output in DIR/platform-out
  --skip-build     use the binaries already built
  --out DIR        output directory
EOF
}

while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION=$2; shift ;;
    --conns) CONNS=$2; shift ;;
    --rates) RATES=$2; shift ;;
    --events) EVENTS=$2; shift ;;
    --partitions) PARTITIONS=$2; shift ;;
    --build-dir) BUILD=$(realpath -m "$2"); shift ;;
    --skip-build) BUILD_FIRST=0 ;;
    --out) OUT=$(realpath -m "$2"); shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
  shift
done

STARTED=$(date +%s)
# shellcheck source=bench/common.sh
source "$ROOT/bench/common.sh"

command -v wrk >/dev/null || die "wrk is not installed (scripts/install-deps.sh installs it)"
if [ "$BUILD_FIRST" = 1 ]; then
  say "building (release) in $BUILD"
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DJB_TESTS=OFF -DJB_BENCH=ON >/dev/null
  cmake --build "$BUILD" --target jumio-bridge jb_mock_broker jb_platform_api -j2 >&2
fi
DAEMON="$BUILD/daemon/jumio-bridge"
for binary in "$DAEMON" "$BUILD/bench/jb_mock_broker" "$BUILD/bench/jb_platform_api"; do
  [ -x "$binary" ] || die "missing $binary (run without --skip-build)"
done
[ -n "$OUT" ] || OUT="$BUILD/platform-out"
rm -rf "$OUT"
mkdir -p "$OUT"

trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the mock cluster and the Jumio Platform ----------------------------------------------------
TOPICS=(jumio.workflow.callbacks jumio.deadletter jumio.reconcile.state bench.expected)
for status in passed rejected warning not_executed; do TOPICS+=("jumio.workflow.$status"); done
for rate in $RATES; do TOPICS+=("bench.workflow.callbacks.$rate"); done
"$BUILD/bench/jb_mock_broker" --brokers 1 --partitions "$PARTITIONS" "${TOPICS[@]}" \
  >"$OUT/broker.out" 2>"$OUT/broker.err" &
BROKER_PID=$!
PIDS+=("$BROKER_PID")
BOOTSTRAPS=$(first_line "$OUT/broker.out" "$BROKER_PID")

# One server thread per kept-alive connection: reconcile's workers and its token connection.
"$BUILD/bench/jb_platform_api" --threads 64 >"$OUT/platform.out" 2>&1 &
API_PID=$!
PIDS+=("$API_PID")
API_PORT=$(first_line "$OUT/platform.out" "$API_PID")

# Starts serve storing platform callbacks on TOPIC; sets SERVE_PID, SERVE_URL.
start_serve() {
  local label=$1 topic=$2 port admin
  port=$(free_port)
  admin=$(free_port)
  until [ "$admin" != "$port" ]; do admin=$(free_port); done
  cat >"$OUT/$label.serve.yaml" <<EOF
http:
  listen: "127.0.0.1:$port"
  max_connections_per_address: 256
admin:
  listen: "127.0.0.1:$admin"
kafka:
  brokers: "$BOOTSTRAPS"
topics:
  workflow_callbacks: "$topic"
spool:
  dir: "$OUT/$label.spool"
log:
  level: warn
EOF
  (cd "$OUT" && exec "$DAEMON" serve --config "$OUT/$label.serve.yaml") >"$OUT/$label.serve.log" 2>&1 &
  SERVE_PID=$!
  PIDS+=("$SERVE_PID")
  wait_http "http://127.0.0.1:$admin/readyz" 30 || die "serve not ready; see $OUT/$label.serve.log"
  SERVE_URL="http://127.0.0.1:$port"
}

stop_pid() {
  kill -TERM "$1" 2>/dev/null || return 0
  for _ in $(seq 150); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

field() { sed -n "s/.*[ ]$1=\([0-9]*\).*/\1/p" <<<"$2"; }

# POSTs COUNT platform callbacks (the shape of bench/platform.lua's, run RUN) to URL, each
# answered 200, on one kept-alive connection.
post_callbacks() {
  python3 - "$1" "$2" "$3" <<'PYTHON'
import http.client, sys, urllib.parse
url, count, run = urllib.parse.urlsplit(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
connection = http.client.HTTPConnection(url.hostname, url.port)
for i in range(count):
    execution = "%08x-0000-4000-a000-%012x" % (0x100 + run, i)
    account = "11111111-1111-4111-a111-%012d" % (i % 8)
    body = ('{"callbackSentAt":"2024-05-02T09:16:04.518Z","workflowExecution":{"id":"%s",'
            '"href":"https://retrieval.amer-1.jumio.ai/x","definitionKey":"10011",'
            '"status":"PROCESSED"},"account":{"id":"%s","href":"https://retrieval.amer-1.jumio.ai/y"}}'
            % (execution, account))
    connection.request("POST", url.path, body, {"Content-Type": "application/json"})
    answer = connection.getresponse()
    answer.read()
    if answer.status != 200:
        sys.exit("callback %d answered %d" % (i, answer.status))
print("posted %d" % count)
PYTHON
}

# --- 1. serve -----------------------------------------------------------------------------------
say "serve: $CONNS connections, ${DURATION}s"
start_serve serve jumio.workflow.callbacks
wrk -t2 -c"$CONNS" -d2s -s "$ROOT/bench/platform.lua" "$SERVE_URL" -- 1 /callbacks/jumio \
  >"$OUT/warmup.txt" 2>&1 || die "wrk failed; see $OUT/warmup.txt"
CPU0=$(cpu_ticks "$SERVE_PID")
wrk -t2 -c"$CONNS" -d"${DURATION}s" --timeout 5s -s "$ROOT/bench/platform.lua" "$SERVE_URL" \
  -- 2 /callbacks/jumio >"$OUT/serve.wrk.txt" 2>&1 || die "wrk failed; see $OUT/serve.wrk.txt"
CPU1=$(cpu_ticks "$SERVE_PID")
LINE=$(grep '^BENCH ' "$OUT/serve.wrk.txt") || die "no wrk summary; see $OUT/serve.wrk.txt"
REQUESTS=$(field requests "$LINE")
DURATION_US=$(field duration_us "$LINE")
ERRORS=$(($(field errors_connect "$LINE") + $(field errors_read "$LINE") +
  $(field errors_write "$LINE") + $(field errors_status "$LINE") + $(field errors_timeout "$LINE")))
stop_pid "$SERVE_PID"
SERVE_ROW=$(printf "%-30s %10s %9s %9s %12s %7s" "serve, platform callbacks" \
  "$(calc %.0f "$REQUESTS / ($DURATION_US / 1e6)")" \
  "$(calc %.2f "$(field p50_us "$LINE") / 1000")" "$(calc %.2f "$(field p99_us "$LINE") / 1000")" \
  "$(calc %.1f "($CPU1 - $CPU0) * 1000 / $CLK_TCK / $REQUESTS * 1000")" "$ERRORS")

# --- 2. reconcile, per rate ---------------------------------------------------------------------
# Reads reconcile's /metrics: M_PUBLISHED, M_REQUESTS, M_TOKENS ("" when absent).
scrape() {
  local text
  text=$(curl -fsS --max-time 10 "http://127.0.0.1:$1/metrics" 2>/dev/null) || text=""
  value() { awk -v name="$1" '$1 == name { printf "%.0f\n", $2; exit }' <<<"$text"; }
  M_PUBLISHED=$(value 'jumio_bridge_reconcile_workflow_results_total{result="published"}')
  M_REQUESTS=$(value jumio_bridge_reconcile_api_requests_total)
}

RECONCILE_ROWS=()
for rate in $RATES; do
  events=$EVENTS
  if [ -z "$events" ]; then
    events=$((rate * 20))
    [ "$events" -lt 40 ] && events=40
    [ "$events" -gt 5000 ] && events=5000
  fi
  say "reconcile: $events workflow events at $rate requests/s"
  topic="bench.workflow.callbacks.$rate"
  start_serve "load-$rate" "$topic"
  # Exactly `events` callbacks, on one kept-alive connection.
  post_callbacks "$SERVE_URL/callbacks/jumio" "$events" "$rate" >"$OUT/load-$rate.post.txt" 2>&1 ||
    die "posting failed; see $OUT/load-$rate.post.txt"
  stop_pid "$SERVE_PID"
  admin=$(free_port)
  cat >"$OUT/reconcile-$rate.yaml" <<EOF
kafka:
  brokers: "$BOOTSTRAPS"
topics:
  workflow_callbacks: "$topic"
log:
  level: warn
retrieval:
  platform_base_url: "http://127.0.0.1:$API_PORT"
  token_url: "http://127.0.0.1:$API_PORT/oauth2/token"
  user_agent: "jumio-bridge platform benchmark/1.0"
  max_requests_per_second: $rate
reconcile:
  expected_topic: bench.expected
  group: "bench-platform-$rate"
  admin_listen: "127.0.0.1:$admin"
EOF
  T0=$(now)
  JUMIO_BRIDGE_RETRIEVAL_API_TOKEN=bench-client JUMIO_BRIDGE_RETRIEVAL_API_SECRET=bench-secret \
    "$DAEMON" reconcile --config "$OUT/reconcile-$rate.yaml" >"$OUT/reconcile-$rate.log" 2>&1 &
  RECONCILE_PID=$!
  PIDS+=("$RECONCILE_PID")
  FIRST=""
  FIRST_COUNT=0
  LAST=""
  CPU_FIRST=0
  deadline=$(calc %d "$T0 + 120 + $events / $rate * 2")
  while :; do
    kill -0 "$RECONCILE_PID" 2>/dev/null || die "reconcile exited; see $OUT/reconcile-$rate.log"
    scrape "$admin"
    t=$(now)
    if [ -z "$FIRST" ] && [ "${M_PUBLISHED:-0}" -gt 0 ]; then
      FIRST=$t
      FIRST_COUNT=$M_PUBLISHED
      CPU_FIRST=$(cpu_ticks "$RECONCILE_PID")
    fi
    if [ "${M_PUBLISHED:-0}" -ge "$events" ]; then LAST=$t; break; fi
    [ "$(calc %d "$t")" -ge "$deadline" ] && break
    sleep 0.2
  done
  CPU_LAST=$(cpu_ticks "$RECONCILE_PID")
  stop_pid "$RECONCILE_PID"
  if [ -z "$LAST" ] || [ "$M_PUBLISHED" -le "$FIRST_COUNT" ]; then
    RECONCILE_ROWS+=("$(printf "%-30s %s" "reconcile, rate $rate/s" \
      "only ${M_PUBLISHED:-0} of $events published in time; see $OUT/reconcile-$rate.log")")
    continue
  fi
  published=$((M_PUBLISHED - FIRST_COUNT))
  RECONCILE_ROWS+=("$(printf "%-30s %10s %9s %9s %12s %7s" "reconcile, rate $rate/s" \
    "$(calc %.1f "$published / ($LAST - $FIRST)")" "$events" "${M_REQUESTS:-?}" \
    "$(calc %.1f "($CPU_LAST - $CPU_FIRST) * 1000 / $CLK_TCK / $published * 1000")" \
    "$(calc %.1f "$FIRST - $T0")")")
done

echo
printf "%-30s %10s %9s %9s %12s %7s\n" "" "cb/s" "p50 ms" "p99 ms" "cpu ms/1k" "errors"
echo "$SERVE_ROW"
echo
printf "%-30s %10s %9s %9s %12s %7s\n" "" "events/s" "events" "requests" "cpu ms/1k" "join s"
for row in "${RECONCILE_ROWS[@]}"; do echo "$row"; done
echo
echo "cb/s: platform callbacks answered 200 a second (stored on Kafka first); cpu ms/1k: the"
echo "process's CPU per 1,000 callbacks or events; events/s: workflow events acknowledged a second,"
echo "from reconcile's first to its last; requests: Retrieval API requests in all; join s: from"
echo "reconcile's start to its first event (group join and token). Load average now: $(load1)."
echo "output: $OUT; the run took $(($(date +%s) - STARTED)) s"
