package sweep

import (
	"math"

	"github.com/wsatools/wsa/pkg/wsa"
)

// Run is a range of FFT bins: Start, Start+1, …, Start+Len−1 (DC at
// Points/2).
type Run struct {
	Start, Len int
}

// UsableBins is pyrf's compute_usable_bins (device-facts.md §5.7) for the
// WSA4000's zero-IF captures: the bins of a points-point FFT that lie in
// the receiver's usable band, as two runs either side of the centre with
// three bins left out between them (the DC region).
//
// Undecimated, the usable band is UsableBW wide and centred where the LO
// lands, fshift above DC; this follows pyrf to the letter, including its
// truncations and its asymmetric gap (N = 1024, no shift: bins 143…509 and
// 513…879, so the gap is 510…512 with DC at 512). Because the gap follows
// the LO, it leaves DC itself only when fshift is 0.
//
// Decimated, the usable band is DecimatedUsable of the decimated span,
// centred on DC: the decimation filter works on the shifted signal. pyrf
// (whose formula came from later models) would add fshift/span to the
// centre here, which for the sweep planner's shifts of tens of MHz points
// far outside the spectrum; this is the one deliberate difference.
//
// Starts below 0 are clipped to 0 (as pyrf), and runs are cut at the end of
// the spectrum (pyrf leaves them overhanging).
func UsableBins(p *wsa.Properties, points, decimation int, fshift float64) []Run {
	if points <= 0 || p == nil || p.FullBW <= 0 {
		return nil
	}
	full := p.FullBW
	usable := p.UsableBW
	centre := 0.5 + fshift/full
	if decimation > 1 {
		full /= float64(decimation)
		usable = p.DecimatedUsable * full
		centre = 0.5
	}
	start0 := int(math.Trunc((centre - usable/full/2) * float64(points)))
	run0 := int(math.Trunc(float64(points) * usable / full))
	start1 := start0 + run0/2 + 2
	runs := []Run{{start0, start1 - start0 - 3}, {start1, run0 - (start1 - start0)}}
	out := runs[:0]
	for _, r := range runs {
		if r.Start < 0 {
			r.Start = 0
		}
		if r.Start+r.Len > points {
			r.Len = points - r.Start
		}
		if r.Len > 0 {
			out = append(out, r)
		}
	}
	return out
}
