#!/usr/bin/env bash
# ops/cluster.sh: several `perfectmatch serve` nodes behind haproxy, and one worker, on loopback
# (docs/operations.md: "Several nodes"). `./pm cluster up N` runs it on the local stack; the test
# tests/stack/cluster.sh runs it on a database and ports of its own.
#
#   cluster.sh up N     start the missing nodes of 1..N, stop those above N, write haproxy's
#                       configuration and start haproxy (or reload it: no connection is dropped),
#                       start the worker if it is not running; returns once haproxy sees N nodes up
#   cluster.sh restart  rolling restart: each node in turn gets SIGTERM (it drains: /readyz 503,
#                       haproxy takes it out, in-flight requests finish, WebSockets close with 1012),
#                       is started again and is back in haproxy before the next one goes
#   cluster.sh status   haproxy's view of the nodes (name, status, sessions)
#   cluster.sh down     stop haproxy, the nodes (SIGTERM: they drain) and the worker
#
# Environment: the PM_* settings of the nodes (PM_DATABASE_URL, PM_REDIS_URL, keys: var/stack.env),
# PM_BIN (the perfectmatch binary), PM_CLUSTER_DIR (pids, logs, haproxy.cfg), PM_HTTP_PORT (haproxy's
# port: the one clients use), PM_CLUSTER_NODE_PORT (node i listens on it + i - 1; default
# PM_HTTP_PORT + 10), PM_CLUSTER_STATS_PORT (haproxy's CSV statistics, loopback; default
# PM_HTTP_PORT + 9), PM_DRAIN_DELAY_MS (how long a stopping node keeps answering while haproxy
# notices its /readyz 503; default 2000, above haproxy's 2 failed checks 500 ms apart),
# PM_WORKER_METRICS_PORT (the worker's /metrics; default PM_HTTP_PORT + 8).
set -euo pipefail

BIN=${PM_BIN:?PM_BIN: the perfectmatch binary}
DIR=$(realpath -m "${PM_CLUSTER_DIR:?PM_CLUSTER_DIR: where the cluster keeps its pids and logs}")
LB_PORT=${PM_HTTP_PORT:-8080}
NODE_PORT=${PM_CLUSTER_NODE_PORT:-$((LB_PORT + 10))}
STATS_PORT=${PM_CLUSTER_STATS_PORT:-$((LB_PORT + 9))}
WORKER_METRICS_PORT=${PM_WORKER_METRICS_PORT:-$((LB_PORT + 8))}
export PM_DRAIN_DELAY_MS=${PM_DRAIN_DELAY_MS:-2000}
# haproxy connects from loopback and appends the client's address to X-Forwarded-For.
export PM_TRUSTED_PROXIES=127.0.0.1
mkdir -p "$DIR"

say() { printf '\033[1mcluster:\033[0m %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

alive() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }
node_count() { cat "$DIR/nodes" 2>/dev/null || echo 0; }

# haproxy's statistics as CSV lines: proxy,server,...,status (field 18) of the backend's servers.
stats() { curl -fsS --max-time 2 "http://127.0.0.1:$STATS_PORT/stats;csv" 2>/dev/null | awk -F, '$1 == "nodes"'; }
server_status() { stats | awk -F, -v s="$1" '$2 == s {print $18}'; }
wait_up() { # wait_up I: until node I answers /readyz 200 and haproxy's checks see it up
  local port=$((NODE_PORT + $1 - 1))
  # (haproxy counts a server it has not checked yet as up: ask the node itself first)
  for _ in $(seq 300); do
    [[ $(curl -s -o /dev/null --max-time 2 -w '%{http_code}' "http://127.0.0.1:$port/readyz") == 200 &&
      $(server_status "node$1") == UP ]] && return 0
    sleep 0.1
  done
  die "node$1 is not up in haproxy within 30 s (its log: $DIR/node$1.log)"
}

start_node() { # start_node I
  local i=$1 port=$((NODE_PORT + $1 - 1))
  alive "$DIR/node$i.pid" && return 0
  # setsid: the node outlives this script and a Ctrl-C in the terminal that started it.
  PM_HTTP_HOST=127.0.0.1 PM_HTTP_PORT=$port setsid "$BIN" serve >>"$DIR/node$i.log" 2>&1 </dev/null &
  echo $! >"$DIR/node$i.pid"
  say "node$i: serve on 127.0.0.1:$port (pid $!, log $DIR/node$i.log)"
}

