#!/usr/bin/env bash
# How long a takeover's commit takes, and what the sync costs on its link (issue 13's figures).
#
# Two network namespaces joined by a veth pair (the sync link), one conntrackd in each, configured as Vigil's
# ConntrackdConfig writes it (FTFW, UDP unicast, external cache on). For each N: N established TCP entries are
# loaded into the master's kernel table (conntrack -R, one batch), conntrackd sends them to the backup; once the
# backup's external cache holds all N, `conntrackd -c` on the backup is timed two ways: the daemon's own
# "commit has taken S seconds" and the wall time from `-c` to that line (what Vigil's takeover waits for).
# The bytes the backup received on the sync link for the N entries give the cost per synced entry.
#
# Then, unless --no-traffic: real TCP connections from a client namespace to a server on the master, RATE per
# second for SECONDS (each opened and closed: NEW, updates, DESTROY are all synced); the sync link's bytes per
# second are printed per 1,000 new connections/s.
#
# Usage (root): bench/sync-commit.sh [--no-traffic] [N...]     default N: 10000 100000
# Needs ip, conntrack, conntrackd (conntrack-tools 1.4.7), python3. Leaves nothing behind (trap).
set -euo pipefail
traffic=1
if [[ ${1:-} == --no-traffic ]]; then traffic=0; shift; fi
sizes=("$@"); [[ ${#sizes[@]} -gt 0 ]] || sizes=(10000 100000)
RATE=${RATE:-1000} SECONDS_OF_TRAFFIC=${SECONDS_OF_TRAFFIC:-10}
# Vigil's ConntrackdConfig: HashLimit is the most entries one cache holds.
HASH_LIMIT=262144

dir=$(mktemp -d /tmp/vigil-sync-bench.XXXXXX)
M=vsb-m$$ B=vsb-b$$ C=vsb-c$$
cleanup() {
  for f in "$dir"/*.pid; do [[ -f $f ]] && kill "$(cat "$f")" 2>/dev/null || true; done
  sleep 0.3
  for f in "$dir"/*.pid; do [[ -f $f ]] && kill -9 "$(cat "$f")" 2>/dev/null || true; done
  ip netns del "$M" 2>/dev/null || true; ip netns del "$B" 2>/dev/null || true; ip netns del "$C" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

ip netns add "$M"; ip netns add "$B"; ip netns add "$C"
ip link add "s$$m" type veth peer name "s$$b"
ip link set "s$$m" netns "$M"; ip link set "s$$b" netns "$B"
ip -n "$M" addr add 10.197.0.1/24 dev "s$$m"; ip -n "$B" addr add 10.197.0.2/24 dev "s$$b"
ip link add "c$$m" type veth peer name "c$$c"
ip link set "c$$m" netns "$M"; ip link set "c$$c" netns "$C"
ip -n "$M" addr add 10.196.0.1/24 dev "c$$m"; ip -n "$C" addr add 10.196.0.2/24 dev "c$$c"
for ns in "$M" "$B" "$C"; do ip -n "$ns" link set lo up; done
ip -n "$M" link set "s$$m" up; ip -n "$B" link set "s$$b" up; ip -n "$M" link set "c$$m" up; ip -n "$C" link set "c$$c" up
# TIME_WAIT sockets of the client must not run out of ports at RATE/s
ip netns exec "$C" sysctl -qw net.ipv4.ip_local_port_range="1024 65000" net.ipv4.tcp_tw_reuse=1

conf() { # conf NAME LOCAL PEER IFACE
  cat > "$dir/$1.conf" <<EOF
Sync {
    Mode FTFW {
        ResendQueueSize 131072
        PurgeTimeout 60
        ACKWindowSize 300
        DisableExternalCache Off
    }
    UDP {
        IPv4_address $2
        IPv4_Destination_Address $3
        Port 3780
        Interface $4
        SndSocketBuffer 1249280
        RcvSocketBuffer 1249280
        Checksum on
    }
}
General {
    HashSize 8192
    HashLimit $HASH_LIMIT
    Syslog off
    LogFile off
    LockFile $dir/$1.lock
    UNIX {
        Path $dir/$1.ctl
    }
    NetlinkBufferSize 2097152
    NetlinkBufferSizeMaxGrowth 8388608
    Filter From Userspace {
        Protocol Accept {
            TCP
            UDP
        }
        Address Ignore {
            IPv4_address 127.0.0.1
            IPv4_address $2
            IPv4_address $3
        }
    }
}
EOF
}
conf m 10.197.0.1 10.197.0.2 "s$$m"
conf b 10.197.0.2 10.197.0.1 "s$$b"

start() { # start NAME NS
  ip netns exec "$2" /usr/sbin/conntrackd -C "$dir/$1.conf" > "$dir/$1.log" 2>&1 &
  echo $! > "$dir/$1.pid"
}
ctl() { ip netns exec "$2" /usr/sbin/conntrackd -C "$dir/$1.conf" "${@:3}"; }
# stat NAME NS: "external-active internal-active bytes-recv pkts-recv bytes-sent"
stat() {
  ctl "$1" "$2" -s | awk '
    /^cache internal:/ {c="i"} /^cache external:/ {c="e"}
    /current active connections:/ {a[c]=$NF}
    /traffic \(active device/ {t=1}
    t && /Bytes sent/ {bs=$1; br=$4} t && /Pckts sent/ {pr=$4; t=0}
    END {print a["e"]+0, a["i"]+0, br+0, pr+0, bs+0}'
}
restart_pair() {
  local n
  for n in m b; do [[ -f $dir/$n.pid ]] && { kill "$(cat "$dir/$n.pid")" 2>/dev/null || true; wait "$(cat "$dir/$n.pid")" 2>/dev/null || true; }; done
  ip netns exec "$M" conntrack -F 2>/dev/null || true; ip netns exec "$B" conntrack -F 2>/dev/null || true
  rm -f "$dir"/*.lock "$dir"/*.ctl
  start m "$M"; start b "$B"
  for _ in $(seq 100); do [[ -S $dir/m.ctl && -S $dir/b.ctl ]] && break; sleep 0.1; done
  sleep 0.5
}

printf '%-8s %-12s %-14s %-14s %-12s %s\n' entries synced_in_s commit_daemon commit_wall bytes_recv bytes_per_entry
for n in "${sizes[@]}"; do
  restart_pair
  # N entries from N sources to 10.196.0.1:80, established and assured, 10 min timeout
  python3 - "$n" > "$dir/load.txt" <<'EOF'
import sys
n = int(sys.argv[1])
for i in range(n):
    src = "10.%d.%d.%d" % (100 + i // 65536, i // 256 % 256, i % 256)  # one source per entry
    print("-I -s %s -d 10.196.0.1 -p tcp --sport %d --dport 80 --state ESTABLISHED -t 600 -u ASSURED"
          % (src, 1024 + i % 60000))
EOF
  read -r _ _ recv0 _ _ < <(stat b "$B")
  t0=$(date +%s.%N)
  ip netns exec "$M" conntrack -R "$dir/load.txt" > /dev/null 2>&1
  got=0
  for _ in $(seq 1200); do
    read -r got _ recv _ _ < <(stat b "$B")
    [[ $got -ge $n ]] && break
    sleep 0.1
  done
  t1=$(date +%s.%N)
  if [[ $got -lt $n ]]; then echo "backup's external cache holds $got of $n after 120 s" >&2; exit 1; fi
  before=$(grep -c 'commit has taken' "$dir/b.log" || true)
  c0=$(date +%s.%N)
  ctl b "$B" -c > /dev/null
  for _ in $(seq 3000); do
    [[ $(grep -c 'commit has taken' "$dir/b.log" || true) -gt $before ]] && break
    sleep 0.01
  done
  c1=$(date +%s.%N)
  daemon=$(grep 'commit has taken' "$dir/b.log" | tail -1 | sed 's/.*taken \([0-9.]*\) seconds.*/\1/')
  committed=$(grep 'Committed' "$dir/b.log" | tail -1 | sed 's/.*Committed \([0-9]*\) new.*/\1/')
  [[ $committed -ge $n ]] || { echo "the backup committed $committed of $n entries" >&2; exit 1; }
  printf '%-8d %-12.2f %-14s %-14.3f %-12d %.1f\n' "$n" "$(echo "$t1 - $t0" | bc)" "${daemon}s" \
    "$(echo "$c1 - $c0" | bc)" $((recv - recv0)) "$(echo "($recv - $recv0) / $n" | bc -l)"
done

[[ $traffic == 1 ]] || exit 0
restart_pair
# A namespace tracks connections only once a rule needs conntrack: one that counts them.
ip netns exec "$M" nft add table inet vsb
ip netns exec "$M" nft add chain inet vsb track '{ type filter hook input priority 0; }'
ip netns exec "$M" nft add rule inet vsb track ct state new counter
# A server on the master that accepts and closes, a client that opens and closes RATE connections/s.
ip netns exec "$M" python3 - > "$dir/server.log" 2>&1 <<'EOF' &
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.196.0.1", 80)); s.listen(4096)
while True:
    c, _ = s.accept(); c.close()
EOF
echo $! > "$dir/server.pid"
sleep 0.5
read -r _ _ recv0 _ _ < <(stat b "$B")
read -r _ _ _ _ sent0 < <(stat m "$M")
ip netns exec "$C" python3 - "$RATE" "$SECONDS_OF_TRAFFIC" <<'EOF'
import socket, sys, time
rate, seconds = int(sys.argv[1]), float(sys.argv[2])
start = time.monotonic(); n = 0; failed = 0
while time.monotonic() - start < seconds:
    due = start + n / rate
    now = time.monotonic()
    if due > now: time.sleep(due - now)
    try:
        c = socket.create_connection(("10.196.0.1", 80), timeout=2); c.close()
    except OSError:
        failed += 1
    n += 1
took = time.monotonic() - start
print("client: %d connections in %.1f s (%.0f/s), %d failed" % (n, took, n / took, failed), file=sys.stderr)
EOF
sleep 2 # what the last connections' updates and destroys still send
read -r _ _ recv _ _ < <(stat b "$B")
read -r _ _ _ _ sent < <(stat m "$M")
per_s_recv=$(echo "($recv - $recv0) / ($SECONDS_OF_TRAFFIC + 2)" | bc -l)
per_s_sent=$(echo "($sent - $sent0) / ($SECONDS_OF_TRAFFIC + 2)" | bc -l)
printf 'sync link at %d new connections/s: master sent %.0f B/s, backup received %.0f B/s (per 1,000 conn/s: %.0f B/s sent)\n' \
  "$RATE" "$per_s_sent" "$per_s_recv" "$(echo "$per_s_sent * 1000 / $RATE" | bc -l)"
