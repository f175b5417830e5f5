package main

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsatools/wsa/internal/cli"
	"github.com/wsatools/wsa/pkg/sigmf"
	"github.com/wsatools/wsa/pkg/vrt"
)

// runArgs runs the command in-process, quietly, with exactly args.
func runArgs(t *testing.T, args ...string) error {
	t.Helper()
	return command().Run(context.Background(), append(append([]string{"wsa-capture"}, args...), "-q"))
}

// record makes a simulator capture in dir/name and returns its bytes.
func record(t *testing.T, dir, name string, args ...string) []byte {
	t.Helper()
	out := filepath.Join(dir, name)
	if err := runArgs(t, append(args, "-o", out)...); err != nil {
		t.Fatalf("recording %s: %v", name, err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// packets decodes a bare or VRL stream into copies of its packets.
func packets(t *testing.T, b []byte) []vrt.Packet {
	t.Helper()
	r := vrt.NewReader(bytes.NewReader(b), vrt.ReaderOptions{})
	var ps []vrt.Packet
	for {
		p, err := r.Next()
		if err == io.EOF {
			return ps
		}
		if err != nil {
			t.Fatalf("not clean VRT: %v", err)
		}
		var c vrt.Packet
		if err := c.Decode(append([]byte(nil), p.Raw...)); err != nil {
			t.Fatal(err)
		}
		ps = append(ps, c)
	}
}

// bare is the bare-VRT form of a stream (VRL frames removed).
func bare(t *testing.T, b []byte) []byte {
	t.Helper()
	var out []byte
	for _, p := range packets(t, b) {
		out = append(out, p.Raw...)
	}
	return out
}

// payloads is every data packet's samples, concatenated.
func payloads(ps []vrt.Packet) []byte {
	var out []byte
	for _, p := range ps {
		if p.Type.IsData() {
			out = append(out, p.Payload...)
		}
	}
	return out
}

func exitCode(err error) int {
	var ee *cli.ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	if err != nil {
		return -1
	}
	return 0
}

// TestReplayIsTheRecording: a replayed capture is the recording byte for
// byte; a VRL recording (made directly or by replaying into --vrl) replays
// as its bare packets.
func TestReplayIsTheRecording(t *testing.T) {
	dir := t.TempDir()
	rec := record(t, dir, "rec.vrt", "--sim", "--blocks", "3", "--spp", "1024", "--decimation", "8")
	vrl := record(t, dir, "sim.vrl", "--sim", "--blocks", "2", "--spp", "512", "--vrl")
	if !bytes.HasPrefix(vrl, []byte("VRLP")) {
		t.Fatal("--vrl output is not VRL framed")
	}
	cases := []struct {
		name  string
		args  []string
		want  []byte
		isVRL bool
	}{
		{"vrt", []string{"--replay", filepath.Join(dir, "rec.vrt")}, rec, false},
		{"vrl recording", []string{"--replay", filepath.Join(dir, "sim.vrl")}, bare(t, vrl), false},
		{"into vrl", []string{"--replay", filepath.Join(dir, "rec.vrt"), "--vrl"}, nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			if err := runArgs(t, append(tc.args, "-o", out)...); err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(out)
			if tc.isVRL {
				if !bytes.HasPrefix(got, []byte("VRLP")) || bytes.Equal(got, rec) {
					t.Fatal("--vrl replay is not VRL framed")
				}
				// And that VRL file replays to the original bytes.
				again := filepath.Join(t.TempDir(), "again")
				if err := runArgs(t, "--replay", out, "-o", again); err != nil {
					t.Fatal(err)
				}
				got, _ = os.ReadFile(again)
				tc.want = rec
			}
			if !bytes.Equal(got, tc.want) {
				t.Fatalf("replay wrote %d bytes, recording has %d; equal: false", len(got), len(tc.want))
			}
		})
	}
}

// TestReplayLoop: --loop 3 is three times the packets as one continuous
// capture: every stream's count continues without a gap, data time
// strictly increases (block captures too), samples repeat unchanged and
// the first pass is the recording.
func TestReplayLoop(t *testing.T) {
	dir := t.TempDir()
	rec := record(t, dir, "rec.vrt", "--sim", "--blocks", "4", "--spp", "256", "--ppb", "1")
	orig := packets(t, rec)
	out := filepath.Join(dir, "loop.vrt")
	if err := runArgs(t, "--replay", filepath.Join(dir, "rec.vrt"), "--loop", "3", "-o", out); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	if !bytes.HasPrefix(b, rec) {
		t.Fatal("the first pass is not the recording")
	}
	got := packets(t, b)
	if len(got) != 3*len(orig) {
		t.Fatalf("%d packets, want 3 × %d", len(got), len(orig))
	}
	type key struct {
		id  uint32
		typ vrt.PacketType
	}
	count := map[key]int{}
	var last vrt.Timestamp
	data := 0
	for i, p := range got {
		k := key{p.StreamID, p.Type}
		if c, ok := count[k]; ok && int(p.Count) != (c+1)&15 {
			t.Fatalf("packet %d (stream 0x%08x): count %d after %d", i, p.StreamID, p.Count, c)
		}
		count[k] = int(p.Count)
		o := orig[i%len(orig)]
		if p.Type != o.Type || p.StreamID != o.StreamID || !bytes.Equal(p.Payload, o.Payload) {
			t.Fatalf("packet %d differs from recorded packet %d beyond count and time", i, i%len(orig))
		}
		if p.Type.IsData() {
			data++
			if data > 1 && (p.Timestamp.Int < last.Int || p.Timestamp.Int == last.Int && p.Timestamp.Frac <= last.Frac) {
				t.Fatalf("data packet %d at %v does not follow %v", data, p.Timestamp, last)
			}
			last = p.Timestamp
		}
	}
	if data != 3*4 {
		t.Fatalf("%d data packets, want 12", data)
	}
	// A pass starts where the last block's samples (256 at 125 MS/s) end.
	var times []vrt.Timestamp
	for _, p := range got {
		if p.Type.IsData() {
			times = append(times, p.Timestamp)
		}
	}
	ps := func(a, b vrt.Timestamp) int64 {
		return (int64(b.Int)-int64(a.Int))*1e12 + int64(b.Frac) - int64(a.Frac)
	}
	want := ps(times[0], times[3]) + 256*8000
	for k := 4; k < len(times); k++ {
		if d := ps(times[k-4], times[k]); d != want {
			t.Fatalf("data packet %d is %d ps after its original, want %d", k, d, want)
		}
	}
}

// TestReplayRealtime is a smoke check of the paced path through the
// command (the pacing itself is tested against a fake clock in
// pkg/replay): the output is still the recording.
func TestReplayRealtime(t *testing.T) {
	dir := t.TempDir()
	rec := record(t, dir, "rec.vrt", "--sim", "--packets", "8", "--spp", "1024")
	out := filepath.Join(dir, "rt.vrt")
	if err := runArgs(t, "--replay", filepath.Join(dir, "rec.vrt"), "--realtime", "--speed", "4", "--max-gap", "10ms", "-o", out); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(out); !bytes.Equal(got, rec) {
		t.Fatal("paced replay differs from the recording")
	}
}

// withStdin runs f with os.Stdin reading b.
func withStdin(t *testing.T, b []byte, f func()) {
	t.Helper()
	name := filepath.Join(t.TempDir(), "stdin")
	if err := os.WriteFile(name, b, 0o644); err != nil {
		t.Fatal(err)
	}
	in, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	saved := os.Stdin
	os.Stdin = in
	defer func() { os.Stdin = saved }()
	f()
}

// TestReplayStdin: "-" plays stdin once; looping a pipe is a usage error
// before anything is read or written.
func TestReplayStdin(t *testing.T) {
	dir := t.TempDir()
	rec := record(t, dir, "rec.vrt", "--sim", "--blocks", "2", "--spp", "512")
	out := filepath.Join(dir, "out.vrt")
	withStdin(t, rec, func() {
		if err := runArgs(t, "--replay", "-", "-o", out); err != nil {
			t.Fatal(err)
		}
	})
	if got, _ := os.ReadFile(out); !bytes.Equal(got, rec) {
		t.Fatal("stdin replay differs from the recording")
	}
	for _, loop := range []string{"2", "0"} {
		os.Remove(out)
		withStdin(t, rec, func() {
			err := runArgs(t, "--replay", "-", "--loop", loop, "-o", out)
			if exitCode(err) != cli.ExitUsage || !strings.Contains(err.Error(), "stdin") {
				t.Fatalf("--loop %s on stdin: %v, want a usage error naming stdin", loop, err)
			}
		})
		if _, err := os.Stat(out); err == nil {
			t.Fatal("a refused replay created its output")
		}
	}
}

// TestReplayDamaged: a recording cut inside a packet fails with exit 1,
// naming the packet index and byte offset, after writing every packet
// before it.
func TestReplayDamaged(t *testing.T) {
	dir := t.TempDir()
	rec := record(t, dir, "rec.vrt", "--sim", "--blocks", "3", "--spp", "1024")
	ps := packets(t, rec)
	// Cut the last data packet in half.
	lastOff := len(rec) - len(ps[len(ps)-1].Raw)
	cut := rec[:lastOff+len(ps[len(ps)-1].Raw)/2]
	name := filepath.Join(dir, "cut.vrt")
	os.WriteFile(name, cut, 0o644)
	out := filepath.Join(dir, "out.vrt")
	err := runArgs(t, "--replay", name, "--loop", "2", "-o", out)
	want := fmt.Sprintf("packet %d at byte offset %d", len(ps)-1, lastOff)
	if exitCode(err) != cli.ExitFailure || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("error %v (exit %d), want exit 1 naming %q in one line", err, exitCode(err), want)
	}
	if got, _ := os.ReadFile(out); !bytes.Equal(got, rec[:lastOff]) {
		t.Fatalf("wrote %d bytes before the damage, want the %d before it", len(got), lastOff)
	}
}

func TestReplayUsage(t *testing.T) {
	dir := t.TempDir()
	record(t, dir, "rec.vrt", "--sim", "--blocks", "1", "--spp", "256")
	rec := filepath.Join(dir, "rec.vrt")
	cases := []struct {
		name string
		args []string
		code int
	}{
		{"with --sim", []string{"--replay", rec, "--sim"}, cli.ExitUsage},
		{"with --host", []string{"--replay", rec, "--host", "10.0.0.1"}, cli.ExitUsage},
		{"with a setting", []string{"--replay", rec, "--freq", "1G"}, cli.ExitUsage},
		{"with a mode", []string{"--replay", rec, "--stream"}, cli.ExitUsage},
		{"with --blocks", []string{"--replay", rec, "--blocks", "2"}, cli.ExitUsage},
		{"with a sim flag", []string{"--replay", rec, "--sim-seed", "3"}, cli.ExitUsage},
		{"realtime alone", []string{"--sim", "--realtime"}, cli.ExitUsage},
		{"loop alone", []string{"--sim", "--loop", "2"}, cli.ExitUsage},
		{"speed without realtime", []string{"--replay", rec, "--speed", "2"}, cli.ExitUsage},
		{"max-gap without realtime", []string{"--replay", rec, "--max-gap", "1s"}, cli.ExitUsage},
		{"zero speed", []string{"--replay", rec, "--realtime", "--speed", "0"}, cli.ExitUsage},
		{"negative loop", []string{"--replay", rec, "--loop", "-1"}, cli.ExitUsage},
		{"zero max-gap", []string{"--replay", rec, "--realtime", "--max-gap", "0s"}, cli.ExitUsage},
		{"empty name", []string{"--replay", ""}, cli.ExitUsage},
		{"sigmf without a name", []string{"--replay", rec, "--sigmf", ".sigmf-meta"}, cli.ExitUsage},
		{"missing file", []string{"--replay", filepath.Join(dir, "nope.vrt")}, cli.ExitFailure},
		{"empty file", []string{"--replay", os.DevNull}, cli.ExitFailure},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := runArgs(t, append(tc.args, "-o", filepath.Join(t.TempDir(), "out"))...)
			if exitCode(err) != tc.code || strings.Contains(err.Error(), "\n") {
				t.Fatalf("got %v, want exit %d with one line", err, tc.code)
			}
		})
	}
	// Writing over the recording being replayed is refused before the
	// file is touched, for -o and for --sigmf.
	before, _ := os.ReadFile(rec)
	base := filepath.Join(dir, "sm")
	if err := runArgs(t, "--replay", rec, "--sigmf", base, "-o", filepath.Join(dir, "x.vrt")); err != nil {
		t.Fatal(err)
	}
	smBefore, _ := os.ReadFile(base + ".sigmf-data")
	for _, args := range [][]string{
		{"--replay", rec, "-o", rec},
		{"--replay", rec, "-o", filepath.Join(dir, ".", "rec.vrt")},
		{"--replay", base, "--sigmf", base + ".sigmf-meta", "-o", filepath.Join(dir, "y.vrt")},
	} {
		err := command().Run(context.Background(), append([]string{"wsa-capture", "-q"}, args...))
		if exitCode(err) != cli.ExitUsage || !strings.Contains(err.Error(), "overwrite") {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
	after, _ := os.ReadFile(rec)
	smAfter, _ := os.ReadFile(base + ".sigmf-data")
	if !bytes.Equal(before, after) || len(smBefore) == 0 || !bytes.Equal(smBefore, smAfter) {
		t.Fatal("a refused replay changed the recording")
	}
	// WSA_HOST in the environment is not a --host flag.
	t.Setenv("WSA_HOST", "10.0.0.1")
	if err := runArgs(t, "--replay", rec, "-o", filepath.Join(dir, "env.vrt")); err != nil {
		t.Fatalf("WSA_HOST in the environment refused a replay: %v", err)
	}
	if err := runArgs(t, "--sim", "--spp", "256", "-o", filepath.Join(dir, "envsim.vrt")); err != nil {
		t.Fatalf("WSA_HOST in the environment refused --sim: %v", err)
	}
	if err := runArgs(t, "--sim", "--host", "10.0.0.2", "-o", filepath.Join(dir, "both.vrt")); exitCode(err) != cli.ExitUsage {
		t.Fatalf("--sim with --host given: %v, want a usage error", err)
	}
}

// readMeta validates NAME.sigmf-meta with pkg/sigmf's SigMF rules and
// decodes it both as the typed document and as raw JSON.
func readMeta(t *testing.T, base string) (sigmf.Meta, map[string]any, []byte) {
	t.Helper()
	raw, err := os.ReadFile(base + ".sigmf-meta")
	if err != nil {
		t.Fatal(err)
	}
	if err := sigmf.Validate(raw); err != nil {
		t.Fatalf("meta is not valid SigMF: %v\n%s", err, raw)
	}
	var m sigmf.Meta
	var doc map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(raw, &doc)
	data, err := os.ReadFile(base + ".sigmf-data")
	if err != nil {
		t.Fatal(err)
	}
	return m, doc, data
}

// blockFacts is what the VRT capture says about each block: the centre
// frequency, reference level and bandwidth in force and the first data
// packet's time.
type blockFacts struct {
	freq, refLevel, bandwidth float64
	time                      vrt.Timestamp
}

func blocksOf(t *testing.T, ps []vrt.Packet) []blockFacts {
	t.Helper()
	var st vrt.State
	var out []blockFacts
	inBlock := false
	for i := range ps {
		p := &ps[i]
		if p.Type.IsContext() {
			var c vrt.Context
			if c.Decode(p) == nil {
				st.Update(&c)
			}
			inBlock = false
			continue
		}
		if p.Type.IsData() && !inBlock {
			out = append(out, blockFacts{st.RFFreqHz, st.RefLevelDBm, st.BandwidthHz, p.Timestamp})
			inBlock = true
		}
	}
	return out
}

// TestSigMFBlocks: --sigmf records the simulator capture as valid SigMF:
// ci16_be samples that are the data payloads byte for byte, the rate, the
// version, a sha512 that matches the data file, hardware and description,
// one segment per block with its frequency and UTC time, and the settings
// applied in the declared wsa extension. Replaying the recording gives
// back the same samples and context.
func TestSigMFBlocks(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "cap")
	rec := record(t, dir, "cap.vrt", "--sim", "--blocks", "3", "--spp", "1024", "--freq", "915M", "--decimation", "4",
		"--gain", "low", "--ifgain", "5", "--antenna", "2", "--preselect", "--sigmf", base)
	ps := packets(t, rec)
	m, doc, data := readMeta(t, base)
	g := m.Global
	sum := sha512.Sum512(data)
	if g.Datatype != "ci16_be" || g.Version != sigmf.Version || g.SampleRate != 125e6/4 || g.SHA512 != hex.EncodeToString(sum[:]) {
		t.Fatalf("global %+v", g)
	}
	if !strings.HasPrefix(g.HW, "ThinkRF WSA4000 SIM-000001") || !strings.Contains(g.Description, "3 block(s)") || g.Recorder != "wsa-capture" {
		t.Fatalf("hw %q, description %q, recorder %q", g.HW, g.Description, g.Recorder)
	}
	if len(g.Extensions) != 1 || g.Extensions[0].Name != "wsa" {
		t.Fatalf("extensions %+v", g.Extensions)
	}
	if !bytes.Equal(data, payloads(ps)) {
		t.Fatal("sigmf-data is not the I14Q14 payloads byte for byte")
	}
	blocks := blocksOf(t, ps)
	if len(blocks) != 3 || len(m.Captures) != 3 {
		t.Fatalf("%d blocks captured, %d segments recorded", len(blocks), len(m.Captures))
	}
	raw := doc["captures"].([]any)
	for i, c := range m.Captures {
		b := blocks[i]
		if c.SampleStart != uint64(i*1024) || c.Frequency != b.freq || b.freq != 915e6 {
			t.Errorf("segment %d: sample_start %d frequency %v, block at %v", i, c.SampleStart, c.Frequency, b.freq)
		}
		if want := b.time.Time().UTC().Format("2006-01-02T15:04:05.000000000Z"); c.Datetime != want {
			t.Errorf("segment %d: datetime %q, block at %q", i, c.Datetime, want)
		}
		if c.RefLevelDBm == nil || *c.RefLevelDBm != b.refLevel || c.Decimation != 4 || c.BandwidthHz != b.bandwidth ||
			c.RFGain != "low" || c.IFGainDB == nil || *c.IFGainDB != 5 || c.Antenna != 2 || c.Preselect == nil || !*c.Preselect {
			t.Errorf("segment %d extension values %+v (block %+v)", i, c, b)
		}
		// Every value sits in the declared namespace, under its name.
		seg := raw[i].(map[string]any)
		for _, k := range []string{"core:frequency", "core:datetime", "wsa:reference_level_dbm", "wsa:rf_gain", "wsa:if_gain_db", "wsa:decimation"} {
			if _, ok := seg[k]; !ok {
				t.Errorf("segment %d lacks %s", i, k)
			}
		}
	}

	// The recording replays as the same samples and context values.
	for _, name := range []string{base, base + ".sigmf-meta"} {
		out := filepath.Join(t.TempDir(), "re.vrt")
		if err := runArgs(t, "--replay", name, "-o", out); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(out)
		re := packets(t, b)
		if !bytes.Equal(payloads(re), payloads(ps)) {
			t.Fatalf("%s: replayed samples differ from the capture", name)
		}
		got := blocksOf(t, re)
		if len(got) != 3 {
			t.Fatalf("%s: %d blocks replayed", name, len(got))
		}
		for i := range got {
			if got[i] != blocks[i] {
				t.Fatalf("%s: block %d replays as %+v, captured %+v", name, i, got[i], blocks[i])
			}
		}
		ci, err := vrt.DecodeCaptureInfo(&re[0])
		if err != nil || ci.Source != captureInfo(t, ps[0]).Source {
			t.Fatalf("%s: first packet is not the capture's description: %+v %v", name, ci, err)
		}
	}
}

