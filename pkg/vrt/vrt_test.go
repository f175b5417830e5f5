package vrt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

func words(ws ...uint32) []byte {
	var b []byte
	for _, w := range ws {
		b = binary.BigEndian.AppendUint32(b, w)
	}
	return b
}

func i32(v float64) uint32 { return uint32(int32(v)) }

// The reference-level context packet of device-facts.md §2.4, word by word.
var goldenRefLevel = words(0x40600007, 0x90000002, 1700000000, 0, 123456789, 0x01000000, 0x0000F600)

func TestGoldenRefLevel(t *testing.T) {
	var p Packet
	if err := p.Decode(goldenRefLevel); err != nil {
		t.Fatal(err)
	}
	if p.Type != TypeContext || p.StreamID != StreamDigitizer || p.Size != 7 || p.TSI != TSIUTC || p.TSF != TSFRealTime {
		t.Fatalf("header decoded as %+v stream %#x", p.Header, p.StreamID)
	}
	if p.Timestamp.Int != 1700000000 || p.Timestamp.Frac != 123456789 {
		t.Fatalf("timestamp %+v", p.Timestamp)
	}
	var c Context
	if err := c.Decode(&p); err != nil {
		t.Fatal(err)
	}
	rl, ok := c.Float(FieldRefLevel)
	if !ok || rl != -20 {
		t.Fatalf("reference level = %v, %v; want -20", rl, ok)
	}
	// Encoding the same field must give the same bytes.
	got, err := AppendContext(nil, ContextHeader{Type: TypeContext, StreamID: StreamDigitizer, TSI: TSIUTC, TSF: TSFRealTime,
		Timestamp: Timestamp{1700000000, 123456789}}, F(FieldRefLevel, -20))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, goldenRefLevel) {
		t.Fatalf("encoded\n%x\nwant\n%x", got, goldenRefLevel)
	}
}

func TestGoldenRFFreq(t *testing.T) {
	hz := 2.45e9
	raw := uint64(hz * (1 << 20))
	pkt := words(0x40610008, 0x90000001, 5, 0, 0, 0x08000000, uint32(raw>>32), uint32(raw))
	var p Packet
	if err := p.Decode(pkt); err != nil {
		t.Fatal(err)
	}
	if p.Count != 1 {
		t.Fatalf("count %d", p.Count)
	}
	var c Context
	if err := c.Decode(&p); err != nil {
		t.Fatal(err)
	}
	if f, _ := c.Float(FieldRFFreq); f != hz {
		t.Fatalf("rf freq %v want %v", f, hz)
	}
	var s State
	s.Update(&c)
	if !s.HasRFFreq || s.RFFreqHz != hz {
		t.Fatalf("state %+v", s)
	}
}

func TestHeaderRoundTrip(t *testing.T) {
	for _, h := range []Header{
		{Type: TypeSignal, Indicators: IndTrailer, TSI: TSIUTC, TSF: TSFRealTime, Count: 15, Size: 1030},
		{Type: TypeContext, ClassID: true, TSI: TSIGPS, TSF: TSFSampleCount, Count: 3, Size: 12},
		{Type: TypeExtSignalNoID, Indicators: 7, Size: 2},
		{Type: TypeExtCommand, TSI: TSIOther, TSF: TSFFreeRunning, Size: 65535},
	} {
		if got := DecodeHeader(h.Word()); got != h {
			t.Errorf("round trip %+v -> %#x -> %+v", h, h.Word(), got)
		}
	}
}

