#!/usr/bin/env bash
# The reconcile benchmark: runs a given `jumio-bridge reconcile` binary against a librdkafka mock
# cluster (bench/mock_broker.cpp) holding N expected records (bench/reconcile_load.cpp) and a
# Retrieval API that answers PENDING to everything (bench/pending_api.cpp), and reads the
# process's CPU (/proc/PID/stat), RSS (/proc/PID/status) and /metrics. Prints, per size: the time
# and CPU to load the references, idle CPU once loaded, RSS per reference held; and the CPU per
# ask with 10k and 100k references due. See bench/README.md ("Reconcile").

# One printf format for each table's header and rows.
# shellcheck disable=SC2059
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BINARY=""
TOOLS="$ROOT/build-bench/bench"
BUILD_TOOLS=1
SIZES="100000 1000000"
DUE_SIZES="10000 100000"
SETTLE_EVERY=4
PARTITIONS=64
OTHER_PARTITIONS=1
LOAD_TIMEOUT=900
STALL=120
IDLE=30
ASK=20
DUE_AFTER=120
RATE=1000
OUT=""

usage() {
  cat <<EOF
usage: bench/reconcile.sh --binary PATH [options]
  --binary PATH        the jumio-bridge binary to measure (required)
  --sizes "LIST"       references held, for load time, idle CPU and RSS (default "$SIZES")
  --due "LIST"         references due at once, for CPU per ask (default "$DUE_SIZES"; "" = skip)
  --settle-every K     every K-th held reference also gets a callback's event, so it is settled
                       (default $SETTLE_EVERY; 0 = all pending)
  --partitions N       partitions of the expected topic and of jumio.netverify.approved_verified
                       (default $PARTITIONS: the mock cluster keeps about 5 MiB per partition)
  --other-partitions N partitions of the other event topics, dead-letter and state topics
                       (default $OTHER_PARTITIONS)
  --load-timeout S     give up loading after S seconds (default $LOAD_TIMEOUT)
  --idle S             seconds of idle CPU measured once loaded (default $IDLE)
  --ask S              seconds of asking measured (default $ASK; cut short once half of the
                       references due were asked)
  --due-after S        the references due fall due S s after they were written: time for
                       reconcile to read them first (default $DUE_AFTER)
  --rate N             retrieval.max_requests_per_second (default $RATE)
  --tools DIR          where jb_mock_broker, jb_reconcile_load, jb_pending_api are (default
                       build-bench/bench; built there when missing)
  --skip-build         do not build missing tools
  --out DIR            logs, configs and metrics (default a new directory under /tmp)
EOF
}

while [ $# -gt 0 ]; do
  case "$1" in
    --binary) BINARY=$(realpath "$2"); shift ;;
    --sizes) SIZES=$2; shift ;;
    --due) DUE_SIZES=$2; shift ;;
    --settle-every) SETTLE_EVERY=$2; shift ;;
    --partitions) PARTITIONS=$2; shift ;;
    --other-partitions) OTHER_PARTITIONS=$2; shift ;;
    --load-timeout) LOAD_TIMEOUT=$2; shift ;;
    --idle) IDLE=$2; shift ;;
    --ask) ASK=$2; shift ;;
    --rate) RATE=$2; shift ;;
    --due-after) DUE_AFTER=$2; shift ;;
    --tools) TOOLS=$(realpath -m "$2"); shift ;;
    --skip-build) BUILD_TOOLS=0 ;;
    --out) OUT=$(realpath -m "$2"); shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
  shift
done

STARTED=$(date +%s)
# shellcheck source=bench/common.sh
source "$ROOT/bench/common.sh"

[ -n "$BINARY" ] || { usage >&2; exit 2; }
[ -x "$BINARY" ] || die "not an executable: $BINARY"
"$BINARY" reconcile --help >/dev/null 2>&1 || die "$BINARY has no reconcile command"
ensure_tools
[ -n "$OUT" ] || OUT=$(mktemp -d /tmp/reconcile-bench.XXXXXX)
mkdir -p "$OUT"

