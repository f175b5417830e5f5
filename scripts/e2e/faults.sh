#!/usr/bin/env bash
# The fault matrix of docs/RELIABILITY.md, as processes: for every stage
# (wsa-capture, wsa-fft, wsa-cal, wsa-plot, wsa-serve, wsa-pull, wsa-dump,
# wsa-sigmf) and every fault that applies to it, the exit code, the error
# line (exactly one, plus the stage's documented informational lines), and
# proof that no complete packet before the fault was lost: the stage's
# output on the damaged input is compared with its output on the good part
# alone (byte for byte: packets, spectra, CSV/JSON rows, SigMF files).
#
#   input  malformed VRT (size 0, size below its header), a VRL frame with a
#          bad CRC, a truncated last packet, random garbage after a good
#          prefix and alone, at every stage's input (wsa-pull's: a server
#          sending damaged answers)
#   signal | head -c N (exit 0) and Ctrl-C / SIGTERM (130 / 143) at every
#          stage, output whole and complete up to the signal
#   disk   -o FILE / > FILE on a full file system: a small tmpfs when it
#          can be mounted (root), always a file size limit (ulimit -f), and
#          /dev/full; exit 1, one "no space" line, whole packets kept
#   device vanishes (drop=N, and a wsa-sim killed with -9), stalls, refuses
#          the lock, SCPI errors; a wsa-capture killed with -9 leaves
#          wsa-sim unlocked for the next client
#   http   a wsa-pull killed with -9 is forgotten after --client-timeout
#          and no longer holds a block-policy server (restarts, slow and
#          vanished readers otherwise: scripts/e2e/http.sh, pkg/longpoll)
#   clock  timestamps jumping back an hour and forward a day mid-stream,
#          through wsa-fft | wsa-cal | wsa-plot, serve/pull and replay
#
# Each case prints one line "faults.sh: ok|FAIL <case>: <what>"; the script
# exits non-zero if any case failed. Helpers are small stdlib-only Go
# programs built on demand (like http-tools.sh).
set -uo pipefail
BIN=${BIN:?}
T=${TMPDIR:-/tmp}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/e2e/http-tools.sh
source "$here/http-tools.sh" # start_serve (it sets -e: undone below)
set +e
W=$T/faults
rm -rf "$W"
mkdir -p "$W"
cd "$W" || exit 1

failures=0
ok() { echo "faults.sh: ok   $1: $2"; }
bad() {
  echo "faults.sh: FAIL $1: $2" >&2
  failures=$((failures + 1))
}
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  [ -n "${TMPFS:-}" ] && umount "$TMPFS" 2>/dev/null
  true
}
trap cleanup EXIT
# wait_for SECONDS COMMAND...: poll until COMMAND succeeds; a safety bound
# against hangs, never a measurement.
wait_for() {
  local n=$(($1 * 50)) i
  shift
  for ((i = 0; i < n; i++)); do "$@" && return 0; sleep 0.02; done
  return 1
}
size() { stat -c %s "$1" 2>/dev/null || echo 0; }
# wait_pid PID SECONDS: its exit code; killed (exit 124) if it outlives the
# safety bound.
wait_pid() {
  if ! wait_for "$2" eval "! kill -0 $1 2>/dev/null"; then
    kill -9 "$1" 2>/dev/null
    wait "$1" 2>/dev/null
    return 124
  fi
  wait "$1"
}
size_at_least() { [ "$(size "$1")" -ge "$2" ]; }
dump() { "$BIN/wsa-dump" "$@"; }
npackets() { dump "$1" 2>/dev/null | grep -c '^#' || true; } # whole packets that decode
whole() { dump "$1" > /dev/null 2>&1; }                       # the file is whole packets

# ---------------------------------------------------------------------------
# ft: the helper (garbage, VRL framing, a flipped byte, timestamp jumps, a
# damaged wsa-serve).
mkdir -p "$W/ft"
cat > "$W/ft/main.go" <<'EOF'
package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strconv"
)

func num(s string) int64 {
	n, err := strconv.ParseInt(s, 0, 64)
	if err != nil {
		fail(err)
	}
	return n
}

func fail(err error) { fmt.Fprintln(os.Stderr, "ft:", err); os.Exit(1) }

// packets splits whole VRT packets.
func packets(b []byte) [][]byte {
	var out [][]byte
	for len(b) >= 4 {
		n := int(binary.BigEndian.Uint16(b[2:])) * 4
		if n == 0 || n > len(b) {
			fail(fmt.Errorf("not whole packets"))
		}
		out = append(out, b[:n])
		b = b[n:]
	}
	return out
}

