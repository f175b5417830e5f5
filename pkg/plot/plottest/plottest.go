// Package plottest makes synthetic spectrum streams with known content
// (tones at known frequencies and levels over a noise floor), for testing
// and measuring anything that reads the suite's spectrum packets without a
// device, wsa-fft or wsa-cal in the loop.
package plottest

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/wsatools/wsa/pkg/vrt"
)

// Tone is a signal at Hz with Level (in the stream's units) in its bin.
type Tone struct {
	Hz    float64
	Level float64
}

// Source describes one synthetic source.
type Source struct {
	StreamID uint32 // default vrt.DefaultSpectrumStream
	Name     string // the spectra's source field
	StartHz  float64
	StepHz   float64
	Bins     int
	Units    vrt.Units
	Floor    float64 // noise floor level (mean of the noise bins)
	Spread   float64 // noise bins are uniform in Floor ± Spread/2
	Tones    []Tone
	Start    time.Time     // time of spectrum 0 (zero: no timestamps)
	Interval time.Duration // between spectra
	Seed     uint64
	// Sweep, when Steps > 1, makes every spectrum one of Steps segments of
	// a sweep pass (same sweep ID; segment k starts at StartHz + k·Bins·StepHz).
	Steps   int
	SweepID uint32
}

func (s *Source) defaults() {
	if s.StreamID == 0 {
		s.StreamID = vrt.DefaultSpectrumStream
	}
	if s.Bins == 0 {
		s.Bins = 1024
	}
	if s.StepHz == 0 {
		s.StepHz = 1e3
	}
}

// Spectrum returns spectrum i of the source: deterministic for a seed.
// For a sweep, spectrum i is segment i%Steps of pass i/Steps.
func (s Source) Spectrum(i int) *vrt.Spectrum {
	s.defaults()
	start := s.StartHz
	if s.Steps > 1 {
		start += float64(i%s.Steps) * float64(s.Bins) * s.StepHz
	}
	sp := &vrt.Spectrum{
		StreamID: s.StreamID, StartHz: start, StepHz: s.StepHz, RBWHz: 1.5 * s.StepHz, Units: s.Units,
		Source: s.Name, Window: "hann", FFTSize: uint32(s.Bins), WindowPoints: uint32(s.Bins), Averages: 1,
		Bins: make([]float32, s.Bins),
	}
	sp.CenterHz = start + float64(s.Bins/2)*s.StepHz
	if s.Steps > 1 {
		sp.HasSweepID, sp.SweepID = true, s.SweepID
	}
	if !s.Start.IsZero() {
		sp.HasTime = true
		sp.Timestamp = vrt.TimestampOf(s.Start.Add(time.Duration(i) * s.Interval))
	}
	r := rand.New(rand.NewPCG(s.Seed, uint64(i)))
	for k := range sp.Bins {
		sp.Bins[k] = float32(s.Floor + (r.Float64()-0.5)*s.Spread)
	}
	for _, t := range s.Tones {
		k := int(math.Round((t.Hz - start) / s.StepHz))
		if k >= 0 && k < s.Bins {
			sp.Bins[k] = float32(t.Level)
		}
	}
	return sp
}

// CaptureInfo returns the capture description wsa-capture would write for
// the source's sweep (its stream ID carries the source's tag byte).
func (s Source) CaptureInfo() *vrt.CaptureInfo {
	s.defaults()
	ci := &vrt.CaptureInfo{StreamID: s.StreamID&0xffffff00 | 0x01, Source: s.Name}
	if s.Steps > 1 {
		ci.HasSweep, ci.SweepID = true, s.SweepID
		ci.SweepStartHz = s.StartHz - s.StepHz/2
		ci.SweepStopHz = s.StartHz + float64(s.Steps*s.Bins)*s.StepHz - s.StepHz/2
		ci.SweepSteps = uint32(s.Steps)
	}
	return ci
}

// Stream encodes n spectra of each source, interleaved (spectrum 0 of every
// source, then spectrum 1, …). Sweep sources are preceded by their capture
// description.
func Stream(n int, sources ...Source) []byte { return StreamRange(0, n, true, sources...) }

// StreamRange encodes spectra from to to−1 of each source, interleaved, with
// the capture descriptions first if header is set: a long stream can be
// written in pieces.
func StreamRange(from, to int, header bool, sources ...Source) []byte {
	var enc vrt.SpectrumEncoder
	var out []byte
	for _, s := range sources {
		if header && s.Steps > 1 {
			var err error
			if out, err = vrt.AppendCaptureInfo(out, s.CaptureInfo(), 0); err != nil {
				panic(err)
			}
		}
	}
	for i := from; i < to; i++ {
		for _, s := range sources {
			var err error
			if out, err = enc.Append(out, s.Spectrum(i)); err != nil {
				panic(err)
			}
		}
	}
	return out
}

// RawIQ returns one raw I14Q14 data packet as a device sends it (stream
// 0x90000003), the input wsa-plot must refuse with a hint to use wsa-fft.
func RawIQ(samples int) []byte {
	i := make([]int16, samples)
	q := make([]int16, samples)
	for k := range i {
		i[k] = int16(1000 * math.Cos(float64(k)/5))
		q[k] = int16(1000 * math.Sin(float64(k)/5))
	}
	p := vrt.Packet{
		Header:   vrt.Header{Type: vrt.TypeSignal, Indicators: vrt.IndTrailer, TSI: vrt.TSIUTC, TSF: vrt.TSFRealTime},
		StreamID: 0x90000003,
		Payload:  vrt.AppendIQ16(nil, i, q),
		Trailer:  vrt.Trailer(0).With(vrt.TrailerValidData, true),
	}
	b, err := p.AppendTo(nil)
	if err != nil {
		panic(err)
	}
	return b
}
