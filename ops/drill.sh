#!/usr/bin/env bash
# ./pm drill [--record]: the recovery drill of docs/operations.md, on a private stack of its own
# (var/drill, ports PM_PG_PORT+1, PM_REDIS_PORT+1, PM_HTTP_PORT+1), never the developer's.
#
#   users, matches, conversations, messages and photos → a full backup → more writes → time T
#   (the state at T recorded: row count and content checksum of every table) → more writes, and a
#   heartbeat writer until the disaster → the database cluster and Redis destroyed (D) →
#   ./pm restore --to T into a fresh cluster → every table exactly as at T (so nothing after it),
#   every photo the restored rows name present → serve: /readyz, a sign-in, an authenticated read.
#
# Prints RPO (committed writes lost at D: the time since the last commit whose WAL had reached the
# archive; bounded by archive_timeout) and RTO (D → serving again). --record writes them, with the
# date and the data size, into docs/operations.md. PM_DRILL_USERS (12), PM_DRILL_PAIRS (5),
# PM_DRILL_ARCHIVE_TIMEOUT (10 s; the stack's default is 60), PM_DRILL_KEEP=1 keeps var/drill,
# PM_DRILL_PHOTOS=0 seeds the first users without photos (large runs; later ones still get some),
# PM_DRILL_MATCHES=0 generates no matches (large runs; the drill's chat pairs make their own).
# PM_DRILL_REPO=s3 keeps the backups in S3 (PM_S3_*, PM_BACKUP_S3_CA_FILE) instead of var/drill,
# under PM_DRILL_S3_PATH (default /pgbackrest-drill-<time>, left in the bucket: delete it after).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PM="$ROOT/pm"
RECORD=0
[[ ${1:-} == --record ]] && RECORD=1
DRILL="$(realpath -m "${PM_DRILL_DIR:-$ROOT/var/drill}")"
export PM_VAR_DIR="$DRILL"
export PM_PG_PORT=${PM_DRILL_PG_PORT:-$((${PM_PG_PORT:-15432} + 1))}
export PM_REDIS_PORT=${PM_DRILL_REDIS_PORT:-$((${PM_REDIS_PORT:-16379} + 1))}
export PM_HTTP_PORT=${PM_DRILL_HTTP_PORT:-$((${PM_HTTP_PORT:-8080} + 1))}
export PM_ARCHIVE_TIMEOUT=${PM_DRILL_ARCHIVE_TIMEOUT:-10}
# The repository: local (var/drill/pg/backup), or PM_DRILL_REPO=s3 for the bucket of the PM_S3_*
# settings (tests/stack/backup_s3.sh runs it so against a private S3 server).
export PM_BACKUP_REPO=${PM_DRILL_REPO:-local}
# Each drill is a new cluster with a new passphrase: in a bucket it gets a path of its own (the
# stanza of an earlier drill, or production's, would refuse it). Delete it afterwards.
[[ $PM_BACKUP_REPO == s3 ]] && export PM_BACKUP_S3_PATH=${PM_DRILL_S3_PATH:-/pgbackrest-drill-$(date -u +%Y%m%dT%H%M%SZ)}
unset PM_PG_SOCKET_DIR PM_MEDIA_DIR
USERS=${PM_DRILL_USERS:-12}
PAIRS=${PM_DRILL_PAIRS:-5}
BIN=${PM_BIN:-$("$PM" bin)}
[[ -x $BIN ]] || { echo "drill: no binary at $BIN (./pm build)" >&2; exit 1; }

