package dsp

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/wsatools/wsa/pkg/wsa/sim"

	godsp "github.com/mjibson/go-dsp/fft"
)

// msps reports the domain's unit: mega samples per second.
func msps(b *testing.B, n int) {
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e6, "MS/s")
}

// BenchmarkFFT compares the plans side by side (ratios matter, not the
// absolute numbers on a shared machine), in MS/s of complex samples.
func BenchmarkFFT(b *testing.B) {
	for _, n := range []int{1024, 16384, 65520} {
		x := randomSignal(rand.New(rand.NewPCG(1, 2)), n)
		own, _ := NewFFT(n)
		g, _ := NewGonumFFT(n)
		impls := []struct {
			name string
			run  func()
		}{
			{"own", func() { own.Transform(x) }},
			{"gonum", func() { g.Transform(x) }},
			{"godsp", func() { copy(x, godsp.FFT(x)) }},
		}
		for _, im := range impls {
			if im.name == "own" && n&(n-1) != 0 {
				continue // NewFFT hands out gonum there
			}
			b.Run(fmt.Sprintf("%s/n=%d", im.name, n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					im.run()
				}
				msps(b, n)
			})
		}
	}
}

// BenchmarkStream is the whole wsa-fft stage in memory (framing, context,
// decode, chain, dB, encoding), one FFT per packet.
func BenchmarkStream(b *testing.B) {
	for _, n := range []int{1024, 16384} {
		ppb := (1 << 20) / n // 1 Mi samples: buffers set up per run are amortised
		in := simCapture(b, sim.Config{}, tune(2.41e9, 0, 1), n, ppb, 1)
		samples := ppb * n
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			s, err := NewStream(StreamConfig{})
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				if err := s.Run(context.Background(), bytes.NewReader(in), io.Discard); err != nil {
					b.Fatal(err)
				}
			}
			msps(b, samples)
		})
	}
}

// BenchmarkFFTBitReversed is the transform the chain runs (no permutation
// pass), at the packet sizes of the bench script.
func BenchmarkFFTBitReversed(b *testing.B) {
	for _, n := range []int{1024, 16384, 65536} {
		x := randomSignal(rand.New(rand.NewPCG(1, 2)), n)
		r := newRadix(n)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			for b.Loop() {
				r.TransformBitReversed(x)
			}
			msps(b, n)
		})
	}
}
