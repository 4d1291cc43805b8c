#!/usr/bin/env bash
# HTTP server overhead, each figure beside nginx on the same machine in the same run, both driven
# by wrk on loopback with the same settings (docs/benchmarks.md):
#   1. GET /healthz on `perfectmatch serve` against nginx answering the same JSON from its config;
#   2. an authenticated GET /api/v1/matches whose page is in the match cache, against nginx
#      serving a static file of exactly that response's bytes.
# Writes bench/results/http.json.
#
#   bench/http.sh BIN     (PM_BENCH_SECONDS: each wrk run, default 10; PM_BENCH_CONNECTIONS: 64)
#
# Works in its own database, perfectmatch_bench_http, and Redis database 13 (both emptied at the
# end), so the development data is never touched.
set -euo pipefail
BIN="$1"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$ROOT/var/bench/http"
DURATION="${PM_BENCH_SECONDS:-10}"
CONNECTIONS="${PM_BENCH_CONNECTIONS:-64}"
USERS=3000
mkdir -p "$WORK/www" "$WORK/tmp"

[[ -f $ROOT/var/stack.env ]] || "$ROOT/pm" stack up >/dev/null
# shellcheck disable=SC1091
source "$ROOT/var/stack.env"
ADMIN_URL="${PM_ADMIN_DATABASE_URL%/*}/postgres"
DB_URL="${PM_ADMIN_DATABASE_URL%/*}/perfectmatch_bench_http"
export PM_DATABASE_URL="${PM_DATABASE_URL%/*}/perfectmatch_bench_http"
export PM_MIGRATE_DATABASE_URL="${PM_MIGRATE_DATABASE_URL%/*}/perfectmatch_bench_http"
export PM_REDIS_URL="${PM_REDIS_URL%/*}/13"
export PM_LOG_LEVEL="${PM_LOG_LEVEL:-warn}" PM_MEDIA_DIR="$WORK/media" PM_MAIL_DIR="$WORK/mail"

wait_port() { for _ in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }
drop_db() { PGOPTIONS="--client-min-messages=warning" psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS perfectmatch_bench_http WITH (FORCE)" >/dev/null; }
flush_redis() { redis-cli -u "$PM_REDIS_URL" FLUSHDB >/dev/null 2>&1 || true; }  # the bench's own Redis database
PM_PID=""
cleanup() {
  [[ -n $PM_PID ]] && kill "$PM_PID" 2>/dev/null
  nginx -c "$WORK/nginx.conf" -p "$WORK" -s stop 2>/dev/null || true
  drop_db
  flush_redis
}
trap cleanup EXIT

# A small population with matches, and one of them signed in.
drop_db
psql "$ADMIN_URL" -qc "CREATE DATABASE perfectmatch_bench_http" >/dev/null
PGOPTIONS="--client-min-messages=warning" psql "$DB_URL" -v ON_ERROR_STOP=1 -qf "$ROOT/deps/postgres-bootstrap.sql" >/dev/null
{
  "$BIN" migrate up
  "$BIN" questions import "$ROOT/data/questions/perfect-match.json"
  "$BIN" seed --users "$USERS" --no-photos
  "$BIN" matches generate --all
} >"$WORK/setup.log" 2>&1
PM_PORT="${PM_BENCH_PM_PORT:-18082}"
PM_IO_THREADS=1 "$BIN" serve --port "$PM_PORT" >"$WORK/serve.log" 2>&1 &
PM_PID=$!
wait_port "$PM_PORT"
# The demo user with the fullest first page (20 matches at most) among the first 30; their first
# read filled the match cache, the one below must come from it.
BEST=-1
for n in $(seq 1 30); do
  token=$(curl -fsS "http://127.0.0.1:$PM_PORT/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"email\": \"demo$n@demo.perfectmatch.test\", \"password\": \"perfect-match-demo\"}" | jq -r .token)
  count=$(curl -fsS "http://127.0.0.1:$PM_PORT/api/v1/matches" -H "Authorization: Bearer $token" | jq '.matches | length')
  ((count > BEST)) && BEST=$count && AUTH="Authorization: Bearer $token"
  ((BEST >= 20)) && break
done
curl -fsS "http://127.0.0.1:$PM_PORT/api/v1/matches" -H "$AUTH" >"$WORK/www/matches.json"
SOURCE=$(jq -r .source "$WORK/www/matches.json")
COUNT=$(jq '.matches | length' "$WORK/www/matches.json")
BYTES=$(stat -c %s "$WORK/www/matches.json")
[[ $SOURCE == cache && $COUNT -gt 0 ]] || { echo "bench/http.sh: the page came from $SOURCE with $COUNT matches" >&2; exit 1; }

NGINX_PORT="${PM_BENCH_NGINX_PORT:-18081}"
cat >"$WORK/nginx.conf" <<CONF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $WORK/tmp;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location = /healthz { default_type application/json; return 200 '{"status":"ok"}'; }
    location = /api/v1/matches { default_type application/json; alias $WORK/www/matches.json; }
  }
}
CONF
nginx -c "$WORK/nginx.conf" -p "$WORK"
wait_port "$NGINX_PORT"

