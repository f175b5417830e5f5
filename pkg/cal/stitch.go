package cal

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/wsatools/wsa/internal/cli"
	"github.com/wsatools/wsa/pkg/vrt"
	"github.com/wsatools/wsa/pkg/wsa"
)

// Stitcher joins the spectra of one sweep pass into one spectrum with
// uniform bins over exactly the requested range (docs/CAL.md §3).
//
// Spectra are grouped by stream ID; a pass is the run of spectra of one
// stream with one sweep ID and rising centre frequencies. It ends when a
// capture description for its sweep ID arrives (wsa-capture writes one
// before every pass), when the stream's sweep ID changes, when the centre
// frequency goes down, or at Close. A pass that ends with every output bin
// filled (and, when the capture description says how many centres a pass
// has, with exactly that many) gives a stitched spectrum; any other gives
// an *Incomplete saying what was missing. Nothing is ever emitted as
// complete that is not.
//
// Each capture contributes only its usable bins: undecimated, those within
// the analogue usable band (centre ± UsableBW/2) and outside the DC region
// (DC ± DCOffsetBW/2); the bins below DC are preferred where captures
// overlap, which with pkg/sweep's plans (pyrf's) is exactly the run the
// planner keeps. Decimated, the central DecimatedUsable part of the span.
// Output bins take the largest usable native bin whose centre falls in
// them, or the nearest one when none does, so a tone keeps its level;
// spectra of the same centre (several packets per step) are averaged in
// linear power.
//
// Memory is one output spectrum per open pass (at most MaxOpen passes;
// the oldest is ended beyond that), never the captures themselves.
type Stitcher struct {
	// Props describes the device (usable band, DC region); nil means the
	// WSA4000.
	Props *wsa.Properties
	// StartHz, StopHz override the range of every pass (--range); when
	// zero the range comes from the capture description.
	StartHz, StopHz float64
	// MaxOpen bounds the passes open at once (different streams); 0 = 16.
	MaxOpen int

	descs   map[uint32]vrt.CaptureInfo // latest capture description per sweep ID
	pending map[uint32]bool            // sweep IDs described, no spectrum of the pass yet
	last    *vrt.CaptureInfo           // latest capture description of all
	open    map[uint32]*pass           // by spectrum stream ID
	seq     int
}

// Done is a pass the stitcher has finished: either a stitched spectrum or
// the reason there is none.
type Done struct {
	Spectrum   *vrt.Spectrum
	Incomplete *Incomplete
}

// Incomplete describes a pass that could not be stitched.
type Incomplete struct {
	StreamID        uint32
	SweepID         uint32
	HasSweepID      bool
	Source          string
	StartHz, StopHz float64      // the range the pass should have covered
	Steps           int          // centre frequencies received
	WantSteps       int          // centres per pass from the capture description (0: unknown)
	MissingBins     int          // output bins no usable capture bin reached
	Bins            int          // output bins
	Gaps            [][2]float64 // the first few runs of missing bins (first and last bin, Hz)
	Reason          string       // what ended the pass
}

func (e *Incomplete) Error() string {
	id := "no sweep ID"
	if e.HasSweepID {
		id = fmt.Sprintf("sweep ID %d", e.SweepID)
	}
	src := ""
	if e.Source != "" {
		src = ", " + e.Source
	}
	steps := fmt.Sprintf("%d centres", e.Steps)
	if e.WantSteps > 0 {
		steps = fmt.Sprintf("%d of %d centres", e.Steps, e.WantSteps)
	}
	miss := ""
	if e.MissingBins > 0 {
		kHz := func(f float64) string { return cli.FormatFreq(math.Round(f/1e3) * 1e3) }
		var parts []string
		for _, g := range e.Gaps {
			if g[1] > g[0] {
				parts = append(parts, kHz(g[0])+" to "+kHz(g[1]))
			} else {
				parts = append(parts, kHz(g[0]))
			}
		}
		more := ""
		if len(e.Gaps) == maxGaps {
			more = ", …"
		}
		miss = fmt.Sprintf(", %d of %d bins missing (%s%s)", e.MissingBins, e.Bins, strings.Join(parts, ", "), more)
	}
	stream := ""
	if e.StreamID != 0 {
		stream = fmt.Sprintf("stream 0x%08x, ", e.StreamID)
	}
	return fmt.Sprintf("incomplete sweep (%s%s%s) of %s to %s: %s%s; %s",
		stream, id, src, cli.FormatFreq(e.StartHz), cli.FormatFreq(e.StopHz), steps, miss, e.Reason)
}

