#!/usr/bin/env bash
# wsa-fft throughput, one core (GOMAXPROCS=1), through real pipes:
#   cat FILE | wsa-fft > /dev/null
# for N = 1024 and 16384 (one FFT per packet, SPP = N), against the same
# stage with go-dsp's FFT under it (wsa-fft built with -tags godsp,
# --fft-impl godsp), in the same run, runs interleaved, medians of 5.
#   "go-dsp stage"     go-dsp fft.FFT + math.Log10: the stage as written on go-dsp
#   "go-dsp FFT only"  go-dsp fft.FFT, everything else ours (fast dB included)
# Then the whole chain wsa-capture --sim (as fast as it goes) | wsa-fft |
# wsa-cal > /dev/null, end to end, when $BIN/wsa-cal exists.
# Goals: >= 35 MS/s at N=1024, >= 3x the go-dsp stage.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-$PWD/bin}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
go build -tags godsp -o "$T/wsa-fft-godsp" ./cmd/wsa-fft
SAMPLES=$((32 << 20))
for n in 1024 16384; do
  "$BIN/wsa-capture" --sim --sim-seed 1 -q --freq 2.41G --stream --packets $((SAMPLES / n)) --spp "$n" -o "$T/n$n.vrt"
done

# msps FILE CMD...: MS/s of one run (wall clock of the pipeline).
msps() {
  local f=$1 s e
  shift
  s=$(date +%s%N)
  cat "$f" | GOMAXPROCS=1 "$@" > /dev/null
  e=$(date +%s%N)
  awk -v n="$SAMPLES" -v ns=$((e - s)) 'BEGIN { printf "%.1f", n / (ns / 1e9) / 1e6 }'
}
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

for n in 1024 16384; do
  own="" gd="" gdx=""
  for r in 1 2 3 4 5; do
    own+=" $(msps "$T/n$n.vrt" "$BIN/wsa-fft")"
    gd+=" $(msps "$T/n$n.vrt" "$T/wsa-fft-godsp" --fft-impl godsp)"
    gdx+=" $(msps "$T/n$n.vrt" "$T/wsa-fft-godsp" --fft-impl godsp --exact-log)"
  done
  o=$(echo "$own" | median); g=$(echo "$gd" | median); gx=$(echo "$gdx" | median)
  echo "wsa-fft N=$n, 1 core, pipe: own ${o} MS/s (runs:$own) | go-dsp stage ${gx} MS/s (runs:$gdx) | go-dsp FFT only ${g} MS/s (runs:$gd)"
  awk -v o="$o" -v g="$g" -v gx="$gx" -v n="$n" 'BEGIN {
    printf "wsa-fft N=%d: ratio %.2fx vs the go-dsp stage (goal >= 3x), %.2fx vs go-dsp FFT only", n, o / gx, o / g
    if (n == 1024) printf "; %.1f MS/s (goal >= 35)", o
    printf "\n" }'
done

# The chain, end to end (all cores; every process shares the 2 of them).
P=16384 SPP=1024
chain() {
  local s e
  s=$(date +%s%N)
  "$@"
  e=$(date +%s%N)
  awk -v n=$((P * SPP)) -v ns=$((e - s)) 'BEGIN { printf "%.1f", n / (ns / 1e9) / 1e6 }'
}
cap="$BIN/wsa-capture --sim --sim-seed 1 -q --freq 2.41G --stream --packets $P --spp $SPP"
c1=$(chain bash -c "$cap > /dev/null")
c2=$(chain bash -c "$cap | $BIN/wsa-fft > /dev/null")
echo "chain (SPP $SPP, $((P * SPP)) samples): wsa-capture --sim alone ${c1} MS/s; | wsa-fft ${c2} MS/s"
if [ -x "$BIN/wsa-cal" ]; then
  c3=$(chain bash -c "$cap | $BIN/wsa-fft | $BIN/wsa-cal > /dev/null")
  echo "chain: wsa-capture --sim | wsa-fft | wsa-cal > /dev/null: ${c3} MS/s end to end"
else
  echo "chain: wsa-capture --sim | wsa-fft | wsa-cal: skipped ($BIN/wsa-cal not built)"
fi
