package dsp

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/wsatools/wsa/pkg/vrt"
	"github.com/wsatools/wsa/pkg/wsa/sim"
)

// builder writes hand-made device streams: one-field context packets as a
// WSA sends them, and data packets whose timestamps advance by their
// sample count.
type builder struct {
	t     testing.TB
	b     []byte
	ts    vrt.Timestamp
	fs    float64
	count map[uint32]uint8
}

func newBuilder(t testing.TB, fs float64) *builder {
	return &builder{t: t, ts: vrt.Timestamp{Int: 1764000000, Frac: 0}, fs: fs, count: map[uint32]uint8{}}
}

func (b *builder) next(id uint32) uint8 {
	c := b.count[id]
	b.count[id] = (c + 1) & 15
	return c
}

func (b *builder) ctx(typ vrt.PacketType, id uint32, f vrt.FieldValue) *builder {
	var err error
	b.b, err = vrt.AppendContext(b.b, vrt.ContextHeader{Type: typ, StreamID: id, Count: b.next(id), TSI: vrt.TSIUTC, TSF: vrt.TSFRealTime, Timestamp: b.ts}, f)
	if err != nil {
		b.t.Fatal(err)
	}
	return b
}

// device sends the context of one capture the way the simulator does.
func (b *builder) device(rf, bw, offset, rl float64) *builder {
	b.ctx(vrt.TypeContext, vrt.StreamReceiver, vrt.F(vrt.FieldRFFreq, rf))
	b.ctx(vrt.TypeContext, vrt.StreamDigitizer, vrt.F(vrt.FieldBandwidth, bw))
	b.ctx(vrt.TypeContext, vrt.StreamDigitizer, vrt.F(vrt.FieldRFOffset, offset))
	return b.ctx(vrt.TypeContext, vrt.StreamDigitizer, vrt.F(vrt.FieldRefLevel, rl))
}

func (b *builder) data(id uint32, payload []byte, samples int, tr vrt.Trailer) *builder {
	p := vrt.Packet{Header: vrt.Header{Type: vrt.TypeSignal, Indicators: vrt.IndTrailer, TSI: vrt.TSIUTC, TSF: vrt.TSFRealTime, Count: b.next(id)},
		StreamID: id, Timestamp: b.ts, Payload: payload, Trailer: tr}
	var err error
	if b.b, err = p.AppendTo(b.b); err != nil {
		b.t.Fatal(err)
	}
	b.ts = addSamples(b.ts, int64(samples), b.fs)
	return b
}

func (b *builder) iq(i, q []int16) *builder {
	return b.data(vrt.StreamI14Q14, vrt.AppendIQ16(nil, i, q), len(i), vrt.ThinkRFTrailer)
}

// tone returns n samples of a complex tone (amplitude in counts) on a
// fractional bin of an n-point FFT, plus noise, starting at sample start.
func tone(rng *rand.Rand, n, start int, bin, amp float64) (i, q []int16) {
	i, q = make([]int16, n), make([]int16, n)
	for k := range i {
		ph := 2 * math.Pi * bin * float64(start+k) / float64(n)
		i[k] = int16(math.Round(amp*math.Cos(ph) + 3*rng.NormFloat64()))
		q[k] = int16(math.Round(amp*math.Sin(ph) + 3*rng.NormFloat64()))
	}
	return i, q
}

