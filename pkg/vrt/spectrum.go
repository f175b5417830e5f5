package vrt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
)

// Identity of the suite's own packets (docs/FORMAT.md). The OUI is a locally
// administered value (no IEEE registration is claimed); readers identify the
// packets by OUI + information class + packet class.
const (
	WSAOUI                uint32 = 0xFA5753
	InfoClassWSA          uint16 = 0x5753 // "WS"
	ClassSpectrumData     uint16 = 0x0001
	ClassSpectrumCtx      uint16 = 0x0002
	ClassSpectrumExt      uint16 = 0x0003
	MaxBinsPerPacket             = 65000 // larger spectra are split into segments
	DefaultSpectrumStream        = StreamSpectrumBase | 0x0003
)

// Units of a spectrum's bins.
type Units uint8

// Bin units.
const (
	UnitsDBFS Units = 0 // dB relative to full scale (wsa-fft)
	UnitsDBm  Units = 1 // absolute dBm (wsa-cal)
)

func (u Units) String() string {
	if u == UnitsDBm {
		return "dBm"
	}
	return "dBFS"
}

// Trace says what a spectrum's bins are: a single (live) spectrum or a
// reduction over several.
type Trace uint8

// Trace kinds.
const (
	TraceLive    Trace = 0
	TraceAverage Trace = 1
	TraceMax     Trace = 2
	TraceMin     Trace = 3
)

func (t Trace) String() string {
	switch t {
	case TraceAverage:
		return "average"
	case TraceMax:
		return "max"
	case TraceMin:
		return "min"
	}
	return "live"
}

// ParseTrace maps "live", "average", "max", "min" to a Trace.
func ParseTrace(s string) (Trace, error) {
	for t := TraceLive; t <= TraceMin; t++ {
		if strings.EqualFold(s, t.String()) || (t == TraceAverage && strings.EqualFold(s, "avg")) {
			return t, nil
		}
	}
	return 0, fmt.Errorf("unknown trace %q (want live, average, max or min)", s)
}

// Window codes of the VITA-49.2 spectrum field for the suite's windows.
var windowCodes = map[string]uint8{
	"rect": 0, "hann": 2, "hamming": 6, "blackman": 38, "blackman-harris": 40, "flattop": 100,
}

// WindowCode returns the VITA-49.2 window type code for a window name
// (user-defined codes ≥100 for windows the standard does not list).
func WindowCode(name string) uint8 {
	if c, ok := windowCodes[name]; ok {
		return c
	}
	return 255
}

// WindowName is the inverse of WindowCode.
func WindowName(code uint8) string {
	for n, c := range windowCodes {
		if c == code {
			return n
		}
	}
	return fmt.Sprintf("code-%d", code)
}

// SpectrumField is the VITA-49.2 spectrum field (CIF1 bit 10, 13 words).
type SpectrumField struct {
	Type            uint32 // bits 7..0 spectrum type (1 = log power dB), 15..8 averaging type, 19..16 window-delta kind
	Window          uint32 // bits 7..0 window type code
	TransformPoints uint32
	WindowPoints    uint32
	ResolutionHz    float64 // bin spacing (bandwidth-field format)
	SpanHz          float64 // first bin to last bin
	Averages        uint32
	Weighting       int32
	F1Index         int32 // first bin of this packet within the whole spectrum
	F2Index         int32 // last bin of this packet within the whole spectrum
	WindowTimeDelta uint32
}

// Averaging-type bits of SpectrumField.Type (bits 15..8).
const (
	AvgLinear   = 1 << 8
	AvgPeakHold = 2 << 8
	AvgMinHold  = 4 << 8
)

// DecodeSpectrumField reads the 52-byte field.
func DecodeSpectrumField(b []byte) SpectrumField {
	return SpectrumField{
		Type: be32(b), Window: be32(b[4:]), TransformPoints: be32(b[8:]), WindowPoints: be32(b[12:]),
		ResolutionHz: float64(int64(be64(b[16:]))) / (1 << 20), SpanHz: float64(int64(be64(b[24:]))) / (1 << 20),
		Averages: be32(b[32:]), Weighting: int32(be32(b[36:])), F1Index: int32(be32(b[40:])), F2Index: int32(be32(b[44:])),
		WindowTimeDelta: be32(b[48:]),
	}
}

// Bytes encodes the field.
func (f SpectrumField) Bytes() []byte { return f.appendTo(make([]byte, 0, 52)) }