trap cleanup EXIT
trap 'exit 130' INT TERM

# Reads reconcile's /metrics into M_EXPECTED, M_ASKS, M_REQUESTS, M_CAUGHT_UP ("" when absent).
scrape() {
  local text
  text=$(curl -fsS --max-time 10 "http://127.0.0.1:$ADMIN_PORT/metrics" 2>/dev/null) || text=""
  value() { awk -v name="$1" '$1 == name { printf "%.0f\n", $2; exit }' <<<"$text"; }
  M_EXPECTED=$(value jumio_bridge_reconcile_expected_total)
  M_ASKS=$(value jumio_bridge_reconcile_asks_total)
  M_REQUESTS=$(value jumio_bridge_reconcile_api_requests_total)
  M_CAUGHT_UP=$(value jumio_bridge_reconcile_caught_up)
}

EXPECTED_TOPIC=bench.expected
SETTLING_TOPIC=jumio.netverify.approved_verified

# Starts a mock cluster (one broker) with every topic reconcile reads; sets BROKERS.
start_broker() {
  local label=$1 topics=("$EXPECTED_TOPIC:$PARTITIONS" jumio.deadletter jumio.reconcile.state)
  for topic in "${EVENT_TOPICS[@]}"; do
    if [ "$topic" = "$SETTLING_TOPIC" ]; then
      topics+=("$topic:$PARTITIONS")
    else
      topics+=("$topic")
    fi
  done
  "$TOOLS/jb_mock_broker" --brokers 1 --partitions "$OTHER_PARTITIONS" "${topics[@]}" \
    >"$OUT/$label.broker.out" 2>"$OUT/$label.broker.err" &
  BROKER_PID=$!
  PIDS+=("$BROKER_PID")
  BROKERS=$(first_line "$OUT/$label.broker.out" "$BROKER_PID")
  [ -n "$BROKERS" ] || die "the mock cluster did not start; see $OUT/$label.broker.err"
}

# Writes COUNT expected records initiated AGO seconds back, every SETTLE-th with an event.
load_records() {
  local label=$1 count=$2 ago=$3 settle=$4 started
  [ "$count" -gt 0 ] || return 0
  started=$(now)
  local args=(--brokers "$BROKERS" --topic "$EXPECTED_TOPIC" --count "$count")
  args+=(--initiated-ago "$ago")
  [ "$settle" -gt 0 ] && args+=(--event-topic "$SETTLING_TOPIC" --settle-every "$settle")
  "$TOOLS/jb_reconcile_load" "${args[@]}" >"$OUT/$label.load.out" 2>&1 ||
    die "loading failed; see $OUT/$label.load.out"
  say "  $label: $(cat "$OUT/$label.load.out") in $(calc %.1f "$(now) - $started") s"
}

# Starts the Retrieval API and reconcile with GRACE_S and SCHEDULE; sets RECONCILE_PID and
# ADMIN_PORT, RECONCILE_T0 and RECONCILE_CPU0 (ticks, at start: 0).
start_reconcile() {
  local label=$1 grace=$2 api_port
  "$TOOLS/jb_pending_api" >"$OUT/$label.api.out" 2>&1 &
  API_PID=$!
  PIDS+=("$API_PID")
  api_port=$(first_line "$OUT/$label.api.out" "$API_PID")
  [ -n "$api_port" ] || die "the Retrieval API did not start; see $OUT/$label.api.out"
  ADMIN_PORT=$(free_port)
  local config="$OUT/$label.config.yaml"
  cat >"$config" <<EOF
kafka:
  brokers: "$BROKERS"
log:
  level: info
retrieval:
  base_url: "http://127.0.0.1:$api_port/api/netverify/v2"
  auth: basic  # jb_pending_api has no token endpoint
  user_agent: "jumio-bridge reconcile benchmark/1.0"
  max_requests_per_second: $RATE
reconcile:
  expected_topic: "$EXPECTED_TOPIC"
  group: "bench-reconcile-$label"
  grace_s: $grace
  schedule_s: [1, 86400]
  daily_for_days: 0
  admin_listen: "127.0.0.1:$ADMIN_PORT"
EOF
  RECONCILE_T0=$(now)
  JUMIO_BRIDGE_RETRIEVAL_API_TOKEN=bench-token JUMIO_BRIDGE_RETRIEVAL_API_SECRET=bench-secret \
    "$BINARY" reconcile --config "$config" >"$OUT/$label.reconcile.log" 2>&1 &
  RECONCILE_PID=$!
  PIDS+=("$RECONCILE_PID")
}