func main() {
	in := func() []byte {
		b, err := io.ReadAll(os.Stdin)
		if err != nil {
			fail(err)
		}
		return b
	}
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	switch os.Args[1] {
	case "garbage": // SEED BYTES: random bytes
		r := rand.New(rand.NewPCG(uint64(num(os.Args[2])), 42))
		for i := int64(0); i < num(os.Args[3]); i++ {
			w.WriteByte(byte(r.Uint32()))
		}
	case "vrl": // FRAMEBYTES: bare packets -> VRL frames with CRC; prints frame offsets on stderr
		max := int(num(os.Args[2]))
		var frame []byte
		count, off := 0, 0
		flush := func() {
			if len(frame) == 0 {
				return
			}
			h := binary.BigEndian.AppendUint32(nil, 0x56524C50)
			h = binary.BigEndian.AppendUint32(h, uint32(count&0xfff)<<20|uint32((8+len(frame)+4)/4))
			f := append(h, frame...)
			f = binary.BigEndian.AppendUint32(f, crc32.ChecksumIEEE(f))
			fmt.Fprintln(os.Stderr, off)
			w.Write(f)
			off += len(f)
			count++
			frame = frame[:0]
		}
		for _, p := range packets(in()) {
			if len(frame) > 0 && len(frame)+len(p) > max {
				flush()
			}
			frame = append(frame, p...)
		}
		flush()
	case "flip": // OFFSET: invert one byte
		b := in()
		b[num(os.Args[2])] ^= 0xff
		w.Write(b)
	case "retime": // FROM SECONDS [FROM SECONDS...]: add SECONDS to the TSI of packets FROM on
		ps := packets(in())
		for k, p := range ps {
			var d int64
			for a := 2; a+1 < len(os.Args); a += 2 {
				if int64(k) >= num(os.Args[a]) {
					d += num(os.Args[a+1])
				}
			}
			typ, class, tsi := p[0]>>4, p[0]&0x08 != 0, (p[1]>>6)&3
			at := 4
			if typ != 0 && typ != 2 {
				at += 4 // stream ID
			}
			if class {
				at += 8
			}
			if tsi != 0 && d != 0 {
				binary.BigEndian.PutUint32(p[at:], uint32(int64(binary.BigEndian.Uint32(p[at:]))+d))
			}
			w.Write(p)
		}
	case "serve": // ADDRFILE GOOD BAD: a wsa-serve that answers GOOD, then BAD for ever
		good, _ := os.ReadFile(os.Args[3])
		bad, _ := os.ReadFile(os.Args[4])
		n := len(packets(good))
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fail(err)
		}
		os.WriteFile(os.Args[2]+".tmp", []byte(ln.Addr().String()), 0o644)
		os.Rename(os.Args[2]+".tmp", os.Args[2])
		http.Serve(ln, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodDelete {
				rw.WriteHeader(http.StatusNoContent)
				return
			}
			h := rw.Header()
			h.Set("X-WSA-Instance", "fa17")
			body, first, count := good, 0, n
			if r.URL.Query().Get("instance") != "" {
				body, first, count = bad, n, 1
			}
			h.Set("X-WSA-First-Seq", strconv.Itoa(first))
			h.Set("X-WSA-Next-Seq", strconv.Itoa(first+count))
			h.Set("X-WSA-Count", strconv.Itoa(count))
			h.Set("X-WSA-End-Seq", strconv.Itoa(n+1))
			h.Set("Content-Length", strconv.Itoa(len(body)))
			rw.Write(body)
		}))
	}
}
EOF
(cd "$W/ft" && GOFLAGS= GO111MODULE=on go build -o "$W/ftool" main.go) || { echo "faults.sh: cannot build the helper" >&2; exit 1; }
ft() { "$W/ftool" "$@"; }

# ---------------------------------------------------------------------------
# Inputs, made with the real tools. iq: 3 blocks of 4 I/Q packets (25
# packets with the contexts and wsa-capture's description); sp: their
# spectra; the big ones (3.3 MB; big.sigmf-* as a SigMF recording) outlast
# a pipe buffer and a small disk.
cap() { "$BIN/wsa-capture" "$@"; }
cap --sim --sim-seed 1 -q --spp 1024 --ppb 4 --blocks 3 -o iq.vrt || { echo "faults.sh: wsa-capture --sim failed" >&2; exit 1; }
"$BIN/wsa-fft" < iq.vrt > sp.vrt || { echo "faults.sh: wsa-fft failed on good input" >&2; exit 1; }
cap --sim --sim-seed 2 -q --spp 4096 --stream --packets 200 -o iqbig.vrt
"$BIN/wsa-fft" < iqbig.vrt > spbig.vrt
"$BIN/wsa-sigmf" record -o big < iqbig.vrt 2> /dev/null
# Many small packets: wsa-dump's text of them (600 KB) outgrows a small disk.
cap --sim --sim-seed 3 -q --spp 64 --stream --packets 4000 -o many.vrt
# offset KIND INDEX: byte offset of packet INDEX in a bare file.
offset() { dump "$1" | sed -n "$(($2 + 1))s/^#[0-9]* @\([0-9]*\) .*/\1/p"; }

# A stage run: run_stage STAGE INPUT OUT ERR -> exit code. OUT is what the
# stage produced (for wsa-sigmf the data file then the meta; for wsa-serve
# what a wsa-pull received from it, with wsa-pull's own stderr and exit
# code in ERR.pull).
run_stage() {
  local st=$1 in=$2 out=$3 err=$4 rc
  case $st in
    wsa-dump) dump < "$in" > "$out" 2> "$err" ;;
    wsa-fft) "$BIN/wsa-fft" < "$in" > "$out" 2> "$err" ;;
    wsa-cal) "$BIN/wsa-cal" < "$in" > "$out" 2> "$err" ;;
    wsa-plot-csv) "$BIN/wsa-plot" --format csv < "$in" > "$out" 2> "$err" ;;
    wsa-plot-json) "$BIN/wsa-plot" --format json < "$in" > "$out" 2> "$err" ;;
    wsa-capture) cap -q --replay - < "$in" > "$out" 2> "$err" ;;
    wsa-sigmf)
      rm -rf "$out.d" && mkdir "$out.d"
      "$BIN/wsa-sigmf" record -o "$out.d/rec" < "$in" 2> "$err"
      rc=$?
      cat "$out.d/rec.sigmf-data" "$out.d/rec.sigmf-meta" > "$out" 2> /dev/null
      return $rc
      ;;
    wsa-serve)
      start_serve "$out.addr" "$in" 2> "$err" || { echo "wsa-serve did not start" >> "$err"; return 99; }
      local spid=$SERVE_PID
      pids+=("$spid")
      timeout 60 "$BIN/wsa-pull" -q "http://$(cat "$out.addr")" > "$out" 2> "$err.pull"
      echo $? > "$err.pullrc"
      wait_pid "$spid" 60
      return $?
      ;;
    *) echo "unknown stage $st" >&2; return 99 ;;
  esac
}
# The documented informational lines a stage may print besides its error
# (docs/RELIABILITY.md): wsa-sigmf record's summary, wsa-fft's first
# undecodable context.
info_lines() {
  case $1 in
    wsa-sigmf) echo '^wsa-sigmf: wrote [0-9]+ samples in [0-9]+ segments to ' ;;
    wsa-fft) echo '^wsa-fft: packet [0-9]+: context not fully decoded' ;;
    wsa-plot*) echo '^wsa-plot: skipped [0-9]+ data packets that were not spectra' ;;
    *) echo '^$^' ;;
  esac
}
prog() { echo "${1%-csv}" | sed 's/-json$//'; } # wsa-plot-csv -> wsa-plot

