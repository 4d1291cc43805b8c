#!/usr/bin/env bash
# A restore to a time (docs/operations.md, "Restore"), on a stack with a replica: the restored
# primary takes writes at once, `./pm stack up --replica` makes a new replica that stays one, and an
# account deleted after the target stays deleted.
#
# Before, the restore left the old replica (on the old history, without its replication slot, so it
# never streamed again) as the primary's synchronous standby: every commit waited for it; a replica
# made afterwards copied the restore's recovery target from postgresql.auto.conf, so it would have
# stopped there and promoted itself; and the accounts deleted after the target were back, photos
# and all, after an undone deploy.
# Usage: restore_to_a_time.sh PERFECTMATCH_BINARY (./pm test runs it through CTest).
set -euo pipefail
BIN=${1:?usage: restore_to_a_time.sh PERFECTMATCH_BINARY}
export PM_BIN=$BIN
SRC="$(cd "$(dirname "$0")/../.." && pwd)"
. "$SRC/tests/stack/lib.sh"
WORK=$(mktemp -d)
private_stack
unset PM_BACKUP_REPO
fail() { echo "FAILED: $*" >&2; exit 1; }
cleanup() {
  private_stack_down
  rm -rf "$WORK"
}
trap cleanup EXIT
step() { "$SRC/pm" "$@" >>"$WORK/pm.log" 2>&1 || { tail -20 "$WORK/pm.log" >&2; fail "./pm $*"; }; }

step stack up --replica
# shellcheck disable=SC1091
source "$PM_VAR_DIR/stack.env"
ADMIN=$PM_ADMIN_DATABASE_URL
sql() { psql "$ADMIN" -v ON_ERROR_STOP=1 -Atqc "$1"; }
# A commit as the app's are made: waiting for the synchronous standby, if there is one.
synchronous_write() { PGOPTIONS='-c synchronous_commit=remote_apply' timeout 15 psql "$ADMIN" -Atqc "$1" >/dev/null; }
[[ $(sql "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'pm_replica'") == sync ]] ||
  fail "the replica is not the primary's synchronous standby"

binary_env
"$BIN" migrate up >/dev/null
"$BIN" questions import "$SRC/data/questions/perfect-match.json" >/dev/null
"$BIN" seed --users 3 --no-photos >"$WORK/seed.log" 2>&1 || { tail -5 "$WORK/seed.log" >&2; fail "seed"; }
sql "CREATE TABLE restored (n int)"
synchronous_write "INSERT INTO restored VALUES (1)"
step backup full
# pgBackRest restores to T from a backup whose stop time (whole seconds) is before T: not the same second.
sleep 2
synchronous_write "INSERT INTO restored VALUES (2)"
T=$(sql "SELECT clock_timestamp()")
sleep 1
synchronous_write "INSERT INTO restored VALUES (3)"
# After T, someone deletes their account (as the app deletes one).
GONE=$(sql "SELECT user_id FROM users ORDER BY user_id LIMIT 1")
echo "$GONE" >"$WORK/gone.txt"
"$BIN" admin delete-accounts "$WORK/gone.txt" >/dev/null || fail "deleting an account after T"
USERS_LEFT=$(sql "SELECT count(*) FROM users")
# The WAL past T in the archive, or recovery could not tell it passed T.
wal=$(sql "SELECT pg_walfile_name(pg_current_wal_lsn())")
sql "SELECT pg_switch_wal()" >/dev/null
for _ in $(seq 300); do
  [[ $(sql "SELECT coalesce(last_archived_wal, '') >= '$wal' FROM pg_stat_archiver") == t ]] && break
  sleep 0.1
done

step restore --to "$T"
[[ $(sql "SELECT string_agg(n::text, ',' ORDER BY n) FROM restored") == "1,2" ]] || fail "the restore did not stop at T"
compgen -G "$(readlink -f "$PM_VAR_DIR/pg")/replica.before-restore-*" >/dev/null || fail "the old replica was not moved aside"
synchronous_write "INSERT INTO restored VALUES (4)" || fail "a commit after the restore waited for a standby that never comes"
[[ $(sql "SELECT count(*) FROM users WHERE user_id = '$GONE'") == 0 ]] || fail "the account deleted after T is back"
[[ $(sql "SELECT count(*) FROM users") == "$USERS_LEFT" ]] || fail "the restore lost or kept other accounts"

step stack up --replica
# shellcheck disable=SC1091
source "$PM_VAR_DIR/stack.env"
[[ -n ${PM_DATABASE_REPLICA_URL:-} ]] || fail "var/stack.env names no replica after stack up --replica"
synchronous_write "INSERT INTO restored VALUES (5)" || fail "a commit with the new replica did not complete"
replica() { psql "${PM_ADMIN_DATABASE_URL%@*}@127.0.0.1:$PM_PG_REPLICA_PORT/perfectmatch" -Atqc "$1"; }
[[ $(replica "SELECT pg_is_in_recovery()") == t ]] || fail "the new replica is not a standby"
[[ $(replica "SELECT string_agg(n::text, ',' ORDER BY n) FROM restored") == "1,2,4,5" ]] ||
  fail "the new replica does not have the restored primary's rows"
[[ -z $(replica "SHOW recovery_target_time") ]] || fail "the new replica inherited the restore's recovery target"
echo "restore to a time with a replica: the primary writable at once, the account deleted after T still gone, a new replica made that stays one"
