#!/usr/bin/env bash
# Server overhead: requests/s and latency of GET /healthz on `perfectmatch serve`, beside nginx
# answering the same JSON from its config, both driven by wrk on loopback with the same settings.
set -euo pipefail
BIN="$1"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$ROOT/var/bench/http"
DURATION="${PM_BENCH_SECONDS:-10}"
CONNECTIONS="${PM_BENCH_CONNECTIONS:-64}"
mkdir -p "$WORK"

wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }

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
  }
}
CONF
mkdir -p "$WORK/tmp"
nginx -c "$WORK/nginx.conf" -p "$WORK"
PM_PORT="${PM_BENCH_PM_PORT:-18082}"
PM_IO_THREADS=1 "$BIN" serve --port "$PM_PORT" >"$WORK/serve.log" 2>&1 &
PM_PID=$!
trap 'kill $PM_PID 2>/dev/null || true; nginx -c "$WORK/nginx.conf" -p "$WORK" -s stop 2>/dev/null || true' EXIT
wait_port "$NGINX_PORT"
wait_port "$PM_PORT"

measure() { # measure PORT -> "requests/s p50 p99"
  wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency "http://127.0.0.1:$1/healthz" >"$WORK/wrk-$1.txt"
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk-$1.txt")
  p50=$(awk '$1=="50%" {print $2}' "$WORK/wrk-$1.txt")
  p99=$(awk '$1=="99%" {print $2}' "$WORK/wrk-$1.txt")
  echo "$rps $p50 $p99"
}

read -r N_RPS N_P50 N_P99 <<<"$(measure "$NGINX_PORT")"
read -r P_RPS P_P50 P_P99 <<<"$(measure "$PM_PORT")"
RATIO=$(awk -v a="$P_RPS" -v b="$N_RPS" 'BEGIN {printf "%.2f", a / b}')
echo "GET /healthz, wrk -t1 -c$CONNECTIONS -d${DURATION}s, one nginx worker vs perfectmatch with PM_IO_THREADS=1:"
echo "| server | requests/s | p50 | p99 |"
echo "|---|---|---|---|"
echo "| nginx 1 worker (reference) | $N_RPS | $N_P50 | $N_P99 |"
echo "| perfectmatch serve | $P_RPS | $P_P50 | $P_P99 |"
echo "ratio perfectmatch / nginx (requests/s): $RATIO"
