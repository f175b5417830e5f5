package dsp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/wsatools/wsa/pkg/vrt"
	"github.com/wsatools/wsa/pkg/wsa"
)

// Hold selects how StreamConfig.Average combines spectra.
type Hold uint8

// Reductions of consecutive spectra.
const (
	HoldNone Hold = iota // mean of linear power (with Average > 1), else live
	HoldMax              // element-wise maximum (peak hold)
	HoldMin              // element-wise minimum
)

// ParseHold maps "", "none", "max", "min" to a Hold.
func ParseHold(s string) (Hold, error) {
	switch strings.ToLower(s) {
	case "", "none", "off":
		return HoldNone, nil
	case "max", "peak":
		return HoldMax, nil
	case "min":
		return HoldMin, nil
	}
	return HoldNone, fmt.Errorf("hold %q: want max or min", s)
}

// MaxBins bounds StreamConfig.Bins (4 Mi points: 64 MiB of samples per
// stream in flight, far beyond any useful resolution of a 125 MHz capture).
const MaxBins = 1 << 22

// StreamConfig describes how a Stream turns I/Q packets into spectra. The
// zero value is wsa-fft's default: pyrf's chain, one live spectrum per
// data packet, computed inline.
type StreamConfig struct {
	Options
	// Bins re-blocks the samples of each data stream into FFTs of this many
	// samples, across packet boundaries; 0 makes one spectrum per data
	// packet (N = its sample count).
	Bins int
	// Overlap is the fraction of a block shared with the next one
	// (Welch-style segments, 0 ≤ Overlap < 1); it needs Bins. The hop
	// between blocks is round(Bins·(1 − Overlap)), at least 1 sample.
	Overlap float64
	// Average combines this many consecutive spectra of a stream into one:
	// the mean of linear power, or with Hold the element-wise max/min. With
	// Hold and Average ≤ 1 the hold runs over the whole stream and every
	// input spectrum emits the hold so far.
	Average int
	Hold    Hold
	// Source names the spectra (Spectrum.Source); "" takes the source of
	// the latest capture description packet.
	Source string
	// Props are the device model's limits (full sample rate, real-only
	// band); nil means wsa.WSA4000.
	Props *wsa.Properties
	// Workers compute FFTs on that many goroutines, output order kept; 0
	// or 1 computes inline on the caller's goroutine (Feed).
	Workers int
	// Logf receives one-line warnings (undecodable context passed
	// through); nil discards them.
	Logf func(format string, args ...any)
}

// Validate reports the first setting that makes no sense.
func (c *StreamConfig) Validate() error {
	if _, err := LookupWindow(c.Window); err != nil {
		return err
	}
	switch {
	case c.Bins != 0 && (c.Bins < 2 || c.Bins > MaxBins):
		return fmt.Errorf("bins %d: want 2…%d (0: one FFT per packet)", c.Bins, MaxBins)
	case !(c.Overlap >= 0 && c.Overlap < 1):
		return fmt.Errorf("overlap %v: want a fraction from 0 up to (not including) 1", c.Overlap)
	case c.Overlap > 0 && c.Bins == 0:
		return errors.New("overlap needs a block size (bins): packets are not re-blocked without it")
	case c.Average < 0:
		return fmt.Errorf("average %d: want a count ≥ 1", c.Average)
	case c.Hold > HoldMin:
		return fmt.Errorf("hold %d: unknown", c.Hold)
	case c.Workers < 0:
		return fmt.Errorf("workers %d: want ≥ 0", c.Workers)
	}
	return nil
}

// hop returns the samples between block starts in re-blocking mode.
func (c *StreamConfig) hop() int {
	return max(1, int(math.Round(float64(c.Bins)*(1-c.Overlap))))
}

