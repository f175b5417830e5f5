#!/usr/bin/env bash
# Helpers for the wsa-serve/wsa-pull scripts (scripts/e2e/http.sh and
# scripts/bench.d/http.sh): small stdlib-only Go programs, built on demand.
#   source scripts/e2e/http-tools.sh; http_tools DIR   -> DIR/gen DIR/vrtidx DIR/tcpcopy DIR/lat
# Run directly, it only checks that the tools build.
set -euo pipefail

http_tools() {
  local d=$1
  mkdir -p "$d/src"
  cat > "$d/src/gen.go" <<'EOF'
// gen writes -n VITA-49 signal data packets to stdout: stream -stream, payload
// = 8-byte index (from -first), 8-byte send time (Unix ns), filler; sizes
// vary unless -size (payload words) is given. -rate paces the packets
// (packets/s, flushing each); -delay waits before the first.
package main

import (
	"bufio"
	"encoding/binary"
	"flag"
	"os"
	"strconv"
	"time"
)

func main() {
	n := flag.Int("n", 1000, "packets")
	first := flag.Uint64("first", 0, "index of the first packet")
	size := flag.Int("size", 0, "payload words (0: varying 4..1027)")
	rate := flag.Float64("rate", 0, "packets per second (0: as fast as possible)")
	delay := flag.Duration("delay", 0, "wait before the first packet")
	sid := flag.String("stream", "0x90000003", "stream ID")
	flag.Parse()
	stream, err := strconv.ParseUint(*sid, 0, 32)
	if err != nil {
		panic(err)
	}
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	time.Sleep(*delay)
	start := time.Now()
	buf := make([]byte, 0, 1<<18)
	for i := 0; i < *n; i++ {
		words := *size
		if words <= 0 {
			words = 4 + (i*7919)%1024
		}
		words = max(words, 4)
		buf = buf[:0]
		buf = binary.BigEndian.AppendUint32(buf, 1<<28|uint32(i&15)<<16|uint32(2+words))
		buf = binary.BigEndian.AppendUint32(buf, uint32(stream))
		buf = binary.BigEndian.AppendUint64(buf, *first+uint64(i))
		if *rate > 0 {
			if d := time.Until(start.Add(time.Duration(float64(i) / *rate * 1e9))); d > 0 {
				time.Sleep(d)
			}
		}
		buf = binary.BigEndian.AppendUint64(buf, uint64(time.Now().UnixNano()))
		for len(buf) < 4*(2+words) {
			buf = append(buf, byte(i+len(buf)))
		}
		if _, err := w.Write(buf); err != nil {
			return
		}
		if *rate > 0 && w.Flush() != nil {
			return
		}
	}
	w.Flush()
}
EOF
  cat > "$d/src/vrtidx.go" <<'EOF'
// vrtidx prints "INDEX STREAMID" for every packet gen wrote, read from stdin;
// it fails on bytes that are not whole packets.
package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"os"
)

func main() {
	r := bufio.NewReaderSize(os.Stdin, 1<<20)
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	hdr := make([]byte, 4)
	body := make([]byte, 1<<18)
	for k := 0; ; k++ {
		if _, err := io.ReadFull(r, hdr); err == io.EOF {
			return
		} else if err != nil {
			fmt.Fprintf(os.Stderr, "vrtidx: packet %d: %v\n", k, err)
			os.Exit(1)
		}
		size := int(binary.BigEndian.Uint16(hdr[2:])) * 4
		if size < 20 {
			fmt.Fprintf(os.Stderr, "vrtidx: packet %d: size %d\n", k, size)
			os.Exit(1)
		}
		if _, err := io.ReadFull(r, body[:size-4]); err != nil {
			fmt.Fprintf(os.Stderr, "vrtidx: packet %d cut: %v\n", k, err)
			os.Exit(1)
		}
		fmt.Fprintf(w, "%d 0x%08x\n", binary.BigEndian.Uint64(body[4:12]), binary.BigEndian.Uint32(body[0:4]))
	}
}
EOF
  cat > "$d/src/tcpcopy.go" <<'EOF'
// tcpcopy is the baseline of the HTTP benchmark: "recv ADDRFILE" listens on
// loopback, writes its address to ADDRFILE and copies the one connection it
// accepts to stdout; "send ADDR" copies stdin to ADDR. 1 MiB buffers.
package main

import (
	"io"
	"net"
	"os"
)

func main() {
	buf := make([]byte, 1<<20)
	switch os.Args[1] {
	case "recv":
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			panic(err)
		}
		os.WriteFile(os.Args[2]+".tmp", []byte(ln.Addr().String()), 0o644)
		os.Rename(os.Args[2]+".tmp", os.Args[2])
		c, err := ln.Accept()
		if err != nil {
			panic(err)
		}
		io.CopyBuffer(os.Stdout, struct{ io.Reader }{c}, buf)
	case "send":
		c, err := net.Dial("tcp", os.Args[2])
		if err != nil {
			panic(err)
		}
		io.CopyBuffer(struct{ io.Writer }{c}, struct{ io.Reader }{os.Stdin}, buf)
		c.Close()
	}
}
EOF
  cat > "$d/src/lat.go" <<'EOF'
// lat reads gen -rate packets from stdin and prints "COUNT MEDIAN_US P99_US
// MAX_US" of the delay from each packet's send time to its arrival here.
package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"sort"
	"time"
)

func main() {
	r := bufio.NewReaderSize(os.Stdin, 1<<20)
	var d []time.Duration
	hdr := make([]byte, 4)
	body := make([]byte, 1<<18)
	for {
		if _, err := io.ReadFull(r, hdr); err != nil {
			break
		}
		size := int(binary.BigEndian.Uint16(hdr[2:])) * 4
		if _, err := io.ReadFull(r, body[:size-4]); err != nil {
			break
		}
		d = append(d, time.Duration(time.Now().UnixNano()-int64(binary.BigEndian.Uint64(body[12:20]))))
	}
	if len(d) == 0 {
		fmt.Println("0 0 0 0")
		os.Exit(1)
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	fmt.Println(len(d), d[len(d)/2].Microseconds(), d[len(d)*99/100].Microseconds(), d[len(d)-1].Microseconds())
}
EOF
  local t
  for t in gen vrtidx tcpcopy lat; do
    (cd "$d/src" && GOFLAGS= GO111MODULE=on go build -o "$d/$t" "$t.go")
  done
}

# start_serve ADDRFILE ARGS... : start wsa-serve in the background (stdin as
# given by the caller's redirection), wait for its address; sets SERVE_PID.
start_serve() {
  local af=$1; shift
  rm -f "$af"
  # <&0: a background command would otherwise get /dev/null as stdin.
  "$BIN/wsa-serve" -q --listen 127.0.0.1:0 --addr-file "$af" "$@" <&0 &
  SERVE_PID=$!
  local i
  for i in $(seq 1 500); do
    [ -s "$af" ] && return 0
    kill -0 "$SERVE_PID" 2>/dev/null || return 1
    sleep 0.02
  done
  return 1
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  d=$(mktemp -d)
  http_tools "$d"
  rm -rf "$d"
  echo "http-tools.sh: tools build"
fi
