#!/usr/bin/env bash
# The kernel engine against the proxy engine, HAProxy, the routed path without NAT and a direct link,
# in network namespaces, in one run. Not a test and not run by CI. Needs root, wrk, nginx, haproxy,
# nftables (libnftables1) and a JDK 25.
#   bench/kernel.sh                   3 rounds, 5 s per measurement, medians
#   DUR=10 ROUNDS=5 bench/kernel.sh
#
#   namespace cli:  eth1 10.211.1.2/24 (to lb), eth3 10.211.3.2/24 (straight to be)
#   namespace lb:   eth1 10.211.1.1/24 + the VIP 10.211.1.100, eth2 10.211.2.1/24; ip_forward on
#   namespace be:   eth2 10.211.2.11/24 (default route via lb), eth3 10.211.3.11/24; nginx, 2 workers
#
# Paths, all to the same nginx: direct (cli -> be over eth3), routed (cli -> 10.211.2.11 through lb,
# forwarded, no NAT), kernel (Vigil's kernel engine, VIP:80, DNAT), proxy (Vigil's proxy engine, VIP:81),
# haproxy (mode tcp, 2 threads, VIP:82). Vigil runs as shipped: ./vigil run -f, one process with both
# virtual servers. The client, the balancer and the server share the machine's cores, so the figures
# that mean something are the ratios, and the CPU figures: "machine CPU" is all the machine's busy time
# (/proc/stat) per request or per GB, and "balancer" is the balancer process's own CPU (the kernel
# engine has none: its work is softirq time inside the machine figure). The machine figure counts
# whatever else runs on the machine: take it on an otherwise idle machine (the load is printed).
set -euo pipefail
# shellcheck source=bench/common.sh
source "$(dirname "$0")/common.sh"
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
DUR=${DUR:-5}
ROUNDS=${ROUNDS:-3}
TARGETS=${TARGETS:-"direct routed kernel proxy haproxy"}
[ "$(id -u)" = 0 ] || { echo "bench/kernel.sh: needs root (network namespaces, nftables)" >&2; exit 1; }
W=$(mktemp -d /tmp/vigil-kbench.XXXXXX)
CLI=vkc$$ LB=vkl$$ BE=vkb$$
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for n in $CLI $LB $BE; do ip netns del "$n" 2>/dev/null || true; done
  rm -rf "$W"
}
trap cleanup EXIT
# background processes use ip netns exec directly, so that $! is their own PID
nsx() { local n=$1; shift; ip netns exec "$n" "$@"; }

for n in $CLI $LB $BE; do ip netns add "$n"; nsx "$n" ip link set lo up; done
link() { # ns1 if1 addr1 ns2 if2 addr2
  ip link add "v$$a" type veth peer name "v$$b"
  ip link set "v$$a" netns "$1" name "$2"; ip link set "v$$b" netns "$4" name "$5"
  nsx "$1" ip addr add "$3" dev "$2"; nsx "$1" ip link set "$2" up
  nsx "$4" ip addr add "$6" dev "$5"; nsx "$4" ip link set "$5" up
}
link "$CLI" eth1 10.211.1.2/24 "$LB" eth1 10.211.1.1/24
link "$LB" eth2 10.211.2.1/24 "$BE" eth2 10.211.2.11/24
link "$CLI" eth3 10.211.3.2/24 "$BE" eth3 10.211.3.11/24
nsx "$LB" ip addr add 10.211.1.100/24 dev eth1
nsx "$CLI" ip route add 10.211.2.0/24 via 10.211.1.1
nsx "$BE" ip route add default via 10.211.2.1
nsx "$LB" sysctl -qw net.ipv4.ip_forward=1
# New connections at 10k/s leave conntrack entries in TIME_WAIT for 120 s; the default table is too small.
sysctl -qw net.netfilter.nf_conntrack_max=4000000 2>/dev/null || true