// TestPassThroughOrder: every packet that is not I/Q comes out unchanged
// and in order, each data packet is replaced by exactly one spectrum (three
// packets), and the spectrum carries the data packet's timestamp.
func TestPassThroughOrder(t *testing.T) {
	in := simCapture(t, sim.Config{}, tune(2.42e9, 0, 4), 1024, 3, 2)
	out := packets(t, runStream(t, StreamConfig{}, in))
	var want [][]byte
	var times []vrt.Timestamp
	for _, raw := range packets(t, in) {
		p := decodePacket(t, raw)
		if p.Type.IsData() {
			times = append(times, p.Timestamp)
			want = append(want, nil, nil, nil) // a spectrum triple
			continue
		}
		want = append(want, raw)
	}
	if len(out) != len(want) {
		t.Fatalf("%d packets out, want %d", len(out), len(want))
	}
	si := 0
	for k := range want {
		p := decodePacket(t, out[k])
		if want[k] == nil {
			if !vrt.IsSpectrum(p) && !vrt.IsSpectrumContext(p) {
				t.Fatalf("packet %d is not part of a spectrum", k)
			}
			if p.Timestamp != times[si/3] {
				t.Errorf("spectrum packet %d stamped %v, data was %v", k, p.Timestamp, times[si/3])
			}
			si++
			continue
		}
		if !bytes.Equal(out[k], want[k]) {
			t.Fatalf("packet %d changed on the way through", k)
		}
	}
	sp := spectra(t, runStream(t, StreamConfig{}, in))
	if len(sp) != 6 {
		t.Fatalf("%d spectra, want 6", len(sp))
	}
	for _, s := range sp {
		if s.StreamID != vrt.DefaultSpectrumStream || s.Units != vrt.UnitsDBFS || s.Trace != vrt.TraceLive || s.Averages != 1 ||
			s.FFTSize != 1024 || s.Window != "hann" || s.Decimation != 4 || !s.HasTime || math.Abs(s.RBWHz-ENBWOf(t, "hann", 1024)*s.StepHz) > 1e-6 {
			t.Errorf("spectrum fields: %+v", s)
		}
	}
}

func ENBWOf(t testing.TB, name string, n int) float64 {
	w, err := Window(name, n)
	if err != nil {
		t.Fatal(err)
	}
	return ENBW(w)
}

// liveSpectra returns the live spectra of a stream as linear power.
func livePower(t testing.TB, in []byte, cfg StreamConfig) [][]float64 {
	var out [][]float64
	for _, s := range spectra(t, runStream(t, cfg, in)) {
		p := make([]float64, len(s.Bins))
		for k, v := range s.Bins {
			p[k] = math.Pow(10, float64(v)/10)
		}
		out = append(out, p)
	}
	return out
}

