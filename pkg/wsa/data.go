package wsa

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/wsatools/wsa/pkg/vrt"
)

// framer cuts the VRT byte stream into packets. Unlike a plain reader it
// keeps a partly received packet when a read times out, so a deadline (or
// a cancelled context) does not lose the stream's framing.
type framer struct {
	r          io.Reader
	buf        []byte
	start, end int
	offset     int64 // stream offset of buf[start]
}

// fill makes at least n bytes available from start.
func (f *framer) fill(n int) error {
	if f.end-f.start >= n {
		return nil
	}
	if n > len(f.buf) {
		nb := make([]byte, n)
		f.end = copy(nb, f.buf[f.start:f.end])
		f.start, f.buf = 0, nb
	} else if f.start+n > len(f.buf) {
		f.end = copy(f.buf, f.buf[f.start:f.end])
		f.start = 0
	}
	for f.end-f.start < n {
		m, err := f.r.Read(f.buf[f.end:])
		f.end += m
		if err != nil {
			if f.end-f.start >= n {
				return nil
			}
			if errors.Is(err, io.EOF) && f.end-f.start > 0 {
				return io.ErrUnexpectedEOF
			}
			return err
		}
	}
	return nil
}

// next returns the bytes of the next packet (valid until the next call).
func (f *framer) next() ([]byte, error) {
	if err := f.fill(4); err != nil {
		return nil, err
	}
	words := int(binary.BigEndian.Uint16(f.buf[f.start+2:]))
	if words == 0 {
		return nil, &vrt.FormatError{Offset: f.offset, Reason: "size field is 0", Err: vrt.ErrZeroSize}
	}
	n := 4 * words
	if err := f.fill(n); err != nil {
		return nil, err
	}
	b := f.buf[f.start : f.start+n]
	f.start += n
	f.offset += int64(n)
	return b, nil
}

// ReadPacket returns the next packet from the VRT connection. The packet
// and its Raw bytes are valid until the next call: copy what you keep.
// A read that times out or is cancelled can be retried; a malformed packet
// or a lost connection ends the stream (every later call returns the same
// error).
func (c *Client) ReadPacket(ctx context.Context) (*vrt.Packet, error) {
	c.dmu.Lock()
	defer c.dmu.Unlock()
	if c.dataErr != nil {
		return nil, c.dataErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	release := c.dataWait.watch(ctx, c.data, 0)
	b, err := c.fr.next()
	release()
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			if cerr := ctxErr(ctx); cerr != nil {
				return nil, fmt.Errorf("wsa: waiting for data: %w", cerr)
			}
			return nil, fmt.Errorf("wsa: waiting for data: %w", err)
		}
		var fe *vrt.FormatError
		switch {
		case errors.As(err, &fe):
			c.dataErr = fmt.Errorf("wsa: malformed VRT packet from the device: %w", err)
		case errors.Is(err, io.EOF):
			c.dataErr = fmt.Errorf("wsa: device closed the data connection: %w", err)
		default:
			c.dataErr = fmt.Errorf("wsa: data connection lost: %w", err)
		}
		return nil, c.dataErr
	}
	if err := c.pkt.Decode(b); err != nil {
		c.dataErr = fmt.Errorf("wsa: malformed VRT packet from the device at byte %d: %w", c.fr.offset-int64(len(b)), err)
		return nil, c.dataErr
	}
	return &c.pkt, nil
}

// Block is one captured block: the context the device sent before it and
// the samples of its data packets, concatenated.
type Block struct {
	Context    vrt.State
	I, Q       []int16
	Packets    int           // data packets
	Start      vrt.Timestamp // timestamp of the first data packet
	OverRange  bool          // a packet's trailer flagged ADC over-range
	SampleLoss bool          // a packet's trailer flagged lost samples
	Unlocked   bool          // a packet's trailer had reference lock cleared
}

// CaptureBlock captures one block of ppb packets of spp samples and
// returns it with its context (centre frequency, bandwidth, reference
// level…).
func (c *Client) CaptureBlock(ctx context.Context, spp, ppb int) (*Block, error) {
	if err := c.Capture(ctx, spp, ppb); err != nil {
		return nil, err
	}
	b := &Block{I: make([]int16, 0, spp*ppb), Q: make([]int16, 0, spp*ppb)}
	var cx vrt.Context
	for b.Packets < ppb {
		p, err := c.ReadPacket(ctx)
		if err != nil {
			return b, fmt.Errorf("wsa: block: after %d of %d packets: %w", b.Packets, ppb, err)
		}
		if p.Type.IsContext() {
			if err := cx.Decode(p); err != nil {
				return b, fmt.Errorf("wsa: block: context packet: %w", err)
			}
			b.Context.Update(&cx)
			continue
		}
		if !p.Type.IsData() || vrt.FormatOf(p) != vrt.FormatI14Q14 {
			continue
		}
		if b.Packets == 0 {
			b.Start = p.Timestamp
		}
		n := vrt.IQ16Count(p.Payload)
		off := len(b.I)
		b.I, b.Q = append(b.I, make([]int16, n)...), append(b.Q, make([]int16, n)...)
		vrt.DecodeIQ16(p.Payload, b.I[off:], b.Q[off:])
		b.Packets++
		if p.HasTrailer() {
			b.OverRange = b.OverRange || p.Trailer.Is(vrt.TrailerOverRange)
			b.SampleLoss = b.SampleLoss || p.Trailer.Is(vrt.TrailerSampleLoss)
			if v, en := p.Trailer.Flag(vrt.TrailerReferenceLock); en && !v {
				b.Unlocked = true
			}
		}
	}
	c.mu.Lock()
	c.started = false // the block is complete: nothing left to abort
	c.mu.Unlock()
	return b, nil
}