# input_case STAGE CASE FILE [N B REASON]: the stage on a damaged FILE.
# Exit 1; stderr one error line (besides info lines) naming "packet N at
# byte offset B" (the given N and B when known: where the damage starts);
# and its output equals its output on the first B bytes alone: every
# packet before the damage went through, nothing after it did.
input_case() {
  local st=$1 name=$2 in=$3 wn=${4:-} wb=${5:-} why=${6:-.} c="$1 input $2"
  run_stage "$st" "$in" out.bin err.txt
  local rc=$?
  local errs n b
  errs=$(grep -Ev "$(info_lines "$st")" err.txt)
  if [ "$rc" -ne 1 ]; then bad "$c" "exit $rc, want 1 ($(head -3 err.txt | tr '\n' '|'))"; return; fi
  if [ "$(grep -c . <<<"$errs")" -ne 1 ]; then bad "$c" "want one error line, got: $(tr '\n' '|' < err.txt)"; return; fi
  n=$(sed -nE "s/^$(prog "$st"): (.*: )?packet ([0-9]+) at byte offset ([0-9]+): .*/\2/p" <<<"$errs")
  b=$(sed -nE "s/^$(prog "$st"): (.*: )?packet ([0-9]+) at byte offset ([0-9]+): .*/\3/p" <<<"$errs")
  if [ -z "$n" ]; then bad "$c" "error does not name packet and offset: $errs"; return; fi
  if [ -n "$wn" ] && { [ "$n" != "$wn" ] || [ "$b" != "$wb" ]; }; then bad "$c" "names packet $n at $b, want $wn at $wb: $errs"; return; fi
  if ! grep -Eq "$why" <<<"$errs"; then bad "$c" "reason is not /$why/: $errs"; return; fi
  if [ "$st" = wsa-serve ]; then
    if [ "$(cat err.txt.pullrc)" -ne 1 ] || [ "$(grep -c . err.txt.pull)" -ne 1 ] || ! grep -q "the server's input ended with an error: .*packet $n at byte offset $b" err.txt.pull; then
      bad "$c" "wsa-pull: exit $(cat err.txt.pullrc), $(tr '\n' '|' < err.txt.pull)"
      return
    fi
  fi
  head -c "$b" "$in" > prefix.in
  run_stage "$st" prefix.in ref.bin ref.err
  if ! cmp -s out.bin ref.bin; then bad "$c" "output ($(size out.bin) bytes) differs from the output on the first $b bytes ($(size ref.bin) bytes)"; return; fi
  ok "$c" "exit 1, '$(cut -c1-200 <<<"$errs")', output = output of the $n packets before ($(size out.bin) bytes)"
}

# Sections run: all, or those in FAULTS (e.g. FAULTS="1 3") when debugging.
section() { [ -z "${FAULTS:-}" ] || [[ " $FAULTS " == *" $1 "* ]]; }
# ---------------------------------------------------------------------------
# 1. Damaged input at every stage. The damage starts at a packet boundary L
#    inside the second block (I/Q) or after the 7th spectrum (spectra),
#    followed by the rest of the good stream (so a stage that read past the
#    damage would show it).
if section 1; then
damage() { # KIND IN L NAME: writes NAME.KIND (one file per damage)
  local kind=$1 in=$2 l=$3
  head -c "$l" "$in" > good.$kind
  tail -c +$((l + 1)) "$in" > rest.$kind
  { cat good.$kind; printf '\x10\x00\x00\x00'; cat rest.$kind; } > zero.$kind
  { cat good.$kind; printf '\x1c\x60\x00\x02\x90\x00\x00\x03\x00\x00\x00\x00'; cat rest.$kind; } > small.$kind
  { cat good.$kind; head -c 100 rest.$kind; } > trunc.$kind
  { cat good.$kind; ft garbage 7 1048576; } > garbage-after.$kind
  ft vrl 8192 < "$in" > vrl.$kind 2> frames.$kind
  # The third frame gets a flipped byte inside its payload.
  local f3
  f3=$(sed -n 3p frames.$kind)
  ft flip $((f3 + 40)) < vrl.$kind > crc.$kind
}
L_iq=$(offset iq.vrt 13)
L_sp=$(offset sp.vrt 21)
damage iq iq.vrt "$L_iq"
damage sp sp.vrt "$L_sp"
for s in 1 2 3; do ft garbage "$s" 1048576 > garbage-$s.bin; done
for st in wsa-dump wsa-fft wsa-capture wsa-sigmf wsa-serve wsa-cal wsa-plot-csv wsa-plot-json; do
  k=iq L=$L_iq
  case $st in wsa-cal | wsa-plot-*) k=sp L=$L_sp ;; esac
  n=$(npackets good.$k)
  input_case "$st" "size-0" zero.$k "$n" "$L" 'size field is 0'
  input_case "$st" "size<header" small.$k "$n" "$L" 'smaller than the 8 its header announces'
  input_case "$st" "truncated" trunc.$k "$n" "$L" 'truncated: header says [0-9]+ bytes, only 100 remain'
  f3=$(sed -n 3p frames.$k)
  input_case "$st" "VRL-CRC" crc.$k "$(head -c "$f3" vrl.$k | npackets /dev/stdin)" "$f3" 'CRC'
  input_case "$st" "garbage-after" garbage-after.$k
  # The error cannot come before the damage, and what came before is all there.
  run_stage "$st" good.$k good.out good.err
  a=good.out b=out.bin
  [ "$st" = wsa-sigmf ] && a=good.out.d/rec.sigmf-data b=out.bin.d/rec.sigmf-data # the meta describes all
  if ! cmp -s "$a" <(head -c "$(size "$a")" "$b"); then
    bad "$st input garbage-after" "output does not start with the output of the good part"
  fi
  for s in 1 2 3; do input_case "$st" "garbage-$s" garbage-$s.bin; done
done
fi