// TestAverageAndHold: --average N is the mean of linear power of N live
// spectra (not a mean of dB), --hold max/min the element-wise extreme;
// the last, partial group is written with its real count; timestamps are
// those of the first spectrum of a group. A hold without a count runs over
// the stream and every spectrum emits the hold so far.
func TestAverageAndHold(t *testing.T) {
	in := simCapture(t, sim.Config{}, tune(2.42e9, 0, 8), 2048, 5, 1)
	live := livePower(t, in, StreamConfig{})
	liveSp := spectra(t, runStream(t, StreamConfig{}, in))
	if len(live) != 5 {
		t.Fatalf("%d live spectra", len(live))
	}
	combine := func(group [][]float64, how Hold) []float64 {
		r := append([]float64(nil), group[0]...)
		for _, g := range group[1:] {
			for k, v := range g {
				switch how {
				case HoldMax:
					r[k] = max(r[k], v)
				case HoldMin:
					r[k] = min(r[k], v)
				default:
					r[k] += v
				}
			}
		}
		if how == HoldNone {
			for k := range r {
				r[k] /= float64(len(group))
			}
		}
		return r
	}
	check := func(name string, got vrt.Spectrum, want []float64) {
		t.Helper()
		for k, v := range want {
			if d := math.Abs(float64(got.Bins[k]) - 10*math.Log10(v)); d > 1e-3 {
				t.Fatalf("%s: bin %d reads %v dB, want %v", name, k, got.Bins[k], 10*math.Log10(v))
			}
		}
	}
	for _, c := range []struct {
		hold  Hold
		trace vrt.Trace
	}{{HoldNone, vrt.TraceAverage}, {HoldMax, vrt.TraceMax}, {HoldMin, vrt.TraceMin}} {
		sp := spectra(t, runStream(t, StreamConfig{Average: 2, Hold: c.hold}, in))
		if len(sp) != 3 {
			t.Fatalf("hold %d: %d spectra from 5 with --average 2, want 3 (2+2+1)", c.hold, len(sp))
		}
		for g, s := range sp {
			lo, hi := 2*g, min(2*g+2, 5)
			if s.Trace != c.trace || int(s.Averages) != hi-lo || s.Timestamp != liveSp[lo].Timestamp {
				t.Errorf("group %d: trace %v averages %d time %v", g, s.Trace, s.Averages, s.Timestamp)
			}
			check(c.trace.String(), s, combine(live[lo:hi], c.hold))
		}
	}
	// The average is not the mean of the dB values: on noise the two
	// differ by a visible amount (2.5 dB for exponential noise).
	avg := spectra(t, runStream(t, StreamConfig{Average: 5}, in))[0]
	var dlin, ddb float64
	for k := range avg.Bins {
		var mdb float64
		for _, l := range liveSp {
			mdb += float64(l.Bins[k]) / 5
		}
		ddb += float64(avg.Bins[k]) - mdb
		dlin++
	}
	if ddb/dlin < 0.5 {
		t.Errorf("average exceeds the mean of dB by only %.2f dB on average: not a power average?", ddb/dlin)
	}
	// Running max hold: spectrum k is the max of live 0…k, stamped with k.
	run := spectra(t, runStream(t, StreamConfig{Hold: HoldMax}, in))
	if len(run) != 5 {
		t.Fatalf("running hold gave %d spectra, want 5", len(run))
	}
	for k, s := range run {
		if s.Trace != vrt.TraceMax || int(s.Averages) != k+1 || s.Timestamp != liveSp[k].Timestamp {
			t.Errorf("running hold %d: trace %v averages %d", k, s.Trace, s.Averages)
		}
		check("running max", s, combine(live[:k+1], HoldMax))
	}
}

// TestAverageRestartsOnRetune: spectra of different centre frequencies
// are never averaged together: a retune writes the partial average first.
func TestAverageRestartsOnRetune(t *testing.T) {
	a := simCapture(t, sim.Config{}, tune(2.42e9, 0, 8), 1024, 3, 1)
	b := simCapture(t, sim.Config{}, tune(2.45e9, 0, 8), 1024, 3, 1)
	sp := spectra(t, runStream(t, StreamConfig{Average: 4}, append(a, b...)))
	if len(sp) != 2 || sp[0].Averages != 3 || sp[1].Averages != 3 || sp[0].CenterHz != 2.42e9 || sp[1].CenterHz != 2.45e9 {
		for _, s := range sp {
			t.Logf("centre %v averages %d", s.CenterHz, s.Averages)
		}
		t.Fatalf("want two averages of 3, one per tuning")
	}
}

