# Shared by bench/run.sh and bench/cps.sh (sourced, not run).

# Waits until a TCP port on 127.0.0.1 accepts connections, or exits the script.
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; exit 1; }

# The median of numbers given on stdin, separated by spaces or newlines.
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{v[NR]=$1} END{print v[int((NR+1)/2)]}'; }

# HAProxy 2.6 in mode tcp, 2 threads, round robin: haproxy_cfg FILE LISTEN BACKEND... where LISTEN and each
# BACKEND are PORT (on 127.0.0.1) or ADDRESS:PORT
haproxy_cfg() {
  local file=$1 listen=$2 n=0 b; shift 2
  [[ $listen == *:* ]] || listen=127.0.0.1:$listen
  {
    printf 'global\n  maxconn 8000\n  nbthread 2\ndefaults\n  mode tcp\n  timeout connect 5s\n'
    printf '  timeout client 300s\n  timeout server 300s\nfrontend fe\n  bind %s\n  default_backend be\n' "$listen"
    printf 'backend be\n  balance roundrobin\n'
    for b in "$@"; do
      n=$((n + 1)); [[ $b == *:* ]] || b=127.0.0.1:$b
      printf '  server s%d %s\n' "$n" "$b"
    done
  } > "$file"
}
