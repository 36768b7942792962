# Shared by bench/run.sh and bench/cps.sh (sourced, not run).

# Waits until a TCP port on 127.0.0.1 accepts connections, or exits the script.
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; exit 1; }

# The median of numbers given on stdin, separated by spaces or newlines.
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{v[NR]=$1} END{print v[int((NR+1)/2)]}'; }

# HAProxy 2.6 in mode tcp, 2 threads, round robin: haproxy_cfg FILE LISTEN_PORT BACKEND_PORT BACKEND_PORT
haproxy_cfg() {
  cat > "$1" <<CONF
global
  maxconn 8000
  nbthread 2
defaults
  mode tcp
  timeout connect 5s
  timeout client 300s
  timeout server 300s
frontend fe
  bind 127.0.0.1:$2
  default_backend be
backend be
  balance roundrobin
  server s1 127.0.0.1:$3
  server s2 127.0.0.1:$4
CONF
}