func TestPacketTypesRoundTrip(t *testing.T) {
	for typ := TypeSignalNoID; typ <= TypeExtCommand; typ++ {
		for _, class := range []bool{false, true} {
			p := Packet{
				Header:    Header{Type: typ, ClassID: class, TSI: TSIUTC, TSF: TSFRealTime, Count: 9},
				StreamID:  0x12345678,
				Class:     ClassID{OUI: 0xABCDEF, InfoClass: 0x1111, PacketClass: 0x2222},
				Timestamp: Timestamp{42, 999},
				Payload:   words(1, 2, 3),
			}
			if typ.IsData() {
				p.Indicators = IndTrailer
				p.Trailer = ThinkRFTrailer
			}
			b, err := p.AppendTo(nil)
			if err != nil {
				t.Fatal(err)
			}
			var q Packet
			if err := q.Decode(b); err != nil {
				t.Fatalf("%v: %v", typ, err)
			}
			if !typ.HasStreamID() {
				p.StreamID = 0
			}
			if !class {
				p.Class = ClassID{}
			}
			if q.Type != typ || q.StreamID != p.StreamID || q.Class != p.Class || q.Timestamp != p.Timestamp ||
				!bytes.Equal(q.Payload, p.Payload) || q.Trailer != p.Trailer || q.Count != 9 {
				t.Errorf("%v class=%v: decoded %+v", typ, class, q)
			}
			b2, _ := q.AppendTo(nil)
			if !bytes.Equal(b, b2) {
				t.Errorf("%v: re-encode differs", typ)
			}
		}
	}
}

func TestTrailer(t *testing.T) {
	if ThinkRFTrailer != 0x60060000 {
		t.Fatalf("ThinkRF trailer %#x, want 0x60060000", uint32(ThinkRFTrailer))
	}
	tr := ThinkRFTrailer.With(TrailerSpectralInv, true)
	if uint32(tr) != 0x64064000 {
		t.Fatalf("with spectral inversion %#x, want 0x64064000", uint32(tr))
	}
	if !tr.Is(TrailerSpectralInv) || tr.Is(TrailerOverRange) {
		t.Fatal("flags misread")
	}
	// Indicator without enable does not count (pyrf since 2014).
	if Trailer(1 << TrailerValidData).Is(TrailerValidData) {
		t.Fatal("indicator without enable counted")
	}
	if got := tr.String(); got != "valid_data,reference_lock,spectral_inversion" {
		t.Fatalf("String() = %q", got)
	}
}

// A context packet with many fields across all four CIF words decodes field by
// field and re-encodes bit-exactly.
func TestMultiFieldContext(t *testing.T) {
	sf := SpectrumField{Type: 1, Window: 2, TransformPoints: 1024, WindowPoints: 1024, ResolutionHz: 122070.3125, SpanHz: 124877929.6875, Averages: 4, F1Index: 0, F2Index: 1023}
	fields := []FieldValue{
		F(FieldRFFreq, 2.412e9), F(FieldBandwidth, 125e6), F(FieldRFOffset, -1.5e6), F(FieldRefLevel, -20.5),
		F(FieldGain, 12.25), F(FieldTemperature, 41.5), F(FieldSampleRate, 125e6), F(FieldChangeIndicator, 1),
		{Spec: FieldRefPoint, Raw: words(0x12)}, {Spec: FieldSpectrum, Raw: sf.Bytes()},
		{Spec: FieldPayloadFormat, Raw: FormatI14Q14Field.Bytes()},
		{Spec: Spec(TableCIF, 2, 24), Raw: bytes.Repeat([]byte{0xAB}, 16)},
		{Spec: Spec(TableCIF, 2, 3), Raw: words(7)},
		{Spec: Spec(TableCIF, 3, 31), Raw: words(1, 2)},
		{Spec: Spec(TableCIF, 3, 7), Raw: words(0x0000FEC0)},
		{Spec: FieldGPS, Raw: words(0x00123456, 100, 0, 5, i32(45.5*(1<<22)), i32(-73.25*(1<<22)), 320, 0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff)},
	}
	b, err := AppendContext(nil, ContextHeader{Type: TypeContext, StreamID: 7, TSI: TSIUTC, TSF: TSFRealTime}, fields...)
	if err != nil {
		t.Fatal(err)
	}
	var p Packet
	if err := p.Decode(b); err != nil {
		t.Fatal(err)
	}
	var c Context
	if err := c.Decode(&p); err != nil {
		t.Fatal(err)
	}
	if len(c.Fields) != len(fields) {
		t.Fatalf("decoded %d fields, want %d", len(c.Fields), len(fields))
	}
	want := map[*FieldSpec]float64{FieldRFFreq: 2.412e9, FieldBandwidth: 125e6, FieldRFOffset: -1.5e6, FieldRefLevel: -20.5,
		FieldGain: 12.25, FieldTemperature: 41.5, FieldSampleRate: 125e6}
	for s, v := range want {
		if got, ok := c.Float(s); !ok || got != v {
			t.Errorf("%s = %v (%v), want %v", s.Name, got, ok, v)
		}
	}
	f, _ := c.Get(FieldSpectrum)
	if got := DecodeSpectrumField(f.Raw); got != sf {
		t.Errorf("spectrum field %+v, want %+v", got, sf)
	}
	g, _ := c.Get(FieldGPS)
	geo := g.Value().(map[string]any)
	if geo["latitude_deg"] != 45.5 || geo["longitude_deg"] != -73.25 || geo["altitude_m"] != 10.0 || geo["speed_mps"] != nil {
		t.Errorf("gps %v", geo)
	}
	// Re-encode from the decoded raw fields: bit-exact.
	var again []FieldValue
	for _, f := range c.Fields {
		again = append(again, FieldValue{Spec: f.Spec, Raw: f.Raw})
	}
	b2, err := AppendContext(nil, ContextHeader{Type: TypeContext, StreamID: 7, TSI: TSIUTC, TSF: TSFRealTime}, again...)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, b2) {
		t.Fatalf("re-encode differs:\n%x\n%x", b, b2)
	}
}

