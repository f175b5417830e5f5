package cli

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// fullFile is a file on a disk that takes `room` more bytes, then fails
// with ENOSPC (a write that does not fit writes what fits, like write(2)).
type fullFile struct {
	data   []byte
	off    int64
	room   int
	append bool
}

func (f *fullFile) Write(p []byte) (int, error) {
	n := min(len(p), f.room)
	if f.append {
		f.off = int64(len(f.data))
	}
	for int64(len(f.data)) < f.off+int64(n) {
		f.data = append(f.data, 0)
	}
	copy(f.data[f.off:], p[:n])
	f.off += int64(n)
	f.room -= n
	if n < len(p) {
		return n, &fs.PathError{Op: "write", Path: "x.vrt", Err: syscall.ENOSPC}
	}
	return n, nil
}

func (f *fullFile) Truncate(size int64) error {
	if size > int64(len(f.data)) {
		return errors.New("grow")
	}
	f.data = f.data[:size]
	return nil
}

func (f *fullFile) Seek(off int64, whence int) (int64, error) {
	if whence != io.SeekStart {
		return 0, errors.New("whence")
	}
	f.off = off
	return off, nil
}

func (f *fullFile) Stat() (fs.FileInfo, error) { return sizeInfo(len(f.data)), nil }

type sizeInfo int64

func (s sizeInfo) Name() string       { return "x.vrt" }
func (s sizeInfo) Size() int64        { return int64(s) }
func (s sizeInfo) Mode() fs.FileMode  { return 0o644 }
func (s sizeInfo) ModTime() time.Time { return time.Time{} }
func (s sizeInfo) IsDir() bool        { return false }
func (s sizeInfo) Sys() any           { return nil }

// testStream returns packets (sizes 1 to 300 words; VRL frames of them when
// vrl) back to back, and the offsets where each packet or frame ends.
func testStream(r *rand.Rand, n int, vrl bool) (stream []byte, ends []int) {
	for range n {
		words := 1 + r.IntN(300)
		if r.IntN(10) == 0 {
			words = 1 + r.IntN(3)
		}
		pkt := make([]byte, 4*words)
		binary.BigEndian.PutUint32(pkt, uint32(0x1<<28|words))
		for i := 4; i < len(pkt); i++ {
			pkt[i] = byte(r.Uint32())
		}
		if vrl && r.IntN(2) == 0 {
			fr := binary.BigEndian.AppendUint32(nil, vrlFAW)
			fr = binary.BigEndian.AppendUint32(fr, uint32(2+words+1))
			fr = append(fr, pkt...)
			pkt = binary.BigEndian.AppendUint32(fr, 0x56454E44)
		}
		stream = append(stream, pkt...)
		ends = append(ends, len(stream))
	}
	return stream, ends
}

// writeChunks writes b in random pieces, as a buffered writer would, until
// the first error.
func writeChunks(r *rand.Rand, w io.Writer, b []byte) error {
	for len(b) > 0 {
		k := min(len(b), 1+r.IntN(3000))
		if _, err := w.Write(b[:k]); err != nil {
			return err
		}
		b = b[k:]
	}
	return nil
}

func lastEndAtMost(ends []int, n int) int {
	last := 0
	for _, e := range ends {
		if e <= n {
			last = e
		}
	}
	return last
}

func TestPacketFileKeepsWholePackets(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 500 {
		vrl := trial%2 == 1
		stream, ends := testStream(r, 1+r.IntN(40), vrl)
		room := r.IntN(len(stream) + 100)
		prefix := []byte("earlier output")
		f := &fullFile{data: append([]byte{}, prefix...), off: int64(len(prefix)), room: room}
		w := newPacketFile(f, int64(len(prefix)), int64(len(prefix)))
		err := writeChunks(r, w, stream)
		if room >= len(stream) {
			if err != nil || !bytes.Equal(f.data[len(prefix):], stream) {
				t.Fatalf("trial %d: everything fits, got err %v and %d bytes", trial, err, len(f.data)-len(prefix))
			}
			continue
		}
		if !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("trial %d: error %v, want ENOSPC unchanged", trial, err)
		}
		want := stream[:lastEndAtMost(ends, room)]
		if !bytes.Equal(f.data[:len(prefix)], prefix) || !bytes.Equal(f.data[len(prefix):], want) {
			t.Fatalf("trial %d (vrl %v): %d bytes fit, file keeps %d, want the %d of the whole packets among them",
				trial, vrl, room, len(f.data)-len(prefix), len(want))
		}
	}
}

