#!/bin/bash
# Clang's thread-safety analysis over the files whose state is annotated (core/mutex.hpp): fails
# when a member declared PM_GUARDED_BY(m) is touched without holding m. GCC builds the binary and
# ignores the annotations, so this runs clang 16 in syntax-only mode with the build's own flags.
#
#   tests/architecture/thread_safety.sh BUILD_DIR
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="${1:?usage: thread_safety.sh BUILD_DIR}"
CLANG=clang++-16
command -v "$CLANG" >/dev/null || { echo "$CLANG is not installed (./pm test installs it)"; exit 1; }

# The files to check: those using the annotated mutex, directly or through their own header.
mapfile -t files < <(cd "$ROOT" && for f in $(find src -name '*.cpp' | sort); do
  if grep -q '"core/mutex.hpp"' "$f" "${f%.cpp}.hpp" 2>/dev/null; then echo "$f"; fi
done)
((${#files[@]})) || { echo "no file includes core/mutex.hpp"; exit 1; }

# The library's compile flags (every src/ file has the same), from a file compiled on its own,
# minus what only GCC understands (its precompiled header).
flags=$(sed -n 's/.*"command": "\(.*\) -o [^ ]*src\/http\/server\.cpp\.o -c .*/\1/p' "$BUILD/compile_commands.json" | head -1)
[[ -n $flags ]] || { echo "no compile command for src/http/server.cpp in $BUILD/compile_commands.json"; exit 1; }
read -ra args <<<"$flags"
keep=()
for ((i = 1; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    -include) i=$((i + 1)) ;;
    -Winvalid-pch | -std=c++23 | -MD) ;;
    -MT | -MF) i=$((i + 1)) ;;
    *) keep+=("${args[$i]}") ;;
  esac
done
# (clang 16 says c++2b for C++23, and has what libstdc++ 12's <expected> needs without announcing it.)
# Boost 1.81's Asio looks for clang's old coroutine TS and misses clang 16's C++20 coroutines: told.
keep+=(-std=c++2b -D__cpp_concepts=202002L -Wno-builtin-macro-redefined -Wno-macro-redefined
  -Wno-unknown-warning-option -DBOOST_ASIO_HAS_CO_AWAIT=1 -DBOOST_ASIO_HAS_STD_COROUTINE=1
  -Wthread-safety -Werror=thread-safety -fsyntax-only)

failed=0
for f in "${files[@]}"; do
  if ! out=$(cd "$BUILD" && "$CLANG" "${keep[@]}" "$ROOT/$f" 2>&1); then
    echo "$f:"; grep -E 'error|warning' <<<"$out" | head -20
    failed=$((failed + 1))
  fi
done
((failed == 0)) || { echo "thread_safety: $failed of ${#files[@]} files fail clang's -Wthread-safety"; exit 1; }
echo "thread_safety: ${#files[@]} files pass clang's -Wthread-safety (${files[*]})"
