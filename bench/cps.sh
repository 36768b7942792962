#!/usr/bin/env bash
# New-connection rate only, Vigil vs HAProxy, with CPU per connection (perf stat task-clock of the
# proxy / connections wrk completed). Quicker than run.sh for tuning the accept/connect path.
#   ROUNDS=5 DUR=5 bench/cps.sh
# Knobs: VIGIL_LOOPS, VIGIL_TRANSPORT, VIGIL_JAVA_OPTS, JAR (default target/vigil.jar), KA=1 (keep-alive instead).
# A/B: JAR2=/path/other.jar (and/or VIGIL2_JAVA_OPTS, which may set -Dvigil.transport=..., VIGIL2_LOOPS) adds a second Vigil, "vigil2", taking turns too.
set -euo pipefail
# shellcheck source=bench/common.sh
source "$(dirname "$0")/common.sh"
here=$(cd "$(dirname "$0")/.." && pwd); cd "$here"
DUR=${DUR:-5}; ROUNDS=${ROUNDS:-5}; VIGIL_LOOPS=${VIGIL_LOOPS:-2}; VIGIL_TRANSPORT=${VIGIL_TRANSPORT:-epoll}
VIGIL_JAVA_OPTS=${VIGIL_JAVA_OPTS:-"-Xms256m -Xmx256m -XX:+UseParallelGC -Dio.netty.leakDetection.level=disabled"}
JAR=${JAR:-target/vigil.jar}; KA=${KA:-0}
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
W=$(mktemp -d /tmp/vigil-cps.XXXXXX); pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$W"; }
trap cleanup EXIT
cat > "$W/backend.conf" <<CONF
daemon off; worker_processes 2; worker_rlimit_nofile 20000; pid $W/backend.pid; error_log $W/backend.err;
events { worker_connections 20000; }
http { access_log off; keepalive_requests 10000000;
  server { listen 127.0.0.1:18181 backlog=4096; listen 127.0.0.1:18182 backlog=4096;
    location = /small { return 200 "hello from nginx\n"; } } }
CONF
haproxy_cfg "$W/haproxy.cfg" 18191 18181 18182
nginx -c "$W/backend.conf" & pids+=($!); wait_port 18181
haproxy -f "$W/haproxy.cfg" -db & HP=$!; pids+=($!); wait_port 18191
# The launcher runs until its stdin closes: feed it from a FIFO held open by a sleep we can kill.
mkfifo "$W/stdin"; sleep infinity > "$W/stdin" & pids+=($!)
start_vigil() { # port jar loops opts
  # shellcheck disable=SC2086
  VIGIL_LOG_LEVEL=WARN "$JAVA" -Dvigil.transport="$VIGIL_TRANSPORT" $4 \
    --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
    -cp "$2" bench/VigilBenchLauncher.java "$1" "$3" 127.0.0.1:18181 127.0.0.1:18182 < "$W/stdin" >/dev/null &
  pids+=($!); wait_port "$1"
}
declare -A PID PORT=([haproxy]=18191 [vigil]=18193 [vigil2]=18194)
PID[haproxy]=$HP; TARGETS="haproxy vigil"
start_vigil 18193 "$JAR" "$VIGIL_LOOPS" "$VIGIL_JAVA_OPTS"; PID[vigil]=${pids[-1]}
if [ -n "${JAR2:-}${VIGIL2_JAVA_OPTS:-}${VIGIL2_LOOPS:-}" ]; then
  start_vigil 18194 "${JAR2:-$JAR}" "${VIGIL2_LOOPS:-$VIGIL_LOOPS}" "${VIGIL2_JAVA_OPTS:-$VIGIL_JAVA_OPTS}"; PID[vigil2]=${pids[-1]}
  TARGETS="haproxy vigil vigil2"
fi
hdr=(-H "Connection: close"); [ "$KA" = 1 ] && hdr=()
for t in $TARGETS; do for _ in 1 2 3; do wrk -t2 -c32 -d4s "${hdr[@]}" "http://127.0.0.1:${PORT[$t]}/small" >/dev/null; done; done
declare -A RATE CPU
for r in $(seq "$ROUNDS"); do
  for t in $TARGETS; do
    perf stat -e task-clock -x, -p "${PID[$t]}" -o "$W/perf" -- sleep "$DUR" & ps=$!
    out=$(wrk -t2 -c32 -d"${DUR}"s "${hdr[@]}" "http://127.0.0.1:${PORT[$t]}/small"); wait $ps
    n=$(echo "$out" | awk '/requests in/{print $1}'); rate=$(echo "$out" | awk '$1=="Requests/sec:"{printf "%d",$2}')
    ms=$(awk -F, '/task-clock/{print $1}' "$W/perf")
    us=$(awk -v ms="$ms" -v n="$n" 'BEGIN{printf "%.1f", ms*1000/n}')
    RATE[$t]+=" $rate"; CPU[$t]+=" $us"
    echo "round $r $t: $rate/s, $us us CPU per request, load $(cut -d' ' -f1 /proc/loadavg)" >&2
  done
done
h=$(echo "${RATE[haproxy]}" | median); hc=$(echo "${CPU[haproxy]}" | median)
for t in $TARGETS; do
  v=$(echo "${RATE[$t]}" | median); vc=$(echo "${CPU[$t]}" | median)
  echo "median $t: $v/s (x$(awk -v a="$v" -v b="$h" 'BEGIN{printf "%.2f",a/b}') haproxy), ${vc} us CPU per request (x$(awk -v a="$vc" -v b="$hc" 'BEGIN{printf "%.2f",a/b}'))"
done