START=$(date +%s.%N)
say() { printf '\033[1mdrill:\033[0m [%5.1f s] %s\n' "$(awk -v a="$START" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')" "$*" >&2; }
fail() { say "FAILED: $*"; exit 1; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

SERVE_PID="" BEAT_PID=""
stop_serve() {
  [[ -n $SERVE_PID ]] && kill "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID" 2>/dev/null
  SERVE_PID=""
}
cleanup() {
  [[ -n $BEAT_PID ]] && kill "$BEAT_PID" 2>/dev/null
  stop_serve || true
  "$PM" stack down >/dev/null 2>&1 || true
  if [[ ${PM_DRILL_KEEP:-0} != 1 ]]; then
    [[ -L $DRILL/pg ]] && rm -rf "$(readlink -f "$DRILL/pg")"
    rm -rf "$DRILL/pg" "$DRILL/redis" "$DRILL/media"
  fi
}
trap cleanup EXIT

# ---- a fresh private stack ----
"$PM" stack down >/dev/null 2>&1 || true
[[ -L $DRILL/pg ]] && rm -rf "$(readlink -f "$DRILL/pg")"
rm -rf "$DRILL"
mkdir -p "$DRILL"
T0=$(now)
"$PM" stack up 2>&1 | sed 's/^/  /' >&2
say "private stack up (PostgreSQL :$PM_PG_PORT, Redis :$PM_REDIS_PORT, archive_timeout $PM_ARCHIVE_TIMEOUT s)"
load() {
  # shellcheck disable=SC1091
  source "$DRILL/stack.env"
  export PM_MEDIA_DIR="$DRILL/media" PM_MAIL_DIR="$DRILL/mail" PM_NOTIFICATION_DIR="$DRILL/notifications"
  export PM_MIGRATIONS_DIR="$ROOT/migrations" PM_DOCS_DIR="$ROOT/docs" PM_LOG_LEVEL=warn
}
load
ADMIN="$PM_ADMIN_DATABASE_URL"
sql() { psql "$ADMIN" -v ON_ERROR_STOP=1 -Atqc "$1"; }
BASE="http://127.0.0.1:$PM_HTTP_PORT"

serve() {
  "$BIN" serve >>"$DRILL/serve.log" 2>&1 &
  SERVE_PID=$!
  for _ in $(seq 600); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' "$BASE/readyz") == 200 ]] && return 0
    kill -0 "$SERVE_PID" 2>/dev/null || { tail -20 "$DRILL/serve.log" >&2; fail "serve exited"; }
    sleep 0.1
  done
  fail "serve did not become ready (log: $DRILL/serve.log)"
}

# send PHASE: one message from each side of every pair (through the API: rows in messages,
# conversations' last message, notifications and their outbox).
send() {
  local line conv a b n=0
  while IFS= read -r line; do
    conv=$(jq -r .conversation_id <<<"$line")
    for side in a b; do
      tok=$(jq -r ".$side.token" <<<"$line")
      code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$BASE/api/v1/conversations/$conv/messages" \
        -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
        -d "{\"client_message_id\":\"drill-$1-$side-$n\",\"content\":\"drill $1 message $n from $side\"}")
      [[ $code == 201 ]] || fail "sending a message answered $code"
    done
    n=$((n + 1))
  done <"$DRILL/pairs.jsonl"
}

# Every table of the application: rows and a checksum of their content (order-independent).
state() {
  psql "$ADMIN" -v ON_ERROR_STOP=1 -Atq <<'SQL'
SELECT format($q$SELECT %L || ' ' || count(*) || ' ' || coalesce(md5(string_agg(h, '' ORDER BY h)), '-')
                 FROM (SELECT md5(x::text) AS h FROM public.%I x) s$q$, tablename, tablename)
FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'spatial_ref_sys' ORDER BY tablename
\gexec
SQL
}

# ---- data: users with photos, matches, conversations, messages ----
"$BIN" migrate up >/dev/null
"$BIN" questions import "$ROOT/data/questions/perfect-match.json" >/dev/null
if [[ ${PM_DRILL_PHOTOS:-1} == 1 ]]; then "$BIN" seed --users "$USERS" >/dev/null; else "$BIN" seed --users "$USERS" --no-photos >/dev/null; fi
# (PM_DRILL_MATCHES=0 leaves generation out: a large run's data size without its 35 minutes per 100k users)
[[ ${PM_DRILL_MATCHES:-1} == 1 ]] && "$BIN" matches generate --all >/dev/null 2>&1
"$BIN" loadtest-pairs --pairs "$PAIRS" --out "$DRILL/pairs.jsonl" >/dev/null
say "migrated, $USERS users seeded$([[ ${PM_DRILL_MATCHES:-1} == 1 ]] && echo ", matches generated")"
serve
send before-backup
say "data: $(sql "SELECT count(*) FROM users") users, $(sql "SELECT count(*) FROM matches") matches, $(sql "SELECT count(*) FROM messages") messages, $(find "$PM_MEDIA_DIR" -type f ! -name '.*' | wc -l) media objects ($(secs "$T0" "$(now)") s)"

# ---- the backup ----
t=$(now)
"$PM" backup full 2>&1 | grep -v '^ *$' | sed 's/^/  /' >&2
BACKUP_S=$(secs "$t" "$(now)")
say "full backup in $BACKUP_S s"
# The photos the backup holds (a local store's are copied at each ./pm backup, not continuously).
(cd "$PM_MEDIA_DIR" && find . -type f ! -name '.*' -printf '%P\n') | sort >"$DRILL/media-at-backup.txt"

