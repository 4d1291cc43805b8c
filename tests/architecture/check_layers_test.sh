#!/bin/bash
# check_layers.sh itself: it passes a small tree that keeps every rule and fails, naming the place,
# on each kind of break (an include up or sideways, another module's repository, SQL outside a
# repository, a statement on another module's table, a table without an owner or with two, a view
# without a publisher, published but never created, or reading another module's table). Without
# this, a check that silently stopped checking would still be green.
set -euo pipefail
CHECK="$(cd "$(dirname "$0")" && pwd)/check_layers.sh"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
failures=0

tree() { # a fresh tree that keeps every rule
  rm -rf "$WORK/t" && mkdir -p "$WORK/t/src/top" "$WORK/t/src/low" "$WORK/t/migrations"
  cat >"$WORK/t/architecture.md" <<'EOF'
```layers
top
low
```

```tables
top: stuff
low: things
```

```views
low: thing_ids
```
EOF
  printf 'CREATE TABLE stuff (id int);\nCREATE TABLE things (id int);\n' >"$WORK/t/migrations/0001_x.up.sql"
  printf 'CREATE VIEW thing_ids WITH (security_invoker = true) AS\n    SELECT id FROM things;\n' \
    >"$WORK/t/migrations/0002_views.up.sql"
  printf '#include "low/model.hpp"\nconstexpr const char* k = R"sql(SELECT 1 FROM stuff JOIN thing_ids USING (id))sql";\n' \
    >"$WORK/t/src/top/repository.cpp"
  printf '#include "top/repository.hpp"\n' >"$WORK/t/src/top/service.cpp"
  printf 'constexpr const char* k = R"sql(UPDATE things SET id = 1)sql";\n' >"$WORK/t/src/low/repository.cpp"
  printf '#pragma once\n' >"$WORK/t/src/low/model.hpp"
}
run() { bash "$CHECK" "$WORK/t/src" "$WORK/t/architecture.md" "$WORK/t/migrations" 2>&1; }
expect_pass() {
  local out
  if ! out=$(run); then echo "FAILED: $1: the check refused a tree that keeps the rules:"; echo "$out"; failures=$((failures + 1)); fi
}
kinds=0
expect_refusal() { # expect_refusal WHAT TEXT: the check fails and its output has TEXT
  local out
  kinds=$((kinds + 1))
  if out=$(run); then
    echo "FAILED: $1: the check passed"; failures=$((failures + 1))
  elif ! grep -qF -- "$2" <<<"$out"; then
    echo "FAILED: $1: the check failed without saying \"$2\":"; echo "$out"; failures=$((failures + 1))
  fi
}

tree
expect_pass "a tree that keeps every rule"

tree
printf '#include "top/service.hpp"\n' >>"$WORK/t/src/low/model.hpp"
expect_refusal "an include upward" 'low/model.hpp: includes "top/service.hpp": top is not below low'

tree
printf '#include "low/repository.hpp"\n' >>"$WORK/t/src/top/service.cpp"
expect_refusal "another module's repository" "another module's repository"

tree
printf 'constexpr const char* k = R"sql(SELECT 1 FROM stuff)sql";\n' >>"$WORK/t/src/top/service.cpp"
expect_refusal "SQL outside a repository" "top/service.cpp:2: runs SQL outside a repository"

tree
printf 'constexpr const char* j = R"sql(DELETE FROM stuff)sql";\n' >>"$WORK/t/src/low/repository.cpp"
expect_refusal "a statement on another module's table" "low/repository.cpp: SQL names stuff, a table of top"

tree
sed -i 's/JOIN thing_ids/JOIN things/' "$WORK/t/src/top/repository.cpp"
expect_refusal "a statement on another module's table, though it publishes a view" "top/repository.cpp: SQL names things, a table of low"

tree
printf 'CREATE VIEW stray AS SELECT id FROM things;\n' >>"$WORK/t/migrations/0002_views.up.sql"
expect_refusal "a view without a publisher" "view stray has no publisher"

tree
printf 'CREATE VIEW more_ids AS\n  SELECT t.id FROM things t JOIN stuff s USING (id);\n' >>"$WORK/t/migrations/0002_views.up.sql"
sed -i 's/^low: thing_ids$/low: thing_ids more_ids/' "$WORK/t/architecture.md"
expect_refusal "a view reading another module's table" "view more_ids (published by low) reads stuff, not a table of low"

tree
sed -i 's/^low: thing_ids$/low: thing_ids ghosts/' "$WORK/t/architecture.md"
expect_refusal "a published view that no migration creates" "view ghosts is in the views block but no migration creates it"

tree
printf 'CREATE TABLE orphans (id int);\n' >>"$WORK/t/migrations/0001_x.up.sql"
expect_refusal "a table without an owner" "table orphans has no owner"

tree
sed -i 's/^low: things$/low: things stuff/' "$WORK/t/architecture.md"
expect_refusal "a table with two owners" "table stuff has two owners"

if ((failures)); then echo "check_layers_test: $failures failed"; exit 1; fi
echo "check_layers_test: the check passes a clean tree and refuses each of $kinds kinds of break"
