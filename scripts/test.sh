#!/usr/bin/env bash
# Every test of the project: vet, unit tests with the race detector, then the
# end-to-end scripts in scripts/e2e/ against freshly built binaries.
# Exits non-zero on the first failing stage and says which.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS=${GOFLAGS:-}
fail() { echo "test.sh: FAILED: $*" >&2; exit 1; }

echo "== gofmt" >&2
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go') 2>/dev/null || true)
[ -z "$unformatted" ] || fail "gofmt would change: $unformatted"

echo "== go vet" >&2
go vet ./... || fail "go vet"

echo "== go test -race" >&2
# -p 2 matches the 2-core machines; timeouts keep a hung test from eating CI's budget.
go test -race -p 2 -timeout 15m ./... || fail "go test"

echo "== build" >&2
export BIN=${BIN:-$PWD/bin}
scripts/build.sh || fail "build"

passed=0; failed=0; failures=""
for t in scripts/e2e/*.sh; do
  [ -e "$t" ] || continue
  name=$(basename "$t" .sh)
  scratch=$(mktemp -d)
  echo "== e2e $name" >&2
  if TMPDIR=$scratch timeout 600 bash "$t"; then
    passed=$((passed+1))
  else
    failed=$((failed+1)); failures="$failures $name"
  fi
  rm -rf "$scratch"
done
echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ] || fail "e2e scripts:$failures"
echo "test.sh: all passed" >&2
