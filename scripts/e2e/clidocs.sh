#!/usr/bin/env bash
# Every tool: --help has an example line, --man renders a man page, shell
# completion scripts are generated, and usage errors are one line with exit 2.
set -euo pipefail
BIN=${BIN:?}
fail() { echo "clidocs.sh: $*" >&2; exit 1; }
n=0
for t in "$BIN"/wsa-*; do
  name=$(basename "$t")
  help=$("$t" --help); man=$("$t" --man); comp=$("$t" completion bash)
  grep -qi 'example' <<<"$help" || fail "$name --help has no example line"
  grep -q "^\.TH ${name^^} 1" <<<"$man" || fail "$name --man does not start a man page"
  grep -q "$name" <<<"$comp" || fail "$name completion bash"
  set +e
  lines=$("$t" --definitely-not-a-flag </dev/null 2>&1 >/dev/null | wc -l); "$t" --definitely-not-a-flag </dev/null >/dev/null 2>&1; rc=$?
  set -e
  [ "$rc" -eq 2 ] || fail "$name: unknown flag exit $rc, want 2"
  [ "$lines" -eq 1 ] || fail "$name: usage error is $lines lines, want 1"
  if command -v man >/dev/null 2>&1; then
    MANWIDTH=80 man -l <("$t" --man) >/dev/null 2>&1 || fail "$name: man cannot render the page"
  fi
  n=$((n+1))
done
[ "$n" -gt 0 ] || fail "no tools found in $BIN"
echo "clidocs.sh: $n tools ok"
