#!/usr/bin/env bash
# Vigil vs HAProxy (mode tcp) vs nginx stream vs a direct connection, all on loopback in one run.
# Not a test and not run by CI. Needs: haproxy, nginx (+ libnginx-mod-stream), wrk, python3, a JDK 25.
#   bench/run.sh                      # everything: 3 rounds, 5 s per measurement, medians
#   DUR=10 ROUNDS=5 TARGETS="haproxy vigil" bench/run.sh
# Vigil runs as shipped (`vigil run -f` on a generated keepalived.conf, no checkers); VIGIL_MODE=launcher
# runs only the proxy engine instead (bench/VigilBenchLauncher.java), for tuning the data path alone.
# Knobs for tuning Vigil: VIGIL_LOOPS (event loops, default 2), VIGIL_TRANSPORT (epoll|io_uring|nio),
# VIGIL_JAVA_OPTS, IDLE_N (idle connections for the memory figure, default 7500: HAProxy refuses a
# maxconn much above 8000 under this machine's 20,000 open-file limit).
set -euo pipefail
# shellcheck source=bench/common.sh
source "$(dirname "$0")/common.sh"
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
DUR=${DUR:-5}
ROUNDS=${ROUNDS:-3}
TARGETS=${TARGETS:-"direct haproxy nginx vigil"}
VIGIL_LOOPS=${VIGIL_LOOPS:-2}
VIGIL_TRANSPORT=${VIGIL_TRANSPORT:-epoll}
VIGIL_JAVA_OPTS=${VIGIL_JAVA_OPTS:-"-Xms256m -Xmx256m -XX:+UseParallelGC -Dio.netty.leakDetection.level=disabled"}
IDLE_N=${IDLE_N:-7500}
VIGIL_MODE=${VIGIL_MODE:-daemon}
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
W=$(mktemp -d /tmp/vigil-bench.XXXXXX)
declare -A PORT=([direct]=18081 [haproxy]=18091 [nginx]=18092 [vigil]=18093)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

[ -f target/vigil.jar ] || mvn -B -q -o package -DskipTests

chmod 755 "$W"; mkdir -p "$W/www"
head -c 1048576 /dev/urandom > "$W/www/1m"; chmod -R a+rX "$W/www"
cat > "$W/backend.conf" <<CONF
daemon off; worker_processes 2; worker_rlimit_nofile 20000; pid $W/backend.pid; error_log $W/backend.err;
events { worker_connections 20000; }
http {
  access_log off; keepalive_requests 10000000; keepalive_timeout 300s; client_header_timeout 300s;
  server {
    listen 127.0.0.1:18081 backlog=4096; listen 127.0.0.1:18082 backlog=4096;
    location = /small { return 200 "hello from nginx\n"; }
    location = /1m { root $W/www; }
  }
}
CONF
haproxy_cfg "$W/haproxy.cfg" 18091 18081 18082
cat > "$W/stream.conf" <<CONF
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
daemon off; worker_processes 2; worker_rlimit_nofile 20000; pid $W/stream.pid; error_log $W/stream.err;
events { worker_connections 20000; }
stream {
  upstream be { server 127.0.0.1:18081; server 127.0.0.1:18082; }
  server { listen 127.0.0.1:18092 backlog=4096; proxy_pass be; proxy_timeout 300s; }
}
CONF


nginx -c "$W/backend.conf" & pids+=($!); wait_port 18081
declare -A PID
for t in $TARGETS; do
  case $t in
    direct) ;;
    haproxy) haproxy -f "$W/haproxy.cfg" -db & PID[haproxy]=$!; pids+=($!); wait_port 18091 ;;
    nginx) nginx -c "$W/stream.conf" & PID[nginx]=$!; pids+=($!); wait_port 18092 ;;
    vigil)
      if [ "$VIGIL_MODE" = daemon ]; then
        cat > "$W/vigil.conf" <<CONF
