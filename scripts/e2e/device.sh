#!/usr/bin/env bash
# wsa-capture and wsa-sim end to end: block, stream and sweep runs decode
# with wsa-dump to the expected context values and sample counts; closed
# pipes, Ctrl-C, SIGTERM, timeouts, device faults and usage errors give the
# documented exit codes; wsa-sim serves wsa-capture --host and discovery.
set -euo pipefail
BIN=${BIN:?}
T=${TMPDIR:-/tmp}
fail() { echo "device.sh: $*" >&2; exit 1; }
cap() { "$BIN/wsa-capture" "$@"; }
dump() { "$BIN/wsa-dump" "$@"; }
count() { grep -c -- "$1" || true; }

# Block: 2 blocks of 3 packets of 1024 samples, each block preceded by its
# four single-field context packets (rf_freq, bandwidth, rf_offset, reference level).
cap --sim --freq 2.42G --gain low --ifgain 5 --spp 1024 --ppb 3 --blocks 2 -o "$T/block.vrt"
dump --json "$T/block.vrt" > "$T/block.json"
[ "$(count '"type":"data"' < "$T/block.json")" -eq 6 ] || fail "block: want 6 data packets"
[ "$(count '"samples":1024,' < "$T/block.json")" -eq 6 ] || fail "block: want 1024 samples per packet"
[ "$(count '"rf_freq_hz":2420000000' < "$T/block.json")" -eq 2 ] || fail "block: rf_freq 2.42 GHz not sent before each block"
[ "$(count '"bandwidth_hz":125000000' < "$T/block.json")" -eq 2 ] || fail "block: bandwidth"
[ "$(count '"reference_level_dbm":-5' < "$T/block.json")" -eq 2 ] || fail "block: reference level low gain (0 dBm) - IF gain 5 = -5 dBm"
[ "$(count '"trailer_word":"0x60060000"' < "$T/block.json")" -eq 6 ] || fail "block: trailer valid-data + reference-lock"

# Stream: a stream ID context first, then exactly --packets data packets;
# --duration converts sample time to packets (10 ms at 125/8 MHz, 1024 samples → 153).
cap --sim --packets 50 --spp 2048 --id 77 -o "$T/stream.vrt"
dump --json "$T/stream.vrt" > "$T/stream.json"
# wsa-capture's own capture description (docs/FORMAT.md §4) comes first.
head -1 "$T/stream.json" | grep -q '"packet_class":"0x0004".*"source":"WSA4000 ' || fail "stream: first packet is not the capture description"
sed -n 2p "$T/stream.json" | grep -q '"stream_id":77' || fail "stream: second packet is not the stream ID context"
[ "$(count '"type":"data"' < "$T/stream.json")" -eq 50 ] || fail "stream: want 50 data packets"
dump --summary "$T/stream.vrt" | grep -q '0x90000003: 50 packets .* 0 count gaps' || fail "stream: packet counts not continuous"
n=$(cap --sim --duration 10ms --decimation 8 --spp 1024 | dump --json | count '"type":"data"')
[ "$n" -eq 153 ] || fail "stream --duration 10ms at decimation 8: $n data packets, want 153"

# Sweep: 2.4-2.5 GHz at 100 kHz RBW is 3 steps of one 2048-sample packet; 2 passes.
cap --sim --sweep 2.4G:2.5G --rbw 100k --sweeps 2 --id 9 -o "$T/sweep.vrt"
dump --json "$T/sweep.vrt" > "$T/sweep.json"
[ "$(grep '"stream_id":"0x90000004"' "$T/sweep.json" | count '"sweep_id":9')" -eq 2 ] || fail "sweep: want the sweep ID before each pass"
[ "$(grep '"packet_class":"0x0004"' "$T/sweep.json" | count '"sweep_id":9,"sweep_start_hz":2400000000,"sweep_steps":3,"sweep_stop_hz":2500000000')" -eq 2 ] || fail "sweep: want a capture description before each pass"
[ "$(count '"type":"data"' < "$T/sweep.json")" -eq 6 ] || fail "sweep: want 6 data packets"
[ "$(count '"samples":2048,' < "$T/sweep.json")" -eq 6 ] || fail "sweep: want 2048 samples (100 kHz RBW)"
freqs=$(grep -o '"rf_freq_hz":[0-9]*' "$T/sweep.json" | cut -d: -f2 | tr '\n' ' ')
[ "$freqs" = "2445000000 2489860840 2534721680 2445000000 2489860840 2534721680 " ] || fail "sweep: step frequencies $freqs"

# VRL output decodes the same.
cap --sim --spp 1024 --vrl | dump --summary | grep -q '0x90000003: 1 packets' || fail "--vrl output does not decode"

