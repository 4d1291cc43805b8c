# Shared by the stack tests (sourced, not run).

# A TCP port for a test's own server: below Linux's ephemeral range (32768 up), so no outgoing
# connection holds it, and reserved, so no other test running at the same time is handed it in
# the moment before its server binds it. A reservation is a folder named after the port (mkdir is
# atomic), shared with the C++ tests' free_port() (tests/support/processes.cpp); one older than
# 30 minutes, longer than any test runs, is stale and gone.
free_port() {
  local dir="${TMPDIR:-/tmp}/pm-test-ports-$(id -u)" p
  mkdir -p "$dir"
  find "$dir" -mindepth 1 -maxdepth 1 -mmin +30 -exec rmdir {} + 2>/dev/null || true
  for _ in $(seq 200); do
    p=$((20000 + RANDOM % 10000))
    ss -Htln "sport = :$p" | grep -q . && continue
    mkdir "$dir/$p" 2>/dev/null && { echo "$p"; return; }
  done
  echo "no free port found" >&2
  exit 1
}

# A database of its own on the running stack, named $DB on the server $SERVER (the admin URL
# without its database), set up as `./pm stack up` and `perfectmatch migrate` do it; the binary
# $BIN is pointed at it, and at folders under $WORK for media, mail and notifications.
own_database() {
  psql "$SERVER/postgres" -qc "CREATE DATABASE \"$DB\"" >/dev/null
  PGOPTIONS='-c client_min_messages=warning' psql "$SERVER/$DB" -v ON_ERROR_STOP=1 -q \
    -f "$SRC/deps/postgres-bootstrap.sql" >/dev/null
  export PM_MIGRATE_DATABASE_URL="${PM_MIGRATE_DATABASE_URL%/*}/$DB" PM_DATABASE_URL="${PM_DATABASE_URL%/*}/$DB"
  export PM_MEDIA_DIR="$WORK/media" PM_MAIL_DIR="$WORK/mail" PM_NOTIFICATION_DIR="$WORK/notifications"
  export PM_LOG_LEVEL=warn PM_DEMO_DATA=true PM_MIGRATIONS_DIR="$SRC/migrations" PM_DOCS_DIR="$SRC/docs"
  "$BIN" migrate up >/dev/null
}

# For the cleanup trap: the database of own_database, gone even while connections remain.
drop_own_database() {
  psql "$SERVER/postgres" -qc "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null 2>&1 || true
}
