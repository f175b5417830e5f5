#!/usr/bin/env bash
# Recordings end to end: wsa-capture --replay (VRT, VRL, SigMF, stdin) is the
# recording byte for byte, loops as one continuous capture, paces at the
# recorded time, feeds wsa-fft | wsa-cal | wsa-plot exactly as the original;
# wsa-capture --sigmf writes valid, checkable SigMF that replays to the same
# samples and spectra; damage, usage errors, Ctrl-C and | head behave as for
# device captures.
set -euo pipefail
BIN=${BIN:?}
T=${TMPDIR:-/tmp}
cd "$T"
fail() { echo "recordings.sh: $*" >&2; exit 1; }
for tool in jq sha512sum cmp; do command -v "$tool" >/dev/null || fail "needs $tool"; done
cap() { "$BIN/wsa-capture" -q "$@"; }
chain() { "$BIN/wsa-fft" | "$BIN/wsa-cal" "$@" | "$BIN/wsa-plot" --format json; }
spectra() { jq -c '[.start_hz, .stop_hz, .center_hz, .bins]'; } # what must match

# 1. A replay is the recording, byte for byte; VRL recordings replay bare.
cap --sim --sim-seed 5 --blocks 3 --spp 4096 --freq 2.41G -o rec.vrt
cap --replay rec.vrt | cmp -s - rec.vrt || fail "replay of rec.vrt differs from it"
cap --replay rec.vrt --vrl -o rec.vrl
[ "$(head -c 4 rec.vrl)" = VRLP ] || fail "--replay --vrl did not write VRL frames"
cap --replay rec.vrl | cmp -s - rec.vrt || fail "the VRL copy does not replay to the bare recording"
cap --sim --blocks 2 --spp 1024 --vrl -o sim.vrl
cap --replay sim.vrl > sim.bare
nodump() { "$BIN/wsa-dump" --json "$1" | jq -c 'del(.offset)'; }
[ "$(nodump sim.vrl)" = "$(nodump sim.bare)" ] || fail "a --vrl capture does not replay to the same packets"
[ "$(wc -c < sim.bare)" -lt "$(wc -c < sim.vrl)" ] || fail "VRL framing was not removed"

# 2. --loop 3: three times the data, no count gaps, time strictly increasing.
cap --replay rec.vrt --loop 3 -o loop.vrt
sum=$("$BIN/wsa-dump" --summary loop.vrt)
grep -q '^stream 0x90000003: .*(0 context, 9 data)' <<<"$sum" || fail "--loop 3 of 3 blocks: $sum"
[ "$(grep -c ' 0 count gaps' <<<"$sum")" -eq "$(grep -c '^stream ' <<<"$sum")" ] || fail "count gaps in the loop: $sum"
"$BIN/wsa-dump" --json loop.vrt | jq -r 'select(.type == "data") | "\(.tsi) \(.tsf)"' |
  awk 'NR > 1 && ($1 < s || ($1 == s && $2 <= f)) { bad = 1 } { s = $1; f = $2 } END { exit bad }' ||
  fail "data timestamps do not increase through the loop"
head -c "$(wc -c < rec.vrt)" loop.vrt | cmp -s - rec.vrt || fail "the first pass is not the recording"

# 3. Same spectra: the replay through the chain equals the live capture
#    piped directly (recorded on the way with tee and --sigmf).
cap --sim --sim-seed 9 --sim-tone 2.412G:-40 --freq 2.41G --blocks 3 --spp 8192 --sigmf live |
  tee live.vrt | chain > direct.json
[ "$(wc -l < direct.json)" -eq 3 ] || fail "direct chain gave $(wc -l < direct.json) spectra, want 3"
cap --replay live.vrt | chain > replayed.json
[ "$(spectra < direct.json)" = "$(spectra < replayed.json)" ] || fail "replayed VRT spectra differ from the direct ones"
cap --replay live | chain > sigmf.json
[ "$(spectra < direct.json)" = "$(spectra < sigmf.json)" ] || fail "replayed SigMF spectra differ from the direct ones"
jq -e 'select(.bins | max > -45)' direct.json >/dev/null || fail "the -40 dBm tone is not in the spectra"