func TestPacketFileAppend(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	stream, ends := testStream(r, 20, false)
	// Opened with O_APPEND: the offset says 0, the data goes after what was there.
	f := &fullFile{data: []byte("0123456789ab"), append: true, room: len(stream) / 2}
	w := newPacketFile(f, 0, 12)
	if err := writeChunks(r, w, stream); err == nil {
		t.Fatal("no error from a full disk")
	}
	if want := append([]byte("0123456789ab"), stream[:lastEndAtMost(ends, len(stream)/2)]...); !bytes.Equal(f.data, want) {
		t.Fatalf("append: file has %d bytes, want %d", len(f.data), len(want))
	}
}

func TestPacketFileLeavesOthersWritesAlone(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	stream, _ := testStream(r, 20, false)
	f := &fullFile{room: len(stream) / 2}
	w := newPacketFile(f, 0, 0)
	w.Write(stream[:100])
	f.data = append(f.data, "someone else"...) // another writer on the same file
	f.off = int64(len(f.data))
	writeChunks(r, w, stream[100:])
	if len(f.data) != 100+12+len(stream)/2-100 {
		t.Fatalf("file of %d bytes was truncated though another writer used it", len(f.data))
	}
}

func TestPacketOutputOnlyWrapsRegularFiles(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	if w := PacketOutput(pw); w != io.Writer(pw) {
		t.Fatalf("a pipe got %T", w)
	}
	f, err := os.Create(filepath.Join(t.TempDir(), "x.vrt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.WriteString("abcd")
	w := PacketOutput(f)
	pf, ok := w.(*packetFile)
	if !ok || pf.base != 4 || pf.startSize != 4 {
		t.Fatalf("a regular file got %T %+v", w, w)
	}
	// A real file: whole packets go through unchanged.
	stream, _ := testStream(rand.New(rand.NewPCG(7, 8)), 10, true)
	if _, err := w.Write(stream); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(f.Name())
	if !bytes.Equal(got, append([]byte("abcd"), stream...)) {
		t.Fatal("file content differs")
	}
}

// FuzzPacketFile: whatever the packets, the chunking and the room left,
// the file keeps exactly the whole packets (or frames) that fitted.
func FuzzPacketFile(f *testing.F) {
	f.Add(uint64(1), uint16(10), uint32(5000), false)
	f.Add(uint64(2), uint16(3), uint32(7), true)
	f.Add(uint64(3), uint16(0), uint32(0), true)
	f.Fuzz(func(t *testing.T, seed uint64, n uint16, room uint32, vrl bool) {
		r := rand.New(rand.NewPCG(seed, 9))
		stream, ends := testStream(r, int(n%64), vrl)
		fitted := int(room % uint32(len(stream)+64))
		ff := &fullFile{room: fitted}
		err := writeChunks(r, newPacketFile(ff, 0, 0), stream)
		want := stream
		if err != nil {
			if !errors.Is(err, syscall.ENOSPC) || fitted >= len(stream) {
				t.Fatalf("error %v with room for %d of %d bytes", err, fitted, len(stream))
			}
			want = stream[:lastEndAtMost(ends, fitted)]
		}
		if !bytes.Equal(ff.data, want) {
			t.Fatalf("file keeps %d bytes, want %d", len(ff.data), len(want))
		}
	})
}
