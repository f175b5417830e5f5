package vrt

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// VRL (VITA-49.1) framing words.
const (
	vrlFAW  = 0x56524C50 // "VRLP"
	vrlVEND = 0x56454E44 // "VEND": trailer word of a frame without CRC
)

// ReaderOptions tune a Reader. The zero value is what the tools use.
type ReaderOptions struct {
	// Resync makes the reader skip damaged input up to the next plausible
	// packet (a sane header whose successor is also sane, or which ends the
	// input exactly) instead of returning a FormatError. Skipped bytes and
	// resynchronisations are counted in Stats.
	Resync bool
	// BufferSize of the underlying bufio.Reader (default and minimum 256 KiB,
	// so the largest packet, 65535 words, fits; larger buffers measured
	// slower on pass-through because they fall out of the L2 cache).
	BufferSize int
}

// Stats counts what a Reader has seen.
type Stats struct {
	Packets      int64 // packets delivered
	Bytes        int64 // input bytes consumed, VRL framing included
	Frames       int64 // VRL frames read
	SkippedBytes int64 // bytes dropped while resynchronising
	Resyncs      int64 // times the reader resynchronised
}

// Reader frames a VRT stream: bare packets back to back, or VRL frames
// (detected automatically at every boundary, so both may be mixed). Next
// returns a *Packet that stays valid until the following call: the packet
// is decoded in place over the reader's buffer and nothing is allocated per
// packet.
type Reader struct {
	br      *bufio.Reader
	opt     ReaderOptions
	pkt     Packet
	pending int // bytes of the last packet still to discard from br
	stats   Stats
	// VRL state: packets of the current frame are delivered from frame[pos:end].
	frame      []byte
	pos, end   int
	frameStart int64
	err        error
	// seen marks the header shapes (bits 31..20: type, class flag,
	// indicators, TSI, TSF) of packets read so far, so resynchronisation
	// only accepts packets that look like the stream's own.
	seen    [4096]bool
	anySeen bool
}

// NewReader returns a Reader over r.
func NewReader(r io.Reader, opt ReaderOptions) *Reader {
	size := opt.BufferSize
	if size <= 0 {
		size = 256 << 10
	}
	size = max(size, 256<<10)
	return &Reader{br: bufio.NewReaderSize(r, size), opt: opt}
}

// Stats returns counters so far.
func (r *Reader) Stats() Stats { return r.stats }

// Offset returns the input byte offset of the next packet or frame.
func (r *Reader) Offset() int64 { return r.stats.Bytes }

// Next returns the next packet, io.EOF at a clean end of input, or a
// *FormatError (wrapping ErrTruncated, ErrZeroSize, ErrBadHeader, ErrBadCRC
// or ErrBadFrame) for damaged input. I/O errors from the source are returned
// wrapped. After an error other than one skipped by Resync, Next keeps
// returning it.
func (r *Reader) Next() (*Packet, error) {
	if r.err != nil {
		return nil, r.err
	}
	p, err := r.next()
	if err != nil {
		r.err = err
		return nil, err
	}
	r.stats.Packets++
	r.seen[binary.BigEndian.Uint32(p.Raw)>>20] = true
	r.anySeen = true
	return p, nil
}

// shapeOK reports whether a header word could start a packet of this stream.
func (r *Reader) shapeOK(w uint32) bool {
	h := DecodeHeader(w)
	if h.Size == 0 || int(h.Size) < h.MinWords() || h.Type > TypeExtContext {
		return false
	}
	return !r.anySeen || r.seen[w>>20]
}

func (r *Reader) next() (*Packet, error) {
	if r.pending > 0 {
		r.br.Discard(r.pending)
		r.pending = 0
	}
	for {
		if r.pos < r.end {
			start := r.pos
			p, err := r.nextInFrame()
			if err != nil && r.opt.Resync {
				// The damaged frame is already consumed: drop the rest of it.
				r.stats.Resyncs++
				r.stats.SkippedBytes += int64(r.end - start)
				continue
			}
			return p, err
		}
		head, err := r.br.Peek(4)
		if len(head) == 0 && err == io.EOF {
			return nil, io.EOF
		}
		if len(head) < 4 {
			if err == io.EOF {
				return nil, r.fail(r.stats.Bytes, fmt.Sprintf("truncated: %d stray bytes at the end of input", len(head)), ErrTruncated)
			}
			return nil, fmt.Errorf("vrt: reading packet %d at byte offset %d: %w", r.stats.Packets, r.stats.Bytes, err)
		}
		if binary.BigEndian.Uint32(head) == vrlFAW {
			if err := r.readFrame(); err != nil {
				if errors.Is(err, ErrBadCRC) && r.opt.Resync {
					r.stats.Resyncs++
					r.stats.SkippedBytes += int64(len(r.frame))
					continue
				}
				if r.canResync(err) {
					continue
				}
				return nil, err
			}
			continue
		}
		p, err := r.bare()
		if err != nil {
			if r.canResync(err) {
				continue
			}
			return nil, err
		}
		return p, nil
	}
}

func (r *Reader) fail(off int64, reason string, cause error) error {
	return &FormatError{Index: r.stats.Packets, Offset: off, Reason: reason, Err: cause}
}

