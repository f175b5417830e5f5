package vrt

import (
	"encoding/binary"
	"fmt"
	"math/bits"
)

// Stream identifiers used by ThinkRF WSA devices (device-facts.md §2.2).
const (
	StreamReceiver     uint32 = 0x90000001 // receiver context: rf_freq, reference point, gain, temperature
	StreamDigitizer    uint32 = 0x90000002 // digitizer context: bandwidth, rf_offset, reference level
	StreamI14Q14       uint32 = 0x90000003 // complex 14-bit I/Q data
	StreamCustom       uint32 = 0x90000004 // ThinkRF extension context: sweep ID, stream ID, IQ swap
	StreamI14          uint32 = 0x90000005 // real 14-bit data
	StreamI24          uint32 = 0x90000006 // real 24-bit data
	StreamPSD8         uint32 = 0x90000007 // 8-bit power spectrum from the device
	StreamSpeca        uint32 = 0x5370eca0 // pyrf recording state (zlib JSON), opaque
	StreamSpectrumBase uint32 = 0x57530000 // suite spectrum streams: 0x5753xxxx (docs/FORMAT.md)
)

// Context is a decoded context packet: which layout it follows, its
// indicator words and its fields in wire order. Decode reuses the Fields
// slice, so a Context can be kept and reused across packets with no
// allocation once it has grown.
type Context struct {
	Table Table
	// CIF holds the indicator words: CIF0..CIF3 for TableCIF (zero when
	// absent), the single indicator word in CIF[0] for the extension tables.
	CIF    [4]uint32
	Fields []Field
}

// ContextError says why a context payload could not be walked.
type ContextError struct {
	Offset int // byte offset within the packet
	Reason string
}

func (e *ContextError) Error() string {
	return fmt.Sprintf("context field at packet byte %d: %s", e.Offset, e.Reason)
}

// TableFor chooses the field layout of a context packet the way the suite's
// readers do: ThinkRF's custom stream and the suite's spectrum class have
// their own tables; pyrf's speca packets (no timestamps) are opaque; all
// other context, IF or extension, is read as standard CIF (as pyrf does).
func TableFor(p *Packet) Table {
	switch {
	case p.Type == TypeExtContext && p.ClassID && p.Class.OUI == WSAOUI &&
		(p.Class.PacketClass == ClassSpectrumExt || p.Class.PacketClass == ClassCaptureInfo):
		return TableWSA
	case p.Type == TypeExtContext && p.StreamID == StreamCustom:
		return TableThinkRF
	case p.StreamID == StreamSpeca || (p.Type == TypeExtContext && !p.ClassID && p.TSI == TSINone && p.TSF == TSFNone):
		return TableOpaque
	}
	return TableCIF
}

// Decode walks every field of a context packet. The returned error names the
// byte offset of the field that could not be read; fields before it are kept.
func (c *Context) Decode(p *Packet) error {
	c.Fields = c.Fields[:0]
	c.CIF = [4]uint32{}
	if !p.Type.IsContext() {
		return &ContextError{0, fmt.Sprintf("packet type %v is not context", p.Type)}
	}
	c.Table = TableFor(p)
	if c.Table == TableOpaque {
		return nil
	}
	b := p.Payload
	base := len(p.Raw) - len(p.Payload) - trailerLen(p)
	if len(b) < 4 {
		return &ContextError{base, "indicator word missing"}
	}
	c.CIF[0] = be32(b)
	off := 4
	if c.Table == TableCIF {
		if c.CIF[0]&(1<<cif0EnableCIF7) != 0 {
			return &ContextError{base, "CIF7 field attributes are not supported"}
		}
		for w := 1; w <= 3; w++ {
			if c.CIF[0]&(1<<uint(w)) == 0 {
				continue
			}
			if len(b) < off+4 {
				return &ContextError{base + off, fmt.Sprintf("CIF%d word missing", w)}
			}
			c.CIF[w] = be32(b[off:])
			off += 4
		}
	}
	for w := 0; w < 4; w++ {
		ind := c.CIF[w]
		if w == 0 && c.Table == TableCIF {
			ind &^= 1<<cif0EnableCIF1 | 1<<cif0EnableCIF2 | 1<<cif0EnableCIF3
		}
		for ind != 0 {
			bit := uint(31 - bits.LeadingZeros32(ind))
			ind &^= 1 << bit
			s := tables[c.Table][w][bit]
			if s == nil {
				if c.Table == TableCIF {
					continue // reserved bit: no data follows
				}
				return &ContextError{base + off, fmt.Sprintf("%v indicator bit %d is unknown, cannot size its field", c.Table, bit)}
			}
			n, err := fieldSize(s, b[off:])
			if err != nil {
				return &ContextError{base + off, err.Error()}
			}
			if off+n > len(b) {
				return &ContextError{base + off, fmt.Sprintf("field %s needs %d bytes, packet has %d left", s.Name, n, len(b)-off)}
			}
			c.Fields = append(c.Fields, Field{Spec: s, Raw: b[off : off+n]})
			off += n
		}
	}
	if off != len(b) {
		return &ContextError{base + off, fmt.Sprintf("%d bytes left after the last indicated field", len(b)-off)}
	}
	return nil
}

