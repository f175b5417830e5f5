package replay

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wsatools/wsa/pkg/sigmf"
	"github.com/wsatools/wsa/pkg/vrt"
)

const spp = 64

// recording builds a device-like stream: a reference-level context packet,
// then n data packets SPP samples apart at 1 MS/s (64 µs), starting at t0.
func recording(t *testing.T, n int, t0 vrt.Timestamp) ([]byte, [][]byte) {
	t.Helper()
	var all []byte
	var pkts [][]byte
	add := func(b []byte, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		pkts = append(pkts, b)
		all = append(all, b...)
	}
	add(vrt.AppendContext(nil, vrt.ContextHeader{Type: vrt.TypeContext, StreamID: vrt.StreamDigitizer,
		TSI: vrt.TSIUTC, TSF: vrt.TSFRealTime, Timestamp: t0}, vrt.F(vrt.FieldRefLevel, -20)))
	i := make([]int16, spp)
	q := make([]int16, spp)
	for k := 0; k < n; k++ {
		for j := range i {
			i[j], q[j] = int16(k*100+j), int16(-k*100-j)
		}
		p := vrt.Packet{Header: vrt.Header{Type: vrt.TypeSignal, Indicators: vrt.IndTrailer, TSI: vrt.TSIUTC,
			TSF: vrt.TSFRealTime, Count: uint8(k & 15)}, StreamID: vrt.StreamI14Q14,
			Timestamp: addPS(t0, int64(k)*spp*1e6), Payload: vrt.AppendIQ16(nil, i, q), Trailer: vrt.ThinkRFTrailer}
		add(p.AppendTo(nil))
	}
	return all, pkts
}

func writeFile(t *testing.T, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "rec.vrt")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// collect plays src and returns every packet written, decoded from copies.
func collect(t *testing.T, src Source, opt Options) ([]byte, []vrt.Packet, Stats, error) {
	t.Helper()
	var out []byte
	var pkts []vrt.Packet
	st, err := Play(context.Background(), src, func(b []byte) error {
		out = append(out, b...)
		var p vrt.Packet
		if err := p.Decode(append([]byte(nil), b...)); err != nil {
			t.Fatalf("replay wrote a packet that does not decode: %v", err)
		}
		pkts = append(pkts, p)
		return nil
	}, opt)
	return out, pkts, st, err
}

var t0 = vrt.Timestamp{Int: 1700000000, Frac: 123}

func TestOnePassIsTheRecording(t *testing.T) {
	in, _ := recording(t, 20, t0)
	// Bare VRT, and the same packets in VRL frames with CRC: both play back
	// as the bare bytes.
	var vrl bytes.Buffer
	w := vrt.NewWriter(&vrl, vrt.WriterOptions{VRL: true})
	w.Write(in)
	w.Flush()
	for name, file := range map[string][]byte{"vrt": in, "vrl": vrl.Bytes()} {
		t.Run(name, func(t *testing.T) {
			src, err := Open(writeFile(t, file))
			if err != nil {
				t.Fatal(err)
			}
			out, _, st, err := collect(t, src, Options{Passes: 1})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, in) || st.Packets != 21 || st.Passes != 1 {
				t.Fatalf("%d packets, %d passes; output equal to recording: %v", st.Packets, st.Passes, bytes.Equal(out, in))
			}
		})
	}
}

// TestLoopIsOneContinuousCapture: later passes continue every stream's
// packet count and move time forward by the recording's length plus one
// packet, with the samples unchanged.
func TestLoopIsOneContinuousCapture(t *testing.T) {
	in, orig := recording(t, 20, t0)
	src, _ := Open(writeFile(t, in))
	_, pkts, st, err := collect(t, src, Options{Passes: 3})
	if err != nil {
		t.Fatal(err)
	}
	if st.Passes != 3 || len(pkts) != 3*len(orig) {
		t.Fatalf("%d passes, %d packets", st.Passes, len(pkts))
	}
	passPS := int64(20) * spp * 1e6 // 19 packet steps + one more
	last := map[uint32]int{}
	var prev vrt.Timestamp
	for k, p := range pkts {
		if c, ok := last[p.StreamID]; ok && int(p.Count) != (c+1)&15 {
			t.Fatalf("packet %d of stream 0x%08x: count %d after %d", k, p.StreamID, p.Count, c)
		}
		last[p.StreamID] = int(p.Count)
		var o vrt.Packet
		o.Decode(orig[k%len(orig)])
		if want := addPS(o.Timestamp, int64(k/len(orig))*passPS); p.Timestamp != want {
			t.Fatalf("packet %d: time %v, want %v", k, p.Timestamp, want)
		}
		if p.Type.IsData() {
			if psBetween(prev, p.Timestamp) <= 0 {
				t.Fatalf("packet %d: time does not move forward", k)
			}
			prev = p.Timestamp
			if !bytes.Equal(p.Payload, o.Payload) {
				t.Fatalf("packet %d: samples changed", k)
			}
		}
	}
}

