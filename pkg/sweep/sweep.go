// Package sweep plans WSA4000 sweeps the way pyrf 1.0 (2013) did
// (device-facts.md §6.1), so that a sweep captured by wsa-capture can be
// stitched into one uniformly spaced spectrum by wsa-cal.
//
// The idea of that planner: a zero-IF receiver is only clean over part of
// each capture (the analogue filter's usable band, minus the DC region), so
// every capture keeps one contiguous run of bins, and the frequency shift
// (fshift) is chosen so that the run starts exactly on the requested start
// frequency. Successive centres are one run apart, so the kept runs tile the
// range on one common bin grid: nothing has to be resampled between
// captures. Only the part of a capture below DC is used ("left band").
//
// New reproduces pyrf's plan_sweep bit for bit (its 2013 unit tests are the
// golden cases of this package's tests); Plan.Entry turns a plan into the
// device's sweep-list entry, and UsableBins is pyrf's compute_usable_bins
// (device-facts.md §5.7) for the WSA4000's zero-IF captures.
package sweep

import (
	"errors"
	"fmt"
	"math"

	"github.com/wsatools/wsa/pkg/wsa"
)

// Options bound the number of points (FFT size) per capture. The zero value
// means pyrf's defaults, 128 and 8192.
type Options struct {
	// MinPoints is the smallest FFT per capture: a coarse sweep still gets
	// this resolution (more bins than asked for, never fewer).
	MinPoints int
	// MaxPoints is the largest FFT before the planner decimates instead
	// (finer bins by a narrower span rather than by more points).
	MaxPoints int
}

// Defaults of pyrf's capture_power_spectrum.
const (
	DefaultMinPoints = 128
	DefaultMaxPoints = 8192
)

func (o Options) withDefaults() Options {
	if o.MinPoints <= 0 {
		o.MinPoints = DefaultMinPoints
	}
	if o.MaxPoints <= 0 {
		o.MaxPoints = DefaultMaxPoints
	}
	return o
}

// Step is one entry of a plan: pyrf's SweepStep. The device visits centres
// CenterHz, CenterHz + StepHz, … with the same frequency shift, decimation
// and FFT size; of every capture the bins Skip … Skip+Run−1 (DC at
// Points/2) are kept, until Keep bins have been collected.
type Step struct {
	CenterHz   float64 // first centre frequency (the LO)
	StepHz     float64 // centre spacing = Run · BinHz
	FShiftHz   float64 // digital shift: bin k is at centre − fshift + (k − Points/2)·BinHz
	Decimation int     // 1 = off
	Points     int     // FFT size = samples per capture
	Skip       int     // bins skipped at the low edge of each capture
	Run        int     // bins kept per capture
	Keep       int     // bins kept in total
	BinHz      float64 // bin spacing: FullBW / Decimation / Points
}

// Captures is the number of centre frequencies needed to collect Keep bins.
func (s Step) Captures() int {
	if s.Run <= 0 {
		return 0
	}
	return (s.Keep + s.Run - 1) / s.Run
}

// Plan is the result of New: the range after clamping to what the device
// can sweep (pyrf's returned fstart, fstop) and the steps; no steps means
// nothing to sweep (an empty or inverted range).
type Plan struct {
	StartHz, StopHz float64
	Steps           []Step
}

// Empty reports whether the plan sweeps nothing.
func (pl Plan) Empty() bool { return len(pl.Steps) == 0 }

