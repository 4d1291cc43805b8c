# Shared by the stack tests (sourced, not run).

# A TCP port for a test's own server: below Linux's ephemeral range (32768 up), so no outgoing
# connection holds it, and reserved, so no other test running at the same time is handed it in
# the moment before its server binds it. A reservation is a folder named after the port (mkdir is
# atomic), shared with the C++ tests' free_port() (tests/support/processes.cpp); one older than
# 30 minutes, longer than any test runs, is stale and gone.
free_port() { free_ports 1; }

# free_ports N: the first of N consecutive ports, each free and reserved as free_port's (servers
# numbered from one base port, such as ops/cluster.sh's nodes). Only reserving every one of them
# keeps a test running at the same time from binding the second or third in between.
free_ports() {
  local n=$1 dir="${TMPDIR:-/tmp}/pm-test-ports-$(id -u)" p i
  mkdir -p "$dir"
  find "$dir" -mindepth 1 -maxdepth 1 -mmin +30 -exec rmdir {} + 2>/dev/null || true
  for _ in $(seq 200); do
    p=$((20000 + RANDOM % (10000 - n)))
    for ((i = 0; i < n; i++)); do
      if ss -Htln "sport = :$((p + i))" | grep -q . || ! mkdir "$dir/$((p + i))" 2>/dev/null; then break; fi
    done
    ((i == n)) && { echo "$p"; return; }
    # (one of them is taken: give back those reserved so far)
    for ((i--; i >= 0; i--)); do rmdir "$dir/$((p + i))"; done
  done
  echo "no $n free consecutive ports found" >&2
  exit 1
}

# private_stack: a stack of the test's own, under $WORK/var (PM_VAR_DIR), its PostgreSQL, replica
# and Redis on free ports: nothing of the developer's stack (its socket folder, its replica) is used.
private_stack() {
  export PM_VAR_DIR="$WORK/var"
  PM_PG_PORT=$(free_port)
  PM_PG_REPLICA_PORT=$(free_port)
  PM_REDIS_PORT=$(free_port)
  export PM_PG_PORT PM_PG_REPLICA_PORT PM_REDIS_PORT
  unset PM_PG_SOCKET_DIR PM_DATABASE_REPLICA_URL
}

# For the cleanup trap: private_stack's servers stopped, and what it left outside $WORK (as root,
# PostgreSQL's folder in the postgres user's home) removed.
private_stack_down() {
  "$SRC/pm" stack down >/dev/null 2>&1 || true
  [[ -L $PM_VAR_DIR/pg ]] && rm -rf "$(readlink -f "$PM_VAR_DIR/pg")"
  return 0
}

# The binary $BIN pointed at folders under $WORK for media, mail and notifications, and at this
# checkout's migrations and docs.
binary_env() {
  export PM_MEDIA_DIR="$WORK/media" PM_MAIL_DIR="$WORK/mail" PM_NOTIFICATION_DIR="$WORK/notifications"
  export PM_LOG_LEVEL=warn PM_MIGRATIONS_DIR="$SRC/migrations" PM_DOCS_DIR="$SRC/docs"
}

# A database of its own on the running stack, named $DB on the server $SERVER (the admin URL
# without its database), set up as `./pm stack up` and `perfectmatch migrate` do it; the binary
# $BIN is pointed at it, and at folders under $WORK for media, mail and notifications.
own_database() {
  psql "$SERVER/postgres" -qc "CREATE DATABASE \"$DB\"" >/dev/null
  PGOPTIONS='-c client_min_messages=warning' psql "$SERVER/$DB" -v ON_ERROR_STOP=1 -q \
    -f "$SRC/deps/postgres-bootstrap.sql" >/dev/null
  export PM_MIGRATE_DATABASE_URL="${PM_MIGRATE_DATABASE_URL%/*}/$DB" PM_DATABASE_URL="${PM_DATABASE_URL%/*}/$DB"
  binary_env
  export PM_DEMO_DATA=true
  "$BIN" migrate up >/dev/null
}

# For the cleanup trap: the database of own_database, gone even while connections remain.
drop_own_database() {
  psql "$SERVER/postgres" -qc "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null 2>&1 || true
}