func trailerLen(p *Packet) int {
	if p.HasTrailer() {
		return 4
	}
	return 0
}

// Get returns the field described by s, if present.
func (c *Context) Get(s *FieldSpec) (Field, bool) {
	for _, f := range c.Fields {
		if f.Spec == s {
			return f, true
		}
	}
	return Field{}, false
}

// Float returns a numeric field's value in its SI unit, if present.
func (c *Context) Float(s *FieldSpec) (float64, bool) {
	f, ok := c.Get(s)
	if !ok {
		return 0, false
	}
	return f.Float()
}

// ContextHeader is what a context packet carries besides its fields.
type ContextHeader struct {
	Type      PacketType // TypeContext or TypeExtContext
	StreamID  uint32
	Class     *ClassID // nil: no class ID
	Count     uint8
	TSI       TSI
	TSF       TSF
	Timestamp Timestamp
}

// AppendContext encodes a context packet with the given fields after dst.
// Fields may be given in any order; they are written in VITA order and the
// indicator words are computed from them. All fields must belong to one table.
func AppendContext(dst []byte, h ContextHeader, fields ...FieldValue) ([]byte, error) {
	var sc contextScratch
	return sc.append(dst, h, fields)
}

// contextScratch holds AppendContext's working buffers, so an encoder that
// writes many context packets (SpectrumEncoder) reuses them instead of
// allocating per packet.
type contextScratch struct {
	payload []byte
	sorted  []FieldValue
}

func (sc *contextScratch) append(dst []byte, h ContextHeader, fields []FieldValue) ([]byte, error) {
	if !h.Type.IsContext() {
		return dst, fmt.Errorf("vrt: AppendContext: type %v is not context", h.Type)
	}
	var cif [4]uint32
	table := TableCIF
	if len(fields) > 0 {
		table = fields[0].Spec.Table
	}
	for _, f := range fields {
		if f.Spec.Table != table {
			return dst, fmt.Errorf("vrt: AppendContext: field %s belongs to the %v table, not %v", f.Spec.Name, f.Spec.Table, table)
		}
		if cif[f.Spec.Word]&(1<<f.Spec.Bit) != 0 {
			return dst, fmt.Errorf("vrt: AppendContext: field %s given twice", f.Spec.Name)
		}
		cif[f.Spec.Word] |= 1 << f.Spec.Bit
	}
	for w := 1; w <= 3; w++ {
		if cif[w] != 0 {
			cif[0] |= 1 << uint(w)
		}
	}
	// VITA order: CIF0 before CIF1..3, high bits first. An insertion sort:
	// a packet has a handful of fields, and it allocates nothing.
	sorted := append(sc.sorted[:0], fields...)
	for i := 1; i < len(sorted); i++ {
		for j := i; j > 0 && vitaBefore(sorted[j].Spec, sorted[j-1].Spec); j-- {
			sorted[j], sorted[j-1] = sorted[j-1], sorted[j]
		}
	}
	sc.sorted = sorted
	payload := binary.BigEndian.AppendUint32(sc.payload[:0], cif[0])
	for w := 1; w <= 3; w++ {
		if cif[w] != 0 {
			payload = binary.BigEndian.AppendUint32(payload, cif[w])
		}
	}
	var err error
	for _, f := range sorted {
		if payload, err = appendValue(payload, f); err != nil {
			return dst, err
		}
	}
	sc.payload = payload
	p := Packet{
		Header:    Header{Type: h.Type, ClassID: h.Class != nil, TSI: h.TSI, TSF: h.TSF, Count: h.Count & 0xf},
		StreamID:  h.StreamID,
		Timestamp: h.Timestamp,
		Payload:   payload,
	}
	if h.Class != nil {
		p.Class = *h.Class
	}
	return p.AppendTo(dst)
}