virtual_server 127.0.0.1 18093 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 127.0.0.1 18081 {
        weight 1
    }
    real_server 127.0.0.1 18082 {
        weight 1
    }
}
CONF
        # shellcheck disable=SC2086
        VIGIL_LOG_LEVEL=WARN "$JAVA" $VIGIL_JAVA_OPTS -Dvigil.transport="$VIGIL_TRANSPORT" \
          -Dvigil.eventLoops="$VIGIL_LOOPS" --enable-native-access=ALL-UNNAMED \
          --sun-misc-unsafe-memory-access=allow -jar target/vigil.jar run -f "$W/vigil.conf" \
          --admin 127.0.0.1:18099 --drain-timeout 0 > "$W/vigil.out" 2>&1 &
      else
        # The launcher runs until its stdin closes: a FIFO held open by a sleep that cleanup can kill
        # (a `sleep infinity |` pipe outlived the JVM and made cleanup's wait hang).
        mkfifo "$W/stdin"; sleep infinity > "$W/stdin" & pids+=($!)
        # shellcheck disable=SC2086
        VIGIL_LOG_LEVEL=WARN "$JAVA" $VIGIL_JAVA_OPTS -Dvigil.transport="$VIGIL_TRANSPORT" \
          --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
          -cp target/vigil.jar bench/VigilBenchLauncher.java 18093 "$VIGIL_LOOPS" 127.0.0.1:18081 127.0.0.1:18082 \
          < "$W/stdin" > "$W/vigil.out" &
      fi
      PID[vigil]=$!; pids+=($!); wait_port 18093 ;;
  esac
done

rss_kb() { # RSS of a process and its children, in kB
  local total=0 p
  for p in $1 $(pgrep -P "$1" || true); do total=$((total + $(awk '/VmRSS/{print $2}' /proc/$p/status))); done
  echo $total
}
live_heap_kb() { # Vigil only: heap in use after a full GC, in kB (0 for the C proxies)
  if [ "$1" != vigil ]; then echo 0; return; fi
  "${JAVA%/java}/jcmd" "${PID[vigil]}" GC.run >/dev/null; sleep 1
  "${JAVA%/java}/jstat" -gc "${PID[vigil]}" | awk 'NR==2{printf "%d", $3+$4+$6+$8}' # S0U S1U EU OU
}
wrk_field() { awk -v k="$1" '$1==k {print $2}'; }
to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; printf "%.3f", v}'; }
to_mbs() { awk '{v=$1; if (v ~ /GB$/) {sub(/GB/,"",v); v*=1024} else if (v ~ /MB$/) {sub(/MB/,"",v)} else if (v ~ /KB$/) {sub(/KB/,"",v); v/=1024}; printf "%.0f", v}'; }

declare -A CPS KA BULK P50 P99 MEM
for t in $TARGETS; do                                                           # warm-up (JIT for Vigil)
  # The accept/connect/close path too: warming with keep-alive only left it to be compiled during
  # the first measured round of new connections.
  wrk -t2 -c32 -d5s -H "Connection: close" "http://127.0.0.1:${PORT[$t]}/small" >/dev/null
  wrk -t2 -c32 -d3s "http://127.0.0.1:${PORT[$t]}/small" >/dev/null
  wrk -t2 -c8 -d2s "http://127.0.0.1:${PORT[$t]}/1m" >/dev/null
done
# Targets take turns within each round, so load from neighbours on a shared box hits all alike;
# each figure is the median over the rounds.
declare -A R_CPS R_KA R_BULK R_P50 R_P99
for round in $(seq "$ROUNDS"); do
  for t in $TARGETS; do
    url=http://127.0.0.1:${PORT[$t]}
    R_CPS[$t]+=" $(wrk -t2 -c32 -d"${DUR}"s -H "Connection: close" "$url/small" | wrk_field Requests/sec:)"
    R_KA[$t]+=" $(wrk -t2 -c32 -d"${DUR}"s "$url/small" | wrk_field Requests/sec:)"
    R_BULK[$t]+=" $(wrk -t2 -c8 -d"${DUR}"s "$url/1m" | wrk_field Transfer/sec: | to_mbs)"
    lat=$(wrk -t1 -c4 -d"${DUR}"s --latency "$url/small")
    R_P50[$t]+=" $(echo "$lat" | awk '$1=="50%"{print $2}' | to_ms)"
    R_P99[$t]+=" $(echo "$lat" | awk '$1=="99%"{print $2}' | to_ms)"
    echo "round $round $t: cps${R_CPS[$t]##* } ka${R_KA[$t]##* } bulk${R_BULK[$t]##* } p50${R_P50[$t]##* } p99${R_P99[$t]##* }" >&2
  done
