// Package replay plays a recording back as a packet stream, so that every
// downstream block works on recordings exactly as on a device: a VRT or VRL
// file (or stdin), or a SigMF recording, written as fast as possible or
// paced at the recorded timestamps, once or looping.
//
// The first pass is byte for byte the recording (VRL framing removed). Later
// passes of a loop shift every timestamp by the length of the recording and
// continue each stream's packet count, so the looped stream reads as one
// continuous capture (no count gaps, time moving forward) to wsa-dump,
// waterfalls and anything that checks continuity.
package replay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"github.com/wsatools/wsa/pkg/sigmf"
	"github.com/wsatools/wsa/pkg/vrt"
)

// Options tune a replay.
type Options struct {
	// Realtime paces packets at their recorded timestamps (relative to the
	// first one) instead of as fast as the writer takes them.
	Realtime bool
	// Speed scales the pace of Realtime (2 = twice as fast); default 1.
	Speed float64
	// MaxGap bounds the pause Realtime makes for a forward jump in the
	// recorded timestamps (a clock step, or captures minutes apart);
	// default 1 s. A backward jump pauses nothing. Either way pacing goes on
	// from the new time.
	MaxGap time.Duration
	// Passes is how many times the recording is played; 0 means forever
	// (until ctx ends).
	Passes int
	// SPP is the samples per packet for SigMF playback (0: as recorded).
	SPP int
	// Sleep waits for d or until ctx ends, and Now tells the time; tests
	// replace both with a fake clock. Defaults: a timer and time.Now.
	Sleep func(ctx context.Context, d time.Duration) error
	Now   func() time.Time
}

// Stats counts what a replay wrote.
type Stats struct {
	Packets int64
	Bytes   int64
	Passes  int // passes completed
}

// Source is a recording: Open returns a fresh reader of its packets for
// each pass.
type Source interface {
	// Name is how errors and logs refer to it.
	Name() string
	// Packets calls emit for every packet of one pass, in order. The bytes
	// are valid during the call only.
	Packets(ctx context.Context, emit func(pkt []byte) error) error
	// Rewindable reports whether Packets may be called more than once.
	Rewindable() bool
}

// Open chooses the source for a name as wsa-capture --replay does: "-" is
// stdin (VRT or VRL); NAME.sigmf-meta, NAME.sigmf-data or a NAME for which
// NAME.sigmf-meta exists is a SigMF recording; anything else a VRT/VRL file.
func Open(name string) (Source, error) {
	if name == "-" {
		return &vrtSource{name: "stdin", r: os.Stdin}, nil
	}
	base := strings.TrimSuffix(strings.TrimSuffix(name, ".sigmf-meta"), ".sigmf-data")
	if base != name {
		return openSigMF(base)
	}
	if _, err := os.Stat(name + ".sigmf-meta"); err == nil {
		return openSigMF(name)
	}
	if _, err := os.Stat(name); err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	return &vrtSource{name: name, path: name}, nil
}

func openSigMF(base string) (Source, error) {
	d, err := sigmf.Open(base)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	return &sigmfSource{d: d}, nil
}

// NewReaderSource replays packets read from r (VRT or VRL), once.
func NewReaderSource(name string, r io.Reader) Source { return &vrtSource{name: name, r: r} }

type vrtSource struct {
	name string
	path string    // reopened per pass
	r    io.Reader // or read once
}

func (s *vrtSource) Name() string     { return s.name }
func (s *vrtSource) Rewindable() bool { return s.path != "" }

func (s *vrtSource) Packets(ctx context.Context, emit func([]byte) error) error {
	in := s.r
	if s.path != "" {
		f, err := os.Open(s.path)
		if err != nil {
			return fmt.Errorf("replay: %w", err)
		}
		defer f.Close()
		in = f
	} else if in == nil {
		return errors.New("replay: the source can be read only once")
	} else {
		s.r = nil
	}
	r := vrt.NewReader(in, vrt.ReaderOptions{})
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		p, err := r.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		if err := emit(p.Raw); err != nil {
			return err
		}
	}
}

type sigmfSource struct {
	d   *sigmf.Dataset
	spp int
}

