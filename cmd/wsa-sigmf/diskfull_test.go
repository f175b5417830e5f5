//go:build unix

package main

import (
	"crypto/sha512"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsatools/wsa/internal/cli/clitest"
	"github.com/wsatools/wsa/pkg/sigmf"
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

// TestRecordDiskFullStillOpens: a recording whose data file hits a full
// disk (a file size limit here) ends with exit 1 and one line, and is still
// a valid recording of the samples that fit: the meta is written, its
// core:sha512 matches the data file, which holds whole samples, and it plays.
func TestRecordDiskFullStillOpens(t *testing.T) {
	dir := t.TempDir()
	rec := filepath.Join(dir, "rec")
	const limit = 60001 // not a whole sample: the cut must round down
	r := clitest.Run(t, limit, iqFile(t, 40), "", "record", "-o", rec)
	if r.Code != 1 || strings.Count(strings.TrimSpace(r.Stderr), "\n") != 0 {
		t.Fatalf("exit %d, stderr %q: want 1 and one line", r.Code, r.Stderr)
	}
	data, err := os.ReadFile(rec + ".sigmf-data")
	if err != nil {
		t.Fatal(err)
	}
	if len(data) == 0 || len(data)%4 != 0 || len(data) > limit {
		t.Fatalf("data file of %d bytes: want whole samples, at most %d bytes", len(data), limit)
	}
	meta, err := os.ReadFile(rec + ".sigmf-meta")
	if err != nil {
		t.Fatalf("no meta after a full disk: %v", err)
	}
	if err := sigmf.Validate(meta); err != nil {
		t.Fatal(err)
	}
	d, err := sigmf.Open(rec)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Verify(); err != nil {
		t.Fatalf("the salvaged recording does not verify: %v", err)
	}
	sum := sha512.Sum512(data)
	if d.Meta.Global.SHA512 != hex.EncodeToString(sum[:]) {
		t.Fatal("core:sha512 is not the data file's")
	}
	var played int
	if err := d.Play(0, func(pkt []byte) error {
		var p vrt.Packet
		if err := p.Decode(pkt); err == nil && p.Type.IsData() {
			played += len(p.Payload)
		}
		return nil
	}); err != nil || played != len(data) {
		t.Fatalf("played %d sample bytes of %d (%v)", played, len(data), err)
	}
}
