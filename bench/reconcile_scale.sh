#!/usr/bin/env bash
# Reconcile scaled out: 1 and 4 `jumio-bridge reconcile` instances in one consumer group, against a
# librdkafka mock cluster (bench/mock_broker.cpp) holding N expected records (every 4th settled by
# a callback's event, bench/reconcile_load.cpp), none due. For each run it waits until the group
# settled (every instance assigned and caught up, the instances' references adding up to N), then
# reads each instance's /metrics, RSS and CPU: what each holds and reads, what loading cost, and
# idle CPU. A "fallback" run gives the settled topics another partition count than the expected
# topic's, so each instance reads them whole. See bench/README.md ("Reconcile", "Scaling").

# One printf format for each table's header and rows.
# shellcheck disable=SC2059
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BINARY=""
TOOLS="$ROOT/build-bench/bench"
BUILD_TOOLS=1
REFS=400000
SETTLE_EVERY=4
PARTITIONS=16
FALLBACK_PARTITIONS=8
RUNS="matched:1 matched:4 fallback:4"
TIMEOUT=240
IDLE=30
SESSION_TIMEOUT_MS=10000
HEARTBEAT_MS=1000
OUT=""

usage() {
  cat <<EOF
usage: bench/reconcile_scale.sh --binary PATH [options]
  --binary PATH         the jumio-bridge binary to measure (required)
  --refs N              expected references, none due (default $REFS)
  --settle-every K      every K-th reference also gets a callback's event (default $SETTLE_EVERY)
  --partitions N        partitions of the expected topic, and of every settled topic in a
                        "matched" run (default $PARTITIONS; the mock cluster keeps about 5 MiB
                        per partition)
  --fallback-partitions N
                        partitions of every settled topic in a "fallback" run (default
                        $FALLBACK_PARTITIONS; must differ from --partitions)
  --runs "LIST"         runs, each matched:INSTANCES or fallback:INSTANCES, in order (default
                        "$RUNS")
  --timeout S           give up waiting for a run's group to settle after S s (default $TIMEOUT)
  --idle S              seconds of idle CPU measured once settled (default $IDLE)
  --session-timeout-ms MS
                        kafka.properties session.timeout.ms (default $SESSION_TIMEOUT_MS; the mock
                        cluster waits about this long for members when a group rebalances)
  --tools DIR           where jb_mock_broker, jb_reconcile_load, jb_pending_api are (default
                        build-bench/bench; built there when missing)
  --skip-build          do not build missing tools
  --out DIR             logs, configs and metrics (default a new directory under /tmp)
EOF
}

while [ $# -gt 0 ]; do
  case "$1" in
    --binary) BINARY=$(realpath "$2"); shift ;;
    --refs) REFS=$2; shift ;;
    --settle-every) SETTLE_EVERY=$2; shift ;;
    --partitions) PARTITIONS=$2; shift ;;
    --fallback-partitions) FALLBACK_PARTITIONS=$2; shift ;;
    --runs) RUNS=$2; shift ;;
    --timeout) TIMEOUT=$2; shift ;;
    --idle) IDLE=$2; shift ;;
    --session-timeout-ms) SESSION_TIMEOUT_MS=$2; shift ;;
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
[ "$FALLBACK_PARTITIONS" != "$PARTITIONS" ] || die "--fallback-partitions must differ from --partitions"
for run in $RUNS; do
  [[ "$run" =~ ^(matched|fallback):[1-9][0-9]*$ ]] || die "not a run: $run (matched:N or fallback:N)"
done
ensure_tools
[ -n "$OUT" ] || OUT=$(mktemp -d /tmp/reconcile-scale.XXXXXX)
mkdir -p "$OUT"

trap cleanup EXIT
trap 'exit 130' INT TERM

EXPECTED_TOPIC=bench.expected
SETTLING_TOPIC=jumio.netverify.approved_verified
SETTLED_TOPICS=("${EVENT_TOPICS[@]}" jumio.deadletter jumio.reconcile.state)

