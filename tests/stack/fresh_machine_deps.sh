#!/usr/bin/env bash
# On a fresh machine dpkg has never heard of most of deps/debian-packages.txt. `./pm` must still
# name them all to apt-get, under its own `set -euo pipefail`; once it stopped silently instead,
# because dpkg-query exits 1 for an unknown package (only a fresh Debian showed it).
set -euo pipefail
SRC="$(cd "$(dirname "$0")/../.." && pwd)"
ROOT=$(mktemp -d)
trap 'rm -rf "$ROOT"' EXIT
fail() { echo "FAILED: $*" >&2; exit 1; }

mkdir -p "$ROOT/deps"
# bash is on every machine; the other two are unknown to any dpkg, one of them tagged 'test'.
printf 'bash\npm-no-such-package-a\npm-no-such-package-b test\n' >"$ROOT/deps/debian-packages.txt"
# cmd_deps runs in a child bash of its own: called after `||` here, `set -e` would not apply in it.
deps() {
  bash -c 'set -euo pipefail; ROOT=$1; say() { :; }; as_root() { echo "$*" >>"$ROOT/apt-calls"; }
    source <(sed -n "/^cmd_deps()/,/^}/p" "$2"); shift 2; cmd_deps "$@"' deps "$ROOT" "$SRC/pm" "$@"
}

deps || fail "cmd_deps stopped before apt-get"
grep -q "install .* pm-no-such-package-a$" "$ROOT/apt-calls" ||
  fail "apt-get was not asked for the missing package: $(cat "$ROOT/apt-calls" 2>/dev/null)"
rm -f "$ROOT/apt-calls"
deps test || fail "cmd_deps test stopped before apt-get"
grep -q "install .* pm-no-such-package-a pm-no-such-package-b$" "$ROOT/apt-calls" ||
  fail "apt-get was not asked for the tagged package too: $(cat "$ROOT/apt-calls")"
grep -q " bash" "$ROOT/apt-calls" && fail "an installed package was installed again"
echo "passed: ./pm names every package dpkg does not know to apt-get"
