package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/wsatools/wsa/internal/cli"
	"github.com/wsatools/wsa/pkg/cal"
	"github.com/wsatools/wsa/pkg/vrt"
)

// config is what the flags resolve to.
type config struct {
	refLevel     float64 // --reflevel, used when a spectrum carries none
	haveRefLevel bool
	corrections  []*cal.Correction
	stitch       bool
	rangeStart   float64 // --range (stitch)
	rangeStop    float64
	peaks        int
	peakSepHz    float64
	channels     [][2]float64
	obw          float64 // percent; 0 = off
}

func (c *config) measuring() bool { return c.peaks > 0 || len(c.channels) > 0 || c.obw > 0 }

// stats counts what a run did.
type stats struct {
	Packets    int64 // packets read
	SpectraIn  int64
	SpectraOut int64
	Incomplete int64 // sweeps reported incomplete
	PassedOn   int64
	Skipped    int64 // spectrum data without its context (joined mid-stream)
}

// writeError is a failure to write the output (| head closing the pipe is
// the normal case), as opposed to a problem with the input.
type writeError struct{ err error }

func (e *writeError) Error() string { return "write output: " + e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }

// processor is one run of wsa-cal: packets in, calibrated spectra and
// everything else out, measurements and reports on their own writers.
type processor struct {
	cfg     config
	w       *vrt.Writer
	measure io.Writer // JSON lines
	report  io.Writer // one line per incomplete sweep
	enc     vrt.SpectrumEncoder
	st      *cal.Stitcher
	buf     []byte
	stats   stats
}

// process reads VRT packets from in until its end (or ctx ends, checked
// between packets) and writes the result to out. Malformed input comes
// back as an error naming the packet index and byte offset, after
// everything before it has been written (and open sweeps reported).
// Output is flushed whenever process waits for input (in a *cli.IdleReader
// without a Flush of its own gets the output's), so a live pipeline sees
// every spectrum at once and a stop while waiting loses nothing.
func process(ctx context.Context, cfg config, in io.Reader, out, measure, report io.Writer) (stats, error) {
	pr := &processor{cfg: cfg, w: vrt.NewWriter(out, vrt.WriterOptions{}), measure: measure, report: report}
	if ir, ok := in.(*cli.IdleReader); ok && ir.Flush == nil {
		ir.Flush = pr.w.Flush
	} else if !ok {
		in = &cli.IdleReader{R: in, Flush: pr.w.Flush}
	}
	if cfg.stitch {
		pr.st = &cal.Stitcher{StartHz: cfg.rangeStart, StopHz: cfg.rangeStop}
	}
	err := pr.run(ctx, in)
	if pr.st != nil {
		if derr := pr.done(pr.st.Close()); derr != nil && err == nil {
			err = derr
		}
	}
	if ferr := pr.w.Flush(); ferr != nil && err == nil {
		err = &writeError{ferr}
	}
	return pr.stats, err
}

func (pr *processor) run(ctx context.Context, in io.Reader) error {
	r := vrt.NewReader(in, vrt.ReaderOptions{})
	var dec vrt.SpectrumDecoder
	for ctx.Err() == nil {
		off := r.Offset()
		p, err := r.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err // *vrt.FormatError: "packet N at byte offset B: …"
		}
		idx := pr.stats.Packets
		pr.stats.Packets++
		at := func(err error) error { return fmt.Errorf("packet %d at byte offset %d: %w", idx, off, err) }
		switch {
		case vrt.IsSpectrumContext(p):
			if _, err := dec.Feed(p); err != nil {
				return at(err)
			}
			continue // written again, with the spectrum, by the encoder
		case p.Type.IsData():
			s, err := dec.Feed(p)
			switch {
			case errors.Is(err, vrt.ErrNoContext):
				pr.stats.Skipped++ // joined mid-spectrum: take the next whole one
				continue
			case err != nil:
				return at(err)
			case s == nil:
				continue // a segment of a large spectrum
			}
			pr.stats.SpectraIn++
			if err := cal.ToDBm(s, pr.cfg.refLevel, pr.cfg.haveRefLevel); err != nil {
				return at(fmt.Errorf("spectrum at %s (stream 0x%08x): %w", cli.FormatFreq(s.CenterHz), s.StreamID, err))
			}
			if pr.st == nil {
				if err := pr.emit(s); err != nil {
					return err
				}
				continue
			}
			done, err := pr.st.Add(s)
			if derr := pr.done(done); derr != nil {
				return derr
			}
			if err != nil {
				return at(err)
			}
			continue
		case pr.st != nil && vrt.IsCaptureInfo(p):
			ci, err := vrt.DecodeCaptureInfo(p)
			if err != nil {
				return at(err)
			}
			// The pass it ends goes out before the description of the next.
			if err := pr.done(pr.st.Describe(ci)); err != nil {
				return err
			}
		}
		if err := pr.w.WritePacket(p.Raw); err != nil {
			return &writeError{err}
		}
		pr.stats.PassedOn++
	}
	return ctx.Err()
}