# ---- writes after the backup, then T ----
send after-backup
"$BIN" seed --users $((USERS + 4)) >/dev/null
sleep 1
state >"$DRILL/state-at-T.txt"
T=$(sql "SELECT clock_timestamp()")
sleep 1.5
[[ $(state) == "$(cat "$DRILL/state-at-T.txt")" ]] || fail "something wrote to the database while the drill recorded T"
say "T = $T: $(sql "SELECT count(*) FROM users") users, $(sql "SELECT count(*) FROM messages") messages"

# ---- writes after T, and a heartbeat (database drill, not compared) until the disaster ----
send after-T
"$BIN" seed --users $((USERS + 8)) --no-photos >/dev/null
sql "CREATE DATABASE drill" >/dev/null
psql "${ADMIN%/*}/drill" -qc "CREATE TABLE beat (at timestamptz DEFAULT clock_timestamp())" >/dev/null
(
  while :; do
    psql "${ADMIN%/*}/drill" -Atq -c "INSERT INTO beat DEFAULT VALUES" -c "SELECT extract(epoch FROM clock_timestamp()) || ' ' || pg_current_wal_insert_lsn()" 2>/dev/null || exit 0
    sleep 0.2
  done >"$DRILL/beats.txt"
) &
BEAT_PID=$!
# The first heartbeat written, before the segment to wait for is read: on a busy machine its first
# insert could otherwise land in a later segment than that one, and none would be archived by D.
for _ in $(seq 200); do [[ -s $DRILL/beats.txt ]] && break; sleep 0.1; done
[[ -s $DRILL/beats.txt ]] || fail "the heartbeat wrote nothing in 20 s"
# The WAL holding the writes after T (and that heartbeat) must reach the archive (archive_timeout
# at the latest), or recovery could not tell that it passed T.
after_t=$(sql "SELECT pg_walfile_name(pg_current_wal_lsn())")
for _ in $(seq $((PM_ARCHIVE_TIMEOUT * 4 + 40))); do
  [[ $(sql "SELECT coalesce(last_archived_wal, '') >= '$after_t' FROM pg_stat_archiver") == t ]] && break
  sleep 0.25
done
sleep 2  # the disaster strikes at some moment after an archive switch
archived=$(sql "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver")
[[ $archived > "$after_t" || $archived == "$after_t" ]] || fail "the WAL after T never reached the archive (archive_command: $(sql "SHOW archive_command"))"

# ---- the disaster: PostgreSQL's cluster and Redis, gone ----
D=$(now)
kill "$BEAT_PID" 2>/dev/null; wait "$BEAT_PID" 2>/dev/null || true; BEAT_PID=""
archived=$(sql "SELECT last_archived_wal FROM pg_stat_archiver")
stop_serve || true
PGDIR=$(readlink -f "$DRILL/pg")
if [[ $EUID -eq 0 ]]; then runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl stop -m immediate -D "$PGDIR/data" >/dev/null; else /usr/lib/postgresql/15/bin/pg_ctl stop -m immediate -D "$PGDIR/data" >/dev/null; fi
rm -rf "$PGDIR/data"
kill -KILL "$(cat "$DRILL/redis/redis.pid")" 2>/dev/null || true
rm -rf "$DRILL/redis"
# The photos were on the lost machine too: the restore must bring back those the rows name (with
# S3 the bucket outlives the machine; it is kept then).
[[ $PM_BACKUP_REPO == s3 ]] || rm -rf "$PM_MEDIA_DIR"
REPO_AT="$PGDIR/backup"
[[ $PM_BACKUP_REPO == s3 ]] && REPO_AT="s3://$PM_S3_BUCKET"
say "destroyed: $PGDIR/data, $DRILL/redis$([[ $PM_BACKUP_REPO == s3 ]] || echo " and the media") (kept: the backup repository $REPO_AT, var/drill/secrets)"

