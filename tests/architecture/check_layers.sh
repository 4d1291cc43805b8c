#!/bin/bash
# The module graph of src/ points one way (docs/architecture.md). Fails, naming each offending
# #include, when a file includes:
#   - a module in its own layer or a higher one (the layers are docs/architecture.md's `layers`
#     block, highest first). A module's routes are the HTTP edge, above every service: they may
#     include any module's non-routes headers, but never another module's routes;
#   - another module's repository (a module owns its tables: others ask its service, or a read
#     model named for what it reads);
#   - another module's routes (only app/ wires routes);
#   - and SQL outside a module's repository files (and db/, which runs migrations and pings);
#   - a statement naming another module's table (other modules' data is read through the views
#     they publish: the `views` block), a migration's table without an owner in the `tables`
#     block, a view without a publisher in the `views` block or reading another module's table;
#   - within its module, a layer above its own: routes -> service -> repository -> model (files
#     named otherwise, such as matching/engine.cpp, sit where their includes put them).
#
#   tests/architecture/check_layers.sh [SRC_DIR [ARCHITECTURE_MD [MIGRATIONS_DIR]]]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SRC="${1:-$ROOT/src}"
DOC="${2:-$ROOT/docs/architecture.md}"

# module -> layer number (0 is the lowest)
declare -A LAYER
mapfile -t lines < <(awk '/^```layers$/ {on = 1; next} on && /^```/ {exit} on && NF' "$DOC")
((${#lines[@]})) || { echo "no \`\`\`layers block in $DOC" >&2; exit 2; }
for i in "${!lines[@]}"; do
  for m in ${lines[$i]}; do LAYER[$m]=$((${#lines[@]} - 1 - i)); done
done

# the kind of a file inside its module, by its name: routes 3, service 2, repository 1, model 0,
# anything else -1 (not ranked)
kind() {
  case "$(basename "$1")" in
    routes.*) echo 3 ;;
    service.*) echo 2 ;;
    repository.*) echo 1 ;;
    model.*) echo 0 ;;
    *) echo -1 ;;
  esac
}

problems=0
refuse() { echo "$1: includes \"$2\": $3"; problems=$((problems + 1)); }

while IFS= read -r file; do
  rel=${file#"$SRC"/}
  from=${rel%%/*}
  [[ $rel == */* ]] || continue
  [[ -n ${LAYER[$from]:-} ]] || { echo "$rel: module \"$from\" is not in the layers of $DOC"; problems=$((problems + 1)); continue; }
  from_kind=$(kind "$rel")
  while IFS= read -r inc; do
    to=${inc%%/*}
    [[ -n ${LAYER[$to]:-} ]] || continue  # not one of ours
    to_kind=$(kind "$inc")
    if [[ $to == "$from" ]]; then
      # a file's own header is the same kind as the file
      [[ ${inc%.*} == "${rel%.*}" ]] && continue
      if ((from_kind >= 0 && to_kind > from_kind)); then
        refuse "$rel" "$inc" "within $from, a lower layer includes a higher one (routes > service > repository > model)"
      fi
      continue
    fi
    if [[ $(basename "$inc") == repository.hpp ]]; then
      refuse "$rel" "$inc" "another module's repository: $to owns those tables (ask its service, or add a named read model)"
    elif ((to_kind == 3)); then
      [[ $from == app ]] || refuse "$rel" "$inc" "another module's routes (only app/ wires them)"
    elif ((from_kind == 3)) && [[ $to != app && $to != demo ]]; then
      continue  # routes may use any module's service
    elif ((LAYER[$to] >= LAYER[$from])); then
      refuse "$rel" "$inc" "$to is not below $from (layers in docs/architecture.md)"
    fi
  done < <(sed -nE 's/^#include "([a-z_]+\/[^"]+)".*/\1/p' "$file")
done < <(find "$SRC" -name '*.cpp' -o -name '*.hpp' | sort)

# SQL: statements are run only by repositories (and db/).
while IFS=: read -r file line _; do
  echo "${file#"$SRC"/}:$line: runs SQL outside a repository (move the statement into the module's repository.cpp)"
  problems=$((problems + 1))
done < <(grep -rnE '\.(exec|exec0|exec1|exec_params|exec_params0|exec_params1|exec_prepared)\(|"(SELECT|INSERT|UPDATE|DELETE|WITH) |R"sql\(' \
  --include='*.cpp' --include='*.hpp' "$SRC" | grep -vE "^$SRC/(db/|[a-z_]+/repository\.cpp:)" || true)

# Tables: a module's statements name its own tables (the `tables` block of docs/architecture.md),
# and of the others only the views they publish (its `views` block), each created by a migration
# from its publisher's tables (or from views published before it).
declare -A OWNER PUBLISHER
while read -r module tables; do
  for t in $tables; do
    if [[ -n ${OWNER[$t]:-} ]]; then
      echo "$DOC: table $t has two owners in the tables block (${OWNER[$t]}, ${module%:})"
      problems=$((problems + 1))
    fi
    OWNER[$t]=${module%:}
  done
done < <(awk '/^```tables$/ {on = 1; next} on && /^```/ {exit} on && NF' "$DOC")
((${#OWNER[@]})) || { echo "no \`\`\`tables block in $DOC" >&2; exit 2; }
while read -r module views; do
  for v in $views; do PUBLISHER[$v]=${module%:}; done
done < <(awk '/^```views$/ {on = 1; next} on && /^```/ {exit} on && NF' "$DOC")
MIGRATIONS="${3:-$ROOT/migrations}"
if [[ -d $MIGRATIONS ]]; then
  while read -r t; do
    [[ -n ${OWNER[$t]:-} || $t == *_default ]] && continue
    echo "migrations: table $t has no owner in the tables block of $DOC"
    problems=$((problems + 1))
  done < <(sed -nE 's/.*CREATE TABLE (IF NOT EXISTS )?([a-z_]+).*/\2/p' "$MIGRATIONS"/*.up.sql | sort -u)
  declare -A CREATED
  # each view's statement, as "view: the relations it reads" (CREATE VIEW to the next semicolon)
  while read -r view relations; do
    view=${view%:}
    CREATED[$view]=1
    publisher=${PUBLISHER[$view]:-}
    if [[ -z $publisher ]]; then
      echo "migrations: view $view has no publisher in the views block of $DOC"
      problems=$((problems + 1))
      continue
    fi
    for t in $relations; do
      [[ ${OWNER[$t]:-} == "$publisher" || -n ${PUBLISHER[$t]:-} ]] && continue
      echo "migrations: view $view (published by $publisher) reads $t, not a table of $publisher"
      problems=$((problems + 1))
    done
  done < <(awk '
    /CREATE (OR REPLACE )?VIEW [a-z_]+/ { match($0, /VIEW [a-z_]+/); view = substr($0, RSTART + 5, RLENGTH - 5); body = "" }
    view != "" { body = body " " $0 }
    view != "" && /;/ {
      out = view ":"
      rest = body
      while (match(rest, /(FROM|JOIN) +[a-z_]+/)) {
        word = substr(rest, RSTART, RLENGTH); sub(/^(FROM|JOIN) +/, "", word); out = out " " word
        rest = substr(rest, RSTART + RLENGTH)
      }
      print out; view = ""
    }' "$MIGRATIONS"/*.up.sql)
  for v in "${!PUBLISHER[@]}"; do
    [[ -n ${CREATED[$v]:-} ]] && continue
    echo "$DOC: view $v is in the views block but no migration creates it"
    problems=$((problems + 1))
  done
fi
# (It reads the house style: keywords in capitals with the table after them, as every repository
# writes its statements; `FROM a, b` lists and lower-case SQL would slip through.)
while IFS= read -r file; do
  rel=${file#"$SRC"/}
  module=${rel%%/*}
  while read -r t; do
    owner=${OWNER[$t]:-}
    [[ -z $owner || $owner == "$module" ]] && continue
    echo "$rel: SQL names $t, a table of $owner (read a view $owner publishes, or ask it through a function of its own)"
    problems=$((problems + 1))
  done < <(grep -oE '\b(FROM|JOIN|INTO|UPDATE|TABLE|USING|REFERENCES) +(ONLY +)?[a-z_]+' "$file" | awk '{print $NF}' | sort -u)
done < <(find "$SRC" -path '*/repository.cpp' | sort)

if ((problems)); then
  echo "check_layers: $problems place(s) against the module graph (docs/architecture.md)"
  exit 1
fi
echo "check_layers: every include of $(find "$SRC" -name '*.cpp' -o -name '*.hpp' | wc -l) files points down; SQL only in repositories, on their own tables and the views modules publish"