# ---------------------------------------------------------------------------
# 2. Signals. | head -c 1000 closes the pipe long before the end (the
#    inputs are 3.3 MB): exit 0 and nothing on stderr. Ctrl-C / SIGTERM
#    while the stage waits on an upstream that keeps its pipe open: exit
#    130 / 143, one line, and the output is exactly what the stage writes
#    for the same input run to its end (every packet it was given went
#    through, nothing was cut).
if section 2; then
sigpipe_case() { # STAGE INPUT ARGS...
  local st=$1 in=$2
  shift 2
  "$BIN/$st" "$@" < "$in" 2> err.txt | head -c 1000 > /dev/null
  local rc=${PIPESTATUS[0]} c="$st $* | head -c 1000"
  if [ "$rc" -ne 0 ] || [ -s err.txt ]; then bad "$c" "exit $rc, stderr '$(tr '\n' '|' < err.txt)'; want 0 and nothing"; return; fi
  ok "$c" "exit 0, stderr empty"
}
sigpipe_case wsa-capture /dev/null --sim -q --stream --spp 1024
sigpipe_case wsa-capture /dev/null -q --replay iqbig.vrt
sigpipe_case wsa-fft iqbig.vrt
sigpipe_case wsa-cal spbig.vrt
sigpipe_case wsa-plot spbig.vrt --format csv
sigpipe_case wsa-dump iqbig.vrt
sigpipe_case wsa-sigmf /dev/null play big
if start_serve serve.addr iqbig.vrt 2> serve.err; then
  spid=$SERVE_PID
  pids+=("$spid")
  sigpipe_case wsa-pull /dev/null -q "http://$(cat serve.addr)"
  wait_pid "$spid" 30
  rc=$?
  [ "$rc" -eq 0 ] && ok "wsa-serve, its reader gone (| head)" "exit 0 once the reader left" || bad "wsa-serve, its reader gone (| head)" "exit $rc"
else
  bad "wsa-pull | head" "wsa-serve did not start"
fi

# signal_case STAGE SIG CODE LINE INPUT [ARGS...]: the stage reads INPUT
# through a FIFO that stays open; once its output has reached the size of
# a run to the end, the signal.
signal_case() {
  local st=$1 sig=$2 code=$3 line=$4 in=$5
  shift 5
  local c="$st $* SIG$sig while waiting for input"
  "$BIN/$st" "$@" < "$in" > ref.bin 2> /dev/null
  rm -f fifo out.bin && mkfifo fifo # (an old out.bin would look like progress)
  "$BIN/$st" "$@" < fifo > out.bin 2> err.txt &
  local pid=$! fd
  pids+=("$pid")
  exec {fd}> fifo
  cat "$in" >&$fd
  if ! wait_for 30 size_at_least out.bin "$(size ref.bin)"; then
    bad "$c" "only $(size out.bin) of $(size ref.bin) bytes written while waiting"
    exec {fd}>&-
    kill -9 "$pid"
    return
  fi
  kill -"$sig" "$pid"
  wait_pid "$pid" 30
  local rc=$?
  exec {fd}>&-
  if [ "$rc" -ne "$code" ]; then bad "$c" "exit $rc, want $code ($(tr '\n' '|' < err.txt))"; return; fi
  if [ "$(cat err.txt)" != "$line" ]; then bad "$c" "stderr '$(tr '\n' '|' < err.txt)', want '$line'"; return; fi
  if ! cmp -s out.bin ref.bin; then bad "$c" "output differs from a run to the end of the same input"; return; fi
  case $st in wsa-fft | wsa-cal) whole out.bin || { bad "$c" "output is not whole packets"; return; } ;; esac
  ok "$c" "exit $code, '$line', output = the run to the end ($(size out.bin) bytes)"
}
signal_case wsa-dump INT 130 "wsa-dump: interrupted after 25 packets" iq.vrt
signal_case wsa-dump TERM 143 "wsa-dump: terminated after 25 packets" iq.vrt
signal_case wsa-fft INT 130 "wsa-fft: stopped by interrupt" iq.vrt
signal_case wsa-fft TERM 143 "wsa-fft: stopped by terminated" iq.vrt
signal_case wsa-fft INT 130 "wsa-fft: stopped by interrupt" iq.vrt -j 2
signal_case wsa-cal INT 130 "wsa-cal: stopped by interrupt" sp.vrt
signal_case wsa-plot INT 130 "wsa-plot: interrupted by interrupt" sp.vrt --format csv
signal_case wsa-plot INT 130 "wsa-plot: interrupted by interrupt" sp.vrt --format json

# wsa-sigmf record: the recording is finished (meta, checksum) at the signal.
c="wsa-sigmf record SIGINT while waiting for input"
rm -f fifo && mkfifo fifo
"$BIN/wsa-sigmf" record -o int < fifo 2> err.txt &
pid=$!
pids+=("$pid")
exec {fd}> fifo
cat iq.vrt >&$fd
sleep 0.5 # usually it waits for more by now; if not it stops between packets
kill -INT "$pid"
wait_pid "$pid" 30
rc=$?
exec {fd}>&-
"$BIN/wsa-sigmf" record -o ref < iq.vrt 2> /dev/null
if [ "$rc" -ne 130 ] || [ "$(grep -c . err.txt)" -ne 2 ] || [ "$(tail -1 err.txt)" != "wsa-sigmf: stopped by interrupt" ]; then
  bad "$c" "exit $rc, stderr '$(tr '\n' '|' < err.txt)'"
elif ! "$BIN/wsa-sigmf" info int > /dev/null 2>&1; then
  bad "$c" "the recording does not check: $("$BIN/wsa-sigmf" info int 2>&1 | tail -1)"
elif ! cmp -s int.sigmf-data <(head -c "$(size int.sigmf-data)" ref.sigmf-data); then
  bad "$c" "the samples are not those of the input"
else
  ok "$c" "exit 130, '$(head -1 err.txt | cut -c1-60)…' + '$(tail -1 err.txt)', recording checks ($(size int.sigmf-data) of $(size ref.sigmf-data) bytes of samples)"
fi

# wsa-capture: a replay until Ctrl-C, and the simulator (device.sh does
# INT and TERM on --sim too): whole packets up to the signal.
for mode in replay sim; do
  c="wsa-capture --$mode SIGINT"
  rm -f cap.out
  if [ $mode = replay ]; then
    "$BIN/wsa-capture" -q --replay iq.vrt --realtime --loop 0 -o cap.out 2> err.txt &
  else
    "$BIN/wsa-capture" -q --sim --stream --sim-pace --decimation 64 --spp 1024 -o cap.out 2> err.txt &
  fi
  pid=$!
  pids+=("$pid")
  wait_for 30 size_at_least cap.out 100000
  kill -INT "$pid"
  wait_pid "$pid" 30
  rc=$?
  if [ "$rc" -ne 130 ] || [ "$(grep -c . err.txt)" -ne 1 ]; then bad "$c" "exit $rc, stderr '$(tr '\n' '|' < err.txt)'"; continue; fi
  if ! whole cap.out; then bad "$c" "output is not whole packets: $(dump cap.out 2>&1 > /dev/null)"; continue; fi
  ok "$c" "exit 130, '$(cat err.txt)', $(npackets cap.out) whole packets"
