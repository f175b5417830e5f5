package vrt

import (
	"encoding/binary"
	"fmt"
	"time"
)

// ClassID is the optional 64-bit class identifier: a 24-bit IEEE OUI and two
// 16-bit codes naming the information and packet classes.
type ClassID struct {
	OUI         uint32 // 24 bits
	InfoClass   uint16
	PacketClass uint16
	// PadBits is the 5-bit pad-bit count of the first class word (data packets).
	PadBits uint8
	// Reserved keeps bits 26..24 of the first class word as they came.
	Reserved uint8
}

func (c ClassID) words() (uint32, uint32) {
	return uint32(c.PadBits&0x1f)<<27 | uint32(c.Reserved&7)<<24 | c.OUI&0xffffff, uint32(c.InfoClass)<<16 | uint32(c.PacketClass)
}

// Timestamp is a VRT timestamp: integer seconds (UTC for ThinkRF devices)
// and a fraction whose unit depends on the header's TSF kind (picoseconds
// for real-time timestamps).
type Timestamp struct {
	Int  uint32
	Frac uint64
}

// TimestampOf converts t to UTC seconds and picoseconds.
func TimestampOf(t time.Time) Timestamp {
	return Timestamp{Int: uint32(t.Unix()), Frac: uint64(t.Nanosecond()) * 1000}
}

// Time converts a UTC-seconds + picoseconds timestamp to a time.Time.
func (ts Timestamp) Time() time.Time {
	return time.Unix(int64(ts.Int), int64(ts.Frac/1000)).UTC()
}

// Seconds returns the timestamp as float seconds (picosecond fraction).
func (ts Timestamp) Seconds() float64 { return float64(ts.Int) + float64(ts.Frac)*1e-12 }

// Packet is one decoded VRT packet. Decode fills it in place and Payload and
// Raw are views into the decoded bytes: they stay valid only as long as those
// bytes do (for a Reader, until the next call to Next). Copy what you keep.
type Packet struct {
	Header
	StreamID  uint32 // valid when Type.HasStreamID()
	Class     ClassID
	Timestamp Timestamp
	// Payload is everything between the prologue and the trailer: samples
	// for data packets, the indicator word(s) and fields for context packets.
	Payload []byte
	Trailer Trailer // valid when HasTrailer()
	Raw     []byte  // the whole packet
}

// DecodeError describes why bytes are not a packet.
type DecodeError struct {
	Reason string
}

func (e *DecodeError) Error() string { return e.Reason }

// Decode parses b, which must hold exactly one packet (len(b) == 4·Size).
func (p *Packet) Decode(b []byte) error {
	if len(b) < 4 {
		return &DecodeError{fmt.Sprintf("packet of %d bytes is shorter than a header word", len(b))}
	}
	h := DecodeHeader(be32(b))
	if h.Size == 0 {
		return &DecodeError{"size field is 0"}
	}
	if int(h.Size)*4 != len(b) {
		return &DecodeError{fmt.Sprintf("size field says %d words but %d bytes were given", h.Size, len(b))}
	}
	if int(h.Size) < h.MinWords() {
		return &DecodeError{fmt.Sprintf("size %d words is smaller than the %d words its header announces", h.Size, h.MinWords())}
	}
	p.Header = h
	p.Raw = b
	off := 4
	p.StreamID = 0
	if h.Type.HasStreamID() {
		p.StreamID = be32(b[off:])
		off += 4
	}
	p.Class = ClassID{}
	if h.ClassID {
		w0, w1 := be32(b[off:]), be32(b[off+4:])
		p.Class = ClassID{OUI: w0 & 0xffffff, PadBits: uint8(w0 >> 27), Reserved: uint8(w0>>24) & 7, InfoClass: uint16(w1 >> 16), PacketClass: uint16(w1)}
		off += 8
	}
	p.Timestamp = Timestamp{}
	if h.TSI != TSINone {
		p.Timestamp.Int = be32(b[off:])
		off += 4
	}
	if h.TSF != TSFNone {
		p.Timestamp.Frac = be64(b[off:])
		off += 8
	}
	end := len(b)
	p.Trailer = 0
	if h.HasTrailer() {
		end -= 4
		p.Trailer = Trailer(be32(b[end:]))
	}
	p.Payload = b[off:end]
	return nil
}

// AppendTo encodes p after dst and returns the extended slice. The size field
// is computed from the payload (which must be a whole number of words); Raw
// and Header.Size are ignored. Header flags (ClassID, TSI, TSF, trailer
// indicator) decide which optional words are written.
func (p *Packet) AppendTo(dst []byte) ([]byte, error) {
	if len(p.Payload)%4 != 0 {
		return dst, fmt.Errorf("vrt: payload of %d bytes is not a whole number of 32-bit words", len(p.Payload))
	}
	h := p.Header
	words := h.MinWords() + len(p.Payload)/4
	if words > 0xffff {
		return dst, fmt.Errorf("vrt: packet of %d words exceeds the 65535-word limit", words)
	}
	h.Size = uint16(words)
	dst = binary.BigEndian.AppendUint32(dst, h.Word())
	if h.Type.HasStreamID() {
		dst = binary.BigEndian.AppendUint32(dst, p.StreamID)
	}
	if h.ClassID {
		a, b := p.Class.words()
		dst = binary.BigEndian.AppendUint32(dst, a)
		dst = binary.BigEndian.AppendUint32(dst, b)
	}
	if h.TSI != TSINone {
		dst = binary.BigEndian.AppendUint32(dst, p.Timestamp.Int)
	}
	if h.TSF != TSFNone {
		dst = binary.BigEndian.AppendUint64(dst, p.Timestamp.Frac)
	}
	dst = append(dst, p.Payload...)
	if h.HasTrailer() {
		dst = binary.BigEndian.AppendUint32(dst, uint32(p.Trailer))
	}
	return dst, nil
}

// Time returns the packet timestamp as a time.Time when it is UTC or GPS
// seconds with a picosecond fraction (or no fraction); ok is false otherwise.
func (p *Packet) Time() (t time.Time, ok bool) {
	if p.TSI == TSINone || p.TSI == TSIOther {
		return time.Time{}, false
	}
	if p.TSF != TSFNone && p.TSF != TSFRealTime {
		return time.Unix(int64(p.Timestamp.Int), 0).UTC(), true
	}
	return p.Timestamp.Time(), true
}

// SizeOf returns the packet length in bytes announced by the header word at
// the start of b (which must hold at least 4 bytes).
func SizeOf(b []byte) int { return int(uint16(be32(b))) * 4 }
