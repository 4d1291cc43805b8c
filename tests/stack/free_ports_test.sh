#!/usr/bin/env bash
# tests/stack/lib.sh's free_ports: every port of the run is reserved, and a run that meets a port
# another test holds is given back whole (the cluster test once bound a third node's port that only
# its first had reserved). A reservation folder of its own (TMPDIR); RANDOM seeded for the picks.
set -euo pipefail
SRC="$(cd "$(dirname "$0")/../.." && pwd)"
. "$SRC/tests/stack/lib.sh"
export TMPDIR=$(mktemp -d)
trap 'rm -rf "$TMPDIR"' EXIT
RESERVED="$TMPDIR/pm-test-ports-$(id -u)"
fail() { echo "FAILED: $*" >&2; exit 1; }
reserved() { [[ -d $RESERVED/$1 ]]; }

p=$(RANDOM=7; free_ports 3)
for i in 0 1 2; do reserved $((p + i)) || fail "free_ports 3 gave $p but left $((p + i)) unreserved"; done
reserved $((p + 3)) && fail "free_ports 3 reserved a fourth port"

# The same pick again, with its third port held by another test: another run, and nothing of the
# refused one kept.
rmdir "$RESERVED/$p" "$RESERVED/$((p + 1))"
q=$(RANDOM=7; free_ports 3)
[[ $q != "$p" ]] || fail "free_ports 3 gave $p again though $((p + 2)) was reserved"
reserved "$p" && fail "the refused run's first port $p stayed reserved"
reserved $((p + 1)) && fail "the refused run's second port $((p + 1)) stayed reserved"
for i in 0 1 2; do reserved $((q + i)) || fail "free_ports 3 gave $q but left $((q + i)) unreserved"; done
echo "free_ports: passed ($p refused for $((p + 2)), $q given)"
