package dsp

import (
	"fmt"

	"github.com/wsatools/wsa/pkg/vrt"
)

// finish is the writing side: jobs arrive here in input order.
func (s *Stream) finish(j *job) {
	s.emitPos = j.at
	switch j.kind {
	case jobRaw:
		s.out = append(s.out, j.raw...)
	case jobEnd:
		for _, id := range s.order {
			s.flushReducer(s.reds[id])
		}
	case jobBlock, jobPower:
		if j.kind == jobBlock && j.err != nil {
			if s.err == nil {
				s.err = j.at.wrap(fmt.Errorf("dsp: %d-point spectrum: %w", j.fr.n, j.err))
			}
			return
		}
		s.reduce(j)
	}
}

// reduce adds one spectrum to its stream's average or hold, or writes it
// when spectra go out one by one. All reductions run on linear power, so
// an average is the mean power converted back to dB (never a mean of dB).
func (s *Stream) reduce(j *job) {
	r := s.reds[j.stream]
	if r == nil {
		r = &reducer{}
		s.reds[j.stream] = r
		s.order = append(s.order, j.stream)
	}
	if r.count > 0 && r.fr != j.fr {
		s.flushReducer(r)
	}
	if j.live {
		s.emit(&j.fr, j.ts, j.hasTime, j.db, vrt.TraceLive, 1)
		return
	}
	if r.count == 0 {
		r.fr, r.ts, r.hasTime = j.fr, j.ts, j.hasTime
		r.acc = grow(r.acc, len(j.pow))
		copy(r.acc, j.pow)
	} else {
		acc := r.acc[:len(j.pow)]
		switch s.cfg.Hold {
		case HoldMax:
			for k, v := range j.pow {
				acc[k] = max(acc[k], v)
			}
		case HoldMin:
			for k, v := range j.pow {
				acc[k] = min(acc[k], v)
			}
		default:
			for k, v := range j.pow {
				acc[k] += v
			}
		}
	}
	r.count++
	if s.runningHold() {
		// The hold so far, stamped with the newest data it contains.
		r.ts, r.hasTime = j.ts, j.hasTime
		s.dbOut = grow(s.dbOut, len(r.acc))
		PowerToDB(s.dbOut, r.acc, s.cfg.ExactLog)
		s.emit(&r.fr, r.ts, r.hasTime, s.dbOut, s.trace(), r.count)
		return
	}
	if r.count >= s.cfg.Average {
		s.emitReduced(r)
	}
}

// runningHold: a hold without a count runs over the whole stream.
func (s *Stream) runningHold() bool { return s.cfg.Hold != HoldNone && s.cfg.Average <= 1 }

func (s *Stream) trace() vrt.Trace {
	switch s.cfg.Hold {
	case HoldMax:
		return vrt.TraceMax
	case HoldMin:
		return vrt.TraceMin
	}
	return vrt.TraceAverage
}

// flushReducer writes a partial average or hold (its Averages field says
// how many spectra it holds) and starts afresh. A running hold has already
// been written; it just restarts.
func (s *Stream) flushReducer(r *reducer) {
	if r.count > 0 && !s.runningHold() {
		s.emitReduced(r)
	}
	r.count = 0
}

func (s *Stream) emitReduced(r *reducer) {
	if s.cfg.Hold == HoldNone {
		inv := 1 / float64(r.count)
		for k := range r.acc {
			r.acc[k] *= inv
		}
	}
	s.dbOut = grow(s.dbOut, len(r.acc))
	PowerToDB(s.dbOut, r.acc, s.cfg.ExactLog)
	s.emit(&r.fr, r.ts, r.hasTime, s.dbOut, s.trace(), r.count)
	r.count = 0
}

// emit encodes one spectrum (docs/FORMAT.md §3) after s.out.
func (s *Stream) emit(fr *frame, ts vrt.Timestamp, hasTime bool, bins []float32, tr vrt.Trace, count int) {
	window := s.cfg.Window
	if fr.kind == kindPSD {
		window = "" // computed by the device with a window we do not know
	}
	s.spec = vrt.Spectrum{
		StreamID: fr.outID, Timestamp: ts, HasTime: hasTime,
		CenterHz: fr.centerHz, StartHz: fr.startHz, StepHz: fr.stepHz, RBWHz: fr.rbwHz, SampleRateHz: fr.fsHz,
		RefLevelDBm: fr.refLevel, HasRefLevel: fr.hasRef,
		Units: vrt.UnitsDBFS, Trace: tr, Window: window,
		FFTSize: uint32(fr.n), WindowPoints: uint32(fr.n), Averages: uint32(count),
		SweepID: fr.sweepID, HasSweepID: fr.hasSweep, Decimation: fr.decimation, Source: fr.source,
		Bins: bins,
	}
	out, err := s.enc.Append(s.out, &s.spec)
	if err != nil {
		if s.err == nil {
			s.err = s.emitPos.wrap(fmt.Errorf("encoding spectrum: %w", err))
		}
		return
	}
	s.out = out
	s.stats.Spectra++
}
