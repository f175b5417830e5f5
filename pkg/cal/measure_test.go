package cal

import (
	"math"
	"testing"

	"github.com/wsatools/wsa/pkg/vrt"
)

// flatBand returns a spectrum whose bins read what a Hann-windowed FFT
// reads for a noise-like band of totalDBm spread evenly over lo…hi (bins
// of step Hz, RBW 1.5 bins), over a floor far below it.
func flatBand(start, step float64, n int, lo, hi, totalDBm float64) *vrt.Spectrum {
	s := &vrt.Spectrum{StartHz: start, StepHz: step, RBWHz: 1.5 * step, Units: vrt.UnitsDBm, Bins: make([]float32, n)}
	density := totalDBm - 10*math.Log10(hi-lo) // dBm/Hz
	for k := range s.Bins {
		f := s.FreqOf(k)
		s.Bins[k] = -250
		if f >= lo && f < hi {
			s.Bins[k] = float32(density + 10*math.Log10(s.RBWHz))
		}
	}
	return s
}

// toneSpectrum is a spectrum with Hann-windowed tones (exact bin
// responses) over a floor.
func toneSpectrum(start, step float64, n int, floor float64, tones ...tone) *vrt.Spectrum {
	s := &vrt.Spectrum{StartHz: start, StepHz: step, RBWHz: 1.5 * step, Units: vrt.UnitsDBm, Bins: make([]float32, n)}
	for k := range s.Bins {
		p := math.Pow(10, floor/10)
		for _, t := range tones {
			p += math.Pow(10, t.dbm/10) * hannGain((s.FreqOf(k)-t.hz)/step)
		}
		s.Bins[k] = float32(10 * math.Log10(p))
	}
	return s
}

func TestChannelPower(t *testing.T) {
	// A 20 MHz band of −45 dBm total (Wi-Fi channel 6 of the default
	// scene) in 50 kHz bins from 2.4 GHz.
	band := flatBand(2.4e9, 50e3, 2001, 2.427e9, 2.447e9, -45)
	on := toneSpectrum(2.4e9, 50e3, 2001, -140, tone{2.412e9, -30})             // on a bin
	off := toneSpectrum(2.4e9, 50e3, 2001, -140, tone{2.412e9 + 25e3, -30})     // half-way between bins
	third := toneSpectrum(2.4e9, 50e3, 2001, -140, tone{2.412e9 + 16.6e3, -30}) // a third of a bin off
	cases := []struct {
		name        string
		s           *vrt.Spectrum
		lo, hi, dbm float64
		tol         float64
	}{
		{"whole band", band, 2.42e9, 2.46e9, -45, 0.01},
		{"half the band", band, 2.427e9, 2.437e9, -48.01, 0.01},
		// A channel edge inside a bin counts the part of the bin inside.
		{"quarter plus half a bin", band, 2.427e9, 2.432025e9, -45 + 10*math.Log10(5.025/20), 0.01},
		{"tone on a bin", on, 2.41e9, 2.414e9, -30, 0.01},
		// Between bins Hann's response sums to slightly more than 1.5 of
		// the tone: within 0.1 dB anywhere (pyrf's sum would read 1.76 dB high).
		{"tone between bins", off, 2.41e9, 2.414e9, -30, 0.1},
		{"tone a third of a bin off", third, 2.41e9, 2.414e9, -30, 0.1},
		{"floor only", on, 2.45e9, 2.46e9, -140 + 10*math.Log10(200/1.5), 0.01}, // 199 bins and two halves
	}
	for _, tc := range cases {
		got, err := ChannelPower(tc.s, tc.lo, tc.hi)
		if err != nil || math.Abs(got-tc.dbm) > tc.tol {
			t.Errorf("%s: %.3f dBm, %v; want %.3f", tc.name, got, err, tc.dbm)
		}
	}
	for _, bad := range [][2]float64{{2.3e9, 2.41e9}, {2.49e9, 2.51e9}, {2.42e9, 2.42e9}, {2.43e9, 2.42e9}} {
		if _, err := ChannelPower(band, bad[0], bad[1]); err == nil {
			t.Errorf("channel %v accepted", bad)
		}
	}
}

