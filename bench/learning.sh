#!/bin/bash
# The reciprocal model's evaluation on simulated outcomes (docs/matching-quality.md): simulates
# USERS demo people's likes, passes and replies, holds out 20% of the pairs (at random, then the
# latest), trains each ranking (with the calibrated cold-start score) and writes
# bench/results/learning.json. No database needed.
#   bench/learning.sh [USERS]     (default 20000: about 900,000 outcomes)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="$("$ROOT/pm" bin)"
"$BIN" evaluate --bank "$ROOT/data/questions/perfect-match.json" --users "${1:-20000}" --pairs-per-user 40 \
  --out "$ROOT/bench/results/learning.json"
