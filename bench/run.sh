#!/usr/bin/env bash
# The benchmark: builds jumio-bridge in release mode, runs a librdkafka mock cluster in its own
# process, serves the daemon against it, and drives it with wrk posting a realistic callback mix
# (bench/callbacks.lua). For each connection count it also drives a bare cpp-httplib server with
# the daemon's HTTP settings (the library's ceiling) and nginx answering `return 200` with the same
# limits (a static answer), then measures a Kafka outage. Prints a table and the daemon's figures
# against its targets. See bench/README.md for the columns.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD="$ROOT/build-bench"
DURATION=10
WARMUP=2
CONNS="1 8 64 256"
OUTAGE_CONNS=64
PRIME=5
REPEAT=1
WRK_THREADS=2
WRK_TIMEOUT=5
BROKERS=3
PARTITIONS=3
RTT_MS=0
HTTP_THREADS=""
CEILING_THREADS=64  # cpp-httplib workers of the ceiling server: one per connection up to 64
KAFKA_PROPERTIES=()
PROFILE=0
MIX=all
OUTAGE=1
NGINX=1
NGINX_BINARY=/usr/sbin/nginx  # Debian's nginx-light (scripts/install-deps.sh)
BUILD_FIRST=1
DEPS=1

usage() {
  cat <<EOF
usage: bench/run.sh [options]
  --duration S        seconds measured per row (default $DURATION)
  --warmup S          seconds of unmeasured load before each row (default $WARMUP)
  --conns "LIST"      connection counts (default "$CONNS")
  --outage-conns N    connections of the Kafka-outage row (default $OUTAGE_CONNS)
  --prime S           seconds of the first, cold row at 64 connections (default $PRIME)
  --repeat N          rounds of (ceiling, nginx, daemon) rows per connection count, alternating; with
                      N > 1 a summary gives the medians (default $REPEAT)
  --no-outage         skip the Kafka-outage row
  --no-nginx          skip the nginx rows (nginx answering "return 200" on the same cores)
  --http-threads N    worker threads of the ceiling server (default $CEILING_THREADS; the daemon's
                      readers are its own: one per two cores)
  --kafka K=V         a kafka.properties entry for the daemon (repeatable), e.g. linger.ms=1
  --brokers N         mock brokers (default $BROKERS); --partitions N per topic (default $PARTITIONS)
  --rtt-ms N          the mock brokers answer N ms late, as a cluster across a network (default 0)
  --wrk-threads N     wrk threads, at most one per connection (default $WRK_THREADS)
  --wrk-timeout S     a request unanswered this long counts as a timeout (default $WRK_TIMEOUT)
  --profile           afterwards, profile the daemon under load (perf, else callgrind)
  --mix all|approved  the callback mix (default), or only APPROVED_VERIFIED callbacks with a US
                      address (one topic), the body the normalisation figures are measured on
  --build-dir DIR     build directory (default build-bench); output goes to DIR/bench-out
  --skip-build        use the binaries already in the build directory
  --skip-deps         do not run scripts/install-deps.sh
EOF
}

while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION=$2; shift ;;
    --warmup) WARMUP=$2; shift ;;
    --conns) CONNS=$2; shift ;;
    --outage-conns) OUTAGE_CONNS=$2; shift ;;
    --prime) PRIME=$2; shift ;;
    --repeat) REPEAT=$2; shift ;;
    --no-outage) OUTAGE=0 ;;
    --no-nginx) NGINX=0 ;;
    --http-threads) HTTP_THREADS=$2; shift ;;
    --kafka) KAFKA_PROPERTIES+=("$2"); shift ;;
    --brokers) BROKERS=$2; shift ;;
    --partitions) PARTITIONS=$2; shift ;;
    --rtt-ms) RTT_MS=$2; shift ;;
    --wrk-threads) WRK_THREADS=$2; shift ;;
    --wrk-timeout) WRK_TIMEOUT=$2; shift ;;
    --profile) PROFILE=1 ;;
    --mix) MIX=$2; shift ;;
    --build-dir) BUILD=$(realpath -m "$2"); shift ;;
    --skip-build) BUILD_FIRST=0 ;;
    --skip-deps) DEPS=0 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
  shift
done

case "$MIX" in all | approved) ;; *) usage >&2; exit 2 ;; esac

