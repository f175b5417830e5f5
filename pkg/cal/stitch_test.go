package cal

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/wsatools/wsa/pkg/vrt"
	"github.com/wsatools/wsa/pkg/wsa"
)

// feed runs a capture description and spectra through a stitcher and
// returns everything it finished, Close included.
func feed(t *testing.T, st *Stitcher, ci *vrt.CaptureInfo, specs []*vrt.Spectrum) []Done {
	t.Helper()
	var out []Done
	if ci != nil {
		out = append(out, st.Describe(*ci)...)
	}
	for _, s := range specs {
		d, err := st.Add(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, d...)
	}
	return append(out, st.Close()...)
}

func peakNear(s *vrt.Spectrum, hz, width float64) (float64, float64) {
	best, at := math.Inf(-1), 0.0
	for k, v := range s.Bins {
		f := s.FreqOf(k)
		if math.Abs(f-hz) <= width && float64(v) > best {
			best, at = float64(v), f
		}
	}
	return best, at
}

// nativePeak is the highest bin any capture's usable band shows near hz:
// what a tone reads before stitching.
func nativePeak(specs []*vrt.Spectrum, hz float64) float64 {
	best := math.Inf(-1)
	for _, s := range specs {
		for k, v := range s.Bins {
			if f := s.FreqOf(k); math.Abs(f-hz) < 2*s.StepHz && math.Abs(f-s.CenterHz) < 45e6 && k != len(s.Bins)/2 {
				best = math.Max(best, float64(v))
			}
		}
	}
	return best
}

// TestStitchComplete: a pass of pyrf's 2.4-2.5 GHz plan (2000 bins, three
// captures) becomes one spectrum whose bins run exactly from 2.4 to
// 2.5 GHz, evenly spaced; a tone inside the range appears at its frequency
// with the level the captures saw; nothing of the captures' DC spikes, of
// a tone outside the range, or of the attenuated edge of a capture
// survives; the metadata is the first capture's.
func TestStitchComplete(t *testing.T) {
	p := wsa.PropertiesFor("")
	tones := []tone{
		{2.412e9, -30},     // inside, in the first capture's kept run
		{2.495e9, -50},     // 50 MHz above capture 0's LO, in its filter's roll-off (−5.7 dB); captures 1 and 2 see it clean
		{2.392e9, -20},     // below the range: capture 0 sees it at −53 MHz, attenuated
		{2.4897e9, -60.25}, // where capture 1's kept run ends, just short of its DC region
	}
	ci, specs := planSpectra(p, 2.4e9, 2.5e9, 2000, tones, -110)
	if len(specs) != 3 {
		t.Fatalf("%d captures, want 3", len(specs))
	}
	done := feed(t, &Stitcher{}, &ci, specs)
	if len(done) != 1 || done[0].Spectrum == nil {
		t.Fatalf("done %+v", done)
	}
	s := done[0].Spectrum
	bin := 125e6 / 4096
	if n := len(s.Bins); n != 3278 {
		t.Errorf("%d bins, want round(100 MHz / %.2f Hz) + 1 = 3278", n, bin)
	}
	if s.StartHz != 2.4e9 || math.Abs(s.StopHz()-2.5e9) > 1e-3 || math.Abs(s.StepHz-bin) > bin*2e-4 {
		t.Errorf("bins %v…%v by %v", s.StartHz, s.StopHz(), s.StepHz)
	}
	if s.CenterHz != 2.45e9 || s.SampleRateHz != 0 || !s.HasSweepID || s.SweepID != 7 || s.Source != ci.Source ||
		s.Timestamp != specs[0].Timestamp || !s.HasTime || s.Units != vrt.UnitsDBm || s.FFTSize != 4096 || s.Window != "hann" {
		t.Errorf("metadata %+v", *s)
	}
	for _, tc := range []struct {
		hz, dbm float64
	}{{2.412e9, -30}, {2.495e9, -50}, {2.4897e9, -60.25}} {
		lvl, at := peakNear(s, tc.hz, 5*bin)
		if math.Abs(at-tc.hz) > s.StepHz {
			t.Errorf("tone %v: peak at %v, more than a bin away", tc.hz, at)
		}
		// The stitched peak is the captures' clean reading (no loss from
		// resampling), which is the tone's level less at most the Hann
		// scalloping loss (1.42 dB half-way between bins).
		if want := nativePeak(specs, tc.hz); math.Abs(lvl-want) > 0.01 || lvl > tc.dbm+0.01 || lvl < tc.dbm-1.43 {
			t.Errorf("tone %v dBm at %v: stitched peak %.3f dBm, clean capture peak %.3f", tc.dbm, tc.hz, lvl, want)
		}
	}
	// Below the range's start nothing of the −20 dBm tone at 2.392 GHz is
	// seen, and no bin anywhere shows a DC spike or a value above the tones.
	if lvl, _ := peakNear(s, 2.4e9, 1e6); lvl > -105 {
		t.Errorf("the 2.392 GHz tone outside the range leaks in: %.1f dBm at the start", lvl)
	}
	for k, v := range s.Bins {
		if v > -29 {
			t.Fatalf("bin %d (%v Hz) at %v dBm: a DC spike or an out-of-band tone got in", k, s.FreqOf(k), v)
		}
	}
}

