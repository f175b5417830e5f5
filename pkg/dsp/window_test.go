package dsp

import (
	"math"
	"testing"

	gowin "github.com/mjibson/go-dsp/window"
)

// TestWindowsMatchGoDSP: where go-dsp defines the same window, the values
// agree. go-dsp's windows are the symmetric forms (denominator N−1), as
// numpy's and ours, so they must match to rounding at every length.
func TestWindowsMatchGoDSP(t *testing.T) {
	ref := map[string]func(int) []float64{
		"rect":     gowin.Rectangular,
		"hann":     gowin.Hann,
		"hamming":  gowin.Hamming,
		"flattop":  gowin.FlatTop,
		"blackman": gowin.Blackman,
	}
	for name, f := range ref {
		for _, n := range []int{1, 2, 3, 16, 1024, 65520} {
			got, err := Window(name, n)
			if err != nil {
				t.Fatal(err)
			}
			want := f(n)
			for i := range want {
				if math.Abs(got[i]-want[i]) > 1e-12 {
					t.Fatalf("%s n=%d: w[%d] = %v, go-dsp %v", name, n, i, got[i], want[i])
				}
			}
		}
	}
}

// TestHannIsPyrfs: the default is numpy.hanning, w[n] = 0.5 − 0.5·cos(2πn/(N−1)):
// zero at both ends, 1 in the middle of an odd length (device-facts.md §5.2 step 3).
func TestHannIsPyrfs(t *testing.T) {
	w, _ := Window("", 9)
	for i, v := range w {
		want := 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/8)
		if math.Abs(v-want) > 1e-15 {
			t.Errorf("w[%d] = %v, want %v", i, v, want)
		}
	}
	if w[0] != 0 || math.Abs(w[8]) > 1e-16 || w[4] != 1 {
		t.Errorf("ends %v %v, middle %v", w[0], w[8], w[4])
	}
}

// TestENBW: the equivalent noise bandwidth of each window, measured on a
// long window with ENBW(w) = N·Σw²/(Σw)², equals the textbook value
// (Harris 1978 for rect/Hann/Hamming/Blackman/4-term Blackman-Harris; the
// flat-top's published 3.77), and the closed form the registry computes
// from the coefficients.
func TestENBW(t *testing.T) {
	known := map[string]float64{
		"rect": 1.00, "hann": 1.50, "hamming": 1.36, "blackman": 1.73, "blackman-harris": 2.00, "flattop": 3.77,
	}
	if len(known) != len(WindowNames()) {
		t.Fatalf("registry has %v, table covers %d", WindowNames(), len(known))
	}
	for name, want := range known {
		spec, err := LookupWindow(name)
		if err != nil {
			t.Fatal(err)
		}
		w, _ := Window(name, 1<<16)
		measured := ENBW(w)
		if math.Abs(measured-want) > 0.006 {
			t.Errorf("%s: ENBW %.4f bins, textbook %.2f", name, measured, want)
		}
		if math.Abs(measured-spec.ENBW()) > 1e-4 {
			t.Errorf("%s: measured ENBW %.6f, closed form %.6f", name, measured, spec.ENBW())
		}
	}
	// Symmetric windows are slightly wider at short lengths: Hann at N has
	// ENBW 1.5·N/(N−1)… checked exactly: Σw = (N−1)/2, Σw² = 3(N−1)/8.
	for _, n := range []int{16, 1024} {
		w, _ := Window("hann", n)
		want := float64(n) * (3 * float64(n-1) / 8) / math.Pow(float64(n-1)/2, 2)
		if got := ENBW(w); math.Abs(got-want) > 1e-12 {
			t.Errorf("hann n=%d: ENBW %v, want %v", n, got, want)
		}
	}
}

func TestCoherentGainHann(t *testing.T) {
	w, _ := Window("hann", 16384)
	// Σw = (N−1)/2 for the symmetric Hann.
	if g := CoherentGain(w); math.Abs(g-0.5*16383/16384) > 1e-12 {
		t.Errorf("coherent gain %v", g)
	}
}

func TestWindowUnknown(t *testing.T) {
	if _, err := Window("kaiser", 8); err == nil {
		t.Error("unknown window accepted")
	}
	if _, err := Window("HANN", 8); err != nil {
		t.Errorf("names are case-insensitive: %v", err)
	}
}
