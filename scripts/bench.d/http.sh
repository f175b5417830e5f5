#!/usr/bin/env bash
# wsa-serve -> wsa-pull over loopback, measured against a plain TCP copy of
# the same bytes in the same run (ratio, goal >= 0.5x), and the delay from a
# packet entering wsa-serve to leaving wsa-pull at a modest rate (median,
# p99; goal p99 < 10 ms). Each figure is the median of RUNS runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-$PWD/bin}
RUNS=${RUNS:-3}
MB=${MB:-512}
T=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$T"' EXIT
source scripts/e2e/http-tools.sh
http_tools "$T/tools" >/dev/null
G=$T/tools

# ~MB MiB of 4 KiB packets (1024-sample I14Q14-sized), in a file so the
# producer costs the same in both runs.
n=$((MB * 1024 * 1024 / 4104))
"$G/gen" -n "$n" -size 1024 > "$T/in.vrt"
bytes=$(stat -c %s "$T/in.vrt")
now() { date +%s.%N; }
med() { sort -g | awk '{ v[NR]=$1 } END { print v[int((NR+1)/2)] }'; }

tcp_run() {
  rm -f "$T/addr"
  "$G/tcpcopy" recv "$T/addr" > "$T/out" & local r=$!
  while [ ! -s "$T/addr" ]; do sleep 0.01; done
  local t0; t0=$(now)
  "$G/tcpcopy" send "$(cat "$T/addr")" < "$T/in.vrt"
  wait "$r"
  local t1; t1=$(now)
  [ "$(stat -c %s "$T/out")" -eq "$bytes" ] || { echo "tcp copy lost bytes" >&2; exit 1; }
  awk -v b="$bytes" -v a="$t0" -v z="$t1" 'BEGIN { printf "%.1f\n", b / (z - a) / 1e6 }'
}
http_run() {
  rm -f "$T/addr"
  # The server waits for its first client before reading (block policy), so
  # the clock starts when the client starts, as with the TCP copy.
  "$BIN/wsa-serve" -q --listen 127.0.0.1:0 --addr-file "$T/addr" --buffer 64M "$T/in.vrt" & local s=$!
  while [ ! -s "$T/addr" ]; do sleep 0.01; done
  local t0; t0=$(now)
  "$BIN/wsa-pull" -q "http://$(cat "$T/addr")" > "$T/out"
  wait "$s"
  local t1; t1=$(now)
  cmp -s "$T/in.vrt" "$T/out" || { echo "serve->pull output differs" >&2; exit 1; }
  awk -v b="$bytes" -v a="$t0" -v z="$t1" 'BEGIN { printf "%.1f\n", b / (z - a) / 1e6 }'
}
tcp=(); http=()
for i in $(seq 1 "$RUNS"); do
  tcp+=("$(tcp_run)")
  http+=("$(http_run)")
done
tm=$(printf '%s\n' "${tcp[@]}" | med)
hm=$(printf '%s\n' "${http[@]}" | med)
echo "http: $((bytes / 1048576)) MiB of 4104-byte packets, $RUNS runs each, alternating"
echo "http: plain TCP copy MB/s: ${tcp[*]} (median $tm)"
echo "http: wsa-serve -> wsa-pull MB/s: ${http[*]} (median $hm)"
awk -v h="$hm" -v t="$tm" 'BEGIN { printf "http: serve->pull / tcp copy ratio %.2fx (goal >= 0.50x)\n", h / t }'

# Delay: 2000 packets/s for 10 s (about 8 MB/s), stamped by the generator as
# it writes them into wsa-serve's stdin, read by lat after wsa-pull.
rate=${RATE:-2000}; secs=${SECS:-10}
lats=()
for i in $(seq 1 "$RUNS"); do
  rm -f "$T/addr"
  start_serve "$T/addr" --buffer 64M < <("$G/gen" -n $((rate * secs)) -size 1024 -rate "$rate" -delay 500ms)
  s=$SERVE_PID; pids+=("$s")
  out=$("$BIN/wsa-pull" -q "http://$(cat "$T/addr")" | "$G/lat")
  wait "$s"
  lats+=("$out")
  echo "http: delay run $i: packets median_us p99_us max_us = $out"
done
p50=$(printf '%s\n' "${lats[@]}" | awk '{ print $2 }' | med)
p99=$(printf '%s\n' "${lats[@]}" | awk '{ print $3 }' | med)
awk -v a="$p50" -v b="$p99" -v r="$rate" 'BEGIN { printf "http: serve->pull delay at %d packets/s: median %.2f ms, p99 %.2f ms (goal p99 < 10 ms)\n", r, a/1000, b/1000 }'