// TestSigMFSweep: a sweep is recorded as one segment per centre (each with
// its frequency, shift, sweep ID and the sweep entry's gain), the sweep
// range in the global wsa:sweep_* fields; replayed, it starts with the
// capture description wsa-cal --stitch needs.
func TestSigMFSweep(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "sw")
	rec := record(t, dir, "sw.vrt", "--sim", "--sweep", "2.4G:2.5G", "--rbw", "100k", "--sweeps", "2", "--gain", "medium", "--id", "7", "--sigmf", base)
	m, _, data := readMeta(t, base)
	if !bytes.Equal(data, payloads(packets(t, rec))) {
		t.Fatal("sigmf-data is not the sweep's payloads")
	}
	g := m.Global
	if g.SweepStartHz != 2.4e9 || g.SweepStopHz != 2.5e9 || g.SweepSteps != 3 {
		t.Fatalf("global sweep %v..%v in %d steps", g.SweepStartHz, g.SweepStopHz, g.SweepSteps)
	}
	want := []float64{2445e6, 2489860840, 2534721680}
	if len(m.Captures) != 6 {
		t.Fatalf("%d segments, want one per centre (6)", len(m.Captures))
	}
	for i, c := range m.Captures {
		if c.Frequency != want[i%3] || c.SweepID == nil || *c.SweepID != 7 || c.RFOffsetHz == nil || *c.RFOffsetHz != -17090 ||
			c.RFGain != "medium" || c.SampleStart != uint64(i*2048) {
			t.Fatalf("segment %d: %+v", i, c)
		}
	}
	out := filepath.Join(dir, "re.vrt")
	if err := runArgs(t, "--replay", base, "-o", out); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	ci := captureInfo(t, packets(t, b)[0])
	if !ci.HasSweep || ci.SweepID != 7 || ci.SweepStartHz != 2.4e9 || ci.SweepStopHz != 2.5e9 || ci.SweepSteps != 3 {
		t.Fatalf("replayed capture description %+v", ci)
	}
}

