package sim

import (
	"context"
	"encoding/binary"
	"errors"
	"time"

	"github.com/wsatools/wsa/pkg/vrt"
	"github.com/wsatools/wsa/pkg/wsa"
)

// acquisition is the one capture the digitizer runs at a time.
type acquisition struct {
	kind   string // BLOCK, STREAMING, SWEEPING
	sess   *session
	cancel context.CancelFunc
	done   chan struct{}
}

// abortLocked stops the running capture immediately and waits until its
// goroutine has queued its last packet. It releases s.mu while waiting.
func (s *Sim) abortLocked() {
	for s.acq != nil {
		a := s.acq
		a.cancel()
		s.mu.Unlock()
		<-a.done
		s.mu.Lock()
	}
}

// flushLocked drops the data queued for the session's VRT connection: the
// device's output buffer (:SYSTEM:FLUSH).
func (s *Sim) flushLocked(ss *session) {
	if ss.data != nil {
		ss.data.flush()
	}
}

var errGone = errors.New("VRT connection closed")

// start launches a capture for session ss. A block requested while a
// block is still being sent waits for it (the device queues block
// commands); anything else that overlaps a running capture is a settings
// conflict.
func (s *Sim) start(ss *session, kind string, body func(ctx context.Context, e *emitter) error) *scpiError {
	for s.acq != nil {
		if s.acq.kind != "BLOCK" || kind != "BLOCK" {
			return serr(ErrSettingsConfl, "%s in progress", s.acq.kind)
		}
		a := s.acq
		s.mu.Unlock()
		select {
		case <-a.done:
		case <-s.ctx.Done():
		}
		s.mu.Lock()
		if s.ctx.Err() != nil || ss.closed {
			return serr(ErrExecution, "device shutting down")
		}
	}
	ctx, cancel := context.WithCancel(s.ctx)
	a := &acquisition{kind: kind, sess: ss, cancel: cancel, done: make(chan struct{})}
	e := &emitter{s: s, paced: s.cfg.Pace && kind != "BLOCK"}
	s.acq = a
	go func() {
		var err error
		if e.sink = s.awaitSink(ctx, ss); e.sink != nil {
			err = body(ctx, e)
		} else {
			// A client without a data connection: a block is lost at
			// once, a stream or sweep runs into the void until stopped
			// (without burning a core on samples nobody receives).
			s.mu.Lock()
			s.stats.Undelivered++
			s.mu.Unlock()
			if kind != "BLOCK" {
				<-ctx.Done()
			}
		}
		if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, errGone) {
			s.logf("capture: %v", err)
		}
		cancel()
		s.mu.Lock()
		if s.acq == a {
			s.acq = nil
		}
		s.changed.Broadcast()
		s.mu.Unlock()
		close(a.done)
	}()
	return nil
}

// awaitSink returns the session's data connection. A client's VRT connect
// completes in the kernel before this process has accepted it, so a
// capture requested right after connecting waits for it, up to
// Config.DataWait (default 2 s).
func (s *Sim) awaitSink(ctx context.Context, ss *session) *dataConn {
	wait := s.cfg.DataWait
	if wait == 0 {
		wait = 2 * time.Second
	}
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	stop := context.AfterFunc(wctx, func() {
		s.mu.Lock()
		s.changed.Broadcast()
		s.mu.Unlock()
	})
	defer stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		if d := s.sinkFor(ss); d != nil || wctx.Err() != nil || ss.closed {
			return d
		}
		s.changed.Wait()
	}
}

func (s *Sim) nextSeed() uint64 { return s.cfg.Seed + s.seedCtr.Add(1)*0x2545F4914F6CDD1D }

func (s *Sim) startBlock(ss *session) *scpiError {
	c := s.set.capture()
	sc := s.scene.Load()
	imp := s.impairments()
	seed := s.nextSeed()
	return s.start(ss, "BLOCK", func(ctx context.Context, e *emitter) error {
		g := newGen(s.props, sc, imp, c, seed)
		if !g.triggered(c.trig) {
			<-ctx.Done() // a level trigger that never fires holds the block
			return ctx.Err()
		}
		t0 := s.now()
		if err := e.contexts(ctx, c, t0); err != nil {
			return err
		}
		return e.data(ctx, g, c, t0, c.ppb, time.Time{})
	})
}