// TestBinsReblocking: --bins N cuts the concatenated samples of
// consecutive packets into N-point blocks across packet boundaries; each
// spectrum equals the chain applied to exactly those samples and is
// stamped with the time of its first sample. A gap in time (the next block
// capture) drops the partial block before it; so does the end of input.
// --overlap makes the blocks start every N·(1 − overlap) samples.
func TestBinsReblocking(t *testing.T) {
	const spp, ppb, blocks = 1008, 5, 2
	in := simCapture(t, sim.Config{}, tune(2.42e9, 0, 4), spp, ppb, blocks)
	ii, qq := iqOf(t, in)
	var times []vrt.Timestamp
	for _, raw := range packets(t, in) {
		if p := decodePacket(t, raw); p.Type.IsData() {
			times = append(times, p.Timestamp)
		}
	}
	fs := 125e6 / 4
	for _, c := range []struct {
		n       int
		overlap float64
	}{{1024, 0}, {2048, 0}, {1024, 0.5}, {1024, 0.75}, {4096, 0.25}} {
		cfg := StreamConfig{Bins: c.n, Overlap: c.overlap}
		hop := cfg.hop()
		sp := spectra(t, runStream(t, cfg, in))
		per := (spp*ppb-c.n)/hop + 1 // blocks per contiguous capture
		if len(sp) != per*blocks {
			t.Fatalf("n=%d overlap %v: %d spectra, want %d", c.n, c.overlap, len(sp), per*blocks)
		}
		plan, _ := NewPlan(c.n, false, Options{})
		pow := make([]float64, c.n)
		for b := 0; b < blocks; b++ {
			var ci, cq []float64
			for k := 0; k < ppb; k++ {
				ci = append(ci, ii[b*ppb+k]...)
				cq = append(cq, qq[b*ppb+k]...)
			}
			for k := 0; k < per; k++ {
				s := sp[b*per+k]
				start := k * hop
				plan.PowerIQ(pow, ci[start:start+c.n], cq[start:start+c.n], false)
				for j := range pow {
					if d := math.Abs(float64(s.Bins[j]) - PowerDB(pow[j])); d > 1e-4 {
						t.Fatalf("n=%d block %d/%d: bin %d %v, want %v", c.n, b, k, j, s.Bins[j], PowerDB(pow[j]))
					}
				}
				if want := addSamples(times[b*ppb], int64(start), fs); s.Timestamp != want {
					t.Errorf("n=%d block %d/%d stamped %v, want %v", c.n, b, k, s.Timestamp, want)
				}
				if s.FFTSize != uint32(c.n) || s.StepHz != fs/float64(c.n) {
					t.Errorf("fft size %d step %v", s.FFTSize, s.StepHz)
				}
			}
		}
	}
}

// TestBinsSampleLossAndRetune: a sample-loss flag or a retune between
// packets also drops the partial block; the samples after it start a new
// one.
func TestBinsSampleLossAndRetune(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	b := newBuilder(t, 125e6).device(2.4e9, 125e6, 0, -30)
	i, q := tone(rng, 600, 0, 10, 1000)
	b.iq(i, q)
	b.data(vrt.StreamI14Q14, vrt.AppendIQ16(nil, i, q), 600, vrt.ThinkRFTrailer.With(vrt.TrailerSampleLoss, true))
	b.iq(i, q) // 600 + 600 after the loss: one 1024 block
	b.device(2.5e9, 125e6, 0, -30)
	b.iq(i, q) // 600 of a new frame: no block
	st, _ := NewStream(StreamConfig{Bins: 1024})
	var out bytes.Buffer
	if err := st.Run(context.Background(), bytes.NewReader(b.b), &out); err != nil {
		t.Fatal(err)
	}
	sp := spectra(t, out.Bytes())
	if len(sp) != 1 || sp[0].CenterHz != 2.4e9 {
		t.Fatalf("%d spectra, want 1 at 2.4 GHz", len(sp))
	}
	if d := st.Stats().Dropped; d != 600+(1200-1024)+600 {
		t.Errorf("dropped %d samples, want %d", d, 600+176+600)
	}
}

// TestWorkersSameBytes: -j N writes exactly the bytes of the inline run,
// for every mode.
func TestWorkersSameBytes(t *testing.T) {
	in := simCapture(t, sim.Config{}, tune(2.42e9, 0, 4), 1024, 8, 3)
	for _, cfg := range []StreamConfig{
		{}, {Average: 3}, {Hold: HoldMax}, {Average: 4, Hold: HoldMin},
		{Bins: 512, Overlap: 0.5}, {Bins: 4096, Average: 2}, {Options: Options{Window: "flattop", NoIQCorrection: true}},
	} {
		want := runStream(t, cfg, in)
		for _, w := range []int{2, 3, 8} {
			c := cfg
			c.Workers = w
			if got := runStream(t, c, in); !bytes.Equal(got, want) {
				t.Errorf("%v with %d workers: %d bytes differ from inline %d", cfg.String(), w, len(got), len(want))
			}
		}
	}
}

