#!/usr/bin/env bash
# wsa-serve / wsa-pull end to end, as processes over loopback: byte-exact
# delivery and EOF, a killed and restarted server (exact gap), slow readers
# under both policies, a two-server merge, tokens, TLS, broken pipes,
# signals and usage errors.
set -euo pipefail
BIN=${BIN:?}
T=${TMPDIR:-/tmp}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/e2e/http-tools.sh
source "$here/http-tools.sh"
fail() { echo "http.sh: $*" >&2; [ -f "$T/pull.err" ] && sed 's/^/  pull: /' "$T/pull.err" >&2; exit 1; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
# wait_for DESCRIPTION COMMAND...: poll until COMMAND succeeds (a safety
# bound of 60 s, never a measurement).
wait_for() {
  local what=$1 i; shift
  for i in $(seq 1 3000); do "$@" && return 0; sleep 0.02; done
  fail "timed out waiting for $what"
}
size() { stat -c %s "$1" 2>/dev/null || echo 0; }
size_is() { [ "$(size "$1")" -eq "$2" ]; }
have_curl() { command -v curl >/dev/null 2>&1; }

http_tools "$T/tools"
G=$T/tools

# 1. A long stream, byte for byte, through a pipe and a small lossless
#    buffer; both ends exit 0 once the input ended and was read (EOF).
"$G/gen" -n 30000 > "$T/in.vrt"
start_serve "$T/addr" --buffer 1M < <(cat "$T/in.vrt") || fail "wsa-serve did not start"
spid=$SERVE_PID; pids+=("$spid")
"$BIN/wsa-pull" "http://$(cat "$T/addr")" > "$T/out.vrt" 2> "$T/pull.err" || fail "wsa-pull exit $?"
wait "$spid" || fail "wsa-serve exit $? after its input ended and was read"
cmp -s "$T/in.vrt" "$T/out.vrt" || fail "output differs from input"
[ "$(sha256sum < "$T/in.vrt")" = "$(sha256sum < "$T/out.vrt")" ] || fail "hash differs"

# 2. Tokens: missing or wrong is refused at once (exit 1, 401); right one works.
printf 's3cret\n' > "$T/token"
start_serve "$T/addr" --token-file "$T/token" "$T/in.vrt" || fail "wsa-serve --token-file did not start"
spid=$SERVE_PID; pids+=("$spid")
u="http://$(cat "$T/addr")"
set +e
"$BIN/wsa-pull" "$u" > /dev/null 2> "$T/pull.err"; rc=$?
WSA_TOKEN=wrong "$BIN/wsa-pull" "$u" > /dev/null 2>> "$T/pull.err"; rc2=$?
set -e
[ "$rc" -eq 1 ] && [ "$rc2" -eq 1 ] || fail "no/wrong token: exit $rc/$rc2, want 1"
grep -q '401' "$T/pull.err" || fail "wrong token not reported as 401"
if have_curl; then
  code=$(curl -s -o /dev/null -w '%{http_code}' "$u/status")
  [ "$code" = 401 ] || fail "/status without token: $code"
  curl -sf -H 'Authorization: Bearer s3cret' "$u/status" | grep -q '"end_seq": 30000' || fail "/status with token"
  curl -sf -H 'Authorization: Bearer s3cret' "$u/metrics" | grep -q '^wsa_serve_input_packets_total 30000$' || fail "/metrics"
  code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer s3cret' "$u/stream?wait=99s")
  [ "$code" = 400 ] || fail "wait=99s: $code, want 400"
fi
WSA_TOKEN=s3cret "$BIN/wsa-pull" "$u" 2> "$T/pull.err" | cmp -s - "$T/in.vrt" || fail "right token: output differs"
wait "$spid" || fail "token server exit $?"

# 3. Kill -9 the server; a new one (fresh buffer, same port, drop policy,
#    already past its first packets) takes over. The client reports the
#    exact number of packets of the new server it missed, and its output is
#    the old packets then the new ones from where the new buffer starts.
"$G/gen" -n 300 -size 250 -first 1000 > "$T/b.vrt"
start_serve "$T/addr" < <("$G/gen" -n 200 -size 250; exec sleep 120) || fail "first server did not start"
spid=$SERVE_PID; pids+=("$spid")
addr=$(cat "$T/addr")
"$BIN/wsa-pull" --retry-max 200ms "http://$addr" > "$T/out.vrt" 2> "$T/pull.err" &
ppid=$!; pids+=("$ppid")
wait_for "the client to read the first server" size_is "$T/out.vrt" $((200 * 1008))
kill -9 "$spid"; wait "$spid" 2>/dev/null || true
rm -f "$T/addr"
"$BIN/wsa-serve" -q --listen "$addr" --policy drop --buffer 64k "$T/b.vrt" &
spid=$!; pids+=("$spid")
wait "$ppid" || fail "wsa-pull exit $? after the restart"
wait "$spid" || fail "second server exit $?"
"$G/vrtidx" < "$T/out.vrt" > "$T/idx" || fail "output is not whole packets"
old=$(awk '$1 < 1000' "$T/idx" | wc -l)
first_new=$(awk '$1 >= 1000 { print $1; exit }' "$T/idx")
new=$(awk '$1 >= 1000' "$T/idx" | wc -l)
[ "$old" -eq 200 ] || fail "$old old packets, want 200"
[ "$new" -eq $((1300 - first_new)) ] || fail "new packets not contiguous from $first_new"
awk 'NR>1 && $1 != p+1 && !(p==199 && $1>=1000) { bad=1 } { p=$1 } END { exit bad }' "$T/idx" || fail "packets out of order or repeated"
lost=$((first_new - 1000))
grep -q 'server restarted' "$T/pull.err" || fail "restart not reported"
if [ "$lost" -gt 0 ]; then
  grep -q "lost $lost packets (seq 0-$((lost - 1)) of instance" "$T/pull.err" || fail "gap of $lost packets not reported exactly"
  grep -q "summary:.*$lost packets lost" "$T/pull.err" || fail "summary lacks the $lost lost packets"
else
  grep -q 'lost [1-9]' "$T/pull.err" && fail "a gap reported though nothing of the new server was lost"
fi

# 4. Slow reader, block policy: the producer waits, nothing is lost.
"$G/gen" -n 3000 > "$T/in2.vrt"
start_serve "$T/addr" --buffer 64k "$T/in2.vrt" || fail "block server did not start"
spid=$SERVE_PID; pids+=("$spid")
u="http://$(cat "$T/addr")"
"$BIN/wsa-pull" --max-bytes 64k "$u" 2> "$T/pull.err" | { sleep 1; cat; } > "$T/out.vrt" || fail "slow block pull failed"
wait "$spid" || fail "block server exit $?"
cmp -s "$T/in2.vrt" "$T/out.vrt" || fail "block: slow reader lost packets"

# 5. Slow reader, drop policy: a reader that comes after the buffer moved on
#    is told exactly how much it lost; with --fail-on-gap that is exit 3.
#    (A reader that leaves ends a server whose input has ended, as a pipe
#    does: each check gets its own server.)
drop_server() {
  start_serve "$T/addr" --policy drop --buffer 64k "$T/in2.vrt" || fail "drop server did not start"
  spid=$SERVE_PID; pids+=("$spid")
  u="http://$(cat "$T/addr")"
  if have_curl; then
    wait_for "the input to end" sh -c "curl -sf '$u/status' | grep -q '\"eof\": true'"
  else
    sleep 1
  fi
}
drop_server
set +e
"$BIN/wsa-pull" --fail-on-gap --from 0 "$u" > /dev/null 2> "$T/pull.err"; rc=$?
set -e
[ "$rc" -eq 3 ] || fail "--fail-on-gap exit $rc, want 3"
wait "$spid" || fail "drop server exit $? after its reader left"
drop_server
"$BIN/wsa-pull" --from 0 "$u" > "$T/out.vrt" 2> "$T/pull.err" || fail "drop pull exit $?"
wait "$spid" || fail "drop server exit $?"
got=$("$G/vrtidx" < "$T/out.vrt" | wc -l)
lost=$(sed -n 's/.*: lost \([0-9]*\) packets (seq 0-.*/\1/p' "$T/pull.err")
[ -n "$lost" ] || fail "drop: no gap reported"
[ $((got + lost)) -eq 3000 ] || fail "drop: $got received + $lost reported lost != 3000"
first=$("$G/vrtidx" < "$T/out.vrt" | awk 'NR==1 { print $1 }')
[ "$first" -eq "$lost" ] || fail "drop: output starts at $first, $lost reported lost"

# 6. Two servers, both sending spectrum stream 0x57530003: merged, each
#    source keeps its own stream ID, every packet whole.
"$G/gen" -n 500 -stream 0x57530003 > "$T/a.vrt"
"$G/gen" -n 700 -stream 0x57530003 -first 5000 > "$T/c.vrt"
start_serve "$T/addr1" "$T/a.vrt" || fail "server A"; p1=$SERVE_PID; pids+=("$p1")
start_serve "$T/addr2" "$T/c.vrt" || fail "server B"; p2=$SERVE_PID; pids+=("$p2")
"$BIN/wsa-pull" "$(cat "$T/addr1")" "http://$(cat "$T/addr2")" > "$T/merged.vrt" 2> "$T/pull.err" || fail "merge pull exit $?"
wait "$p1" && wait "$p2" || fail "merge servers exit"
"$G/vrtidx" < "$T/merged.vrt" > "$T/idx" || fail "merged output is not whole packets"
[ "$(awk '$2 == "0x57530103" && $1 < 5000' "$T/idx" | wc -l)" -eq 500 ] || fail "source 1 not tagged 0x57530103"
[ "$(awk '$2 == "0x57530203" && $1 >= 5000' "$T/idx" | wc -l)" -eq 700 ] || fail "source 2 not tagged 0x57530203"
"$BIN/wsa-dump" --summary "$T/merged.vrt" | grep -q 'stream 0x57530203: 700 packets' || fail "wsa-dump does not see two streams"

# 7. TLS with a self-signed certificate: refused unless trusted (--ca) or --insecure.
if command -v openssl >/dev/null 2>&1; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$T/key.pem" -out "$T/cert.pem" 2>/dev/null
  start_serve "$T/addr" --tls-cert "$T/cert.pem" --tls-key "$T/key.pem" "$T/in2.vrt" || fail "TLS server"
  spid=$SERVE_PID; pids+=("$spid")
  u="https://$(cat "$T/addr")"
  set +e
  "$BIN/wsa-pull" --give-up 1s "$u" > /dev/null 2> "$T/pull.err"; rc=$?
  set -e
  [ "$rc" -eq 1 ] && grep -q certificate "$T/pull.err" || fail "untrusted certificate accepted (exit $rc)"
  "$BIN/wsa-pull" --count 10 --insecure "$u" > /dev/null 2> "$T/pull.err" || fail "--insecure"
  wait "$spid" || fail "TLS server exit $? after its reader took 10 packets and left"
  start_serve "$T/addr" --tls-cert "$T/cert.pem" --tls-key "$T/key.pem" "$T/in2.vrt" || fail "TLS server"
  spid=$SERVE_PID; pids+=("$spid")
  u="https://$(cat "$T/addr")"
  "$BIN/wsa-pull" --ca "$T/cert.pem" "$u" 2> "$T/pull.err" | cmp -s - "$T/in2.vrt" || fail "TLS output differs"
  wait "$spid" || fail "TLS server exit $?"
fi

# 8. The reader goes away (| head): wsa-pull exits 0 and leaves, so the
#    server (whose input has ended) exits 0 too.
start_serve "$T/addr" "$T/in.vrt" || fail "server for the broken pipe"
spid=$SERVE_PID; pids+=("$spid")
"$BIN/wsa-pull" "http://$(cat "$T/addr")" 2> "$T/pull.err" | head -c 1000 > /dev/null
rc=${PIPESTATUS[0]}
[ "$rc" -eq 0 ] || fail "wsa-pull into a closed pipe: exit $rc"
wait "$spid" || fail "server exit $? after its only reader left"

# 9. Ctrl-C: a waiting wsa-pull and a waiting wsa-serve exit 130.
start_serve "$T/addr" < <(exec sleep 120) || fail "idle server"
spid=$SERVE_PID; pids+=("$spid")
"$BIN/wsa-pull" "http://$(cat "$T/addr")" > /dev/null 2> "$T/pull.err" &
ppid=$!; pids+=("$ppid")
if have_curl; then
  wait_for "the client to wait" sh -c "curl -sf 'http://$(cat "$T/addr")/status' | grep -q '\"waiting\": true'"
else
  sleep 1
fi
kill -INT "$ppid"
set +e; wait "$ppid"; rc=$?; set -e
[ "$rc" -eq 130 ] || fail "wsa-pull after Ctrl-C: exit $rc, want 130"
kill -INT "$spid"
set +e; wait "$spid"; rc=$?; set -e
[ "$rc" -eq 130 ] || fail "wsa-serve after Ctrl-C: exit $rc, want 130"

# 10. Two devices, one plot: each simulated device has its own tone and its
#     own chain (capture | fft | serve); one wsa-pull merges both servers into
#     wsa-cal | wsa-plot, which keeps the sources apart: two sources in the
#     JSON, each with its own tone at the right frequency, and both named in
#     the SVG legend.
start_serve "$T/addrA" < <("$BIN/wsa-capture" -q --sim --sim-tone 2.412G:-30 --freq 2.42G --spp 4096 --blocks 5 | "$BIN/wsa-fft" --source dev-a) || fail "server A (device a)"
pa=$SERVE_PID; pids+=("$pa")
start_serve "$T/addrB" < <("$BIN/wsa-capture" -q --sim --sim-tone 2.430G:-40 --freq 2.42G --spp 4096 --blocks 7 | "$BIN/wsa-fft" --source dev-b) || fail "server B (device b)"
pb=$SERVE_PID; pids+=("$pb")
"$BIN/wsa-pull" "http://$(cat "$T/addrA")" "http://$(cat "$T/addrB")" 2> "$T/pull.err" | "$BIN/wsa-cal" | tee "$T/merged-spectra.vrt" \
  | "$BIN/wsa-plot" --format json > "$T/merged.jsonl" || fail "two-device merge into wsa-plot failed"
wait "$pa" && wait "$pb" || fail "device servers exit"
[ "$(grep -c '"source":"dev-a"' "$T/merged.jsonl")" -eq 5 ] || fail "device a: not 5 spectra in the merged plot data"
[ "$(grep -c '"source":"dev-b"' "$T/merged.jsonl")" -eq 7 ] || fail "device b: not 7 spectra in the merged plot data"
# The strongest bin of each source's spectra is its own tone, at its level.
peak_of() { # SOURCE -> "FREQ LEVEL" of the strongest bin of its first spectrum
  grep -m1 "\"source\":\"$1\"" "$T/merged.jsonl" | tr -d '{}[]"' | tr ',' '\n' | awk -F: '
    $1 == "start_hz" { s = $2 } $1 == "step_hz" { d = $2 }
    $1 == "bins" { inb = 1; k = 0; v = $2 + 0; if (v > m || m == "") { m = v; at = 0 }; k = 1; next }
    inb && /^-?[0-9.e+-]+$/ { if ($1 + 0 > m) { m = $1 + 0; at = k }; k++ }
    END { printf "%.0f %.1f\n", s + at * d, m }'
}
read -r fa la < <(peak_of dev-a)
read -r fb lb < <(peak_of dev-b)
awk -v f="$fa" -v l="$la" 'BEGIN { exit !(f > 2.4119e9 && f < 2.4121e9 && l > -31.5 && l < -29) }' || fail "device a: peak $fa Hz $la dBm, want 2.412 GHz -30 dBm"
awk -v f="$fb" -v l="$lb" 'BEGIN { exit !(f > 2.4299e9 && f < 2.4301e9 && l > -41.5 && l < -39) }' || fail "device b: peak $fb Hz $lb dBm, want 2.430 GHz -40 dBm"
"$BIN/wsa-plot" -o "$T/merged.svg" < "$T/merged-spectra.vrt" || fail "merged SVG"
grep -q 'dev-a' "$T/merged.svg" && grep -q 'dev-b' "$T/merged.svg" || fail "the merged plot's legend does not name both devices"

# 11. Usage errors: one line, exit 2.
for args in "wsa-pull" "wsa-pull --from yesterday http://x" "wsa-pull ftp://x" "wsa-serve --policy maybe" "wsa-serve --buffer 1k"; do
  set +e
  lines=$($BIN/$args < /dev/null 2>&1 >/dev/null | wc -l); $BIN/$args < /dev/null > /dev/null 2>&1; rc=$?
  set -e
  [ "$rc" -eq 2 ] && [ "$lines" -eq 1 ] || fail "'$args': exit $rc with $lines lines, want 2 with 1"
done
echo "http.sh: ok"