// Every fixed-size field of every table round-trips through encode and decode.
func TestEveryFieldRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for tab := TableCIF; tab <= TableWSA; tab++ {
		for w := 0; w < 4; w++ {
			for bit := uint(0); bit < 32; bit++ {
				s := Spec(tab, w, bit)
				if s == nil || s.Size < 0 {
					continue
				}
				raw := make([]byte, s.Size)
				for i := range raw {
					raw[i] = byte(rng.Uint32())
				}
				typ := TypeContext
				stream := uint32(1)
				var class *ClassID
				switch tab {
				case TableThinkRF:
					typ, stream = TypeExtContext, StreamCustom
				case TableWSA:
					typ, class = TypeExtContext, &ClassID{OUI: WSAOUI, InfoClass: InfoClassWSA, PacketClass: ClassSpectrumExt}
				}
				b, err := AppendContext(nil, ContextHeader{Type: typ, StreamID: stream, Class: class, TSI: TSIUTC, TSF: TSFRealTime}, FieldValue{Spec: s, Raw: raw})
				if err != nil {
					t.Fatalf("%s: %v", s.Name, err)
				}
				var p Packet
				var c Context
				if err := p.Decode(b); err != nil {
					t.Fatal(err)
				}
				if err := c.Decode(&p); err != nil {
					t.Fatalf("%s: %v", s.Name, err)
				}
				if len(c.Fields) != 1 || c.Fields[0].Spec != s || !bytes.Equal(c.Fields[0].Raw, raw) {
					t.Fatalf("%s: decoded %+v", s.Name, c.Fields)
				}
				_ = c.Fields[0].Value() // every kind renders without panicking
			}
		}
	}
}