done

# wsa-pull: Ctrl-C while waiting on a server whose input stays open; it
# wrote every packet served (http.sh checks the exit code alone).
c="wsa-pull SIGINT while waiting"
rm -f fifo serve.addr && mkfifo fifo
"$BIN/wsa-serve" -q --listen 127.0.0.1:0 --addr-file serve.addr < fifo 2> serve.err &
spid=$!
pids+=("$spid")
exec {fd}> fifo
wait_for 30 test -s serve.addr
cat iq.vrt >&$fd
rm -f out.bin
"$BIN/wsa-pull" "http://$(cat serve.addr)" > out.bin 2> err.txt &
pid=$!
pids+=("$pid")
wait_for 30 size_at_least out.bin "$(size iq.vrt)"
kill -INT "$pid"
wait_pid "$pid" 30
rc=$?
if [ "$rc" -ne 130 ] || [ "$(cat err.txt)" != "wsa-pull: interrupted after 25 packets" ] || ! cmp -s out.bin iq.vrt; then
  bad "$c" "exit $rc, stderr '$(tr '\n' '|' < err.txt)', $(size out.bin) of $(size iq.vrt) bytes"
else
  ok "$c" "exit 130, '$(cat err.txt)', output = every packet served"
fi
exec {fd}>&-
wait_pid "$spid" 30 || bad "wsa-serve after its reader was interrupted" "exit $?, want 0 (the reader left, the input ended)"

# wsa-serve: Ctrl-C / SIGTERM while its input is open and a reader waits
# (http.sh checks Ctrl-C's exit code): 130 / 143, one line; the waiting
# reader is told the server is closing, keeps what it had and retries.
for sig in INT TERM; do
  c="wsa-serve SIG$sig with a reader waiting"
  want=130 line="wsa-serve: interrupted"
  [ $sig = TERM ] && want=143 line="wsa-serve: terminated"
  rm -f fifo serve.addr out.bin && mkfifo fifo
  "$BIN/wsa-serve" -q --listen 127.0.0.1:0 --addr-file serve.addr < fifo 2> serve.err &
  spid=$!
  pids+=("$spid")
  exec {fd}> fifo
  wait_for 30 test -s serve.addr
  cat iq.vrt >&$fd
  "$BIN/wsa-pull" -q --give-up 1s "http://$(cat serve.addr)" > out.bin 2> err.txt &
  pid=$!
  pids+=("$pid")
  wait_for 30 size_at_least out.bin "$(size iq.vrt)"
  kill -"$sig" "$spid"
  wait_pid "$spid" 30
  rc=$?
  exec {fd}>&-
  wait_pid "$pid" 30
  prc=$?
  if [ "$rc" -ne "$want" ] || [ "$(cat serve.err)" != "$line" ]; then
    bad "$c" "exit $rc, stderr '$(tr '\n' '|' < serve.err)'; want $want and '$line'"
  elif ! cmp -s out.bin iq.vrt; then
    bad "$c" "the reader has $(size out.bin) of the $(size iq.vrt) bytes served"
  else
    ok "$c" "exit $want, '$line'; the reader kept every packet served, then (server gone, --give-up 1s) exit $prc"
  fi
done
fi

# ---------------------------------------------------------------------------
# 3. Disk full while writing. Three ways to run out of space: a 256 KiB
#    tmpfs (needs root: mounted here when possible, else skipped with a
#    note), a 256 KiB file size limit (ulimit -f; Go ignores SIGXFSZ, so
#    writes fail with EFBIG; runs everywhere) and /dev/full (nothing fits).
#    Every writer of packets must exit 1 with one line naming the cause,
#    and leave whole packets, exactly the start of what it writes with room
#    to spare; wsa-plot (temporary file renamed when complete) leaves no
#    file; wsa-dump's text ends with an error too.
if section 3; then
TMPFS=
if [ "$(id -u)" = 0 ] && mkdir -p tmpfs && mount -t tmpfs -o size=256k wsa-faults tmpfs 2> /dev/null; then
  TMPFS=$W/tmpfs
  echo "faults.sh: disk full: a 256 KiB tmpfs, a 256 KiB file size limit and /dev/full"
else
  echo "faults.sh: disk full: a 256 KiB file size limit and /dev/full (no tmpfs: not root or mount refused)"
