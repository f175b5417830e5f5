package plot

import (
	"math"
	"sort"
)

// Peak is a local maximum of a curve.
type Peak struct {
	Hz    float64
	Level float64
	Bin   int // index over all segments
}

// FindPeaks returns up to n peaks of the curve, highest first. A peak is a
// local maximum that stands at least minProm dB above the lowest point
// between it and the nearest higher bin on each side (its prominence), so
// the shoulder of a strong signal or a wiggle on its skirt is not counted as
// another signal; two peaks are at least minSepHz apart. Non-finite bins are
// never peaks.
func FindPeaks(segs []Segment, n int, minProm, minSepHz float64) []Peak {
	if n <= 0 {
		return nil
	}
	var hz []float64
	var v []float64
	for _, s := range segs {
		for k, b := range s.Bins {
			hz = append(hz, s.FreqOf(k))
			v = append(v, float64(b))
		}
	}
	// Local maxima; the edges are not peaks (a band edge sloping away is not
	// a signal), and on a plateau the first bin counts.
	var cand []int
	for i := 1; i < len(v)-1; i++ {
		if math.IsNaN(v[i]) || math.IsInf(v[i], 0) {
			continue
		}
		if v[i-1] < v[i] && !(v[i+1] > v[i]) {
			cand = append(cand, i)
		}
	}
	sort.SliceStable(cand, func(a, b int) bool { return v[cand[a]] > v[cand[b]] })
	var out []Peak
	for tried, i := range cand {
		// Each prominence costs a walk; in pure noise stop looking after a while.
		if len(out) == n || tried > 64*n+256 {
			break
		}
		if prominence(v, i) < minProm {
			continue
		}
		close := false
		for _, p := range out {
			if math.Abs(p.Hz-hz[i]) < minSepHz {
				close = true
				break
			}
		}
		if !close {
			out = append(out, Peak{Hz: hz[i], Level: v[i], Bin: i})
		}
	}
	return out
}

// prominence returns how far v[i] stands above the higher of the two minima
// found walking left and right until a higher bin (or the edge).
func prominence(v []float64, i int) float64 {
	minL, minR := v[i], v[i]
	for j := i - 1; j >= 0 && !(v[j] > v[i]); j-- {
		if v[j] < minL || math.IsInf(v[j], -1) {
			minL = v[j]
		}
	}
	for j := i + 1; j < len(v) && !(v[j] > v[i]); j++ {
		if v[j] < minR || math.IsInf(v[j], -1) {
			minR = v[j]
		}
	}
	return v[i] - math.Max(minL, minR)
}
