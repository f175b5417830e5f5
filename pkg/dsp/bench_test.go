package dsp

import (
	"fmt"
	"math/rand/v2"
	"testing"

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