func (s *sigmfSource) Name() string     { return s.d.Base }
func (s *sigmfSource) Rewindable() bool { return true }
func (s *sigmfSource) Packets(ctx context.Context, emit func([]byte) error) error {
	return s.d.Play(s.spp, func(b []byte) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return emit(b)
	})
}

// Play writes the packets of src to w (one call per packet, whole packets
// only) as opt says, and returns what it wrote. It returns ctx.Err() when
// ctx ends, and the writer's error as it is (so a caller can tell a closed
// pipe).
func Play(ctx context.Context, src Source, w func(pkt []byte) error, opt Options) (Stats, error) {
	if opt.Speed <= 0 {
		opt.Speed = 1
	}
	if opt.MaxGap <= 0 {
		opt.MaxGap = time.Second
	}
	if opt.Sleep == nil {
		opt.Sleep = sleep
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if s, ok := src.(*sigmfSource); ok {
		s.spp = opt.SPP
	}
	if opt.Passes != 1 && !src.Rewindable() {
		return Stats{}, fmt.Errorf("replay: %s can be played only once (loop a file, not a pipe)", src.Name())
	}
	pl := player{ctx: ctx, opt: opt, w: w, counts: map[uint64]uint8{}}
	for pass := 0; opt.Passes == 0 || pass < opt.Passes; pass++ {
		pl.pass = pass
		pl.passStart, pl.passEnd, pl.dataEnd, pl.lastData = vrt.Timestamp{}, vrt.Timestamp{}, vrt.Timestamp{}, vrt.Timestamp{}
		pl.havePass, pl.haveDataEnd, pl.haveData, pl.lastStepPS = false, false, false, 0
		if err := src.Packets(ctx, pl.emit); err != nil {
			return pl.stats, err
		}
		if pl.stats.Packets == 0 {
			return pl.stats, fmt.Errorf("replay: %s holds no packets", src.Name())
		}
		pl.stats.Passes++
		if pl.havePass {
			pl.shiftPS += pl.passLength()
		}
	}
	return pl.stats, nil
}

type player struct {
	ctx   context.Context
	opt   Options
	w     func([]byte) error
	stats Stats
	buf   []byte
	pass  int
	// Timing of the current pass in recorded time, and the shift applied
	// to later passes (picoseconds).
	havePass           bool
	passStart, passEnd vrt.Timestamp // first and latest timestamp
	// dataEnd is the latest end of a data packet's samples (its time plus
	// its samples at the rate of the digitizer context, rateHz).
	haveDataEnd bool
	dataEnd     vrt.Timestamp
	rateHz      float64
	// lastData and lastStepPS: the previous data packet's time and the
	// last positive step between data packets (the fallback when the rate
	// is unknown).
	haveData   bool
	lastData   vrt.Timestamp
	lastStepPS int64
	shiftPS    int64
	// Pacing anchor: the wall time at which recorded (shifted) time
	// anchorT is due; lastT is the previous data packet's time.
	anchored       bool
	anchorW        time.Time
	anchorT, lastT vrt.Timestamp
	counts         map[uint64]uint8 // continued packet counts per stream and kind
}

func (pl *player) emit(raw []byte) error {
	var p vrt.Packet
	if err := p.Decode(raw); err != nil {
		return fmt.Errorf("replay: packet %d: %w", pl.stats.Packets, err)
	}
	hasTime := p.TSI != vrt.TSINone && p.TSF == vrt.TSFRealTime
	if hasTime {
		pl.track(&p)
	}
	out := raw
	if pl.pass > 0 {
		// Continue counts and shift time, so the loop reads as one capture.
		k := uint64(p.StreamID)<<8 | uint64(p.Type)
		p.Count = pl.counts[k]
		if hasTime {
			p.Timestamp = addPS(p.Timestamp, pl.shiftPS)
		}
		var err error
		if pl.buf, err = p.AppendTo(pl.buf[:0]); err != nil {
			return fmt.Errorf("replay: packet %d: %w", pl.stats.Packets, err)
		}
		out = pl.buf
	}
	k := uint64(p.StreamID)<<8 | uint64(p.Type)
	pl.counts[k] = (p.Count + 1) & 0xf
	if pl.opt.Realtime && hasTime && p.Type.IsData() {
		if err := pl.pace(p.Timestamp); err != nil {
			return err
		}
	}
	if err := pl.w(out); err != nil {
		return err
	}
	pl.stats.Packets++
	pl.stats.Bytes += int64(len(out))
	return nil
}

// track notes the recorded timing of p (before any shift) so the next pass
// can start where this one ends.
func (pl *player) track(p *vrt.Packet) {
	t := p.Timestamp
	if !pl.havePass {
		pl.passStart, pl.passEnd, pl.havePass = t, t, true
	}
	if psBetween(pl.passEnd, t) > 0 {
		pl.passEnd = t
	}
	if p.Type == vrt.TypeContext && p.StreamID == vrt.StreamDigitizer {
		var c vrt.Context
		if c.Decode(p) == nil {
			if bw, ok := c.Float(vrt.FieldBandwidth); ok && bw > 0 {
				pl.rateHz = bw
			}
		}
	}
	if !p.Type.IsData() {
		return
	}
	if pl.haveData {
		if d := psBetween(pl.lastData, t); d > 0 {
			pl.lastStepPS = d
		}
	}
	pl.lastData, pl.haveData = t, true
	if pl.rateHz > 0 && vrt.FormatOf(p) == vrt.FormatI14Q14 {
		end := addPS(t, int64(math.Round(float64(vrt.SampleCount(p))/pl.rateHz*1e12)))
		if !pl.haveDataEnd || psBetween(pl.dataEnd, end) > 0 {
			pl.dataEnd, pl.haveDataEnd = end, true
		}
	}
}

// passLength is how far the next pass is shifted: to the end of the last
// data packet's samples when the sample rate is known (a device stream
// always says it), else one data packet step after the latest timestamp.
// Block captures stamp data like the context before it, so the step from
// the latest timestamp alone could be zero and repeat a time. At least 1 ps,
// so time always moves forward.
func (pl *player) passLength() int64 {
	span := psBetween(pl.passStart, pl.passEnd)
	if pl.haveDataEnd {
		span = max(span, psBetween(pl.passStart, pl.dataEnd))
	} else {
		span += pl.lastStepPS
	}
	return max(span, 1)
}

// pace waits until the packet stamped t is due. A backward jump or a
// forward jump longer than MaxGap re-anchors the clock (after at most
// MaxGap of pause), so a recording with a clock step plays on.
func (pl *player) pace(t vrt.Timestamp) error {
	now := pl.opt.Now()
	if !pl.anchored {
		pl.anchored, pl.anchorW, pl.anchorT, pl.lastT = true, now, t, t
		return nil
	}
	step := psBetween(pl.lastT, t)
	pl.lastT = t
	if step < 0 || float64(step) > float64(pl.opt.MaxGap)*1e3*pl.opt.Speed {
		pause := time.Duration(0)
		if step > 0 {
			pause = pl.opt.MaxGap
		}
		pl.anchorW, pl.anchorT = now.Add(pause), t
		return pl.opt.Sleep(pl.ctx, pause)
	}
	due := pl.anchorW.Add(time.Duration(float64(psBetween(pl.anchorT, t)) / 1e3 / pl.opt.Speed))
	if d := due.Sub(now); d > 0 {
		return pl.opt.Sleep(pl.ctx, d)
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// psBetween is b − a in picoseconds (exact for spans up to 106 days).
func psBetween(a, b vrt.Timestamp) int64 {
	return (int64(b.Int)-int64(a.Int))*1e12 + (int64(b.Frac) - int64(a.Frac))
}

// addPS returns t + ps, with TSF kept in 0..1e12−1.
func addPS(t vrt.Timestamp, ps int64) vrt.Timestamp {
	total := int64(t.Frac) + ps
	sec := total / 1e12
	frac := total % 1e12
	if frac < 0 {
		frac += 1e12
		sec--
	}
	return vrt.Timestamp{Int: uint32(int64(t.Int) + sec), Frac: uint64(frac)}
}