done
for t in $TARGETS; do
  CPS[$t]=$(echo "${R_CPS[$t]}" | median); KA[$t]=$(echo "${R_KA[$t]}" | median)
  BULK[$t]=$(echo "${R_BULK[$t]}" | median); P50[$t]=$(echo "${R_P50[$t]}" | median)
  P99[$t]=$(echo "${R_P99[$t]}" | median)
  if [ "$t" != direct ]; then
    before=$(rss_kb "${PID[$t]}"); heap_before=$(live_heap_kb "$t")
    coproc IDLE { python3 bench/idle_conns.py 127.0.0.1 "${PORT[$t]}" "$IDLE_N"; }
    read -r _ready _n <&"${IDLE[0]}"
    sleep 3
    after=$(rss_kb "${PID[$t]}"); heap_after=$(live_heap_kb "$t")
    # A JVM's heap is resident before the connections come, so RSS growth alone would flatter Vigil:
    # its figure is RSS growth (native memory) plus live-heap growth after a full GC (Java objects).
    grow=$(( after - before )); [ "$grow" -lt 0 ] && grow=0
    MEM[$t]=$(( (grow + heap_after - heap_before) * 1024 / IDLE_N ))
    exec {IDLE[1]}>&-
    wait "$IDLE_PID" 2>/dev/null || true
  else
    MEM[$t]=-
  fi
done
ratio() { # $1 value, $2 haproxy value, $3 1 if lower is better
  if [ -z "${2:-}" ] || [ "$1" = - ] || [ "$2" = - ]; then echo "-"; else awk -v a="$1" -v b="$2" 'BEGIN{ if (b==0) print "-"; else printf "%.2f", a/b }'; fi
}
printf '\n%s, %s cores, kernel %s, median of %s rounds of %ss, load average %s, Vigil: %s, %s event loops, %s\n' \
  "$(date -u +%F)" "$(nproc)" "$(uname -r)" "$ROUNDS" "$DUR" "$(cut -d' ' -f1-3 /proc/loadavg)" "$VIGIL_MODE, $VIGIL_TRANSPORT" "$VIGIL_LOOPS" "$VIGIL_JAVA_OPTS"
printf '| %-8s | %14s | %14s | %14s | %9s | %9s | %16s |\n' target "new conn/s" "keep-alive req/s" "1 MB resp MB/s" "p50 ms" "p99 ms" "idle B/conn"
printf '|%s|\n' "----------|----------------|------------------|----------------|-----------|-----------|------------------"
for t in $TARGETS; do
  h=haproxy
  printf '| %-8s | %7s (%4s) | %9s (%4s) | %7s (%4s) | %5s (%s) | %5s (%s) | %7s (%4s) |\n' "$t" \
    "${CPS[$t]}" "$(ratio "${CPS[$t]}" "${CPS[$h]:-}")" "${KA[$t]}" "$(ratio "${KA[$t]}" "${KA[$h]:-}")" \
    "${BULK[$t]}" "$(ratio "${BULK[$t]}" "${BULK[$h]:-}")" "${P50[$t]}" "$(ratio "${P50[$t]}" "${P50[$h]:-}")" \
    "${P99[$t]}" "$(ratio "${P99[$t]}" "${P99[$h]:-}")" "${MEM[$t]}" "$(ratio "${MEM[$t]}" "${MEM[$h]:-}")"
done
echo "(ratios in parentheses are to HAProxy)"
# Paired: each round measures the targets back to back, so a round's ratio shares that round's noise
# from neighbours; the median of those ratios is steadier than the ratio of the medians above.
paired() { # $1 values of a target by round, $2 HAProxy's
  paste <(echo "$1" | tr ' ' '\n' | grep -v '^$') <(echo "$2" | tr ' ' '\n' | grep -v '^$') |
    awk '$2>0 {printf "%.2f\n", $1/$2}' | median
}
if [ -n "${R_CPS[haproxy]:-}" ]; then
  for t in $TARGETS; do
    [ "$t" = haproxy ] && continue
    echo "paired median of per-round ratios to HAProxy, $t: new conn/s $(paired "${R_CPS[$t]}" "${R_CPS[haproxy]}"), keep-alive $(paired "${R_KA[$t]}" "${R_KA[haproxy]}"), bulk $(paired "${R_BULK[$t]}" "${R_BULK[haproxy]}"), p50 $(paired "${R_P50[$t]}" "${R_P50[haproxy]}"), p99 $(paired "${R_P99[$t]}" "${R_P99[haproxy]}")"
  done
fi
