#!/usr/bin/env bash
# The worker's /metrics (PM_WORKER_METRICS_PORT, app/worker_metrics.hpp) follow its queues: users
# queued for generation an hour ago and a pending job, held (row locks) so the worker cannot take
# them yet, show as a queue of that length, a lag of an hour or more and a pending job; once let
# go, the worker does them and the numbers fall to 0; an old finished job is deleted by the
# activity retention and counted; the loop's rounds are counted; a held mail shows as the email
# backlog, and once let go an unreadable one is failed for good and counted (channel="email").
# Usage: worker_metrics.sh PERFECTMATCH_BINARY (./pm test runs it through CTest with var/stack.env loaded).
set -euo pipefail
BIN=${1:?usage: worker_metrics.sh PERFECTMATCH_BINARY}
SRC="$(cd "$(dirname "$0")/../.." && pwd)"
: "${PM_ADMIN_DATABASE_URL:?needs the variables of the stack: source var/stack.env}"
WORK=$(mktemp -d)
. "$SRC/tests/stack/lib.sh"
PORT=$(free_port)
DB="pm_test_worker_metrics_$$_$RANDOM"
SERVER="${PM_ADMIN_DATABASE_URL%/*}"
WORKER_PID=""
fail() { echo "FAILED: $*" >&2; [[ -f $WORK/worker.log ]] && tail -5 "$WORK/worker.log" >&2; exit 1; }
cleanup() {
  [[ -n $WORKER_PID ]] && kill "$WORKER_PID" 2>/dev/null && wait "$WORKER_PID" 2>/dev/null
  [[ -n ${HOLD_PID:-} ]] && kill "$HOLD_PID" 2>/dev/null
  drop_own_database
  rm -rf "$WORK"
}
trap cleanup EXIT

own_database
"$BIN" questions import "$SRC/data/questions/perfect-match.json" >/dev/null
"$BIN" seed --users 3 --no-photos >/dev/null 2>&1 || fail "seed"
sql() { psql "$SERVER/$DB" -v ON_ERROR_STOP=1 -qAtc "$1"; }

# Work that waits: every user queued for generation an hour ago, a compute_vectors job due an hour
# ago, and a job finished 400 days ago (past PM_ACTIVITY_RETENTION_DAYS, 90).
sql "INSERT INTO match_generation_queue (user_id, reason, queued_at)
     SELECT user_id, 'test', now() - interval '1 hour' FROM users ON CONFLICT (user_id) DO UPDATE SET queued_at = EXCLUDED.queued_at"
sql "INSERT INTO jobs (kind, payload, run_after) SELECT 'compute_vectors', jsonb_build_object('user_id', user_id), now() - interval '1 hour' FROM users LIMIT 1"
sql "INSERT INTO jobs (kind, status, created_at, finished_at) VALUES ('compute_vectors', 'done', now() - interval '400 days', now() - interval '400 days')"
# A session purge postponed again and again for two hours (Redis refusing it): never due for
# long, since each postponement moves its time, but retrying all along.
sql "INSERT INTO jobs (kind, created_at, run_after, last_error)
     VALUES ('end_restricted_sessions', now() - interval '2 hours', now() + interval '1 hour', 'cache-unavailable')"
# A mail due an hour ago whose payload no key opens: once let go, the worker fails it for good.
sql "INSERT INTO email_outbox (payload, next_attempt_at) VALUES ('x', now() - interval '1 hour')"
queued=$(sql "SELECT count(*) FROM match_generation_queue")
pending=$(sql "SELECT count(*) FROM jobs WHERE status = 'pending' AND kind = 'compute_vectors'")

# Held: a transaction locks every queued row and pending job, so the worker (FOR UPDATE SKIP
# LOCKED) passes them by until it ends.
mkfifo "$WORK/hold.in"
psql "$SERVER/$DB" -qAt <"$WORK/hold.in" >"$WORK/hold.out" 2>&1 &
HOLD_PID=$!
exec 7>"$WORK/hold.in"
echo "BEGIN; SELECT 1 FROM match_generation_queue FOR UPDATE; SELECT 1 FROM jobs WHERE status = 'pending' FOR UPDATE; SELECT 1 FROM email_outbox FOR UPDATE; SELECT 'held';" >&7
for _ in $(seq 100); do grep -q held "$WORK/hold.out" && break; sleep 0.1; done
grep -q held "$WORK/hold.out" || fail "could not lock the queues: $(cat "$WORK/hold.out")"

