#!/usr/bin/env bash
# wsa-plot end to end: pictures, tables, errors, and (when wsa-fft and
# wsa-cal are built) the real pipeline from the simulator, checking that
# the tone's peak is drawn in the pixel column the plot's own geometry says.
set -euo pipefail
BIN=${BIN:?}
T=${TMPDIR:-/tmp}
cd "$(dirname "$0")/../.."
D=testdata/plot
fail() { echo "plot.sh: $*" >&2; exit 1; }
P="$BIN/wsa-plot"
[ -x "$P" ] || fail "$P not built"

# pngcol.py PNG GEOMETRY FREQ: prints the pixel column of the highest point
# of the first trace (blue) and the column the geometry gives for FREQ Hz.
# Standard-library Python only (zlib), so it runs anywhere python3 does.
cat > "$T/pngcol.py" <<'PY'
import json, struct, sys, zlib
png, geo, freq = sys.argv[1], json.load(open(sys.argv[2])), float(sys.argv[3])
b = open(png, 'rb').read()
assert b[:8] == b'\x89PNG\r\n\x1a\n'
pos, idat, w = 8, b'', 0
while pos < len(b):
    n, typ = struct.unpack('>I4s', b[pos:pos+8]); data = b[pos+8:pos+8+n]; pos += 12 + n
    if typ == b'IHDR':
        w, h, depth, ctype = struct.unpack('>IIBB', data[:10]); assert depth == 8 and ctype in (2, 6), (depth, ctype)
        bpp = 3 if ctype == 2 else 4
    elif typ == b'IDAT':
        idat += data
raw, stride, rows, prev = zlib.decompress(idat), w * bpp, [], bytearray(w * bpp)
for y in range(h):
    f, line = raw[y*(stride+1)], bytearray(raw[y*(stride+1)+1:(y+1)*(stride+1)])
    for i in range(stride):
        a = line[i-bpp] if i >= bpp else 0; up = prev[i]; c = prev[i-bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + up) & 255
        elif f == 3: line[i] = (line[i] + (a + up) // 2) & 255
        elif f == 4:
            p = a + up - c; pa, pb, pc = abs(p-a), abs(p-up), abs(p-c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else up if pb <= pc else c)) & 255
    rows.append(line); prev = line
def blue(x, y):  # the first trace's colour (0,114,178), anti-aliased at least half way
    r, g, bl = rows[y][x*bpp:x*bpp+3]
    al = [(255 - v) / (255 - c) for v, c in ((r, 0), (g, 114), (bl, 178))]
    return min(al) >= 0.5 and max(al) - min(al) < 0.25
d = geo['data']
for y in range(d['y0'], d['y1'] - 6):
    for x in range(d['x0'], d['x1']):
        if blue(x, y) and all(any(blue(x + dx, y + dy) for dx in (-1, 0, 1)) for dy in range(1, 6)):
            want = d['x0'] + (freq - geo['x_min_hz']) / (geo['x_max_hz'] - geo['x_min_hz']) * (d['x1'] - d['x0'])
            print(x, int(want)); sys.exit(0)
print(-1, -1)
PY

# 1. Pictures from a fixture (5 spectra, tone at 2.43 GHz, -30 dBm).
"$P" --peaks 2 -o "$T/line.png" --geometry "$T/line.json" < $D/tone.vrt || fail "line plot failed"
[ "$(head -c 4 "$T/line.png" | tail -c 3)" = PNG ] || fail "line.png is not a PNG"
"$P" -o "$T/line.svg" --trace live --trace max $D/tone.vrt
for s in 'Frequency (MHz)' 'Level (dBm)' 'centre 2.42 GHz' 'span 125 MHz' 'UTC' 'max hold of 5'; do
  grep -qF "$s" "$T/line.svg" || fail "SVG lacks '$s'"
done
"$P" --waterfall --ymin -110 --ymax -20 --colormap magma -o "$T/wf.png" --geometry "$T/wf.json" < $D/sweep.vrt
grep -q '"level_max": -20' "$T/wf.json" || fail "waterfall colour scale not -110..-20: $(cat "$T/wf.json")"
if command -v python3 >/dev/null; then
  # Tone bin: 2357.5 MHz + round((2430 - 2357.5) / 0.1220703125) bins.
  f=$(python3 -c 'print(2357.5e6 + round((2430e6-2357.5e6)/(125e6/1024))*(125e6/1024))')
  read -r got want < <(python3 "$T/pngcol.py" "$T/line.png" "$T/line.json" "$f")
  [ "$got" -ge $((want-1)) ] && [ "$got" -le $((want+1)) ] || fail "fixture: peak at column $got, geometry says $want"