// Reasons a pass ends.
const (
	EndNewPass  = "a new pass began"
	EndSweepID  = "the sweep ID changed"
	EndEOF      = "the stream ended"
	EndTooMany  = "too many sweeps open at once"
	EndDescribe = "a capture description opened the next pass"
)

// ErrNoRange is returned by Add when a spectrum's pass has no range to be
// stitched onto: no capture description and no override.
var ErrNoRange = errors.New("no sweep range: --stitch needs the capture description wsa-capture writes (keep it in the stream) or --range START:STOP")

// maxStitchBins bounds the output of one pass (the spectrum decoder's limit).
const maxStitchBins = 1 << 26

// maxGaps is how many runs of missing bins an Incomplete lists.
const maxGaps = 4

// Ranks of a capture's bins where captures overlap (higher wins).
const (
	rankNone  = 0
	rankUpper = 1 // undecimated, above DC
	rankLower = 2 // undecimated below DC (the planner's run), or decimated passband
)

type pass struct {
	seq        int
	meta       vrt.Spectrum // first spectrum's context, Bins nil
	sweepID    uint32       // the pass's sweep ID (from its spectra or its capture description)
	hasSweepID bool
	keySweep   uint32 // the sweep ID its spectra carry: a change ends the pass
	keyHas     bool
	start      float64
	step       float64
	wantSteps  int
	steps      int
	lastCentre float64
	rank       []uint8
	owner      []int32
	sum        []float64 // linear power
	count      []uint16
}

func (st *Stitcher) props() *wsa.Properties {
	if st.Props != nil {
		return st.Props
	}
	return &wsa.WSA4000
}

// Describe takes a capture description. One for a sweep opens that sweep's
// next pass: passes still open with its sweep ID end.
func (st *Stitcher) Describe(ci vrt.CaptureInfo) []Done {
	if !ci.HasSweep {
		return nil
	}
	if st.descs == nil {
		st.descs, st.pending = map[uint32]vrt.CaptureInfo{}, map[uint32]bool{}
	}
	var out []Done
	if st.pending[ci.SweepID] {
		// The previous pass was described but not one spectrum of it came.
		out = append(out, st.unseen(st.descs[ci.SweepID], EndDescribe))
	}
	if len(st.descs) >= 64 {
		for id := range st.pending {
			out = append(out, st.unseen(st.descs[id], EndTooMany))
		}
		clear(st.descs) // a bound, not a cache: only live sweeps matter
		clear(st.pending)
	}
	st.descs[ci.SweepID] = ci
	st.pending[ci.SweepID] = true
	c := ci
	st.last = &c
	for _, id := range st.streams() {
		p := st.open[id]
		if p.hasSweepID && p.sweepID == ci.SweepID {
			out = append(out, st.end(id, EndDescribe))
		}
	}
	return out
}

