#!/usr/bin/env bash
# pm — the one entry script of Perfect Match.
#
#   ./pm run          install what is missing, build, start the stack, migrate, load data, serve on :8080
#   ./pm test         the same set-up, then every test; prints "N passed, M failed"
#   ./pm build        configure and build everything, tests included (preset from PM_PRESET, default: release),
#                     and the web app (web/ into web/dist: docs/web.md)
#   ./pm stack up     start private PostgreSQL 15 + PostGIS and Redis 7 under var/, write var/stack.env
#   ./pm stack up --replica  the same, plus a synchronous streaming replica (var/pg/replica,
#                     PM_PG_REPLICA_PORT, default PM_PG_PORT + 2) that serve reads from; later
#                     `stack up`s start it too
#   ./pm stack down   stop exactly those instances
#   ./pm failover     the replica becomes the primary on the primary's port; the old one is fenced
#   ./pm bin          print the built binary's path
#   ./pm bench        build and run the benchmarks (results: docs/benchmarks.md)
#   ./pm fmt          format every C++ file (.clang-format)
#   ./pm contract     the API contract check alone: lint docs/openapi.yaml, validate the exchanges
#                     the last ./pm test recorded (var/contract/), check the web app's typed client
#   ./pm lint [FILE...] clang-tidy (.clang-tidy) over src/, or over the files given
#   ./pm deps [GROUP] install the missing Debian packages listed in deps/debian-packages.txt: those
#                     `run` needs, and with GROUP also those tagged test, bench, cluster or fixtures
#   ./pm backup [full|diff|incr]  back up the local PostgreSQL (pgBackRest, encrypted) and the media (default: incr)
#   ./pm backup list  the backups in the repository, and the WAL archive they can be recovered with
#   ./pm backup metrics  write the backup and WAL archive metrics (var/metrics/pm_backup.prom)
#   ./pm restore [--to TIMESTAMP]  replace the local database with the backups and archived WAL up to
#                     TIMESTAMP (default: everything archived); the old data folder is moved aside
#   ./pm drill        the recovery drill: a private stack, writes, backup, destroy, restore to a time,
#                     verify, serve; prints RPO and RTO (docs/operations.md)
#   ./pm cluster up N   haproxy on PM_HTTP_PORT in front of N serve nodes (ports PM_HTTP_PORT+10 up) and
#                     one worker, on the local stack; again with another N: scale up or down
#   ./pm cluster restart  rolling restart, node by node (each drains first); ./pm cluster status | down
#
# Environment: PM_PRESET (release|debug|asan), PM_PG_PORT (15432), PM_REDIS_PORT (16379),
# PM_HTTP_PORT (8080), PM_TEST_JOBS (2), PM_DEMO_USERS (2000: demo users ./pm run creates),
# PM_PAYMENTS_PROVIDER (sandbox: ./pm run starts the payments sandbox on PM_PAYMENTS_SANDBOX_PORT,
# default PM_HTTP_PORT + 1; stripe: docs/subscriptions.md),
# PM_VAR_DIR (var: where the stack keeps everything), PM_ARCHIVE_TIMEOUT (60 s: the most committed
# data a lost machine loses), PM_BACKUP_RETENTION_FULL (2 full backups kept, with their increments
# and WAL), PM_BACKUP_REPO (local, or s3 with PM_S3_*: docs/operations.md).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VAR="$(realpath -m "${PM_VAR_DIR:-$ROOT/var}")"
# The stack's configuration files name these folders (PostgreSQL's and Redis's settings, the WAL
# archive command): a space is quoted there, but a quote, a backslash or a line break would need
# escaping that three file formats and a shell disagree on; such a folder is refused, not mangled.
case "$ROOT$VAR" in
  *[\'\"\\]* | *$'\n'*) printf 'pm: error: the checkout or PM_VAR_DIR path contains a quote, a backslash or a line break; move it to a folder without one\n' >&2; exit 1 ;;
esac
PRESET="${PM_PRESET:-release}"
# Below Linux's ephemeral range (32768-60999): a port in it may be held, as the local end of some
# outgoing connection, the moment the stack wants to listen on it ("Address already in use" with
# nothing listening); and outside the 20000-29999 the tests take their own servers' ports from.
PG_PORT="${PM_PG_PORT:-15432}"
REDIS_PORT="${PM_REDIS_PORT:-16379}"
PG_BIN=/usr/lib/postgresql/15/bin
REDIS_DIR="$VAR/redis"
# The local socket pgBackRest reaches PostgreSQL through (it speaks no TCP to a local server): a
# short path, since a socket's path is limited to 107 bytes.
PG_SOCKET_DIR="${PM_PG_SOCKET_DIR:-/tmp/pm-pg-$PG_PORT}"
ARCHIVE_TIMEOUT="${PM_ARCHIVE_TIMEOUT:-60}"
STANZA=pm

say() { printf '\033[1mpm:\033[0m %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

as_root() { if [[ $EUID -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
# PostgreSQL refuses to run as root, so as root its commands run as the 'postgres' system user.
as_pg() { if [[ $EUID -eq 0 ]]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }

cmd_deps() { # cmd_deps [GROUP...]: the untagged packages (what `run` needs), plus those tagged GROUP
  local groups=" $* " wanted missing=()
  # (a line may carry several tags: wanted when any of them is asked for)
  wanted=$(grep -v '^\s*#' "$ROOT/deps/debian-packages.txt" |
    awk -v g="$groups" 'NF == 1 {print $1; next} {for (i = 2; i <= NF; i++) if (index(g, " " $i " ")) {print $1; next}}')
  # (one dpkg-query for them all: on a busy machine each call costs a fraction of a second; it
  # exits 1 when dpkg has never heard of one of them, as on a fresh machine, hence the `|| true`)
  local installed
  installed=" $({ dpkg-query -W -f='${db:Status-Abbrev}|${Package}\n' $wanted 2>/dev/null || true; } | sed -n 's/^ii *|//p' | tr '\n' ' ') "
  for p in $wanted; do
    [[ $installed == *" $p "* ]] || missing+=("$p")
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

# ./pm build: everything, tests and benchmarks included (their packages too), and the web app.
cmd_build() {
  cmd_deps test
  build_web
  test_node_servers
  PM_CMAKE_ARGS=-DPM_TESTS=ON build_targets
}

# The web app (docs/web.md): `npm ci` in web/ when node_modules is missing or older than the
# lockfile, then esbuild into web/dist (served by `perfectmatch serve` at /). Node.js comes from
# Debian (deps/debian-packages.txt); Debian packages npm on its own, NodeSource's nodejs carries it.
build_web() {
  local web="$ROOT/web"
  if ! command -v npm >/dev/null; then
    say "installing npm"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends npm
  fi
  if [[ ! -f $web/node_modules/.package-lock.json || $web/package-lock.json -nt $web/node_modules/.package-lock.json ]]; then
    say "installing the web app's packages (npm ci in web/)"
    (cd "$web" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >/dev/null) ||
      die "npm ci in web/ failed"
  fi
  (cd "$web" && node build.mjs >/dev/null) || die "building the web app (web/build.mjs) failed"
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
  # (a link whose folder is gone, e.g. removed by hand: a new folder, as if there were no link)
  [[ -L $VAR/pg && ! -e $VAR/pg ]] && rm -f "$VAR/pg"
  if [[ $EUID -eq 0 && ! -L $VAR/pg ]] && ! runuser -u postgres -- test -x "$VAR" 2>/dev/null; then
    [[ -f $VAR/pg/data/PG_VERSION ]] && die "$VAR/pg holds a database the 'postgres' user cannot reach; move it or delete it"
    # Named after the stack's folder (PM_VAR_DIR), not the checkout: the drill's and the tests'
    # private stacks live in the same checkout as the developer's.
    local own; own="$(getent passwd postgres | cut -d: -f6)/perfectmatch/$(printf '%s' "$VAR" | sha256sum | cut -c1-16)"
    if [[ -e $own ]]; then
      # Left by an earlier stack at this same path (this one has no link to it yet): its
      # password and data are not this stack's, and nothing else can reach it.
      as_pg "$PG_BIN/pg_ctl" stop -w -m fast -D "$own/data" >/dev/null 2>&1 || true
      rm -rf "$own"
      say "removed $own, the database of an earlier stack at this path"
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
    # A repository with backups of a cluster and no cluster: that is a lost database, and the
    # answer is ./pm restore, never a new empty database that would archive over the old one.
    [[ -f $dir/backup/backup/$STANZA/backup.info ]] &&
      die "$PG_DATA is missing but $dir/backup holds backups of a database: run ./pm restore (docs/operations.md), or move $dir/backup away to start an empty one"
    say "initialising PostgreSQL in $PG_DATA"
    local pwfile="$dir/.pwfile"
    (umask 077 && printf '%s\n' "$pw" >"$pwfile")  # the superuser's password: never readable by others
    [[ $EUID -eq 0 ]] && chown postgres:postgres "$pwfile"
    as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U pm --pwfile="$pwfile" --auth=scram-sha-256 \
      --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { rm -f "$pwfile"; cat "$dir/initdb.log" >&2; die "initdb failed"; }
    rm -f "$pwfile"
    echo "include_if_exists = 'pm.conf'" | as_pg tee -a "$PG_DATA/postgresql.conf" >/dev/null
  fi
  pg_socket_dir
  backup_conf
  pg_conf "$PG_DATA"
  if pg_running; then
    local port; port=$(sed -n 4p "$PG_DATA/postmaster.pid")
    # A server started before these settings (archive_mode, the socket and the preloaded library
    # only take effect at start) is restarted once; otherwise the file is reloaded.
    if [[ $(pg_admin_sql postgres "SELECT current_setting('archive_mode') || ' ' || current_setting('unix_socket_directories') || ' ' || current_setting('shared_preload_libraries')") != "on $PG_SOCKET_DIR pg_stat_statements" ]]; then
      say "restarting PostgreSQL (port $port) for WAL archiving"
      as_pg "$PG_BIN/pg_ctl" restart -w -t 120 -m fast -D "$PG_DATA" -l "$dir/postgres.log" >/dev/null ||
        { tail -20 "$dir/postgres.log" >&2; die "PostgreSQL did not restart"; }
    else
      as_pg "$PG_BIN/pg_ctl" reload -D "$PG_DATA" >/dev/null
      say "PostgreSQL already running (port $port)"
    fi
  else
    # -t: a start after ./pm restore replays the archived WAL before it accepts connections.
    as_pg "$PG_BIN/pg_ctl" start -w -t "${PM_PG_START_TIMEOUT:-3600}" -D "$PG_DATA" -l "$dir/postgres.log" >/dev/null ||
      { tail -20 "$dir/postgres.log" >&2; die "PostgreSQL did not start"; }
    say "PostgreSQL started on 127.0.0.1:$PG_PORT"
  fi
  pg_wait_writable
  pg_admin_sql postgres "SELECT 1 FROM pg_database WHERE datname='perfectmatch'" | grep -q 1 ||
    pg_admin_sql postgres "CREATE DATABASE perfectmatch" >/dev/null
  pg_roles
  backup_stanza
}

# pg_conf DATA: the server's settings (var/pg/data/pm.conf, included by postgresql.conf).
# Inside ./pm test (PG_FOR_TESTS=1) two are relaxed for the test databases' sake, and put back when
# it ends (docs/operations.md): commits are not waited for (synchronous_commit off: a crash could
# lose the last few hundred milliseconds of test data, never corrupt it) and WAL is not archived
# (each test database's creation writes ~12 MB of WAL: gigabytes per run, kept in the repository
# until the next full backup expires it).
PG_FOR_TESTS=0
pg_conf() {
  local dir; dir=$(readlink -f "$VAR/pg")
  local sync=on archive="pgbackrest \"--config=$dir/pgbackrest.conf\" --stanza=$STANZA archive-push %p"
  if ((PG_FOR_TESTS)); then sync=off; archive=/bin/true; fi
  # An eighth of the memory for PostgreSQL's buffers, between 128 MB and 2 GB: with 256 MB, at
  # 100,000 users match generation's indexes no longer fitted and PostgreSQL spent a fifth of its
  # time copying pages to and from the kernel's cache (perf, docs/benchmarks.md).
  local mem_mb; mem_mb=$(awk '/^MemTotal:/ {print int($2 / 1024)}' /proc/meminfo)
  local buffers_mb=$((mem_mb / 8)); ((buffers_mb < 128)) && buffers_mb=128; ((buffers_mb > 2048)) && buffers_mb=2048
  # max_wal_size 4 GB: at the default 1 GB the same run forced a checkpoint every ~30 s, each
  # followed by a full image of every page written again. wal_compression lz4: those images
  # compressed, 6% less WAL to write, archive and keep (docs/benchmarks.md).
  # Loopback only; a Unix socket in a short private folder for pgBackRest (its path length limit
  # bites in deep checkouts, hence not under var/).
  # Durable: a commit is acknowledged once its WAL is on disk (synchronous_commit, fsync and
  # full_page_writes at their defaults, on); every WAL segment is archived by pgBackRest, at the
  # latest archive_timeout seconds after it began: the most committed data a lost machine loses.
  as_pg tee "$1/pm.conf" >/dev/null <<EOF
port = $PG_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PG_SOCKET_DIR'
unix_socket_permissions = 0700
max_connections = 200
shared_buffers = ${buffers_mb}MB
max_wal_size = 4GB
wal_compression = lz4
synchronous_commit = $sync
fsync = on
full_page_writes = on
wal_level = replica
archive_mode = on
archive_command = '$archive'
archive_timeout = $ARCHIVE_TIMEOUT
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = top
logging_collector = off
hot_standby_feedback = on
EOF
  # With a replica (./pm stack up --replica), it is the synchronous standby: the app's commits
  # (synchronous_commit = remote_apply, src/db/pool.hpp) wait until the replica has applied them.
  if replica_exists; then echo "synchronous_standby_names = '$REPLICA_NAME'" | as_pg tee -a "$1/pm.conf" >/dev/null; fi
}

# The settings of this script's own sessions: quiet, and commits that do not wait for a replica
# (the primary starts before its replica, and sets up roles and the database before it is there).
PG_ADMIN_OPTIONS="-c client_min_messages=warning -c synchronous_commit=local"
# pg_admin_sql DB SQL: one statement as the bootstrap superuser, unaligned output.
pg_admin_sql() { PGPASSWORD="$(secret pg_password)" PGOPTIONS="$PG_ADMIN_OPTIONS" psql -h 127.0.0.1 -p "$PG_PORT" -U pm -d "$1" -Atqc "$2"; }

# A restored cluster accepts connections while it still replays WAL (read-only): wait for its end.
pg_wait_writable() {
  local state
  for _ in $(seq "${PM_PG_START_TIMEOUT:-3600}"); do
    state=$(pg_admin_sql postgres "SELECT pg_is_in_recovery()" 2>/dev/null || true)
    [[ $state == f ]] && return 0
    sleep 1
  done
  die "PostgreSQL is still recovering (see $(pg_dir)/postgres.log)"
}

pg_socket_dir() { private_tmp_dir "$PG_SOCKET_DIR"; }

# private_tmp_dir DIR: a folder under /tmp for a server's socket, PostgreSQL's user's alone. Its
# name is predictable, so another local user may have put something there first: a link (root's
# chmod and chown would follow it, to /etc say) or a folder of their own is refused, not used.
private_tmp_dir() {
  local d=$1 owner
  [[ -L $d ]] && die "$d is a symbolic link, not the stack's socket folder: remove it (someone else made it)"
  [[ -e $d ]] || mkdir -m 700 "$d" 2>/dev/null || [[ -d $d && ! -L $d ]] || die "cannot make $d"
  owner=$(stat -c %U "$d")
  [[ $owner == "$(id -un)" || $owner == postgres ]] || die "$d belongs to $owner, not to this stack: remove it"
  chmod 700 "$d"
  [[ $EUID -eq 0 ]] && chown -h postgres:postgres "$d"
  return 0
}

# ---------- the read replica and failover (docs/operations.md) ----------

# A streaming replica of the stack's PostgreSQL in var/pg/replica, on PM_PG_REPLICA_PORT
# (PM_PG_PORT + 2), made by `./pm stack up --replica`; once made, every `stack up` starts it and
# var/stack.env names it (PM_DATABASE_REPLICA_URL).
REPLICA_PORT="${PM_PG_REPLICA_PORT:-$((PG_PORT + 2))}"
REPLICA_NAME=pm_replica
replica_data() { echo "$(readlink -f "$VAR/pg")/replica"; }
replica_exists() { [[ -f $(replica_data)/PG_VERSION ]]; }
replica_running() { replica_exists && as_pg "$PG_BIN/pg_ctl" status -D "$(replica_data)" >/dev/null 2>&1; }

replica_up() {
  local dir data; dir=$(readlink -f "$VAR/pg"); data=$(replica_data)
  if ! replica_exists; then
    say "making the replica in $data (pg_basebackup from :$PG_PORT)"
    # The slot keeps the primary's WAL until the replica has it (a replica that was down catches up).
    pg_admin_sql postgres "SELECT pg_drop_replication_slot('$REPLICA_NAME') FROM pg_replication_slots WHERE slot_name = '$REPLICA_NAME'" >/dev/null
    as_pg env PGPASSFILE="$dir/.pgpass" "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PG_PORT" -U pm -D "$data" \
      --wal-method=stream --checkpoint=fast --create-slot --slot="$REPLICA_NAME" >"$dir/replica-basebackup.log" 2>&1 ||
      { cat "$dir/replica-basebackup.log" >&2; as_pg rm -rf "$data"; die "pg_basebackup failed"; }
    as_pg touch "$data/standby.signal"
    # (a primary restored by an older ./pm kept its recovery target: never the replica's)
    as_pg sed -i '/^recovery_target/d' "$data/postgresql.auto.conf"
    # The primary waits for it from now on (pg_conf names it).
    pg_conf "$(pg_data)" && as_pg "$PG_BIN/pg_ctl" reload -D "$(pg_data)" >/dev/null
  fi
  # Its own port and socket; the rest as the primary's settings, plus where it streams from.
  private_tmp_dir "/tmp/pm-pg-$REPLICA_PORT"
  as_pg cat "$(pg_data)/pm.conf" | sed -e "s/^port = .*/port = $REPLICA_PORT/" \
    -e "s|^unix_socket_directories = .*|unix_socket_directories = '/tmp/pm-pg-$REPLICA_PORT'|" \
    -e '/^synchronous_standby_names/d' | as_pg tee "$data/pm.conf" >/dev/null
  as_pg tee -a "$data/pm.conf" >/dev/null <<EOF
primary_conninfo = 'host=127.0.0.1 port=$PG_PORT user=pm passfile=''$dir/.pgpass'' application_name=$REPLICA_NAME'
primary_slot_name = '$REPLICA_NAME'
EOF
  if replica_running; then
    as_pg "$PG_BIN/pg_ctl" reload -D "$data" >/dev/null
    say "replica already running (port $REPLICA_PORT)"
  else
    as_pg "$PG_BIN/pg_ctl" start -w -t 120 -D "$data" -l "$dir/replica.log" >/dev/null ||
      { tail -20 "$dir/replica.log" >&2; die "the replica did not start"; }
    say "replica started on 127.0.0.1:$REPLICA_PORT, streaming from :$PG_PORT"
  fi
  local state=""
  for _ in $(seq 300); do
    state=$(pg_admin_sql postgres "SELECT sync_state FROM pg_stat_replication WHERE application_name = '$REPLICA_NAME'" 2>/dev/null || true)
    [[ $state == sync ]] && return 0
    sleep 0.2
  done
  die "the replica is not streaming synchronously (state: '${state:-not connected}'; see $dir/replica.log)"
}

# ./pm failover: the replica becomes the primary, on the primary's port (so serve and worker, whose
# PM_DATABASE_URL names that port, reconnect by themselves). The old primary is fenced first: stopped
# if it still runs, and its data folder moved aside so nothing starts it again. Then promotion (a new
# timeline, so the archive never mixes the two histories), and a restart on the primary's port.
cmd_failover() {
  replica_exists || die "there is no replica to fail over to (./pm stack up --replica makes one)"
  local dir data stamp; dir=$(readlink -f "$VAR/pg"); data=$(replica_data); stamp=$(date -u +%Y%m%dT%H%M%SZ)
  local t0=$SECONDS
  if pg_running; then
    as_pg "$PG_BIN/pg_ctl" stop -w -m immediate -D "$(pg_data)" >/dev/null || true
    say "old primary stopped"
  fi
  if [[ -d $(pg_data) ]]; then
    as_pg mv "$(pg_data)" "$dir/data.failed-$stamp"
    say "old primary's data moved to $dir/data.failed-$stamp (fenced: remove it once it is no longer needed)"
  fi
  replica_running || as_pg "$PG_BIN/pg_ctl" start -w -t 120 -D "$data" -l "$dir/replica.log" >/dev/null ||
    { tail -20 "$dir/replica.log" >&2; die "the replica did not start"; }
  as_pg "$PG_BIN/pg_ctl" promote -w -t 120 -D "$data" >/dev/null || { tail -20 "$dir/replica.log" >&2; die "promotion failed"; }
  as_pg "$PG_BIN/pg_ctl" stop -w -m fast -D "$data" >/dev/null
  as_pg mv "$data" "$(pg_data)"
  pg_conf "$(pg_data)"
  as_pg "$PG_BIN/pg_ctl" start -w -t 120 -D "$(pg_data)" -l "$dir/postgres.log" >/dev/null ||
    { tail -20 "$dir/postgres.log" >&2; die "the promoted server did not start"; }
  pg_wait_writable
  pg_admin_sql postgres "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE NOT active" >/dev/null
  write_env
  say "failover done in $((SECONDS - t0)) s: the former replica is the primary on 127.0.0.1:$PG_PORT (a new timeline)"
  say "next: ./pm backup full, then ./pm stack up --replica for a new replica (docs/operations.md)"
}

# ---------- backups (pgBackRest; docs/operations.md) ----------

# The repository: var/pg/backup (PostgreSQL's own folder, which its user can always reach; the
# server's archive_command writes to it), or an S3 bucket with PM_BACKUP_REPO=s3.
backup_repo() { echo "$(readlink -f "$VAR/pg")/backup"; }

# pgbackrest.conf beside the data folder, readable by PostgreSQL's user only (it holds the cipher
# passphrase, kept in var/secrets like every other generated secret).
backup_conf() {
  local dir; dir=$(readlink -f "$VAR/pg")
  local repo
  if [[ ${PM_BACKUP_REPO:-local} == s3 ]]; then
    [[ -n ${PM_S3_ENDPOINT:-} && -n ${PM_S3_BUCKET:-} && -n ${PM_S3_ACCESS_KEY:-} && -n ${PM_S3_SECRET_KEY:-} ]] ||
      die "PM_BACKUP_REPO=s3 needs PM_S3_ENDPOINT, PM_S3_BUCKET, PM_S3_ACCESS_KEY and PM_S3_SECRET_KEY"
    # pgBackRest speaks only HTTPS to S3; PM_BACKUP_S3_CA_FILE trusts a private S3's own CA (PEM).
    [[ $PM_S3_ENDPOINT == https://* ]] || die "PM_BACKUP_REPO=s3 needs an https:// PM_S3_ENDPOINT (pgBackRest speaks only HTTPS to S3)"
    local host=${PM_S3_ENDPOINT#https://}; host=${host%/}
    repo="repo1-type=s3
repo1-path=${PM_BACKUP_S3_PATH:-/pgbackrest}
repo1-s3-endpoint=${host%%:*}
repo1-s3-bucket=$PM_S3_BUCKET
repo1-s3-region=${PM_S3_REGION:-us-east-1}
repo1-s3-key=$PM_S3_ACCESS_KEY
repo1-s3-key-secret=$PM_S3_SECRET_KEY
repo1-s3-uri-style=$([[ ${PM_S3_PATH_STYLE:-false} == true ]] && echo path || echo host)"
    [[ $host == *:* ]] && repo+=$'\n'"repo1-storage-port=${host##*:}"
    if [[ -n ${PM_BACKUP_S3_CA_FILE:-} ]]; then
      [[ -f $PM_BACKUP_S3_CA_FILE ]] || die "PM_BACKUP_S3_CA_FILE: no such file: $PM_BACKUP_S3_CA_FILE"
      local ca; ca=$(readlink -f "$PM_BACKUP_S3_CA_FILE")
      as_pg test -r "$ca" || die "PM_BACKUP_S3_CA_FILE: PostgreSQL's user cannot read $ca (pgBackRest runs as that user)"
      repo+=$'\n'"repo1-storage-ca-file=$ca"
    fi
  else
    repo="repo1-path=$dir/backup"
  fi
  as_pg mkdir -p "$dir/backup" "$dir/pgbackrest/log" "$dir/pgbackrest/lock" "$dir/pgbackrest/spool"
  as_pg chmod 700 "$dir/backup" "$dir/pgbackrest"
  # (written with umask 077: the file holds the passphrase and the S3 keys, never readable by others)
  as_pg sh -c 'umask 077; cat >"$1"' _ "$dir/pgbackrest.conf" <<EOF
# Written by ./pm stack up (docs/operations.md): do not edit, set PM_* and run it again.
[global]
$repo
repo1-cipher-type=aes-256-cbc
repo1-cipher-pass=$(secret backup_cipher_pass 32)
repo1-retention-full=${PM_BACKUP_RETENTION_FULL:-2}
compress-type=lz4
process-max=2
start-fast=y
log-path=$dir/pgbackrest/log
lock-path=$dir/pgbackrest/lock
spool-path=$dir/pgbackrest/spool
log-level-console=warn
log-level-file=info

[$STANZA]
pg1-path=$dir/data
pg1-port=$PG_PORT
pg1-socket-path=$PG_SOCKET_DIR
pg1-user=pm
EOF
  as_pg chmod 600 "$dir/pgbackrest.conf"
  # The superuser's password for pgBackRest's connection (the socket asks for it as TCP does).
  printf '*:%s:*:pm:%s\n' "$PG_PORT" "$(secret pg_password)" | as_pg sh -c 'umask 077; cat >"$1"' _ "$dir/.pgpass"
  as_pg chmod 600 "$dir/.pgpass"
}

# ./pm backup and ./pm restore write pgbackrest.conf again from the environment they run in, and the
# server's archive command reads that file: run without the settings `stack up` had (a cron job
# without PM_BACKUP_REPO=s3), they would move the WAL archive to another repository. Refused.
backup_repo_unchanged() {
  local conf was=local
  conf="$(readlink -f "$VAR/pg")/pgbackrest.conf"
  as_pg test -f "$conf" || return 0
  if as_pg grep -q '^repo1-type=s3' "$conf"; then was=s3; fi
  [[ $was == "${PM_BACKUP_REPO:-local}" ]] ||
    die "the backups are in the $was repository (var/pg/pgbackrest.conf) but PM_BACKUP_REPO is ${PM_BACKUP_REPO:-local}: run with the settings of ./pm stack up, or change them there first"
}

pgbackrest_cmd() { # pgbackrest_cmd ARGS...: as PostgreSQL's user, with this stack's configuration
  local dir; dir=$(readlink -f "$VAR/pg")
  as_pg env PGPASSFILE="$dir/.pgpass" pgbackrest --config="$dir/pgbackrest.conf" --stanza="$STANZA" "$@"
}

# The stanza (the repository's record of this cluster) is created once, with the cluster.
backup_stanza() {
  [[ ${PM_BACKUP_REPO:-local} == local && -f $(backup_repo)/backup/$STANZA/backup.info ]] && return 0
  pgbackrest_cmd stanza-create >/dev/null || die "pgbackrest stanza-create failed (log: $(readlink -f "$VAR/pg")/pgbackrest/log)"
}

# The roles (docs/security.md): the bootstrap superuser 'pm' is this script's alone; migrate runs as
# pm_owner, serve/worker/commands as pm_app, data people as pm_analytics. Created (with the
# extensions and the database's ownership) by deps/postgres-bootstrap.sql, their passwords from
# var/secrets, on every `stack up`.
pg_roles() {
  local pw; pw=$(secret pg_password)
  PGPASSWORD="$pw" PGOPTIONS="$PG_ADMIN_OPTIONS" psql -h 127.0.0.1 -p "$PG_PORT" -U pm -d perfectmatch \
    -v ON_ERROR_STOP=1 -q -f "$ROOT/deps/postgres-bootstrap.sql" >/dev/null || die "creating the database roles failed"
  PGPASSWORD="$pw" PGOPTIONS="$PG_ADMIN_OPTIONS" psql -h 127.0.0.1 -p "$PG_PORT" -U pm -d perfectmatch -v ON_ERROR_STOP=1 -q >/dev/null <<EOF ||
ALTER ROLE pm_owner PASSWORD '$(secret pg_owner_password)';
ALTER ROLE pm_app PASSWORD '$(secret pg_app_password)';
ALTER ROLE pm_analytics PASSWORD '$(secret pg_analytics_password)';
EOF
    die "setting the database roles' passwords failed"
  # Statistics of every statement (docs/operations.md: what to watch), read by the superuser.
  pg_admin_sql perfectmatch "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null
}

redis_cli() { REDISCLI_AUTH="$(secret redis_password)" redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "$@"; }

# Redis's folder and files are its owner's alone (700, 600): its snapshot and append-only file hold
# the last words of every conversation (their previews) and each session's address and browser.
# Folders and files made before that rule are tightened too.
redis_up() {
  (umask 077 && mkdir -p "$REDIS_DIR")
  chmod -R go-rwx "$REDIS_DIR"
  (umask 077 && cat >"$REDIS_DIR/redis.conf") <<EOF
port $REDIS_PORT
bind 127.0.0.1
protected-mode yes
daemonize yes
dir "$REDIS_DIR"
pidfile "$REDIS_DIR/redis.pid"
logfile "$REDIS_DIR/redis.log"
requirepass $(secret redis_password)
# Persistence (docs/operations.md): the append-only file, fsynced every second, plus RDB snapshots.
# Redis holds nothing the service cannot rebuild (sessions, caches, counters), so losing it signs
# people out and no more.
appendonly yes
appendfsync everysec
save 3600 1 300 100 60 10000
EOF
  if redis_cli ping 2>/dev/null | grep -q PONG; then
    # (started before this configuration: the same persistence, without a restart)
    redis_cli config set appendonly yes >/dev/null && redis_cli config set appendfsync everysec >/dev/null &&
      redis_cli config set save "3600 1 300 100 60 10000" >/dev/null
    say "Redis already running (port $REDIS_PORT)"
    return
  fi
  (umask 077 && redis-server "$REDIS_DIR/redis.conf")  # (its files are made with this mask)
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
$(replica_exists && echo "# match lists, conversations and history are read here (./pm stack up --replica)
export PM_DATABASE_REPLICA_URL=postgresql://pm_app:$(secret pg_app_password)@127.0.0.1:$REPLICA_PORT/perfectmatch")
export PM_PII_KEYS=k1:$(secret pii_key_k1 32)
export PM_BLIND_INDEX_KEY=$(secret blind_index_key 32)
export PM_MEDIA_URL_SECRET=$(secret media_url_secret)
export PM_DEMO_DATA=true
EOF
}

stack_up() { # stack_up [--replica]
  cmd_deps
  mkdir -p "$VAR"
  pg_up
  if [[ ${1:-} == --replica ]] || replica_exists; then replica_up; fi
  redis_up
  write_env
}

stack_down() {
  if pg_running; then as_pg "$PG_BIN/pg_ctl" stop -w -m fast -D "$(pg_data)" >/dev/null && say "PostgreSQL stopped"; fi
  if replica_running; then as_pg "$PG_BIN/pg_ctl" stop -w -m fast -D "$(replica_data)" >/dev/null && say "replica stopped"; fi
  rmdir "$PG_SOCKET_DIR" "/tmp/pm-pg-$REPLICA_PORT" 2>/dev/null || true
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
# (pg_admin_sql: the superuser's password in the environment, never on a command line that `ps`
# shows every local user)
drop_test_databases() {
  local db
  for db in $(pg_admin_sql postgres "SELECT datname FROM pg_database WHERE datname LIKE 'pm\_test\_%' OR datname LIKE 'pm\_template\_%'"); do
    pg_admin_sql postgres "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null
  done
}

load_env() { # shellcheck disable=SC1091
  source "$VAR/stack.env"
  # The local media store where ./pm backup and restore look for it (under PM_VAR_DIR when set; the
  # binary's own default is the checkout's var/media, which a backup of PM_VAR_DIR never read).
  export PM_MEDIA_DIR="$MEDIA_DIR"
}

# ---------- backup and restore (docs/operations.md) ----------

MEDIA_DIR="${PM_MEDIA_DIR:-$VAR/media}"
# Photos are objects that never change (a new upload is a new key): the backup copies the new ones
# into <repo>/media; one gone from the store moves to <repo>/media-deleted/<day>/, kept
# PM_BACKUP_MEDIA_KEEP_DAYS (14), so a restore to a time before the deletion finds it again.
# (On S3 the bucket's versioning does this: docs/operations.md.)
media_backup() {
  [[ ${PM_BACKUP_REPO:-local} == local && -d $MEDIA_DIR ]] || return 0
  local repo; repo=$(backup_repo)
  local copy="$repo/media" gone="$repo/media-deleted/$(date -u +%F)"
  mkdir -p "$copy"
  cp -a -n "$MEDIA_DIR/." "$copy/"
  local f n=0
  while IFS= read -r -d '' f; do
    [[ -e $MEDIA_DIR/$f ]] && continue
    mkdir -p "$gone/$(dirname "$f")" && mv "$copy/$f" "$gone/$f"
    n=$((n + 1))
  done < <(cd "$copy" && find . -type f -printf '%P\0')
  find "$repo/media-deleted" -mindepth 1 -maxdepth 1 -type d -mtime +"${PM_BACKUP_MEDIA_KEEP_DAYS:-14}" -exec rm -rf {} + 2>/dev/null || true
  say "media: $(find "$copy" -type f ! -name '.*' | wc -l) objects in the backup ($n deleted since the last one kept under media-deleted/)"
}

# media_restore [DAY]: puts back every object of the copy missing from the store, and those deleted
# on DAY (YYYY-MM-DD) or later (rows restored to a time before their deletion name them).
media_restore() {
  [[ ${PM_BACKUP_REPO:-local} == local && -d $(backup_repo)/media ]] || return 0
  local repo; repo=$(backup_repo)
  mkdir -p "$MEDIA_DIR"
  cp -a -n "$repo/media/." "$MEDIA_DIR/"
  local d
  for d in "$repo"/media-deleted/*/; do
    [[ -d $d ]] || continue
    [[ -z ${1:-} || ! $(basename "$d") < $1 ]] && cp -a -n "$d." "$MEDIA_DIR/"
  done
  say "media: $(find "$MEDIA_DIR" -type f ! -name '.*' | wc -l) objects in $MEDIA_DIR"
}

cmd_backup() {
  local type=${1:-incr}
  case $type in
    list) cmd_backup_list; return ;;
    metrics) cmd_backup_metrics; return ;;
    full | diff | incr) ;;
    *) die "usage: ./pm backup [full|diff|incr|list|metrics]" ;;
  esac
  pg_running || die "PostgreSQL is not running: ./pm stack up first"
  backup_repo_unchanged
  backup_conf
  backup_stanza
  # (an increment without a full backup before it becomes a full one)
  say "backing up PostgreSQL ($type) into $( [[ ${PM_BACKUP_REPO:-local} == s3 ]] && echo "s3://$PM_S3_BUCKET" || backup_repo)"
  pgbackrest_cmd --type="$type" backup || die "pgbackrest backup failed (log: $(readlink -f "$VAR/pg")/pgbackrest/log)"
  media_backup
  cmd_backup_metrics
  pgbackrest_cmd info | sed -n '/^ *\(full\|diff\|incr\) backup:/{N;N;N;N;p}' | tail -5 >&2
}

# ./pm backup metrics: the backup and WAL archive figures the alert rules watch
# (ops/prometheus/alerts.yml), as a file for node_exporter's textfile collector
# (PM_METRICS_TEXTFILE_DIR, default var/metrics); run it every minute (cron) in production.
cmd_backup_metrics() {
  pg_running || die "PostgreSQL is not running: ./pm stack up first"
  local out="${PM_METRICS_TEXTFILE_DIR:-$VAR/metrics}" last archiver
  mkdir -p "$out"
  last=$(pgbackrest_cmd --output=json info | jq '[.[0].backup[]?.timestamp.stop] | max // 0')
  archiver=$(pg_admin_sql postgres "SELECT archived_count || ' ' || failed_count || ' ' || coalesce(extract(epoch FROM last_archived_time)::bigint, 0) FROM pg_stat_archiver")
  read -r archived failed archived_at <<<"$archiver"
  cat >"$out/.pm_backup.prom.tmp" <<EOF
# HELP pm_backup_last_success_timestamp_seconds When the newest backup in the repository ended.
# TYPE pm_backup_last_success_timestamp_seconds gauge
pm_backup_last_success_timestamp_seconds $last
# HELP pm_wal_archive_archived_total WAL segments archived since the server started.
# TYPE pm_wal_archive_archived_total counter
pm_wal_archive_archived_total $archived
# HELP pm_wal_archive_failed_total Failed archive_command runs since the server started.
# TYPE pm_wal_archive_failed_total counter
pm_wal_archive_failed_total $failed
# HELP pm_wal_archive_last_success_timestamp_seconds When the last WAL segment was archived.
# TYPE pm_wal_archive_last_success_timestamp_seconds gauge
pm_wal_archive_last_success_timestamp_seconds $archived_at
EOF
  mv "$out/.pm_backup.prom.tmp" "$out/pm_backup.prom"
}

cmd_backup_list() {
  [[ -f $(readlink -f "$VAR/pg")/pgbackrest.conf ]] || die "no backup configuration: ./pm stack up first"
  pgbackrest_cmd info
  [[ -d $(backup_repo)/media ]] && echo "media: $(find "$(backup_repo)/media" -type f ! -name '.*' | wc -l) objects copied, deleted ones kept for days: $(ls "$(backup_repo)/media-deleted" 2>/dev/null | tr '\n' ' ')"
  return 0
}

# ./pm restore [--to TIMESTAMP]: the newest backup before TIMESTAMP plus the archived WAL up to it
# (without --to: up to the end of the archive). The current data folder, if any, is moved aside to
# var/pg/data.before-restore-<time>, never deleted; Redis is emptied (its sessions and caches
# describe the database as it was, not as restored: everyone signs in again).
cmd_restore() {
  local to=""
  while (($#)); do
    case $1 in
      --to) to=${2:?--to needs a timestamp, e.g. "2026-11-30 14:05:00+00"}; shift 2 ;;
      --to=*) to=${1#--to=}; shift ;;
      *) die "usage: ./pm restore [--to TIMESTAMP]" ;;
    esac
  done
  cmd_deps
  local dir; dir=$(pg_dir)
  [[ ${PM_BACKUP_REPO:-local} == s3 || -d $(backup_repo)/backup/$STANZA ]] || die "no backup repository in $(backup_repo): nothing to restore from"
  # The passphrase the backups were encrypted with (a new one would be generated, and read nothing).
  [[ -s $VAR/secrets/backup_cipher_pass ]] ||
    die "$VAR/secrets/backup_cipher_pass is missing: put back the passphrase the backups were made with (docs/operations.md)"
  backup_repo_unchanged
  backup_conf
  local stamp; stamp=$(date -u +%Y%m%dT%H%M%SZ)
  # The accounts deleted after the target: the restored database has them again, and only the live
  # one's audit log says who they were. Kept, to delete them again once restored (people who
  # deleted their account must not come back with an undone deploy).
  local deletions="$dir/deleted-after-target-$stamp.txt"
  if [[ -n $to ]]; then
    [[ $to =~ ^[0-9A-Za-z:.+\ -]+$ ]] || die "--to: not a timestamp: $to"
    if pg_running; then
      # (a database without the application's tables, a bare stack's: nobody to delete)
      if [[ $(pg_admin_sql perfectmatch "SELECT to_regclass('public.audit_log') IS NOT NULL") == t ]]; then
        pg_admin_sql perfectmatch "SELECT DISTINCT user_id FROM audit_log WHERE event = 'account_deletion'
          AND user_id IS NOT NULL AND created_at > '$to'::timestamptz" >"$deletions" ||
          die "could not read the accounts deleted after $to from the running database"
      fi
    else
      say "warning: PostgreSQL is not running, so the accounts deleted after $to cannot be read: they will be back (docs/operations.md)"
    fi
  fi
  if pg_running; then as_pg "$PG_BIN/pg_ctl" stop -w -m fast -D "$dir/data" >/dev/null && say "PostgreSQL stopped"; fi
  # A replica follows the old history, which the restored cluster leaves (a new timeline, no
  # replication slot): it would never stream again, and the primary, naming it its synchronous
  # standby, would hold every commit waiting for it. It is moved aside; `stack up --replica` makes
  # a new one from the restored cluster.
  if replica_exists; then
    replica_running && as_pg "$PG_BIN/pg_ctl" stop -w -m fast -D "$(replica_data)" >/dev/null
    as_pg mv "$(replica_data)" "$dir/replica.before-restore-$stamp"
    say "the replica followed the old history: moved to $dir/replica.before-restore-$stamp; ./pm stack up --replica makes a new one"
  fi
  if [[ -e $dir/data ]]; then
    local aside="$dir/data.before-restore-$stamp"
    as_pg mv "$dir/data" "$aside"
    say "the old data folder is kept at $aside (delete it once the restore is checked)"
  fi
  as_pg mkdir -m 700 "$dir/data"
  local args=(--log-level-console=info)
  if [[ -n $to ]]; then
    # The backup set is the newest one that ended before the target; recovery stops at the target
    # and the cluster is promoted (a new timeline), ready for writes.
    args+=(--type=time "--target=$to" --target-action=promote)
    say "restoring PostgreSQL to $to"
  else
    say "restoring PostgreSQL to the end of the WAL archive"
  fi
  pgbackrest_cmd "${args[@]}" restore | grep -E 'restore (command begin|size)|backup set|ERROR' >&2 ||
    true
  [[ -f $dir/data/PG_VERSION ]] || die "pgbackrest restore failed (log: $dir/pgbackrest/log)"
  pg_up
  # pgBackRest left the recovery target in postgresql.auto.conf: harmless to this promoted cluster,
  # but pg_basebackup copies the file into a replica made later, which would then stop at the
  # target and promote itself (two writable primaries).
  local target
  for target in recovery_target recovery_target_time recovery_target_lsn recovery_target_name recovery_target_xid \
    recovery_target_action recovery_target_inclusive recovery_target_timeline; do
    pg_admin_sql postgres "ALTER SYSTEM RESET $target" >/dev/null
  done
  say "PostgreSQL restored and writable ($(pg_admin_sql postgres "SELECT now()::text"))"
  local day=""
  [[ -n $to ]] && day=$(pg_admin_sql postgres "SELECT to_char('$to'::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD')")
  media_restore "$day"
  redis_up
  redis_cli flushall >/dev/null && say "Redis emptied (sessions and caches): every user signs in again"
  write_env
  if [[ -s $deletions ]]; then
    load_env
    local bin="${PM_BIN:-$(bin_path)}"
    if [[ -x $bin ]] && "$bin" admin delete-accounts "$deletions" >&2; then
      say "the $(wc -l <"$deletions") accounts deleted after $to are deleted again"
    else
      say "warning: the accounts deleted after $to are back: delete them again with perfectmatch admin delete-accounts $deletions"
    fi
  fi
  say "done; take a new backup soon (./pm backup full): the restored cluster is on a new timeline"
}

# ---------- the commands ----------

cmd_run() {
  cmd_deps
  build_web
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
  # Payments: the local sandbox plays Stripe unless PM_PAYMENTS_PROVIDER says otherwise
  # (docs/subscriptions.md, "Payments"); its keys are generated once, like the stack's.
  export PM_PAYMENTS_PROVIDER=${PM_PAYMENTS_PROVIDER:-sandbox}
  if [[ $PM_PAYMENTS_PROVIDER == sandbox ]]; then
    export PM_PAYMENTS_SANDBOX_PORT=${PM_PAYMENTS_SANDBOX_PORT:-$((${PM_HTTP_PORT:-8080} + 1))}
    export PM_STRIPE_API_BASE=http://127.0.0.1:$PM_PAYMENTS_SANDBOX_PORT
    export PM_STRIPE_SECRET_KEY=${PM_STRIPE_SECRET_KEY:-sk_test_$(secret payments_sandbox_key)}
    export PM_STRIPE_WEBHOOK_SECRET=${PM_STRIPE_WEBHOOK_SECRET:-whsec_$(secret payments_sandbox_webhook_secret)}
    "$bin" payments-sandbox >>"$VAR/payments-sandbox.log" 2>&1 &
    PM_SANDBOX_PID=$!
    trap 'kill "$PM_WORKER_PID" "$PM_SANDBOX_PID" 2>/dev/null' EXIT
    say "payments sandbox on http://localhost:$PM_PAYMENTS_SANDBOX_PORT (log: var/payments-sandbox.log)"
  fi
  say "worker running (log: var/worker.log); serving on http://localhost:${PM_HTTP_PORT:-8080}"
  "$bin" serve
}

# The Node.js servers tests run against, from the npm registry at the versions pinned in their
# lockfiles: s3rver (tests/s3, the S3 backend's tests), oidc-provider (tests/oidc, the browser's
# sign-in with a provider, in the API's and the web app's tests) and http_ece with jose (tests/push,
# the local Web Push endpoint). Node.js comes with the machine.
test_node_servers() {
  local folder package
  for folder in s3:s3rver oidc:oidc-provider push:http_ece; do
    package=${folder#*:} folder=${folder%%:*}
    [[ -d $ROOT/tests/$folder/node_modules/$package ]] && continue
    command -v npm >/dev/null || die "npm (Node.js) is needed for the tests of tests/$folder and is not installed"
    say "installing $package into tests/$folder/node_modules"
    npm ci --prefix "$ROOT/tests/$folder" --no-audit --no-fund --loglevel=error >/dev/null
  done
}

# ./pm cluster up N | restart | status | down (ops/cluster.sh, docs/operations.md "Several nodes"):
# on the local stack, migrated, with the cluster's pids and logs in var/cluster.
cmd_cluster() {
  local action=${1:-}
  case $action in
    up)
      [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || die "usage: ./pm cluster up N (N nodes)"
      cmd_deps cluster
      build_web
      build_targets perfectmatch
      stack_up
      load_env
      "$(bin_path)" migrate up
      "$(bin_path)" questions import "$ROOT/data/questions/perfect-match.json" >/dev/null ;;
    restart | status | down) load_env ;;
    *) die "usage: ./pm cluster up N | restart | status | down" ;;
  esac
  PM_BIN=$(bin_path) PM_CLUSTER_DIR="$VAR/cluster" exec "$ROOT/ops/cluster.sh" "$@"
}

# After ./pm test: the stack durable and archiving again (pg_conf).
pg_durable_again() {
  PG_FOR_TESTS=0
  if pg_running; then pg_conf "$(pg_data)" && as_pg "$PG_BIN/pg_ctl" reload -D "$(pg_data)" >/dev/null; fi
  return 0
}

# Counted as one test by ./pm test: the alert rules are valid and do what their tests say
# (promtool, Debian's prometheus package), and the Grafana dashboard is JSON.
alerts_check() {
  local out
  if out=$(cd "$ROOT/ops/prometheus" && promtool check rules alerts.yml 2>&1 && promtool test rules alerts_test.yml 2>&1) &&
    out+=$(jq -e '.panels | length > 0' "$ROOT/ops/grafana/perfectmatch.json" 2>&1); then
    echo "alerts: passed ($(grep -c '^      - alert:' "$ROOT/ops/prometheus/alerts.yml") rules, their tests, the dashboard)"
  else
    echo "alerts: FAILED"
    echo "$out" | tail -30
    return 1
  fi
}

# Counted as one test by ./pm test: the web app's Playwright suite (web/tests/) in Debian's Chromium,
# against a real `perfectmatch serve` with a database and Redis of its own (web/test-e2e, docs/web.md).
web_check() {
  local log="$VAR/web-test.log" started=$SECONDS
  if "$ROOT/web/test-e2e" "$(bin_path)" >"$log" 2>&1; then
    echo "web app: passed ($(grep -Eo '[0-9]+ passed' "$log" | tail -1) in Chromium, $((SECONDS - started)) s; log: var/web-test.log)"
  else
    echo "web app: FAILED; the end of var/web-test.log:"
    tail -40 "$log"
    return 1
  fi
}

# Counted as one test by ./pm test: the recovery drill on small data (ops/drill.sh; about 2 minutes).
run_drill() {
  local log="$VAR/drill.log"
  if "$ROOT/ops/drill.sh" >"$log" 2>&1; then
    echo "$(grep '^drill: RPO' "$log") (log: var/drill.log)"
  else
    echo "drill: FAILED; the end of var/drill.log:"
    tail -30 "$log"
    return 1
  fi
}

# The output of each failed ctest test again (the last 40 lines each), next to the summary: where a
# reader of only the end of the run (a CI page) sees why, not just which.
failed_tests_output() {
  grep -qE '\*\*\*(Failed|Timeout|Exception)' "$1" || return 0
  echo "the failed tests' output:"
  awk '/\*\*\*(Failed|Timeout|Exception)/ { on = 1; n = 0; print; next }
       on && (/^ *Start +[0-9]+:/ || /^ *[0-9]+\/[0-9]+ Test +#/ || /^[0-9]+% tests passed/) { on = 0 }
       on && n++ < 40 { print "  " $0 }' "$1"
}

cmd_test() {
  cmd_build
  PG_FOR_TESTS=1
  trap pg_durable_again EXIT
  stack_up
  load_env
  test_node_servers
  local log="$VAR/test.log" jobs="${PM_TEST_JOBS:-2}" rc=0
  drop_test_databases
  build_fuzzers || say "the fuzzers did not build; each counts as a failed test below"
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
  if alerts_check; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  total=$((total + 1))
  if web_check; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  total=$((total + 1))
  if run_drill; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  total=$((total + 1))
  failed_tests_output "$log"
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
  backup) cmd_deps; shift; cmd_backup "$@" ;;
  restore) shift; cmd_restore "$@" ;;
  drill) shift; cmd_deps; exec "$ROOT/ops/drill.sh" "$@" ;;
  failover) cmd_failover ;;
  cluster) shift; cmd_cluster "$@" ;;
  fmt) cmd_fmt ;;
  contract) cmd_contract ;;
  lint) shift; cmd_lint "$@" ;;
  stack)
    case "${2:-}" in
      up) stack_up "${3:-}" ;;
      down) stack_down ;;
      *) die "usage: ./pm stack up [--replica] | ./pm stack down" ;;
    esac ;;
  *) awk 'NR > 1 && !/^#/ {exit} NR > 1' "$0" | sed 's/^# \{0,1\}//'; [[ -z ${1:-} ]] || exit 2 ;;
esac