# Starts a mock cluster (one broker): the expected topic with PARTITIONS partitions, every settled
# topic with SETTLED_PARTITIONS. Sets BROKERS and BROKER_PID.
start_broker() {
  local label=$1 settled_partitions=$2
  "$TOOLS/jb_mock_broker" --brokers 1 --partitions "$settled_partitions" \
    "$EXPECTED_TOPIC:$PARTITIONS" "${SETTLED_TOPICS[@]}" \
    >"$OUT/$label.broker.out" 2>"$OUT/$label.broker.err" &
  BROKER_PID=$!
  PIDS+=("$BROKER_PID")
  BROKERS=$(first_line "$OUT/$label.broker.out" "$BROKER_PID")
  [ -n "$BROKERS" ] || die "the mock cluster did not start; see $OUT/$label.broker.err"
}

# Writes REFS expected records initiated now, every SETTLE_EVERY-th with a callback's event.
load_records() {
  local label=$1 started
  started=$(now)
  local args=(--brokers "$BROKERS" --topic "$EXPECTED_TOPIC" --count "$REFS" --initiated-ago 0)
  [ "$SETTLE_EVERY" -gt 0 ] && args+=(--event-topic "$SETTLING_TOPIC" --settle-every "$SETTLE_EVERY")
  "$TOOLS/jb_reconcile_load" "${args[@]}" >"$OUT/$label.load.out" 2>&1 ||
    die "loading failed; see $OUT/$label.load.out"
  say "  $(cat "$OUT/$label.load.out") in $(calc %.1f "$(now) - $started") s"
}

# Starts the Retrieval API (nothing is due, so it is never asked) and COUNT instances in one group,
# together. Sets PID_OF, PORT_OF, LOG_OF (by instance 1..COUNT) and T0.
declare -A PID_OF=() PORT_OF=() LOG_OF=()
start_instances() {
  local label=$1 count=$2 api_port i
  "$TOOLS/jb_pending_api" >"$OUT/$label.api.out" 2>&1 &
  PIDS+=("$!")
  api_port=$(first_line "$OUT/$label.api.out" "$!")
  for ((i = 1; i <= count; i++)); do
    PORT_OF[$i]=$(free_port)
    cat >"$OUT/$label.$i.config.yaml" <<EOF
kafka:
  brokers: "$BROKERS"
  properties:
    session.timeout.ms: "$SESSION_TIMEOUT_MS"
    heartbeat.interval.ms: "$HEARTBEAT_MS"
log:
  level: info
retrieval:
  base_url: "http://127.0.0.1:$api_port/api/netverify/v2"
  auth: basic  # jb_pending_api has no token endpoint
  user_agent: "jumio-bridge reconcile benchmark/1.0"
reconcile:
  expected_topic: "$EXPECTED_TOPIC"
  group: "bench-scale-$label"
  grace_s: 86400
  schedule_s: [1, 86400]
  daily_for_days: 0
  admin_listen: "127.0.0.1:${PORT_OF[$i]}"
EOF
    "$BINARY" check-config --config "$OUT/$label.$i.config.yaml" >/dev/null 2>"$OUT/$label.check.err" ||
      die "the generated config is refused; see $OUT/$label.check.err"
  done
  T0=$(now)
  for ((i = 1; i <= count; i++)); do
    LOG_OF[$i]="$OUT/$label.$i.reconcile.log"
    JUMIO_BRIDGE_RETRIEVAL_API_TOKEN=bench-token JUMIO_BRIDGE_RETRIEVAL_API_SECRET=bench-secret \
      "$BINARY" reconcile --config "$OUT/$label.$i.config.yaml" >"${LOG_OF[$i]}" 2>&1 &
    PID_OF[$i]=$!
    PIDS+=("$!")
  done
}

