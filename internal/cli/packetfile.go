package cli

import (
	"encoding/binary"
	"io"
	"io/fs"
	"os"
)

// PacketOutput returns the writer a tool should put under its packet writer
// (vrt.Writer) when the packets go to f. If f is a regular file (-o FILE,
// or stdout redirected to a file), a failed write (disk full, file size
// limit) truncates the file back to the end of the last whole packet (or
// VRL frame) written, so what is left is a valid stream that any reader
// takes to its end: a buffered writer that runs out of space otherwise
// leaves the first part of a packet behind. The error itself is returned
// unchanged. For pipes, terminals and devices f is returned as it is (a
// reader that goes away sees no more bytes at all; /dev/full takes none).
//
// The stream written must be whole VRT packets or VRL frames back to back,
// as vrt.Writer writes them; the file is only truncated when its size shows
// that nobody else wrote to it meanwhile.
func PacketOutput(f *os.File) io.Writer {
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return f
	}
	base, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return f
	}
	return newPacketFile(f, base, st.Size())
}

// truncater is what packetFile needs of an *os.File (a fake in tests).
type truncater interface {
	io.Writer
	Truncate(size int64) error
	Seek(offset int64, whence int) (int64, error)
	Stat() (fs.FileInfo, error)
}

// packetFile follows the packet boundaries of the bytes the file accepted.
type packetFile struct {
	f         truncater
	base      int64 // file offset of our first byte (plain writes)
	startSize int64 // file size when we started (O_APPEND writes go here)
	pos       int64 // bytes the file accepted
	whole     int64 // end of the last whole packet among them
	size      int64 // size of the packet starting at whole, 0 until its header is in
	hdr       [8]byte
	nh        int
	lost      bool // the bytes stopped looking like packets: whole stays where it was
	failed    bool
}

func newPacketFile(f truncater, base, startSize int64) *packetFile {
	return &packetFile{f: f, base: base, startSize: startSize}
}

const vrlFAW = 0x56524C50 // "VRLP", the first word of a VRL frame

func (w *packetFile) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	if n > 0 {
		w.track(p[:n])
	}
	if err != nil && !w.failed {
		w.failed = true
		w.cut()
	}
	return n, err
}

// cut removes a partly written packet from the end of the file.
func (w *packetFile) cut() {
	if w.whole == w.pos {
		return
	}
	st, err := w.f.Stat()
	if err != nil {
		return
	}
	var at int64
	switch st.Size() {
	case w.base + w.pos:
		at = w.base
	case w.startSize + w.pos:
		at = w.startSize // opened for appending (>>)
	default:
		return // someone else wrote too: leave the file alone
	}
	if w.f.Truncate(at+w.whole) == nil {
		w.f.Seek(at+w.whole, io.SeekStart)
	}
}

// track advances over b, the next bytes the file accepted.
func (w *packetFile) track(b []byte) {
	for !w.lost {
		if w.size == 0 {
			need := 4
			if w.nh >= 4 && binary.BigEndian.Uint32(w.hdr[:4]) == vrlFAW {
				need = 8
			}
			if w.nh < need {
				if len(b) == 0 {
					return
				}
				k := copy(w.hdr[w.nh:need], b)
				w.nh += k
				w.pos += int64(k)
				b = b[k:]
				continue
			}
			if need == 8 {
				w.size = int64(binary.BigEndian.Uint32(w.hdr[4:8])&0xfffff) * 4
			} else {
				w.size = int64(binary.BigEndian.Uint16(w.hdr[2:4])) * 4
			}
			if w.size < int64(need) {
				w.lost = true
				return
			}
		}
		if end := w.whole + w.size; w.pos == end {
			w.whole, w.size, w.nh = end, 0, 0
			continue
		}
		if len(b) == 0 {
			return
		}
		k := min(int64(len(b)), w.whole+w.size-w.pos)
		w.pos += k
		b = b[k:]
	}
}
