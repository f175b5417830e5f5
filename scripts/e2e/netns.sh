#!/usr/bin/env bash
# Across hosts, for real: three network namespaces joined by veth links,
#
#   dev (10.77.1.1)  wsa-sim, paced like hardware
#   a   (10.77.1.2, 10.77.2.1)  wsa-capture --host dev | wsa-fft | wsa-serve
#   b   (10.77.2.2)  wsa-pull a | wsa-cal | wsa-plot
#
# Then the a-b link is cut for a few seconds and restored, twice:
#   1. --policy block with a buffer that outlasts the cut: b receives every
#      packet a served, byte for byte, and no gap is reported;
#   2. --policy drop with a small buffer: b reports a gap, and what it
#      received plus what it was told it lost is exactly what a served.
# The namespaces are created and removed by this script. Without the
# privilege to create them it says so and skips (exit 0).
set -euo pipefail
BIN=${BIN:?}
T=${TMPDIR:-/tmp}
tag=w$$
DEV=$tag-dev A=$tag-a B=$tag-b
fail() {
  echo "netns.sh: $*" >&2
  for f in "$T"/*.err; do [ -s "$f" ] && sed "s|^|  $(basename "$f" .err): |" "$f" | tail -5 >&2; done
  exit 1
}
skip() { echo "netns.sh: SKIP: $*" >&2; exit 0; }

command -v ip >/dev/null 2>&1 || skip "no 'ip' command (iproute2) to build network namespaces"
if ! ip netns add "$DEV" 2>/dev/null; then
  skip "cannot create network namespaces here (needs root or CAP_SYS_ADMIN); the cross-host test did not run"
fi
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  for n in "$DEV" "$A" "$B"; do
    ip netns pids "$n" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "$n" 2>/dev/null || true
  done
}
trap cleanup EXIT
ip netns add "$A"
ip netns add "$B"
on() { local n=$1; shift; ip netns exec "$n" "$@"; }
for n in "$DEV" "$A" "$B"; do on "$n" ip link set lo up; done
# dev <-> a
ip link add "$tag-d0" netns "$DEV" type veth peer name "$tag-a0" netns "$A"
on "$DEV" ip addr add 10.77.1.1/24 dev "$tag-d0"; on "$DEV" ip link set "$tag-d0" up
on "$A" ip addr add 10.77.1.2/24 dev "$tag-a0"; on "$A" ip link set "$tag-a0" up
# a <-> b: the link that gets cut
ip link add "$tag-a1" netns "$A" type veth peer name "$tag-b0" netns "$B"
on "$A" ip addr add 10.77.2.1/24 dev "$tag-a1"; on "$A" ip link set "$tag-a1" up
on "$B" ip addr add 10.77.2.2/24 dev "$tag-b0"; on "$B" ip link set "$tag-b0" up

# The device: a simulator on the real ports, paced at the real sample rate.
on "$DEV" "$BIN/wsa-sim" --listen 10.77.1.1 --discovery-port -1 2> "$T/sim.err" &
pids+=($!); disown
for i in $(seq 1 250); do grep -q 'VRT' "$T/sim.err" 2>/dev/null && break; sleep 0.02; done
grep -q 'VRT' "$T/sim.err" || fail "wsa-sim did not start"

wait_for() { # DESCRIPTION COMMAND...: a 60 s safety bound, never a measurement
  local what=$1 i; shift
  for i in $(seq 1 600); do "$@" && return 0; sleep 0.1; done
  fail "timed out waiting for $what"
}
served_packets() { "$BIN/wsa-dump" --summary "$1" 2>/dev/null | awk 'NR == 1 { print $1 }'; }
spectra_in() { grep -c '"bins"' "$1" || true; }
cut_link() { # SECONDS
  on "$A" ip link set "$tag-a1" down
  sleep "$1"
  on "$A" ip link set "$tag-a1" up
}

# run POLICY BUFFER: one pipeline across the three hosts with a cut in the
# middle of it. Leaves a.vrt (what a served), b.vrt (what b pulled), b.jsonl
# (b's spectra) and pull.err.
run() {
  local policy=$1 buffer=$2
  rm -f "$T/addr" "$T"/a.vrt "$T"/b.vrt "$T"/b.jsonl
  # 12 s of signal at decimation 16 (7.8 MS/s), 4096-point spectra: ~1900 spectra, ~32 MB.
  on "$A" bash -c "set -o pipefail; '$BIN/wsa-capture' -q --host 10.77.1.1 --freq 2.42G --decimation 16 --spp 4096 \
      --stream --duration 12s --timeout 20s 2> '$T/capture.err' \
    | '$BIN/wsa-fft' 2> '$T/fft.err' | tee '$T/a.vrt' \
    | '$BIN/wsa-serve' -q --listen 10.77.2.1:0 --addr-file '$T/addr' --policy $policy --buffer $buffer --client-timeout 2m 2> '$T/serve.err'" &
  local apid=$!; pids+=("$apid")
  wait_for "wsa-serve on host a" test -s "$T/addr"
  on "$B" bash -c "set -o pipefail; '$BIN/wsa-pull' --retry-max 500ms 'http://$(cat "$T/addr")' 2> '$T/pull.err' \
    | tee '$T/b.vrt' | '$BIN/wsa-cal' 2> '$T/cal.err' | '$BIN/wsa-plot' --format json > '$T/b.jsonl' 2> '$T/plot.err'" &
  local bpid=$!; pids+=("$bpid")
  wait_for "spectra at host b" test -s "$T/b.vrt"
  sleep 1
  cut_link 4
  wait "$bpid" || fail "$policy: the b side failed (exit $?)"
  wait "$apid" || fail "$policy: the a side failed (exit $?)"
}

# 1. Lossless: the server's buffer holds the stream through the cut.
run block 256M
[ -s "$T/a.vrt" ] || fail "block: nothing served"
cmp -s "$T/a.vrt" "$T/b.vrt" || fail "block: host b did not receive exactly what host a served"
grep -q 'lost' "$T/pull.err" && fail "block: a gap was reported though the buffer held everything"
n_a=$(served_packets "$T/a.vrt")
n_spec=$(spectra_in "$T/b.jsonl")
[ "$n_spec" -gt 100 ] || fail "block: only $n_spec spectra reached wsa-plot on host b"
echo "netns.sh: block: $n_a packets served by a, all received by b through a 4 s cut; $n_spec spectra plotted" >&2

# 2. Live monitoring: a small buffer under the drop policy loses packets
#    during the cut, and b is told exactly how many.
run drop 1M
n_a=$(served_packets "$T/a.vrt")
n_b=$(served_packets "$T/b.vrt")
lost=$(sed -n 's/.*summary:.* \([0-9][0-9]*\) packets lost.*/\1/p' "$T/pull.err" | tail -1)
[ -n "$lost" ] || fail "drop: no loss reported after a 4 s cut with a 1 MiB buffer ($n_b of $n_a packets received)"
# Packets dropped before b's first request are not b's gap, but wsa-pull
# says where it joined; everything else must be accounted for exactly.
joined=$(sed -n 's/.*joined at seq \([0-9][0-9]*\) .*/\1/p' "$T/pull.err" | head -1)
joined=${joined:-0}
[ $((joined + n_b + lost)) -eq "$n_a" ] || fail "drop: joined at $joined + received $n_b + reported lost $lost != served $n_a"
[ "$(spectra_in "$T/b.jsonl")" -gt 0 ] || fail "drop: no spectra reached wsa-plot on host b"
echo "netns.sh: drop: $n_a packets served; b joined at $joined, received $n_b, was told of $lost lost: exact" >&2
echo "netns.sh: ok"
