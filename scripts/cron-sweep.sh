#!/usr/bin/env bash
# cron-sweep.sh: one unattended sweep, kept as a dated VRT file, a CSV line set
# (rtl_power format) and a PNG, with old files rotated away. Made for cron:
# quiet on success, a one-line reason on stderr and a non-zero exit when the
# device does not answer (so cron mails you), never two runs at once.
#
#   cron-sweep.sh [--dir DIR] [--band START:STOP] [--rbw HZ] [--keep-days N]
#                 [--timeout DUR] [--bin DIR] [-- EXTRA wsa-capture ARGS]
#
# The device is WSA_HOST (or --host/--sim given after --). Example crontab line,
# every 15 minutes, 2.4-2.5 GHz at 100 kHz RBW, files kept 7 days:
#
#   */15 * * * * WSA_HOST=192.168.1.50 /opt/wsa-tools/scripts/cron-sweep.sh --dir /var/lib/wsa --band 2.4G:2.5G
#
# Exit status: 0 ok; 1 capture failed (device down, lock refused, no data in
# --timeout); 2 bad arguments; 3 processing failed; 4 another run holds the lock.
set -uo pipefail

dir=./sweeps band=2.4G:2.5G rbw=100k keep=7 timeout=30s
bin=${WSA_BIN:-$(cd "$(dirname "$0")/.." && pwd)/bin}
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir=$2; shift 2 ;;
    --band) band=$2; shift 2 ;;
    --rbw) rbw=$2; shift 2 ;;
    --keep-days) keep=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "cron-sweep: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$keep" =~ ^[0-9]+$ ]] || { echo "cron-sweep: --keep-days must be a whole number of days" >&2; exit 2; }
for t in wsa-capture wsa-fft wsa-cal wsa-plot; do
  [ -x "$bin/$t" ] || { echo "cron-sweep: $bin/$t not found (build with scripts/build.sh or pass --bin)" >&2; exit 2; }
done
mkdir -p "$dir" || exit 2

# One run at a time: a slow sweep must not pile up behind cron.
exec 9>"$dir/.cron-sweep.lock"
flock -n 9 || { echo "cron-sweep: another run is still going (lock $dir/.cron-sweep.lock)" >&2; exit 4; }

stamp=$(date -u +%Y%m%dT%H%M%SZ)
base="$dir/sweep-$stamp"
log="$base.log"

# 1. Capture. Write to a temporary name so a failed run leaves no half file
#    that looks like data.
if ! "$bin/wsa-capture" --sweep "$band" --rbw "$rbw" --sweeps 1 --timeout "$timeout" "${extra[@]}" -o "$base.vrt.part" 2>"$log"; then
  echo "cron-sweep: capture failed: $(tail -n 1 "$log")" >&2
  rm -f "$base.vrt.part"
  exit 1
fi
mv "$base.vrt.part" "$base.vrt"

# 2. Spectrum, stitched and calibrated, as CSV and PNG.
if ! { "$bin/wsa-fft" < "$base.vrt" | "$bin/wsa-cal" --stitch > "$base.spec.part"; } 2>>"$log"; then
  echo "cron-sweep: processing failed: $(tail -n 1 "$log")" >&2
  rm -f "$base.spec.part"
  exit 3
fi
if ! "$bin/wsa-plot" --format csv < "$base.spec.part" > "$base.csv" 2>>"$log" ||
   ! "$bin/wsa-plot" -o "$base.png" < "$base.spec.part" 2>>"$log"; then
  echo "cron-sweep: plotting failed: $(tail -n 1 "$log")" >&2
  rm -f "$base.spec.part"
  exit 3
fi
rm -f "$base.spec.part"
[ -s "$log" ] || rm -f "$log"

# 3. Rotate: drop runs older than --keep-days.
find "$dir" -maxdepth 1 -name 'sweep-*' -type f -mtime +"$keep" -delete
exit 0
