package vrt

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Sample scaling of the ThinkRF formats to ±1.0 (device-facts.md §2.5).
const (
	ScaleI14 = 1.0 / 8192    // I14Q14 and I14: int16 counts ÷ 2^13
	ScaleI24 = 1.0 / 8388608 // I24: int32 counts ÷ 2^23
)

// IQ16Count returns how many complex samples an I14Q14 payload holds.
func IQ16Count(payload []byte) int { return len(payload) / 4 }

// DecodeIQ16 decodes an I14Q14 payload (I in the high half-word, Q in the
// low, each a signed 16-bit count) into separate I and Q slices, which must
// hold IQ16Count(payload) values. It returns the number decoded.
func DecodeIQ16(payload []byte, i, q []int16) int {
	n := len(payload) / 4
	n = min(n, len(i), len(q))
	for k := 0; k < n; k++ {
		i[k] = int16(binary.BigEndian.Uint16(payload[4*k:]))
		q[k] = int16(binary.BigEndian.Uint16(payload[4*k+2:]))
	}
	return n
}

// AppendIQ16 encodes I and Q counts as an I14Q14 payload after dst.
func AppendIQ16(dst []byte, i, q []int16) []byte {
	n := min(len(i), len(q))
	for k := 0; k < n; k++ {
		dst = binary.BigEndian.AppendUint16(dst, uint16(i[k]))
		dst = binary.BigEndian.AppendUint16(dst, uint16(q[k]))
	}
	return dst
}

// DecodeI16 decodes an I14 payload (two signed 16-bit real samples per word,
// first sample in the upper half) into dst and returns the count.
func DecodeI16(payload []byte, dst []int16) int {
	n := min(len(payload)/2, len(dst))
	for k := 0; k < n; k++ {
		dst[k] = int16(binary.BigEndian.Uint16(payload[2*k:]))
	}
	return n
}

// DecodeI24 decodes an I24 payload (one sign-extended 24-bit sample per word).
func DecodeI24(payload []byte, dst []int32) int {
	n := min(len(payload)/4, len(dst))
	for k := 0; k < n; k++ {
		v := int32(binary.BigEndian.Uint32(payload[4*k:]))
		dst[k] = v << 8 >> 8 // sign-extend from bit 23
	}
	return n
}

// DecodePSD8 decodes a PSD8 payload (signed 8-bit values in transmit order).
func DecodePSD8(payload []byte, dst []int8) int {
	n := min(len(payload), len(dst))
	for k := 0; k < n; k++ {
		dst[k] = int8(payload[k])
	}
	return n
}

// DecodeFloat32 decodes big-endian IEEE-754 single values into dst.
func DecodeFloat32(payload []byte, dst []float32) int {
	n := min(len(payload)/4, len(dst))
	for k := 0; k < n; k++ {
		dst[k] = math.Float32frombits(binary.BigEndian.Uint32(payload[4*k:]))
	}
	return n
}

// AppendFloat32 encodes v as big-endian IEEE-754 singles after dst.
func AppendFloat32(dst []byte, v []float32) []byte {
	for _, x := range v {
		dst = binary.BigEndian.AppendUint32(dst, math.Float32bits(x))
	}
	return dst
}

// SampleFormat names how a data stream's payload is to be read.
type SampleFormat uint8

// Sample formats of the ThinkRF streams and the suite's spectra.
const (
	FormatUnknown SampleFormat = iota
	FormatI14Q14
	FormatI14
	FormatI24
	FormatPSD8
	FormatFloat32
)

func (f SampleFormat) String() string {
	return [...]string{"unknown", "i14q14", "i14", "i24", "psd8", "float32"}[f]
}

// FormatOf returns the payload format of a data packet from its stream ID or
// class (pyrf's rule: unknown ThinkRF data streams are read as I14Q14).
func FormatOf(p *Packet) SampleFormat {
	if IsSpectrum(p) {
		return FormatFloat32
	}
	switch p.StreamID {
	case StreamI14:
		return FormatI14
	case StreamI24:
		return FormatI24
	case StreamPSD8:
		return FormatPSD8
	}
	return FormatI14Q14
}

