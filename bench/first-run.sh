#!/usr/bin/env bash
# A newcomer's first run, timed (issue 19; figures in docs/development.md): a new clone of this
# checkout's HEAD in $HOME (root's is mode 700), then `./pm run` until /readyz answers, then, from
# another new clone, `./pm test` to its summary line; then warm rebuilds of a few source files.
#
#   bench/first-run.sh [--purge]
#
# PM_FIRST_RUN_PARTS (default "run test warm") picks the parts; figures of parts not run are null.
# --purge first removes the Debian packages ./pm installs (and empties apt's cache) before each of
# the two clean runs, as on a fresh machine: for a throwaway machine only. Uses the default ports
# (8080, 15432, 16379): stop any other stack first. Writes bench/results/build-times.json.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PURGE=false; [[ ${1:-} == --purge ]] && PURGE=true
WORK="$HOME/pm-first-run"
RESULTS="$ROOT/bench/results/build-times.json"
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.0f", b - a}'; }

purge() {
  $PURGE || return 0
  local pkgs
  pkgs=$(grep -v '^\s*#' "$ROOT/deps/debian-packages.txt" | awk 'NF && ($2 == "" || $2 == "test") {print $1}' |
    while read -r p; do if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then echo "$p"; fi; done)
  # What the machine had before the project (toolchain, PostgreSQL server) stays.
  pkgs=$(grep -vxE 'build-essential|cmake|ninja-build|pkg-config|postgresql-15|postgresql-contrib|curl|libpq-dev|libssl-dev|libgtest-dev|libgmock-dev|googletest|libbenchmark-dev|clang-format-14|iproute2' <<<"$pkgs" || true)
  [[ -n $pkgs ]] && DEBIAN_FRONTEND=noninteractive apt-get purge -y -q $pkgs >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get autoremove -y -q >/dev/null
  apt-get clean
}

fresh_clone() { rm -rf "$WORK/$1"; mkdir -p "$WORK"; git clone -q "$ROOT" "$WORK/$1"; }

PARTS=" ${PM_FIRST_RUN_PARTS:-run test warm} "
RUN_S=null TEST_S=null SUMMARY="" WARM=()

# ---- ./pm run: nothing installed -> serving ----
if [[ $PARTS == *" run "* ]]; then
purge
fresh_clone run
cd "$WORK/run"
T0=$(now)
setsid ./pm run >"$WORK/run.log" 2>&1 &
PID=$!
until curl -sf http://localhost:8080/readyz >/dev/null 2>&1; do
  kill -0 "$PID" 2>/dev/null || { tail -20 "$WORK/run.log" >&2; echo "first-run: ./pm run failed" >&2; exit 1; }
  sleep 1
done
RUN_S=$(since "$T0")
BUILD_LINE=$(grep -c 'Building CXX' "$WORK/run.log" || true)
kill -INT -- "-$PID" 2>/dev/null || true
sleep 3
pkill -f "$WORK/run/build/" 2>/dev/null || true
./pm stack down >/dev/null 2>&1
echo "first-run: ./pm run served after $RUN_S s ($BUILD_LINE files compiled)" >&2
fi

# ---- ./pm test: nothing installed -> summary ----
if [[ $PARTS == *" test "* ]]; then
purge
fresh_clone test
cd "$WORK/test"
T0=$(now)
./pm test >"$WORK/test.log" 2>&1 && TEST_RC=0 || TEST_RC=$?
TEST_S=$(since "$T0")
SUMMARY=$(grep '^tests:' "$WORK/test.log" | tail -1)
echo "first-run: ./pm test printed \"$SUMMARY\" after $TEST_S s (exit $TEST_RC)" >&2
./pm stack down >/dev/null 2>&1  # its ports are the next part's (and the default ones)
fi

# ---- warm rebuilds in the built checkout: one real change (not a comment, which ccache answers) ----
# One file of each unity batch of perfectmatch (an edit recompiles its whole batch) and each file
# compiled on its own: together, every compile step an edit to one src/ file can cost.
warm_rebuild_files() {
  local unity=build/release/CMakeFiles/pm.dir/Unity
  for u in "$unity"/unity_*_cxx.cxx; do grep -o 'src/[^"]*\.cpp' "$u" | head -1; done
  comm -23 <(find src -name '*.cpp' ! -path src/app/main.cpp ! -path src/http/boost_net.cpp | sort) \
    <(cat "$unity"/unity_*_cxx.cxx | grep -o 'src/[^"]*\.cpp' | sort)
}
# In the clone `./pm run` built (the one of `./pm test` when run was not measured).
BUILT="$WORK/run"; [[ $PARTS == *" run "* ]] || BUILT="$WORK/test"
if [[ $PARTS == *" warm "* && -d $BUILT/build/release ]]; then
cd "$BUILT"
export CCACHE_DIR="$BUILT/var/ccache" CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
for f in $(warm_rebuild_files); do
  echo "namespace { [[maybe_unused]] const char* first_run_touch = \"$(now)\"; }" >>"$f"
  T0=$(now)
  cmake --build --preset release --target perfectmatch >/dev/null
  WARM+=("\"$f\": $(since "$T0")")
  echo "first-run: warm rebuild after editing $f: ${WARM[-1]##*: } s" >&2
  git checkout -q "$f"
  cmake --build --preset release --target perfectmatch >/dev/null  # back as built (from ccache), untimed
done
./pm stack down >/dev/null 2>&1
fi

WARM_JSON=$(IFS=,; echo "${WARM[*]}")
cat >"$RESULTS" <<JSON
{
  "date": "$(date -u +%Y-%m-%d)",
  "machine": "$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(. /etc/os-release && echo "$PRETTY_NAME")",
  "command": "bench/first-run.sh${1:+ $1}",
  "packages_purged_first": $PURGE,
  "pm_run_to_serving_s": $RUN_S,
  "pm_test_to_summary_s": $TEST_S,
  "pm_test_summary": "$SUMMARY",
  "warm_rebuild_perfectmatch_s": {$WARM_JSON}
}
JSON
cat "$RESULTS"
