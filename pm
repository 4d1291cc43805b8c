#!/usr/bin/env bash
# pm — the one entry script of Perfect Match.
#
#   ./pm run          install what is missing, build, start the stack, migrate, load data, serve on :8080
#   ./pm test         the same set-up, then every test; prints "N passed, M failed"
#   ./pm build        configure and build everything, tests included (preset from PM_PRESET, default: release)
#   ./pm stack up     start private PostgreSQL 15 + PostGIS and Redis 7 under var/, write var/stack.env
#   ./pm stack down   stop exactly those instances
#   ./pm bin          print the built binary's path
#   ./pm bench        build and run the benchmarks (results: docs/benchmarks.md)
#   ./pm fmt          format every C++ file (.clang-format)
#   ./pm contract     the API contract check alone: lint docs/openapi.yaml, validate the exchanges
#                     the last ./pm test recorded (var/contract/), check the web app's typed client
#   ./pm lint [FILE...] clang-tidy (.clang-tidy) over src/, or over the files given
#   ./pm deps [GROUP] install the missing Debian packages listed in deps/debian-packages.txt: those
#                     `run` needs, and with GROUP also those tagged test, bench or fixtures
#
# Environment: PM_PRESET (release|debug|asan), PM_PG_PORT (55432), PM_REDIS_PORT (56379),
# PM_HTTP_PORT (8080), PM_TEST_JOBS (2), PM_DEMO_USERS (2000: demo users ./pm run creates).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VAR="$ROOT/var"
PRESET="${PM_PRESET:-release}"
PG_PORT="${PM_PG_PORT:-55432}"
REDIS_PORT="${PM_REDIS_PORT:-56379}"
PG_BIN=/usr/lib/postgresql/15/bin
REDIS_DIR="$VAR/redis"

