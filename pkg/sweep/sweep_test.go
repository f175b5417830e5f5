package sweep

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/wsatools/wsa/pkg/wsa"
)

// wsa42 is the imaginary device of pyrf's 2013 planner tests
// (device-facts.md §10): 128 MHz sample rate, 66 MHz usable, centres
// 96 MHz to 2044 MHz, decimation 4 to 256, half the decimated span usable,
// 2 MHz DC region.
var wsa42 = wsa.Properties{Model: "WSA42", FullBW: 128e6, UsableBW: 66e6, MinTunable: 96e6, MaxTunable: 2044e6,
	MinDecimation: 4, MaxDecimation: 256, DecimatedUsable: 0.5, DCOffsetBW: 2e6,
	MaxFreq: 2044e6, MaxFShift: 128e6, MinIFGain: -10, MaxIFGain: 34, MinSPP: 16, MaxSPP: 65520, SPPMultiple: 16,
	MaxPPB: 100, Antennas: 2, MinTriggerDBm: -150, MaxTriggerDBm: 30}

type tuple struct {
	center, step, fshift   float64
	dec, points, skip, run int
	keep                   int
}

func tupleOf(s Step) tuple {
	return tuple{s.CenterHz, s.StepHz, s.FShiftHz, s.Decimation, s.Points, s.Skip, s.Run, s.Keep}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-6*math.Max(1, math.Abs(b)) }

func (a tuple) equal(b tuple) bool {
	return near(a.center, b.center) && near(a.step, b.step) && near(a.fshift, b.fshift) &&
		a.dec == b.dec && a.points == b.points && a.skip == b.skip && a.run == b.run && a.keep == b.keep
}

