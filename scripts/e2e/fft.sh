#!/usr/bin/env bash
# wsa-fft end to end: wsa-capture --sim | wsa-fft | (wsa-dump --json, a
# peak reader), levels and frequencies of the simulator's tones, the
# real-only band, averaging, re-blocking, -j, pass-through, errors and exit
# codes. Peaks are read by a tiny helper (cmd/wsa-fft/internal/specpeak)
# that prints one key=value line per spectrum.
set -euo pipefail
BIN=${BIN:?}
T=${TMPDIR:-/tmp}
cd "$(dirname "$0")/../.."
fail() { echo "fft.sh: $*" >&2; exit 1; }
go build -o "$T/specpeak" ./cmd/wsa-fft/internal/specpeak
peak() { "$T/specpeak" "$@"; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; } # value of key in a specpeak line
near() { awk -v a="$1" -v b="$2" -v tol="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= tol) }'; }
cap() { "$BIN/wsa-capture" --sim --sim-seed 7 -q "$@"; }

# 1. The −30 dBm tone at 2.412 GHz, tuned 2 MHz below (16384 points, 7.6 kHz bins).
line=$(cap --freq 2.41G --spp 16384 | "$BIN/wsa-fft" | peak)
[ "$(echo "$line" | wc -l)" -eq 1 ] || fail "one block gave: $line"
f=$(echo "$line" | field peak_hz); l=$(echo "$line" | field peak_dbm)
near "$f" 2.412e9 7700 || fail "tone at $f Hz, want 2.412 GHz ±1 bin: $line"
near "$l" -30 1 || fail "tone reads $l dBm, want -30 ±1: $line"
echo "$line" | grep -q 'units=dBFS decimation=1 ' || fail "units/decimation: $line"
echo "$line" | grep -q 'source="WSA4000 ' || fail "source not taken from wsa-capture's capture description: $line"
cap --freq 2.41G --spp 1024 | "$BIN/wsa-fft" --source lab-1 | peak | grep -q 'source="lab-1"' || fail "--source not applied"

# 2. Every window and decimation 1, 4, 64: level ±1 dB with the flat-top
#    (no scalloping wherever the tone falls); right bin ±1 for all.
for dec in 1 4 64; do
  case $dec in 1) fc=2.4275G ;; 4) fc=2.416G ;; 64) fc=2.4122G ;; esac
  cap --freq "$fc" --decimation "$dec" --spp 16384 > "$T/dec$dec.vrt"
  for w in hann hamming blackman blackman-harris flattop rect; do
    line=$("$BIN/wsa-fft" --window "$w" < "$T/dec$dec.vrt" | peak -at 2.412e9 -span 200e3)
    f=$(echo "$line" | field peak_hz); step=$(echo "$line" | field step_hz)
    near "$f" 2.412e9 "$(awk -v s="$step" 'BEGIN{print 1.5*s}')" || fail "dec $dec $w: tone at $f Hz: $line"
    echo "$line" | grep -q "decimation=$dec " || fail "dec $dec $w: decimation field: $line"
    if [ "$w" = flattop ]; then
      l=$(echo "$line" | field peak_dbm)
      near "$l" -30 1 || fail "dec $dec flattop: $l dBm, want -30 ±1"
    fi
  done
done

# 3. wsa-dump --json shows the spectrum's fields (start, step, RBW = ENBW × step).
"$BIN/wsa-fft" < "$T/dec4.vrt" | "$BIN/wsa-dump" --json > "$T/dump.json"
grep '"stream_id":"0x57530003"' "$T/dump.json" | grep -q '"rbw_hz":' || fail "no rbw_hz in wsa-dump --json"
grep -q '"decimation":4' "$T/dump.json" || fail "no decimation 4 in wsa-dump --json"
grep -q '"reference_level_dbm":-30' "$T/dump.json" || fail "device context not passed on"
[ "$(grep -c '"stream_id":"0x90000003"' "$T/dump.json" || true)" -eq 0 ] || fail "I/Q data packets leaked into the output"

# 4. The real-only band: tuned to 20 MHz, the default scene's 10 MHz tone at
#    −40 dBm appears at 10 MHz, bins 0 … 62.5 MHz.
line=$(cap --freq 20M --spp 16384 | "$BIN/wsa-fft" --window flattop | peak)
echo "$line" | grep -q 'bins=8193 start_hz=0.000 ' || fail "real band layout: $line"
near "$(echo "$line" | field peak_hz)" 10e6 7700 || fail "real band tone: $line"
near "$(echo "$line" | field peak_dbm)" -40 1 || fail "real band level: $line"