stop_run() { cleanup; }

# Waits until reconcile read COUNT expected references and is caught up, up to LOAD_TIMEOUT s.
# Sets LOADED (1/0), LOAD_WALL, LOAD_FROM_FIRST (wall from the first reference read), LOAD_CPU (s),
# PROGRESS (references read).
wait_loaded() {
  local count=$1 first="" last_change last_value=-1 t
  LOADED=0
  PROGRESS=0
  last_change=$(now)
  while :; do
    kill -0 "$RECONCILE_PID" 2>/dev/null || die "reconcile exited; see $OUT"
    scrape
    t=$(now)
    PROGRESS=${M_EXPECTED:-$PROGRESS}  # the last figure read when /metrics did not answer
    [ -z "$first" ] && [ "$PROGRESS" -gt 0 ] && first=$t
    if [ "$PROGRESS" != "$last_value" ]; then last_value=$PROGRESS; last_change=$t; fi
    if [ "$PROGRESS" -ge "$count" ] && [ "${M_CAUGHT_UP:-0}" = 1 ]; then LOADED=1; break; fi
    if [ "$(calc %d "$t - $RECONCILE_T0")" -ge "$LOAD_TIMEOUT" ]; then break; fi
    if [ "$PROGRESS" -gt 0 ] && [ "$(calc %d "$t - $last_change")" -ge "$STALL" ]; then
      say "  no progress for ${STALL}s at $PROGRESS of $count (did the mock cluster drop records?" \
        "try more --partitions)"
      break
    fi
    sleep 1
  done
  LOAD_CPU=$(calc %.2f "$(cpu_ticks "$RECONCILE_PID") / $CLK_TCK")
  LOAD_WALL=$(calc %.1f "$t - $RECONCILE_T0")
  LOAD_FROM_FIRST=$([ -n "$first" ] && calc %.1f "$t - $first" || echo -)
}

save_metrics() {
  curl -fsS --max-time 10 "http://127.0.0.1:$ADMIN_PORT/metrics" >"$1" 2>/dev/null || true
}

# CPU % of one core over SECONDS, no /metrics read meanwhile: sets IDLE_ALL and IDLE_RDK (its
# librdkafka threads).
idle_cpu() {
  local seconds=$1 before after rdk_before rdk_after t0 t1
  before=$(cpu_ticks "$RECONCILE_PID")
  rdk_before=$(kafka_ticks "$RECONCILE_PID")
  t0=$(now)
  sleep "$seconds"
  after=$(cpu_ticks "$RECONCILE_PID")
  rdk_after=$(kafka_ticks "$RECONCILE_PID")
  t1=$(now)
  IDLE_ALL=$(calc %.2f "100 * ($after - $before) / $CLK_TCK / ($t1 - $t0)")
  IDLE_RDK=$(calc %.2f "100 * ($rdk_after - $rdk_before) / $CLK_TCK / ($t1 - $t0)")
}

