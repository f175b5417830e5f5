package longpoll

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/wsatools/wsa/pkg/vrt"
)

const vrlFAW = 0x56524C50 // "VRLP", the first word of a VITA-49.1 frame

// ReadFrom reads a VRT packet stream from r into the hub until r ends, then
// closes the input (CloseInput(nil)). Bare packets are read straight into
// the buffer's memory, with no copy; a stream of VRL frames (VITA-49.1) is
// unwrapped through vrt.Reader. A damaged stream closes the input with a
// *vrt.FormatError (packet index and byte offset), which ReadFrom also
// returns wrapped; every packet before the damage is kept. ReadFrom returns
// the number of packets appended. It is the hub's one producer while it
// runs (see Append).
func (h *Hub) ReadFrom(ctx context.Context, r io.Reader) (int64, error) {
	var (
		n      int64 // packets appended
		off    int64 // input bytes of those packets
		filled int   // bytes read into c.buf
		c      *chunk
		used   int // bytes of c.buf that are packets of the hub
	)
	fail := func(err error) (int64, error) {
		h.CloseInput(err)
		return n, err
	}
	h.mu.Lock()
	if h.cur == nil {
		h.newChunkLocked(0, nil)
	}
	c, used = h.cur, h.curUsed
	h.mu.Unlock()
	filled = used
	for {
		k, rerr := r.Read(c.buf[filled:])
		filled += k
		// Hand every whole packet read so far to the hub.
		h.mu.Lock()
		for filled-used >= 4 {
			w := binary.BigEndian.Uint32(c.buf[used:])
			if w == vrlFAW {
				h.mu.Unlock()
				return h.readVRL(ctx, io.MultiReader(bytes.NewReader(bytes.Clone(c.buf[used:filled])), r), n, off)
			}
			hd := vrt.DecodeHeader(w)
			size := int(hd.Size) * 4
			switch {
			case hd.Size == 0:
				h.mu.Unlock()
				return fail(fmt.Errorf("input: %w", &vrt.FormatError{Index: n, Offset: off, Reason: "size field is 0", Err: vrt.ErrZeroSize}))
			case int(hd.Size) < hd.MinWords():
				h.mu.Unlock()
				return fail(fmt.Errorf("input: %w", &vrt.FormatError{Index: n, Offset: off, Err: vrt.ErrBadHeader,
					Reason: fmt.Sprintf("size %d words is smaller than the %d its header announces (type %v)", hd.Size, hd.MinWords(), hd.Type)}))
			}
			if filled-used < size {
				break
			}
			if err := h.reserveLocked(ctx, size); err != nil {
				h.mu.Unlock()
				return n, fmt.Errorf("input packet %d: %w", n, err)
			}
			h.pushLocked(size)
			used += size
			off += int64(size)
			n++
		}
		if filled == len(c.buf) {
			// The chunk is full: carry the start of the next packet over.
			h.newChunkLocked(0, c.buf[used:filled])
			c = h.cur
			filled -= used
			used = 0
		}
		h.mu.Unlock()
		switch {
		case rerr == io.EOF:
			if left := filled - used; left > 0 {
				reason := fmt.Sprintf("truncated: %d stray bytes at the end of input", left)
				if left >= 4 {
					reason = fmt.Sprintf("truncated: header says %d bytes, only %d remain", vrt.SizeOf(c.buf[used:]), left)
				}
				return fail(fmt.Errorf("input: %w", &vrt.FormatError{Index: n, Offset: off, Reason: reason, Err: vrt.ErrTruncated}))
			}
			h.CloseInput(nil)
			return n, nil
		case rerr != nil:
			return fail(fmt.Errorf("input: reading packet %d at byte offset %d: %w", n, off, rerr))
		}
	}
}

// readVRL carries on from packet n (input byte off) with a stream that
// holds VRL frames, copying each packet into the hub.
func (h *Hub) readVRL(ctx context.Context, r io.Reader, n, off int64) (int64, error) {
	base := n
	rd := vrt.NewReader(r, vrt.ReaderOptions{})
	for {
		p, err := rd.Next()
		if err == io.EOF {
			h.CloseInput(nil)
			return n, nil
		}
		if err != nil {
			var fe *vrt.FormatError
			if errors.As(err, &fe) {
				fe.Index += base
				fe.Offset += off
			}
			err = fmt.Errorf("input: %w", err)
			h.CloseInput(err)
			return n, err
		}
		if err := h.Append(ctx, p.Raw); err != nil {
			return n, fmt.Errorf("input packet %d: %w", n, err)
		}
		n++
	}
}
