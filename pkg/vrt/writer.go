package vrt

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
)

// WriterOptions tune a Writer.
type WriterOptions struct {
	// VRL wraps packets in VITA-49.1 frames ("VRLP" … CRC-32) for archives.
	VRL bool
	// FrameBytes is the VRL frame payload target (default 64 KiB): a frame
	// is closed when the next packet would exceed it.
	FrameBytes int
	// BufferSize of the underlying bufio.Writer (default 256 KiB).
	BufferSize int
}

// Writer writes packets back to back, optionally in VRL frames. It buffers:
// call Flush before closing the destination.
type Writer struct {
	bw     *bufio.Writer
	opt    WriterOptions
	frame  []byte
	frames uint32
}

// NewWriter returns a Writer over w.
func NewWriter(w io.Writer, opt WriterOptions) *Writer {
	size := opt.BufferSize
	if size <= 0 {
		size = 256 << 10
	}
	if opt.FrameBytes <= 0 {
		opt.FrameBytes = 64 << 10
	}
	return &Writer{bw: bufio.NewWriterSize(w, size), opt: opt}
}

// WritePacket writes one packet's bytes, which must be exactly the packet
// its header word describes.
func (w *Writer) WritePacket(b []byte) error {
	if len(b) < 4 || SizeOf(b) != len(b) {
		return fmt.Errorf("vrt: WritePacket: %d bytes do not form one packet", len(b))
	}
	if !w.opt.VRL {
		_, err := w.bw.Write(b)
		return err
	}
	if len(w.frame) > 8 && len(w.frame)+len(b) > w.opt.FrameBytes+8 {
		if err := w.closeFrame(); err != nil {
			return err
		}
	}
	if len(w.frame) == 0 {
		w.frame = append(w.frame, 0, 0, 0, 0, 0, 0, 0, 0)
	}
	w.frame = append(w.frame, b...)
	return nil
}

// Write writes whole packets from p (any number, back to back) so a Writer
// can stand where an io.Writer is expected. p must end on a packet boundary.
func (w *Writer) Write(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(p)-n < 4 {
			return n, fmt.Errorf("vrt: Write: %d trailing bytes are not a packet", len(p)-n)
		}
		size := SizeOf(p[n:])
		if size == 0 || n+size > len(p) {
			return n, fmt.Errorf("vrt: Write: packet at byte %d does not fit the buffer", n)
		}
		if err := w.WritePacket(p[n : n+size]); err != nil {
			return n, err
		}
		n += size
	}
	return n, nil
}

func (w *Writer) closeFrame() error {
	if len(w.frame) <= 8 {
		return nil
	}
	words := (len(w.frame) + 4) / 4
	binary.BigEndian.PutUint32(w.frame[0:], vrlFAW)
	binary.BigEndian.PutUint32(w.frame[4:], (w.frames&0xfff)<<20|uint32(words))
	w.frame = binary.BigEndian.AppendUint32(w.frame, crc32.ChecksumIEEE(w.frame))
	w.frames++
	_, err := w.bw.Write(w.frame)
	w.frame = w.frame[:0]
	return err
}

// Flush closes any open VRL frame and flushes buffered bytes.
func (w *Writer) Flush() error {
	if err := w.closeFrame(); err != nil {
		return err
	}
	return w.bw.Flush()
}