// TestSigMFFromReplay: --replay FILE --sigmf NAME converts a VRT recording;
// the source comes from its capture description, and the recording replays
// as the same samples.
func TestSigMFFromReplay(t *testing.T) {
	dir := t.TempDir()
	rec := record(t, dir, "rec.vrt", "--sim", "--stream", "--packets", "5", "--spp", "2048", "--decimation", "16")
	base := filepath.Join(dir, "conv")
	out := filepath.Join(dir, "out.vrt")
	if err := runArgs(t, "--replay", filepath.Join(dir, "rec.vrt"), "--sigmf", base+".sigmf-meta", "-o", out); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(out); !bytes.Equal(got, rec) {
		t.Fatal("recording to SigMF changed the VRT output")
	}
	m, _, data := readMeta(t, base)
	ps := packets(t, rec)
	if !bytes.Equal(data, payloads(ps)) || len(m.Captures) != 1 || m.Global.SampleRate != 125e6/16 {
		t.Fatalf("%d segments at %v S/s; samples equal %v", len(m.Captures), m.Global.SampleRate, bytes.Equal(data, payloads(ps)))
	}
	if src := captureInfo(t, ps[0]).Source; m.Global.Source != src || !strings.HasPrefix(m.Global.HW, "ThinkRF WSA4000 SIM-000001") {
		t.Fatalf("source %q hw %q, capture says %q", m.Global.Source, m.Global.HW, src)
	}
	if !strings.Contains(m.Global.Description, "replay of") {
		t.Fatalf("description %q", m.Global.Description)
	}
	// Spectra or other non-I/Q data cannot be recorded: a clear error.
	spec := filepath.Join(dir, "notiq.vrt")
	p := vrt.Packet{Header: vrt.Header{Type: vrt.TypeSignal, TSI: vrt.TSIUTC, TSF: vrt.TSFRealTime}, StreamID: vrt.StreamI14, Payload: make([]byte, 64)}
	b, _ := p.AppendTo(nil)
	os.WriteFile(spec, b, 0o644)
	err := runArgs(t, "--replay", spec, "--sigmf", filepath.Join(dir, "bad"), "-o", filepath.Join(dir, "x.vrt"))
	if exitCode(err) != cli.ExitFailure || !strings.Contains(err.Error(), "I14Q14") {
		t.Fatalf("non-I/Q data to SigMF: %v", err)
	}
}
