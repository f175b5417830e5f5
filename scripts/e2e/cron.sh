#!/usr/bin/env bash
# scripts/cron-sweep.sh end to end against a simulator on real ports, the way
# cron runs it: a sweep kept as dated VRT, CSV and PNG files; old runs
# rotated away; the device down (exit 1, one line, no half files); a second
# run while one holds the lock (exit 4); bad arguments (exit 2).
set -euo pipefail
BIN=${BIN:?}
T=${TMPDIR:-/tmp}
here=$(cd "$(dirname "$0")/../.." && pwd)
cron=$here/scripts/cron-sweep.sh
fail() { echo "cron.sh: $*" >&2; exit 1; }
pids=()
trap 'for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done' EXIT

"$BIN/wsa-sim" --listen 127.0.0.1 --scpi-port 0 --vrt-port 0 --discovery-port -1 2> "$T/sim.err" &
sim=$!; pids+=("$sim")
for i in $(seq 1 250); do grep -q 'VRT' "$T/sim.err" 2>/dev/null && break; sleep 0.02; done
scpi=$(sed -n 's/^wsa-sim: SCPI 127.0.0.1:\([0-9]*\)$/\1/p' "$T/sim.err")
vrt=$(sed -n 's/^wsa-sim: VRT 127.0.0.1:\([0-9]*\)$/\1/p' "$T/sim.err")
[ -n "$scpi" ] && [ -n "$vrt" ] || fail "wsa-sim did not say where it listens: $(cat "$T/sim.err")"
dev=(-- --host "127.0.0.1:$scpi" --vrt-port "$vrt")
D=$T/sweeps

# 1. One run: quiet on success, the three files, named by the UTC time.
out=$(bash "$cron" --bin "$BIN" --dir "$D" --band 2.4G:2.5G --rbw 1M --timeout 10s "${dev[@]}" 2>&1) ||
  fail "first run: exit $?: $out"
[ -z "$out" ] || fail "a successful run printed: $out"
vrtf=$(ls "$D"/sweep-*.vrt 2>/dev/null | head -1)
[ -n "$vrtf" ] || fail "no sweep-*.vrt in $D: $(ls "$D")"
base=${vrtf%.vrt}
[[ "$(basename "$base")" =~ ^sweep-[0-9]{8}T[0-9]{6}Z$ ]] || fail "file name $(basename "$base") is not sweep-YYYYMMDDTHHMMSSZ"
for ext in csv png; do [ -s "$base.$ext" ] || fail "no $base.$ext"; done
ls "$D" | grep -q '\.part$' && fail "a .part file was left: $(ls "$D")"
# The VRT file is the capture (whole packets, the sweep's description first).
"$BIN/wsa-dump" "$vrtf" | head -1 | grep -q 'sweep_start_hz=2400000000 sweep_stop_hz=2500000000' ||
  fail "the VRT file does not start with the sweep's description"
# The CSV is rtl_power rows covering the band (one row per stitched sweep).
awk -F', ' 'NF > 7 && $3 == 2400000000 && $4 >= 2500000000 && $4 < 2502000000 { ok = 1 } END { exit !ok }' "$base.csv" ||
  fail "CSV row does not cover 2.4-2.5 GHz: $(cut -c1-80 "$base.csv")"
# The 2.412 GHz -30 dBm tone of the default scene is in it: the strongest bin.
awk -F', ' 'NR == 1 { m = -999; for (i = 7; i <= NF; i++) if ($i + 0 > m) { m = $i + 0; k = i - 7 }
  f = $3 + k * $5; exit !(f > 2.4105e9 && f < 2.4135e9 && m > -32 && m < -28) }' "$base.csv" ||
  fail "the strongest bin of the CSV is not the 2.412 GHz -30 dBm tone"
head -c 8 "$base.png" | od -An -tx1 | grep -q '89 50 4e 47' || fail "$base.png is not a PNG"

# 2. Rotation: runs older than --keep-days go, newer ones stay.
for ext in vrt csv png; do touch -d '10 days ago' "$D/sweep-20000101T000000Z.$ext"; done
sleep 1 # a new run gets a new name (the name has whole seconds)
bash "$cron" --bin "$BIN" --dir "$D" --band 2.4G:2.5G --rbw 1M --keep-days 7 "${dev[@]}" || fail "second run: exit $?"
ls "$D"/sweep-20000101T000000Z.* >/dev/null 2>&1 && fail "runs older than --keep-days were not rotated away"
[ "$(ls "$D"/sweep-*.vrt | wc -l)" -eq 2 ] || fail "want the two recent runs kept: $(ls "$D")"

# 3. Another run holds the lock: exit 4 at once, nothing written.
before=$(ls "$D" | wc -l)
exec 8> "$D/.cron-sweep.lock"
flock 8
set +e
err=$(bash "$cron" --bin "$BIN" --dir "$D" --band 2.4G:2.5G --rbw 1M "${dev[@]}" 2>&1 >/dev/null); rc=$?
set -e
exec 8>&-
[ "$rc" -eq 4 ] || fail "with the lock held: exit $rc, want 4 ($err)"
[ "$(ls "$D" | wc -l)" -eq "$before" ] || fail "a locked-out run wrote files"

# 4. The device is down: exit 1 (cron mails), one line saying why, no files.
kill "$sim"; wait "$sim" 2>/dev/null || true
data_before=$(ls "$D" | grep -v '\.log$' | wc -l)
set +e
err=$(bash "$cron" --bin "$BIN" --dir "$D" --band 2.4G:2.5G --rbw 1M --timeout 3s "${dev[@]}" 2>&1 >/dev/null); rc=$?
set -e
[ "$rc" -eq 1 ] || fail "device down: exit $rc, want 1 ($err)"
[ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] && [[ "$err" == "cron-sweep: capture failed: "*refused* ]] ||
  fail "device down: want one line naming the refused connection, got: $err"
# Nothing but the run's log (the whole story, for cron's mail) is added.
[ "$(ls "$D" | grep -v '\.log$' | wc -l)" -eq "$data_before" ] || fail "a failed run left files: $(ls "$D")"
ls "$D" | grep -q '\.part$' && fail "a failed capture left a .part file"
[ "$(ls "$D"/sweep-*.vrt | wc -l)" -eq 2 ] || fail "a failed run left a VRT file: $(ls "$D")"

# 5. Bad arguments: exit 2 with one line.
set +e
err=$(bash "$cron" --keep-days soon 2>&1); rc=$?
set -e
[ "$rc" -eq 2 ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "bad --keep-days: exit $rc: $err"
echo "cron.sh: ok"