fi
# wsa-pull reads a server whose input stays open (so it outlives its
# readers) and leaves after all of it (--count).
rm -f fifo serve.addr && mkfifo fifo
"$BIN/wsa-serve" -q --listen 127.0.0.1:0 --addr-file serve.addr < fifo 2> serve.err &
spid=$!
pids+=("$spid")
exec {sfd}> fifo
cat iqbig.vrt >&$sfd
wait_for 30 test -s serve.addr
URL="http://$(cat serve.addr 2> /dev/null)"
NBIG=$(npackets iqbig.vrt)
# writer NAME OUTFILE: run writer NAME with its output going to OUTFILE.
writer() {
  case $1 in
    capture-o) "$BIN/wsa-capture" -q --replay iqbig.vrt -o "$2" ;;
    capture-stdout) "$BIN/wsa-capture" -q --replay iqbig.vrt > "$2" ;;
    fft-o) "$BIN/wsa-fft" -o "$2" < iqbig.vrt ;;
    fft-stdout) "$BIN/wsa-fft" < iqbig.vrt > "$2" ;;
    cal-o) "$BIN/wsa-cal" -o "$2" < spbig.vrt ;;
    pull-stdout) "$BIN/wsa-pull" -q --count "$NBIG" "$URL" > "$2" ;;
    sigmf-play-stdout) "$BIN/wsa-sigmf" play big > "$2" ;;
    dump-stdout) "$BIN/wsa-dump" < many.vrt > "$2" ;;
    plot-o) "$BIN/wsa-plot" --format csv -o "$2" < spbig.vrt ;;
    sigmf-record-o) "$BIN/wsa-sigmf" record -o "${2%.out}" < iqbig.vrt ;;
  esac
}
disk_case() { # WRITER MECHANISM
  local wr=$1 how=$2 c="$1 disk full ($2)" f rc want
  rm -f ref.out
  writer "$wr" ref.out 2> /dev/null
  [ "$wr" = sigmf-record-o ] && cp ref.sigmf-data ref.out
  case $how in
    tmpfs) f=$TMPFS/x.out ;;
    ulimit) f=$W/lim.out ;;
    /dev/full) f=/dev/full ;;
  esac
  rm -f lim.* .lim.* ${TMPFS:+"$TMPFS"/x.* "$TMPFS"/.x.*}
  if [ "$how" = ulimit ]; then
    (ulimit -f 256 && writer "$wr" "$f") 2> err.txt
  else
    writer "$wr" "$f" 2> err.txt
  fi
  rc=$?
  want='no space left on device'
  [ "$how" = ulimit ] && want='file too large'
  local errs
  errs=$(grep -Ev "$(info_lines "${wr%%-*}")" err.txt)
  if [ "$rc" -ne 1 ] || [ "$(grep -c . <<<"$errs")" -ne 1 ] || ! grep -q "$want" <<<"$errs"; then
    bad "$c" "exit $rc, stderr '$(tr '\n' '|' < err.txt)'; want 1 and one line saying '$want'"
    return
  fi
  local got=$f
  [ "$wr" = sigmf-record-o ] && got=${f%.out}.sigmf-data
  if [ "$how" = /dev/full ]; then
    ok "$c" "exit 1, '$errs'"
    return
  fi
  case $wr in
    plot-o)
      if ls -A "$(dirname "$f")" | grep -q "$(basename "$f")"; then bad "$c" "left a file: $(ls -A "$(dirname "$f")" | tr '\n' ' ')"; return; fi
      ok "$c" "exit 1, '$errs', no file left (not even the temporary one)"
      return
      ;;
    dump-stdout | sigmf-record-o)
      # Text, or samples: the start of what a full run writes.
      if [ "$(size "$got")" -eq 0 ] || ! cmp -s "$got" <(head -c "$(size "$got")" ref.out); then bad "$c" "the $(size "$got") bytes written are not the start of the output"; return; fi
      if [ "$wr" = sigmf-record-o ]; then
        # The recording must still open: whole samples, a meta whose
        # checksum covers exactly them (wsa-sigmf info verifies it).
        if [ $(($(size "$got") % 4)) -ne 0 ]; then bad "$c" "the data file ends in a cut sample"; return; fi
        if [ ! -e "${f%.out}.sigmf-meta" ]; then bad "$c" "no .sigmf-meta: the recording does not open"; return; fi
        if ! "$BIN/wsa-sigmf" info "${f%.out}" > /dev/null 2>&1; then bad "$c" "the salvaged recording does not verify"; return; fi
        ok "$c" "exit 1, '$errs', $(size "$got") bytes of whole samples (the start of the recording), meta written, sha512 verified"
      else
        ok "$c" "exit 1, '$errs', the $(size "$got") bytes written are the start of the text"
      fi
      return
      ;;
  esac
  if ! whole "$got"; then bad "$c" "not whole packets: $(dump "$got" 2>&1 > /dev/null)"; return; fi
  if [ "$(size "$got")" -eq 0 ] || ! cmp -s "$got" <(head -c "$(size "$got")" ref.out); then bad "$c" "the $(size "$got") bytes kept are not the start of the output"; return; fi
  ok "$c" "exit 1, '$errs', $(npackets "$got") whole packets kept ($(size "$got") bytes, the start of the output)"
}
for wr in capture-o capture-stdout fft-o fft-stdout cal-o pull-stdout sigmf-play-stdout dump-stdout plot-o sigmf-record-o; do
  for how in ${TMPFS:+tmpfs} ulimit /dev/full; do
    [ "$wr:$how" = sigmf-record-o:/dev/full ] && continue # -o is a NAME, not a file
    disk_case "$wr" "$how"
  done
done
exec {sfd}>&-
kill "$spid" 2> /dev/null
wait "$spid" 2> /dev/null
fi

# ---------------------------------------------------------------------------
# 4. The device. The simulator's faults (docs/DEVICE.md §2.7; device.sh
#    checks the same exit codes): here also that the output holds exactly
#    the packets the device sent before the fault (wsa-capture's
#    description + N), whole, with continuous packet counts. Then a real
#    wsa-sim on its own ports killed with -9 mid-stream, and a wsa-capture
#    killed with -9 mid-stream: the simulator is idle and unlocked for the
#    next client.
if section 4; then
device_case() { # NAME WANT_PACKETS PATTERN ARGS...
  local name=$1 want=$2 pat=$3 c="wsa-capture --sim-fault $1" rc n
  shift 3
  rm -f cap.out
  "$BIN/wsa-capture" --sim -q "$@" -o cap.out 2> err.txt
  rc=$?
  if [ "$rc" -ne 1 ] || [ "$(grep -c . err.txt)" -ne 1 ] || ! grep -q "$pat" err.txt; then bad "$c" "exit $rc, stderr '$(tr '\n' '|' < err.txt)'"; return; fi
  if ! whole cap.out; then bad "$c" "output is not whole packets"; return; fi
  n=$(npackets cap.out)
  if [ "$n" -ne "$want" ]; then bad "$c" "$n packets kept, want $want"; return; fi
  if [ "$want" -gt 5 ] && ! dump --summary cap.out | grep -q 'stream 0x90000003: .* 0 count gaps'; then bad "$c" "data packet counts have gaps"; return; fi
  ok "$c" "exit 1, '$(cat err.txt)', $n packets kept (the description + every one sent)"
}
device_case "drop=7" 8 'data connection lost\|closed the data connection' --ppb 10 --spp 1024 --sim-fault drop=7
device_case "stall=5" 6 'nothing for 300ms after 1 data packets' --ppb 10 --spp 1024 --sim-fault stall=5 --timeout 300ms
device_case "malformed=6" 7 'malformed VRT packet' --ppb 10 --spp 1024 --sim-fault malformed=6
device_case "refuse-lock" 0 'locked by another client' --sim-fault refuse-lock
device_case "scpi=FREQ:CENTER=-222" 0 'device error -222' --freq 2.4G --sim-fault scpi=FREQ:CENTER=-222