# --- held references: load time, idle CPU, RSS ---------------------------------------------------
declare -A ROW=()
RSS0=""
HELD_FORMAT="%9s %8s %8s %8s %8s %8s %9s %9s %8s %8s %7s %6s"
measure_held() {
  local n=$1 label="held-$1" settled=0
  [ "$SETTLE_EVERY" -gt 0 ] && [ "$n" -gt 0 ] && settled=$(((n + SETTLE_EVERY - 1) / SETTLE_EVERY))
  say "held $n references ($settled settled by a callback's event), load average $(load1)"
  start_broker "$label"
  load_records "$label" "$n" 0 "$SETTLE_EVERY"
  # Nothing is due: initiatedAt now, a day's grace.
  start_reconcile "$label" 86400
  wait_loaded "$n"
  local idle="-" rdk="-" rss rss_per="-"
  if [ "$LOADED" = 1 ]; then
    # Settle (the group's join when nothing is read, librdkafka's start-up), then measure.
    if [ "$n" = 0 ]; then
      for _ in $(seq 60); do grep -q 'assigned' "$OUT/$label.reconcile.log" && break; sleep 1; done
    fi
    sleep 5
    idle_cpu "$IDLE"
    idle=$IDLE_ALL rdk=$IDLE_RDK
    rss=$(rss_kib "$RECONCILE_PID")
    [ "$n" = 0 ] && RSS0=$rss
    [ "$n" -gt 0 ] && [ -n "$RSS0" ] && rss_per=$(calc %.0f "($rss - $RSS0) * 1024 / $n")
    if [ "$n" -gt 0 ]; then
      ROW[$n]=$(printf "$HELD_FORMAT" "$n" "$settled" "$LOAD_WALL" "$LOAD_FROM_FIRST" \
        "$(calc %.1f "$LOAD_WALL * 100000 / $n")" "$LOAD_CPU" \
        "$(calc %.2f "$LOAD_CPU * 100000 / $n")" "$idle" "$rdk" "$(calc %.1f "$rss / 1024")" \
        "$rss_per" "$(load1)")
    else
      ROW[$n]=$(printf "$HELD_FORMAT" "$n" "$settled" "$LOAD_WALL" - - "$LOAD_CPU" - "$idle" \
        "$rdk" "$(calc %.1f "$rss / 1024")" - "$(load1)")
    fi
    RSS_OF[$n]=$rss
  else
    ROW[$n]=$(printf "%9s %8s did not finish in %s s: %s of %s references read, %s s CPU; %s" \
      "$n" "$settled" "$LOAD_WALL" "$PROGRESS" "$n" "$LOAD_CPU" \
      "RSS $(calc %.1f "$(rss_kib "$RECONCILE_PID") / 1024") MiB")
  fi
  say "  ${ROW[$n]}"
  scrape
  save_metrics "$OUT/$label.metrics.txt"
  stop_run
}

# --- references due: CPU per ask --------------------------------------------------------------
declare -A ASK_ROW=()
ASK_FORMAT="%9s %8s %8s %8s %10s %10s %6s %7s %6s"
measure_due() {
  local d=$1 label="due-$1"
  say "due $d references, load average $(load1)"
  start_broker "$label"
  # Due together, DUE_AFTER s after they are written (initiatedAt now, that grace, the first ask
  # 1 s after it): reconcile reads them all first, then asks.
  load_records "$label" "$d" 0 0
  local due_at
  due_at=$(calc %.1f "$(now) + $DUE_AFTER + 1")
  start_reconcile "$label" "$DUE_AFTER"
  wait_loaded "$d"
  if [ "$LOADED" != 1 ]; then
    ASK_ROW[$d]=$(printf "%9s did not load in %s s: %s of %s references read" "$d" "$LOAD_WALL" \
      "$PROGRESS" "$d")
    say "  ${ASK_ROW[$d]}"
    stop_run
    return
  fi
  scrape
  local early=${M_ASKS:-0} wait_s
  wait_s=$(calc %.1f "$due_at + 1 - $(now)")
  [ "$(calc %d "($wait_s > 0)")" = 1 ] && sleep "$wait_s"
  scrape
  local asks0=${M_ASKS:-0} requests0=${M_REQUESTS:-0} ticks0 t0 t asks requests ticks
  ticks0=$(cpu_ticks "$RECONCILE_PID")
  t0=$(now)
  while :; do
    sleep 2
    scrape
    t=$(now)
    asks=${M_ASKS:-0}
    [ "$(calc %d "$t - $t0")" -ge "$ASK" ] && break
    [ $((asks - asks0)) -ge $((d / 2)) ] && break
  done
  ticks=$(cpu_ticks "$RECONCILE_PID")
  requests=${M_REQUESTS:-0}
  local da=$((asks - asks0)) dr=$((requests - requests0)) cpu seconds
  cpu=$(calc %.4f "($ticks - $ticks0) / $CLK_TCK")
  seconds=$(calc %.1f "$t - $t0")
  ASK_ROW[$d]=$(printf "$ASK_FORMAT" "$d" "$seconds" "$da" \
    "$(calc %.0f "$da / $seconds")" \
    "$([ "$da" -gt 0 ] && calc %.3f "1000 * $cpu / $da" || echo -)" \
    "$([ "$dr" -gt 0 ] && calc %.3f "1000 * $cpu / $dr" || echo -)" \
    "$(calc %.0f "100 * $cpu / $seconds")" "$early" "$(load1)")
  say "  ${ASK_ROW[$d]}"
  save_metrics "$OUT/$label.metrics.txt"
  stop_run
}

