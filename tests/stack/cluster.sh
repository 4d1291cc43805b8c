#!/usr/bin/env bash
# Several serve nodes behind haproxy (ops/cluster.sh, docs/operations.md "Several nodes"):
#   1. chat through haproxy: pairs of matched users on WebSockets, each sending messages; one node
#      is killed with SIGKILL mid-conversation; its clients reconnect (another node), resume and
#      resend what had no ack: every message acknowledged, stored and received exactly once;
#   2. a rolling restart (SIGTERM node by node, each started again) while a load of REST requests
#      runs and the chat goes on: no request fails, the WebSockets close with 1012 (service
#      restart) and resume, nothing lost or doubled; every node is a new process afterwards.
# Its own database, Redis and ports (free_port, free_ports); the clients are tests/stack/cluster_client.py.
# Usage: cluster.sh PERFECTMATCH_BINARY (./pm test runs it through CTest with var/stack.env loaded).
set -euo pipefail
BIN=${1:?usage: cluster.sh PERFECTMATCH_BINARY}
SRC="$(cd "$(dirname "$0")/../.." && pwd)"
: "${PM_ADMIN_DATABASE_URL:?needs the variables of the stack: source var/stack.env}"
command -v haproxy >/dev/null || { echo "FAILED: haproxy is not installed (./pm deps test)" >&2; exit 1; }
/usr/bin/python3 -c 'import websockets' || { echo "FAILED: python3-websockets is not installed (./pm deps test)" >&2; exit 1; }
WORK=$(mktemp -d)
. "$SRC/tests/stack/lib.sh"
DB="pm_test_cluster_$$_$RANDOM"
SERVER="${PM_ADMIN_DATABASE_URL%/*}"
REDIS_PID="" CHAT_PID="" LOAD_PID=""
CLIENT="/usr/bin/python3 $SRC/tests/stack/cluster_client.py"
export PM_BIN=$BIN PM_CLUSTER_DIR="$WORK/cluster"
export PM_HTTP_PORT=$(free_port) PM_CLUSTER_STATS_PORT=$(free_port) PM_WORKER_METRICS_PORT=$(free_port)
# Three nodes on consecutive ports, all three reserved (a port only seen free was bound by another
# test before node3 started, in CI).
export PM_CLUSTER_NODE_PORT=$(free_ports 3)
URL="http://127.0.0.1:$PM_HTTP_PORT"
CLUSTER="$SRC/ops/cluster.sh"

