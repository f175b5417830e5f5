#!/usr/bin/env bash
# pkg/vrt pass-through (Reader + Writer) vs io.Copy of the same bytes, both
# through a real OS pipe into /dev/null, one core, 1024-sample I14Q14 packets.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(GOMAXPROCS=1 go test -run XXX -bench 'PassThrough|IOCopy' -benchtime 20x -count 5 ./pkg/vrt)
echo "$out" | grep -E '^Benchmark' || true
echo "$out" | awk '
  /^BenchmarkPassThrough/ { for (i=1;i<=NF;i++) if ($(i+1)=="MB/s") pt[++np]=$i }
  /^BenchmarkIOCopy/      { for (i=1;i<=NF;i++) if ($(i+1)=="MB/s") cp[++nc]=$i }
  function med(a,n,  i,j,t){ for(i=1;i<=n;i++)for(j=i+1;j<=n;j++)if(a[j]<a[i]){t=a[i];a[i]=a[j];a[j]=t}; return a[int((n+1)/2)] }
  END { if (np && nc) printf "vrt pass-through: median %.0f MB/s vs io.Copy %.0f MB/s -> ratio %.2fx (goal >= 0.80x)\n", med(pt,np), med(cp,nc), med(pt,np)/med(cp,nc) }'
