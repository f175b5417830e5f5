#!/usr/bin/env bash
# Simulator speed: sample synthesis alone, and a stream from the simulator
# through TCP loopback into the pkg/wsa client, against the WSA4000's real
# rate (125 MS/s at decimation 1; 31.25 MS/s at decimation 4, the first
# decimated rate). Both sides share the machine's cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
gen=$(go test -run XXX -bench 'Generate' -benchtime 200x -count 5 ./pkg/wsa/sim)
str=$(go test -run XXX -bench 'Stream' -benchtime 200x -count 5 ./pkg/wsa)
echo "$gen" "$str" | grep -E '^Benchmark' || true
med() { awk '{ for (i=1;i<=NF;i++) if ($(i+1)=="MS/s") v[++n]=$i }
  END { for(i=1;i<=n;i++)for(j=i+1;j<=n;j++)if(v[j]<v[i]){t=v[i];v[i]=v[j];v[j]=t}; print v[int((n+1)/2)] }'; }
g=$(echo "$gen" | grep '^BenchmarkGenerate' | med)
s=$(echo "$str" | grep '^BenchmarkStream' | med)
awk -v g="$g" -v s="$s" 'BEGIN {
  printf "device sim: generator median %.1f MS/s vs WSA4000 real time 125 MS/s -> ratio %.2fx\n", g, g/125
  printf "device sim: loopback stream into the client median %.1f MS/s vs 125 MS/s -> ratio %.2fx; vs decimation-4 real time 31.25 MS/s -> ratio %.2fx (goal >= 1.00x)\n", s, s/125, s/31.25 }'