// StreamStats counts what a Stream did.
type StreamStats struct {
	Packets     int64 // packets fed
	DataPackets int64 // I/Q, real and PSD8 data packets consumed
	Samples     int64 // samples of those packets
	Spectra     int64 // spectra written
	PassedOn    int64 // packets written unchanged (context, spectra, others)
	Dropped     int64 // samples dropped: partial blocks at discontinuities and at the end
	Skipped     int64 // data packets too short for a spectrum (< 2 samples)
	BadContext  int64 // context packets that could not be decoded (passed on)
}

// kind of data a block carries.
type kind uint8

const (
	kindIQ   kind = iota // complex I/Q: full-band spectrum centred on DC
	kindReal             // real samples: 0 … fs/2
	kindPSD              // PSD8 values from the device: already a spectrum
)

// frame is everything that describes a block's spectrum except its samples
// and time. Blocks of one stream are re-blocked and reduced together only
// while their frame stays the same; any change (retune, new reference
// level, sweep pass, inversion, size) starts afresh.
type frame struct {
	kind       kind
	n          int // samples per block (PSD8: values)
	bins       int
	centerHz   float64
	startHz    float64
	stepHz     float64
	fsHz       float64
	rbwHz      float64
	refLevel   float64
	hasRef     bool
	sweepID    uint32
	hasSweep   bool
	inverted   bool
	decimation uint32
	outID      uint32
	source     string
}

type jobKind uint8

const (
	jobRaw   jobKind = iota // packet bytes passed on unchanged
	jobBlock                // samples to transform
	jobPower                // PSD8 spectrum, already in linear power (or dB when live)
	jobEnd                  // end of input: emit partial reductions
)

// job is one unit in output order: a packet to pass on, or a spectrum to
// compute and reduce. Jobs are recycled, so their buffers are reused.
// pktPos is where an input packet starts: its index and byte offset, in
// the terms of a vrt.FormatError (known is false outside Run).
type pktPos struct {
	index, offset int64
	known         bool
}

func (p pktPos) wrap(err error) error {
	if !p.known {
		return err
	}
	return fmt.Errorf("packet %d at byte offset %d: %w", p.index, p.offset, err)
}