"$BIN" worker --metrics-port "$PORT" >"$WORK/worker.log" 2>&1 7>&- &
WORKER_PID=$!
metrics() { curl -fsS --max-time 5 "http://127.0.0.1:$PORT/metrics"; }
value() { awk -v m="$1" '$1 == m {print $2}' <<<"$2"; }
# wait_for METRIC TEST: up to 20 s for the metric's value to pass the awk test on v
wait_for() {
  local m
  for _ in $(seq 200); do
    m=$(metrics 2>/dev/null) || { sleep 0.1; continue; }
    awk -v v="$(value "$1" "$m")" "BEGIN { exit !(v != \"\" && ($2)) }" && return 0
    sleep 0.1
  done
  echo "last scrape: $(grep -E "^${1%%\{*}" <<<"$m" || true)" >&2
  return 1
}

# While held: the numbers show the waiting work, and the worker goes round (it is not stuck).
wait_for pm_worker_rounds_total "v >= 2" || fail "the worker's rounds are not counted"
wait_for pm_worker_generation_queue "v == $queued" || fail "the generation queue is not $queued"
wait_for pm_worker_generation_lag_seconds "v >= 3600" || fail "the generation lag is not an hour"
wait_for 'pm_worker_jobs_pending{kind="compute_vectors"}' "v == $pending" || fail "the pending job is not counted"
wait_for 'pm_worker_jobs_oldest_due_seconds{kind="compute_vectors"}' "v >= 3600" || fail "the job's wait is not an hour"
wait_for 'pm_worker_retention_deleted_total{what="jobs"}' "v >= 1" || fail "the old finished job's deletion is not counted"
wait_for 'pm_worker_jobs_oldest_retrying_seconds{kind="end_restricted_sessions"}' "v >= 7200" ||
  fail "the postponed purge's two hours of retries are not shown"
wait_for 'pm_worker_jobs_oldest_due_seconds{kind="end_restricted_sessions"}' "v == 0" || fail "the purge is not due"
wait_for 'pm_worker_jobs_oldest_retrying_seconds{kind="compute_vectors"}' "v == 0" ||
  fail "a job that never failed counts as retrying"
wait_for pm_worker_email_outbox_pending "v == 1" || fail "the waiting mail is not counted"
wait_for pm_worker_email_outbox_oldest_due_seconds "v >= 3600" || fail "the mail's wait is not an hour"
wait_for 'pm_worker_deliveries_total{channel="email",outcome="sent"}' "v == 0" || fail "no email deliveries line"
m=$(metrics)
grep -q '^pm_worker_outbox_pending ' <<<"$m" || fail "no outbox backlog in the metrics"
grep -q '^pm_db_pool_connections' <<<"$m" || fail "no pool gauges in the worker's metrics"
[[ $(sql "SELECT count(*) FROM jobs WHERE status = 'done' AND finished_at < now() - interval '300 days'") == 0 ]] ||
  fail "the old finished job is still there"

# Let go: the worker does the work, and the numbers fall.
printf 'COMMIT;\n\\q\n' >&7
exec 7>&-
wait "$HOLD_PID" 2>/dev/null || true
HOLD_PID=""
wait_for pm_worker_generation_queue "v == 0" || fail "the generation queue did not drain"
wait_for pm_worker_generation_lag_seconds "v == 0" || fail "the generation lag did not fall to 0"
wait_for 'pm_worker_deliveries_total{channel="email",outcome="failed"}' "v == 1" || fail "the unreadable mail is not counted as failed"
wait_for pm_worker_email_outbox_pending "v == 0" || fail "the email backlog did not fall to 0"
[[ $(sql "SELECT count(*) FROM email_outbox WHERE failed_at IS NOT NULL AND sent_at IS NULL") == 1 ]] ||
  fail "the unreadable mail is not failed for good"
for _ in $(seq 200); do metrics | grep -q '^pm_worker_jobs_pending{kind="compute_vectors"}' || break; sleep 0.1; done
metrics | grep -q '^pm_worker_jobs_pending{kind="compute_vectors"}' && fail "the pending job was not done"
[[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/readyz") == 404 ]] ||
  fail "the worker's listener serves more than /metrics and /healthz"
echo "worker metrics: $queued users queued an hour ago and $pending job shown while held, then drained to 0; old job deletion counted; a purge retrying for two hours shown; a waiting mail shown, then failed and counted"