STARTED=$(date +%s)
# shellcheck source=bench/common.sh
source "$ROOT/bench/common.sh"

[ "$DEPS" = 1 ] && "$ROOT/scripts/install-deps.sh" >&2
command -v wrk >/dev/null || die "wrk is not installed (scripts/install-deps.sh installs it)"
if [ "$BUILD_FIRST" = 1 ]; then
  say "building (release) in $BUILD"
  # Not -Werror: the release optimiser reports warnings the CI build does not; they stay visible.
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DJB_TESTS=OFF -DJB_WERROR=OFF -DJB_BENCH=ON >/dev/null
  cmake --build "$BUILD" --target jumio-bridge jb_mock_broker jb_ceiling_server -j2 >&2
fi
DAEMON="$BUILD/daemon/jumio-bridge"
for binary in "$DAEMON" "$BUILD/bench/jb_mock_broker" "$BUILD/bench/jb_ceiling_server"; do
  [ -x "$binary" ] || die "missing $binary (run without --skip-build)"
done

OUT="$BUILD/bench-out"
rm -rf "$OUT"
mkdir -p "$OUT/spool"
trap cleanup EXIT

# Peak resident set of PID, summed over its child processes (nginx's master and workers).
peak_rss_kib() {
  local status=()
  mapfile -t status < <(process_family "$1" | sed 's#.*#/proc/&/status#')
  awk '/^VmHWM:/ { total += $2 } END { print total + 0 }' "${status[@]}" 2>/dev/null
}

# --- the mock cluster -------------------------------------------------------------------------
TOPICS=(jumio.deadletter)
for status in approved_verified denied_fraud denied_unsupported_id_type \
  denied_unsupported_id_country error_not_readable_id no_id_uploaded; do
  TOPICS+=("jumio.netverify.$status")
done
for status in passed failed invalid expired; do TOPICS+=("jumio.authentication.$status"); done
for status in uploaded extracted discarded failed; do TOPICS+=("jumio.document.$status"); done
"$BUILD/bench/jb_mock_broker" --brokers "$BROKERS" --partitions "$PARTITIONS" --rtt-ms "$RTT_MS" \
  "${TOPICS[@]}" \
  >"$OUT/broker.out" 2>"$OUT/broker.err" &
BROKER_PID=$!
PIDS+=("$BROKER_PID")
BOOTSTRAPS=$(first_line "$OUT/broker.out" "$BROKER_PID")