func (f SpectrumField) appendTo(b []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, f.Type)
	b = binary.BigEndian.AppendUint32(b, f.Window)
	b = binary.BigEndian.AppendUint32(b, f.TransformPoints)
	b = binary.BigEndian.AppendUint32(b, f.WindowPoints)
	b = binary.BigEndian.AppendUint64(b, uint64(int64(math.Round(f.ResolutionHz*(1<<20)))))
	b = binary.BigEndian.AppendUint64(b, uint64(int64(math.Round(f.SpanHz*(1<<20)))))
	b = binary.BigEndian.AppendUint32(b, f.Averages)
	b = binary.BigEndian.AppendUint32(b, uint32(f.Weighting))
	b = binary.BigEndian.AppendUint32(b, uint32(f.F1Index))
	b = binary.BigEndian.AppendUint32(b, uint32(f.F2Index))
	return binary.BigEndian.AppendUint32(b, f.WindowTimeDelta)
}

// Map describes the field for JSON output.
func (f SpectrumField) Map() map[string]any {
	return map[string]any{
		"spectrum_type": f.Type & 0xff, "averaging_type": (f.Type >> 8) & 0xff, "window": WindowName(uint8(f.Window)),
		"transform_points": f.TransformPoints, "window_points": f.WindowPoints, "resolution_hz": f.ResolutionHz,
		"span_hz": f.SpanHz, "averages": f.Averages, "f1_index": f.F1Index, "f2_index": f.F2Index,
	}
}

// Spectrum is one spectrum as the suite passes it between tools: bins low to
// high frequency, bin k at StartHz + k·StepHz, and the context that makes it
// self-describing.
type Spectrum struct {
	StreamID     uint32
	Timestamp    Timestamp // UTC seconds + picoseconds
	HasTime      bool
	CenterHz     float64 // tuned centre (rf_freq); for stitched sweeps the band centre
	StartHz      float64 // frequency of bin 0
	StepHz       float64 // bin spacing
	RBWHz        float64 // resolution bandwidth (window ENBW × bin spacing)
	SampleRateHz float64 // complex sample rate of the source (0 if not applicable)
	RefLevelDBm  float64
	HasRefLevel  bool
	Units        Units
	Trace        Trace
	Window       string
	FFTSize      uint32 // transform points
	WindowPoints uint32
	Averages     uint32 // spectra combined into this one (1 for live)
	SweepID      uint32
	HasSweepID   bool
	Decimation   uint32
	Source       string // who made it: device serial/host, file name, pull URL
	Bins         []float32
}

// StopHz returns the frequency of the last bin.
func (s *Spectrum) StopHz() float64 { return s.StartHz + float64(len(s.Bins)-1)*s.StepHz }

// SpanHz returns the band the bins cover edge to edge (N · step).
func (s *Spectrum) SpanHz() float64 { return float64(len(s.Bins)) * s.StepHz }

// FreqOf returns the frequency of bin k.
func (s *Spectrum) FreqOf(k int) float64 { return s.StartHz + float64(k)*s.StepHz }

// IsSpectrum reports whether p is a suite spectrum data packet.
func IsSpectrum(p *Packet) bool {
	return p.Type.IsData() && p.ClassID && p.Class.OUI == WSAOUI && p.Class.PacketClass == ClassSpectrumData
}

// IsSpectrumContext reports whether p is one of the two context packets that
// precede every spectrum data packet.
func IsSpectrumContext(p *Packet) bool {
	return p.Type.IsContext() && p.ClassID && p.Class.OUI == WSAOUI &&
		(p.Class.PacketClass == ClassSpectrumCtx || p.Class.PacketClass == ClassSpectrumExt)
}

// SpectrumEncoder writes spectra as packet triples (context, extension
// context, data), keeping a packet count per stream and packet kind. It
// reuses its working buffers: once warmed up it allocates nothing per
// spectrum (TestSpectrumEncoderAllocations), so wsa-fft's output path is as
// allocation-free as its DSP.
type SpectrumEncoder struct {
	counts  map[uint64]uint8
	scratch []byte
	ctx     contextScratch
	fields  [12]FieldValue
	sf      [52]byte
	source  string // the source string source holds encoded
	srcRaw  []byte
}

var (
	float32RealFormat = FormatFloat32Real.Bytes()
	spectrumCtxClass  = ClassID{OUI: WSAOUI, InfoClass: InfoClassWSA, PacketClass: ClassSpectrumCtx}
	spectrumExtClass  = ClassID{OUI: WSAOUI, InfoClass: InfoClassWSA, PacketClass: ClassSpectrumExt}
	spectrumDataClass = ClassID{OUI: WSAOUI, InfoClass: InfoClassWSA, PacketClass: ClassSpectrumData}
)

func (e *SpectrumEncoder) next(stream uint32, class uint16) uint8 {
	if e.counts == nil {
		e.counts = map[uint64]uint8{}
	}
	k := uint64(stream)<<16 | uint64(class)
	c := e.counts[k]
	e.counts[k] = (c + 1) & 0xf
	return c
}

