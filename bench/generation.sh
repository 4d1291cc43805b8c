#!/usr/bin/env bash
# Batch match generation with its PostgreSQL writes: `perfectmatch matches generate --all` over N
# seeded users (vectors for everyone, then the best 50 for each, written as matches), beside
# pgbench's TPC-B-like TPS against the same database in the same run (the reference: what this
# PostgreSQL on this machine does with 2 clients).
#
#   bench/generation.sh BIN [USERS]   (USERS default 100000)
#
# Also writes bench/results/generation-USERS.json (the figures, the load average before and after,
# and the generation's top statements by PostgreSQL time from pg_stat_statements).
#
# Works in its own database, perfectmatch_bench (dropped at the end, and at the start if a run
# was interrupted), and Redis database 15, so the development data is never touched.
#
# PM_BENCH_SEEDED_DB=NAME starts from a copy of an already seeded database of the stack instead
# of seeding (100,000 users take ~30 minutes to seed): the copy's vectors are dropped, so
# `generate --all` computes them as it would after a seed. The JSON's seed_seconds is then null.
# PM_BENCH_GENERATE_ARGS adds options to `matches generate --all` (e.g. "--writers 1"), recorded
# in the JSON's generate_args.
set -euo pipefail
BIN="$1"
USERS="${2:-100000}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$ROOT/var/bench/generation"
PGBENCH_SECONDS="${PM_BENCH_PGBENCH_SECONDS:-30}"
mkdir -p "$WORK"

"$BIN" seed --help 2>/dev/null | grep -q -- --no-photos || { echo "generation: $BIN has no 'seed --no-photos'; skipped" >&2; exit 0; }

[[ -f $ROOT/var/stack.env ]] || "$ROOT/pm" stack up >/dev/null
# shellcheck disable=SC1091
source "$ROOT/var/stack.env"
ADMIN_URL="${PM_ADMIN_DATABASE_URL%/*}/postgres"
# The binaries connect as the stack's roles (docs/security.md): migrate as the owner, the rest as
# the app role; the script's own SQL (fixtures, counts, pgbench) as the superuser.
export PM_DATABASE_URL="${PM_DATABASE_URL%/*}/perfectmatch_bench"
export PM_MIGRATE_DATABASE_URL="${PM_MIGRATE_DATABASE_URL%/*}/perfectmatch_bench"
DB_URL="${PM_ADMIN_DATABASE_URL%/*}/perfectmatch_bench"
export PM_REDIS_URL="${PM_REDIS_URL%/*}/15"
export PM_LOG_LEVEL="${PM_LOG_LEVEL:-warn}"

