# Shell helpers of the benchmarks (bench/run.sh, connection_memory.sh, metrics_flood.sh,
# reconcile.sh, reconcile_scale.sh), sourced by them after their options are read: messages,
# starting and stopping processes, free ports, waiting, CPU and memory of a process. ensure_tools
# (the reconcile benchmarks') expects TOOLS (where jb_mock_broker, jb_reconcile_load and
# jb_pending_api are), BUILD_TOOLS (1: build them when missing) and ROOT (the repository).
# shellcheck shell=bash
# One printf format per calc call.
# shellcheck disable=SC2059

say() { echo "$*" >&2; }
die() { say "$(basename "$0"): $*"; exit 1; }

# Builds the tools in TOOLS's build directory (release) when one is missing.
ensure_tools() {
  if [ -x "$TOOLS/jb_reconcile_load" ] && [ -x "$TOOLS/jb_pending_api" ] &&
    [ -x "$TOOLS/jb_mock_broker" ]; then
    return
  fi
  [ "$BUILD_TOOLS" = 1 ] || die "missing tools in $TOOLS (run without --skip-build)"
  local build
  build=$(dirname "$TOOLS")
  say "building the tools (release) in $build"
  cmake -S "$ROOT" -B "$build" -DCMAKE_BUILD_TYPE=Release -DJB_TESTS=OFF -DJB_BENCH=ON >/dev/null
  cmake --build "$build" --target jb_mock_broker jb_reconcile_load jb_pending_api -j2 >&2
}

PIDS=()
# Stops the processes started, the last first (reconcile before the mock cluster it talks to), each
# given 15 s to exit before it is killed.
cleanup() {
  local i pid
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    pid=${PIDS[$i]}
    kill -TERM "$pid" 2>/dev/null || continue
    for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  PIDS=()
}

# A port nothing listens on (connecting is refused), from the ephemeral-free range.
free_port() {
  local port
  for port in $(shuf -i 20000-32000 -n 100); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  die "no free port found"
}

# First line a background process writes to FILE, waiting up to 30 s.
first_line() {
  local file=$1 pid=$2
  for _ in $(seq 300); do
    if [ -s "$file" ]; then head -n1 "$file"; return; fi
    kill -0 "$pid" 2>/dev/null || die "process $pid exited; see $file"
    sleep 0.1
  done
  die "no output in $file"
}

# Waits up to SECONDS (default 60) for URL to answer 2xx; false when it did not.
wait_http() {
  local url=$1 seconds=${2:-60}
  for _ in $(seq $((seconds * 10))); do
    curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# Clock ticks per second, the unit of cpu_ticks and kafka_ticks.
# shellcheck disable=SC2034
CLK_TCK=$(getconf CLK_TCK)
# utime + stime of a process, in clock ticks (fields 14 and 15 of /proc/PID/stat).
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
# PID and its child processes (a master and its workers, as nginx runs), one per line.
process_family() { echo "$1"; pgrep -P "$1" || true; }
# cpu_ticks summed over PID and its child processes (0 for one that has exited meanwhile).
family_cpu_ticks() {
  local total=0 pid ticks
  while read -r pid; do
    ticks=$(cpu_ticks "$pid" 2>/dev/null) || ticks=0
    total=$((total + ${ticks:-0}))
  done < <(process_family "$1")
  echo "$total"
}
# Context switches (voluntary and involuntary) of every thread of PID and its child processes.
family_context_switches() {
  local pid
  while read -r pid; do
    cat /proc/"$pid"/task/*/status 2>/dev/null || true
  done < <(process_family "$1") |
    awk '/^(non)?voluntary_ctxt_switches:/ { total += $2 } END { print total + 0 }'
}
# The same for its librdkafka threads (rdk:*) that exist now.
kafka_ticks() {
  local total=0 task
  for task in /proc/"$1"/task/*; do
    case "$(cat "$task/comm" 2>/dev/null)" in
      rdk:*)
        total=$((total + $(sed 's/^.*) //' "$task/stat" 2>/dev/null | awk '{ print $12 + $13 }')))
        ;;
    esac
  done
  echo "$total"
}
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
load1() { cut -d' ' -f1 /proc/loadavg; }

# Every event topic of the default topic template, which reconcile reads as settled topics.
EVENT_TOPICS=()
for status in approved_verified denied_fraud denied_unsupported_id_type \
  denied_unsupported_id_country error_not_readable_id no_id_uploaded; do
  EVENT_TOPICS+=("jumio.netverify.$status")
done
for status in passed failed invalid expired; do EVENT_TOPICS+=("jumio.authentication.$status"); done
for status in uploaded extracted discarded failed; do EVENT_TOPICS+=("jumio.document.$status"); done
unset status