chmod 755 "$W"; mkdir -p "$W/www"
head -c 1048576 /dev/urandom > "$W/www/1m"; chmod -R a+rX "$W/www"
cat > "$W/backend.conf" <<CONF
daemon off; worker_processes 2; worker_rlimit_nofile 20000; pid $W/backend.pid; error_log $W/backend.err;
events { worker_connections 20000; }
http {
  access_log off; keepalive_requests 10000000; keepalive_timeout 300s;
  server {
    # a port per path: the routed and the kernel path come from the same client address, and a
    # connection's server-side TIME_WAIT from one path would meet the other's SYN with the same ports
    listen 80 backlog=4096; listen 8080 backlog=4096; listen 8081 backlog=4096; listen 8082 backlog=4096;
    location = /small { return 200 "hello from nginx\n"; }
    location = /1m { root $W/www; }
  }
}
CONF
haproxy_cfg "$W/haproxy.cfg" 10.211.1.100:82 10.211.2.11:8082
cat > "$W/vigil.conf" <<CONF
global_defs {
    vigil_engine kernel
}
virtual_server 10.211.1.100 80 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 10.211.2.11 8080 {
        weight 1
    }
}
virtual_server 10.211.1.100 81 {
    vigil_engine proxy
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 10.211.2.11 8081 {
        weight 1
    }
}
CONF

[ -f target/vigil.jar ] || mvn -B -q package -DskipTests -Dvigil.deb.skip=true
ip netns exec "$BE" nginx -c "$W/backend.conf" & pids+=($!)
port_open() { nsx "$CLI" bash -c "for _ in \$(seq 100); do (exec 3<>/dev/tcp/$1/$2) 2>/dev/null && exit 0; sleep 0.1; done; exit 1" \
  || { echo "$1:$2 never opened" >&2; exit 1; }; }
port_open 10.211.3.11 80
declare -A PID URL=([direct]=http://10.211.3.11 [routed]=http://10.211.2.11 [kernel]=http://10.211.1.100:80
  [proxy]=http://10.211.1.100:81 [haproxy]=http://10.211.1.100:82)
if [[ " $TARGETS " == *" kernel "* || " $TARGETS " == *" proxy "* ]]; then
  VIGIL_LOG_LEVEL=WARN ip netns exec "$LB" ./vigil run -f "$W/vigil.conf" --admin 127.0.0.1:18299 --drain-timeout 0 \
    > "$W/vigil.out" 2>&1 & PID[proxy]=$!; PID[kernel]=$!; pids+=($!)
  port_open 10.211.1.100 81
  for _ in $(seq 50); do nsx "$LB" nft list table inet vigil >/dev/null 2>&1 && break; sleep 0.1; done
  nsx "$LB" nft list table inet vigil >/dev/null 2>&1 || { echo "the kernel engine loaded no table:" >&2; cat "$W/vigil.out" >&2; exit 1; }
fi
if [[ " $TARGETS " == *" haproxy "* ]]; then
  ip netns exec "$LB" haproxy -f "$W/haproxy.cfg" -db & PID[haproxy]=$!; pids+=($!)
  port_open 10.211.1.100 82
fi

busy_jiffies() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat; }
proc_jiffies() { [ -n "${1:-}" ] && awk '{print $14+$15}' "/proc/$1/stat" || echo 0; }
tck=$(getconf CLK_TCK)
wrk_field() { awk -v k="$1" '$1==k {print $2}'; }
to_mbs() { awk '{v=$1; if (v ~ /GB$/) {sub(/GB/,"",v); v*=1024} else if (v ~ /MB$/) {sub(/MB/,"",v)} else if (v ~ /KB$/) {sub(/KB/,"",v); v/=1024}; printf "%.0f", v}'; }
# One measurement: wrk ARGS...; prints "rate requests machine_ms balancer_ms MB/s"
measure() {
  local t=$1; shift
  local m0 p0 m1 p1 out
  m0=$(busy_jiffies); p0=$(proc_jiffies "${PID[$t]:-}")
  out=$(nsx "$CLI" wrk "$@")
  m1=$(busy_jiffies); p1=$(proc_jiffies "${PID[$t]:-}")
  echo "$(echo "$out" | wrk_field Requests/sec:) $(echo "$out" | awk '/requests in/{print $1}') \
$(( (m1 - m0) * 1000 / tck )) $(( (p1 - p0) * 1000 / tck )) $(echo "$out" | wrk_field Transfer/sec: | to_mbs)"
}