// TestSweepIDAndSource: the device's sweep ID (extension context
// 0x90000004) and the capture description's source go into the spectra;
// --source overrides the source; a capture description without a sweep
// ends the previous capture's sweep ID.
func TestSweepIDAndSource(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	i, q := tone(rng, 256, 0, 10, 1000)
	b := newBuilder(t, 125e6)
	ci, err := vrt.AppendCaptureInfo(nil, &vrt.CaptureInfo{Source: "WSA4000 SIM-1 127.0.0.1"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	b.b = append(b.b, ci...)
	b.ctx(vrt.TypeExtContext, vrt.StreamCustom, vrt.F(vrt.FieldSweepID, 77))
	b.device(2.4e9, 125e6, 0, -15).iq(i, q)
	ci, _ = vrt.AppendCaptureInfo(nil, &vrt.CaptureInfo{Source: "other"}, 1)
	b.b = append(b.b, ci...)
	b.device(2.4e9, 125e6, 0, -15).iq(i, q)
	sp := spectra(t, runStream(t, StreamConfig{}, b.b))
	if len(sp) != 2 {
		t.Fatalf("%d spectra", len(sp))
	}
	if !sp[0].HasSweepID || sp[0].SweepID != 77 || sp[0].Source != "WSA4000 SIM-1 127.0.0.1" || sp[0].RefLevelDBm != -15 {
		t.Errorf("first: sweep %v/%d source %q RL %v", sp[0].HasSweepID, sp[0].SweepID, sp[0].Source, sp[0].RefLevelDBm)
	}
	if sp[1].HasSweepID || sp[1].Source != "other" {
		t.Errorf("second: sweep %v/%d source %q", sp[1].HasSweepID, sp[1].SweepID, sp[1].Source)
	}
	for _, s := range spectra(t, runStream(t, StreamConfig{Source: "mine"}, b.b)) {
		if s.Source != "mine" {
			t.Errorf("--source gave %q", s.Source)
		}
	}
}

// TestSweepFromSimulator: a device sweep (sweep list, ID before each pass)
// gives one spectrum per step with the sweep ID and the step's centre.
func TestSweepFromSimulator(t *testing.T) {
	s, err := sim.New(sim.Config{Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	in := sweepCapture(t, s, 2.4e9, 2.5e9, 50e6, 1024, 4242)
	sp := spectra(t, runStream(t, StreamConfig{}, in))
	if len(sp) != 3 {
		t.Fatalf("%d spectra, want 3 steps", len(sp))
	}
	for k, x := range sp {
		if !x.HasSweepID || x.SweepID != 4242 || x.CenterHz != 2.4e9+float64(k)*50e6 {
			t.Errorf("step %d: sweep %v/%d centre %v", k, x.HasSweepID, x.SweepID, x.CenterHz)
		}
	}
}

// TestRealOnlyStreams: I14 (0x90000005) and I24 (0x90000006) packets take
// the real path with their own scaling (2^13, 2^23): a full-scale real tone
// reads 20·log10(½·½) = −12.04 dBFS in both, on spectrum streams
// 0x57530005 and 0x57530006, kept apart from each other and from I14Q14.
func TestRealOnlyStreams(t *testing.T) {
	const n = 1024
	b := newBuilder(t, 125e6).device(20e6, 62.5e6, 0, 0)
	x16 := make([]int16, n)
	x24 := make([]byte, 0, 4*n)
	for k := range x16 {
		c := math.Cos(2 * math.Pi * 100 * float64(k) / n)
		x16[k] = int16(math.Round(8191 * c))
		x24 = binary.BigEndian.AppendUint32(x24, uint32(int32(math.Round(8388607*c)))&0xffffff)
	}
	p16 := make([]byte, 0, 2*n)
	for _, v := range x16 {
		p16 = binary.BigEndian.AppendUint16(p16, uint16(v))
	}
	i, q := tone(rand.New(rand.NewPCG(1, 1)), n, 0, 100, 4000)
	for range 2 {
		b.data(vrt.StreamI14, p16, n, vrt.ThinkRFTrailer)
		b.data(vrt.StreamI24, x24, n, vrt.ThinkRFTrailer)
		b.data(vrt.StreamI14Q14, vrt.AppendIQ16(nil, i, q), n, vrt.ThinkRFTrailer)
	}
	sp := spectra(t, runStream(t, StreamConfig{Average: 2}, b.b))
	if len(sp) != 3 {
		t.Fatalf("%d spectra, want one average per stream", len(sp))
	}
	for k, want := range []uint32{0x57530005, 0x57530006, 0x57530003} {
		s := sp[k]
		if s.StreamID != want || s.Averages != 2 {
			t.Errorf("spectrum %d on stream 0x%08x with %d averages, want 0x%08x", k, s.StreamID, s.Averages, want)
		}
	}
	for _, s := range sp[:2] {
		if len(s.Bins) != n/2+1 || s.StartHz != 0 || s.StepHz != 125e6/n {
			t.Errorf("real stream 0x%08x: %d bins from %v step %v", s.StreamID, len(s.Bins), s.StartHz, s.StepHz)
		}
		if k := Peak(s.Bins); k != 100 || math.Abs(float64(s.Bins[k])+12.04) > 0.02 {
			t.Errorf("real stream 0x%08x: peak bin %d at %.3f dBFS, want bin 100 at −12.04", s.StreamID, k, s.Bins[k])
		}
	}
}

// TestPSD8PassesThrough: the device's 8-bit power spectrum becomes a
// spectrum with the values as given (dBFS, one dB per count), low to high,
// centred like an I/Q spectrum; inverted, it is mirrored.
func TestPSD8PassesThrough(t *testing.T) {
	vals := make([]byte, 64)
	for k := range vals {
		vals[k] = byte(int8(-100 + k))
	}
	b := newBuilder(t, 125e6).device(1e9, 125e6/4, 0, -30)
	b.data(vrt.StreamPSD8, vals, 64, vrt.ThinkRFTrailer)
	b.data(vrt.StreamPSD8, vals, 64, vrt.ThinkRFTrailer.With(vrt.TrailerSpectralInv, true))
	sp := spectra(t, runStream(t, StreamConfig{}, b.b))
	if len(sp) != 2 {
		t.Fatalf("%d spectra", len(sp))
	}
	s := sp[0]
	if s.StreamID != 0x57530007 || len(s.Bins) != 64 || s.StepHz != 125e6/4/64 || s.FreqOf(32) != 1e9 || s.Units != vrt.UnitsDBFS {
		t.Errorf("PSD8 spectrum: stream 0x%08x, %d bins, step %v, bin 32 at %v", s.StreamID, len(s.Bins), s.StepHz, s.FreqOf(32))
	}
	for k, v := range vals {
		if s.Bins[k] != float32(int8(v)) {
			t.Fatalf("bin %d = %v, want %d", k, s.Bins[k], int8(v))
		}
		if m := (64 - k) % 64; sp[1].Bins[m] != float32(int8(v)) {
			t.Fatalf("inverted: bin %d = %v, want %d", m, sp[1].Bins[m], int8(v))
		}
	}
}

// TestSpectraPassThrough: wsa-fft on its own output changes nothing (the
// spectra and their contexts are passed on, not re-read as device context).
func TestSpectraPassThrough(t *testing.T) {
	in := simCapture(t, sim.Config{}, tune(2.42e9, 0, 4), 1024, 2, 1)
	once := runStream(t, StreamConfig{}, in)
	if twice := runStream(t, StreamConfig{Average: 4}, once); !bytes.Equal(once, twice) {
		t.Errorf("second pass changed the stream (%d → %d bytes)", len(once), len(twice))
	}
}

// TestMalformedInput: at damaged input Run writes everything before the
// damage (spectra included) and returns the reader's FormatError with the
// packet index and byte offset.
func TestMalformedInput(t *testing.T) {
	in := simCapture(t, sim.Config{}, tune(2.42e9, 0, 4), 1024, 3, 1)
	pk := packets(t, in)
	cut := len(in) - 100 // the last data packet is truncated
	var out bytes.Buffer
	st, _ := NewStream(StreamConfig{Average: 5})
	err := st.Run(context.Background(), bytes.NewReader(in[:cut]), &out)
	var fe *vrt.FormatError
	if !errors.As(err, &fe) || !errors.Is(err, vrt.ErrTruncated) {
		t.Fatalf("error %v, want a truncation FormatError", err)
	}
	if fe.Index != int64(len(pk)-1) || fe.Offset != int64(len(in)-len(pk[len(pk)-1])) {
		t.Errorf("error at packet %d offset %d, want %d at %d", fe.Index, fe.Offset, len(pk)-1, len(in)-len(pk[len(pk)-1]))
	}
	sp := spectra(t, out.Bytes())
	if len(sp) != 1 || sp[0].Averages != 2 {
		t.Errorf("before the damage: %d spectra; want the partial average of the 2 good packets", len(sp))
	}
}

// TestFeedAllocations: once warmed up, Feed allocates nothing per packet,
// from the I/Q in to the encoded spectrum out.
func TestFeedAllocations(t *testing.T) {
	in := simCapture(t, sim.Config{}, tune(2.42e9, 0, 4), 4096, 1, 1)
	var data *vrt.Packet
	var ctxs []*vrt.Packet
	for _, raw := range packets(t, in) {
		p := decodePacket(t, raw)
		if p.Type.IsData() {
			data = p
		} else {
			ctxs = append(ctxs, p)
		}
	}
	for _, cfg := range []StreamConfig{{}, {Average: 4}, {Bins: 1024, Overlap: 0.5}, {Hold: HoldMax}} {
		st, _ := NewStream(cfg)
		var buf []byte
		for _, c := range ctxs {
			buf, _ = st.Feed(buf[:0], c)
		}
		buf, _ = st.Feed(buf[:0], data)
		feed := testing.AllocsPerRun(50, func() { buf, _ = st.Feed(buf[:0], data) })
		// The whole per-packet path, spectrum encoding included, allocates
		// nothing once warmed up.
		if feed != 0 {
			t.Errorf("%s: %v allocations per packet", cfg.String(), feed)
		}
	}
}

// TestFullScaleThroughStream: an I14Q14 packet holding a full-scale
// complex tone (±8191 counts) on a bin reads −6.02 dBFS, i.e. RL + 9.75 dBm
// once wsa-cal adds the reference level from the spectrum's own context —
// the level contract end to end through the wire format.
func TestFullScaleThroughStream(t *testing.T) {
	const n = 4096
	i, q := make([]int16, n), make([]int16, n)
	for k := range i {
		s, c := math.Sincos(2 * math.Pi * 300 * float64(k) / n)
		i[k], q[k] = int16(math.Round(8191*c)), int16(math.Round(8191*s))
	}
	for _, rl := range []float64{-30, -15, 0, 15} {
		b := newBuilder(t, 125e6).device(2.4e9, 125e6, 0, rl).iq(i, q)
		for _, win := range WindowNames() {
			s := spectra(t, runStream(t, StreamConfig{Options: Options{Window: win}}, b.b))[0]
			k := Peak(s.Bins)
			if k != n/2+300 {
				t.Fatalf("%s: peak at bin %d", win, k)
			}
			bins := []float32{s.Bins[k]}
			DBFSToDBm(bins, s.RefLevelDBm)
			if got := float64(bins[0]); math.Abs(got-(rl+9.75)) > 0.01 {
				t.Errorf("RL %v %s: full-scale tone %.3f dBm, want RL + 9.75 = %.2f", rl, win, got, rl+9.75)
			}
		}
	}
}