fail() {
  echo "FAILED: $*" >&2
  for f in "$WORK"/cluster/*.log; do [[ -f $f ]] && { echo "--- $f" >&2; tail -5 "$f" >&2; }; done
  exit 1
}
cleanup() {
  [[ -n $CHAT_PID ]] && kill "$CHAT_PID" 2>/dev/null
  [[ -n $LOAD_PID ]] && kill "$LOAD_PID" 2>/dev/null
  "$CLUSTER" down >/dev/null 2>&1 || true
  [[ -n $REDIS_PID ]] && kill -KILL "$REDIS_PID" 2>/dev/null
  drop_own_database
  rm -rf "$WORK"
}
trap cleanup EXIT

# Redis of its own (no other test's rate limits or events), without persistence.
REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize no --logfile "$WORK/redis.log" &
REDIS_PID=$!
disown "$REDIS_PID"  # (killed at the end: no job notice)
for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done

export PM_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
export PM_WEB_DIR=
# The load sends more than a person would: the per-user limits are not what is tested here.
export PM_MESSAGE_RATE_LIMIT=1000000 PM_WS_FRAMES_PER_10S=1000000
# Three send lanes a node (one is the default, docs/messaging.md): the chats below check that every
# message arrives once and in order, so several lanes per node stay under a test.
export PM_MESSAGE_SEND_LANES=3
# Drain for 2.5 s: haproxy (2 failed checks 500 ms apart) sees the 503 well before the node stops.
export PM_DRAIN_DELAY_MS=2500
own_database
"$BIN" loadtest-pairs --pairs 4 --out "$WORK/pairs.jsonl" >/dev/null 2>&1 || fail "loadtest-pairs"

"$CLUSTER" up 3 2>"$WORK/cluster-up.log" || { cat "$WORK/cluster-up.log" >&2; fail "cluster up 3"; }
[[ $(curl -s -o /dev/null -w '%{http_code}' "$URL/readyz") == 200 ]] || fail "/readyz through haproxy"
[[ $(curl -s -o /dev/null -w '%{http_code}' "$URL/metrics") == 404 ]] || fail "/metrics served to the public through haproxy"
for path in '/metrics?x' '//metrics' '/metrics/' '///metrics//'; do
  [[ $(curl -s --path-as-is -o /dev/null -w '%{http_code}' "$URL$path") == 404 ]] || fail "$path served through haproxy"
done
[[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PM_CLUSTER_NODE_PORT/metrics") == 200 ]] ||
  fail "a node's own /metrics (where Prometheus scrapes it)"

wait_file() { for _ in $(seq 200); do [[ -f $1 ]] && return 0; sleep 0.1; done; return 1; }
report_of() { tail -1 "$1"; }

# ---- 1. a node killed mid-conversation ----
$CLIENT chat --url "$URL" --pairs-file "$WORK/pairs.jsonl" --messages 60 --interval 0.05 --tag kill \
  --ready-file "$WORK/chat1.ready" >"$WORK/chat1.json" 2>"$WORK/chat1.err" &
CHAT_PID=$!
wait_file "$WORK/chat1.ready" || fail "the chat clients did not connect through haproxy: $(cat "$WORK/chat1.err")"
sleep 1  # (let the conversation run: messages in flight when the node dies)
kill -KILL "$(cat "$WORK/cluster/node1.pid")"
rc=0
wait "$CHAT_PID" || rc=$?
CHAT_PID=""
report=$(report_of "$WORK/chat1.json") || true
echo "after SIGKILL of node1: $report"
((rc == 0)) || fail "chat across a killed node: $report $(tail -3 "$WORK/chat1.err")"
(($(jq .reconnects <<<"$report") > 0)) || fail "no client was on the killed node (nothing was tested): $report"

# The killed node comes back with `up` (it starts the nodes that are not running).
"$CLUSTER" up 3 2>>"$WORK/cluster-up.log" || fail "cluster up 3 after the kill"

# ---- 2. a rolling restart under load ----
old_pids=$(cat "$WORK"/cluster/node{1,2,3}.pid)
$CLIENT load --url "$URL" --pairs-file "$WORK/pairs.jsonl" --threads 4 --tag load \
  --stop-file "$WORK/load.stop" >"$WORK/load.json" 2>"$WORK/load.err" &
LOAD_PID=$!
# The chat goes on until the restart is over (load.stop), so every node stops with sockets on it,
# however long each takes; the REST load writes to the same conversations, so a client away for a
# moment has more to catch up than one replay holds (it asks again: `more`).
$CLIENT chat --url "$URL" --pairs-file "$WORK/pairs.jsonl" --messages 40 --interval 0.05 --tag roll \
  --until-file "$WORK/load.stop" --timeout 600 --ready-file "$WORK/chat2.ready" >"$WORK/chat2.json" 2>"$WORK/chat2.err" &
CHAT_PID=$!
wait_file "$WORK/chat2.ready" || fail "the chat clients did not connect: $(cat "$WORK/chat2.err")"
"$CLUSTER" restart 2>"$WORK/restart.log" || { cat "$WORK/restart.log" >&2; fail "rolling restart"; }
touch "$WORK/load.stop"
rc=0
wait "$LOAD_PID" || rc=$?
LOAD_PID=""
load=$(report_of "$WORK/load.json") || true
echo "rolling restart, REST load: $load"
((rc == 0)) || fail "requests failed during the rolling restart: $load $(tail -3 "$WORK/load.err")"
(($(jq .requests <<<"$load") > 0)) || fail "the load sent no request"
rc=0
wait "$CHAT_PID" || rc=$?
CHAT_PID=""
report=$(report_of "$WORK/chat2.json") || true
echo "rolling restart, chat: $report"
((rc == 0)) || fail "chat during the rolling restart: $report $(tail -3 "$WORK/chat2.err")"
jq -e '.close_codes | index("1012")' <<<"$report" >/dev/null ||
  fail "no socket was closed with 1012 (service restart) by a draining node: $report"
new_pids=$(cat "$WORK"/cluster/node{1,2,3}.pid)
for pid in $old_pids; do
  grep -qx "$pid" <<<"$new_pids" && fail "node pid $pid was not restarted"
done
# Each node was taken out because it said so (/readyz 503 while draining), not because it was gone.
for i in 1 2 3; do
  grep -q "nodes/node$i is DOWN, reason: Layer7 wrong status, code: 503" "$WORK/cluster/haproxy.log" ||
    fail "haproxy did not see node$i's /readyz answer 503 while it drained"
done
echo "a node killed mid-chat and a rolling restart under load: nothing lost, doubled or failed"