// TestStitchDecimated: pyrf's decimated example (2.4-2.401 GHz in 4096
// bins: two captures decimated by 64, shifted by 44.51 MHz) stitches to
// 1 MHz exactly, with a tone where the two captures meet.
func TestStitchDecimated(t *testing.T) {
	p := wsa.PropertiesFor("")
	f := 2.4e9 + 4096*125e6/64/8192 + 40 // the first bin of the second capture, and a bit
	ci, specs := planSpectra(p, 2.4e9, 2.401e9, 4096, []tone{{f, -70}}, -130)
	if len(specs) != 2 || specs[0].Decimation != 64 {
		t.Fatalf("%d captures, decimation %d", len(specs), specs[0].Decimation)
	}
	done := feed(t, &Stitcher{}, &ci, specs)
	if len(done) != 1 || done[0].Spectrum == nil {
		t.Fatalf("%+v", done)
	}
	s := done[0].Spectrum
	if s.StartHz != 2.4e9 || math.Abs(s.StopHz()-2.401e9) > 1e-3 || len(s.Bins) != 4195 {
		t.Fatalf("%d bins %v…%v", len(s.Bins), s.StartHz, s.StopHz())
	}
	lvl, at := peakNear(s, f, 1e3)
	if math.Abs(at-f) > s.StepHz || math.Abs(lvl-nativePeak(specs, f)) > 0.01 || lvl < -71.43 {
		t.Errorf("tone at %v: %.2f dBm at %v", f, lvl, at)
	}
}