// done writes the stitched spectra and reports the incomplete sweeps.
func (pr *processor) done(ds []cal.Done) error {
	for _, d := range ds {
		if d.Incomplete != nil {
			pr.stats.Incomplete++
			fmt.Fprintf(pr.report, "wsa-cal: %v\n", d.Incomplete)
			continue
		}
		if err := pr.emit(d.Spectrum); err != nil {
			return err
		}
	}
	return nil
}

// emit applies the corrections, measures and writes one spectrum.
func (pr *processor) emit(s *vrt.Spectrum) error {
	for _, c := range pr.cfg.corrections {
		c.Apply(s)
	}
	if pr.cfg.measuring() {
		if err := pr.measureSpectrum(s); err != nil {
			return err
		}
	}
	var err error
	if pr.buf, err = pr.enc.Append(pr.buf[:0], s); err != nil {
		return err
	}
	// Append writes whole packets (several triples for a large spectrum).
	for b := pr.buf; len(b) > 0; {
		n := vrt.SizeOf(b)
		if err := pr.w.WritePacket(b[:n]); err != nil {
			return &writeError{err}
		}
		b = b[n:]
	}
	pr.stats.SpectraOut++
	return nil
}

// measureSpectrum writes one JSON line per measurement of s.
func (pr *processor) measureSpectrum(s *vrt.Spectrum) error {
	base := func(kind string) map[string]any {
		m := map[string]any{
			"measurement": kind, "source": s.Source, "stream_id": fmt.Sprintf("0x%08x", s.StreamID),
			"center_hz": s.CenterHz, "start_hz": s.StartHz, "stop_hz": s.StopHz(), "bins": len(s.Bins),
			"units": s.Units.String(),
		}
		if s.HasTime {
			m["time"] = s.Timestamp.Time().UTC().Format(time.RFC3339Nano)
		}
		if s.HasSweepID {
			m["sweep_id"] = s.SweepID
		}
		return m
	}
	var lines []map[string]any
	if pr.cfg.peaks > 0 {
		m := base("peaks")
		sep := pr.cfg.peakSepHz
		if sep <= 0 {
			sep = cal.DefaultPeakSeparationBins * s.StepHz
		}
		pk := []map[string]any{}
		for _, p := range cal.Peaks(s, pr.cfg.peaks, sep) {
			pk = append(pk, map[string]any{"freq_hz": p.FreqHz, "level_dbm": num(p.LevelDBm)})
		}
		m["peaks"], m["min_separation_hz"] = pk, sep
		lines = append(lines, m)
	}
	for _, ch := range pr.cfg.channels {
		m := base("channel_power")
		m["channel_start_hz"], m["channel_stop_hz"] = ch[0], ch[1]
		if p, err := cal.ChannelPower(s, ch[0], ch[1]); err != nil {
			m["power_dbm"], m["error"] = nil, err.Error()
		} else {
			m["power_dbm"] = num(p)
		}
		lines = append(lines, m)
	}
	if pr.cfg.obw > 0 {
		m := base("obw")
		o, err := cal.OccupiedBandwidth(s, pr.cfg.obw)
		if err != nil {
			m["error"] = err.Error()
		} else {
			m["percent"], m["bandwidth_hz"], m["obw_start_hz"], m["obw_stop_hz"] = o.Percent, o.BandwidthHz, o.StartHz, o.StopHz
			m["obw_center_hz"], m["total_power_dbm"] = o.CenterHz, num(o.TotalDBm)
		}
		lines = append(lines, m)
	}
	for _, m := range lines {
		b, err := json.Marshal(m)
		if err != nil {
			return fmt.Errorf("measurement: %w", err)
		}
		if _, err := pr.measure.Write(append(b, '\n')); err != nil {
			return fmt.Errorf("write measurements: %w", err)
		}
	}
	return nil
}

// num is v for JSON, or null when it is not finite (a spectrum of nothing
// but −∞ has no power in dBm; JSON has no −∞).
func num(v float64) any {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return v
}
