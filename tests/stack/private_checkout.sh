#!/usr/bin/env bash
# A checkout inside a folder only its owner may enter (mode 700, like root's home), at a path with
# a space in it, still gets a working stack: `./pm stack up` starts PostgreSQL and Redis,
# var/stack.env reaches both, and `./pm stack down` stops them. As root this is the case where
# PostgreSQL runs as the 'postgres' user, who cannot enter the folder. Redis's files (previews of
# conversations, sessions' addresses) are its owner's alone though the caller's umask is 022, and a
# link planted at the socket folder's predictable /tmp name is refused, not followed.
set -euo pipefail
umask 022
SRC="$(cd "$(dirname "$0")/../.." && pwd)"
HOME_DIR=$(mktemp -d)  # mode 700
CHECKOUT="$HOME_DIR/perfect match"
DECOY=$(mktemp -d)
. "$SRC/tests/stack/lib.sh"
PM_PG_PORT=$(free_port)
PM_REDIS_PORT=$(free_port)
while [[ $PM_REDIS_PORT == "$PM_PG_PORT" ]]; do PM_REDIS_PORT=$(free_port); done
export PM_PG_PORT PM_REDIS_PORT
cleanup() {
  (cd "$CHECKOUT" && ./pm stack down) >/dev/null 2>&1 || true
  [[ -L $CHECKOUT/var/pg ]] && rm -rf "$(readlink -f "$CHECKOUT/var/pg")"
  [[ -L /tmp/pm-pg-$PM_PG_PORT ]] && rm -f "/tmp/pm-pg-$PM_PG_PORT"
  rm -rf "$HOME_DIR" "$DECOY"
}
trap cleanup EXIT
fail() { echo "FAILED: $*" >&2; exit 1; }

[[ $(stat -c %a "$HOME_DIR") == 700 ]] || fail "mktemp -d did not make a private folder"
mkdir -p "$CHECKOUT"
cp -r "$SRC/pm" "$SRC/deps" "$CHECKOUT/"

# Another local user's link where the socket folder goes: refused; its target left as it was.
chmod 755 "$DECOY"
ln -s "$DECOY" "/tmp/pm-pg-$PM_PG_PORT"
(cd "$CHECKOUT" && ./pm stack up) >/dev/null 2>&1 && fail "./pm stack up used a planted link as its socket folder"
[[ $(stat -c %a "$DECOY") == 755 ]] || fail "./pm changed the mode of the planted link's target"
(cd "$CHECKOUT" && ./pm stack down) >/dev/null 2>&1 || true
rm -f "/tmp/pm-pg-$PM_PG_PORT"

(cd "$CHECKOUT" && ./pm stack up) || fail "./pm stack up failed in a mode-700 folder at a path with a space"
[[ $(stat -c %a "$HOME_DIR") == 700 ]] || fail "./pm loosened the private folder's permissions"

# shellcheck disable=SC1091
source "$CHECKOUT/var/stack.env"
[[ $(psql "$PM_DATABASE_URL" -Atqc "SELECT 40 + 2") == 42 ]] || fail "PostgreSQL does not answer at PM_DATABASE_URL"
# One role per URL, none of them a superuser but pm's own (docs/security.md).
role_of() { psql "$1" -Atqc "SELECT current_user || ' ' || rolsuper::text FROM pg_roles WHERE rolname = current_user"; }
[[ $(role_of "$PM_DATABASE_URL") == "pm_app false" ]] || fail "PM_DATABASE_URL is not the app role: $(role_of "$PM_DATABASE_URL")"
[[ $(role_of "$PM_MIGRATE_DATABASE_URL") == "pm_owner false" ]] || fail "PM_MIGRATE_DATABASE_URL is not the owner role"
[[ $(role_of "$PM_ANALYTICS_DATABASE_URL") == "pm_analytics false" ]] || fail "PM_ANALYTICS_DATABASE_URL is not the analytics role"
[[ $(role_of "$PM_ADMIN_DATABASE_URL") == "pm true" ]] || fail "PM_ADMIN_DATABASE_URL is not the bootstrap superuser"
[[ $(redis-cli -u "$PM_REDIS_URL" ping 2>/dev/null) == PONG ]] || fail "Redis does not answer at PM_REDIS_URL"
redis-cli -u "$PM_REDIS_URL" set conversation:preview:x "a word for one person" >/dev/null
redis-cli -u "$PM_REDIS_URL" save >/dev/null || fail "Redis could not save its snapshot"
[[ -f "$CHECKOUT/var/redis/dump.rdb" && -d "$CHECKOUT/var/redis/appendonlydir" ]] || fail "Redis wrote no snapshot or append-only file"
[[ $(stat -c %a "$CHECKOUT/var/redis") == 700 ]] || fail "var/redis is $(stat -c %a "$CHECKOUT/var/redis"), not 700"
readable=$(find "$CHECKOUT/var/redis" -perm /077 -printf '%m %P\n')
[[ -z $readable ]] || fail "Redis's files are readable by others: $readable"
# Running it again finds both servers up.
again=$(cd "$CHECKOUT" && ./pm stack up 2>&1) && grep -q "PostgreSQL already running" <<<"$again" || fail "a second stack up did not find PostgreSQL running"

(cd "$CHECKOUT" && ./pm stack down) >/dev/null 2>&1 || fail "./pm stack down failed"
psql "$PM_DATABASE_URL" -Atqc "SELECT 1" >/dev/null 2>&1 && fail "PostgreSQL still answers after stack down"

# A new clone at the same path (the old one deleted, whatever it left outside the checkout kept)
# gets a stack of its own: new passwords, and a database that answers to them.
old_url=$PM_DATABASE_URL
rm -rf "$CHECKOUT"
mkdir -p "$CHECKOUT"
cp -r "$SRC/pm" "$SRC/deps" "$CHECKOUT/"
(cd "$CHECKOUT" && ./pm stack up) || fail "./pm stack up failed in a new clone at the path of a deleted one"
# shellcheck disable=SC1091
source "$CHECKOUT/var/stack.env"
[[ $PM_DATABASE_URL != "$old_url" ]] || fail "the new clone did not get a password of its own"
[[ $(psql "$PM_DATABASE_URL" -Atqc "SELECT 40 + 2") == 42 ]] || fail "PostgreSQL does not answer the new clone's password"
(cd "$CHECKOUT" && ./pm stack down) >/dev/null 2>&1 || fail "./pm stack down failed (new clone)"
echo "stack from a mode-700 folder: up, reachable, down; again from a new clone at the same path"