# 4. --sigmf: files, datatype, segments, sha512 of the data file; SigMF
#    replays the same samples as the VRT capture.
cap --sim --blocks 3 --spp 2048 --gain medium --ifgain 3 --sigmf cap -o cap.vrt
[ -s cap.sigmf-data ] && [ -s cap.sigmf-meta ] || fail "--sigmf cap did not write cap.sigmf-data/.sigmf-meta"
jq -e '.global["core:datatype"] == "ci16_be" and .global["core:version"] == "1.2.0" and (.captures | length) == 3
  and ([.captures[] | select(.["core:datetime"] | endswith("Z"))] | length) == 3
  and ([.captures[] | select(.["wsa:rf_gain"] == "medium" and .["wsa:if_gain_db"] == 3)] | length) == 3
  and (.global["core:extensions"][0].name == "wsa")' cap.sigmf-meta >/dev/null || fail "cap.sigmf-meta fields: $(jq -c . cap.sigmf-meta)"
[ "$(jq -r '.global["core:sha512"]' cap.sigmf-meta)" = "$(sha512sum cap.sigmf-data | cut -d' ' -f1)" ] || fail "core:sha512 does not match the data"
"$BIN/wsa-sigmf" info cap | grep -q 'sha512 ok' || fail "wsa-sigmf info does not accept the recording"
samples() { "$BIN/wsa-dump" --json "$1" | jq -c 'select(.type == "data") | .samples'; }
cap --replay cap.sigmf-meta -o cap-re.vrt
"$BIN/wsa-sigmf" record -o cap-conv cap-re.vrt 2>/dev/null
cmp -s cap-conv.sigmf-data cap.sigmf-data || fail "the SigMF replay does not carry the recorded samples"
[ "$(samples cap.vrt)" = "$(samples cap-re.vrt)" ] || fail "SigMF replay packet sizes differ from the capture"

# A sweep recorded as SigMF stitches like the original.
cap --sim --sim-seed 4 --sweep 2.4G:2.5G --rbw 100k --sweeps 1 --sigmf sw -o sw.vrt
[ "$(jq '.captures | length' sw.sigmf-meta)" -eq 3 ] || fail "sweep: want one segment per centre"
chain --stitch < sw.vrt > sw-direct.json
cap --replay sw | chain --stitch > sw-sigmf.json
[ -s sw-direct.json ] && [ "$(spectra < sw-direct.json)" = "$(spectra < sw-sigmf.json)" ] || fail "stitched SigMF sweep differs"

# 5. --realtime takes at least the recorded time. A lower bound only: pacing
#    sleeps until each packet is due, so a busy machine can only make it
#    slower; half the span leaves room for timer rounding. 48 packets of
#    16384 samples at 125 MHz / 64 span 47 × 8.39 ms ≈ 394 ms.
cap --sim --stream --packets 48 --spp 16384 --decimation 64 -o slow.vrt
t0=$(date +%s%N)
cap --replay slow.vrt --realtime -o slow-rt.vrt
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -ge 197 ] || fail "--realtime replay of ~394 ms took $ms ms"
cmp -s slow-rt.vrt slow.vrt || fail "--realtime changed the packets"
cap --replay slow.vrt --realtime --speed 8 --loop 2 | "$BIN/wsa-dump" --summary | grep -q '(0 context, 96 data)' ||
  fail "--realtime --speed 8 --loop 2 smoke check"

