package main

import (
	"fmt"

	"github.com/wsatools/wsa/internal/cli"
	"github.com/wsatools/wsa/pkg/sweep"
	"github.com/wsatools/wsa/pkg/wsa"
)

// sweepPlan is what wsa-capture programs into the device's sweep list, and
// what it tells later stages in the capture description.
type sweepPlan struct {
	Entry wsa.SweepEntry
	Steps int // centre frequencies per pass
	// StartHz…StopHz is the range the kept bins of one pass cover: the
	// request, clamped to what the device can sweep (facts §6.1).
	StartHz, StopHz float64
	Step            sweep.Step
}

// planSweep lays out a sweep of start…stop with at least bins bins using
// pkg/sweep (pyrf's WSA4000-era planner): the FFT size, decimation and
// shift come from the plan, the front-end settings and PPB from base.
func planSweep(p *wsa.Properties, start, stop float64, bins int, base wsa.SweepEntry) (sweepPlan, error) {
	pl, err := sweep.New(p, start, stop, bins, sweep.Options{})
	if err != nil {
		return sweepPlan{}, err
	}
	if pl.Empty() {
		return sweepPlan{}, fmt.Errorf("%s to %s: nothing sweepable (I/Q sweeps cover %s to %s)",
			cli.FormatFreq(start), cli.FormatFreq(stop), cli.FormatFreq(p.MinTunable-p.UsableBW/2),
			cli.FormatFreq(p.MaxTunable-p.DCOffsetBW/2))
	}
	s := pl.Steps[0]
	if s.Points > p.MaxSPP {
		return sweepPlan{}, fmt.Errorf("%d bins over %s need %d points per capture (at most %d): ask for fewer bins or a coarser --rbw",
			bins, cli.FormatFreq(pl.StopHz-pl.StartHz), s.Points, p.MaxSPP)
	}
	e, n, err := pl.Entry(p, base)
	if err != nil {
		return sweepPlan{}, err
	}
	cs, ce := pl.Covered(p)
	return sweepPlan{Entry: e, Steps: n, StartHz: cs, StopHz: ce, Step: s}, nil
}

// describe is the one-line summary of a plan for -v and for warnings.
func (sp sweepPlan) describe() string {
	return fmt.Sprintf("%d centres from %s by %s, %d points of %s (decimation %d, fshift %s), stitched range %s to %s",
		sp.Steps, cli.FormatFreq(sp.Entry.StartHz), cli.FormatFreq(sp.Entry.StepHz), sp.Step.Points,
		cli.FormatFreq(sp.Step.BinHz), sp.Step.Decimation, cli.FormatFreq(sp.Entry.FShiftHz),
		cli.FormatFreq(sp.StartHz), cli.FormatFreq(sp.StopHz))
}
