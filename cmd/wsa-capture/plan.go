package main

import (
	"fmt"
	"math"

	"github.com/wsatools/wsa/pkg/wsa"
)

// sweepPlan is what wsa-capture programs into the device's sweep list.
type sweepPlan struct {
	Entry wsa.SweepEntry
	Steps int // centre frequencies per pass
}

// planSweep lays out a sweep of START..STOP the WSA4000-era way
// (device-facts.md §6.1): only the part of each capture below DC is used
// (from the lower edge of the usable band to just short of the DC offset
// region), so the first centre is START + usable/2 and the centres step
// by that used width. rbw picks the points per capture (the next power of
// two of FullBW/rbw, 256 to 32768); step, if given, overrides the centre
// step. This stays independent of pkg/sweep so its planner can replace it.
func planSweep(p *wsa.Properties, start, stop, rbw, step float64, spp, ppb int, base wsa.SweepEntry) (sweepPlan, error) {
	lowest := p.MinTunable - p.UsableBW/2
	if start < lowest {
		start = lowest // below this the WSA4000 needs its very low band, which sweeps do not use
	}
	if stop > p.MaxTunable {
		stop = p.MaxTunable
	}
	if stop <= start {
		return sweepPlan{}, fmt.Errorf("sweep %s to %s: nothing sweepable (the I/Q range starts at %.0f MHz)", hz(start), hz(stop), lowest/1e6)
	}
	if rbw > 0 {
		n := 1 << int(math.Ceil(math.Log2(p.FullBW/rbw)))
		spp = min(max(n, 256), 32768)
	}
	if err := p.CheckSPP(spp); err != nil {
		return sweepPlan{}, err
	}
	bin := p.FullBW / float64(spp)
	if step <= 0 {
		run := math.Floor((p.UsableBW/2 - p.DCOffsetBW/2) / bin)
		step = run * bin
	}
	first := start + p.UsableBW/2
	n := int(math.Ceil((stop - start) / step))
	if n < 1 {
		n = 1
	}
	for first+float64(n-1)*step > p.MaxTunable && n > 1 {
		n--
	}
	if first > p.MaxTunable {
		first, n = p.MaxTunable, 1
	}
	e := base
	// Integer Hz, as the device takes them; the last centre is computed
	// from the rounded values so the device visits exactly n centres.
	e.StartHz, e.StepHz = math.Round(first), math.Round(step)
	e.StopHz = e.StartHz + float64(n-1)*e.StepHz
	e.SPP, e.PPB = spp, ppb
	if err := p.CheckSweepEntry(e); err != nil {
		return sweepPlan{}, err
	}
	return sweepPlan{Entry: e, Steps: len(e.Steps())}, nil
}

func hz(v float64) string { return fmt.Sprintf("%.0f Hz", v) }