type job struct {
	kind    jobKind
	at      pktPos // the input packet that completed the job
	raw     []byte // jobRaw: the packet; jobBlock: the block's samples as on the wire
	format  vrt.SampleFormat
	stream  uint32 // input stream ID (key of the reduction state)
	fr      frame
	ts      vrt.Timestamp
	hasTime bool
	live    bool // result in db, no reduction
	err     error
	pow     []float64
	db      []float32
	done    chan struct{}
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// inStream is the re-blocking state of one input data stream.
type inStream struct {
	fr       frame
	hasFrame bool
	buf      []byte // samples not yet in a block, as on the wire
	size     int    // bytes per sample
	ts       vrt.Timestamp
	hasTime  bool
	next     vrt.Timestamp // expected time of the next packet's first sample
}

// reducer is the averaging/hold state of one input data stream.
type reducer struct {
	fr      frame
	acc     []float64
	count   int
	ts      vrt.Timestamp
	hasTime bool
}

// Stream turns a VRT packet stream of I/Q data into the suite's spectrum
// packets (docs/FORMAT.md §3), passing every other packet on unchanged and
// in order. Context packets are also read: the centre frequency, rf_offset,
// bandwidth, reference level and sweep ID of the device, and the source
// of the capture description, describe the spectra that follow.
//
// Feed and Flush run the chain inline; Run reads and writes whole streams,
// with StreamConfig.Workers goroutines when asked. A Stream keeps state
// between packets, so it serves one stream at a time.
type Stream struct {
	cfg   StreamConfig
	props *wsa.Properties
	hop   int
	stats StreamStats

	// reading side
	state    vrt.State
	cx       vrt.Context
	ciSource string
	enbw     map[int]float64
	ins      map[uint32]*inStream
	warned   bool
	inline   job

	// computing side (inline mode; workers have their own)
	plans planCache

	// writing side
	reds  map[uint32]*reducer
	order []uint32 // input streams in order of first spectrum, for Flush
	enc   vrt.SpectrumEncoder
	spec  vrt.Spectrum
	dbOut []float32
	out   []byte

	err error // first failure of the writing side
	// pos is the input packet being prepared (set by Run); jobs carry it to
	// the writing side, so a failure there names the packet it came from.
	pos     pktPos
	emitPos pktPos

	submit func(*job) // inline or parallel
	getJob func() *job
}

// NewStream checks cfg and returns a Stream.
func NewStream(cfg StreamConfig) (*Stream, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	spec, _ := LookupWindow(cfg.Window)
	cfg.Window = spec.Name
	s := &Stream{cfg: cfg, props: cfg.Props, enbw: map[int]float64{}, ins: map[uint32]*inStream{},
		reds: map[uint32]*reducer{}, plans: planCache{opt: cfg.Options}}
	if s.props == nil {
		s.props = &wsa.WSA4000
	}
	if cfg.Bins > 0 {
		s.hop = cfg.hop()
	}
	s.submit = s.runInline
	s.getJob = func() *job { return &s.inline }
	return s, nil
}

// Stats returns the counters so far.
func (s *Stream) Stats() StreamStats { return s.stats }

func (s *Stream) logf(format string, args ...any) {
	if s.cfg.Logf != nil {
		s.cfg.Logf(format, args...)
	}
}

// Feed processes one packet and appends the packets it produces to dst:
// the packet itself if it is passed on, and any spectrum it completes.
// Nothing is allocated per packet once the buffers have grown (the
// spectrum encoder aside). Feed must not be used while Run is running.
func (s *Stream) Feed(dst []byte, p *vrt.Packet) ([]byte, error) {
	s.out = dst
	s.prepare(p, false)
	dst, s.out = s.out, nil
	return dst, s.err
}

// Flush ends the input: partial averages and holds are emitted (with their
// actual count in Spectrum.Averages), partial blocks are dropped.
func (s *Stream) Flush(dst []byte) ([]byte, error) {
	s.out = dst
	s.end()
	j := s.getJob()
	j.kind = jobEnd
	s.submit(j)
	dst, s.out = s.out, nil
	return dst, s.err
}

func (s *Stream) runInline(j *job) {
	j.at = s.pos
	if j.kind == jobBlock {
		s.plans.compute(j)
	}
	s.finish(j)
}

// prepare handles one packet on the reading side. copyRaw is set when the
// packet's bytes must outlive the call (parallel mode).
func (s *Stream) prepare(p *vrt.Packet, copyRaw bool) {
	s.stats.Packets++
	switch {
	case p.Type.IsContext():
		s.context(p)
	case p.Type.IsData() && !vrt.IsSpectrum(p):
		s.data(p, copyRaw)
		return
	}
	s.stats.PassedOn++
	j := s.getJob()
	j.kind = jobRaw
	if copyRaw {
		j.raw = append(j.raw[:0], p.Raw...)
	} else {
		j.raw = p.Raw
	}
	s.submit(j)
}

// context merges a device context packet into the state, pyrf's context
// dictionary: later values replace earlier ones. Spectrum contexts belong
// to spectra passing through and do not describe the device.
func (s *Stream) context(p *vrt.Packet) {
	if vrt.IsSpectrumContext(p) {
		return
	}
	if vrt.IsCaptureInfo(p) {
		ci, err := vrt.DecodeCaptureInfo(p)
		if err != nil {
			s.badContext(err)
			return
		}
		// A capture description opens a capture: its sweep ID (or the lack
		// of one) replaces a previous capture's.
		s.ciSource = ci.Source
		s.state.SweepID, s.state.HasSweepID = ci.SweepID, ci.HasSweep
		return
	}
	if err := s.cx.Decode(p); err != nil {
		s.badContext(err)
	}
	s.state.Update(&s.cx)
}

func (s *Stream) badContext(err error) {
	s.stats.BadContext++
	if !s.warned {
		s.warned = true
		s.logf("packet %d: context not fully decoded (%v); passed on, fields before the problem used", s.stats.Packets-1, err)
	}
}

// sampleRate returns the sample rate of a block of kind k: the context's
// sample rate when given, else from the bandwidth (= the complex rate; a
// real-only band of bandwidth B is sampled at 2B, docs/DEVICE.md §2.4), else
// the model's full rate.
func (s *Stream) sampleRate(k kind) float64 {
	switch {
	case s.state.SampleRateHz > 0:
		return s.state.SampleRateHz
	case s.state.HasBandwidth && s.state.BandwidthHz > 0:
		if k == kindReal {
			return 2 * s.state.BandwidthHz
		}
		return s.state.BandwidthHz
	}
	return s.props.FullBW
}

func (s *Stream) windowENBW(n int) float64 {
	if v, ok := s.enbw[n]; ok {
		return v
	}
	spec, _ := LookupWindow(s.cfg.Window)
	v := ENBW(spec.Values(make([]float64, n)))
	if len(s.enbw) > 64 {
		clear(s.enbw)
	}
	s.enbw[n] = v
	return v
}

// spectrumStream maps a ThinkRF data stream to the suite spectrum stream
// with the same low byte (I14Q14 0x90000003 → 0x57530003, I14 → …05, I24 →
// …06, PSD8 → …07); anything else gets the default 0x57530003.
func spectrumStream(in uint32) uint32 {
	switch in {
	case vrt.StreamI14Q14, vrt.StreamI14, vrt.StreamI24, vrt.StreamPSD8:
		return vrt.StreamSpectrumBase | in&0xff
	}
	return vrt.DefaultSpectrumStream
}

// frameFor describes the spectrum of an n-sample block of packet p.
func (s *Stream) frameFor(p *vrt.Packet, f vrt.SampleFormat, n int) frame {
	return s.frameOf(f, n, p.StreamID, p.HasTrailer() && p.Trailer.Is(vrt.TrailerSpectralInv))
}

// frameOf describes the spectrum of an n-sample block of format f from the
// current context.
func (s *Stream) frameOf(f vrt.SampleFormat, n int, streamID uint32, inverted bool) frame {
	k := kindIQ
	rf := s.state.RFFreqHz
	realBand := s.state.HasRFFreq && s.props.RealBand(rf)
	switch {
	case f == vrt.FormatPSD8:
		k = kindPSD
	case f == vrt.FormatI14 || f == vrt.FormatI24 || realBand:
		k = kindReal
	}
	fs := s.sampleRate(k)
	fr := frame{kind: k, n: n, centerHz: rf, fsHz: fs, stepHz: fs / float64(n),
		refLevel: s.state.RefLevelDBm, hasRef: s.state.HasRefLevel,
		sweepID: s.state.SweepID, hasSweep: s.state.HasSweepID,
		inverted: inverted, outID: spectrumStream(streamID), source: s.cfg.Source}
	if fr.source == "" {
		fr.source = s.ciSource
	}
	fr.decimation = uint32(max(1, math.Round(s.props.FullBW/fs)))
	dc := rf + s.state.RFOffsetHz
	switch k {
	case kindIQ, kindPSD:
		fr.bins = n
		fr.startHz = dc - float64(n/2)*fr.stepHz
	case kindReal:
		fr.bins = n/2 + 1
		if realBand || !s.state.HasRFFreq {
			fr.startHz = 0 // direct sampling: absolute frequencies 0 … fs/2
		} else {
			fr.startHz = dc - fs/4 // a real-only IF centred on the tuned frequency
		}
	}
	if k == kindPSD {
		fr.rbwHz = fr.stepHz // the device's window is unknown
	} else {
		fr.rbwHz = s.windowENBW(n) * fr.stepHz
	}
	return fr
}

// sampleSize is the bytes per sample of a data format on the wire.
func sampleSize(f vrt.SampleFormat) int {
	if f == vrt.FormatI14 {
		return 2
	}
	return 4
}

// data consumes one data packet.
func (s *Stream) data(p *vrt.Packet, copyRaw bool) {
	s.stats.DataPackets++
	f := vrt.FormatOf(p)
	count := vrt.SampleCount(p)
	s.stats.Samples += int64(count)
	st := s.ins[p.StreamID]
	if st == nil {
		st = &inStream{}
		s.ins[p.StreamID] = st
	}
	ts, hasTime := p.Timestamp, p.TSI == vrt.TSIUTC && p.TSF == vrt.TSFRealTime
	if f == vrt.FormatPSD8 {
		s.psd(p, count, ts, hasTime)
		return
	}
	n := count
	if s.cfg.Bins > 0 {
		n = s.cfg.Bins
	}
	if n < 2 || count == 0 {
		s.stats.Skipped++
		return
	}
	fr := s.frameFor(p, f, n)
	live := s.isLive()
	sz := sampleSize(f)
	payload := p.Payload[:count*sz]
	if s.cfg.Bins == 0 {
		j := s.getJob()
		j.kind, j.format, j.stream, j.fr, j.ts, j.hasTime, j.live = jobBlock, f, p.StreamID, fr, ts, hasTime, live
		if copyRaw {
			j.raw = append(j.raw[:0], payload...)
		} else {
			j.raw = payload
		}
		s.submit(j)
		return
	}
	// Re-blocking: keep the samples only while they continue the same
	// frame without a gap in time or a sample-loss flag.
	if !st.hasFrame || st.fr != fr {
		s.dropPending(st)
		st.fr, st.hasFrame, st.size = fr, true, sz
	}
	if len(st.buf) > 0 && (hasTime != st.hasTime || hasTime && !sameTime(ts, st.next, fr.fsHz) ||
		p.HasTrailer() && p.Trailer.Is(vrt.TrailerSampleLoss)) {
		s.dropPending(st)
	}
	if len(st.buf) == 0 {
		st.ts, st.hasTime = ts, hasTime
	}
	st.buf = append(st.buf, payload...)
	st.next = addSamples(ts, int64(count), fr.fsHz)
	for len(st.buf) >= n*sz {
		j := s.getJob()
		j.kind, j.format, j.stream, j.fr, j.ts, j.hasTime, j.live = jobBlock, f, p.StreamID, fr, st.ts, st.hasTime, live
		if copyRaw {
			j.raw = append(j.raw[:0], st.buf[:n*sz]...)
		} else {
			j.raw = st.buf[:n*sz] // computed before the buffer moves
		}
		s.submit(j)
		h := s.hop
		rest := copy(st.buf, st.buf[h*sz:])
		st.buf = st.buf[:rest]
		st.ts = addSamples(st.ts, int64(h), fr.fsHz)
	}
}

func (s *Stream) dropPending(st *inStream) {
	if st.size > 0 {
		s.stats.Dropped += int64(len(st.buf) / st.size)
	}
	st.buf = st.buf[:0]
}

// end drops every partial block (the tail of each stream).
func (s *Stream) end() {
	for _, st := range s.ins {
		s.dropPending(st)
	}
}

// psd turns a PSD8 packet into a spectrum job: the device's values are
// taken as dB relative to full scale, one count per dB, low to high
// frequency (docs/DSP.md).
func (s *Stream) psd(p *vrt.Packet, count int, ts vrt.Timestamp, hasTime bool) {
	if count < 2 {
		s.stats.Skipped++
		return
	}
	fr := s.frameFor(p, vrt.FormatPSD8, count)
	j := s.getJob()
	j.kind, j.stream, j.fr, j.ts, j.hasTime = jobPower, p.StreamID, fr, ts, hasTime
	j.live = s.isLive()
	j.pow, j.db = grow(j.pow, count), grow(j.db, count)
	h := count / 2
	for k := 0; k < count; k++ {
		src := k
		if fr.inverted {
			src = (2*h - k + count) % count
		}
		v := float64(int8(p.Payload[src]))
		j.db[k] = float32(v)
		j.pow[k] = math.Pow(10, v/10)
	}
	s.submit(j)
}

func (s *Stream) isLive() bool { return s.cfg.Average <= 1 && s.cfg.Hold == HoldNone }

// decode converts a payload to samples scaled to ±1.0 full scale (I14Q14
// and I14 counts / 2^13, I24 / 2^23), len(i) of them. For the real-only
// band of an I14Q14 stream only I is kept (q may be nil).
func decode(b []byte, f vrt.SampleFormat, k kind, i, q []float64) {
	switch f {
	case vrt.FormatI14:
		for n := range i {
			i[n] = float64(int16(binary.BigEndian.Uint16(b[2*n:]))) * vrt.ScaleI14
		}
	case vrt.FormatI24:
		for n := range i {
			i[n] = float64(int32(binary.BigEndian.Uint32(b[4*n:]))<<8>>8) * vrt.ScaleI24
		}
	default:
		b = b[:4*len(i)]
		if k == kindReal {
			for n := range i {
				i[n] = float64(int16(binary.BigEndian.Uint16(b[4*n:]))) * vrt.ScaleI14
			}
			return
		}
		q = q[:len(i)]
		for n := range i {
			w := binary.BigEndian.Uint32(b[4*n:])
			i[n] = float64(int16(w>>16)) * vrt.ScaleI14
			q[n] = float64(int16(w)) * vrt.ScaleI14
		}
	}
}

// addSamples advances a UTC + picosecond timestamp by n samples at fs.
func addSamples(t vrt.Timestamp, n int64, fs float64) vrt.Timestamp {
	ps := int64(t.Frac) + int64(math.Round(float64(n)*1e12/fs))
	sec := int64(t.Int) + ps/1e12
	ps %= 1e12
	if ps < 0 {
		ps += 1e12
		sec--
	}
	return vrt.Timestamp{Int: uint32(sec), Frac: uint64(ps)}
}

// sameTime reports whether a and b are within half a sample period.
func sameTime(a, b vrt.Timestamp, fs float64) bool {
	ds := int64(a.Int) - int64(b.Int)
	if ds > 1 || ds < -1 {
		return false
	}
	d := ds*1e12 + int64(a.Frac) - int64(b.Frac)
	return math.Abs(float64(d)) <= 0.5e12/fs
}

// planCache holds one goroutine's plans by length and kind, and its
// scratch for real samples.
type planCache struct {
	opt   Options
	plans map[planKey]*Plan
	x     []float64
}

type planKey struct {
	n    int
	real bool
}

func (c *planCache) get(n int, real bool) (*Plan, error) {
	if c.plans == nil {
		c.plans = map[planKey]*Plan{}
	}
	k := planKey{n, real}
	if p, ok := c.plans[k]; ok {
		return p, nil
	}
	if len(c.plans) >= 16 {
		clear(c.plans) // sizes keep changing: do not hoard plans
	}
	p, err := NewPlan(n, real, c.opt)
	if err != nil {
		return nil, err
	}
	c.plans[k] = p
	return p, nil
}

// compute transforms a block job: linear power, and dB as well when the
// spectrum goes out as it is.
func (c *planCache) compute(j *job) {
	real := j.fr.kind == kindReal
	p, err := c.get(j.fr.n, real)
	j.err = err
	if err != nil {
		return
	}
	if !real && j.live {
		j.db = grow(j.db, p.Bins())
		p.DBIQ16(j.db, j.raw, j.fr.inverted)
		return
	}
	j.pow = grow(j.pow, p.Bins())
	if real {
		c.x = grow(c.x, j.fr.n)
		decode(j.raw, j.format, kindReal, c.x, nil)
		p.PowerReal(j.pow, c.x, j.fr.inverted)
	} else {
		p.PowerIQ16(j.pow, j.raw, j.fr.inverted)
	}
	if j.live {
		j.db = grow(j.db, len(j.pow))
		PowerToDB(j.db, j.pow, c.opt.ExactLog)
	}
}
