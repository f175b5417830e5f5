package longpoll

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/wsatools/wsa/pkg/vrt"
)

// drainHub reads everything a hub holds from sequence 0.
func drainHub(t *testing.T, h *Hub) []byte {
	t.Helper()
	var out []byte
	for next := uint64(0); ; {
		b, data := read(t, h, StreamQuery{From: Seq(next), Client: "drain", Wait: MaxWait})
		out = append(out, data...)
		next = b.Next
		if b.EOF {
			return out
		}
	}
}

// TestReadFromPipe: a long stream through an OS pipe (short reads, packets
// split across chunks) into a small lossless buffer comes out intact.
func TestReadFromPipe(t *testing.T) {
	in := join(stream(4000, 30))
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for off := 0; off < len(in); off += 10007 { // odd sizes: headers split too
			pw.Write(in[off:min(off+10007, len(in))])
		}
		pw.Close()
	}()
	h := NewHub(HubOptions{BufferBytes: 1 << 20})
	done := make(chan error, 1)
	var n int64
	go func() { n, err = h.ReadFrom(context.Background(), pr); done <- err }()
	got := drainHub(t, h)
	if err := <-done; err != nil || n != 4000 {
		t.Fatalf("ReadFrom: %d packets, %v", n, err)
	}
	if sum(got) != sum(in) {
		t.Fatal("stream changed on the way through the hub")
	}
}

// TestReadFromVRL: VRL frames are unwrapped into the packets they carry.
func TestReadFromVRL(t *testing.T) {
	pkts := stream(300, 31)
	var framed bytes.Buffer
	w := vrt.NewWriter(&framed, vrt.WriterOptions{VRL: true})
	for _, p := range pkts {
		w.WritePacket(p)
	}
	w.Flush()
	h := NewHub(HubOptions{})
	if n, err := h.ReadFrom(context.Background(), &framed); err != nil || n != 300 {
		t.Fatalf("%d packets, %v", n, err)
	}
	if got := drainHub(t, h); !bytes.Equal(got, join(pkts)) {
		t.Fatal("VRL packets differ")
	}
}

// TestReadFromDamage: damaged input keeps what came before it and names the
// packet and byte offset, as vrt.Reader does.
func TestReadFromDamage(t *testing.T) {
	good := join(stream(5, 32))
	tests := []struct {
		name  string
		tail  []byte
		cause error
	}{
		{"zero size", []byte{0x10, 0, 0, 0, 1, 2, 3, 4}, vrt.ErrZeroSize},
		{"size below header", []byte{0x18, 0, 0, 1, 1, 2, 3, 4}, vrt.ErrBadHeader},
		{"truncated packet", []byte{0x10, 0, 0, 9, 1, 2, 3, 4}, vrt.ErrTruncated},
		{"stray bytes", []byte{0x10, 0}, vrt.ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := NewHub(HubOptions{})
			n, err := h.ReadFrom(context.Background(), io.MultiReader(bytes.NewReader(good), bytes.NewReader(tt.tail)))
			var fe *vrt.FormatError
			if !errors.As(err, &fe) || !errors.Is(err, tt.cause) || fe.Index != 5 || fe.Offset != int64(len(good)) || n != 5 {
				t.Fatalf("%d packets, error %v", n, err)
			}
			b, data := read(t, h, StreamQuery{From: Oldest})
			if !bytes.Equal(data, good) || !b.EOF || b.InputError == "" {
				t.Fatalf("kept %d bytes, EOF %v, input error %q", len(data), b.EOF, b.InputError)
			}
		})
	}
}