start_sim() { # sets SIM_PID SIM_ARGS
  rm -f sim.err
  "$BIN/wsa-sim" --scpi-port 0 --vrt-port 0 --discovery-port -1 2> sim.err &
  SIM_PID=$!
  pids+=("$SIM_PID")
  wait_for 30 grep -q 'VRT' sim.err || return 1
  SIM_ARGS="--host 127.0.0.1:$(sed -n 's/^wsa-sim: SCPI .*:\([0-9]*\)$/\1/p' sim.err) --vrt-port $(sed -n 's/^wsa-sim: VRT .*:\([0-9]*\)$/\1/p' sim.err)"
}
c="wsa-capture, wsa-sim killed with -9 mid-stream"
if start_sim; then
  rm -f cap.out
  # shellcheck disable=SC2086
  "$BIN/wsa-capture" -q $SIM_ARGS --stream --decimation 16 --spp 1024 --timeout 2s -o cap.out 2> err.txt &
  cpid=$!
  pids+=("$cpid")
  wait_for 30 size_at_least cap.out 1
  kill -9 "$SIM_PID"
  wait "$SIM_PID" 2> /dev/null
  wait_pid "$cpid" 30
  rc=$?
  if [ "$rc" -ne 1 ] || [ "$(grep -c . err.txt)" -ne 1 ]; then
    bad "$c" "exit $rc, stderr '$(tr '\n' '|' < err.txt)'"
  elif ! whole cap.out || ! dump --summary cap.out | grep -q 'stream 0x90000003: .* 0 count gaps'; then
    bad "$c" "output is not whole packets with continuous counts: $(dump --summary cap.out 2>&1 | tail -2 | tr '\n' '|')"
  else
    ok "$c" "exit 1, '$(cat err.txt)', $(npackets cap.out) whole packets kept, counts continuous"
  fi
else
  bad "$c" "wsa-sim did not start: $(cat sim.err)"
fi
c="wsa-capture killed with -9 mid-stream, then another capture"
if start_sim; then
  rm -f a.out
  # shellcheck disable=SC2086
  "$BIN/wsa-capture" -q $SIM_ARGS --stream --decimation 16 --spp 1024 -o a.out 2> /dev/null &
  cpid=$!
  pids+=("$cpid")
  wait_for 30 size_at_least a.out 1
  kill -9 "$cpid"
  wait "$cpid" 2> /dev/null
  # Takes the lock (the default) and changes a setting: refused if the
  # dead client's lock or stream were still there. The simulator notices
  # the closed connection on its own time: a few tries (a bound, not a
  # measurement).
  for try in 1 2 3 4 5 6 7 8 9 10; do
    # shellcheck disable=SC2086
    "$BIN/wsa-capture" -q $SIM_ARGS --freq 2.42G --spp 1024 -o b.out 2> err.txt
    rc=$?
    [ "$rc" -eq 0 ] && break
    sleep 0.1
  done
  if [ "$rc" -ne 0 ] || [ "$(dump --summary b.out 2> /dev/null | grep -c 'stream 0x90000003: 1 packets')" -ne 1 ]; then
    bad "$c" "the next capture: exit $rc, $(tr '\n' '|' < err.txt)"
  else
    ok "$c" "the next capture takes the lock, tunes and gets its block (exit 0, try $try): the device was left idle and unlocked"
  fi
  kill "$SIM_PID"
  wait "$SIM_PID" 2> /dev/null
else
  bad "$c" "wsa-sim did not start: $(cat sim.err)"
fi
fi

# ---------------------------------------------------------------------------
# 5. HTTP. Restarts, slow readers under both policies, cut links, Ctrl-C
#    and | head are in scripts/e2e/http.sh, scripts/e2e/netns.sh and
#    pkg/longpoll's tests. Added here: a wsa-pull killed with -9 mid-stream
#    under the block policy holds the server only until --client-timeout
#    (then a new reader gets the rest and the server ends); and wsa-pull's
#    own input: a server sending damaged answers (a packet cut, a size-0
#    header, garbage) after a good one.
if section 5; then
c="wsa-pull killed with -9, --policy block --client-timeout 1s"
if start_serve serve.addr --buffer 64k --client-timeout 1s iqbig.vrt 2> serve.err; then
  spid=$SERVE_PID
  pids+=("$spid")
  URL="http://$(cat serve.addr)"
  # Reader a writes into a pipe nobody reads: once the pipe is full it
  # stops asking, holding the 64 KiB buffer (and so the input). Then it
  # is killed; what it wrote is drained from the pipe.
  rm -f afifo && mkfifo afifo
  "$BIN/wsa-pull" -q --client-id a "$URL" > afifo 2> /dev/null &
  apid=$!
  pids+=("$apid")
  exec {rfd}< afifo
  sleep 1
  kill -9 "$apid"
  wait "$apid" 2> /dev/null
  cat <&$rfd > a.out
  exec {rfd}<&-
  # The buffer (64 KiB) is far smaller than the input: b gets the rest only
  # once the server forgot a.
  "$BIN/wsa-pull" -q --client-id b "$URL" > b.out 2> err.txt &
  bpid=$!
  pids+=("$bpid")
  wait_pid "$bpid" 60
  brc=$?
  wait_pid "$spid" 30
  src=$?
  if [ "$brc" -ne 0 ] || [ "$src" -ne 0 ]; then
    bad "$c" "second reader exit $brc ($(tr '\n' '|' < err.txt)), server exit $src"
  elif ! whole b.out || ! cmp -s b.out <(tail -c "$(size b.out)" iqbig.vrt); then
    bad "$c" "the second reader did not get the end of the stream, whole"
  else
    # What a had fetched but not yet written died with it: at most its two
    # answers in flight, each at most the 64 KiB buffer. The server kept
    # everything after what a had asked past.
    gap=$(($(size iqbig.vrt) - $(size a.out) - $(size b.out)))
    if [ "$gap" -lt 0 ] || [ "$gap" -gt $((2 * 65536)) ]; then
      bad "$c" "a wrote $(size a.out) bytes, b got the last $(size b.out) of $(size iqbig.vrt): $gap bytes between"
    else
      ok "$c" "the server forgot the killed reader after 1 s, went on and ended (exit 0); the next reader got the stream from where a's acknowledged cursor stood to the end ($(size b.out) bytes; the $gap bytes a had fetched but not written died with it)"
    fi
  fi
