package longpoll

import (
	"context"
	"io"
	"os"
	"testing"
)

// BenchmarkServePull: packets through a real OS pipe into a hub, over
// loopback HTTP to Pull, into io.Discard (throughput of the whole path).
func BenchmarkServePull(b *testing.B) {
	var in []byte
	for i := 0; len(in) < 64<<20; i++ {
		in = append(in, packet(uint64(i), 4096)...)
	}
	b.SetBytes(int64(len(in)))
	ctx := context.Background()
	for b.Loop() {
		pr, pw, err := os.Pipe()
		if err != nil {
			b.Fatal(err)
		}
		go func() {
			for off := 0; off < len(in); off += 1 << 20 {
				pw.Write(in[off:min(off+1<<20, len(in))])
			}
			pw.Close()
		}()
		h := NewHub(HubOptions{BufferBytes: 64 << 20})
		srv := serve(b, "", NewHandler(h, ServerOptions{}))
		done := make(chan error, 1)
		go func() { _, err := h.ReadFrom(ctx, pr); done <- err }()
		_, err = Pull(ctx, io.Discard, []string{srv.url()}, PullOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		pr.Close()
		srv.kill()
	}
}
