#!/usr/bin/env bash
# Failing over to the replica loses no committed message (issue 13; runbook: docs/operations.md).
#
# A private stack with a synchronous replica (./pm stack up --replica). serve reads conversation
# history from the replica and sees each message right after sending it (read your writes). While a
# writer sends messages, the primary dies (every one of its processes frozen, then killed: a lost
# machine), `./pm failover` promotes the replica onto the primary's port, and serve, never
# restarted, carries on. Every message the server acknowledged is there, exactly once; those it
# could not acknowledge while the database was away are retried with the same client_message_id and
# are there exactly once too.
# Usage: replica_failover.sh PERFECTMATCH_BINARY (./pm test runs it through CTest).
set -euo pipefail
BIN=${1:?usage: replica_failover.sh PERFECTMATCH_BINARY}
SRC="$(cd "$(dirname "$0")/../.." && pwd)"
. "$SRC/tests/stack/lib.sh"
WORK=$(mktemp -d)
private_stack
HTTP_PORT=$(free_port)
MESSAGES=40
KILL_AFTER=15
SERVE_PID="" WRITER_PID=""
fail() {
  echo "FAILED: $*" >&2
  [[ -f $WORK/serve.log ]] && tail -5 "$WORK/serve.log" >&2
  exit 1
}
cleanup() {
  [[ -n $WRITER_PID ]] && kill "$WRITER_PID" 2>/dev/null
  [[ -n $SERVE_PID ]] && kill "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID" 2>/dev/null
  private_stack_down
  rm -rf "$WORK"
}
trap cleanup EXIT

"$SRC/pm" stack up --replica >"$WORK/stack.log" 2>&1 || { tail -20 "$WORK/stack.log" >&2; fail "./pm stack up --replica"; }
# shellcheck disable=SC1091
source "$PM_VAR_DIR/stack.env"
[[ -n ${PM_DATABASE_REPLICA_URL:-} ]] || fail "var/stack.env names no replica"
[[ $(psql "$PM_DATABASE_REPLICA_URL" -Atqc "SELECT pg_is_in_recovery()") == t ]] || fail "the replica is not a standby"
ADMIN=$PM_ADMIN_DATABASE_URL
sql() { psql "$ADMIN" -v ON_ERROR_STOP=1 -Atqc "$1"; }
[[ $(sql "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'pm_replica'") == sync ]] ||
  fail "the replica is not the primary's synchronous standby"

export PM_HTTP_PORT=$HTTP_PORT
binary_env
"$BIN" migrate up >/dev/null
"$BIN" questions import "$SRC/data/questions/perfect-match.json" >/dev/null
"$BIN" seed --users 4 --no-photos >/dev/null 2>&1 || fail "seed"
"$BIN" matches generate --all >/dev/null 2>&1 || fail "matches generate"
"$BIN" loadtest-pairs --pairs 1 --out "$WORK/pairs.jsonl" >/dev/null 2>&1 || fail "loadtest-pairs"
CONV=$(jq -r .conversation_id "$WORK/pairs.jsonl")
TOKEN=$(jq -r .a.token "$WORK/pairs.jsonl")

BASE="http://127.0.0.1:$HTTP_PORT"
"$BIN" serve >"$WORK/serve.log" 2>&1 &
SERVE_PID=$!
for _ in $(seq 100); do [[ $(curl -s -o /dev/null -w '%{http_code}' "$BASE/readyz") == 200 ]] && break; sleep 0.1; done
[[ $(curl -s -o /dev/null -w '%{http_code}' "$BASE/readyz") == 200 ]] || fail "serve did not become ready"