func TestNumericEncodeDecode(t *testing.T) {
	cases := []struct {
		s *FieldSpec
		v float64
	}{
		{FieldRFFreq, 10e9}, {FieldRFFreq, 90e6}, {FieldBandwidth, 125e6 / 1023}, {FieldRFOffset, -62.5e6},
		{FieldRefLevel, -20}, {FieldRefLevel, 0}, {FieldRefLevel, -255.9921875}, {FieldTemperature, -40.25},
		{FieldSweepID, 0xdeadbeef}, {FieldIQSwap, 1}, {FieldStartFreq, 2.4e9 + 0.5}, {FieldUnits, 1},
	}
	for _, c := range cases {
		b, err := appendValue(nil, F(c.s, c.v))
		if err != nil {
			t.Fatalf("%s %v: %v", c.s.Name, c.v, err)
		}
		got, ok := Field{Spec: c.s, Raw: b}.Float()
		if !ok || math.Abs(got-c.v) > 1e-6 {
			t.Errorf("%s: %v -> %v", c.s.Name, c.v, got)
		}
	}
	for _, bad := range []FieldValue{F(FieldRefLevel, 300), F(FieldSweepID, -1), F(FieldRFFreq, math.NaN()), F(FieldRFFreq, 1e14)} {
		if _, err := appendValue(nil, bad); err == nil {
			t.Errorf("%s %v accepted", bad.Spec.Name, bad.Value)
		}
	}
}

func TestThinkRFExtension(t *testing.T) {
	b, err := AppendContext(nil, ContextHeader{Type: TypeExtContext, StreamID: StreamCustom, TSI: TSIUTC, TSF: TSFRealTime}, F(FieldSweepID, 77))
	if err != nil {
		t.Fatal(err)
	}
	if got := binary.BigEndian.Uint32(b[20:]); got != 1 {
		t.Fatalf("indicator word %#x, want bit 0", got)
	}
	var p Packet
	var c Context
	p.Decode(b)
	if err := c.Decode(&p); err != nil || c.Table != TableThinkRF {
		t.Fatalf("%v %v", err, c.Table)
	}
	var s State
	s.Update(&c)
	if !s.HasSweepID || s.SweepID != 77 {
		t.Fatalf("sweep id %+v", s)
	}
	// Unknown ThinkRF bit: cannot be sized, so an error naming the offset.
	bad := append([]byte(nil), b...)
	binary.BigEndian.PutUint32(bad[20:], 1<<5)
	p.Decode(bad)
	var ce *ContextError
	if err := c.Decode(&p); !errors.As(err, &ce) || ce.Offset != 24 {
		t.Fatalf("err = %v", err)
	}
}

func TestPayloads(t *testing.T) {
	i := []int16{8191, -8192, 0, 5}
	q := []int16{-1, 1, 32767, -32768}
	b := AppendIQ16(nil, i, q)
	if IQ16Count(b) != 4 || binary.BigEndian.Uint32(b) != 0x1FFFFFFF {
		t.Fatalf("iq16 %x", b)
	}
	gi, gq := make([]int16, 4), make([]int16, 4)
	DecodeIQ16(b, gi, gq)
	for k := range i {
		if gi[k] != i[k] || gq[k] != q[k] {
			t.Fatalf("iq16 round trip %v %v", gi, gq)
		}
	}
	r := make([]int16, 8)
	if n := DecodeI16(b, r); n != 8 || r[0] != 8191 || r[1] != -1 {
		t.Fatalf("i14 %v", r)
	}
	i24 := words(0x007FFFFF, 0x00800000, 0xFF800000, 1)
	d := make([]int32, 4)
	DecodeI24(i24, d)
	if d[0] != 8388607 || d[1] != -8388608 || d[2] != -8388608 || d[3] != 1 {
		t.Fatalf("i24 %v", d)
	}
	p8 := make([]int8, 4)
	DecodePSD8([]byte{0x80, 0x7f, 0xff, 0}, p8)
	if p8[0] != -128 || p8[1] != 127 || p8[2] != -1 {
		t.Fatalf("psd8 %v", p8)
	}
	fv := []float32{-30.5, 0, float32(math.Inf(-1)), 1e-20}
	fb := AppendFloat32(nil, fv)
	fo := make([]float32, 4)
	DecodeFloat32(fb, fo)
	for k := range fv {
		if fo[k] != fv[k] {
			t.Fatalf("float32 %v", fo)
		}
	}
	pf := DecodePayloadFormat(FormatFloat32Real.Bytes())
	if pf != FormatFloat32Real {
		t.Fatalf("payload format round trip %+v", pf)
	}
}

