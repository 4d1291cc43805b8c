#!/usr/bin/env bash
# Backups in an S3 bucket restore to a time (issue 13; docs/operations.md, "In production, S3").
#
# The recovery drill (ops/drill.sh) on small data with PM_DRILL_REPO=s3: its repository is a bucket
# on a private S3 server (s3rver over TLS, a certificate made for this run and trusted through
# PM_BACKUP_S3_CA_FILE, since pgBackRest speaks only HTTPS to S3). The drill backs up, archives WAL
# into the bucket, destroys the cluster, restores to T and checks every table. This script then
# checks that the bucket, not a folder, held the backup and that what it holds is encrypted.
# Usage: backup_s3.sh PERFECTMATCH_BINARY (./pm test runs it through CTest).
set -euo pipefail
BIN=${1:?usage: backup_s3.sh PERFECTMATCH_BINARY}
SRC="$(cd "$(dirname "$0")/../.." && pwd)"
. "$SRC/tests/stack/lib.sh"
WORK=$(mktemp -d)
chmod 755 "$WORK"  # PostgreSQL's user reads the CA file
S3_PID=""
fail() {
  echo "FAILED: $*" >&2
  [[ -f $WORK/drill.log ]] && tail -20 "$WORK/drill.log" >&2
  [[ -f $WORK/s3rver.log ]] && tail -5 "$WORK/s3rver.log" >&2
  exit 1
}
cleanup() {
  if [[ -n $S3_PID ]]; then
    kill "$S3_PID" 2>/dev/null || true
    wait "$S3_PID" 2>/dev/null || true  # before its folder goes
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

S3RVER="$SRC/tests/s3/node_modules/s3rver/bin/s3rver.js"
[[ -f $S3RVER ]] || fail "s3rver is not installed: npm ci --prefix tests/s3 (./pm test does it)"
# pgBackRest matches the endpoint's name against the certificate's DNS names (not its IP ones).
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost -addext subjectAltName=DNS:localhost \
  -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
chmod 644 "$WORK/cert.pem"
S3_PORT=$(free_port)
mkdir -p "$WORK/s3"
node "$S3RVER" --directory "$WORK/s3" --address 127.0.0.1 --port "$S3_PORT" --key "$WORK/key.pem" \
  --cert "$WORK/cert.pem" --configure-bucket pm-backups >"$WORK/s3rver.log" 2>&1 &
S3_PID=$!
for _ in $(seq 300); do
  curl -sf --cacert "$WORK/cert.pem" "https://localhost:$S3_PORT/" >/dev/null && break
  sleep 0.1
done
curl -sf --cacert "$WORK/cert.pem" "https://localhost:$S3_PORT/" >/dev/null || fail "s3rver did not answer over TLS"

export PM_BIN="$BIN" PM_DRILL_REPO=s3 PM_DRILL_S3_PATH=/pgbackrest PM_DRILL_DIR="$WORK/drill" PM_DRILL_USERS=4 PM_DRILL_PAIRS=2
PM_DRILL_PG_PORT=$(free_port)
PM_DRILL_REDIS_PORT=$(free_port)
PM_DRILL_HTTP_PORT=$(free_port)
export PM_DRILL_PG_PORT PM_DRILL_REDIS_PORT PM_DRILL_HTTP_PORT
export PM_S3_ENDPOINT="https://localhost:$S3_PORT" PM_S3_BUCKET=pm-backups PM_S3_PATH_STYLE=true
export PM_S3_ACCESS_KEY=S3RVER PM_S3_SECRET_KEY=S3RVER PM_S3_REGION=us-east-1
export PM_BACKUP_S3_CA_FILE="$WORK/cert.pem"
"$SRC/ops/drill.sh" >"$WORK/drill.log" 2>&1 || fail "the drill with its repository in S3 failed"
grep -q '^drill: RPO' "$WORK/drill.log" || fail "the drill printed no RPO and RTO"
grep -q 'backing up PostgreSQL (full) into s3://pm-backups' "$WORK/drill.log" || fail "the backup did not go to the bucket"

# The bucket holds what the restore read, read back over the S3 protocol: the backup set's record
# (encrypted at rest: pgBackRest's aes-256-cbc files begin with OpenSSL's "Salted__") and the WAL.
s3_get() { # s3_get PATH_AND_QUERY: a signed GET in the bucket (the empty body's SHA-256 signed)
  curl -sf --cacert "$WORK/cert.pem" --aws-sigv4 aws:amz:us-east-1:s3 --user S3RVER:S3RVER \
    -H "x-amz-content-sha256: $(printf '' | sha256sum | cut -d' ' -f1)" "$PM_S3_ENDPOINT/pm-backups$1"
}
[[ $(s3_get /pgbackrest/backup/pm/backup.info | head -c 8) == Salted__ ]] ||
  fail "the bucket has no encrypted backup.info"
wal=$(s3_get "?list-type=2&prefix=pgbackrest/archive/pm/" | grep -o '<Key>[^<]*/0000000[0-9A-F]*-[0-9a-f]*\.lz4</Key>' | wc -l || true)
((wal > 0)) || fail "no archived WAL segment in the bucket"
echo "passed: $wal WAL segments in the bucket; $(grep '^drill: RPO' "$WORK/drill.log")"
