#!/usr/bin/env bash
# The main job on the built-in simulator: capture, FFT, calibrate, plot.
# Builds every tool into ./bin first; needs only Go. Output goes to ./out.
set -euo pipefail
cd "$(dirname "$0")/.."
export BIN=${BIN:-$PWD/bin}
scripts/build.sh
export PATH="$BIN:$PATH"
mkdir -p out
have() { [ -x "$BIN/$1" ]; }

if have wsa-capture && have wsa-fft && have wsa-cal && have wsa-plot; then
  echo "== one block at 2.412 GHz from the simulator, as a spectrum in dBm" >&2
  wsa-capture --sim --freq 2.412G --spp 16384 --blocks 1 > out/block.vrt
  wsa-dump out/block.vrt | head -5 >&2
  wsa-fft < out/block.vrt | wsa-cal | wsa-plot --peaks 3 -o out/spectrum.png
  echo "== a 60-block stream as a waterfall" >&2
  wsa-capture --sim --freq 2.412G --spp 4096 --blocks 60 | wsa-fft | wsa-cal | wsa-plot --waterfall -o out/waterfall.png
  echo "== a 2.4-2.5 GHz sweep, stitched, as CSV" >&2
  wsa-capture --sim --sweep 2.4G:2.5G --rbw 100k --sweeps 1 | wsa-fft | wsa-cal --stitch | wsa-plot --format csv > out/sweep.csv
  ls -l out/spectrum.png out/waterfall.png out/sweep.csv >&2
  echo "demo: wrote out/spectrum.png, out/waterfall.png and out/sweep.csv" >&2
else
  echo "demo: some tools are not built yet; showing what exists" >&2
  ls "$BIN" >&2
fi
