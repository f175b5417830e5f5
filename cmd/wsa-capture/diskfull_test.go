//go:build unix

package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/wsatools/wsa/internal/cli/clitest"
	"github.com/wsatools/wsa/pkg/vrt"
)

func TestHelperProcess(t *testing.T) { clitest.Helper(t, main) }

// TestDiskFullKeepsWholePackets: an output file that cannot grow past a
// limit (a full disk behaves the same): exit 1 with one line, and the file
// holds exactly the whole packets that fitted, with -o and with stdout
// redirected to a file. (Before the fix it ended with the first part of a
// packet.) The packets come from --replay, which writes a recording byte
// for byte.
func TestDiskFullKeepsWholePackets(t *testing.T) {
	var want []byte
	i, q := make([]int16, 1024), make([]int16, 1024)
	for c := range 40 {
		for k := range i {
			i[k], q[k] = int16((k+c)%9*50), int16(k%4*-70)
		}
		p := vrt.Packet{Header: vrt.Header{Type: vrt.TypeSignal, Indicators: vrt.IndTrailer, TSI: vrt.TSIUTC, TSF: vrt.TSFRealTime, Count: uint8(c)},
			StreamID: vrt.StreamI14Q14, Timestamp: vrt.Timestamp{Int: 1764000000, Frac: uint64(c) * 8_192_000}, Payload: vrt.AppendIQ16(nil, i, q), Trailer: vrt.ThinkRFTrailer}
		var err error
		if want, err = p.AppendTo(want); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "in.vrt")
	if err := os.WriteFile(in, want, 0o644); err != nil {
		t.Fatal(err)
	}
	limit := int64(len(want)/2 + 1000)
	for _, viaStdout := range []bool{false, true} {
		out := filepath.Join(dir, "out.vrt")
		os.Remove(out)
		var r clitest.Result
		if viaStdout {
			r = clitest.Run(t, limit, "", out, "-q", "--replay", in)
		} else {
			r = clitest.Run(t, limit, "", "", "-q", "--replay", in, "-o", out)
		}
		got, _ := os.ReadFile(out)
		what := "-o"
		if viaStdout {
			what = "stdout"
		}
		clitest.CheckDiskFull(t, what, r, got, want, limit)
	}
}
