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
declare -A wm=() cm=()
for n in 1024 16384; do
  "$BIN/wsa-capture" --sim --sim-seed 1 -q --freq 2.41G --stream --packets $((SAMPLES / n)) --spp "$n" -o "$T/n$n.vrt"
done

# run FILE CMD...: "WALL CPU" in MS/s for one run: wall clock of the
# pipeline, and samples per CPU-second (user + sys) of the wsa-fft process
# alone, which a busy shared machine disturbs less.
run() {
  local f=$1 s e cpu
  shift
  s=$(date +%s%N)
  cpu=$( { cat "$f" | { TIMEFORMAT='%U %S'; time GOMAXPROCS=1 "$@" > /dev/null; }; } 2>&1 )
  e=$(date +%s%N)
  awk -v n="$SAMPLES" -v ns=$((e - s)) -v cpu="$cpu" 'BEGIN { split(cpu, c, " ");
    printf "%.1f %.1f\n", n / (ns / 1e9) / 1e6, n / (c[1] + c[2]) / 1e6 }'
}
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

for n in 1024 16384; do
  declare -A wall=() cpu=()
  for r in 1 2 3 4 5; do
    for impl in own godsp godsp-stage; do
      case $impl in
        own) cmd=("$BIN/wsa-fft") ;;
        godsp) cmd=("$T/wsa-fft-godsp" --fft-impl godsp) ;;
        godsp-stage) cmd=("$T/wsa-fft-godsp" --fft-impl godsp --exact-log) ;;
      esac
      read -r w c < <(run "$T/n$n.vrt" "${cmd[@]}")
      wall[$impl]+=" $w"; cpu[$impl]+=" $c"
    done
  done
  for impl in own godsp godsp-stage; do
    wm[$impl]=$(echo "${wall[$impl]}" | median); cm[$impl]=$(echo "${cpu[$impl]}" | median)
  done
  echo "wsa-fft N=$n, 1 core, through a pipe, MS/s wall (per CPU-second), medians of 5:"
  echo "  own FFT:               ${wm[own]} (${cm[own]})   runs:${wall[own]}"
  echo "  go-dsp stage:          ${wm[godsp-stage]} (${cm[godsp-stage]})   runs:${wall[godsp-stage]}"
  echo "  go-dsp FFT, rest ours: ${wm[godsp]} (${cm[godsp]})   runs:${wall[godsp]}"
  awk -v o="${wm[own]}" -v g="${wm[godsp]}" -v gx="${wm[godsp-stage]}" -v oc="${cm[own]}" -v gc="${cm[godsp]}" -v gxc="${cm[godsp-stage]}" -v n="$n" 'BEGIN {
    printf "wsa-fft N=%d: ratio %.2fx (CPU %.2fx) vs the go-dsp stage (goal >= 3x); %.2fx (CPU %.2fx) vs go-dsp FFT only", n, o / gx, oc / gxc, o / g, oc / gc
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
