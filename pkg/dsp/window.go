package dsp

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// WindowSpec describes one window of the registry. Every window here is a
// sum of cosines, w[n] = Σ_k (−1)^k·a_k·cos(2πkn/(N−1)), in its symmetric
// form (w[0] = w[N−1]), as numpy's hanning/hamming/blackman and pyrf use:
// the default Hann then reproduces pyrf's levels exactly. The asymptotic
// equivalent noise bandwidth follows from the coefficients,
// ENBW = (a0² + ½·Σ_{k≥1} a_k²)/a0² bins; the value a given length actually
// has is ENBW(Window(name, n)), which approaches it as n grows.
type WindowSpec struct {
	Name   string
	Coeffs []float64 // a_0, a_1, … of the cosine sum
	About  string    // one line for --help
}

// ENBW returns the window's equivalent noise bandwidth in bins for a long
// window (the limit as N → ∞), computed from its coefficients.
func (w *WindowSpec) ENBW() float64 {
	a0 := w.Coeffs[0]
	s := a0 * a0
	for _, a := range w.Coeffs[1:] {
		s += a * a / 2
	}
	return s / (a0 * a0)
}

// windows is the registry; the names are those of docs/FORMAT.md's window
// codes so a spectrum's window survives the trip through its VRT packets.
var windows = map[string]*WindowSpec{
	"rect":            {"rect", []float64{1}, "rectangular (no window): narrowest main lobe, −13 dB sidelobes"},
	"hann":            {"hann", []float64{0.5, 0.5}, "Hann, symmetric as in pyrf (default): −31 dB sidelobes"},
	"hamming":         {"hamming", []float64{0.54, 0.46}, "Hamming: −43 dB first sidelobe, slow decay"},
	"blackman":        {"blackman", []float64{0.42, 0.5, 0.08}, "Blackman: −58 dB sidelobes"},
	"blackman-harris": {"blackman-harris", []float64{0.35875, 0.48829, 0.14128, 0.01168}, "4-term Blackman-Harris: −92 dB sidelobes, for weak signals near strong ones"},
	// The flat-top of MATLAB's flattopwin and go-dsp: amplitude error under
	// 0.02 dB wherever a tone falls between bins, at the price of a wide lobe.
	"flattop": {"flattop", []float64{0.21557895, 0.41663158, 0.277263158, 0.083578947, 0.006947368}, "flat top: tone amplitudes within 0.02 dB anywhere between bins"},
}

// DefaultWindow is pyrf's window.
const DefaultWindow = "hann"

// HannGain is the coherent gain of the Hann window (its a0): the chain
// scales every window to it, so a full-scale complex tone on a bin reads
// 20·log10(½) = −6.02 dBFS, and RL + 9.75 dBm, whichever window is used.
const HannGain = 0.5

// WindowNames lists the registered windows, sorted.
func WindowNames() []string {
	out := make([]string, 0, len(windows))
	for n := range windows {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// LookupWindow returns the registry entry for name ("" is the default).
func LookupWindow(name string) (*WindowSpec, error) {
	if name == "" {
		name = DefaultWindow
	}
	w, ok := windows[strings.ToLower(name)]
	if !ok {
		return nil, fmt.Errorf("unknown window %q (have %s)", name, strings.Join(WindowNames(), ", "))
	}
	return w, nil
}

// Window returns the n-point symmetric window called name.
func Window(name string, n int) ([]float64, error) {
	spec, err := LookupWindow(name)
	if err != nil {
		return nil, err
	}
	if n < 1 {
		return nil, fmt.Errorf("dsp: window length %d must be at least 1", n)
	}
	return spec.Values(make([]float64, n)), nil
}

// Values fills w with the symmetric window of length len(w) and returns it.
// A one-point window is 1 (as numpy's).
func (s *WindowSpec) Values(w []float64) []float64 {
	n := len(w)
	if n == 1 {
		w[0] = 1
		return w
	}
	step := 2 * math.Pi / float64(n-1)
	for i := range w {
		v, sign := 0.0, 1.0
		for k, a := range s.Coeffs {
			v += sign * a * math.Cos(step*float64(k*i))
			sign = -sign
		}
		w[i] = v
	}
	return w
}

// ENBW returns the equivalent noise bandwidth of window w in bins:
// N·Σw²/(Σw)². It is the factor between a tone's peak reading and the noise
// power per bin, and RBW = ENBW × bin spacing.
func ENBW(w []float64) float64 {
	var s1, s2 float64
	for _, v := range w {
		s1 += v
		s2 += v * v
	}
	return float64(len(w)) * s2 / (s1 * s1)
}

// CoherentGain returns Σw/N: the amplitude a full-scale complex tone on a
// bin reads (0.5 for Hann, hence −6.02 dBFS).
func CoherentGain(w []float64) float64 {
	var s float64
	for _, v := range w {
		s += v
	}
	return s / float64(len(w))
}
