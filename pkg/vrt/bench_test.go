package vrt

import (
	"io"
	"os"
	"testing"
)

// benchStream is 1024-sample I14Q14 packets, the throughput case of issue #2.
func benchStream(b *testing.B) []byte {
	b.Helper()
	var all []byte
	for len(all) < 32<<20 {
		all = append(all, dataPacket(uint8(len(all)/4100%16), 1024, 3)...)
	}
	return all
}

// throughPipe feeds in through a real OS pipe (1 MiB writes, as an upstream
// tool would) into stage, which writes to /dev/null.
func throughPipe(b *testing.B, in []byte, stage func(io.Reader, io.Writer) error) {
	b.Helper()
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer null.Close()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
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
		if err := stage(pr, null); err != nil {
			b.Fatal(err)
		}
		pr.Close()
	}
}

// BenchmarkPassThrough frames and rewrites every packet (Reader + Writer).
func BenchmarkPassThrough(b *testing.B) {
	throughPipe(b, benchStream(b), func(src io.Reader, dst io.Writer) error {
		r := NewReader(src, ReaderOptions{})
		w := NewWriter(dst, WriterOptions{})
		for {
			p, err := r.Next()
			if err == io.EOF {
				return w.Flush()
			}
			if err != nil {
				return err
			}
			if err := w.WritePacket(p.Raw); err != nil {
				return err
			}
		}
	})
}

// BenchmarkIOCopy is the baseline: the same bytes, same pipe, io.Copy with a 1 MiB buffer.
func BenchmarkIOCopy(b *testing.B) {
	buf := make([]byte, 1<<20)
	throughPipe(b, benchStream(b), func(src io.Reader, dst io.Writer) error {
		_, err := io.CopyBuffer(struct{ io.Writer }{dst}, struct{ io.Reader }{src}, buf)
		return err
	})
}