// Append encodes s after dst. Spectra of more than MaxBinsPerPacket bins are
// split into several triples whose spectrum fields give each segment's
// first and last bin index (F1Index, F2Index) within the whole.
func (e *SpectrumEncoder) Append(dst []byte, s *Spectrum) ([]byte, error) {
	n := len(s.Bins)
	if n == 0 {
		return dst, errors.New("vrt: spectrum has no bins")
	}
	if !(s.StepHz > 0) || math.IsInf(s.StepHz, 0) {
		return dst, fmt.Errorf("vrt: spectrum step %v Hz must be positive", s.StepHz)
	}
	for lo := 0; lo < n; lo += MaxBinsPerPacket {
		hi := min(lo+MaxBinsPerPacket, n)
		var err error
		if dst, err = e.appendSegment(dst, s, lo, hi); err != nil {
			return dst, err
		}
	}
	return dst, nil
}

func (e *SpectrumEncoder) appendSegment(dst []byte, s *Spectrum, lo, hi int) ([]byte, error) {
	stream := s.StreamID
	if stream == 0 {
		stream = DefaultSpectrumStream
	}
	tsi, tsf := TSINone, TSFNone
	if s.HasTime {
		tsi, tsf = TSIUTC, TSFRealTime
	}
	n := len(s.Bins)
	avgType := uint32(0)
	switch s.Trace {
	case TraceAverage:
		avgType = AvgLinear
	case TraceMax:
		avgType = AvgPeakHold
	case TraceMin:
		avgType = AvgMinHold
	}
	sf := SpectrumField{
		Type: 1 | avgType, Window: uint32(WindowCode(s.Window)), TransformPoints: s.FFTSize, WindowPoints: s.WindowPoints,
		ResolutionHz: s.StepHz, SpanHz: float64(n-1) * s.StepHz, Averages: s.Averages, F1Index: int32(lo), F2Index: int32(hi - 1),
	}
	f := append(e.fields[:0],
		F(FieldBandwidth, float64(n)*s.StepHz),
		F(FieldRFFreq, s.CenterHz),
		FieldValue{Spec: FieldPayloadFormat, Raw: float32RealFormat},
		FieldValue{Spec: FieldSpectrum, Raw: sf.appendTo(e.sf[:0])},
	)
	if s.HasRefLevel {
		f = append(f, F(FieldRefLevel, s.RefLevelDBm))
	}
	if s.SampleRateHz > 0 {
		f = append(f, F(FieldSampleRate, s.SampleRateHz))
	}
	var err error
	dst, err = e.ctx.append(dst, ContextHeader{Type: TypeContext, StreamID: stream, Class: &spectrumCtxClass,
		Count: e.next(stream, ClassSpectrumCtx), TSI: tsi, TSF: tsf, Timestamp: s.Timestamp}, f)
	if err != nil {
		return dst, fmt.Errorf("vrt: spectrum context: %w", err)
	}
	f = append(e.fields[:0],
		F(FieldUnits, float64(s.Units)), F(FieldStartFreq, s.StartHz), F(FieldStepFreq, s.StepHz),
		F(FieldRBW, s.RBWHz), F(FieldTrace, float64(s.Trace)), F(FieldTotalBins, float64(n)),
	)
	if s.HasSweepID {
		f = append(f, F(FieldWSASweep, float64(s.SweepID)))
	}
	if s.Source != "" {
		if s.Source != e.source || e.srcRaw == nil {
			e.source, e.srcRaw = s.Source, Str(FieldSource, s.Source).Raw
		}
		f = append(f, FieldValue{Spec: FieldSource, Raw: e.srcRaw})
	}
	if s.Decimation > 0 {
		f = append(f, F(FieldDecim, float64(s.Decimation)))
	}
	dst, err = e.ctx.append(dst, ContextHeader{Type: TypeExtContext, StreamID: stream, Class: &spectrumExtClass,
		Count: e.next(stream, ClassSpectrumExt), TSI: tsi, TSF: tsf, Timestamp: s.Timestamp}, f)
	if err != nil {
		return dst, fmt.Errorf("vrt: spectrum extension context: %w", err)
	}
	e.scratch = AppendFloat32(e.scratch[:0], s.Bins[lo:hi])
	p := Packet{
		Header:    Header{Type: TypeSignal, ClassID: true, Indicators: IndTrailer | IndNotV490 | IndSpectrum, TSI: tsi, TSF: tsf, Count: e.next(stream, ClassSpectrumData)},
		StreamID:  stream,
		Class:     spectrumDataClass,
		Timestamp: s.Timestamp,
		Payload:   e.scratch,
		Trailer:   Trailer(0).With(TrailerValidData, true),
	}
	return p.AppendTo(dst)
}

// ErrNotSpectrum is returned by SpectrumDecoder.Feed for data packets that
// are not suite spectra (raw I/Q, for instance).
var ErrNotSpectrum = errors.New("data packet is not a spectrum (raw I/Q or another format): put wsa-fft in front")

