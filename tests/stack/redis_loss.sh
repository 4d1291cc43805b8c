#!/usr/bin/env bash
# Losing Redis loses sessions, caches and counters, nothing else (docs/operations.md): a server
# whose Redis is emptied (FLUSHALL), then destroyed and replaced by an empty one, keeps serving;
# its signed-in user is signed out and signs in again; /readyz says 503 while Redis is gone and
# 200 as soon as an empty one is back, without a restart of the server.
# Usage: redis_loss.sh PERFECTMATCH_BINARY (./pm test runs it through CTest with var/stack.env loaded).
set -euo pipefail
BIN=${1:?usage: redis_loss.sh PERFECTMATCH_BINARY}
SRC="$(cd "$(dirname "$0")/../.." && pwd)"
: "${PM_ADMIN_DATABASE_URL:?needs the variables of the stack: source var/stack.env}"
WORK=$(mktemp -d)
. "$SRC/tests/stack/lib.sh"
REDIS_PORT=$(free_port)
HTTP_PORT=$(free_port)
DB="pm_test_redis_loss_$$_$RANDOM"
SERVER="${PM_ADMIN_DATABASE_URL%/*}"
REDIS_PID="" SERVE_PID=""
fail() { echo "FAILED: $*" >&2; [[ -f $WORK/serve.log ]] && tail -5 "$WORK/serve.log" >&2; exit 1; }
cleanup() {
  [[ -n $SERVE_PID ]] && kill "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID" 2>/dev/null
  [[ -n $REDIS_PID ]] && kill -KILL "$REDIS_PID" 2>/dev/null
  drop_own_database
  rm -rf "$WORK"
}
trap cleanup EXIT

# Redis as ./pm runs it (append-only file every second, snapshots), in a folder of its own.
redis_start() {
  mkdir -p "$WORK/redis"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$WORK/redis" --appendonly yes --appendfsync everysec \
    --save "3600 1 300 100 60 10000" --daemonize no --logfile "$WORK/redis.log" &
  REDIS_PID=$!
  disown "$REDIS_PID"  # (killed on purpose below: no job notice)
  for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && return; sleep 0.1; done
  fail "redis-server did not start"
}

export PM_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0" PM_HTTP_PORT=$HTTP_PORT PM_HANDLER_THREADS=4 PM_SESSION_CACHE_MS=100 PM_REDIS_TIMEOUT_MS=300
own_database
"$BIN" questions import "$SRC/data/questions/perfect-match.json" >/dev/null
redis_start
"$BIN" seed --users 2 --no-photos >/dev/null 2>&1 || fail "seed"

BASE="http://127.0.0.1:$HTTP_PORT"
"$BIN" serve >"$WORK/serve.log" 2>&1 &
SERVE_PID=$!
status() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
wait_for() { # wait_for CODE URL [CURL ARGS...]: up to 10 s
  local want=$1; shift
  for _ in $(seq 100); do [[ $(status "$@") == "$want" ]] && return 0; sleep 0.1; done
  return 1
}
wait_for 200 "$BASE/readyz" || fail "the server did not become ready"
sign_in() {
  curl -s -X POST "$BASE/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d '{"email":"demo1@demo.perfectmatch.test","password":"perfect-match-demo"}' | jq -r '.token // empty'
}
me() { status "$BASE/api/v1/me" -H "Authorization: Bearer $1"; }

token=$(sign_in)
[[ -n $token ]] || fail "the first sign-in"
[[ $(me "$token") == 200 ]] || fail "GET /me with a fresh session"

# 1. Emptied: the session is gone (401 once the server's short cache ends), a new sign-in works.
redis-cli -p "$REDIS_PORT" flushall >/dev/null
wait_for 401 "$BASE/api/v1/me" -H "Authorization: Bearer $token" || fail "a session of an emptied Redis still works"
token=$(sign_in)
[[ -n $token ]] || fail "signing in again after FLUSHALL"
[[ $(me "$token") == 200 ]] || fail "GET /me after signing in again (FLUSHALL)"
[[ $(status "$BASE/readyz") == 200 ]] || fail "/readyz after FLUSHALL"

# 2. Destroyed (killed, its files deleted): not ready, still alive; an empty Redis brings it back.
# First the server's pool must hold several connections to the Redis that dies: requests at once
# while Redis holds every command for 150 ms (CLIENT PAUSE, under the 300 ms command timeout), so
# each handler thread waits on a connection of its own. (/readyz asks Redis each time; a signed-in
# request may be answered from the server's cache.) Without the pause one connection could serve
# them all one after another.
pooled=0
for _ in $(seq 5); do
  redis-cli -p "$REDIS_PORT" client pause 150 all >/dev/null
  pids=()
  for _ in $(seq 16); do status "$BASE/readyz" >/dev/null & pids+=($!); done
  wait "${pids[@]}"
  pooled=$(redis-cli -p "$REDIS_PORT" client list | grep -c 'cmd=ping') || true
  ((pooled >= 2)) && break
done
((pooled >= 2)) || fail "the server holds $pooled pooled connections to Redis, not several"
kill -KILL "$REDIS_PID"
for _ in $(seq 50); do kill -0 "$REDIS_PID" 2>/dev/null || break; sleep 0.1; done
REDIS_PID=""
rm -rf "$WORK/redis"
wait_for 503 "$BASE/readyz" || fail "/readyz while Redis is gone"
[[ $(status "$BASE/healthz") == 200 ]] || fail "/healthz while Redis is gone"
redis_start
# Back at once, for every request: the pooled connections to the dead Redis are noticed and
# dropped before they are used, not each failing a request (a 503) first. A session from before
# the loss has ended (once the server's 100 ms cache of it has).
sleep 0.2
code=$(status "$BASE/readyz")
[[ $code == 200 ]] || fail "/readyz, the first request once an empty Redis is back: $code, not 200"
for i in $(seq 8); do
  code=$(me "$token")
  [[ $code == 401 ]] || fail "a session from before the loss, request $i once Redis is back: $code, not 401"
done
token=$(sign_in)
[[ -n $token ]] || fail "signing in with an empty Redis"
[[ $(me "$token") == 200 ]] || fail "GET /me after signing in with an empty Redis"
# Persistence as configured: the new session is in the append-only file within a second or so
# (everysec; longer while a background fsync is under way: waited for up to 10 s).
for _ in $(seq 50); do
  grep -rqa "sessions:" "$WORK/redis" && break
  sleep 0.2
done
grep -rqa "sessions:" "$WORK/redis" || fail "the new session did not reach Redis's append-only file"
echo "Redis emptied, then destroyed and replaced: the server kept serving, sessions ended, sign-in and readiness came back"