// vitaBefore reports whether field a comes before field b in a packet.
func vitaBefore(a, b *FieldSpec) bool {
	if a.Word != b.Word {
		return a.Word < b.Word
	}
	return a.Bit > b.Bit
}

// AppendTo re-encodes a decoded context after dst exactly as it came: the
// same indicator words (reserved and enable bits included) and the same
// field bytes, with the header, stream ID, class and timestamp of h.
func (c *Context) AppendTo(dst []byte, h ContextHeader) ([]byte, error) {
	payload := binary.BigEndian.AppendUint32(nil, c.CIF[0])
	if c.Table == TableCIF {
		for w := 1; w <= 3; w++ {
			if c.CIF[0]&(1<<uint(w)) != 0 {
				payload = binary.BigEndian.AppendUint32(payload, c.CIF[w])
			}
		}
	}
	for _, f := range c.Fields {
		payload = append(payload, f.Raw...)
	}
	p := Packet{
		Header:    Header{Type: h.Type, ClassID: h.Class != nil, TSI: h.TSI, TSF: h.TSF, Count: h.Count & 0xf},
		StreamID:  h.StreamID,
		Timestamp: h.Timestamp,
		Payload:   payload,
	}
	if h.Class != nil {
		p.Class = *h.Class
	}
	return p.AppendTo(dst)
}

// State merges context fields across packets the way pyrf's "context
// dictionary" does: later values replace earlier ones, so the DSP always
// sees the latest centre frequency, reference level and sweep ID.
type State struct {
	RFFreqHz     float64
	HasRFFreq    bool
	BandwidthHz  float64
	HasBandwidth bool
	RFOffsetHz   float64
	RefLevelDBm  float64
	HasRefLevel  bool
	GainDB       float64
	HasGain      bool
	SampleRateHz float64
	SweepID      uint32
	HasSweepID   bool
	StreamID     uint32 // the ID given to :TRACE:STREAM:START
	HasStreamID  bool
	IQSwap       bool
	TemperatureC float64
	// Updates counts context fields applied so far.
	Updates int
}

// Update applies every field of c.
func (s *State) Update(c *Context) {
	for _, f := range c.Fields {
		v, _ := f.Float()
		switch f.Spec {
		case FieldRFFreq:
			s.RFFreqHz, s.HasRFFreq = v, true
		case FieldBandwidth:
			s.BandwidthHz, s.HasBandwidth = v, true
		case FieldRFOffset:
			s.RFOffsetHz = v
		case FieldRefLevel:
			s.RefLevelDBm, s.HasRefLevel = v, true
		case FieldGain:
			s.GainDB, s.HasGain = v, true
		case FieldSampleRate:
			s.SampleRateHz = v
		case FieldSweepID, FieldWSASweep:
			s.SweepID, s.HasSweepID = f.Uint(), true
		case FieldStreamStartID:
			s.StreamID, s.HasStreamID = f.Uint(), true
		case FieldIQSwap:
			s.IQSwap = f.Uint() != 0
		case FieldTemperature:
			s.TemperatureC = v
		default:
			continue
		}
		s.Updates++
	}
}