# Reads instance I's /metrics into M_EXPECTED, M_CAUGHT_UP, M_HELD, M_EARLY, M_PARTS ("" when
# absent).
scrape() {
  local text
  text=$(curl -fsS --max-time 10 "http://127.0.0.1:${PORT_OF[$1]}/metrics" 2>/dev/null) || text=""
  value() { awk -v name="$1" '$1 == name { printf "%.0f\n", $2; exit }' <<<"$text"; }
  M_EXPECTED=$(value jumio_bridge_reconcile_expected_total)
  M_CAUGHT_UP=$(value jumio_bridge_reconcile_caught_up)
  M_HELD=$(value jumio_bridge_reconcile_held_references)
  M_EARLY=$(value jumio_bridge_reconcile_early_settlements)
  M_PARTS=$(value jumio_bridge_reconcile_settled_partitions)
}

# How many lines of instance I's log hold TEXT.
log_count() { grep -c -- "$2" "${LOG_OF[$1]}" || true; }

# Waits (up to TIMEOUT s) until every instance holds an assignment (log) and is caught up, and the
# references they hold add up to REFS (or more, unchanged for 10 s). The references they read
# (expected_total) may add up to more: a rebalance that gives an instance back a partition it had
# makes it read that partition again, and the counter counts those records again. Sets SETTLED
# (1/0), SETTLE_WALL, SUM_HELD, SUM_EXPECTED, WAIT_NOTE.
wait_settled() {
  local count=$1 i t ready state last_state="" stable_since assigned revoked
  SETTLED=0
  WAIT_NOTE=""
  stable_since=$(now)
  while :; do
    SUM_HELD=0 SUM_EXPECTED=0 ready=1 state=""
    for ((i = 1; i <= count; i++)); do
      kill -0 "${PID_OF[$i]}" 2>/dev/null || die "instance $i exited; see ${LOG_OF[$i]}"
      scrape "$i"
      assigned=$(log_count "$i" 'expected partitions assigned')
      revoked=$(log_count "$i" 'expected partitions revoked')
      SUM_HELD=$((SUM_HELD + ${M_HELD:-0}))
      SUM_EXPECTED=$((SUM_EXPECTED + ${M_EXPECTED:-0}))
      state+="${M_HELD:-?}/${M_CAUGHT_UP:-?}/$assigned "
      [ "${M_CAUGHT_UP:-0}" = 1 ] || ready=0
      [ "$assigned" -gt "$revoked" ] || ready=0  # holds an assignment now
    done
    t=$(now)
    if [ "$state" != "$last_state" ]; then last_state=$state; stable_since=$t; fi
    if [ "$ready" = 1 ] && [ "$SUM_HELD" -eq "$REFS" ]; then SETTLED=1; break; fi
    if [ "$ready" = 1 ] && [ "$SUM_HELD" -gt "$REFS" ] &&
      [ "$(calc %d "$t - $stable_since")" -ge 10 ]; then
      SETTLED=1
      WAIT_NOTE="the instances hold $SUM_HELD references in all, more than written"
      break
    fi
    if [ "$(calc %d "$t - $T0")" -ge "$TIMEOUT" ]; then
      WAIT_NOTE="not settled in ${TIMEOUT} s; held/caught up/assignments per instance: $state"
      break
    fi
    sleep 1
  done
  SETTLE_WALL=$(calc %.1f "$t - $T0")
}

# Seconds from the instances' start to the last assignment any of COUNT instances logged.
joined_after() {
  local count=$1 i ts last=0 epoch
  for ((i = 1; i <= count; i++)); do
    ts=$(grep 'expected partitions assigned' "${LOG_OF[$i]}" | tail -n1 |
      sed -n 's/^{"ts":"\([^"]*\)".*/\1/p')
    [ -n "$ts" ] || continue
    epoch=$(date -d "$ts" +%s.%N)
    last=$(calc %.3f "($epoch > $last) ? $epoch : $last")
  done
  [ "$last" != 0 ] && calc %.1f "$last - $T0" || echo -
}