else
  bad "$c" "wsa-serve did not start"
fi

o10=$(offset iq.vrt 10)
head -c "$o10" iq.vrt > ans-good
tail -c +$((o10 + 1)) iq.vrt | head -c 100 > ans-truncated
printf '\x10\x00\x00\x00' > ans-size-0
ft garbage 9 4096 > ans-garbage
for d in truncated size-0 garbage; do
  c="wsa-pull input $d answer"
  rm -f fake.addr
  "$W/ftool" serve fake.addr ans-good ans-$d &
  fpid=$!
  pids+=("$fpid")
  wait_for 30 test -s fake.addr
  timeout 60 "$BIN/wsa-pull" -q --give-up 1s --retry-max 100ms "http://$(cat fake.addr)" > out.bin 2> err.txt
  rc=$?
  kill "$fpid"
  wait "$fpid" 2> /dev/null
  if [ "$rc" -ne 1 ] || [ "$(grep -c . err.txt)" -ne 1 ] || ! grep -q 'giving up after 1s without an answer: .*answer does not hold 1 whole packets' err.txt; then
    bad "$c" "exit $rc, stderr '$(tr '\n' '|' < err.txt)'"
  elif ! cmp -s out.bin ans-good; then
    bad "$c" "output ($(size out.bin) bytes) is not the good answer ($(size ans-good) bytes)"
  else
    ok "$c" "retried, then exit 1, '$(cut -c1-200 err.txt)', output = the 10 packets of the good answer"
  fi
done
fi

# ---------------------------------------------------------------------------
# 6. Clock jumps: 30 data packets whose timestamps jump back an hour at the
#    10th and forward a day (net) at the 21st. Nothing crashes, nothing is
#    dropped: one spectrum per packet with its own time through wsa-fft |
#    wsa-cal | wsa-plot (JSON rows in input order, times as stamped), a
#    waterfall drawn, serve/pull byte for byte, a real-time replay byte for
#    byte with the forward jump's pause capped by --max-gap; re-blocking
#    (--bins) never spans a jump.
if section 6; then
cap --sim --sim-seed 4 -q --stream --spp 1024 --packets 30 -o clk0.vrt
dump --json clk0.vrt > clk0.json
d9=$(grep '"type":"data"' clk0.json | sed -n '10s/.*"index":\([0-9]*\).*/\1/p')
d20=$(grep '"type":"data"' clk0.json | sed -n '21s/.*"index":\([0-9]*\).*/\1/p')
ft retime "$d9" -3600 "$d20" 90000 < clk0.vrt > clk.vrt
dump --json clk.vrt | grep '"type":"data"' | grep -o '"time":"[0-9T:-]*' | cut -c9- > want.times
c="clock jumps through wsa-fft | wsa-cal | wsa-plot --format json"
"$BIN/wsa-fft" < clk.vrt 2> e1 | "$BIN/wsa-cal" 2> e2 | "$BIN/wsa-plot" --format json > clk.jsonl 2> e3
rcs="${PIPESTATUS[*]}"
grep -o '"time":"[0-9T:-]*' clk.jsonl | cut -c9- > got.times
if [ "$rcs" != "0 0 0" ] || [ -s e1 ] || [ -s e2 ] || [ -s e3 ]; then
  bad "$c" "exits $rcs: $(cat e1 e2 e3 | tr '\n' '|')"
elif [ "$(sort -u want.times | wc -l)" -lt 3 ] || ! cmp -s want.times got.times; then
  bad "$c" "rows $(wc -l < got.times) with times not those of the 30 packets"
else
  ok "$c" "exit 0 everywhere, 30 rows in input order, each with its packet's time ($(head -1 got.times) … $(sed -n 10p got.times) … $(sed -n 21p got.times))"
fi
c="clock jumps through wsa-plot --waterfall"
"$BIN/wsa-fft" < clk.vrt | "$BIN/wsa-cal" | "$BIN/wsa-plot" --waterfall -o wf.png 2> err.txt
rc=$?
if [ "$rc" -ne 0 ] || [ -s err.txt ] || [ "$(head -c 4 wf.png | tail -c 3)" != PNG ]; then bad "$c" "exit $rc, $(cat err.txt)"; else ok "$c" "exit 0, a PNG, nothing on stderr"; fi
c="clock jumps through wsa-serve / wsa-pull"
if start_serve serve.addr clk.vrt 2> serve.err; then
  spid=$SERVE_PID
  timeout 60 "$BIN/wsa-pull" -q "http://$(cat serve.addr)" > out.bin 2> err.txt
  rc=$?
  wait_pid "$spid" 30
  src=$?
  if [ "$rc" -ne 0 ] || [ "$src" -ne 0 ] || ! cmp -s out.bin clk.vrt; then bad "$c" "exits $rc/$src, $(size out.bin) bytes"; else ok "$c" "exit 0, byte for byte"; fi
else
  bad "$c" "wsa-serve did not start"
fi
c="clock jumps through wsa-capture --replay --realtime --max-gap 200ms"
start=$(date +%s%N)
timeout 60 "$BIN/wsa-capture" -q --replay clk.vrt --realtime --max-gap 200ms -o rp.out 2> err.txt
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
if [ "$rc" -ne 0 ] || [ -s err.txt ] || ! cmp -s rp.out clk.vrt; then bad "$c" "exit $rc, $(cat err.txt), $(size rp.out) bytes"; else ok "$c" "exit 0, byte for byte, in $ms ms (a day's jump paused at most 200 ms)"; fi
c="clock jumps through wsa-fft --bins 2048"
n=$("$BIN/wsa-fft" --bins 2048 < clk.vrt | "$BIN/wsa-plot" --format csv 2> err.txt | wc -l)
# Segments of 9, 11 and 10 contiguous 1024-sample packets: 4 + 5 + 5 blocks.
if [ "$n" -ne 14 ]; then bad "$c" "$n spectra, want 14 (15 would mean a block across a jump)"; else ok "$c" "14 spectra: 4 + 5 + 5, no block across a jump"; fi
fi

if [ "$failures" -gt 0 ]; then
  echo "faults.sh: $failures case(s) FAILED" >&2
  exit 1
fi
echo "faults.sh: ok"
