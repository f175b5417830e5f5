#!/usr/bin/env bash
# wsa-dump end to end: decoded values, exit status on malformed input,
# everything before the damage printed, and the refusal of bad arguments.
set -euo pipefail
BIN=${BIN:?}
T=${TMPDIR:-/tmp}
fail() { echo "dump.sh: $*" >&2; exit 1; }

# The reference-level context packet of device-facts.md §2.4 (−20 dBm), twice.
pkt='\x40\x60\x00\x07\x90\x00\x00\x02\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x09\x01\x00\x00\x00\x00\x00\xF6\x00'
printf "$pkt$pkt" > "$T/two.vrt"
out=$("$BIN/wsa-dump" "$T/two.vrt")
[ "$(echo "$out" | wc -l)" -eq 2 ] || fail "expected 2 lines, got: $out"
echo "$out" | head -1 | grep -q 'reference_level_dbm=-20' || fail "reference level not decoded: $out"
"$BIN/wsa-dump" --json < "$T/two.vrt" | grep -q '"reference_level_dbm":-20' || fail "json lacks the reference level"

# Truncated second packet: first one printed, one-line error with index and offset, exit 1.
printf "$pkt$pkt" | head -c 50 > "$T/cut.vrt"
set +e
out=$("$BIN/wsa-dump" "$T/cut.vrt" 2> "$T/err"); rc=$?
set -e
[ "$rc" -eq 1 ] || fail "truncated input exit $rc, want 1"
[ "$(echo "$out" | wc -l)" -eq 1 ] || fail "good packet before the damage not printed"
grep -q 'packet 1 at byte offset 28: truncated' "$T/err" || fail "error does not name packet and offset: $(cat "$T/err")"
[ "$(wc -l < "$T/err")" -eq 1 ] || fail "error is not one line"

# Garbage between packets: --resync recovers both packets and says what it skipped.
printf "${pkt}garbage!${pkt}" > "$T/garbage.vrt"
n=$("$BIN/wsa-dump" --resync "$T/garbage.vrt" 2> "$T/err" | wc -l)
[ "$n" -eq 2 ] || fail "resync delivered $n packets, want 2"
grep -q 'skipped 8 bytes' "$T/err" || fail "resync did not report the skipped bytes: $(cat "$T/err")"

# Usage errors exit 2.
set +e
"$BIN/wsa-dump" --no-such-flag < /dev/null 2>/dev/null; rc=$?
set -e
[ "$rc" -eq 2 ] || fail "unknown flag exit $rc, want 2"
[ "$("$BIN/wsa-dump" --no-such-flag < /dev/null 2>&1 | wc -l)" -eq 1 ] || fail "usage error is not one line"
echo "dump.sh: ok"
