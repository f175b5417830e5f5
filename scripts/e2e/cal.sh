#!/usr/bin/env bash
# wsa-cal end to end: a simulated 2.4-2.5 GHz sweep through wsa-fft and
# wsa-cal --stitch gives one spectrum per pass spanning exactly the range,
# with the default scene's 2.412 GHz −30 dBm tone and the Wi-Fi channel at
# their levels; measurements as JSON lines; incomplete sweeps reported with
# exit 3; bad correction files, raw I/Q and cut input as one-line errors
# with exit 1; | head exits 0; usage errors exit 2.
set -euo pipefail
BIN=${BIN:?}
T=${TMPDIR:-/tmp}
fail() { echo "cal.sh: $*" >&2; exit 1; }
near() { awk -v a="$1" -v b="$2" -v tol="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= tol) }'; }
num() { grep -o "\"$1\":[-0-9.e+]*" | head -1 | cut -d: -f2; } # first value of a JSON key on stdin
cap() { "$BIN/wsa-capture" --sim --sim-seed 3 -q "$@"; }
cal() { "$BIN/wsa-cal" "$@"; }

# 1. Two passes, stitched: exactly two spectra, each from 2.4 GHz to
#    2.5 GHz (first bin to last bin) with one uniform step.
cap --sweep 2.4G:2.5G --rbw 100k --sweeps 2 -o "$T/sweep.vrt"
"$BIN/wsa-fft" < "$T/sweep.vrt" > "$T/sweep.fft"
cal --stitch --peaks 2 --channel 2.427G:2.447G --obw 99 --measure-out "$T/m.jsonl" < "$T/sweep.fft" > "$T/stitched.vrt" 2> "$T/err" ||
  fail "wsa-cal --stitch failed: $(cat "$T/err")"
[ ! -s "$T/err" ] || fail "unexpected stderr: $(cat "$T/err")"
"$BIN/wsa-dump" --json < "$T/stitched.vrt" > "$T/stitched.json"
n=$(grep '"stream_id":"0x57530003"' "$T/stitched.json" | grep -c '"type":"data"' || true)
[ "$n" -eq 2 ] || fail "want one spectrum per pass (2), got $n"
grep '"packet_class":"0x0003"' "$T/stitched.json" > "$T/ext.json"
[ "$(wc -l < "$T/ext.json")" -eq 2 ] || fail "want 2 spectrum extension contexts"
while read -r line; do
  start=$(echo "$line" | num start_hz); step=$(echo "$line" | num step_hz); bins=$(echo "$line" | num total_bins)
  stop=$(awk -v s="$start" -v d="$step" -v n="$bins" 'BEGIN { printf "%.3f", s + (n - 1) * d }')
  near "$start" 2.4e9 0.001 || fail "stitched start $start, want 2.4 GHz"
  near "$stop" 2.5e9 1 || fail "stitched stop $stop (start $start + ($bins-1) x $step), want 2.5 GHz"
  near "$step" 61035.15625 100 || fail "step $step Hz, want about the native 61.04 kHz bin"
  echo "$line" | grep -q '"units":1' || fail "stitched spectrum not in dBm: $line"
  echo "$line" | grep -q '"source":"WSA4000 SIM-000001 127.0.0.1"' || fail "source not carried: $line"
done < "$T/ext.json"
# Bandwidth (edge to edge) is bins x step: the bins are one uniform grid.
grep '"packet_class":"0x0002"' "$T/stitched.json" | head -1 > "$T/ctx.json"
bw=$(num bandwidth_hz < "$T/ctx.json"); rf=$(num rf_freq_hz < "$T/ctx.json")
near "$bw" "$(awk -v d="$step" -v n="$bins" 'BEGIN { printf "%.3f", n * d }')" 1 || fail "bandwidth $bw is not bins x step"
near "$rf" 2.45e9 0.001 || fail "rf_freq $rf, want the band centre 2.45 GHz"

# 2. The measurements: per spectrum a peaks line (the −30 dBm tone at
#    2.412 GHz, ±1 bin, ±1 dB), the Wi-Fi channel 6 power (the default
#    scene's −45 dBm over 2.427-2.447 GHz, ±1 dB) and the 99 % OBW.
[ "$(grep -c '"measurement":"peaks"' "$T/m.jsonl")" -eq 2 ] || fail "want 2 peaks lines: $(cat "$T/m.jsonl")"
[ "$(grep -c '"measurement":"channel_power"' "$T/m.jsonl")" -eq 2 ] || fail "want 2 channel power lines"
[ "$(grep -c '"measurement":"obw"' "$T/m.jsonl")" -eq 2 ] || fail "want 2 obw lines"
while read -r line; do
  f=$(echo "$line" | num freq_hz); l=$(echo "$line" | num level_dbm)
  near "$f" 2.412e9 61100 || fail "peak at $f Hz, want 2.412 GHz ±1 bin: $line"
  near "$l" -30 1 || fail "peak level $l dBm, want -30 ±1: $line"
  echo "$line" | grep -q '"time":"20[0-9-]*T[0-9:.]*Z"' || fail "no RFC 3339 UTC time: $line"
  echo "$line" | grep -q '"center_hz":2450000000' || fail "spectrum centre not named: $line"
  echo "$line" | grep -q '"source":"WSA4000 SIM-000001 127.0.0.1"' || fail "source not named: $line"
done < <(grep '"measurement":"peaks"' "$T/m.jsonl")
while read -r line; do
  near "$(echo "$line" | num power_dbm)" -45 1 || fail "Wi-Fi channel power, want -45 ±1 dBm: $line"
done < <(grep '"measurement":"channel_power"' "$T/m.jsonl")

# 3. Without --stitch every capture is converted on its own (3 per pass),
#    and measurements go to stderr.
n=$(cal --peaks 1 < "$T/sweep.fft" 2> "$T/err" | "$BIN/wsa-dump" --json | grep '"stream_id":"0x57530003"' | grep -c '"type":"data"' || true)
[ "$n" -eq 6 ] || fail "unstitched: $n spectra, want 6"
[ "$(grep -c '"measurement":"peaks"' "$T/err")" -eq 6 ] || fail "measurements not on stderr: $(head -3 "$T/err")"

# 4. An incomplete sweep: the capture cut three quarters through (in the
#    second pass). The first pass is written, the second reported, exit 3.
size=$(wc -c < "$T/sweep.vrt")
set +e
head -c $((size * 3 / 4)) "$T/sweep.vrt" | "$BIN/wsa-fft" 2> /dev/null | cal --stitch > "$T/cut.vrt" 2> "$T/err"
rc=${PIPESTATUS[2]}
set -e
[ "$rc" -eq 3 ] || fail "incomplete sweep: exit $rc, want 3 ($(cat "$T/err"))"
grep -q '^wsa-cal: incomplete sweep (stream 0x57530003, sweep ID [0-9]*, WSA4000 SIM-000001 127.0.0.1) of 2.4 GHz to 2.5 GHz: [0-9] of 3 centres' "$T/err" ||
  fail "incomplete sweep not reported: $(cat "$T/err")"
n=$("$BIN/wsa-dump" --json < "$T/cut.vrt" | grep '"stream_id":"0x57530003"' | grep -c '"type":"data"' || true)
[ "$n" -eq 1 ] || fail "cut capture: $n stitched spectra, want the first pass only"

# 5. Spectra cut inside a packet: the one-line format error (exit 1) naming
#    packet and offset, the open sweep reported, the pass before written.
size=$(wc -c < "$T/sweep.fft")
set +e
head -c $((size * 3 / 4)) "$T/sweep.fft" | cal --stitch > "$T/cut2.vrt" 2> "$T/err"
rc=${PIPESTATUS[1]}
set -e
[ "$rc" -eq 1 ] || fail "cut spectra: exit $rc, want 1"
grep -q '^wsa-cal: stdin: packet [0-9]* at byte offset [0-9]*: truncated' "$T/err" || fail "no packet/offset error: $(cat "$T/err")"
grep -q 'incomplete sweep' "$T/err" || fail "open sweep not reported: $(cat "$T/err")"
[ "$(grep -c . "$T/err")" -eq 2 ] || fail "want two lines (report, error): $(cat "$T/err")"

# 6. Corrections: a cable loss of 2 dB at 2.4 GHz rising to 4 dB at 2.5 GHz
#    is added; a bad row is an error naming the file and line.
printf '# cable, dB added\nfrequency_hz,db\n2.4G,2\n2.5G,4\n' > "$T/cable.csv"
cal --stitch --correction "$T/cable.csv" --peaks 1 --measure-out "$T/mc.jsonl" < "$T/sweep.fft" > /dev/null
l=$(head -1 "$T/mc.jsonl" | num level_dbm)
near "$l" "$(head -1 "$T/m.jsonl" | num level_dbm | awk '{ printf "%.4f", $1 + 2.24 }')" 0.01 || fail "correction at 2.412 GHz (2.24 dB) not applied: $l"
printf 'frequency_hz,db\n2.4G,2\n2.5G;x\n' > "$T/bad.csv"
set +e
cal --correction "$T/bad.csv" < "$T/sweep.fft" > /dev/null 2> "$T/err"; rc=$?
set -e
[ "$rc" -eq 1 ] || fail "bad correction file: exit $rc, want 1"
grep -q 'bad.csv:3: dB value "x" is not a number' "$T/err" || fail "bad correction file error does not name file and line: $(cat "$T/err")"
[ "$(wc -l < "$T/err")" -eq 1 ] || fail "bad correction file: not one line"

# 7. Raw I/Q: one line saying to put wsa-fft in front, exit 1.
set +e
cal < "$T/sweep.vrt" > /dev/null 2> "$T/err"; rc=$?
set -e
[ "$rc" -eq 1 ] || fail "raw I/Q: exit $rc, want 1"
grep -q 'put wsa-fft in front' "$T/err" && [ "$(wc -l < "$T/err")" -eq 1 ] || fail "raw I/Q message: $(cat "$T/err")"

# 8. A closed pipe (| head) ends wsa-cal cleanly with 0 (1.6 MB of
#    spectra, far more than a pipe holds).
set +e
cap --stream --packets 400 --spp 4096 | "$BIN/wsa-fft" | cal 2> "$T/err" | head -c 1000 > /dev/null
rc=${PIPESTATUS[2]}
set -e
[ "$rc" -eq 0 ] || fail "| head -c 1000: exit $rc, want 0 ($(cat "$T/err"))"

# 9. Usage errors: exit 2, one line.
for args in "--range 2.4G:2.5G" "--obw 0" "--peaks -1" "--peak-sep 1M" "--stitch --range 2.5G:2.4G" "--measure-out x"; do
  set +e; cal $args < /dev/null > /dev/null 2> "$T/err"; rc=$?; set -e
  [ "$rc" -eq 2 ] || fail "'$args': exit $rc, want 2"
  [ "$(wc -l < "$T/err")" -eq 1 ] || fail "'$args': usage error not one line: $(cat "$T/err")"
done
echo "cal.sh: ok"