// TestRealtimePacing: the pauses add up to the recorded span (over Speed);
// a backward clock jump pauses nothing and a forward jump pauses at most
// MaxGap; playback goes on after both.
func TestRealtimePacing(t *testing.T) {
	a, _ := recording(t, 10, t0)                                 // 10 packets, 576 µs of signal
	b, _ := recording(t, 10, vrt.Timestamp{Int: t0.Int - 3600})  // the clock stepped back an hour
	c, _ := recording(t, 10, vrt.Timestamp{Int: t0.Int + 86400}) // then forward a day
	for _, tc := range []struct {
		name   string
		in     []byte
		speed  float64
		minSum time.Duration
		maxSum time.Duration
	}{
		// 9 steps of 64 µs between the 10 data packets of each part.
		{"steady", a, 1, 576 * time.Microsecond, 576 * time.Microsecond},
		{"twice as fast", a, 2, 288 * time.Microsecond, 288 * time.Microsecond},
		// Back an hour: no pause; forward a day: MaxGap.
		{"clock jumps", append(append(append([]byte(nil), a...), b...), c...), 1,
			3*576*time.Microsecond + 50*time.Millisecond, 3*576*time.Microsecond + 50*time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var slept time.Duration
			clock := time.Unix(1e9, 0)
			opt := Options{Passes: 1, Realtime: true, Speed: tc.speed, MaxGap: 50 * time.Millisecond,
				Now:   func() time.Time { return clock },
				Sleep: func(_ context.Context, d time.Duration) error { slept += d; clock = clock.Add(d); return nil }}
			_, pkts, _, err := collect(t, NewReaderSource("test", bytes.NewReader(tc.in)), opt)
			if err != nil {
				t.Fatal(err)
			}
			if n := len(pkts); n != 11*len(tc.in)/len(a) {
				t.Errorf("%d packets played", n)
			}
			if slept < tc.minSum || slept > tc.maxSum {
				t.Errorf("paused %v in all, want %v..%v", slept, tc.minSum, tc.maxSum)
			}
		})
	}
}

func TestPipesPlayOnce(t *testing.T) {
	in, _ := recording(t, 3, t0)
	_, err := Play(context.Background(), NewReaderSource("stdin", bytes.NewReader(in)), func([]byte) error { return nil }, Options{Passes: 2})
	if err == nil {
		t.Fatal("a pipe was looped")
	}
}

// TestDamagedRecording: a truncated last packet is an error naming its
// index and offset, after every packet before it was written.
func TestDamagedRecording(t *testing.T) {
	in, pkts := recording(t, 5, t0)
	cut := in[:len(in)-10]
	src, _ := Open(writeFile(t, cut))
	out, _, _, err := collect(t, src, Options{Passes: 1})
	var fe *vrt.FormatError
	if !errors.As(err, &fe) || fe.Index != 5 {
		t.Fatalf("error %v, want a format error at packet 5", err)
	}
	if want := len(in) - len(pkts[5]); len(out) != want {
		t.Fatalf("wrote %d bytes before the damage, want %d", len(out), want)
	}
}

// TestWriterErrorStops: the writer's error (a closed pipe) ends the replay
// at once and comes back as it is.
func TestWriterErrorStops(t *testing.T) {
	in, _ := recording(t, 10, t0)
	src, _ := Open(writeFile(t, in))
	stop := errors.New("closed")
	n := 0
	_, err := Play(context.Background(), src, func([]byte) error {
		if n++; n == 4 {
			return stop
		}
		return nil
	}, Options{})
	if !errors.Is(err, stop) || n != 4 {
		t.Fatalf("error %v after %d packets", err, n)
	}
}

