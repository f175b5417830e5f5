#!/usr/bin/env bash
# Performance checks. Each scripts/bench.d/*.sh measures implementations side
# by side in one run and prints ratios (absolute times on shared machines move
# by ±30-50% from run to run; ratios within one run are what we compare).
# Benchmarks are not tests: nothing here fails on a slow machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export BIN=${BIN:-$PWD/bin}
scripts/build.sh
for b in scripts/bench.d/*.sh; do
  [ -e "$b" ] || continue
  echo "== $(basename "$b" .sh)"
  bash "$b" || echo "bench $(basename "$b") failed (exit $?)"
done