// streams returns the open stream IDs in a fixed order.
func (st *Stitcher) streams() []uint32 {
	ids := make([]uint32, 0, len(st.open))
	for id := range st.open {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// Add places one spectrum. It returns the passes this spectrum ended (the
// previous pass of its stream, when it starts a new one). s is not kept.
func (st *Stitcher) Add(s *vrt.Spectrum) ([]Done, error) {
	if len(s.Bins) == 0 || !(s.StepHz > 0) {
		return nil, fmt.Errorf("spectrum with %d bins of %v Hz", len(s.Bins), s.StepHz)
	}
	if st.open == nil {
		st.open = map[uint32]*pass{}
	}
	var out []Done
	p := st.open[s.StreamID]
	if p != nil {
		switch {
		case p.keyHas != s.HasSweepID || p.keySweep != s.SweepID:
			out = append(out, st.end(s.StreamID, EndSweepID))
			p = nil
		case s.CenterHz < p.lastCentre-0.5:
			out = append(out, st.end(s.StreamID, EndNewPass))
			p = nil
		}
	}
	if p == nil {
		limit := st.MaxOpen
		if limit <= 0 {
			limit = 16
		}
		for len(st.open) >= limit {
			oldest, id := math.MaxInt, uint32(0)
			for k, q := range st.open {
				if q.seq < oldest {
					oldest, id = q.seq, k
				}
			}
			out = append(out, st.end(id, EndTooMany))
		}
		var err error
		if p, err = st.newPass(s); err != nil {
			return out, err
		}
		st.open[s.StreamID] = p
	}
	if p.steps == 0 || s.CenterHz > p.lastCentre+0.5 {
		p.steps++
		p.lastCentre = s.CenterHz
	}
	st.place(p, s)
	return out, nil
}

func (st *Stitcher) newPass(s *vrt.Spectrum) (*pass, error) {
	st.seq++
	p := &pass{seq: st.seq, meta: *s, sweepID: s.SweepID, hasSweepID: s.HasSweepID, keySweep: s.SweepID, keyHas: s.HasSweepID}
	p.meta.Bins = nil
	var ci *vrt.CaptureInfo
	if s.HasSweepID {
		if c, ok := st.descs[s.SweepID]; ok {
			ci = &c
		}
	} else if st.last != nil {
		ci = st.last
	}
	start, stop := st.StartHz, st.StopHz
	if ci != nil {
		delete(st.pending, ci.SweepID)
		p.wantSteps = int(ci.SweepSteps)
		if !p.hasSweepID {
			p.sweepID, p.hasSweepID = ci.SweepID, true
			p.meta.SweepID, p.meta.HasSweepID = ci.SweepID, true
		}
		if p.meta.Source == "" {
			p.meta.Source = ci.Source
		}
		if stop <= start {
			start, stop = ci.SweepStartHz, ci.SweepStopHz
		}
	}
	if !(stop > start) {
		return nil, ErrNoRange
	}
	gaps := math.Round((stop - start) / s.StepHz)
	if gaps < 1 {
		gaps = 1
	}
	if gaps+1 > maxStitchBins {
		return nil, fmt.Errorf("stitching %s to %s in %s bins would need %.0f bins (at most %d)",
			cli.FormatFreq(start), cli.FormatFreq(stop), cli.FormatFreq(s.StepHz), gaps+1, maxStitchBins)
	}
	n := int(gaps) + 1
	p.start, p.step = start, (stop-start)/gaps
	p.rank = make([]uint8, n)
	p.owner = make([]int32, n)
	p.sum = make([]float64, n)
	p.count = make([]uint16, n)
	return p, nil
}

// usableRuns returns the native bin ranges [lo, hi] of s that are usable,
// with their rank.
func (st *Stitcher) usableRuns(s *vrt.Spectrum) [][3]int {
	pr := st.props()
	n := len(s.Bins)
	bin := s.StepHz
	f0 := s.StartHz
	dc := f0 + float64(n/2)*bin
	tol := 1 + 1e-3*bin // Hz: the device takes whole Hz, the grid is off by a fraction
	idx := func(lo, hi float64) (int, int) {
		a := int(math.Ceil((lo - tol - f0) / bin))
		b := int(math.Floor((hi + tol - f0) / bin))
		return max(a, 0), min(b, n-1)
	}
	dec := int(s.Decimation)
	if dec <= 1 && s.SampleRateHz > 0 && pr.FullBW/s.SampleRateHz > 1.5 {
		dec = int(math.Round(pr.FullBW / s.SampleRateHz))
	}
	var runs [][3]int
	add := func(lo, hi float64, rank int) {
		if a, b := idx(lo, hi); a <= b {
			runs = append(runs, [3]int{a, b, rank})
		}
	}
	fc := s.CenterHz
	switch {
	case pr.RealBand(fc):
		add(0, pr.RealBandMax, rankLower) // direct sampling: 0 to 40 MHz
	case dec > 1:
		half := pr.DecimatedUsable * pr.FullBW / float64(dec) / 2
		add(math.Max(dc-half, fc-pr.UsableBW/2), math.Min(dc+half, fc+pr.UsableBW/2), rankLower)
	default:
		lo, hi := fc-pr.UsableBW/2, fc+pr.UsableBW/2
		gap := pr.DCOffsetBW / 2
		// Strictly outside the DC region: nudge the edges by a hair.
		add(lo, math.Min(hi, dc-gap-2*tol), rankLower)
		add(math.Max(lo, dc+gap+2*tol), hi, rankUpper)
	}
	return runs
}

// place writes the usable bins of s into the pass's output bins.
func (st *Stitcher) place(p *pass, s *vrt.Spectrum) {
	bin, f0 := s.StepHz, s.StartHz
	n := len(p.rank)
	step := p.step
	me := int32(p.steps)
	for _, r := range st.usableRuns(s) {
		jlo, jhi, rank := r[0], r[1], uint8(r[2])
		// Output bins whose nearest native bin lies in [jlo, jhi].
		flo := f0 + (float64(jlo)-0.5)*bin
		fhi := f0 + (float64(jhi)+0.5)*bin
		klo := max(0, int(math.Ceil((flo-p.start)/step)))
		khi := min(n-1, int(math.Floor((fhi-p.start)/step)))
		for k := klo; k <= khi; k++ {
			g := p.start + float64(k)*step
			ja := max(jlo, int(math.Ceil((g-step/2-f0)/bin)))
			jb := min(jhi, int(math.Ceil((g+step/2-f0)/bin))-1)
			var v float32
			if ja <= jb {
				v = s.Bins[ja]
				for j := ja + 1; j <= jb; j++ {
					v = max(v, s.Bins[j])
				}
			} else {
				j := min(jhi, max(jlo, int(math.Round((g-f0)/bin))))
				v = s.Bins[j]
			}
			lin := math.Pow(10, float64(v)/10)
			switch {
			case rank > p.rank[k] || (rank == p.rank[k] && p.owner[k] != me):
				p.rank[k], p.owner[k], p.sum[k], p.count[k] = rank, me, lin, 1
			case rank == p.rank[k] && p.count[k] < math.MaxUint16:
				p.sum[k] += lin
				p.count[k]++
			}
		}
	}
}

// end finishes the open pass of a stream.
func (st *Stitcher) end(stream uint32, reason string) Done {
	p := st.open[stream]
	delete(st.open, stream)
	n := len(p.rank)
	stop := p.start + float64(n-1)*p.step
	missing := 0
	var gaps [][2]float64
	minCount := math.MaxInt
	for k, r := range p.rank {
		if r != rankNone {
			minCount = min(minCount, int(p.count[k]))
			continue
		}
		missing++
		f := p.start + float64(k)*p.step
		switch {
		case k > 0 && p.rank[k-1] == rankNone && len(gaps) > 0 && gaps[len(gaps)-1][1] == p.start+float64(k-1)*p.step:
			gaps[len(gaps)-1][1] = f
		case len(gaps) < maxGaps:
			gaps = append(gaps, [2]float64{f, f})
		}
	}
	if missing > 0 || (p.wantSteps > 0 && p.steps != p.wantSteps) {
		inc := &Incomplete{StreamID: stream, SweepID: p.sweepID, HasSweepID: p.hasSweepID, Source: p.meta.Source,
			StartHz: p.start, StopHz: stop, Steps: p.steps, WantSteps: p.wantSteps, MissingBins: missing, Bins: n, Gaps: gaps, Reason: reason}
		return Done{Incomplete: inc}
	}
	s := p.meta
	s.StartHz, s.StepHz = p.start, p.step
	s.CenterHz = (p.start + stop) / 2
	s.SampleRateHz = 0 // many captures, no single sample rate
	s.SweepID, s.HasSweepID = p.sweepID, p.hasSweepID
	if minCount > 1 {
		s.Averages = max(s.Averages, 1) * uint32(minCount)
		if s.Trace == vrt.TraceLive {
			s.Trace = vrt.TraceAverage
		}
	}
	s.Bins = make([]float32, n)
	for k := range s.Bins {
		s.Bins[k] = float32(10 * math.Log10(p.sum[k]/float64(p.count[k])))
	}
	return Done{Spectrum: &s}
}

// unseen reports a described pass of which no spectrum arrived.
func (st *Stitcher) unseen(ci vrt.CaptureInfo, reason string) Done {
	delete(st.pending, ci.SweepID)
	return Done{Incomplete: &Incomplete{SweepID: ci.SweepID, HasSweepID: true, Source: ci.Source,
		StartHz: ci.SweepStartHz, StopHz: ci.SweepStopHz, WantSteps: int(ci.SweepSteps), Reason: reason}}
}

// Close ends every open pass (the input ended) and returns them, along
// with passes that were described but never began.
func (st *Stitcher) Close() []Done {
	var out []Done
	for _, id := range st.streams() {
		out = append(out, st.end(id, EndEOF))
	}
	ids := make([]uint32, 0, len(st.pending))
	for id := range st.pending {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		out = append(out, st.unseen(st.descs[id], EndEOF))
	}
	return out
}