// TestSigMF: a SigMF recording of a capture plays back with the same samples.
func TestSigMF(t *testing.T) {
	in, pkts := recording(t, 8, t0)
	base := filepath.Join(t.TempDir(), "cap")
	rec, err := sigmf.Create(base, sigmf.Global{Description: "test"})
	if err != nil {
		t.Fatal(err)
	}
	r := vrt.NewReader(bytes.NewReader(in), vrt.ReaderOptions{})
	for {
		p, err := r.Next()
		if err != nil {
			break
		}
		if err := rec.WritePacket(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{base, base + ".sigmf-meta"} {
		src, err := Open(name)
		if err != nil {
			t.Fatal(err)
		}
		_, out, _, err := collect(t, src, Options{Passes: 1, SPP: spp})
		if err != nil {
			t.Fatal(err)
		}
		var got, want []byte
		for _, p := range out {
			if p.Type.IsData() {
				got = append(got, p.Payload...)
			}
		}
		for _, b := range pkts[1:] {
			var p vrt.Packet
			p.Decode(b)
			want = append(want, p.Payload...)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%s: %d sample bytes played, %d recorded, equal %v", name, len(got), len(want), bytes.Equal(got, want))
		}
	}
}

// blocks builds a block-mode recording as the WSA4000 sends it: before every
// block its context packets, stamped with the block's own time, then one data
// packet of spp samples. Blocks start gap apart. With bw > 0 the digitizer
// context says the sample rate; without, only the reference level is sent.
func blocks(t *testing.T, n int, gap time.Duration, bw float64) []byte {
	t.Helper()
	var all []byte
	for b := 0; b < n; b++ {
		ts := addPS(t0, int64(b)*gap.Nanoseconds()*1e3)
		h := vrt.ContextHeader{Type: vrt.TypeContext, StreamID: vrt.StreamDigitizer, Count: uint8(b & 15), TSI: vrt.TSIUTC, TSF: vrt.TSFRealTime, Timestamp: ts}
		f := vrt.F(vrt.FieldRefLevel, -20)
		if bw > 0 {
			f = vrt.F(vrt.FieldBandwidth, bw)
		}
		var err error
		if all, err = vrt.AppendContext(all, h, f); err != nil {
			t.Fatal(err)
		}
		p := vrt.Packet{Header: vrt.Header{Type: vrt.TypeSignal, Indicators: vrt.IndTrailer, TSI: vrt.TSIUTC, TSF: vrt.TSFRealTime,
			Count: uint8(b & 15)}, StreamID: vrt.StreamI14Q14, Timestamp: ts,
			Payload: vrt.AppendIQ16(nil, make([]int16, spp), make([]int16, spp)), Trailer: vrt.ThinkRFTrailer}
		if all, err = p.AppendTo(all); err != nil {
			t.Fatal(err)
		}
	}
	return all
}

// TestLoopBlockCaptures: in a block capture every data packet shares its
// timestamp with the context before it, so "the step to the previous
// packet" is zero; the next pass must still start after the last block
// ends (its samples at the recorded rate), or, when the rate is unknown,
// one block spacing after it, so data time strictly increases across the
// loop.
func TestLoopBlockCaptures(t *testing.T) {
	const gap = 10 * time.Millisecond
	for _, tc := range []struct {
		name  string
		bw    float64
		shift int64 // ps from a block to the same block one pass later
	}{
		{"rate known", 1e6, 2*gap.Nanoseconds()*1e3 + spp*1e6}, // last block + its 64 µs of samples
		{"rate unknown", 0, 3 * gap.Nanoseconds() * 1e3},       // last block + one block spacing
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, _ := Open(writeFile(t, blocks(t, 3, gap, tc.bw)))
			_, pkts, _, err := collect(t, src, Options{Passes: 3})
			if err != nil {
				t.Fatal(err)
			}
			var data []vrt.Timestamp
			for _, p := range pkts {
				if p.Type.IsData() {
					data = append(data, p.Timestamp)
				}
			}
			if len(data) != 9 {
				t.Fatalf("%d data packets, want 9", len(data))
			}
			for k := 1; k < len(data); k++ {
				if psBetween(data[k-1], data[k]) <= 0 {
					t.Fatalf("data packet %d at %v does not follow %v", k, data[k], data[k-1])
				}
			}
			for k := 3; k < len(data); k++ {
				if got := psBetween(data[k-3], data[k]); got != tc.shift {
					t.Fatalf("data packet %d is %d ps after its original, want %d", k, got, tc.shift)
				}
			}
		})
	}
}