measure() { # measure PORT PATH [HEADER] -> "requests/s p50 p99"
  local out="$WORK/wrk-$1-${2//\//_}.txt"
  wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency ${3:+-H "$3"} "http://127.0.0.1:$1$2" >"$out"
  grep -q "Non-2xx" "$out" && { echo "bench/http.sh: non-2xx answers on $2 (port $1)" >&2; exit 1; }
  echo "$(awk '/Requests\/sec/ {print $2}' "$out") $(awk '$1=="50%" {print $2}' "$out") $(awk '$1=="99%" {print $2}' "$out")"
}
LOAD=$(cut -d' ' -f1 /proc/loadavg)
read -r HN_RPS HN_P50 HN_P99 <<<"$(measure "$NGINX_PORT" /healthz)"
read -r HP_RPS HP_P50 HP_P99 <<<"$(measure "$PM_PORT" /healthz)"
read -r MN_RPS MN_P50 MN_P99 <<<"$(measure "$NGINX_PORT" /api/v1/matches)"
read -r MP_RPS MP_P50 MP_P99 <<<"$(measure "$PM_PORT" /api/v1/matches "$AUTH")"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

echo "wrk -t1 -c$CONNECTIONS -d${DURATION}s; one nginx worker against perfectmatch serve with PM_IO_THREADS=1; load average $LOAD at the start:"
echo "| request | server | requests/s | p50 | p99 |"
echo "|---|---|---|---|---|"
echo "| GET /healthz | nginx (reference) | $HN_RPS | $HN_P50 | $HN_P99 |"
echo "| GET /healthz | perfectmatch | $HP_RPS | $HP_P50 | $HP_P99 |"
echo "| GET /api/v1/matches ($COUNT matches, $BYTES bytes) | nginx, the same bytes as a static file (reference) | $MN_RPS | $MN_P50 | $MN_P99 |"
echo "| GET /api/v1/matches, signed in, from the match cache | perfectmatch | $MP_RPS | $MP_P50 | $MP_P99 |"
echo "ratio perfectmatch / nginx (requests/s): /healthz $(ratio "$HP_RPS" "$HN_RPS"), /api/v1/matches $(ratio "$MP_RPS" "$MN_RPS")"

mkdir -p "$ROOT/bench/results"
jq -n --arg date "$(date -u +%FT%TZ)" --arg load "$LOAD" --arg conns "$CONNECTIONS" --arg secs "$DURATION" \
  --arg hn "$HN_RPS" --arg hp "$HP_RPS" --arg hp50 "$HP_P50" --arg hp99 "$HP_P99" \
  --arg mn "$MN_RPS" --arg mp "$MP_RPS" --arg mp50 "$MP_P50" --arg mp99 "$MP_P99" --arg bytes "$BYTES" '{
  date: $date, command: "bench/http.sh build/release/perfectmatch", load_average: ($load | tonumber),
  wrk: {threads: 1, connections: ($conns | tonumber), seconds: ($secs | tonumber)},
  healthz: {nginx_rps: ($hn | tonumber), perfectmatch_rps: ($hp | tonumber), ratio: (($hp | tonumber) / ($hn | tonumber)),
            perfectmatch_p50: $hp50, perfectmatch_p99: $hp99, target_ratio: 0.5},
  matches_cached: {bytes: ($bytes | tonumber), nginx_static_rps: ($mn | tonumber), perfectmatch_rps: ($mp | tonumber),
                   ratio: (($mp | tonumber) / ($mn | tonumber)), perfectmatch_p50: $mp50, perfectmatch_p99: $mp99,
                   target_ratio: 0.25}
}' >"$ROOT/bench/results/http.json"
echo "written: bench/results/http.json"