stop_pid_file() { # stop_pid_file FILE: SIGTERM, wait for the exit (drain delay + grace), SIGKILL after 60 s
  local f=$1 pid
  alive "$f" || { rm -f "$f"; return 0; }
  pid=$(cat "$f")
  kill -TERM "$pid"
  for _ in $(seq 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; say "pid $pid did not stop within 60 s: killed"; fi
  rm -f "$f"
}

write_haproxy_cfg() { # write_haproxy_cfg N
  local n=$1 i
  {
    cat <<EOF
# Written by ops/cluster.sh (docs/operations.md: "Several nodes"); rewritten by every \`up\`.
global
  # Master-worker in the foreground (ops/cluster.sh runs it in the background): SIGUSR2 reloads.
  master-worker
  log stderr format short local0 notice
  # Two file descriptors per connection (client and node side): 8,000 fit the usual limit of
  # 20,000 open files; raise both together (docs/scaling.md).
  maxconn 8000

defaults
  mode http
  log global
  option httplog
  option dontlognull
  # The client's address for the nodes' rate limits and logs (they trust 127.0.0.1: PM_TRUSTED_PROXIES).
  option forwardfor
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  # An upgraded WebSocket: the server pings every PM_WS_IDLE_TIMEOUT_MS / 2 (30 s).
  timeout tunnel 1h
  timeout http-keep-alive 10s
  # A connection refused (a node just stopped or was killed) is tried again on another node.
  retries 3
  option redispatch 1
  # A request a killed node never answered is retried elsewhere only when repeating it is harmless
  # (RFC 9110's idempotent methods); a POST gets the 502 and the client decides (messages carry
  # client_message_id, so resending one is safe).
  retry-on conn-failure empty-response response-timeout

frontend api
  bind 127.0.0.1:$LB_PORT
  http-request disable-l7-retry if !{ method GET HEAD PUT DELETE OPTIONS }
  # The nodes' metrics (live sockets, every route's volume, pool saturation) are the operators':
  # scraped from each node directly, never served to the public through the balancer.
  # (Any slashes around it: the nodes' router drops empty segments, so //metrics is /metrics.)
  http-request deny deny_status 404 if { path_reg ^/+metrics/*$ }
  default_backend nodes

backend nodes
  # Least connections: WebSockets are long-lived, round robin would pile them on the oldest nodes.
  balance leastconn
  # /readyz answers 503 when PostgreSQL or Redis is unreachable and while a node drains (SIGTERM).
  option httpchk GET /readyz
  http-check expect status 200
  default-server check inter 500ms fall 2 rise 2 maxconn 2000
EOF
    for ((i = 1; i <= n; i++)); do echo "  server node$i 127.0.0.1:$((NODE_PORT + i - 1))"; done
    cat <<EOF

listen stats
  bind 127.0.0.1:$STATS_PORT
  stats enable
  stats uri /stats
  stats refresh 5s
EOF
  } >"$DIR/haproxy.cfg.new"
  haproxy -c -q -f "$DIR/haproxy.cfg.new" || die "haproxy refused the configuration ($DIR/haproxy.cfg.new)"
  mv "$DIR/haproxy.cfg.new" "$DIR/haproxy.cfg"
}

start_haproxy() {
  if alive "$DIR/haproxy.pid"; then
    # A reload: a new worker takes the listening socket, the old one finishes its connections.
    kill -USR2 "$(cat "$DIR/haproxy.pid")"
  else
    setsid haproxy -db -f "$DIR/haproxy.cfg" >>"$DIR/haproxy.log" 2>&1 </dev/null &
    echo $! >"$DIR/haproxy.pid"
  fi
  for _ in $(seq 50); do stats | grep -q . && return 0; sleep 0.1; done
  die "haproxy did not start (its log: $DIR/haproxy.log)"
}

start_worker() {
  alive "$DIR/worker.pid" && return 0
  PM_WORKER_METRICS_PORT=$WORKER_METRICS_PORT setsid "$BIN" worker >>"$DIR/worker.log" 2>&1 </dev/null &
  echo $! >"$DIR/worker.pid"
  say "worker: pid $!, metrics on http://127.0.0.1:$WORKER_METRICS_PORT/metrics (log $DIR/worker.log)"
}

cmd_up() {
  local n=${1:?usage: cluster.sh up N} old i
  [[ $n =~ ^[1-9][0-9]*$ ]] || die "N must be a number of nodes (1 or more)"
  old=$(node_count)
  for ((i = 1; i <= n; i++)); do start_node "$i"; done
  # Scaling down: haproxy forgets the nodes above N first, then they drain and stop.
  echo "$n" >"$DIR/nodes"
  write_haproxy_cfg "$n"
  start_haproxy
  for ((i = n + 1; i <= old; i++)); do stop_pid_file "$DIR/node$i.pid" && say "node$i stopped"; done
  start_worker
  for ((i = 1; i <= n; i++)); do wait_up "$i"; done
  say "$n node(s) up behind haproxy on http://127.0.0.1:$LB_PORT (statistics: http://127.0.0.1:$STATS_PORT/stats)"
}

cmd_restart() {
  local n i
  n=$(node_count)
  ((n > 0)) || die "no cluster is running (cluster.sh up N)"
  for ((i = 1; i <= n; i++)); do
    say "node$i: draining and stopping"
    stop_pid_file "$DIR/node$i.pid"
    start_node "$i"
    wait_up "$i"
  done
  say "rolling restart done: $n node(s) up"
}

cmd_down() {
  local i n
  n=$(node_count)
  # haproxy first: nothing new reaches the nodes, then they finish what they have.
  if alive "$DIR/haproxy.pid"; then stop_pid_file "$DIR/haproxy.pid"; fi
  for ((i = 1; i <= n; i++)); do stop_pid_file "$DIR/node$i.pid"; done
  stop_pid_file "$DIR/worker.pid"
  rm -f "$DIR/nodes"
  say "cluster stopped"
}

case "${1:-}" in
  up) cmd_up "${2:-}" ;;
  restart) cmd_restart ;;
  status) stats | awk -F, '{printf "%-8s %-6s sessions %s\n", $2, $18, $5}' ;;
  down) cmd_down ;;
  *) die "usage: cluster.sh up N | restart | status | down" ;;
esac