// SampleCount returns the number of samples (complex for I14Q14) in a data packet.
func SampleCount(p *Packet) int {
	switch FormatOf(p) {
	case FormatI14:
		return len(p.Payload) / 2
	case FormatPSD8:
		return len(p.Payload)
	}
	return len(p.Payload) / 4
}

// PayloadFormat is the VITA-49.0 data packet payload format field (CIF0 bit 15).
type PayloadFormat struct {
	LinkEfficient bool
	RealComplex   uint8 // 0 real, 1 complex cartesian, 2 complex polar
	ItemFormat    uint8 // 0 signed fixed point, 0x0e IEEE-754 single, 0x0f double, 0x10 unsigned fixed
	Repeat        bool
	EventTagSize  uint8
	ChanTagSize   uint8
	FractionSize  uint8
	PackingSize   uint8 // item packing field size in bits (1..64)
	ItemSize      uint8 // data item size in bits (1..64)
	RepeatCount   uint16
	VectorSize    uint16
}

// Item formats of the payload format field.
const (
	ItemSignedFixed   = 0x00
	ItemUnsignedFixed = 0x10
	ItemFloat32       = 0x0e
	ItemFloat64       = 0x0f
)

// DecodePayloadFormat reads the 8-byte payload format field.
func DecodePayloadFormat(b []byte) PayloadFormat {
	w0, w1 := be32(b), be32(b[4:])
	return PayloadFormat{
		LinkEfficient: w0&(1<<31) != 0,
		RealComplex:   uint8(w0>>29) & 3,
		ItemFormat:    uint8(w0>>24) & 0x1f,
		Repeat:        w0&(1<<23) != 0,
		EventTagSize:  uint8(w0>>20) & 7,
		ChanTagSize:   uint8(w0>>16) & 0xf,
		FractionSize:  uint8(w0>>12) & 0xf,
		PackingSize:   uint8(w0>>6)&0x3f + 1,
		ItemSize:      uint8(w0)&0x3f + 1,
		RepeatCount:   uint16(w1>>16) + 1,
		VectorSize:    uint16(w1) + 1,
	}
}

// Bytes encodes the field.
func (f PayloadFormat) Bytes() []byte {
	var w0 uint32
	if f.LinkEfficient {
		w0 |= 1 << 31
	}
	w0 |= uint32(f.RealComplex&3)<<29 | uint32(f.ItemFormat&0x1f)<<24
	if f.Repeat {
		w0 |= 1 << 23
	}
	w0 |= uint32(f.EventTagSize&7)<<20 | uint32(f.ChanTagSize&0xf)<<16 | uint32(f.FractionSize&0xf)<<12
	w0 |= uint32((f.PackingSize-1)&0x3f)<<6 | uint32((f.ItemSize-1)&0x3f)
	w1 := uint32(f.RepeatCount-1)<<16 | uint32(f.VectorSize-1)
	return binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, w0), w1)
}

// Map describes the field for JSON output.
func (f PayloadFormat) Map() map[string]any {
	kind := map[uint8]string{0: "real", 1: "complex_cartesian", 2: "complex_polar"}[f.RealComplex]
	item := fmt.Sprintf("0x%02x", f.ItemFormat)
	switch f.ItemFormat {
	case ItemSignedFixed:
		item = "signed_fixed"
	case ItemUnsignedFixed:
		item = "unsigned_fixed"
	case ItemFloat32:
		item = "ieee754_single"
	case ItemFloat64:
		item = "ieee754_double"
	}
	return map[string]any{"type": kind, "item": item, "item_bits": f.ItemSize, "packing_bits": f.PackingSize, "vector_size": f.VectorSize}
}

// FormatFloat32Real is the payload format of the suite's spectrum packets.
var FormatFloat32Real = PayloadFormat{ItemFormat: ItemFloat32, PackingSize: 32, ItemSize: 32, RepeatCount: 1, VectorSize: 1}

// FormatI14Q14Field is the payload format of ThinkRF I14Q14 data, as it
// would be declared (WSA devices themselves do not send it).
var FormatI14Q14Field = PayloadFormat{RealComplex: 1, ItemFormat: ItemSignedFixed, PackingSize: 16, ItemSize: 16, RepeatCount: 1, VectorSize: 1}