// TestStitchIncomplete: a missing capture, a stream that ends mid-pass, a
// changed sweep ID and a described pass that never came are reported, and
// none of them is emitted as a spectrum.
func TestStitchIncomplete(t *testing.T) {
	p := wsa.PropertiesFor("")
	ci, specs := planSpectra(p, 2.4e9, 2.5e9, 2000, nil, -110)

	t.Run("missing step", func(t *testing.T) {
		done := feed(t, &Stitcher{}, &ci, []*vrt.Spectrum{specs[0], specs[2]})
		if len(done) != 1 || done[0].Spectrum != nil {
			t.Fatalf("%+v", done)
		}
		inc := done[0].Incomplete
		// The upper half of the first capture covers most of what the
		// middle one kept, all but its DC region (2444.98 MHz ± 120 kHz):
		// the step count gives the pass away, and the gap is reported.
		if inc.Steps != 2 || inc.WantSteps != 3 || inc.MissingBins < 1 || len(inc.Gaps) != 1 || math.Abs(inc.Gaps[0][0]-2444.88e6) > 0.05e6 ||
			inc.Reason != EndEOF || !strings.Contains(inc.Error(), "2 of 3 centres") {
			t.Errorf("%+v: %v", inc, inc)
		}
	})
	t.Run("stream ended mid-pass", func(t *testing.T) {
		done := feed(t, &Stitcher{}, &ci, specs[:2])
		if len(done) != 1 || done[0].Incomplete == nil || done[0].Incomplete.Steps != 2 || done[0].Incomplete.Reason != EndEOF {
			t.Fatalf("%+v", done)
		}
	})
	t.Run("sweep ID changed", func(t *testing.T) {
		other := *specs[0]
		other.SweepID = 8
		done := feed(t, &Stitcher{StartHz: 2.4e9, StopHz: 2.5e9}, &ci, []*vrt.Spectrum{specs[0], specs[1], &other})
		// Sweep 7 ends incomplete when 8 begins; 8 ends with the stream.
		if len(done) != 2 || done[0].Incomplete == nil || done[0].Incomplete.Reason != EndSweepID || done[0].Incomplete.SweepID != 7 ||
			done[1].Incomplete == nil || done[1].Incomplete.SweepID != 8 || done[1].Incomplete.Reason != EndEOF {
			t.Fatalf("%+v", done)
		}
	})
	t.Run("new pass before the end", func(t *testing.T) {
		st := &Stitcher{}
		done := feed(t, st, &ci, []*vrt.Spectrum{specs[0], specs[1], specs[0], specs[1], specs[2]})
		if len(done) != 2 || done[0].Incomplete == nil || done[0].Incomplete.Reason != EndNewPass || done[1].Spectrum == nil {
			t.Fatalf("%+v", done)
		}
	})
	t.Run("described pass never came", func(t *testing.T) {
		st := &Stitcher{}
		var done []Done
		done = append(done, st.Describe(ci)...)
		for _, s := range specs {
			d, _ := st.Add(s)
			done = append(done, d...)
		}
		done = append(done, st.Describe(ci)...) // pass 2 described, then the stream ends
		done = append(done, st.Close()...)
		if len(done) != 2 || done[0].Spectrum == nil || done[1].Incomplete == nil || done[1].Incomplete.Steps != 0 ||
			!strings.Contains(done[1].Incomplete.Error(), "0 of 3 centres") {
			t.Fatalf("%+v", done)
		}
	})
	t.Run("more centres than described", func(t *testing.T) {
		c := ci
		c.SweepSteps = 2
		done := feed(t, &Stitcher{}, &c, specs)
		if len(done) != 1 || done[0].Incomplete == nil || done[0].Incomplete.MissingBins != 0 {
			t.Fatalf("%+v", done)
		}
	})
}

// TestStitchPasses: a continuous sweep gives one spectrum per pass, each
// ended by the next pass's capture description, and every pass of two
// interleaved streams is kept apart.
func TestStitchPasses(t *testing.T) {
	p := wsa.PropertiesFor("")
	ci, specs := planSpectra(p, 2.4e9, 2.5e9, 1000, []tone{{2.412e9, -30}}, -110)
	st := &Stitcher{}
	var done []Done
	for pass := 0; pass < 3; pass++ {
		done = append(done, st.Describe(ci)...)
		if pass == 0 && len(done) != 0 {
			t.Fatal("the first description ended something")
		}
		for _, s := range specs {
			d, err := st.Add(s)
			if err != nil {
				t.Fatal(err)
			}
			done = append(done, d...)
		}
		if len(done) != pass {
			t.Fatalf("pass %d: %d finished before its end", pass, len(done))
		}
	}
	done = append(done, st.Close()...)
	if len(done) != 3 {
		t.Fatalf("%d done, want 3", len(done))
	}
	for _, d := range done {
		if d.Spectrum == nil {
			t.Fatalf("incomplete: %v", d.Incomplete)
		}
	}

	// Two streams interleaved (two devices merged by wsa-pull).
	other := make([]*vrt.Spectrum, len(specs))
	for i, s := range specs {
		c := *s
		c.StreamID = vrt.StreamSpectrumBase | 0x0103
		other[i] = &c
	}
	st = &Stitcher{StartHz: 2.4e9, StopHz: 2.5e9}
	var mixed []*vrt.Spectrum
	for i := range specs {
		mixed = append(mixed, specs[i], other[i])
	}
	done = feed(t, st, nil, mixed)
	if len(done) != 2 || done[0].Spectrum == nil || done[1].Spectrum == nil || done[0].Spectrum.StreamID == done[1].Spectrum.StreamID {
		t.Fatalf("%+v", done)
	}
}