# --- the daemon -------------------------------------------------------------------------------
PORT=$(free_port)
ADMIN_PORT=$(free_port)
until [ "$ADMIN_PORT" != "$PORT" ]; do ADMIN_PORT=$(free_port); done
CONFIG="$OUT/config.yaml"
{
  echo "http:"
  echo "  listen: \"127.0.0.1:$PORT\""
  # wrk's connections all come from 127.0.0.1: the whole connection cap is theirs.
  echo "  max_connections_per_address: 256"
  echo "admin:"
  echo "  listen: \"127.0.0.1:$ADMIN_PORT\""
  echo "kafka:"
  echo "  brokers: \"$BOOTSTRAPS\""
  if [ ${#KAFKA_PROPERTIES[@]} -gt 0 ]; then
    echo "  properties:"
    for property in "${KAFKA_PROPERTIES[@]}"; do echo "    \"${property%%=*}\": \"${property#*=}\""; done
  fi
  echo "spool:"
  echo "  dir: \"$OUT/spool\""
  echo "log:"
  echo "  level: warn"
} >"$CONFIG"
"$DAEMON" check-config --config "$CONFIG" >"$OUT/effective.yaml" || die "config rejected: $CONFIG"
# The effective values the ceiling server must share.
effective() { awk -v section="$1:" -v key="  $2:" '
  /^[^ #]/ { in_section = ($1 == section) }
  in_section && index($0, key) == 1 { gsub(/["[:space:]]/, "", $2); print $2; exit }
  ' FS=': ' "$OUT/effective.yaml"; }
THREADS=${HTTP_THREADS:-$CEILING_THREADS}
MAX_BODY=$(effective http max_body_bytes)
CALLBACK_PATH=$(effective http path)
DELIVERY_TIMEOUT_MS=$(effective http delivery_timeout_ms)
if [ -z "$MAX_BODY" ] || [ -z "$CALLBACK_PATH" ]; then
  die "cannot read http.max_body_bytes / path from check-config's output"
fi

(cd "$OUT" && exec "$DAEMON" serve --config "$CONFIG") >"$OUT/daemon.log" 2>&1 &
DAEMON_PID=$!
PIDS+=("$DAEMON_PID")
wait_http "http://127.0.0.1:$ADMIN_PORT/healthz" 30 || die "daemon not up; see $OUT/daemon.log"
wait_http "http://127.0.0.1:$ADMIN_PORT/readyz" 30 || die "daemon not ready; see $OUT/daemon.log"
DAEMON_URL="http://127.0.0.1:$PORT$CALLBACK_PATH"

# --- the ceiling: cpp-httplib with the daemon's HTTP settings --------------------------------
# Each setting from the effective config when the daemon has that key, else the ceiling's default.
CEILING_ARGS=(--threads "$THREADS" --max-body "$MAX_BODY" --path "$CALLBACK_PATH")
for pair in keep-alive-max:keep_alive_max_requests keep-alive-timeout-ms:keep_alive_timeout_ms \
  read-timeout-ms:read_timeout_ms; do
  value=$(effective http "${pair#*:}")
  [ -n "$value" ] && CEILING_ARGS+=("--${pair%%:*}" "$value")
done
"$BUILD/bench/jb_ceiling_server" "${CEILING_ARGS[@]}" >"$OUT/ceiling.out" 2>&1 &
CEILING_PID=$!
PIDS+=("$CEILING_PID")
CEILING_URL="http://127.0.0.1:$(first_line "$OUT/ceiling.out" "$CEILING_PID")$CALLBACK_PATH"

# --- nginx: a static answer on the same cores, with the daemon's limits ----------------------
# nginx answers the callback path with `return 200`, which reads and discards the request body
# (ngx_http_send_response discards it before answering) and keeps the connection. Kept off
# /var/log and /run as tests/support/nginx.cpp does: -p, -c and -e, and every path in $OUT.
NGINX_WORKERS=2
if [ "$NGINX" = 1 ] && [ ! -x "$NGINX_BINARY" ]; then
  say "nginx is not installed ($NGINX_BINARY; Debian package nginx-light): no nginx rows"
  NGINX=0
fi
if [ "$NGINX" = 1 ]; then
  NGINX_PORT=$(free_port)
  KEEP_ALIVE_MAX=$(effective http keep_alive_max_requests)
  KEEP_ALIVE_TIMEOUT_MS=$(effective http keep_alive_timeout_ms)
  READ_TIMEOUT_MS=$(effective http read_timeout_ms)
  mkdir -p "$OUT/nginx"
  {
    echo "daemon off;"
    # A master and 2 workers, one per core: nginx's best on 2 cores shared with wrk (64
    # connections: 2 workers answered 100-120k/s, 1 worker or master_process off 80-90k/s, as one
    # worker cannot use the core wrk leaves idle). reuseport gives each worker its own listening
    # socket, the kernel splitting the connections; it measured the same as a shared one.
    echo "master_process on;"
    echo "worker_processes $NGINX_WORKERS;"
    # As root the workers would switch to nobody, who cannot write into $OUT.
    if [ "$(id -u)" = 0 ]; then echo "user root;"; fi
    echo "pid $OUT/nginx/nginx.pid;"
    echo "lock_file $OUT/nginx/nginx.lock;"
    echo "error_log $OUT/nginx/error.log warn;"
    echo "events { worker_connections 1024; }"
    echo "http {"
    echo "  access_log off;"
    for temp in client_body proxy fastcgi uwsgi scgi; do echo "  ${temp}_temp_path $OUT/nginx/$temp;"; done
    echo "  keepalive_requests ${KEEP_ALIVE_MAX:-100};"
    echo "  keepalive_timeout ${KEEP_ALIVE_TIMEOUT_MS:-5000}ms;"
    echo "  client_header_timeout ${READ_TIMEOUT_MS:-5000}ms;"
    echo "  client_body_timeout ${READ_TIMEOUT_MS:-5000}ms;"
    echo "  client_max_body_size $MAX_BODY;"
    # Room for the mix's bodies (1.5 KB at most) should nginx read one rather than discard it.
    echo "  client_body_buffer_size 16k;"
    echo "  server {"
    echo "    listen 127.0.0.1:$NGINX_PORT backlog=1024 reuseport;"
    echo "    location = $CALLBACK_PATH { return 200; }"
    echo "  }"
    echo "}"
  } >"$OUT/nginx/nginx.conf"
  "$NGINX_BINARY" -p "$OUT/nginx/" -c "$OUT/nginx/nginx.conf" -e "$OUT/nginx/error.log" \
    >"$OUT/nginx/stderr.log" 2>&1 &
  NGINX_PID=$!
  PIDS+=("$NGINX_PID")
  NGINX_URL="http://127.0.0.1:$NGINX_PORT$CALLBACK_PATH"
  wait_http "$NGINX_URL" 30 || die "nginx not up; see $OUT/nginx/error.log and stderr.log"
fi

# --- the mix, checked with `jumio-bridge normalize` -------------------------------------------
mkdir -p "$OUT/bodies"
JB_BENCH_DUMP_DIR="$OUT/bodies" wrk -t1 -c1 -d1s -s "$ROOT/bench/callbacks.lua" "$CEILING_URL" \
  -- 0 "$CALLBACK_PATH" "$MIX" >/dev/null
events=0
declare -A dead_letters=()
for body in "$OUT"/bodies/*.form; do
  if "$DAEMON" normalize "$body" >/dev/null 2>"$OUT/normalize.err"; then
    events=$((events + 1))
  else
    reason=$(grep -o '[a-z_]*' "$OUT/normalize.err" | grep -E '^[a-z]+_[a-z_]+$' | head -n1)
    dead_letters[${reason:-unknown}]=$((${dead_letters[${reason:-unknown}]:-0} + 1))
  fi
done
bodies=("$OUT"/bodies/*.form)
mix="mix \"$MIX\" of ${#bodies[@]} bodies: $events events"
for reason in "${!dead_letters[@]}"; do mix+=", ${dead_letters[$reason]} $reason"; done

# --- rows -------------------------------------------------------------------------------------
RUN=0
# Drives URL with CONNS connections for SECONDS; prints wrk's BENCH line.
drive() {
  local url=$1 conns=$2 seconds=$3 threads=$WRK_THREADS
  [ "$threads" -gt "$conns" ] && threads=$conns
  RUN=$((RUN + 1))
  wrk -t"$threads" -c"$conns" -d"${seconds}s" --timeout "${WRK_TIMEOUT}s" \
    -s "$ROOT/bench/callbacks.lua" "$url" -- "$RUN" "$CALLBACK_PATH" "$MIX" >"$OUT/wrk.$RUN.txt" 2>&1 || true
  grep '^BENCH ' "$OUT/wrk.$RUN.txt" || die "wrk failed; see $OUT/wrk.$RUN.txt"
}
metric() { curl -fsS --max-time 5 "http://127.0.0.1:$ADMIN_PORT/metrics" | awk -v name="$1" '$1 == name { print $2 }'; }
field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$2"; }

declare -A RATE=()
# Per connection count, space-separated over the rounds: ceiling, nginx and daemon cb/s, the
# daemon's share of the ceiling and of nginx of its round, the daemon's p99 (ms) and CPU ms per
# 1,000 callbacks.
declare -A CEILING_RATES=() NGINX_RATES=() DAEMON_RATES=() SHARES=() NGINX_SHARES=() DAEMON_P99=()
declare -A DAEMON_CPU=()
FORMAT="%-8s %5s %10s %8s %8s %8s %7s %7s %7s %8s %8s %9s %9s %6s %7s %6s\n"
# shellcheck disable=SC2059 # one format for the header and the rows
HEADER=$(printf "$FORMAT" server conns "cb/s" "p50 ms" "p99 ms" "p99.9ms" non2xx sockerr timeout \
  "RSS MiB" "cpu/1k" "rdk cpu/1k" "brk cpu/1k" "cs/1k" "ceiling" "nginx")
# One row: warm-up, then a measured run with CPU of the server (all its processes) and the broker
# read around it.
row() {
  local label=$1 url=$2 pid=$3 conns=$4 warmup=${5:-$WARMUP} seconds=${6:-$DURATION}
  local line before after broker_before broker_after kafka_before kafka_after switches_before
  local switches_after
  [ "$warmup" -gt 0 ] && drive "$url" "$conns" "$warmup" >/dev/null
  before=$(family_cpu_ticks "$pid")
  kafka_before=$(kafka_ticks "$pid")
  broker_before=$(cpu_ticks "$BROKER_PID")
  switches_before=$(family_context_switches "$pid")
  line=$(drive "$url" "$conns" "$seconds")
  after=$(family_cpu_ticks "$pid")
  kafka_after=$(kafka_ticks "$pid")
  broker_after=$(cpu_ticks "$BROKER_PID")
  switches_after=$(family_context_switches "$pid")
  local requests duration rate socket ratio="" nginx_ratio=""
  requests=$(field requests "$line")
  duration=$(field duration_us "$line")
  rate=$(awk -v n="$requests" -v d="$duration" 'BEGIN { printf "%.0f", (d > 0) ? n * 1e6 / d : 0 }')
  RATE[$label.$conns]=$rate
  socket=$(($(field errors_connect "$line") + $(field errors_read "$line") + $(field errors_write "$line")))
  case "$label" in
    ceiling) CEILING_RATES[$conns]+="$rate " ;;
    nginx) NGINX_RATES[$conns]+="$rate " ;;
    daemon)
      DAEMON_RATES[$conns]+="$rate "
      DAEMON_P99[$conns]+="$(awk -v p="$(field p99_us "$line")" 'BEGIN { printf "%.1f", p / 1000 }') "
      DAEMON_CPU[$conns]+="$(awk -v n="$requests" -v cpu=$((after - before)) -v tck="$CLK_TCK" \
        'BEGIN { printf "%.1f", (n > 0) ? cpu / tck * 1e6 / n : 0 }') "
      if [ -n "${RATE[ceiling.$conns]:-}" ]; then
        ratio=$(awk -v a="$rate" -v b="${RATE[ceiling.$conns]}" \
          'BEGIN { printf "%.0f%%", (b > 0) ? 100 * a / b : 0 }')
        SHARES[$conns]+="${ratio%\%} "
      fi
      if [ -n "${RATE[nginx.$conns]:-}" ]; then
        nginx_ratio=$(awk -v a="$rate" -v b="${RATE[nginx.$conns]}" \
          'BEGIN { printf "%.0f%%", (b > 0) ? 100 * a / b : 0 }')
        NGINX_SHARES[$conns]+="$(awk -v a="$rate" -v b="${RATE[nginx.$conns]}" \
          'BEGIN { printf "%.3f", (b > 0) ? a / b : 0 }') "
      fi ;;
    outage) [ -n "${RATE[daemon.$conns]:-}" ] && ratio=$(awk -v a="$rate" \
      -v b="${RATE[daemon.$conns]}" 'BEGIN { printf "%.0f%%*", (b > 0) ? 100 * a / b : 0 }') ;;
  esac
  awk -v n="$requests" -v rate="$rate" -v p50="$(field p50_us "$line")" \
    -v p99="$(field p99_us "$line")" -v p999="$(field p999_us "$line")" \
    -v status="$(field errors_status "$line")" -v socket="$socket" \
    -v timeout="$(field errors_timeout "$line")" -v rss="$(peak_rss_kib "$pid")" \
    -v cpu=$((after - before)) -v bcpu=$((broker_after - broker_before)) -v tck="$CLK_TCK" \
    -v kcpu=$((kafka_after - kafka_before)) -v switches=$((switches_after - switches_before)) \
    -v label="$label" -v conns="$conns" -v ratio="$ratio" -v nginx_ratio="$nginx_ratio" \
    -v format="$FORMAT" 'BEGIN {
      k = (n > 0) ? 1000 / n : 0
      printf format, label, conns, rate, p50 / 1000, p99 / 1000, p999 / 1000, status, socket,
        timeout, sprintf("%.1f", rss / 1024), sprintf("%.3f", cpu / tck * k),
        (label == "ceiling" || label == "nginx") ? "-" : sprintf("%.3f", kcpu / tck * k),
        sprintf("%.3f", bcpu / tck * k), sprintf("%.0f", switches * k), ratio, nginx_ratio
    }'
}

cat <<EOF
jumio-bridge benchmark, $(date -u +%Y-%m-%dT%H:%MZ)
machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), \
$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r)
daemon: $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown), ceiling threads $THREADS, \
delivery timeout ${DELIVERY_TIMEOUT_MS} ms; mock cluster: $BROKERS brokers, $PARTITIONS partitions/topic
ceiling: jb_ceiling_server ${CEILING_ARGS[*]}
load: wrk, ${WRK_THREADS} threads, ${WARMUP}s warm-up + ${DURATION}s per row, timeout ${WRK_TIMEOUT}s; $mix

EOF
echo "$HEADER"
# The daemon's first callbacks to each topic wait for its metadata: measured once, apart.
row cold "$DAEMON_URL" "$DAEMON_PID" 64 0 "$PRIME"
for conns in $CONNS; do
  for ((round = 1; round <= REPEAT; round++)); do
    row ceiling "$CEILING_URL" "$CEILING_PID" "$conns"
    if [ "$NGINX" = 1 ]; then row nginx "$NGINX_URL" "$NGINX_PID" "$conns"; fi
    row daemon "$DAEMON_URL" "$DAEMON_PID" "$conns"
  done
done
# The middle value of the numbers given (the mean of the two middle ones for an even count).
median() {
  tr ' ' '\n' | grep -v '^$' | sort -g |
    awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2];
                             else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
if [ "$REPEAT" -gt 1 ]; then
  echo
  echo "medians of $REPEAT alternating rounds (the machine's speed drifts between rows):"
  for conns in $CONNS; do
    printf "  %3s conns: ceiling %s cb/s, nginx %s cb/s, daemon %s cb/s, daemon p99 %s ms, daemon/ceiling %s%% (rounds: %s)\n" \
      "$conns" "$(median <<<"${CEILING_RATES[$conns]}")" "$(median <<<"${NGINX_RATES[$conns]:-}")" \
      "$(median <<<"${DAEMON_RATES[$conns]}")" \
      "$(median <<<"${DAEMON_P99[$conns]}")" "$(median <<<"${SHARES[$conns]}")" \
      "$(sed 's/ *$//; s/ /%, /g; s/$/%/' <<<"${SHARES[$conns]}")"
  done
fi

if [ "$OUTAGE" = 1 ]; then
  kill -USR1 "$BROKER_PID"
  sleep 1
  row outage "$DAEMON_URL" "$DAEMON_PID" "$OUTAGE_CONNS"
  kill -USR2 "$BROKER_PID"
  SECONDS=0
  spooled=$(metric jumio_bridge_spool_records)
  if [ -z "$spooled" ]; then
    recovered="the daemon exports no jumio_bridge_spool_records"
  else
    while [ "$(metric jumio_bridge_spool_records)" != 0 ] && [ "$SECONDS" -lt 120 ]; do sleep 0.5; done
    left=$(metric jumio_bridge_spool_records)
    recovered="$spooled records spooled; $([ "$left" = 0 ] && echo "drained" ||
      echo "$left still spooled") ${SECONDS}s after the brokers came back"
  fi
fi

cat <<EOF

cb/s: 2xx and non-2xx answers per second; latencies from wrk (per answered request);
non2xx: answers >= 400; sockerr: connect/read/write errors; timeout: no answer within ${WRK_TIMEOUT}s;
RSS MiB: peak resident set (VmHWM) of that server since it started; cpu/1k: its CPU seconds
(user+system) per 1,000 requests; rdk cpu/1k: the part of cpu/1k in the daemon's librdkafka threads;
brk cpu/1k: the mock cluster's; cs/1k: context switches of all its threads per 1,000 requests;
ceiling: daemon cb/s / ceiling cb/s; nginx: daemon cb/s / nginx cb/s.
cold: the daemon's first ${PRIME}s after start, no warm-up (a topic's first record waits for metadata).
EOF
if [ "$NGINX" = 1 ]; then
  echo "nginx rows: $NGINX_BINARY, $NGINX_WORKERS workers, \"return 200\" (the body read and discarded),"
  echo "the daemon's body and keep-alive limits; their cpu/1k, cs/1k and RSS MiB sum the master and"
  echo "the workers."
fi
[ "$OUTAGE" = 1 ] && echo "outage: every mock broker down (the daemon on its spool path); * = of the" \
  "daemon's cb/s at $OUTAGE_CONNS connections with Kafka up; $recovered."

# The daemon's figures against its targets (set at 64 connections), medians over the rounds.
echo
echo "figures$([ "$REPEAT" -gt 1 ] && echo ", medians of $REPEAT rounds") (targets at 64 connections):"
for conns in $CONNS; do
  cpu_target="" share_target="" p99_target=""
  if [ "$conns" = 64 ]; then
    cpu_target=" (target <= 18)" share_target=" (target >= 0.5)" p99_target=" (target < 5)"
  fi
  share="- (no nginx rows)"
  [ "$NGINX" = 1 ] && share=$(median <<<"${NGINX_SHARES[$conns]:-}" | awk '{ printf "%.2f", $1 }')
  printf "  %3s conns: daemon CPU per 1k callbacks: %s ms%s\n" "$conns" \
    "$(median <<<"${DAEMON_CPU[$conns]}")" "$cpu_target"
  printf "  %3s conns: daemon / nginx static answer: %s%s, daemon p99 %s ms%s\n" "$conns" "$share" \
    "$share_target" "$(median <<<"${DAEMON_P99[$conns]}")" "$p99_target"
done

curl -fsS "http://127.0.0.1:$ADMIN_PORT/metrics" >"$OUT/metrics.txt" 2>/dev/null || true
echo "daemon log, metrics and wrk output: $OUT; the run took $(($(date +%s) - STARTED)) s"

[ "$PROFILE" = 1 ] || exit 0

# --- profile: perf sampling (cpu-clock, no hardware counters needed), else callgrind ----------
PROFILE_CONNS=64
# perf's table without comments, padding and the tails of long C++ names.
perf_table() { grep -v -e '^#' -e '^$' | sed -e 's/[ -]*$//' -e 's/  \+/  /g' | cut -c1-150 | head -n 40; }
echo
if perf record -q -e cpu-clock -o "$OUT/perf.check" -- true >/dev/null 2>&1; then
  echo "profile: perf record -e cpu-clock -F 199 --call-graph dwarf, daemon under ${DURATION}s" \
    "of load at $PROFILE_CONNS connections ($OUT/perf.data)"
  drive "$DAEMON_URL" "$PROFILE_CONNS" $((DURATION + 2)) >/dev/null &
  LOAD_PID=$!
  sleep 1
  perf record -q -e cpu-clock -F 199 --call-graph dwarf,8192 -p "$DAEMON_PID" \
    -o "$OUT/perf.data" -- sleep "$DURATION" >/dev/null 2>&1
  wait "$LOAD_PID" || true
  echo "top symbols by own time (self %, shared object, symbol):"
  perf report -i "$OUT/perf.data" --no-children --sort dso,symbol -g none --percent-limit 0.7 \
    --stdio 2>/dev/null | perf_table
  echo
  echo "top symbols including callees (children %, self %):"
  perf report -i "$OUT/perf.data" --children --sort symbol -g none --percent-limit 4 \
    --stdio 2>/dev/null | perf_table
else
  command -v valgrind >/dev/null || die "neither perf nor valgrind can profile here"
  echo "profile: perf cannot sample here; callgrind on a second daemon, 8 connections for" \
    "${DURATION}s ($OUT/callgrind.out)"
  PROFILE_PORT=$(free_port)
  PROFILE_ADMIN_PORT=$(free_port)
  sed -e "s/127.0.0.1:$PORT/127.0.0.1:$PROFILE_PORT/" \
    -e "s/127.0.0.1:$ADMIN_PORT/127.0.0.1:$PROFILE_ADMIN_PORT/" -e "s#$OUT/spool#$OUT/spool-profile#" \
    -e 's/level: warn/level: error/' "$CONFIG" >"$OUT/config-profile.yaml"
  (cd "$OUT" && exec valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.out" \
    "$DAEMON" serve --config "$OUT/config-profile.yaml") >"$OUT/callgrind.log" 2>&1 &
  PROFILED_PID=$!
  PIDS+=("$PROFILED_PID")
  wait_http "http://127.0.0.1:$PROFILE_ADMIN_PORT/readyz" 120 || die "profiled daemon not ready"
  drive "http://127.0.0.1:$PROFILE_PORT$CALLBACK_PATH" 8 "$DURATION" >/dev/null
  kill -TERM "$PROFILED_PID"
  wait "$PROFILED_PID" || true
  callgrind_annotate --inclusive=no "$OUT/callgrind.out" 2>/dev/null | sed -n '/^Ir/,$p' | head -n 40
fi