say() { printf '\033[1mpm:\033[0m %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

as_root() { if [[ $EUID -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
# PostgreSQL refuses to run as root, so as root its commands run as the 'postgres' system user.
as_pg() { if [[ $EUID -eq 0 ]]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }

cmd_deps() { # cmd_deps [GROUP...]: the untagged packages (what `run` needs), plus those tagged GROUP
  local groups=" $* " wanted missing=()
  wanted=$(grep -v '^\s*#' "$ROOT/deps/debian-packages.txt" | awk -v g="$groups" 'NF && ($2 == "" || index(g, " " $2 " ")) {print $1}')
  for p in $wanted; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  say "installing Debian packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# build_targets [TARGET...]: configure the preset and build those targets (none: all of them).
build_targets() {
  export CCACHE_DIR="$VAR/ccache"
  # ccache and precompiled headers: the PCH is checked by content, not by its time stamps.
  export CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
  cmake --preset "$PRESET" ${PM_CMAKE_ARGS:-} >/dev/null
  cmake --build --preset "$PRESET" ${1:+--target "$@"}
}

# ./pm build: everything, tests and benchmarks included (their packages too).
cmd_build() {
  cmd_deps test
  PM_CMAKE_ARGS=-DPM_TESTS=ON build_targets
}

bin_path() { echo "$ROOT/build/$PRESET/perfectmatch"; }

# ---------- the local stack ----------

secret() { # secret NAME [BYTES]: a random hex secret generated on first use, kept under var/secrets
  local f="$VAR/secrets/$1"
  if [[ ! -s $f ]]; then
    mkdir -p "$VAR/secrets" && chmod 700 "$VAR/secrets"
    od -An -tx1 -N"${2:-24}" /dev/urandom | tr -d ' \n' >"$f"
    chmod 600 "$f"
  fi
  cat "$f"
}

# PostgreSQL's folder (data, logs): var/pg, or, as root in a checkout that the 'postgres' user
# cannot reach (anywhere under /root, mode 700), a folder of postgres' own home for this checkout
# with var/pg a link to it; the home's permissions stay as they are. Prints the real path, which is
# what the server's user is given.
pg_dir() {
  if [[ $EUID -eq 0 && ! -L $VAR/pg ]] && ! runuser -u postgres -- test -x "$VAR" 2>/dev/null; then
    [[ -f $VAR/pg/data/PG_VERSION ]] && die "$VAR/pg holds a database the 'postgres' user cannot reach; move it or delete it"
    local own; own="$(getent passwd postgres | cut -d: -f6)/perfectmatch/$(printf '%s' "$ROOT" | sha256sum | cut -c1-16)"
    if [[ -e $own ]]; then
      # Left by an earlier checkout at this same path (this one has no link to it yet): its
      # password and data are not this checkout's, and nothing else can reach it.
      as_pg "$PG_BIN/pg_ctl" stop -w -m fast -D "$own/data" >/dev/null 2>&1 || true
      rm -rf "$own"
      say "removed $own, the database of an earlier checkout at this path"
    fi
    install -d -o postgres -g postgres -m 700 "$own"
    rm -rf "$VAR/pg" && ln -s "$own" "$VAR/pg"
  fi
  mkdir -p "$VAR/pg"
  [[ $EUID -eq 0 ]] && chown postgres:postgres "$VAR/pg/"
  readlink -f "$VAR/pg"
}

# The data folder by its real path (through the var/pg link where there is one).
pg_data() { echo "$(readlink -f "$VAR/pg")/data"; }

pg_running() { [[ -f $VAR/pg/data/postmaster.pid ]] && as_pg "$PG_BIN/pg_ctl" status -D "$(pg_data)" >/dev/null 2>&1; }

pg_up() {
  local pw dir; pw=$(secret pg_password); dir=$(pg_dir)
  local PG_DATA="$dir/data"
  if [[ ! -f $PG_DATA/PG_VERSION ]]; then
    say "initialising PostgreSQL in $PG_DATA"
    local pwfile="$dir/.pwfile"
    printf '%s\n' "$pw" >"$pwfile"
    [[ $EUID -eq 0 ]] && chown postgres:postgres "$pwfile"
    as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U pm --pwfile="$pwfile" --auth=scram-sha-256 \
      --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { rm -f "$pwfile"; cat "$dir/initdb.log" >&2; die "initdb failed"; }
    rm -f "$pwfile"
    echo "include_if_exists = 'pm.conf'" | as_pg tee -a "$PG_DATA/postgresql.conf" >/dev/null
  fi
  # Loopback only, no Unix socket (its path length limit bites in deep checkouts).
  as_pg tee "$PG_DATA/pm.conf" >/dev/null <<EOF
port = $PG_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 200
shared_buffers = 256MB
synchronous_commit = off
logging_collector = off
EOF
  if pg_running; then
    say "PostgreSQL already running (port $(sed -n 4p "$PG_DATA/postmaster.pid"))"
  else
    as_pg "$PG_BIN/pg_ctl" start -w -t 60 -D "$PG_DATA" -l "$dir/postgres.log" >/dev/null ||
      { tail -20 "$dir/postgres.log" >&2; die "PostgreSQL did not start"; }
    say "PostgreSQL started on 127.0.0.1:$PG_PORT"
  fi
  PGPASSWORD="$pw" psql -h 127.0.0.1 -p "$PG_PORT" -U pm -d postgres -Atqc \
    "SELECT 1 FROM pg_database WHERE datname='perfectmatch'" | grep -q 1 ||
    PGPASSWORD="$pw" psql -h 127.0.0.1 -p "$PG_PORT" -U pm -d postgres -qc "CREATE DATABASE perfectmatch" >/dev/null
  pg_roles
}

# The roles (docs/security.md): the bootstrap superuser 'pm' is this script's alone; migrate runs as
# pm_owner, serve/worker/commands as pm_app, data people as pm_analytics. Created (with the
# extensions and the database's ownership) by deps/postgres-bootstrap.sql, their passwords from
# var/secrets, on every `stack up`.
pg_roles() {
  local pw; pw=$(secret pg_password)
  PGPASSWORD="$pw" PGOPTIONS='-c client_min_messages=warning' psql -h 127.0.0.1 -p "$PG_PORT" -U pm -d perfectmatch \
    -v ON_ERROR_STOP=1 -q -f "$ROOT/deps/postgres-bootstrap.sql" >/dev/null || die "creating the database roles failed"
  PGPASSWORD="$pw" psql -h 127.0.0.1 -p "$PG_PORT" -U pm -d perfectmatch -v ON_ERROR_STOP=1 -q >/dev/null <<EOF ||
ALTER ROLE pm_owner PASSWORD '$(secret pg_owner_password)';
ALTER ROLE pm_app PASSWORD '$(secret pg_app_password)';
ALTER ROLE pm_analytics PASSWORD '$(secret pg_analytics_password)';
EOF
    die "setting the database roles' passwords failed"
}

redis_cli() { REDISCLI_AUTH="$(secret redis_password)" redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "$@"; }

redis_up() {
  mkdir -p "$REDIS_DIR"
  cat >"$REDIS_DIR/redis.conf" <<EOF
port $REDIS_PORT
bind 127.0.0.1
protected-mode yes
daemonize yes
dir $REDIS_DIR
pidfile $REDIS_DIR/redis.pid
logfile $REDIS_DIR/redis.log
requirepass $(secret redis_password)
save 300 10
appendonly no
EOF
  chmod 600 "$REDIS_DIR/redis.conf"
  if redis_cli ping 2>/dev/null | grep -q PONG; then
    say "Redis already running (port $REDIS_PORT)"
    return
  fi
  redis-server "$REDIS_DIR/redis.conf"
  for _ in $(seq 50); do redis_cli ping 2>/dev/null | grep -q PONG && { say "Redis started on 127.0.0.1:$REDIS_PORT"; return; }; sleep 0.1; done
  tail -20 "$REDIS_DIR/redis.log" >&2; die "Redis did not start"
}

write_env() {
  umask 077
  cat >"$VAR/stack.env" <<EOF
# Written by ./pm stack up — the local stack's addresses and generated credentials.
# serve, worker and the commands: the app role (no DDL, owns nothing, row-level security applies)
export PM_DATABASE_URL=postgresql://pm_app:$(secret pg_app_password)@127.0.0.1:$PG_PORT/perfectmatch
# perfectmatch migrate: the owner role
export PM_MIGRATE_DATABASE_URL=postgresql://pm_owner:$(secret pg_owner_password)@127.0.0.1:$PG_PORT/perfectmatch
# read-only, without PII or message content
export PM_ANALYTICS_DATABASE_URL=postgresql://pm_analytics:$(secret pg_analytics_password)@127.0.0.1:$PG_PORT/perfectmatch
# the bootstrap superuser: ./pm and the tests (test databases) only, never a perfectmatch process
export PM_ADMIN_DATABASE_URL=postgresql://pm:$(secret pg_password)@127.0.0.1:$PG_PORT/perfectmatch
export PM_REDIS_URL=redis://default:$(secret redis_password)@127.0.0.1:$REDIS_PORT/0
export PM_PII_KEYS=k1:$(secret pii_key_k1 32)
export PM_BLIND_INDEX_KEY=$(secret blind_index_key 32)
export PM_MEDIA_URL_SECRET=$(secret media_url_secret)
export PM_DEMO_DATA=true
EOF
}

stack_up() {
  cmd_deps
  mkdir -p "$VAR"
  pg_up
  redis_up
  write_env
}

stack_down() {
  if pg_running; then as_pg "$PG_BIN/pg_ctl" stop -w -m fast -D "$(pg_data)" >/dev/null && say "PostgreSQL stopped"; fi
  if [[ -f $REDIS_DIR/redis.pid ]]; then
    local pid; pid=$(cat "$REDIS_DIR/redis.pid")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid"  # Redis saves its snapshot, then exits
      for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      # Redis keeps running when that last save fails (e.g. its folder is gone): stop it anyway.
      if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; say "Redis did not stop on SIGTERM (see $REDIS_DIR/redis.log); killed"; fi
      say "Redis stopped"
    fi
    rm -f "$REDIS_DIR/redis.pid"
  fi
}

# Test databases left by an interrupted run (each test drops its own when it finishes), and
# templates of older migration sets; the current template is rebuilt once by the first test.
drop_test_databases() {
  local db
  for db in $(psql "${PM_ADMIN_DATABASE_URL%/*}/postgres" -Atqc "SELECT datname FROM pg_database WHERE datname LIKE 'pm\_test\_%' OR datname LIKE 'pm\_template\_%'"); do
    psql "${PM_ADMIN_DATABASE_URL%/*}/postgres" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null
  done
}

load_env() { # shellcheck disable=SC1091
  source "$VAR/stack.env"
}

# ---------- the commands ----------

cmd_run() {
  cmd_deps
  build_targets perfectmatch  # only what runs: the tests and benchmarks are ./pm test's
  stack_up
  load_env
  local bin; bin=$(bin_path)
  "$bin" migrate up
  "$bin" questions import "$ROOT/data/questions/perfect-match.json"
  # Demo users (created once; later runs find them) and their matches, so the product works at once.
  "$bin" seed --users "${PM_DEMO_USERS:-2000}"
  "$bin" matches generate --all
  # The worker (vectors after answer changes, regeneration, expiry) runs beside the server.
  # (a global: the EXIT trap runs after this function's locals are gone)
  "$bin" worker >>"$VAR/worker.log" 2>&1 &
  PM_WORKER_PID=$!
  trap 'kill "$PM_WORKER_PID" 2>/dev/null' EXIT
  say "worker running (log: var/worker.log); serving on http://localhost:${PM_HTTP_PORT:-8080}"
  "$bin" serve
}

# s3rver, the S3-protocol server the S3 backend's tests run against, from the npm registry at
# the versions pinned in tests/s3/package-lock.json; Node.js comes with the machine.
test_s3_server() {
  [[ -d $ROOT/tests/s3/node_modules/s3rver ]] && return 0
  command -v npm >/dev/null || die "npm (Node.js) is needed for the S3 tests and is not installed"
  say "installing s3rver into tests/s3/node_modules"
  npm ci --prefix "$ROOT/tests/s3" --no-audit --no-fund --loglevel=error >/dev/null
}

cmd_test() {
  cmd_build
  stack_up
  load_env
  test_s3_server
  local log="$VAR/test.log" jobs="${PM_TEST_JOBS:-2}" rc=0
  drop_test_databases
  build_fuzzers
  # The test clients record every exchange here for the contract check (docs/api-contract.md).
  export PM_CONTRACT_LOG_DIR="$VAR/contract"
  rm -rf "$PM_CONTRACT_LOG_DIR" && mkdir -p "$PM_CONTRACT_LOG_DIR"
  (cd "$ROOT/build/$PRESET" && ctest -j "$jobs" --output-on-failure --timeout 600) 2>&1 | tee "$log" || rc=$?
  unset PM_CONTRACT_LOG_DIR
  local line passed failed total
  line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1 || true)
  [[ -n $line ]] || { say "no test summary from ctest"; exit 1; }
  failed=$(sed -E 's/.* ([0-9]+) tests? failed.*/\1/' <<<"$line")
  total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
  passed=$((total - failed))
  # The fuzzers count as one test each: a short run from their corpus (crashes found earlier live
  # in fuzz/corpus/<target>/ as regression inputs, so every run replays them).
  local fuzzer
  for fuzzer in $(fuzz_targets); do
    if run_fuzzer "$fuzzer"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
    total=$((total + 1))
  done
  if format_check; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  total=$((total + 1))
  # The API contract (one test each): the document is lint-clean and every recorded exchange and
  # WebSocket frame is valid against it; the web app's generated client is current and compiles.
  if "$ROOT/tests/contract/run" "$VAR/contract"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  if "$ROOT/web/check-api"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  total=$((total + 2))
  echo "tests: $passed passed, $failed failed"
  ((total > 0)) || exit 1
  ((failed == 0 && rc == 0)) || exit 1
}

# The C++ files under our care (formatting, linting).
cpp_files() { (cd "$ROOT" && find src tests bench fuzz -name '*.cpp' -o -name '*.hpp' | sort); }

cmd_fmt() {
  cmd_deps test
  cpp_files | (cd "$ROOT" && xargs clang-format-14 -i)
  say "formatted $(cpp_files | wc -l) files"
}

# Counted as one test by ./pm test: every file as .clang-format has it (./pm fmt fixes it).
format_check() {
  local files out; files=$(cpp_files)
  if out=$(cd "$ROOT" && xargs clang-format-14 --dry-run --Werror <<<"$files" 2>&1); then
    echo "format: passed ($(wc -l <<<"$files") files)"
  else
    echo "format: FAILED; run ./pm fmt. The first differences:"
    head -40 <<<"$out"
    return 1
  fi
}

# clang-tidy needs one compile command per source file and no GCC precompiled header: a build
# folder of its own, configured (not built) without the unity build.
cmd_lint() {
  cmd_deps test
  cmake -S "$ROOT" -B "$ROOT/build/lint" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
    -DPM_FAST_BUILD=OFF -DPM_TESTS=OFF >/dev/null
  local files=("$@")
  ((${#files[@]})) || mapfile -t files < <(cd "$ROOT" && find src -name '*.cpp' | sort)
  # (clang 16 says c++2b for C++23, and has what libstdc++ 12's <expected> needs but does not announce
  # it: fuzz/CMakeLists.txt)
  (cd "$ROOT" && printf '%s\n' "${files[@]}" | xargs -P "$(nproc)" -n 4 clang-tidy-16 -p build/lint --quiet \
    --extra-arg=-std=c++2b --extra-arg=-D__cpp_concepts=202002L --extra-arg=-Wno-builtin-macro-redefined --extra-arg=-Wno-macro-redefined \
    --extra-arg=-Wno-unknown-warning-option)
}

fuzz_targets() { echo branching answers; }

build_fuzzers() {
  export CCACHE_DIR="$VAR/ccache"
  cmake -S "$ROOT/fuzz" -B "$ROOT/build/fuzz" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-16 >/dev/null &&
    cmake --build "$ROOT/build/fuzz"
}

run_fuzzer() { # run_fuzzer NAME: PM_FUZZ_SECONDS (default 20) of fuzzing; false on a crash
  local name="$1" work="$VAR/fuzz/$1"
  [[ -x $ROOT/build/fuzz/fuzz_$name ]] || build_fuzzers || return 1
  mkdir -p "$work/corpus"
  if "$ROOT/build/fuzz/fuzz_$name" "$work/corpus" "$ROOT/fuzz/corpus/$name" -max_total_time="${PM_FUZZ_SECONDS:-20}" \
      -artifact_prefix="$work/" -print_final_stats=1 >"$work/log" 2>&1; then
    echo "fuzz $name: passed ($(grep -m1 -oE 'stat::number_of_executed_units: *[0-9]+' "$work/log" | grep -oE '[0-9]+$') inputs)"
  else
    echo "fuzz $name: FAILED; see $work/log, the crashing input is in $work/ (copy it into fuzz/corpus/$name/)"
    tail -30 "$work/log"
    return 1
  fi
}

# ./pm contract: the contract check on the exchanges the last ./pm test recorded (none yet: the
# lint and the validator's self-test only), and the typed client's check.
cmd_contract() {
  local rc=0
  if compgen -G "$VAR/contract/*.jsonl" >/dev/null; then
    "$ROOT/tests/contract/run" "$VAR/contract" || rc=1
  else
    "$ROOT/tests/contract/run" || rc=1
  fi
  "$ROOT/web/check-api" || rc=1
  return $rc
}

cmd_bench() {
  cmd_deps test bench
  cmd_build
  stack_up
  load_env
  "$ROOT/bench/run" "$(bin_path)"
}

case "${1:-}" in
  run) cmd_run ;;
  test) cmd_test ;;
  build) cmd_build ;;
  deps) cmd_deps "${@:2}" ;;
  bin) bin_path ;;
  bench) cmd_bench ;;
  fmt) cmd_fmt ;;
  contract) cmd_contract ;;
  lint) shift; cmd_lint "$@" ;;
  stack)
    case "${2:-}" in
      up) stack_up ;;
      down) stack_down ;;
      *) die "usage: ./pm stack up|down" ;;
    esac ;;
  *) awk 'NR > 1 && !/^#/ {exit} NR > 1' "$0" | sed 's/^# \{0,1\}//'; [[ -z ${1:-} ]] || exit 2 ;;
esac