else
  echo "plot.sh: python3 not found: pixel-column check of the fixture skipped" >&2
fi

# 2. Tables.
[ "$("$P" < $D/tone.vrt | wc -l)" -eq 5 ] || fail "CSV (default for a pipe) is not 5 rows"
row=$("$P" --format csv < $D/tone.vrt | head -1)
[ "$(awk -F', ' '{print NF}' <<<"$row")" -eq $((6+1024)) ] || fail "CSV row does not have 6 + 1024 fields"
[[ "$row" == "2026-03-04, 05:06:07, 2357500000, 2482500000, 122070.31, 1, "* ]] || fail "CSV row head: ${row:0:80}"
[ "$("$P" --format csv --once < $D/sweep.vrt | wc -l)" -eq 4 ] || fail "--once on a sweep is not one pass of 4 rows"
"$P" -o "$T/t.json" < $D/tone.vrt
[ "$(wc -l < "$T/t.json")" -eq 5 ] || fail "JSON is not one line per spectrum"
for k in time source start_hz stop_hz step_hz units rbw_hz bins; do
  grep -q "\"$k\":" "$T/t.json" || fail "JSON lacks $k"
done

# 3. Errors: raw I/Q, damage, usage, disk full.
set +e
"$P" -o "$T/iq.png" < $D/iq.vrt 2> "$T/err"; rc=$?
set -e
[ "$rc" -eq 1 ] && grep -q 'put wsa-fft in front' "$T/err" && [ "$(wc -l < "$T/err")" -eq 1 ] || fail "raw I/Q: exit $rc, $(cat "$T/err")"
[ ! -e "$T/iq.png" ] || fail "raw I/Q left a file"
head -c 20000 $D/tone.vrt > "$T/cut.vrt"
set +e
"$P" -o "$T/cut.png" < "$T/cut.vrt" 2> "$T/err"; rc=$?
set -e
[ "$rc" -eq 1 ] && grep -q 'packet [0-9]* at byte offset [0-9]*: truncated' "$T/err" || fail "truncated input: exit $rc, $(cat "$T/err")"
[ -s "$T/cut.png" ] || fail "truncated input: the good spectra were not drawn"
set +e
"$P" --waterfall --format csv < $D/tone.vrt 2>/dev/null; rc=$?
set -e
[ "$rc" -eq 2 ] || fail "--waterfall --format csv: exit $rc, want 2"
if [ -w /dev/full ]; then
  set +e
  "$P" --format csv -o /dev/full < $D/tone.vrt 2> "$T/err"; rc=$?
  set -e
  [ "$rc" -eq 1 ] && grep -q 'no space left' "$T/err" || fail "disk full: exit $rc, $(cat "$T/err")"
fi

# 4. The real pipeline, once wsa-fft and wsa-cal exist.
if [ -x "$BIN/wsa-fft" ] && [ -x "$BIN/wsa-cal" ] && [ -x "$BIN/wsa-capture" ]; then
  "$BIN/wsa-capture" --sim --freq 2.42G --sim-tone 2.43G:-30 --spp 16384 --blocks 1 -q > "$T/block.vrt"
  "$BIN/wsa-fft" < "$T/block.vrt" | "$BIN/wsa-cal" > "$T/spec.vrt"
  "$P" --once -o "$T/real.png" --geometry "$T/real.json" < "$T/spec.vrt"
  "$P" --once --format json < "$T/spec.vrt" > "$T/real.jsonl"
  if command -v python3 >/dev/null; then
    # The strongest bin of the spectrum, from the JSON of the same input.
    f=$(python3 -c 'import json,sys; o=json.loads(open(sys.argv[1]).readline()); b=o["bins"]; k=max(range(len(b)), key=lambda i: b[i] if b[i] is not None else -1e9); print(o["start_hz"]+k*o["step_hz"])' "$T/real.jsonl")
    read -r got want < <(python3 "$T/pngcol.py" "$T/real.png" "$T/real.json" "$f")
    [ "$got" -ge $((want-1)) ] && [ "$got" -le $((want+1)) ] || fail "pipeline: peak at column $got, geometry says $want (strongest bin $f Hz)"
    echo "plot.sh: pipeline peak at $f Hz drawn in column $got (geometry: $want)" >&2
  fi
else
  echo "plot.sh: wsa-fft/wsa-cal not built yet: skipping the wsa-capture --sim | wsa-fft | wsa-cal | wsa-plot check" >&2
fi
echo "plot.sh: ok"