# 5. --no-iq shows the simulator's I/Q image (about 36 dB down at the mirror);
#    the default correction removes it.
cap --sim-tone 2.412G:-30 --freq 2.42G --spp 16384 > "$T/tone.vrt"
img() { "$BIN/wsa-fft" "$@" < "$T/tone.vrt" | peak -at 2.428e9 | field peak_dbm; } # mirror of 2.412 about 2.42
on=$(img); off=$(img --no-iq)
near "$off" -66 4 || fail "uncorrected image at $off dBm, want about -66"
awk -v a="$on" 'BEGIN { exit !(a < -90) }' || fail "corrected image still at $on dBm"

# 6. --average / --hold / --bins / --overlap.
cap --freq 2.41G --spp 4096 --ppb 8 > "$T/ppb8.vrt"
n=$("$BIN/wsa-fft" --average 4 < "$T/ppb8.vrt" | peak | grep -c 'trace=average averages=4 ')
[ "$n" -eq 2 ] || fail "--average 4 over 8 packets gave $n averages of 4"
n=$("$BIN/wsa-fft" --hold max < "$T/ppb8.vrt" | peak | grep -c 'trace=max ')
[ "$n" -eq 8 ] || fail "running max hold gave $n spectra, want 8"
n=$("$BIN/wsa-fft" --bins 8192 < "$T/ppb8.vrt" | peak | grep -c 'bins=8192 ')
[ "$n" -eq 4 ] || fail "--bins 8192 over 8×4096 contiguous samples gave $n spectra, want 4"
n=$("$BIN/wsa-fft" --bins 8192 --overlap 50% < "$T/ppb8.vrt" | peak | wc -l)
[ "$n" -eq 7 ] || fail "--bins 8192 --overlap 50% gave $n spectra, want 7"

# 7. -j 2 writes the same bytes as -j 1.
"$BIN/wsa-fft" --average 3 < "$T/ppb8.vrt" > "$T/j1.vrt"
"$BIN/wsa-fft" --average 3 -j 2 < "$T/ppb8.vrt" > "$T/j2.vrt"
cmp -s "$T/j1.vrt" "$T/j2.vrt" || fail "-j 2 output differs from -j 1"

# 8. A sweep: one spectrum per step, each with the sweep ID.
cap --sweep 2.4G:2.5G --rbw 100k --id 99 | "$BIN/wsa-fft" | peak > "$T/sweep.txt"
[ "$(wc -l < "$T/sweep.txt")" -ge 2 ] || fail "sweep gave $(wc -l < "$T/sweep.txt") spectra"
[ "$(grep -vc 'sweep_id=99 ' "$T/sweep.txt" || true)" -eq 0 ] || fail "sweep spectra without the sweep ID: $(cat "$T/sweep.txt")"

# 9. Malformed input: everything before is written, one line naming the packet and offset, exit 1.
head -c $(( $(wc -c < "$T/ppb8.vrt") - 100 )) "$T/ppb8.vrt" > "$T/cut.vrt"
set +e
"$BIN/wsa-fft" < "$T/cut.vrt" > "$T/cut.out" 2> "$T/err"; rc=$?
set -e
[ "$rc" -eq 1 ] || fail "truncated input exit $rc, want 1"
[ "$(wc -l < "$T/err")" -eq 1 ] || fail "error is not one line: $(cat "$T/err")"
last=$(( $("$BIN/wsa-dump" < "$T/ppb8.vrt" | wc -l) - 1 ))                     # index of the cut packet
off=$(( $(wc -c < "$T/ppb8.vrt") - 4 * (4096 + 6) ))                            # where it starts
grep -Eq "^wsa-fft: stdin: packet $last at byte offset $off: truncated" "$T/err" || fail "error does not name packet $last and offset $off: $(cat "$T/err")"
[ "$(peak < "$T/cut.out" | wc -l)" -eq 7 ] || fail "spectra before the damage not all written"

# 10. A reader that goes away (| head) is a clean end; usage errors exit 2.
set +e
cap --stream --packets 2000 --spp 1024 | "$BIN/wsa-fft" | head -c 1000 > /dev/null
rcs=("${PIPESTATUS[@]}")
"$BIN/wsa-fft" --overlap 50% < /dev/null > /dev/null 2>&1; rc2=$?
"$BIN/wsa-fft" --window kaiser < /dev/null > /dev/null 2>&1; rc3=$?
set -e
[ "${rcs[1]}" -eq 0 ] || fail "wsa-fft | head exit ${rcs[1]}, want 0"
[ "$rc2" -eq 2 ] || fail "--overlap without --bins exit $rc2, want 2"
[ "$rc3" -eq 2 ] || fail "unknown window exit $rc3, want 2"

# 11. Its own output passes through unchanged.
"$BIN/wsa-fft" < "$T/j1.vrt" | cmp -s - "$T/j1.vrt" || fail "spectra were not passed through unchanged"
echo "fft.sh: ok"
