//go:build godsp

package main

import (
	godsp "github.com/mjibson/go-dsp/fft"

	"github.com/wsatools/wsa/pkg/dsp"
)

// With -tags godsp, --fft-impl godsp puts go-dsp's fft.FFT under the same
// stage: scripts/bench.d/fft.sh measures the project's FFT against it in
// one run. go-dsp is not linked into the normal build.
func init() {
	fftImpls["godsp"] = func(n int) (dsp.Transformer, error) { return godspFFT(n), nil }
}

type godspFFT int

func (g godspFFT) Len() int { return int(g) }

// Transform uses go-dsp as designed: it returns a new slice per call.
func (g godspFFT) Transform(x []complex128) { copy(x, godsp.FFT(x)) }