declare -A RSS_OF=()
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
for n in 0 $SIZES; do measure_held "$n"; done
for d in $DUE_SIZES; do measure_due "$d"; done

cat <<EOF
reconcile benchmark, $(date -u +%Y-%m-%dT%H:%MZ), the run took $(($(date +%s) - STARTED)) s
binary: $BINARY ($(stat -c %y "$BINARY" | cut -d. -f1))
machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), \
$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); load average at start \
$LOAD_AT_START, at end $(cut -d' ' -f1-3 /proc/loadavg)
mock cluster: 1 broker, $EXPECTED_TOPIC and $SETTLING_TOPIC $PARTITIONS partitions, other topics \
$OTHER_PARTITIONS; Retrieval API answers PENDING at once; max_requests_per_second $RATE

held references (initiatedAt now, grace_s 86400: none due); every $SETTLE_EVERY-th settled by
an event
EOF
printf "$HELD_FORMAT\n" refs settled "load s" "from 1st" "s/100k" "cpu s" "cpu/100k" "idle %cpu" \
  "of it rdk" "RSS MiB" "B/ref" load1
for n in 0 $SIZES; do echo "${ROW[$n]}"; done
read -r -a sizes <<<"$SIZES"
if [ ${#sizes[@]} -ge 2 ]; then
  a=${sizes[-2]} b=${sizes[-1]}
  if [ -n "${RSS_OF[$a]:-}" ] && [ -n "${RSS_OF[$b]:-}" ]; then
    echo "RSS per reference between $a and $b held:" \
      "$(calc %.0f "(${RSS_OF[$b]} - ${RSS_OF[$a]}) * 1024 / ($b - $a)") B"
  fi
fi
if [ -n "$DUE_SIZES" ]; then
  cat <<EOF

references due at once (grace_s $DUE_AFTER, first ask 1 s after it: all due ${DUE_AFTER} s after
they were written; every answer PENDING)
EOF
  printf "$ASK_FORMAT\n" due "window s" asks "asks/s" "cpu ms/ask" "ms/request" "%cpu" early load1
  for d in $DUE_SIZES; do echo "${ASK_ROW[$d]}"; done
fi
cat <<EOF

load s: process start to every reference read and the settled topics read to their ends
(jumio_bridge_reconcile_expected_total = refs, _caught_up = 1; /metrics read every second
meanwhile); from 1st: from the first reference read; s/100k: load s per 100k; cpu s, cpu/100k:
its CPU (user+system, all threads) in all and per 100k references. idle %cpu: % of one core over
${IDLE} s once loaded, /metrics not read; of it rdk: in librdkafka's threads. RSS: VmRSS once
loaded; B/ref: (RSS - RSS with 0 references) / refs.
cpu ms/ask: CPU per ask (jumio_bridge_reconcile_asks_total) over the window, which ends after
${ASK} s or once half the references due were asked; ms/request: per Retrieval API request;
early: asks made before the window (while reading, when loading took longer than --due-after).
logs, configs and metrics: $OUT
EOF