func TestOccupiedBandwidth(t *testing.T) {
	band := flatBand(2.4e9, 50e3, 2001, 2.427e9, 2.447e9, -45)
	for _, tc := range []struct {
		pct, bw, centre float64
	}{
		// The band is 400 bins wide: pct % of it, centred on 2.437 GHz less
		// half a bin (bins are read as covering ± step/2).
		{99, 0.99 * 20e6, 2.437e9 - 25e3},
		{90, 0.9 * 20e6, 2.437e9 - 25e3},
		{50, 10e6, 2.437e9 - 25e3},
		{100, 2001 * 50e3, 2.45e9},
	} {
		o, err := OccupiedBandwidth(band, tc.pct)
		if err != nil || math.Abs(o.BandwidthHz-tc.bw) > 1 || math.Abs(o.CenterHz-tc.centre) > 1 || math.Abs(o.TotalDBm-(-45)) > 0.01 {
			t.Errorf("%v %%: %+v, %v; want %v Hz around %v", tc.pct, o, err, tc.bw, tc.centre)
		}
	}
	// A lone tone: 99 % of Hann's response lies within about ±2 bins.
	o, err := OccupiedBandwidth(toneSpectrum(2.4e9, 50e3, 2001, -200, tone{2.412e9, -30}), 99)
	if err != nil || o.BandwidthHz < 50e3 || o.BandwidthHz > 5*50e3 || math.Abs(o.CenterHz-2.412e9) > 25e3 || math.Abs(o.TotalDBm+30) > 0.01 {
		t.Errorf("tone: %+v, %v", o, err)
	}
	if _, err := OccupiedBandwidth(band, 0); err == nil {
		t.Error("0 % accepted")
	}
}

func TestPeaks(t *testing.T) {
	s := toneSpectrum(2.4e9, 50e3, 2001, -110,
		tone{2.412e9, -30}, tone{2.437e9 + 20e3, -45}, tone{2.4122e9, -60}, tone{2.48e9, -70})
	// Noise-like ripple on the floor: local maxima of a few dB.
	for k := range s.Bins {
		if s.Bins[k] < -100 {
			s.Bins[k] += float32(3 * math.Sin(float64(k)*1.7))
		}
	}
	got := Peaks(s, 3, 0)
	// The −60 dBm tone 200 kHz from the −30 dBm one sits on its skirt, but
	// is 4 bins away: it is a peak of its own; the shoulders of the big
	// tones are not.
	want := []float64{2.412e9, 2.437e9, 2.4122e9}
	if len(got) != 3 {
		t.Fatalf("%+v", got)
	}
	for i, p := range got {
		if math.Abs(p.FreqHz-want[i]) > 25e3 || p.FreqHz != s.FreqOf(p.Bin) || p.LevelDBm != float64(s.Bins[p.Bin]) {
			t.Errorf("peak %d: %+v, want near %v", i, p, want[i])
		}
	}
	if got[0].LevelDBm < -30.01 || got[0].LevelDBm > -29.99 || got[1].LevelDBm > -45 || got[1].LevelDBm < -45-1.43 {
		t.Errorf("levels %+v", got)
	}
	// A separation of 1 MHz hides the −60 dBm tone behind the −30 dBm one.
	got = Peaks(s, 3, 1e6)
	if len(got) != 3 || math.Abs(got[2].FreqHz-2.48e9) > 25e3 {
		t.Errorf("with 1 MHz separation: %+v", got)
	}
	if len(Peaks(s, 0, 0)) != 0 {
		t.Error("0 peaks asked, some given")
	}
	// Every local maximum but nothing more.
	if n := len(Peaks(&vrt.Spectrum{StepHz: 1, Bins: []float32{1, 1, 1}}, 5, 0)); n != 1 {
		t.Errorf("flat spectrum: %d peaks", n)
	}
}
