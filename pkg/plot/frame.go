package plot

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/wsatools/wsa/pkg/vrt"
)

// Segment is a run of bins on a uniform grid: bin k is at StartHz + k·StepHz.
type Segment struct {
	StartHz float64
	StepHz  float64
	Bins    []float32
}

// FreqOf returns the frequency of bin k.
func (s Segment) FreqOf(k int) float64 { return s.StartHz + float64(k)*s.StepHz }

// StopHz returns the frequency of the last bin.
func (s Segment) StopHz() float64 { return s.FreqOf(len(s.Bins) - 1) }

// Lo returns the lower edge of the first bin (half a step below its centre).
func (s Segment) Lo() float64 { return s.StartHz - s.StepHz/2 }

// Hi returns the upper edge of the last bin.
func (s Segment) Hi() float64 { return s.StopHz() + s.StepHz/2 }

// Frame is one complete picture of one source: a single spectrum, or the
// spectra of one pass of an unstitched sweep laid side by side (segments in
// increasing frequency, overlaps cropped). It is what a line plot draws as a
// trace and a waterfall as a row.
type Frame struct {
	StreamID   uint32
	Source     string    // who made it: the spectra's source, else the capture description's, else "stream 0x…"
	Time       time.Time // of the first spectrum (UTC); the time it was read if HasTime is false
	HasTime    bool
	Units      vrt.Units
	Trace      vrt.Trace // what the input bins are (live, or a reduction made upstream)
	Averages   uint32
	RBWHz      float64
	CenterHz   float64
	SweepID    uint32
	HasSweepID bool
	Segments   []Segment
	// Complete is false for a sweep pass cut short by the end of the input.
	Complete  bool
	spectra   int     // spectra that went into it
	lastStart float64 // start frequency of the last of them (before cropping)
}

// StartHz returns the frequency of the first bin.
func (f *Frame) StartHz() float64 { return f.Segments[0].StartHz }

// StopHz returns the frequency of the last bin.
func (f *Frame) StopHz() float64 { return f.Segments[len(f.Segments)-1].StopHz() }

// Lo and Hi return the band edges the bins cover.
func (f *Frame) Lo() float64 { return f.Segments[0].Lo() }

// Hi returns the upper edge of the last bin.
func (f *Frame) Hi() float64 { return f.Segments[len(f.Segments)-1].Hi() }

// Bins returns the number of bins over all segments.
func (f *Frame) Bins() int {
	n := 0
	for _, s := range f.Segments {
		n += len(s.Bins)
	}
	return n
}

// Center returns the centre of the band the frame covers.
func (f *Frame) Center() float64 { return (f.Lo() + f.Hi()) / 2 }

// SameGrid reports whether g has the same bins at the same frequencies as f
// (so that per-bin averages and holds over both make sense).
func (f *Frame) SameGrid(g *Frame) bool {
	if len(f.Segments) != len(g.Segments) {
		return false
	}
	for i, a := range f.Segments {
		b := g.Segments[i]
		tol := a.StepHz * 1e-6
		if len(a.Bins) != len(b.Bins) || math.Abs(a.StartHz-b.StartHz) > tol || math.Abs(a.StepHz-b.StepHz) > tol {
			return false
		}
	}
	return true
}

// GridString describes the frame's frequency grid for messages.
func (f *Frame) GridString() string {
	return fmt.Sprintf("%s to %s, %d bins", FormatHz(f.StartHz()), FormatHz(f.StopHz()), f.Bins())
}

// Step is what Assembler.Add learned from one spectrum.
type Step struct {
	// Closed is a previous, pending frame of the same stream that this
	// spectrum does not continue (a sweep pass that ended): it is complete.
	Closed *Frame
	// Frame is the frame the spectrum now belongs to. Unless Complete, it is
	// still pending and may grow: read it, do not keep it.
	Frame *Frame
	// Complete says Frame is finished with this spectrum.
	Complete bool
	// Started says this spectrum began Frame.
	Started bool
}

// Assembler groups spectra into frames, one stream ID at a time.
//
// A spectrum without a sweep ID is a frame by itself. Spectra carrying a
// sweep ID are the segments of a sweep pass: each one whose start frequency
// is above the previous segment's (same sweep ID, same units) continues the
// pass; anything else closes it and starts the next. A pass is also complete
// when it reaches the stop frequency of the stream's capture description,
// so a stitched sweep (one wide spectrum) is complete at once and the last
// pass of a capture does not wait for the end of the input.
type Assembler struct {
	// Info returns the capture description for a stream, if any (Input.CaptureInfo).
	Info    func(stream uint32) (vrt.CaptureInfo, bool)
	pending map[uint32]*Frame
	// Now stamps spectra that carry no timestamp (default time.Now).
	Now func() time.Time
}