// ErrNoContext is returned (wrapped) by SpectrumDecoder.Feed for spectrum
// data whose context packets it has not seen: a reader that joined a live
// stream between a spectrum's context and its data, or after a gap. The
// packet is well formed; a tool skips it and takes the next whole spectrum.
var ErrNoContext = errors.New("spectrum data arrived before its context packets")

type spectrumState struct {
	s     Spectrum
	total int
	have  int
	ctx   bool
	ext   bool
	f1    int32 // first bin index of the segment the last context announced
}

// SpectrumDecoder turns a packet stream back into Spectrum values, one
// context state per stream ID, reassembling segmented spectra.
type SpectrumDecoder struct {
	streams map[uint32]*spectrumState
	ctx     Context
}

// Feed takes the next packet. It returns a spectrum when p completes one
// (valid until the next Feed for the same stream: copy Bins to keep them),
// nil for context and other packets it absorbs, and ErrNotSpectrum for a
// data packet that is not a spectrum.
func (d *SpectrumDecoder) Feed(p *Packet) (*Spectrum, error) {
	if d.streams == nil {
		d.streams = map[uint32]*spectrumState{}
	}
	if p.Type.IsContext() {
		if !IsSpectrumContext(p) {
			return nil, nil
		}
		st := d.streams[p.StreamID]
		if st == nil {
			st = &spectrumState{}
			d.streams[p.StreamID] = st
		}
		if err := d.ctx.Decode(p); err != nil {
			return nil, fmt.Errorf("spectrum context: %w", err)
		}
		s := &st.s
		s.StreamID = p.StreamID
		if p.Class.PacketClass == ClassSpectrumCtx {
			st.ctx = true
			s.HasRefLevel = false
			s.SampleRateHz = 0
			for _, f := range d.ctx.Fields {
				v, _ := f.Float()
				switch f.Spec {
				case FieldRFFreq:
					s.CenterHz = v
				case FieldRefLevel:
					s.RefLevelDBm, s.HasRefLevel = v, true
				case FieldSampleRate:
					s.SampleRateHz = v
				case FieldSpectrum:
					sf := DecodeSpectrumField(f.Raw)
					s.Window = WindowName(uint8(sf.Window))
					s.FFTSize, s.WindowPoints, s.Averages = sf.TransformPoints, sf.WindowPoints, sf.Averages
					st.f1 = sf.F1Index
				}
			}
		} else {
			st.ext = true
			s.HasSweepID, s.Source, s.Decimation = false, "", 0
			for _, f := range d.ctx.Fields {
				v, _ := f.Float()
				switch f.Spec {
				case FieldUnits:
					s.Units = Units(f.Uint())
				case FieldStartFreq:
					s.StartHz = v
				case FieldStepFreq:
					s.StepHz = v
				case FieldRBW:
					s.RBWHz = v
				case FieldTrace:
					s.Trace = Trace(f.Uint())
				case FieldTotalBins:
					st.total = int(f.Uint())
				case FieldWSASweep:
					s.SweepID, s.HasSweepID = f.Uint(), true
				case FieldSource:
					s.Source = f.Text()
				case FieldDecim:
					s.Decimation = f.Uint()
				}
			}
		}
		return nil, nil
	}
	if !p.Type.IsData() {
		return nil, nil
	}
	if !IsSpectrum(p) {
		return nil, ErrNotSpectrum
	}
	st := d.streams[p.StreamID]
	if st == nil || !st.ctx || !st.ext {
		return nil, fmt.Errorf("stream 0x%08x: %w", p.StreamID, ErrNoContext)
	}
	if len(p.Payload)%4 != 0 {
		return nil, fmt.Errorf("spectrum payload of %d bytes is not whole float32 values", len(p.Payload))
	}
	n := len(p.Payload) / 4
	total := st.total
	if total <= 0 || total > 1<<26 {
		return nil, fmt.Errorf("spectrum total_bins %d is implausible", total)
	}
	lo := int(st.f1)
	if lo == 0 {
		st.have = 0
	}
	if lo != st.have || lo+n > total {
		want := st.have
		st.have = 0
		return nil, fmt.Errorf("spectrum segment at bin %d (of %d) does not continue the previous one (expected bin %d)", lo, total, want)
	}
	s := &st.s
	if cap(s.Bins) < total {
		s.Bins = make([]float32, total)
	}
	s.Bins = s.Bins[:total]
	DecodeFloat32(p.Payload, s.Bins[lo:lo+n])
	st.have = lo + n
	s.Timestamp, s.HasTime = p.Timestamp, p.TSI != TSINone
	if st.have < total {
		return nil, nil
	}
	st.have = 0
	return s, nil
}
