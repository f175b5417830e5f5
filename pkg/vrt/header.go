package vrt

import (
	"encoding/binary"
	"fmt"
)

// PacketType is the 4-bit packet type of the header word (bits 31..28).
type PacketType uint8

// The VITA-49 packet types. ThinkRF devices send TypeSignal data and
// TypeContext / TypeExtContext context.
const (
	TypeSignalNoID    PacketType = 0 // IF data without stream ID
	TypeSignal        PacketType = 1 // IF data with stream ID
	TypeExtSignalNoID PacketType = 2 // extension data without stream ID
	TypeExtSignal     PacketType = 3 // extension data with stream ID
	TypeContext       PacketType = 4 // IF context
	TypeExtContext    PacketType = 5 // extension context
	TypeCommand       PacketType = 6 // command (VITA-49.2), kept opaque
	TypeExtCommand    PacketType = 7 // extension command (VITA-49.2), kept opaque
)

var typeNames = [...]string{"data-noid", "data", "extdata-noid", "extdata", "context", "extcontext", "command", "extcommand"}

func (t PacketType) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("reserved(%d)", uint8(t))
}

// IsData reports whether t is one of the four signal/extension data types.
func (t PacketType) IsData() bool { return t <= TypeExtSignal }

// IsContext reports whether t is IF or extension context.
func (t PacketType) IsContext() bool { return t == TypeContext || t == TypeExtContext }

// HasStreamID reports whether packets of type t carry a stream identifier.
func (t PacketType) HasStreamID() bool { return t != TypeSignalNoID && t != TypeExtSignalNoID }

// TSI is the integer-seconds timestamp kind (header bits 23..22).
type TSI uint8

// TSI kinds.
const (
	TSINone  TSI = 0
	TSIUTC   TSI = 1
	TSIGPS   TSI = 2
	TSIOther TSI = 3
)

// TSF is the fractional timestamp kind (header bits 21..20).
type TSF uint8

// TSF kinds. ThinkRF devices send TSFRealTime in picoseconds.
const (
	TSFNone        TSF = 0
	TSFSampleCount TSF = 1
	TSFRealTime    TSF = 2 // picoseconds
	TSFFreeRunning TSF = 3
)

// Header is the decoded first word of a packet.
type Header struct {
	Type PacketType
	// ClassID is the C bit (27): a 64-bit class identifier follows the stream ID.
	ClassID bool
	// Indicators holds header bits 26..24 as they are. Their meaning depends
	// on the type: for data, bit 26 is the trailer flag (see HasTrailer), bit
	// 25 the VITA-49.2 "not a V49.0 packet" flag and bit 24 the 49.2
	// spectrum flag; for context, bit 24 is TSM.
	Indicators uint8
	TSI        TSI
	TSF        TSF
	Count      uint8  // packet count, modulo 16
	Size       uint16 // packet size in 32-bit words, header included
}

// Header indicator bits, as they sit in Header.Indicators (bit 26 of the word = 0x4).
const (
	IndTrailer  = 0x4 // data: trailer present
	IndNotV490  = 0x2 // data and context (49.2): packet is not VITA-49.0 compatible
	IndSpectrum = 0x1 // data (49.2): payload is a spectrum, not time samples
	IndTSM      = 0x1 // context: timestamp mode
)

// HasTrailer reports whether a data packet carries a trailer word.
func (h Header) HasTrailer() bool { return h.Type.IsData() && h.Indicators&IndTrailer != 0 }

// DecodeHeader splits a header word into its fields.
func DecodeHeader(w uint32) Header {
	return Header{
		Type:       PacketType(w >> 28),
		ClassID:    w&(1<<27) != 0,
		Indicators: uint8(w>>24) & 7,
		TSI:        TSI(w>>22) & 3,
		TSF:        TSF(w>>20) & 3,
		Count:      uint8(w>>16) & 0xf,
		Size:       uint16(w),
	}
}

// Word packs the header back into its 32-bit form.
func (h Header) Word() uint32 {
	w := uint32(h.Type&0xf)<<28 | uint32(h.Indicators&7)<<24 | uint32(h.TSI&3)<<22 |
		uint32(h.TSF&3)<<20 | uint32(h.Count&0xf)<<16 | uint32(h.Size)
	if h.ClassID {
		w |= 1 << 27
	}
	return w
}

// PrologueWords is the number of words between the header and the payload:
// stream ID, class ID and timestamps as the header announces them.
func (h Header) PrologueWords() int {
	n := 1 // the header itself
	if h.Type.HasStreamID() {
		n++
	}
	if h.ClassID {
		n += 2
	}
	if h.TSI != TSINone {
		n++
	}
	if h.TSF != TSFNone {
		n += 2
	}
	return n
}

// MinWords is the smallest size field consistent with the header's flags.
func (h Header) MinWords() int {
	n := h.PrologueWords()
	if h.HasTrailer() {
		n++
	}
	return n
}

func be32(b []byte) uint32 { return binary.BigEndian.Uint32(b) }
func be64(b []byte) uint64 { return binary.BigEndian.Uint64(b) }