// TestStitchAveragesPackets: several packets per step are averaged in
// linear power.
func TestStitchAveragesPackets(t *testing.T) {
	p := wsa.PropertiesFor("")
	ci, specs := planSpectra(p, 2.4e9, 2.5e9, 1000, nil, -100)
	var in []*vrt.Spectrum
	for _, s := range specs {
		b := *s
		b.Bins = make([]float32, len(s.Bins))
		for k := range b.Bins {
			b.Bins[k] = s.Bins[k] - 10 // −110 dBm floor
		}
		in = append(in, s, &b)
	}
	done := feed(t, &Stitcher{}, &ci, in)
	if len(done) != 1 || done[0].Spectrum == nil {
		t.Fatalf("%+v", done)
	}
	s := done[0].Spectrum
	want := 10 * math.Log10((1e-10+1e-11)/2)
	for k, v := range s.Bins {
		if math.Abs(float64(v)-want) > 0.01 {
			t.Fatalf("bin %d: %v dBm, want the linear mean %v", k, v, want)
		}
	}
	if s.Averages != 2 || s.Trace != vrt.TraceAverage {
		t.Errorf("averages %d trace %v", s.Averages, s.Trace)
	}
}

func TestStitchRangeAndLimits(t *testing.T) {
	p := wsa.PropertiesFor("")
	_, specs := planSpectra(p, 2.4e9, 2.5e9, 1000, nil, -100)
	if _, err := (&Stitcher{}).Add(specs[0]); !errors.Is(err, ErrNoRange) {
		t.Errorf("no range: %v", err)
	}
	// --range narrower than the sweep: only that part, complete without a
	// description (no step count to check).
	done := feed(t, &Stitcher{StartHz: 2.42e9, StopHz: 2.43e9}, nil, specs)
	if len(done) != 1 || done[0].Spectrum == nil || done[0].Spectrum.StartHz != 2.42e9 || math.Abs(done[0].Spectrum.StopHz()-2.43e9) > 1e-3 {
		t.Fatalf("%+v", done)
	}
	// --range wider than the sweep: bins missing above the last capture's usable band (2534.72 + 45 MHz).
	done = feed(t, &Stitcher{StartHz: 2.4e9, StopHz: 2.6e9}, nil, specs)
	if len(done) != 1 || done[0].Incomplete == nil || len(done[0].Incomplete.Gaps) != 1 || math.Abs(done[0].Incomplete.Gaps[0][0]-2.57972e9) > 1e5 {
		t.Fatalf("%+v", done)
	}
	// The roll-off beyond a capture's usable band is never used: with only
	// the first capture (LO 2445 MHz), everything above 2490 MHz is missing.
	done = feed(t, &Stitcher{StartHz: 2.4e9, StopHz: 2.5e9}, nil, specs[:1])
	if len(done) != 1 || done[0].Incomplete == nil || len(done[0].Incomplete.Gaps) != 2 {
		t.Fatalf("%+v", done)
	}
	if g := done[0].Incomplete.Gaps; math.Abs(g[0][0]-2444.96e6) > 0.05e6 || math.Abs(g[1][0]-2.49e9) > 1e5 || math.Abs(g[1][1]-2.5e9) > 1 {
		t.Fatalf("gaps %v: want the DC region and 2490 to 2500 MHz", g)
	}
	// At most MaxOpen passes at once.
	st := &Stitcher{StartHz: 2.4e9, StopHz: 2.5e9, MaxOpen: 2}
	var out []Done
	for i := 0; i < 3; i++ {
		c := *specs[0]
		c.StreamID = vrt.StreamSpectrumBase | uint32(0x200+i)
		d, err := st.Add(&c)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, d...)
	}
	if len(out) != 1 || out[0].Incomplete == nil || out[0].Incomplete.Reason != EndTooMany || out[0].Incomplete.StreamID != vrt.StreamSpectrumBase|0x200 {
		t.Fatalf("%+v", out)
	}
	// Too many bins.
	s := *specs[0]
	s.StepHz = 1e-3
	if _, err := (&Stitcher{StartHz: 0, StopHz: 1e9}).Add(&s); err == nil {
		t.Error("a 10^12-bin stitch was accepted")
	}
}