func (s *Sim) startStream(ss *session, id uint32, hasID bool) *scpiError {
	c := s.set.capture()
	sc := s.scene.Load()
	imp := s.impairments()
	seed := s.nextSeed()
	return s.start(ss, "STREAMING", func(ctx context.Context, e *emitter) error {
		g := newGen(s.props, sc, imp, c, seed)
		if !g.triggered(c.trig) {
			<-ctx.Done()
			return ctx.Err()
		}
		t0 := s.now()
		if hasID {
			if err := e.ext(ctx, vrt.FieldStreamStartID, id, t0); err != nil {
				return err
			}
		}
		if err := e.contexts(ctx, c, t0); err != nil {
			return err
		}
		return e.data(ctx, g, c, t0, -1, t0)
	})
}

func (s *Sim) startSweep(ss *session, id uint32, hasID bool) *scpiError {
	if len(s.sweep.entries) == 0 {
		return serr(ErrSettingsConfl, "sweep list is empty")
	}
	entries := append([]wsa.SweepEntry(nil), s.sweep.entries...)
	iters := s.sweep.iterations
	sc := s.scene.Load()
	imp := s.impairments()
	return s.start(ss, "SWEEPING", func(ctx context.Context, e *emitter) error {
		t := s.now()
		for it := 0; iters == 0 || it < iters; it++ {
			if hasID {
				if err := e.ext(ctx, vrt.FieldSweepID, id, later(s.now(), t)); err != nil {
					return err
				}
			}
			for _, en := range entries {
				dwell := time.Duration(en.DwellS)*time.Second + time.Duration(en.DwellUS)*time.Microsecond
				for _, f := range en.Steps() {
					c := entryCapture(en, f)
					g := newGen(s.props, sc, imp, c, s.nextSeed())
					if !g.triggered(c.trig) {
						continue // a level-triggered step with nothing above the level sends nothing
					}
					t = later(s.now(), t)
					if err := e.contexts(ctx, c, t); err != nil {
						return err
					}
					var pace time.Time
					if e.paced {
						pace = time.Now()
					}
					if err := e.data(ctx, g, c, t, c.ppb, pace); err != nil {
						return err
					}
					t = t.Add(sampleTime(c, c.spp*c.ppb) + dwell)
					if e.paced && dwell > 0 {
						if err := sleepCtx(ctx, dwell); err != nil {
							return err
						}
					}
				}
			}
		}
		return nil
	})
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func (s *Sim) impairments() Impairments {
	if s.cfg.Impairments != nil {
		return *s.cfg.Impairments
	}
	return DefaultImpairments
}

func sampleTime(c capture, n int) time.Duration {
	fs := 125e6 / float64(max(c.dec, 1))
	return time.Duration(float64(n) / fs * 1e9)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Streams, in the order of the per-stream packet counters.
const (
	idxReceiver = iota
	idxDigitizer
	idxCustom
	idxData
)

// emitter turns a capture into VRT packets on a session's data connection.
type emitter struct {
	s     *Sim
	sink  *dataConn
	paced bool
	i, q  []int16
}

func (e *emitter) count(idx int) uint8 {
	c := e.s.counts[idx]
	e.s.counts[idx] = (c + 1) & 0xf
	return c
}

func (e *emitter) send(ctx context.Context, b []byte, droppable bool) error {
	if e.sink == nil {
		putBuf(b)
		e.s.mu.Lock()
		e.s.stats.Undelivered++
		e.s.mu.Unlock()
		return ctx.Err()
	}
	if droppable {
		select {
		case e.sink.q <- b:
			return nil
		case <-ctx.Done():
			putBuf(b)
			return ctx.Err()
		case <-e.sink.done:
			putBuf(b)
			return errGone
		default:
			putBuf(b)
			e.sink.lossPending.Store(true)
			e.s.mu.Lock()
			e.s.stats.Dropped++
			e.s.mu.Unlock()
			return nil
		}
	}
	select {
	case e.sink.q <- b:
		return nil
	case <-ctx.Done():
		putBuf(b)
		return ctx.Err()
	case <-e.sink.done:
		putBuf(b)
		return errGone
	}
}

func ctxHeader(t vrt.PacketType, stream uint32, count uint8, ts time.Time) vrt.ContextHeader {
	return vrt.ContextHeader{Type: t, StreamID: stream, Count: count, TSI: vrt.TSIUTC, TSF: vrt.TSFRealTime,
		Timestamp: vrt.TimestampOf(ts)}
}

// contexts sends the context that precedes every block and sweep step,
// one field per packet as pyrf expects (device-facts.md §2.4, §12.3):
// receiver rf_freq; digitizer bandwidth, rf_offset (−fshift: the DC bin
// is at rf_freq − fshift, §5.2 step 7) and reference level.
func (e *emitter) contexts(ctx context.Context, c capture, ts time.Time) error {
	bw := e.s.props.SampleRate(c.dec)
	if e.s.props.RealBand(c.freq) {
		bw /= 2 // direct sampling: a real signal from 0 to half the sample rate
	}
	pkts := []struct {
		idx    int
		stream uint32
		f      vrt.FieldValue
	}{
		{idxReceiver, vrt.StreamReceiver, vrt.F(vrt.FieldRFFreq, c.freq)},
		{idxDigitizer, vrt.StreamDigitizer, vrt.F(vrt.FieldBandwidth, bw)},
		{idxDigitizer, vrt.StreamDigitizer, vrt.F(vrt.FieldRFOffset, -c.fshift)},
		{idxDigitizer, vrt.StreamDigitizer, vrt.F(vrt.FieldRefLevel, c.refLevel())},
	}
	for _, p := range pkts {
		b, err := vrt.AppendContext(getBuf(64), ctxHeader(vrt.TypeContext, p.stream, e.count(p.idx), ts), p.f)
		if err != nil {
			return err
		}
		if err := e.send(ctx, b, false); err != nil {
			return err
		}
	}
	return nil
}

// ext sends one ThinkRF extension context packet (sweep or stream ID).
func (e *emitter) ext(ctx context.Context, f *vrt.FieldSpec, id uint32, ts time.Time) error {
	b, err := vrt.AppendContext(getBuf(64), ctxHeader(vrt.TypeExtContext, vrt.StreamCustom, e.count(idxCustom), ts), vrt.F(f, float64(id)))
	if err != nil {
		return err
	}
	return e.send(ctx, b, false)
}

// data sends n data packets (n < 0: until cancelled) of c.spp samples,
// contiguous in time from t0. With pace set, packet k is not sent before
// pace + k·spp/fs (real-time streaming).
func (e *emitter) data(ctx context.Context, g *gen, c capture, t0 time.Time, n int, pace time.Time) error {
	spp := c.spp
	if cap(e.i) < spp {
		e.i, e.q = make([]int16, spp), make([]int16, spp)
	}
	i, q := e.i[:spp], e.q[:spp]
	fs := g.pb.fs
	base := vrt.TimestampOf(t0)
	unlocked := e.s.faults.Load().Unlocked
	for k := 0; n < 0 || k < n; k++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !pace.IsZero() && e.paced {
			due := pace.Add(time.Duration(float64(k*spp) / fs * 1e9))
			if d := time.Until(due); d > 0 {
				if err := sleepCtx(ctx, d); err != nil {
					return err
				}
			}
		}
		over := g.fill(i, q)
		tr := vrt.ThinkRFTrailer
		if unlocked {
			tr = tr.With(vrt.TrailerReferenceLock, false)
		}
		if over {
			tr = tr.With(vrt.TrailerOverRange, true)
		}
		if e.sink != nil && e.sink.lossPending.Swap(false) {
			tr = tr.With(vrt.TrailerSampleLoss, true)
		}
		ts := addSamples(base, int64(k)*int64(spp), fs)
		b := encodeData(getBuf(4*(spp+6)), e.count(idxData), ts, i, q, tr)
		if err := e.send(ctx, b, n < 0 && e.paced); err != nil {
			return err
		}
	}
	return nil
}

// addSamples advances a UTC+picosecond timestamp by n samples at rate fs,
// exactly for the rates the device has (125 MHz / d: 8000·d ps per sample).
func addSamples(t vrt.Timestamp, n int64, fs float64) vrt.Timestamp {
	psPerSample := int64(1e12/fs + 0.5)
	ps := int64(t.Frac) + n*psPerSample
	return vrt.Timestamp{Int: t.Int + uint32(ps/1e12), Frac: uint64(ps % 1e12)}
}

// encodeData writes an I14Q14 data packet: header, stream ID, UTC seconds,
// picoseconds, one word per sample (I high, Q low), trailer.
func encodeData(dst []byte, count uint8, ts vrt.Timestamp, i, q []int16, tr vrt.Trailer) []byte {
	words := len(i) + 6
	h := vrt.Header{Type: vrt.TypeSignal, Indicators: vrt.IndTrailer, TSI: vrt.TSIUTC, TSF: vrt.TSFRealTime,
		Count: count, Size: uint16(words)}
	b := dst[:4*words]
	binary.BigEndian.PutUint32(b[0:], h.Word())
	binary.BigEndian.PutUint32(b[4:], vrt.StreamI14Q14)
	binary.BigEndian.PutUint32(b[8:], ts.Int)
	binary.BigEndian.PutUint64(b[12:], ts.Frac)
	p := b[20:]
	for k := range i {
		binary.BigEndian.PutUint32(p[4*k:], uint32(uint16(i[k]))<<16|uint32(uint16(q[k])))
	}
	binary.BigEndian.PutUint32(b[4*words-4:], uint32(tr))
	return b
}