drop_db() { PGOPTIONS="--client-min-messages=warning" psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS perfectmatch_bench WITH (FORCE)" >/dev/null; }
flush_redis() { redis-cli -u "$PM_REDIS_URL" FLUSHDB >/dev/null 2>&1 || true; }  # the bench's own Redis database
cleanup() {
  drop_db
  flush_redis
}
trap cleanup EXIT
drop_db
SEEDED_DB="${PM_BENCH_SEEDED_DB:-}"
if [[ -n $SEEDED_DB ]]; then
  psql "$ADMIN_URL" -qc "CREATE DATABASE perfectmatch_bench TEMPLATE \"$SEEDED_DB\"" >/dev/null
else
  psql "$ADMIN_URL" -qc "CREATE DATABASE perfectmatch_bench" >/dev/null
fi
PGOPTIONS="--client-min-messages=warning" psql "$DB_URL" -v ON_ERROR_STOP=1 -qf "$ROOT/deps/postgres-bootstrap.sql" >/dev/null

now() { date +%s.%N; }
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
since() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.1f", b - a}'; }
# Runs a command with its stderr (progress lines) stamped with seconds since start, into a log.
stamped() {
  local log="$1" t0; shift
  t0=$(now)
  "$@" 2> >(while IFS= read -r line; do printf '%s %s\n' "$(since "$t0")" "$line"; done >>"$log")
}

"$BIN" migrate up >"$WORK/setup.log" 2>&1
"$BIN" questions import "$ROOT/data/questions/perfect-match.json" >>"$WORK/setup.log" 2>&1

: >"$WORK/seed.log"
if [[ -n $SEEDED_DB ]]; then
  # Its users as seeded: no vectors, no matches but the seed's own (history and active pairs).
  psql "$DB_URL" -v ON_ERROR_STOP=1 -qc "DELETE FROM user_vectors; DELETE FROM user_embeddings;
    DELETE FROM match_generation_runs" -c "VACUUM ANALYZE" >/dev/null
  USERS=$(psql "$DB_URL" -Atqc "SELECT count(*) FROM users")
  SEED_S=null
  echo "copied $SEEDED_DB: $USERS users" >&2
else
  t0=$(now)
  stamped "$WORK/seed.log" "$BIN" seed --users "$USERS" --no-photos >>"$WORK/seed.log"
  SEED_S=$(since "$t0")
  echo "seeded $USERS users in $SEED_S s (log: $WORK/seed.log)" >&2
fi

# The reference, on the same database before generation runs: pgbench's own tables (scale 10).
pgbench -i -q -s 10 "$DB_URL" >"$WORK/pgbench.log" 2>&1
pgbench -n -c 2 -j 2 -T "$PGBENCH_SECONDS" "$DB_URL" >>"$WORK/pgbench.log" 2>&1
TPS=$(awk '/^tps = .*without initial connection time/ {print $3}' "$WORK/pgbench.log")

# pg_stat_statements is enabled in the local stack (its view lives in the development database, its
# counts cover every database): reset, so what is left afterwards is the generation's.
STATS_URL="$PM_ADMIN_DATABASE_URL"
psql "$STATS_URL" -Atqc "SELECT pg_stat_statements_reset()" >/dev/null 2>&1 || true
: >"$WORK/generate.log"
t0=$(now)
read -ra GENERATE_ARGS <<<"${PM_BENCH_GENERATE_ARGS:-}"
stamped "$WORK/generate.log" "$BIN" matches generate --all --run-id "bench-$USERS" "${GENERATE_ARGS[@]}" >>"$WORK/generate.log"
GEN_S=$(since "$t0")
# Phases from the progress lines' stamps: vectors end with the last "computing vectors" line.
VEC_S=$(awk '/computing vectors/ {t = $1} END {print t + 0}' "$WORK/generate.log")
MATCHES=$(psql "$DB_URL" -Atqc "SELECT count(*) FROM matches")
VECTORS=$(psql "$DB_URL" -Atqc "SELECT count(*) FROM user_vectors")
SUMMARY=$(grep -o 'matches generate: .*' "$WORK/generate.log" | tail -1)

awk -v users="$USERS" -v seed="$SEED_S" -v gen="$GEN_S" -v vec="$VEC_S" -v matches="$MATCHES" -v vectors="$VECTORS" -v tps="$TPS" \
  -v secs="$PGBENCH_SECONDS" -v summary="$SUMMARY" 'BEGIN {
  if (seed == "null") printf "batch generation, %d users of a copied seeded database:\n", users
  else printf "batch generation, %d seeded users (perfectmatch seed --no-photos: %.1f s, %.0f users/s):\n", users, seed, users / seed
  printf "| what | time | rate |\n|---|---|---|\n"
  printf "| pgbench -c 2 -j 2 -T %d, scale 10 (reference) | %d s | %s TPS |\n", secs, secs, tps
  printf "| matches generate --all | %.1f s | %.0f users/s, %.0f matches inserted/s |\n", gen, users / gen, matches / gen
  printf "| - vectors (%d) | %.1f s | %.0f users/s |\n", vectors, vec, (vec > 0 ? vectors / vec : 0)
  printf "| - index load and matches (%d) | %.1f s | %.0f users/s, %.0f matches inserted/s |\n", matches, gen - vec, users / (gen - vec), matches / (gen - vec)
  printf "%s\n", summary
}'

LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
TOP_SQL=$(psql "$STATS_URL" -Atqc "SELECT coalesce(json_agg(t), '[]') FROM (
  SELECT round(s.total_exec_time / 1000)::float8 AS seconds, s.calls,
         left(regexp_replace(s.query, '\s+', ' ', 'g'), 160) AS statement
  FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = 'perfectmatch_bench'
  ORDER BY s.total_exec_time DESC LIMIT 8) t" 2>/dev/null || echo '[]')
mkdir -p "$ROOT/bench/results"
cat >"$ROOT/bench/results/generation-$USERS.json" <<JSON
{
  "command": "bench/generation.sh BIN $USERS",
  "generate_args": "${PM_BENCH_GENERATE_ARGS:-}",
  "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "users": $USERS,
  "load_average_before": "$LOAD_BEFORE",
  "load_average_after": "$LOAD_AFTER",
  "pgbench_tps": ${TPS:-null},
  "pgbench_seconds": $PGBENCH_SECONDS,
  "seed_seconds": $SEED_S,
  "generate_seconds": $GEN_S,
  "vectors_seconds": $VEC_S,
  "matches_seconds": $(awk -v g="$GEN_S" -v v="$VEC_S" 'BEGIN {printf "%.1f", g - v}'),
  "matches": $MATCHES,
  "vectors": $VECTORS,
  "summary": "$SUMMARY",
  "top_statements": $TOP_SQL
}
JSON
echo "written: bench/results/generation-$USERS.json" >&2