// canResync skips ahead after a format error when Resync is on.
func (r *Reader) canResync(err error) bool {
	var fe *FormatError
	if !r.opt.Resync || !errors.As(err, &fe) || errors.Is(err, ErrTruncated) && r.atEOF() {
		return false
	}
	r.pos, r.end = 0, 0
	r.stats.Resyncs++
	// Drop one byte, then scan for a plausible header.
	for {
		if _, e := r.br.Discard(1); e != nil {
			return false
		}
		r.stats.Bytes++
		r.stats.SkippedBytes++
		if r.plausibleHere() {
			return true
		}
	}
}

func (r *Reader) atEOF() bool {
	_, err := r.br.Peek(1)
	return err != nil
}

// plausibleHere reports whether the bytes at the read position look like a
// packet (or VRL frame) followed by another one or by the end of input.
func (r *Reader) plausibleHere() bool {
	head, _ := r.br.Peek(4)
	if len(head) < 4 {
		return false
	}
	if binary.BigEndian.Uint32(head) == vrlFAW {
		return true
	}
	// Accept a chain of up to three well-shaped packets, or fewer that end
	// the input exactly.
	off := 0
	for k := 0; k < 3; k++ {
		b, err := r.br.Peek(off + 4)
		if len(b) == off && err != nil && k > 0 {
			return true // ends the input exactly
		}
		if len(b) < off+4 {
			return false
		}
		w := binary.BigEndian.Uint32(b[off:])
		if w == vrlFAW && k > 0 {
			return true
		}
		if !r.shapeOK(w) {
			return false
		}
		off += int(uint16(w)) * 4
	}
	return true
}

// bare reads one packet straight out of the bufio buffer.
func (r *Reader) bare() (*Packet, error) {
	head, _ := r.br.Peek(4)
	h := DecodeHeader(binary.BigEndian.Uint32(head))
	off := r.stats.Bytes
	if h.Size == 0 {
		return nil, r.fail(off, "size field is 0", ErrZeroSize)
	}
	if int(h.Size) < h.MinWords() {
		return nil, r.fail(off, fmt.Sprintf("size %d words is smaller than the %d its header announces (type %v)", h.Size, h.MinWords(), h.Type), ErrBadHeader)
	}
	size := int(h.Size) * 4
	b, err := r.br.Peek(size)
	if len(b) < size {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, r.fail(off, fmt.Sprintf("truncated: header says %d bytes, only %d remain", size, len(b)), ErrTruncated)
		}
		return nil, fmt.Errorf("vrt: reading packet %d at byte offset %d: %w", r.stats.Packets, off, err)
	}
	if err := r.pkt.Decode(b); err != nil {
		return nil, r.fail(off, err.Error(), ErrBadHeader)
	}
	r.pending = size
	r.stats.Bytes += int64(size)
	return &r.pkt, nil
}

// readFrame reads a whole VRL frame, checks its CRC and sets up delivery of
// its packets.
func (r *Reader) readFrame() error {
	off := r.stats.Bytes
	head, err := r.br.Peek(8)
	if len(head) < 8 {
		if err == io.EOF {
			return r.fail(off, "truncated VRL frame header", ErrTruncated)
		}
		return fmt.Errorf("vrt: reading VRL frame at byte offset %d: %w", off, err)
	}
	words := int(binary.BigEndian.Uint32(head[4:]) & 0xfffff)
	if words < 3 {
		return r.fail(off, fmt.Sprintf("VRL frame size %d words is below the minimum of 3", words), ErrBadFrame)
	}
	size := words * 4
	if cap(r.frame) < size {
		r.frame = make([]byte, size)
	}
	r.frame = r.frame[:size]
	n, err := io.ReadFull(r.br, r.frame)
	r.stats.Bytes += int64(n)
	if err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return r.fail(off, fmt.Sprintf("truncated VRL frame: header says %d bytes, only %d remain", size, n), ErrTruncated)
		}
		return fmt.Errorf("vrt: reading VRL frame at byte offset %d: %w", off, err)
	}
	trailer := binary.BigEndian.Uint32(r.frame[size-4:])
	if trailer != vrlVEND {
		if sum := crc32.ChecksumIEEE(r.frame[:size-4]); sum != trailer {
			return r.fail(off, fmt.Sprintf("VRL frame CRC 0x%08x does not match the computed 0x%08x", trailer, sum), ErrBadCRC)
		}
	}
	r.stats.Frames++
	r.frameStart = off
	r.pos, r.end = 8, size-4
	return nil
}

func (r *Reader) nextInFrame() (*Packet, error) {
	off := r.frameStart + int64(r.pos)
	rest := r.frame[r.pos:r.end]
	if len(rest) < 4 {
		r.pos = r.end
		return nil, r.fail(off, "VRL frame ends inside a packet header", ErrBadFrame)
	}
	h := DecodeHeader(binary.BigEndian.Uint32(rest))
	size := int(h.Size) * 4
	switch {
	case h.Size == 0:
		r.pos = r.end
		return nil, r.fail(off, "size field is 0 (inside a VRL frame)", ErrZeroSize)
	case size > len(rest):
		r.pos = r.end
		return nil, r.fail(off, fmt.Sprintf("packet of %d bytes overruns its VRL frame (%d bytes left)", size, len(rest)), ErrBadFrame)
	}
	if err := r.pkt.Decode(rest[:size]); err != nil {
		r.pos = r.end
		return nil, r.fail(off, err.Error(), ErrBadHeader)
	}
	r.pos += size
	return &r.pkt, nil
}