// TestPlanGolden: pyrf's SweepStep tuples (fcenter, fstep, fshift,
// decimation, points, bins_skip, bins_run, bins_keep). The WSA42 cases are
// pyrf's own 2013 unit tests (device-facts.md §10); where the facts give
// only part of a tuple the rest is worked out by hand in the comment. The
// WSA4000 cases are the worked examples of §6.1.
func TestPlanGolden(t *testing.T) {
	ws4 := wsa.PropertiesFor("")
	cases := []struct {
		name              string
		p                 *wsa.Properties
		start, stop       float64
		bins              int
		opt               Options
		wantStart, wantTo float64
		want              []tuple
	}{
		{"wsa42 100-132 MHz 64 bins", &wsa42, 100e6, 132e6, 64, Options{}, 100e6, 132e6,
			[]tuple{{133e6, 32e6, 0, 1, 256, 62, 64, 64}}},
		// 128·64/31.9 = 256.8 → 512 points, bin 250 kHz: skip 31 MHz/bin = 124,
		// run 32 MHz/bin = 128, keep round(31.9/0.25) = 128.
		{"wsa42 100-131.9 MHz 64 bins", &wsa42, 100e6, 131.9e6, 64, Options{}, 100e6, 131.9e6,
			[]tuple{{133e6, 32e6, 0, 1, 512, 124, 128, 128}}},
		// min_points 64: bin 2 MHz; skip ⌈31/2⌉ = 16 → fshift 1 MHz; run ⌊(33−1−1)/2⌋ = 15.
		{"wsa42 fshift, min points 64", &wsa42, 100e6, 164e6, 32, Options{MinPoints: 64}, 100e6, 164e6,
			[]tuple{{133e6, 30e6, 1e6, 1, 64, 16, 15, 32}}},
		{"wsa42 decimated 100-101 MHz 4096 bins", &wsa42, 100e6, 101e6, 4096, Options{}, 100e6, 101e6,
			[]tuple{{133e6, 1e6, 32.5e6, 64, 8192, 2048, 4096, 4096}}},
		// Clamped to 63…2043 MHz; 1024 bins → 128 points of 1 MHz, run 32,
		// keep limited by the top centre: ⌊(2044−63)/32⌋·32 = 1952.
		{"wsa42 0-2048 MHz truncated", &wsa42, 0, 2048e6, 1024, Options{}, 63e6, 2043e6,
			[]tuple{{96e6, 32e6, 0, 1, 128, 31, 32, 1952}}},
		{"wsa42 empty range", &wsa42, 100e6, 100e6, 64, Options{}, 100e6, 100e6, nil},
		{"wsa42 inverted range", &wsa42, 200e6, 100e6, 64, Options{}, 200e6, 100e6, nil},
		{"wsa42 below the IQ band", &wsa42, 0, 60e6, 64, Options{}, 63e6, 60e6, nil},

		{"wsa4000 0-10 GHz 2000 bins", ws4, 0, 10e9, 2000, Options{}, 45e6, 9999.88e6,
			[]tuple{{90e6, 43945312.5, 78125, 1, 128, 18, 45, 10170}}},
		{"wsa4000 2.4-2.5 GHz 2000 bins", ws4, 2.4e9, 2.5e9, 2000, Options{}, 2.4e9, 2.5e9,
			[]tuple{{2445e6, 1470 * 125e6 / 4096, 574*125e6/4096 - 17.5e6, 1, 4096, 574, 1470, 3277}}},
		{"wsa4000 2.4-2.401 GHz 4096 bins", ws4, 2.4e9, 2.401e9, 4096, Options{}, 2.4e9, 2.401e9,
			[]tuple{{2445e6, 976562.5, 44.51171875e6, 64, 8192, 2048, 4096, 4194}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pl, err := New(tc.p, tc.start, tc.stop, tc.bins, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			if !near(pl.StartHz, tc.wantStart) || !near(pl.StopHz, tc.wantTo) {
				t.Errorf("range %.0f…%.0f, want %.0f…%.0f", pl.StartHz, pl.StopHz, tc.wantStart, tc.wantTo)
			}
			if len(pl.Steps) != len(tc.want) {
				t.Fatalf("%d steps %+v, want %d", len(pl.Steps), pl.Steps, len(tc.want))
			}
			for i, s := range pl.Steps {
				if got := tupleOf(s); !got.equal(tc.want[i]) {
					t.Errorf("step %d = %+v\n want %+v", i, got, tc.want[i])
				}
			}
		})
	}
	// The fshift of the 2.4-2.5 GHz example as the facts print it.
	pl, _ := New(ws4, 2.4e9, 2.5e9, 2000, Options{})
	if math.Abs(pl.Steps[0].FShiftHz-17089.84) > 0.005 {
		t.Errorf("fshift %v, facts say 17089.84 Hz", pl.Steps[0].FShiftHz)
	}
}

// TestPlanInvariants checks, over random ranges and resolutions on the
// WSA4000, what the plan is for: the kept bins of successive captures lie
// on one grid that starts exactly at the range's start, stay inside the
// usable band (above centre − usable/2, below the DC region or inside the
// decimated passband), are no wider than asked, and the captures collect
// Keep bins without a centre above 10 GHz.
func TestPlanInvariants(t *testing.T) {
	p := wsa.PropertiesFor("")
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		start := 45e6 + r.Float64()*9.9e9
		span := math.Pow(10, 4+r.Float64()*6)
		stop := start + span
		bins := 1 + r.IntN(20000)
		pl, err := New(p, start, stop, bins, Options{})
		if err != nil {
			t.Fatalf("%v…%v %d bins: %v", start, stop, bins, err)
		}
		if pl.Empty() {
			if stop < p.MaxTunable-p.DCOffsetBW/2 {
				t.Fatalf("%v…%v %d bins: empty plan", start, stop, bins)
			}
			continue
		}
		s := pl.Steps[0]
		dc := s.CenterHz - s.FShiftHz
		first := dc + float64(s.Skip-s.Points/2)*s.BinHz
		last := dc + float64(s.Skip+s.Run-1-s.Points/2)*s.BinHz
		fs := p.FullBW / float64(s.Decimation)
		switch {
		case math.Abs(first-pl.StartHz) > 1e-3:
			t.Fatalf("%+v: first kept bin %v, range starts %v", s, first, pl.StartHz)
		case math.Abs(s.StepHz-float64(s.Run)*s.BinHz) > 1e-6:
			t.Fatalf("%+v: centre step is not one run", s)
		case first < s.CenterHz-p.UsableBW/2-1e-3:
			t.Fatalf("%+v: kept bins start below the usable band", s)
		case s.Decimation == 1 && last > dc-p.DCOffsetBW/2:
			t.Fatalf("%+v: kept bins reach the DC region", s)
		case s.Decimation > 1 && (first < dc-fs*p.DecimatedUsable/2-1e-6 || last > dc+fs*p.DecimatedUsable/2):
			t.Fatalf("%+v: kept bins outside the decimation filter's flat band", s)
		case s.Decimation > 1 && (s.Decimation < p.MinDecimation || s.Decimation > p.MaxDecimation):
			t.Fatalf("%+v: decimation out of range", s)
		case s.BinHz > (pl.StopHz-pl.StartHz)/float64(bins)*(1+1e-12):
			t.Fatalf("%+v: bin %v wider than asked (%v)", s, s.BinHz, (pl.StopHz-pl.StartHz)/float64(bins))
		case s.Captures()*s.Run < s.Keep:
			t.Fatalf("%+v: captures do not collect keep bins", s)
		}
		e, n, err := pl.Entry(p, wsa.DefaultSweepEntry())
		if s.Points > p.MaxSPP {
			if err == nil {
				t.Fatalf("%+v: entry with %d points accepted", s, s.Points)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%+v: %v", s, err)
		}
		if got := len(e.Steps()); got != n || e.StopHz > p.MaxTunable {
			t.Fatalf("%+v: entry visits %d centres up to %v, plan says %d", s, got, e.StopHz, n)
		}
		cs, ce := pl.Covered(p)
		if cs != pl.StartHz || ce > pl.StopHz || ce < pl.StartHz {
			t.Fatalf("%+v: covered %v…%v", s, cs, ce)
		}
		// The kept bins of the n centres reach the covered stop.
		if top := pl.StartHz + float64(min(n*s.Run, s.Keep))*s.BinHz; top < ce-s.BinHz {
			t.Fatalf("%+v: %d centres keep bins to %v, covered stop %v", s, n, top, ce)
		}
	}
}

func TestPlanEntry(t *testing.T) {
	p := wsa.PropertiesFor("")
	base := wsa.DefaultSweepEntry()
	base.Gain, base.PPB, base.IFGain = wsa.GainLow, 2, 5
	pl, err := New(p, 2.4e9, 2.5e9, 2000, Options{})
	if err != nil {
		t.Fatal(err)
	}
	e, n, err := pl.Entry(p, base)
	if err != nil {
		t.Fatal(err)
	}
	// 3277 bins at 1470 per capture: 3 centres, 44860839.84 Hz apart (sent as
	// whole Hz), shift 17089.84 Hz → 17090.
	if n != 3 || e.StartHz != 2445e6 || e.StepHz != 44860840 || e.StopHz != 2445e6+2*44860840 ||
		e.FShiftHz != 17090 || e.SPP != 4096 || e.Decimation != 1 || e.PPB != 2 || e.Gain != wsa.GainLow || e.IFGain != 5 {
		t.Errorf("entry %+v, %d centres", e, n)
	}
	if s, c := pl.Covered(p); s != 2.4e9 || c != 2.5e9 {
		t.Errorf("covered %v…%v", s, c)
	}
	// 0-10 GHz: the top 23 MHz cannot be reached with centres ≤ 10 GHz.
	pl, _ = New(p, 0, 10e9, 2000, Options{})
	e, n, err = pl.Entry(p, base)
	if err != nil || n != 226 || e.StopHz > 10e9 {
		t.Fatalf("0-10 GHz entry %+v, %d centres, %v", e, n, err)
	}
	if _, c := pl.Covered(p); math.Abs(c-(45e6+10169*976562.5)) > 1e-3 {
		t.Errorf("0-10 GHz covered up to %v", c)
	}
	// Too fine for the device's largest packet.
	pl, _ = New(p, 2.4e9, 2.4e9+1e4, 1<<20, Options{})
	if _, _, err := pl.Entry(p, base); err == nil {
		t.Errorf("entry with %d points accepted", pl.Steps[0].Points)
	}
	if _, _, err := (Plan{}).Entry(p, base); err == nil {
		t.Error("empty plan gave an entry")
	}
}

func TestPlanErrors(t *testing.T) {
	p := wsa.PropertiesFor("")
	for _, tc := range []struct {
		start, stop float64
		bins        int
		opt         Options
	}{
		{2.4e9, 2.5e9, 0, Options{}},
		{math.NaN(), 2.5e9, 10, Options{}},
		{2.4e9, math.Inf(1), 10, Options{}},
		{2.4e9, 2.5e9, 10, Options{MinPoints: 4096, MaxPoints: 1024}},
		{2.4e9, 2.5e9, 10, Options{MinPoints: 2, MaxPoints: 2}}, // 62.5 MHz bins: nothing usable
	} {
		if _, err := New(p, tc.start, tc.stop, tc.bins, tc.opt); err == nil {
			t.Errorf("%+v accepted", tc)
		}
	}
	if _, err := New(nil, 1, 2, 3, Options{}); err == nil {
		t.Error("nil properties accepted")
	}
}

func TestBinsForRBW(t *testing.T) {
	for _, tc := range []struct {
		start, stop, rbw float64
		want             int
	}{
		{2.4e9, 2.5e9, 100e3, 1000},
		{2.4e9, 2.5e9, 50e3, 2000},
		{2.4e9, 2.5e9, 30e3, 3334},
		{2.4e9, 2.4e9 + 10, 1e6, 1},
	} {
		got, err := BinsForRBW(tc.start, tc.stop, tc.rbw)
		if err != nil || got != tc.want {
			t.Errorf("%v: %d, %v; want %d", tc, got, err, tc.want)
		}
	}
	for _, bad := range [][3]float64{{1, 2, 0}, {1, 2, -5}, {2, 1, 1}, {0, 1e12, 1e-3}} {
		if _, err := BinsForRBW(bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// TestUsableBins: pyrf's example (device-facts.md §5.7) and hand-worked
// cases for a shift, decimation and a tiny FFT.
func TestUsableBins(t *testing.T) {
	p := wsa.PropertiesFor("")
	cases := []struct {
		name        string
		points, dec int
		fshift      float64
		want        []Run
	}{
		// 90/125 of 1024 = 737 bins from ⌊0.14·1024⌋ = 143; gap 510…512.
		{"pyrf example N=1024", 1024, 1, 0, []Run{{143, 367}, {513, 367}}},
		// The usable band follows the LO: 12.5 MHz shift = +102.4 bins.
		// start0 = ⌊(0.6 − 0.36)·1024⌋ = 245, run0 737, start1 = 245+368+2 = 615.
		{"shift 12.5 MHz", 1024, 1, 12.5e6, []Run{{245, 367}, {615, 367}}},
		// Decimated by 4: half the span around DC, 256…767 minus the gap.
		{"decimated", 1024, 4, 30e6, []Run{{256, 255}, {514, 254}}},
		// 60 MHz shift: start0 = ⌊(0.98 − 0.36)·1024⌋ = 634; the second run is cut at the end.
		{"shift past the end", 1024, 1, 60e6, []Run{{634, 367}, {1004, 20}}},
	}
	for _, tc := range cases {
		got := UsableBins(p, tc.points, tc.dec, tc.fshift)
		if len(got) != len(tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
			}
		}
	}
	if UsableBins(p, 0, 1, 0) != nil {
		t.Error("no points gave usable bins")
	}
}
