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

// iqFile writes a block capture as the device sends it: contexts, then
// n I14Q14 data packets of 1024 samples.
func iqFile(t *testing.T, n int) string {
	t.Helper()
	var b []byte
	var err error
	ts := vrt.Timestamp{Int: 1764000000}
	for _, f := range []vrt.FieldValue{vrt.F(vrt.FieldRFFreq, 2.4e9), vrt.F(vrt.FieldBandwidth, 125e6), vrt.F(vrt.FieldRefLevel, -20)} {
		id := vrt.StreamDigitizer
		if f.Spec == vrt.FieldRFFreq {
			id = vrt.StreamReceiver
		}
		if b, err = vrt.AppendContext(b, vrt.ContextHeader{Type: vrt.TypeContext, StreamID: id, TSI: vrt.TSIUTC, TSF: vrt.TSFRealTime, Timestamp: ts}, f); err != nil {
			t.Fatal(err)
		}
	}
	i, q := make([]int16, 1024), make([]int16, 1024)
	for c := range n {
		for k := range i {
			i[k], q[k] = int16((k+c)%7*100), int16(k%5*-100)
		}
		p := vrt.Packet{Header: vrt.Header{Type: vrt.TypeSignal, Indicators: vrt.IndTrailer, TSI: vrt.TSIUTC, TSF: vrt.TSFRealTime, Count: uint8(c)},
			StreamID: vrt.StreamI14Q14, Timestamp: vrt.Timestamp{Int: ts.Int, Frac: uint64(c) * 1024 * 8000}, Payload: vrt.AppendIQ16(nil, i, q), Trailer: vrt.ThinkRFTrailer}
		if b, err = p.AppendTo(b); err != nil {
			t.Fatal(err)
		}
	}
	name := filepath.Join(t.TempDir(), "iq.vrt")
	if err := os.WriteFile(name, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

// TestPlayDiskFullKeepsWholePackets: play's stdout redirected to a file that
// cannot grow past a limit (a full disk behaves the same): exit 1 with one
// line, and the file holds exactly the whole packets that fitted. (Before
// the fix it ended with the first part of a packet.)
func TestPlayDiskFullKeepsWholePackets(t *testing.T) {
	dir := t.TempDir()
	rec := filepath.Join(dir, "rec")
	if r := clitest.Run(t, 0, iqFile(t, 40), "", "record", "-o", rec); r.Code != 0 {
		t.Fatalf("record: exit %d: %s", r.Code, r.Stderr)
	}
	ref := filepath.Join(dir, "ref.vrt")
	if r := clitest.Run(t, 0, "", ref, "play", rec); r.Code != 0 {
		t.Fatalf("unlimited play: exit %d: %s", r.Code, r.Stderr)
	}
	want, _ := os.ReadFile(ref)
	limit := int64(len(want)/2 + 1000)
	out := filepath.Join(dir, "out.vrt")
	r := clitest.Run(t, limit, "", out, "play", rec)
	got, _ := os.ReadFile(out)
	clitest.CheckDiskFull(t, "play > file", r, got, want, limit)
}