for t in $TARGETS; do # warm-up: the JIT for Vigil's proxy, the caches for all
  nsx "$CLI" wrk -t2 -c32 -d4s -H "Connection: close" "${URL[$t]}/small" >/dev/null
  nsx "$CLI" wrk -t2 -c32 -d2s "${URL[$t]}/small" >/dev/null
  nsx "$CLI" wrk -t2 -c8 -d2s "${URL[$t]}/1m" >/dev/null
done
declare -A R_CPS R_KA R_BULK C_CPS B_CPS C_GB B_GB
for round in $(seq "$ROUNDS"); do
  for t in $TARGETS; do
    read -r rate n mms bms _ < <(measure "$t" -t2 -c32 -d"${DUR}"s -H "Connection: close" "${URL[$t]}/small")
    R_CPS[$t]+=" ${rate%.*}"; C_CPS[$t]+=" $(awk -v a="$mms" -v n="$n" 'BEGIN{printf "%.1f", a*1000/n}')"
    B_CPS[$t]+=" $(awk -v a="$bms" -v n="$n" 'BEGIN{printf "%.1f", a*1000/n}')"
    read -r rate _ _ _ _ < <(measure "$t" -t2 -c32 -d"${DUR}"s "${URL[$t]}/small")
    R_KA[$t]+=" ${rate%.*}"
    read -r _ _ mms bms mbs < <(measure "$t" -t2 -c8 -d"${DUR}"s "${URL[$t]}/1m")
    R_BULK[$t]+=" $mbs"
    gb=$(awk -v m="$mbs" -v d="$DUR" 'BEGIN{print m*d/1024}')
    C_GB[$t]+=" $(awk -v a="$mms" -v g="$gb" 'BEGIN{printf "%.0f", (g > 0 ? a / g : 0)}')"
    B_GB[$t]+=" $(awk -v a="$bms" -v g="$gb" 'BEGIN{printf "%.0f", (g > 0 ? a / g : 0)}')"
    echo "round $round $t: cps ${R_CPS[$t]##* } ka ${R_KA[$t]##* } bulk ${R_BULK[$t]##* } MB/s, machine ${C_CPS[$t]##* } us/conn ${C_GB[$t]##* } ms/GB, load $(cut -d' ' -f1 /proc/loadavg)" >&2
  done
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b==0) print "-"; else printf "%.2f", a/b }'; }
paired() { # per-round ratio of $1's values to $2's, median
  paste <(echo "$1" | tr ' ' '\n' | grep -v '^$') <(echo "$2" | tr ' ' '\n' | grep -v '^$') |
    awk '$2>0 {printf "%.2f\n", $1/$2}' | median
}
printf '\n%s, %s cores, kernel %s, median of %s rounds of %ss, load average %s\n' \
  "$(date -u +%F)" "$(nproc)" "$(uname -r)" "$ROUNDS" "$DUR" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '| %-8s | %10s | %16s | %12s | %22s | %22s | %22s |\n' target "new conn/s" "keep-alive req/s" "1 MB MB/s" \
  "machine CPU us/conn" "balancer CPU us/conn" "machine / balancer ms/GB"
printf '|%s|\n' "----------|------------|------------------|--------------|------------------------|------------------------|------------------------"
for t in $TARGETS; do
  printf '| %-8s | %10s | %16s | %12s | %22s | %22s | %22s |\n' "$t" "$(echo "${R_CPS[$t]}" | median)" \
    "$(echo "${R_KA[$t]}" | median)" "$(echo "${R_BULK[$t]}" | median)" "$(echo "${C_CPS[$t]}" | median)" \
    "$(echo "${B_CPS[$t]}" | median)" "$(echo "${C_GB[$t]}" | median) / $(echo "${B_GB[$t]}" | median)"
done
if [ -n "${R_CPS[routed]:-}" ]; then
  for t in $TARGETS; do
    [ "$t" = routed ] && continue
    echo "paired median of per-round ratios to the routed path, $t: new conn/s $(paired "${R_CPS[$t]}" "${R_CPS[routed]}"), keep-alive $(paired "${R_KA[$t]}" "${R_KA[routed]}"), bulk $(paired "${R_BULK[$t]}" "${R_BULK[routed]}"), machine CPU per GB $(paired "${C_GB[$t]}" "${C_GB[routed]}")"
  done
fi