func TestSpectrumRoundTrip(t *testing.T) {
	for _, n := range []int{1, 1024, MaxBinsPerPacket + 5000} {
		bins := make([]float32, n)
		for k := range bins {
			bins[k] = float32(-100 + k%97)
		}
		s := Spectrum{StreamID: DefaultSpectrumStream, Timestamp: TimestampOf(time.Date(2026, 11, 24, 3, 0, 0, 500, time.UTC)), HasTime: true,
			CenterHz: 2.412e9, StartHz: 2.412e9 - 62.5e6, StepHz: 125e6 / float64(n), RBWHz: 1.5 * 125e6 / float64(n), SampleRateHz: 125e6,
			RefLevelDBm: -20, HasRefLevel: true, Units: UnitsDBm, Trace: TraceMax, Window: "hann", FFTSize: uint32(n), WindowPoints: uint32(n),
			Averages: 8, SweepID: 99, HasSweepID: true, Decimation: 4, Source: "sim:WSA4000-SIM0001", Bins: bins}
		var enc SpectrumEncoder
		b, err := enc.Append(nil, &s)
		if err != nil {
			t.Fatal(err)
		}
		r := NewReader(bytes.NewReader(b), ReaderOptions{})
		var dec SpectrumDecoder
		var got *Spectrum
		packets := 0
		for {
			p, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			packets++
			sp, err := dec.Feed(p)
			if err != nil {
				t.Fatal(err)
			}
			if sp != nil {
				if got != nil {
					t.Fatal("two spectra from one")
				}
				got = sp
			}
		}
		wantPackets := 3 * ((n + MaxBinsPerPacket - 1) / MaxBinsPerPacket)
		if packets != wantPackets || got == nil {
			t.Fatalf("n=%d: %d packets (want %d), spectrum %v", n, packets, wantPackets, got != nil)
		}
		g := *got
		g.Bins = nil
		w := s
		w.Bins = nil
		if math.Abs(g.StepHz-w.StepHz) < 1e-5 {
			g.StepHz = w.StepHz
		}
		if math.Abs(g.RBWHz-w.RBWHz) < 1e-5 {
			g.RBWHz = w.RBWHz
		}
		if !reflect.DeepEqual(g, w) {
			t.Fatalf("n=%d decoded\n%+v\nwant\n%+v", n, g, w)
		}
		for k := range bins {
			if got.Bins[k] != bins[k] {
				t.Fatalf("bin %d = %v want %v", k, got.Bins[k], bins[k])
			}
		}
	}
}

func TestSpectrumDecoderRejectsIQ(t *testing.T) {
	p := Packet{Header: Header{Type: TypeSignal, Indicators: IndTrailer, TSI: TSIUTC, TSF: TSFRealTime}, StreamID: StreamI14Q14, Payload: make([]byte, 16), Trailer: ThinkRFTrailer}
	b, _ := p.AppendTo(nil)
	var q Packet
	q.Decode(b)
	var d SpectrumDecoder
	if _, err := d.Feed(&q); !errors.Is(err, ErrNotSpectrum) {
		t.Fatalf("err = %v", err)
	}
}

// TestCaptureInfoRoundTrip: a capture description survives encoding, is
// recognised as such and not as a spectrum context, and frames like any
// other packet.
func TestCaptureInfoRoundTrip(t *testing.T) {
	for _, ci := range []CaptureInfo{
		{Source: "WSA4000 SIM-000001 127.0.0.1"},
		{Source: "x", HasTime: true, Timestamp: Timestamp{1700000000, 5}, HasSweep: true, SweepID: 0xdeadbeef,
			SweepStartHz: 2.4e9, SweepStopHz: 2.5e9, SweepSteps: 3},
		{HasSweep: true, SweepID: 1, SweepStartHz: 90e6, SweepStopHz: 10e9, SweepSteps: 221},
	} {
		b, err := AppendCaptureInfo(nil, &ci, 7)
		if err != nil {
			t.Fatal(err)
		}
		var p Packet
		if err := p.Decode(b); err != nil {
			t.Fatal(err)
		}
		if !IsCaptureInfo(&p) || IsSpectrumContext(&p) || p.Count != 7 {
			t.Fatalf("packet not recognised: info %v spectrum %v count %d", IsCaptureInfo(&p), IsSpectrumContext(&p), p.Count)
		}
		got, err := DecodeCaptureInfo(&p)
		if err != nil {
			t.Fatal(err)
		}
		want := ci
		want.StreamID = StreamCaptureInfo
		if got != want {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
		}
	}
	if _, err := AppendCaptureInfo(nil, &CaptureInfo{}, 0); err == nil {
		t.Error("an empty capture description was encoded")
	}
}

