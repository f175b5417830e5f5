#!/usr/bin/env bash
# The main job on the built-in simulator: capture, FFT, calibrate, plot.
# Builds every tool into ./bin first; needs only Go. Output goes to ./out
# (or $OUT). The pictures in README.md come from this script.
set -euo pipefail
cd "$(dirname "$0")/.."
export BIN=${BIN:-$PWD/bin}
scripts/build.sh
export PATH="$BIN:$PATH"
out=${OUT:-out}
mkdir -p "$out"
step() { echo "== $*" >&2; }

step "one block at 2.42 GHz (the 2.412 GHz, -30 dBm reference tone sits 8 MHz below centre)"
wsa-capture --sim --freq 2.42G --spp 16384 --blocks 1 -o "$out/block.vrt"
wsa-dump --summary "$out/block.vrt" >&2
wsa-fft < "$out/block.vrt" | wsa-cal --peaks 1 | wsa-plot --peaks 2 -o "$out/block.png"

step "the simulator's scene, 90 MHz to 6 GHz: one sweep, stitched into one calibrated spectrum"
wsa-capture --sim --sweep 90M:6G --rbw 1M --sweeps 1 | wsa-fft | wsa-cal --stitch | wsa-plot --peaks 6 -o "$out/spectrum.png"

step "20 sweeps of the same band as a waterfall"
wsa-capture --sim --sweep 90M:6G --rbw 1M --sweeps 20 -q | wsa-fft | wsa-cal --stitch | wsa-plot --waterfall -o "$out/waterfall.png"

step "2.4-2.5 GHz at 100 kHz RBW, 3 sweeps: rtl_power-style CSV, and channel power of Wi-Fi channel 6 as JSON"
wsa-capture --sim --sweep 2.4G:2.5G --rbw 100k --sweeps 3 -q | wsa-fft \
  | wsa-cal --stitch --channel 2.427G:2.447G --measure-out "$out/wifi.jsonl" | wsa-plot --format csv > "$out/sweep.csv"
head -c 300 "$out/wifi.jsonl" >&2; echo >&2

ls -l "$out"/block.png "$out"/spectrum.png "$out"/waterfall.png "$out"/sweep.csv >&2
echo "demo: wrote $out/spectrum.png, $out/waterfall.png, $out/block.png, $out/sweep.csv and $out/wifi.jsonl" >&2