// New plans a sweep of start…stop (Hz) with at least bins bins, on the
// device p (FullBW, UsableBW, MinTunable, MaxTunable, DCOffsetBW,
// MinDecimation, MaxDecimation, DecimatedUsable are used). It reproduces
// pyrf 1.0's plan_sweep (device-facts.md §6.1), including its rounding:
//
//  1. start ≥ MinTunable − UsableBW/2, stop ≤ MaxTunable − DCOffsetBW/2;
//     an empty plan if nothing is left;
//  2. points = max(MinPoints, the power of two ≥ FullBW·bins/(stop−start));
//  3. above MaxPoints, decimate by the power of two that brings points back
//     to MaxPoints, if that is at least max(2, MinDecimation), capped at the
//     largest power of two ≤ MaxDecimation;
//  4. undecimated: skip the bins below centre − UsableBW/2 (fshift moves
//     the bin grid onto that edge), keep those up to DCOffsetBW/2 below DC;
//     decimated: keep the central DecimatedUsable part of the span, shifted
//     so that it starts at centre − UsableBW/2;
//  5. the first centre is start + UsableBW/2, the centre step one run.
//
// An error is returned only for arguments no plan can come from (bins < 1,
// non-finite frequencies, a device whose usable band holds no bin).
func New(p *wsa.Properties, start, stop float64, bins int, opt Options) (Plan, error) {
	opt = opt.withDefaults()
	switch {
	case p == nil:
		return Plan{}, errors.New("sweep: no device properties")
	case bins < 1:
		return Plan{}, fmt.Errorf("sweep: %d bins: want at least 1", bins)
	case math.IsNaN(start) || math.IsNaN(stop) || math.IsInf(start, 0) || math.IsInf(stop, 0):
		return Plan{}, fmt.Errorf("sweep: range %v to %v Hz is not finite", start, stop)
	case p.FullBW <= 0 || p.UsableBW <= 0 || p.UsableBW > p.FullBW:
		return Plan{}, fmt.Errorf("sweep: device bandwidths %v/%v Hz make no sense", p.UsableBW, p.FullBW)
	case opt.MinPoints > opt.MaxPoints:
		return Plan{}, fmt.Errorf("sweep: min points %d above max points %d", opt.MinPoints, opt.MaxPoints)
	}
	u, d := p.UsableBW, p.DCOffsetBW
	start = math.Max(start, p.MinTunable-u/2)
	stop = math.Min(stop, p.MaxTunable-d/2)
	pl := Plan{StartHz: start, StopHz: stop}
	if stop <= start {
		return pl, nil
	}

	points := max(opt.MinPoints, nextPow2(p.FullBW*float64(bins)/(stop-start)))
	dec := 1
	var edgeBins int
	var edge float64
	if points > opt.MaxPoints {
		ideal := nextPow2(float64(points) / float64(opt.MaxPoints))
		if ideal >= max(2, p.MinDecimation) {
			dec = min(ideal, prevPow2(p.MaxDecimation))
			points /= dec
			edgeBins = int(math.Ceil(float64(points) * p.DecimatedUsable / 2))
			edge = float64(edgeBins) * (p.FullBW / float64(dec)) / float64(points)
		}
	}
	bin := p.FullBW / float64(dec) / float64(points)

	var skip, run int
	var fshift float64
	if dec == 1 {
		leftEdge := p.FullBW/2 - u/2
		skip = int(math.Ceil(leftEdge / bin))
		fshift = float64(skip)*bin - leftEdge
		run = int(math.Floor((u/2 - d/2 - fshift) / bin))
	} else {
		skip = edgeBins
		fshift = u/2 + edge - (p.FullBW/float64(dec))/2
		run = min(points-2*edgeBins, int(math.Floor((u/2-d/2)/bin)))
	}
	if run < 1 {
		return pl, fmt.Errorf("sweep: %d-point captures of %g Hz bins keep no bin of the %g Hz usable band", points, bin, u)
	}
	fstep := float64(run) * bin
	keep := min(int(math.Round((stop-start)/bin)), int(math.Floor((p.MaxTunable-start)/fstep))*run)
	if keep < 1 {
		return pl, nil
	}
	pl.Steps = []Step{{CenterHz: start + u/2, StepHz: fstep, FShiftHz: fshift, Decimation: dec,
		Points: points, Skip: skip, Run: run, Keep: keep, BinHz: bin}}
	return pl, nil
}