# A closed pipe (| head) ends the capture cleanly with 0.
set +e
cap --sim --stream --spp 1024 2> "$T/err" | head -c 1000 > /dev/null
rc=${PIPESTATUS[0]}
set -e
[ "$rc" -eq 0 ] || fail "| head -c 1000: exit $rc, want 0 ($(cat "$T/err"))"

# Ctrl-C and SIGTERM: exit 130 / 143, every complete packet kept.
for sig in INT TERM; do
  want=130; [ "$sig" = TERM ] && want=143
  rm -f "$T/sig.vrt"
  # The binary itself, not the cap function: a backgrounded function is a
  # subshell, which would receive the signal instead.
  "$BIN/wsa-capture" --sim --stream --sim-pace --decimation 64 --spp 1024 -o "$T/sig.vrt" 2> "$T/err" &
  pid=$!
  for _ in $(seq 100); do [ -s "$T/sig.vrt" ] && break; sleep 0.1; done
  kill -"$sig" "$pid"
  set +e; wait "$pid"; rc=$?; set -e
  [ "$rc" -eq "$want" ] || fail "SIG$sig: exit $rc, want $want"
  dump "$T/sig.vrt" > /dev/null || fail "SIG$sig: output is not whole packets"
  [ "$(wc -l < "$T/err")" -eq 1 ] || fail "SIG$sig: want one line on stderr, got: $(cat "$T/err")"
done

# Failures: one line on stderr, exit 1, the packets before the failure kept.
expect_fail() { # name, grep pattern for stderr, args...
  local name=$1 pat=$2; shift 2
  set +e; cap "$@" > "$T/fail.vrt" 2> "$T/err"; rc=$?; set -e
  [ "$rc" -eq 1 ] || fail "$name: exit $rc, want 1"
  [ "$(wc -l < "$T/err")" -eq 1 ] || fail "$name: stderr is not one line: $(cat "$T/err")"
  grep -q "$pat" "$T/err" || fail "$name: stderr lacks '$pat': $(cat "$T/err")"
}
expect_fail "stall" "nothing for 300ms after 1 data packets" --sim --ppb 10 --spp 1024 --sim-fault stall=5 --timeout 300ms
[ "$(dump "$T/fail.vrt" | wc -l)" -eq 6 ] || fail "stall: the capture description and the 5 packets before the stall were not kept"
expect_fail "dropped connection" "data connection lost" --sim --ppb 10 --spp 1024 --sim-fault drop=7
expect_fail "malformed packet" "malformed VRT packet" --sim --ppb 10 --spp 1024 --sim-fault malformed=6
[ "$(dump "$T/fail.vrt" | wc -l)" -eq 7 ] || fail "malformed: the capture description and the 6 packets before it were not kept"
expect_fail "lock refused" "locked by another client" --sim --sim-fault refuse-lock
expect_fail "device error" "device error -222" --sim --freq 2.4G --sim-fault scpi=FREQ:CENTER=-222
expect_fail "range" "out of range" --sim --freq 20G
expect_fail "no device" "connect" --host 127.0.0.1:1 --timeout 2s

# Usage errors: exit 2, one line.
for args in "--sweep 2.4G:2.5G --stream" "--rbw 100k" "--spp 1000 --sim" "--sim --host x" "" "--sim --blocks 0" "--sim --sim-fault explode"; do
  set +e; cap $args > /dev/null 2> "$T/err"; rc=$?; set -e
  [ "$rc" -eq 2 ] || fail "'$args': exit $rc, want 2"
  [ "$(wc -l < "$T/err")" -eq 1 ] || fail "'$args': usage error not one line"
done

# wsa-sim on free ports serves wsa-capture --host and answers discovery.
"$BIN/wsa-sim" --scpi-port 0 --vrt-port 0 --discovery-port 0 --discovery-version 2 --serial E2E-42 --tone 915M:-50 2> "$T/sim.err" &
sim=$!
trap 'kill $sim 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q discovery "$T/sim.err" && break; sleep 0.1; done
scpi=$(sed -n 's/^wsa-sim: SCPI .*:\([0-9]*\)$/\1/p' "$T/sim.err")
vrt=$(sed -n 's/^wsa-sim: VRT .*:\([0-9]*\)$/\1/p' "$T/sim.err")
[ -n "$scpi" ] && [ -n "$vrt" ] || fail "wsa-sim did not print its ports: $(cat "$T/sim.err")"
WSA_HOST=127.0.0.1:$scpi cap --vrt-port "$vrt" --freq 900M --spp 1024 | dump | grep -q 'rf_freq_hz=900000000' || fail "capture from wsa-sim"
"$BIN/wsa-sim" --scpi-port "$scpi" 2> /dev/null && fail "a second wsa-sim on a busy port did not fail"
kill $sim; wait $sim || true
trap - EXIT
cap --discover --sim | grep -q '^WSA4000 SIM-000001 - 127.0.0.1$' || fail "--discover --sim"

echo "device.sh: ok"