# Summary of a list of numbers: "min-max" (or the one value) and their total.
range() { tr ' ' '\n' <<<"$1" | awk 'NF { if (n == 0 || $1 < lo) lo = $1; if (n == 0 || $1 > hi) hi = $1; n++ }
  END { if (lo == hi) print lo; else print lo "-" hi }'; }
total() { tr ' ' '\n' <<<"$1" | awk -v f="${2:-%.0f}" 'NF { s += $1 } END { printf f "\n", s }'; }

INSTANCE_FORMAT="%-11s %4s %9s %9s %9s %6s %6s %8s %8s %9s %8s %6s"
SUMMARY_FORMAT="%-11s %4s %5s %6s %6s %15s %9s %13s %9s %11s %11s %7s %12s %11s %12s %6s"
INSTANCE_ROWS=()
SUMMARY_ROWS=()
NOTES=()

measure() {
  local kind=${1%%:*} count=${1##*:} label settled_partitions i
  label="$kind-$count"
  settled_partitions=$([ "$kind" = matched ] && echo "$PARTITIONS" || echo "$FALLBACK_PARTITIONS")
  say "$label: $count instance(s), expected topic $PARTITIONS partitions, settled topics" \
    "$settled_partitions; load average $(load1)"
  start_broker "$label" "$settled_partitions"
  load_records "$label"
  start_instances "$label" "$count"
  wait_settled "$count"
  say "  $([ "$SETTLED" = 1 ] && echo settled || echo "NOT settled") after $SETTLE_WALL s:" \
    "$SUM_HELD references held, $SUM_EXPECTED read, in all${WAIT_NOTE:+; $WAIT_NOTE}"
  [ -n "$WAIT_NOTE" ] && NOTES+=("$label: $WAIT_NOTE")
  local joined
  joined=$(joined_after "$count")
  local load_cpu=() rss=() idle=() rdk=() held=() early=() parts=() expected=()
  local ticks0=() rdk0=() broker0 t0 t1
  for ((i = 1; i <= count; i++)); do
    load_cpu[i]=$(calc %.2f "$(cpu_ticks "${PID_OF[$i]}") / $CLK_TCK")
  done
  # Settle (the last fetches of reading, the first heartbeats), then measure every instance, and
  # the mock cluster, over the same window; /metrics not read meanwhile.
  sleep 5
  for ((i = 1; i <= count; i++)); do
    ticks0[i]=$(cpu_ticks "${PID_OF[$i]}")
    rdk0[i]=$(kafka_ticks "${PID_OF[$i]}")
  done
  broker0=$(cpu_ticks "$BROKER_PID")
  t0=$(now)
  sleep "$IDLE"
  t1=$(now)
  local broker_idle
  broker_idle=$(calc %.2f "100 * ($(cpu_ticks "$BROKER_PID") - $broker0) / $CLK_TCK / ($t1 - $t0)")
  for ((i = 1; i <= count; i++)); do
    idle[i]=$(calc %.2f "100 * ($(cpu_ticks "${PID_OF[$i]}") - ${ticks0[$i]}) / $CLK_TCK / ($t1 - $t0)")
    rdk[i]=$(calc %.2f "100 * ($(kafka_ticks "${PID_OF[$i]}") - ${rdk0[$i]}) / $CLK_TCK / ($t1 - $t0)")
    rss[i]=$(calc %.1f "$(rss_kib "${PID_OF[$i]}") / 1024")
    scrape "$i"
    curl -fsS --max-time 10 "http://127.0.0.1:${PORT_OF[$i]}/metrics" \
      >"$OUT/$label.$i.metrics.txt" 2>/dev/null || true
    expected[i]=${M_EXPECTED:--} held[i]=${M_HELD:--} early[i]=${M_EARLY:--}
    parts[i]=${M_PARTS:--}
    local assigned
    assigned=$(grep 'expected partitions assigned' "${LOG_OF[$i]}" | tail -n1 |
      sed -n 's/.*"partitions":\([0-9]*\).*/\1/p')
    INSTANCE_ROWS+=("$(printf "$INSTANCE_FORMAT" "$label" "$i" "${assigned:--}" "${expected[$i]}" \
      "${held[$i]}" "${early[$i]}" "${parts[$i]}" "${rss[$i]}" "${load_cpu[$i]}" "${idle[$i]}" \
      "${rdk[$i]}" "$(log_count "$i" 'settled topic read whole')/$(log_count "$i" 'reading every partition')/$(log_count "$i" 'expected partitions revoked')")")
    say "  ${INSTANCE_ROWS[-1]}"
  done
  local e="${expected[*]}" h="${held[*]}" r="${early[*]}" p="${parts[*]}" m="${rss[*]}"
  local c="${load_cpu[*]}" d="${idle[*]}"
  SUMMARY_ROWS+=("$(printf "$SUMMARY_FORMAT" "$label" "$count" "$settled_partitions" \
    "$joined" "$([ "$SETTLED" = 1 ] && echo "$SETTLE_WALL" || echo ">$SETTLE_WALL")" \
    "$(range "$h")" "$(total "$h")" "$(range "$r")" "$(total "$r")" \
    "$(range "$p")" "$(range "$m")" "$(total "$m" %.1f)" "$(range "$c")" "$(total "$c" %.2f)" \
    "$(range "$d")/$(total "$d" %.2f)" "$(load1)")")
  NOTES+=("$label: references read $(total "$e") in all; mock cluster idle ${broker_idle}% of a core")
  cleanup
}

LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
for run in $RUNS; do measure "$run"; done

settled=$([ "$SETTLE_EVERY" -gt 0 ] && echo $(((REFS + SETTLE_EVERY - 1) / SETTLE_EVERY)) || echo 0)
cat <<EOF
reconcile scale-out benchmark, $(date -u +%Y-%m-%dT%H:%MZ), the run took $(($(date +%s) - STARTED)) s
binary: $BINARY ($(stat -c %y "$BINARY" | cut -d. -f1))
machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), \
$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); load average at start \
$LOAD_AT_START, at end $(cut -d' ' -f1-3 /proc/loadavg)
mock cluster: 1 broker; $EXPECTED_TOPIC $PARTITIONS partitions; ${#SETTLED_TOPICS[@]} settled topics \
(event topics, dead-letter, state) with $PARTITIONS partitions (matched) or $FALLBACK_PARTITIONS \
(fallback)
$REFS expected references initiated now, grace_s 86400 (none due), $settled settled by a \
callback's event; session.timeout.ms $SESSION_TIMEOUT_MS

per instance
EOF
printf "$INSTANCE_FORMAT\n" run inst assigned expected held early parts "RSS MiB" "load cpu" \
  "idle %cpu" "of it rdk" "logs"
printf '%s\n' "${INSTANCE_ROWS[@]}"
cat <<EOF

per run: min-max over the instances, and total
EOF
printf "$SUMMARY_FORMAT\n" run inst parts "join s" "load s" "held/inst" "held" "early/inst" "early" \
  "parts/inst" "RSS MiB/inst" "RSS" "load cpu/inst" "load cpu" "idle %cpu/tot" load1
printf '%s\n' "${SUMMARY_ROWS[@]}"
echo
printf '%s\n' "${NOTES[@]}"
cat <<EOF

assigned: expected partitions in the instance's last assignment (its log). expected, held, early,
parts: jumio_bridge_reconcile_expected_total, _held_references, _early_settlements and
_settled_partitions after the idle window (expected_total counts again what an instance reads
again after a rebalance). RSS: VmRSS after the idle window. load cpu: CPU seconds (user+system,
all threads) from the start until the group settled. join s: from the instances' start to the last
assignment an instance logged (the mock cluster rebalances until every member is in); load s: from
the start until every instance held an assignment and was caught up and their held references
added up to those written. idle %cpu: % of one core over ${IDLE} s, 5 s after settling, /metrics
not read; of it rdk: in librdkafka's threads; per run: min-max per instance / total. logs: lines
"settled topic read whole" / "reading every partition of the settled topics" / "expected
partitions revoked". parts (per run): the settled topics' partition count.
logs, configs and metrics: $OUT
EOF