// nextPow2 returns the smallest power of two ≥ x (1 for x ≤ 1).
func nextPow2(x float64) int {
	n := 1
	for float64(n) < x && n < 1<<40 {
		n <<= 1
	}
	return n
}

// prevPow2 returns the largest power of two ≤ n (1 for n < 2).
func prevPow2(n int) int {
	p := 1
	for p*2 <= n {
		p *= 2
	}
	return p
}

// Covered returns the range the plan's kept bins fill: StartHz to StopHz,
// unless the centres would have to go above the device's MaxTunable (only
// the part below DC of each capture is used), in which case the top of the
// range is cut to the last bin the plan keeps. Capture descriptions and the
// stitcher use this range.
func (pl Plan) Covered(p *wsa.Properties) (start, stop float64) {
	if pl.Empty() {
		return pl.StartHz, pl.StartHz
	}
	s := pl.Steps[0]
	n := s.centres(p)
	kept := min(s.Keep, n*s.Run)
	if kept >= int(math.Round((pl.StopHz-pl.StartHz)/s.BinHz)) {
		return pl.StartHz, pl.StopHz
	}
	return pl.StartHz, pl.StartHz + float64(kept-1)*s.BinHz
}

// centres is the number of centres the sweep entry visits: enough to
// collect Keep bins, but none above MaxTunable.
func (s Step) centres(p *wsa.Properties) int {
	n := s.Captures()
	if s.StepHz > 0 && p != nil {
		if fit := int(math.Floor((p.MaxTunable-math.Round(s.CenterHz))/math.Round(s.StepHz))) + 1; fit < n {
			n = max(fit, 1)
		}
	}
	return n
}

// Entry is the device's sweep-list entry for the plan's step: centres from
// CenterHz by StepHz, the shift, decimation and points (SPP) of the plan,
// the other settings (gain, antenna, IF gain, PPB, dwell, trigger) from
// base. Frequencies are rounded to whole Hz, as the device takes them (the
// half-hertz error this adds to the grid is far below a bin). It visits
// exactly Captures() centres (fewer only where they would pass
// MaxTunable), where pyrf programmed half a step more and aborted the
// capture it did not need. Steps is that number of centres.
func (pl Plan) Entry(p *wsa.Properties, base wsa.SweepEntry) (e wsa.SweepEntry, steps int, err error) {
	if pl.Empty() {
		return base, 0, errors.New("sweep: empty plan")
	}
	if len(pl.Steps) > 1 {
		return base, 0, fmt.Errorf("sweep: plan has %d steps; one entry holds one", len(pl.Steps))
	}
	s := pl.Steps[0]
	n := s.centres(p)
	e = base
	e.StartHz = math.Round(s.CenterHz)
	e.StepHz = math.Round(s.StepHz)
	e.StopHz = e.StartHz + float64(n-1)*e.StepHz
	e.FShiftHz = math.Round(s.FShiftHz)
	e.Decimation = s.Decimation
	e.SPP = s.Points
	if e.PPB < 1 {
		e.PPB = 1
	}
	if err := p.CheckSweepEntry(e); err != nil {
		return e, 0, fmt.Errorf("sweep: %w", err)
	}
	return e, n, nil
}

// BinsForRBW converts a resolution (bin spacing) into the bin count New
// takes: enough bins over start…stop that none is wider than rbw.
func BinsForRBW(start, stop, rbw float64) (int, error) {
	if !(rbw > 0) || math.IsInf(rbw, 0) {
		return 0, fmt.Errorf("sweep: resolution %v Hz must be positive", rbw)
	}
	if !(stop > start) {
		return 0, fmt.Errorf("sweep: range %v to %v Hz is empty", start, stop)
	}
	n := (stop - start) / rbw
	if n > 1<<30 {
		return 0, fmt.Errorf("sweep: %g bins of %g Hz is too many", n, rbw)
	}
	// A hair of tolerance so 100 MHz / 100 kHz is 1000, not 1001.
	return max(1, int(math.Ceil(n-1e-9))), nil
}