# send N: message N (client_message_id failover-N) until the server answers 201 or 200 (a retry
# that finds the original), for up to 60 s; prints its seq.
send() {
  local body code
  for _ in $(seq 300); do
    body=$(curl -s -m 5 -w '\n%{http_code}' -X POST "$BASE/api/v1/conversations/$CONV/messages" \
      -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
      -d "{\"client_message_id\":\"failover-$1\",\"content\":\"message $1\"}" || true)
    code=${body##*$'\n'}
    if [[ $code == 201 || $code == 200 ]]; then jq -r .seq <<<"${body%$'\n'*}"; return 0; fi
    sleep 0.2
  done
  return 1
}
history_after() { # history_after SEQ: the client ids of the messages after SEQ, as serve reads them
  curl -s "$BASE/api/v1/conversations/$CONV/messages?after=$1&limit=200" -H "Authorization: Bearer $TOKEN" |
    jq -r '.messages[].client_message_id'
}

# Read your writes: each message is in the history read right after it was sent, and that history
# came from the replica (its pool opened connections; the primary's commits waited for it).
for n in 1 2 3 4 5; do
  seq=$(send "$n") || fail "sending message $n"
  [[ $(history_after $((seq - 1))) == "failover-$n" ]] || fail "message $n was not in the history read right after it was sent"
done
replica_open=$(curl -s "$BASE/metrics" | sed -n 's/^pm_db_replica_pool_connections{state="open"} //p')
[[ ${replica_open:-0} -ge 1 ]] || fail "serve read nothing from the replica (pm_db_replica_pool_connections open: '${replica_open:-absent}')"

# The writer: messages 6..MESSAGES, each acknowledged one noted as it is.
: >"$WORK/acknowledged"
(
  for n in $(seq 6 "$MESSAGES"); do
    send "$n" >/dev/null || exit 1
    echo "failover-$n" >>"$WORK/acknowledged"
  done
) &
WRITER_PID=$!
for _ in $(seq 300); do
  [[ $(wc -l <"$WORK/acknowledged") -ge $KILL_AFTER ]] && break
  sleep 0.05
done

# The primary's machine is lost: all its processes stop at once, then die.
PGDATA_DIR="$(readlink -f "$PM_VAR_DIR/pg")/data"
postmaster=$(head -1 "$PGDATA_DIR/postmaster.pid")
pids="$postmaster $(pgrep -P "$postmaster" | tr '\n' ' ')"
# shellcheck disable=SC2086
kill -STOP $pids && kill -KILL $pids
cp "$WORK/acknowledged" "$WORK/acknowledged-at-the-loss"
acked_before=$(wc -l <"$WORK/acknowledged-at-the-loss")

"$SRC/pm" failover >"$WORK/failover.log" 2>&1 || { cat "$WORK/failover.log" >&2; fail "./pm failover"; }
wait "$WRITER_PID" || { WRITER_PID=""; fail "the writer could not send every message after the failover"; }
WRITER_PID=""

[[ $(sql "SELECT pg_is_in_recovery()") == f ]] || fail "the promoted server is still a standby"
ls -d "$(readlink -f "$PM_VAR_DIR/pg")"/data.failed-* >/dev/null 2>&1 || fail "the old primary's data was not moved aside"
stored=$(sql "SELECT metadata->>'clientMessageId' FROM message_documents WHERE conversation_id = '$CONV' ORDER BY 1")
while read -r id; do
  grep -qx "$id" <<<"$stored" || fail "$id was acknowledged before the primary died and is not on the new primary"
done <"$WORK/acknowledged-at-the-loss"
[[ $(wc -l <<<"$stored") == "$MESSAGES" ]] || fail "$(wc -l <<<"$stored") messages stored, $MESSAGES sent"
[[ $(sort -u <<<"$stored" | wc -l) == "$MESSAGES" ]] || fail "a message was stored twice"
# serve, never restarted, reads the whole conversation in order (from the new primary).
expected=$(for n in $(seq 1 "$MESSAGES"); do echo "failover-$n"; done)
[[ $(history_after 0) == "$expected" ]] || fail "the history after the failover is not the $MESSAGES messages in order"
echo "failover: $acked_before messages acknowledged before the primary was lost, all on the promoted replica; $MESSAGES of $MESSAGES stored once each, in order; serve carried on without a restart"
