package plot_test

import (
	"testing"

	"github.com/wsatools/wsa/pkg/plot"
)

func TestUnitForSpan(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		want   string
	}{
		{2.4e9, 2.5e9, "MHz"},
		{0.1e9, 6e9, "GHz"},
		{2.41995e9, 2.42005e9, "MHz"}, // 100 kHz span at 2.42 GHz: not 2419950 kHz
		{100e3, 200e3, "kHz"},
		{10, 900, "Hz"},
		{88e6, 108e6, "MHz"},
	} {
		if got := plot.UnitForSpan(tc.lo, tc.hi).Name; got != tc.want {
			t.Errorf("UnitForSpan(%v, %v) = %s, want %s", tc.lo, tc.hi, got, tc.want)
		}
	}
}

func TestFormatHz(t *testing.T) {
	for _, tc := range []struct {
		hz   float64
		want string
	}{
		{2.42e9, "2.42 GHz"}, {125e6, "125 MHz"}, {12207.03125, "12.20703 kHz"}, {0, "0 Hz"}, {999, "999 Hz"}, {-5e6, "-5 MHz"},
	} {
		if got := plot.FormatHz(tc.hz); got != tc.want {
			t.Errorf("FormatHz(%v) = %q, want %q", tc.hz, got, tc.want)
		}
	}
	if got := plot.FormatHzStep(2.43001e9, 30517); got != "2.43001 GHz" {
		t.Errorf("FormatHzStep = %q", got)
	}
}

func TestFindPeaks(t *testing.T) {
	seg := func(v ...float32) []plot.Segment { return []plot.Segment{{StartHz: 100, StepHz: 10, Bins: v}} }
	for _, tc := range []struct {
		name string
		segs []plot.Segment
		n    int
		want []float64 // Hz, highest first
	}{
		{"two tones", seg(-90, -90, -30, -90, -90, -50, -90, -90), 2, []float64{120, 150}},
		{"n limits", seg(-90, -30, -90, -50, -90, -40, -90), 1, []float64{110}},
		{"shoulder is not a peak", seg(-90, -40, -39, -20, -39.5, -90, -90), 2, []float64{130}},
		{"edges are not peaks", seg(-10, -90, -50, -90, -5), 3, []float64{120}},
		{"plateau counts once", seg(-90, -30, -30, -30, -90), 3, []float64{110}},
		{"none", seg(-90, -90, -90), 2, nil},
	} {
		got := plot.FindPeaks(tc.segs, tc.n, 3, 0)
		if len(got) != len(tc.want) {
			t.Errorf("%s: %+v, want %v", tc.name, got, tc.want)
			continue
		}
		for i, p := range got {
			if p.Hz != tc.want[i] {
				t.Errorf("%s: peak %d at %v, want %v", tc.name, i, p.Hz, tc.want[i])
			}
		}
	}
}