# 6. stdin: plays once; looping it is a usage error.
cat rec.vrt | cap --replay - | cmp -s - rec.vrt || fail "stdin replay differs"
set +e
err=$(cat rec.vrt | "$BIN/wsa-capture" --replay - --loop 2 2>&1 >/dev/null); rc=$?
set -e
[ "$rc" -eq 2 ] && [ "$(wc -l <<<"$err")" -eq 1 ] && grep -q stdin <<<"$err" || fail "--loop 2 on stdin: exit $rc: $err"

# 7. Damage: one line naming packet and offset, everything before it written, exit 1.
size=$(wc -c < rec.vrt)
head -c $((size - 100)) rec.vrt > cut.vrt
set +e
err=$("$BIN/wsa-capture" --replay cut.vrt -o cut-out.vrt 2>&1); rc=$?
set -e
off=$(sed -n 's/.*packet [0-9]* at byte offset \([0-9]*\).*/\1/p' <<<"$err")
[ "$rc" -eq 1 ] && [ -n "$off" ] && [ "$(wc -l <<<"$err")" -eq 1 ] || fail "damaged replay: exit $rc: $err"
[ "$(wc -c < cut-out.vrt)" -eq "$off" ] && head -c "$off" rec.vrt | cmp -s - cut-out.vrt || fail "damaged replay did not keep the $off bytes before the damage"

# 8. Usage errors: one line, exit 2.
usage() {
  set +e; err=$("$BIN/wsa-capture" "$@" 2>&1 >/dev/null); rc=$?; set -e
  [ "$rc" -eq 2 ] && [ "$(wc -l <<<"$err")" -eq 1 ] || fail "wsa-capture $*: exit $rc, want 2 with one line: $err"
}
usage --replay rec.vrt --sim
usage --replay rec.vrt --host 192.0.2.1
usage --replay rec.vrt --gain low
usage --replay rec.vrt --sweep 2.4G:2.5G
usage --sim --realtime
usage --sim --loop 3
usage --replay rec.vrt --speed 2
usage --replay rec.vrt --loop -2
set +e; "$BIN/wsa-capture" --replay missing.vrt >/dev/null 2>&1; rc=$?; set -e
[ "$rc" -eq 1 ] || fail "missing recording: exit $rc, want 1"

# 9. Ctrl-C keeps whole packets and exits 130; | head ends cleanly with 0.
"$BIN/wsa-capture" -q --replay rec.vrt --loop 0 -o inf.vrt 2> inf.err & pid=$!
for _ in $(seq 100); do [ -s inf.vrt ] && break; sleep 0.05; done
sleep 0.2
kill -INT "$pid"
set +e; wait "$pid"; rc=$?; set -e
[ "$rc" -eq 130 ] && grep -q '^wsa-capture: interrupted after' inf.err || fail "Ctrl-C during --loop 0: exit $rc, want 130: $(cat inf.err)"
"$BIN/wsa-dump" --summary inf.vrt > /dev/null || fail "output after Ctrl-C is not whole packets"
set +e
cap --replay rec.vrt --loop 0 | head -c 5000 > /dev/null; rc=${PIPESTATUS[0]}
set -e
[ "$rc" -eq 0 ] || fail "| head: exit $rc, want 0"

# 10. --sigmf with a terminal on stdout writes only the SigMF files (the
#     same run without --sigmf is refused). Needs script(1) for a terminal.
if command -v script >/dev/null 2>&1; then
  script -qec "$BIN/wsa-capture -q --sim --blocks 2 --sigmf tty" /dev/null > tty.log 2>&1 || fail "--sigmf on a terminal: $(cat tty.log)"
  [ "$(jq '.captures | length' tty.sigmf-meta)" -eq 2 ] || fail "--sigmf on a terminal did not record 2 blocks"
  set +e; script -qec "$BIN/wsa-capture -q --sim --blocks 1" /dev/null > tty2.log 2>&1; rc=$?; set -e
  grep -q 'terminal' tty2.log || fail "a terminal on stdout was not refused: $(cat tty2.log)"
fi

echo "recordings.sh: ok"