// TestSpectrumJoinMidStream: a reader that starts after a spectrum's
// context packets gets ErrNoContext for that data packet and the next
// whole spectrum after it.
func TestSpectrumJoinMidStream(t *testing.T) {
	var enc SpectrumEncoder
	var b []byte
	for k := 0; k < 2; k++ {
		var err error
		b, err = enc.Append(b, &Spectrum{StartHz: 1e6 * float64(k), StepHz: 1e3, Bins: []float32{float32(k), 1, 2}})
		if err != nil {
			t.Fatal(err)
		}
	}
	r := NewReader(bytes.NewReader(b), ReaderOptions{})
	var pkts []Packet
	for {
		p, err := r.Next()
		if err != nil {
			break
		}
		var q Packet // the reader reuses its buffers: decode a copy
		if err := q.Decode(append([]byte(nil), p.Raw...)); err != nil {
			t.Fatal(err)
		}
		pkts = append(pkts, q)
	}
	if len(pkts) != 6 {
		t.Fatalf("%d packets, want 6", len(pkts))
	}
	var dec SpectrumDecoder
	if _, err := dec.Feed(&pkts[2]); !errors.Is(err, ErrNoContext) {
		t.Fatalf("data without context: %v, want ErrNoContext", err)
	}
	var got *Spectrum
	for i := 3; i < 6; i++ {
		s, err := dec.Feed(&pkts[i])
		if err != nil {
			t.Fatal(err)
		}
		if s != nil {
			got = s
		}
	}
	if got == nil || got.StartHz != 1e6 || got.Bins[0] != 1 {
		t.Fatalf("next spectrum: %+v", got)
	}
}

// TestSpectrumEncoderAllocations: once warmed up, encoding a spectrum (with
// every optional field) allocates nothing, and gives the same bytes as a
// fresh encoder would (the scratch buffers never leak into the output).
func TestSpectrumEncoderAllocations(t *testing.T) {
	s := &Spectrum{StreamID: 0x57530003, HasTime: true, Timestamp: Timestamp{1700000000, 42}, CenterHz: 2.4e9,
		StartHz: 2.34e9, StepHz: 61035.15625, RBWHz: 91552.7, SampleRateHz: 125e6, RefLevelDBm: -30, HasRefLevel: true,
		Units: UnitsDBFS, Trace: TraceAverage, Window: "hann", FFTSize: 2048, WindowPoints: 2048, Averages: 4,
		SweepID: 7, HasSweepID: true, Decimation: 1, Source: "WSA4000 SIM-000001 127.0.0.1", Bins: make([]float32, 2048)}
	var enc SpectrumEncoder
	buf, err := enc.Append(nil, s)
	if err != nil {
		t.Fatal(err)
	}
	first := append([]byte(nil), buf...)
	allocs := testing.AllocsPerRun(100, func() {
		buf, err = enc.Append(buf[:0], s)
	})
	if err != nil || allocs != 0 {
		t.Fatalf("%v allocations per spectrum (error %v)", allocs, err)
	}
	// The same spectrum again differs only in the three packet counts.
	var fresh SpectrumEncoder
	want, _ := fresh.Append(nil, s)
	if len(buf) != len(want) || !bytes.Equal(first, want) {
		t.Fatal("a reused encoder wrote different bytes")
	}
}