// Add takes the next spectrum; its bins are copied.
func (a *Assembler) Add(s *vrt.Spectrum) Step {
	if a.pending == nil {
		a.pending = map[uint32]*Frame{}
	}
	var st Step
	// A stream whose capture description announces a sweep is a sweep
	// even when its spectra carry no sweep ID of their own.
	seg, segID := s.HasSweepID, s.SweepID
	if !seg && a.Info != nil {
		if ci, ok := a.Info(s.StreamID); ok && ci.HasSweep {
			seg, segID = true, ci.SweepID
		}
	}
	p := a.pending[s.StreamID]
	if p != nil && seg && p.HasSweepID && p.SweepID == segID && p.Units == s.Units &&
		s.StartHz > p.lastStart {
		last := p.Segments[len(p.Segments)-1]
		// Crop the bins this segment shares with the previous one, so the
		// pass stays increasing in frequency.
		skip := 0
		edge := last.StopHz() + last.StepHz/2
		for skip < len(s.Bins) && s.StartHz+float64(skip)*s.StepHz < edge {
			skip++
		}
		if skip < len(s.Bins) {
			p.Segments = append(p.Segments, Segment{StartHz: s.StartHz + float64(skip)*s.StepHz, StepHz: s.StepHz,
				Bins: append([]float32(nil), s.Bins[skip:]...)})
		}
		p.RBWHz = math.Max(p.RBWHz, s.RBWHz)
		p.CenterHz = p.Center()
		st.Frame = p
	} else {
		if p != nil {
			p.Complete = true
			st.Closed = p
			delete(a.pending, s.StreamID)
		}
		f := a.newFrame(s)
		f.HasSweepID, f.SweepID = seg, segID
		st.Frame, st.Started = f, true
		if !seg {
			f.Complete = true
		} else {
			a.pending[s.StreamID] = f
		}
	}
	st.Frame.spectra++
	st.Frame.lastStart = s.StartHz
	if f := st.Frame; !f.Complete && a.Info != nil {
		if ci, ok := a.Info(f.StreamID); ok && passDone(f, ci) {
			f.Complete = true
			f.clip(ci.SweepStartHz, ci.SweepStopHz)
			delete(a.pending, f.StreamID)
		}
	}
	st.Complete = st.Frame.Complete
	return st
}

// passDone reports whether a sweep pass has all it will get: a stitched
// sweep (one spectrum from the requested start to its stop), or as many
// captures as the capture description says a pass has. A single capture of
// an unstitched sweep is wider than its share and may reach past the stop
// on its own, so coverage alone does not end a pass.
func passDone(f *Frame, ci vrt.CaptureInfo) bool {
	if !ci.HasSweep || ci.SweepStopHz <= ci.SweepStartHz {
		return false
	}
	first, last := f.Segments[0], f.Segments[len(f.Segments)-1]
	if f.spectra == 1 && math.Abs(first.StartHz-ci.SweepStartHz) <= first.StepHz && f.Hi() >= ci.SweepStopHz-last.StepHz {
		return true
	}
	return ci.SweepSteps > 0 && f.spectra >= int(ci.SweepSteps)
}

// clip drops the bins outside lo..hi (the requested range of a sweep, which
// the captures of an unstitched pass overshoot), keeping at least one bin.
func (f *Frame) clip(lo, hi float64) {
	var out []Segment
	for _, sg := range f.Segments {
		a, b := 0, len(sg.Bins)
		for a < b && sg.FreqOf(a) < lo-sg.StepHz/2 {
			a++
		}
		for b > a && sg.FreqOf(b-1) > hi+sg.StepHz/2 {
			b--
		}
		if a < b {
			out = append(out, Segment{StartHz: sg.FreqOf(a), StepHz: sg.StepHz, Bins: sg.Bins[a:b]})
		}
	}
	if len(out) > 0 {
		f.Segments = out
		f.CenterHz = f.Center()
	}
}

func (a *Assembler) newFrame(s *vrt.Spectrum) *Frame {
	f := &Frame{
		StreamID: s.StreamID, Source: s.Source, HasTime: s.HasTime, Units: s.Units, Trace: s.Trace,
		Averages: s.Averages, RBWHz: s.RBWHz, CenterHz: s.CenterHz, SweepID: s.SweepID, HasSweepID: s.HasSweepID,
		Segments: []Segment{{StartHz: s.StartHz, StepHz: s.StepHz, Bins: append([]float32(nil), s.Bins...)}},
	}
	if s.HasTime {
		f.Time = s.Timestamp.Time()
	} else if a.Now != nil {
		f.Time = a.Now().UTC()
	} else {
		f.Time = time.Now().UTC()
	}
	if f.Source == "" && a.Info != nil {
		if ci, ok := a.Info(s.StreamID); ok {
			f.Source = ci.Source
		}
	}
	if f.Source == "" {
		f.Source = fmt.Sprintf("stream 0x%08x", s.StreamID)
	}
	if f.CenterHz == 0 {
		f.CenterHz = f.Center()
	}
	return f
}

// Flush returns the frames still pending (sweep passes the input ended in
// the middle of), ordered by stream ID, and forgets them. They are marked
// Complete only if nothing says otherwise: without a capture description a
// pass cannot be known to be short.
func (a *Assembler) Flush() []*Frame {
	out := make([]*Frame, 0, len(a.pending))
	for _, f := range a.pending {
		f.Complete = true
		if a.Info != nil {
			if ci, ok := a.Info(f.StreamID); ok && ci.HasSweep && ci.SweepStopHz > ci.SweepStartHz {
				f.Complete = passDone(f, ci)
				f.clip(ci.SweepStartHz, ci.SweepStopHz)
			}
		}
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].StreamID < out[j].StreamID })
	a.pending = nil
	return out
}