# RPO: the last heartbeat whose WAL was in the archive at D (the end of segment $archived).
seg_end=$(( (16#${archived:8:8} << 32) + (16#${archived:16:8} + 1) * 16 * 1024 * 1024 ))
last_safe=""
while read -r at lsn; do
  hi=${lsn%/*} lo=${lsn#*/}
  (( (16#$hi << 32) + 16#$lo <= seg_end )) && last_safe=$at
done <"$DRILL/beats.txt"
[[ -n $last_safe ]] || fail "no heartbeat reached the archive"
RPO=$(secs "$last_safe" "$D")

# ---- recovery ----
"$PM" restore --to "$T" 2>&1 | sed 's/^/  /' >&2
say "restored"
load
serve
READY=$(now)
say "serving again"
# (verified before anyone signs in: a sign-in writes to users and audit_log; not counted in RTO)
state >"$DRILL/state-restored.txt"
if ! diff "$DRILL/state-at-T.txt" "$DRILL/state-restored.txt" >&2; then
  fail "the restored tables differ from the state at T (above: < at T, > restored)"
fi
t=$(now)
login=$(curl -s -X POST "$BASE/api/v1/auth/login" -H 'Content-Type: application/json' \
  -d '{"email":"demo1@demo.perfectmatch.test","password":"perfect-match-demo"}')
token=$(jq -r '.token // empty' <<<"$login")
[[ -n $token ]] || fail "sign-in after the restore: $login"
RTO=$(awk -v d="$D" -v r="$READY" -v a="$t" -v b="$(now)" 'BEGIN { printf "%.1f", (r - d) + (b - a) }')
code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/api/v1/me" -H "Authorization: Bearer $token")
[[ $code == 200 ]] || fail "GET /api/v1/me after the restore answered $code"
code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/api/v1/matches" -H "Authorization: Bearer $token")
[[ $code == 200 ]] || fail "GET /api/v1/matches after the restore answered $code"
stop_serve
tables=$(wc -l <"$DRILL/state-at-T.txt")
# Every object a restored row names is in the store, but those uploaded after the last backup: a
# local store's photos are copied at each backup, so those went with the machine (docs/operations.md:
# back up often, or keep the photos in S3, which outlives the machine).
missing=0 objects=0 after_backup=0
for key in $(sql "SELECT url FROM profile_media UNION SELECT thumbnail_url FROM profile_media WHERE thumbnail_url IS NOT NULL UNION SELECT media_url FROM messages WHERE media_url IS NOT NULL"); do
  key=${key#/media/}; key=${key%%\?*}
  objects=$((objects + 1))
  [[ -f $PM_MEDIA_DIR/$key ]] && continue
  if [[ $PM_BACKUP_REPO != s3 ]] && ! grep -qxF "$key" "$DRILL/media-at-backup.txt"; then
    after_backup=$((after_backup + 1))
  else
    missing=$((missing + 1)); say "missing object: $key"
  fi
done
((missing == 0)) || fail "$missing of $objects media objects named by the restored rows are missing"
[[ ${PM_DRILL_PHOTOS:-1} == 0 ]] || (($(wc -l <"$DRILL/media-at-backup.txt") > 0)) || fail "the backup held no photo: the media's restore was not checked"

USERS_T=$(sql "SELECT count(*) FROM users")
MESSAGES_T=$(sql "SELECT count(*) FROM messages")
DB_SIZE=$(sql "SELECT pg_size_pretty(pg_database_size('perfectmatch'))")
MEDIA_SIZE=$(du -sh "$PM_MEDIA_DIR" | cut -f1)
say "verified: $tables tables identical to T ($USERS_T users, $MESSAGES_T messages; the writes after T absent), $((objects - after_backup)) media objects present$( ((after_backup)) && echo ", $after_backup uploaded after the backup lost with the machine")"
echo "drill: RPO ${RPO} s (committed writes lost at the disaster; bound: archive_timeout ${PM_ARCHIVE_TIMEOUT} s), RTO ${RTO} s (destroyed → restored to T → serving, signed in); $USERS_T users, $MESSAGES_T messages, database $DB_SIZE, media $MEDIA_SIZE; full backup ${BACKUP_S} s"

if ((RECORD)); then
  row="| $(date -u +'%Y-%m-%d %H:%M') UTC | $USERS_T users, $MESSAGES_T messages, database $DB_SIZE, media $MEDIA_SIZE | $PM_ARCHIVE_TIMEOUT s | $RPO s | $RTO s | $BACKUP_S s |"
  doc="$ROOT/docs/operations.md"
  grep -q '^<!-- drill results -->' "$doc" || fail "docs/operations.md has no '<!-- drill results -->' line"
  awk -v row="$row" '{ print } /^<!-- drill results -->/ { getline; print; getline; print; print row }' "$doc" >"$doc.tmp" && mv "$doc.tmp" "$doc"
  say "recorded in docs/operations.md"
fi
