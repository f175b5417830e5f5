package dsp

import (
	"cmp"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"

	godsp "github.com/mjibson/go-dsp/fft"
)

// dft is the definition, O(n²), as the reference at small n.
func dft(x []complex128) []complex128 {
	n := len(x)
	out := make([]complex128, n)
	for k := range out {
		var s complex128
		for j, v := range x {
			// Reduce k·j mod n first so the angle stays small and exact.
			s += v * cmplx.Rect(1, -2*math.Pi*float64((k*j)%n)/float64(n))
		}
		out[k] = s
	}
	return out
}

func randomSignal(rng *rand.Rand, n int) []complex128 {
	x := make([]complex128, n)
	for i := range x {
		x[i] = complex(rng.NormFloat64(), rng.NormFloat64())
	}
	return x
}

// maxRelErr is max |a−b| relative to max |b|.
func maxRelErr(a, b []complex128) float64 {
	var e, m float64
	for i := range b {
		e = max(e, cmplx.Abs(a[i]-b[i]))
		m = max(m, cmplx.Abs(b[i]))
	}
	return e / cmp.Or(m, 1)
}

// TestFFTAgainstDFT: both plans NewFFT hands out (own radix for powers of
// two, gonum otherwise) match the direct DFT at small sizes, including the
// edge cases 1, 2, 4 and odd log2 (8, 32, 128) and non-powers-of-two that
// SPP or --bins can produce.
func TestFFTAgainstDFT(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 3, 4, 5, 8, 12, 16, 32, 48, 64, 100, 128, 256, 240, 512} {
		f, err := NewFFT(n)
		if err != nil {
			t.Fatal(err)
		}
		x := randomSignal(rng, n)
		want := dft(x)
		got := append([]complex128(nil), x...)
		f.Transform(got)
		if e := maxRelErr(got, want); e > 1e-12 {
			t.Errorf("n=%d (%T): max relative error %.3g vs direct DFT", n, f, e)
		}
	}
}

// TestFFTAgainstGoDSP compares with go-dsp's fft.FFT (the reference the
// project measured against) at the sizes wsa-fft actually runs, powers of
// two and SPP multiples of 16 that are not.
func TestFFTAgainstGoDSP(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1024, 4096, 16384, 65536, 1040, 65520} {
		if testing.Short() && n > 16384 {
			continue
		}
		f, err := NewFFT(n)
		if err != nil {
			t.Fatal(err)
		}
		x := randomSignal(rng, n)
		want := godsp.FFT(x)
		got := append([]complex128(nil), x...)
		f.Transform(got)
		// go-dsp's Bluestein path (non-powers of two) is itself only good to
		// ~1e-11 at n = 65520; its radix-2 path agrees to rounding.
		tol := 1e-12
		if n&(n-1) != 0 {
			tol = 1e-10
		}
		if e := maxRelErr(got, want); e > tol {
			t.Errorf("n=%d: max relative error %.3g vs go-dsp", n, e)
		}
	}
}

// TestFFTOwnMatchesGonum checks the power-of-two path against gonum's
// general plan, the fallback for other sizes, so both agree on every size.
func TestFFTOwnMatchesGonum(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for lg := 0; lg <= 14; lg++ {
		n := 1 << lg
		own, _ := NewFFT(n)
		if _, ok := own.(*radix); !ok {
			t.Fatalf("n=%d: NewFFT gave %T, want the own radix plan", n, own)
		}
		g, _ := NewGonumFFT(n)
		x := randomSignal(rng, n)
		a := append([]complex128(nil), x...)
		b := append([]complex128(nil), x...)
		own.Transform(a)
		g.Transform(b)
		if e := maxRelErr(a, b); e > 1e-12 {
			t.Errorf("n=%d: own vs gonum %.3g", n, e)
		}
	}
}

// TestFFTTone: a complex exponential on bin k transforms to n at k and ~0
// elsewhere (sign convention e^(−2πikn/N), the one numpy and pyrf use).
func TestFFTTone(t *testing.T) {
	for _, n := range []int{8, 1024, 1000} {
		f, _ := NewFFT(n)
		for _, k := range []int{0, 1, n / 3, n - 1} {
			x := make([]complex128, n)
			for i := range x {
				x[i] = cmplx.Rect(1, 2*math.Pi*float64(k*i%n)/float64(n))
			}
			f.Transform(x)
			for j, v := range x {
				want := 0.0
				if j == k {
					want = float64(n)
				}
				if cmplx.Abs(v-complex(want, 0)) > 1e-9*float64(n) {
					t.Fatalf("n=%d tone on bin %d: X[%d] = %v, want %v", n, k, j, v, want)
				}
			}
		}
	}
}

func TestFFTNoAllocs(t *testing.T) {
	for _, n := range []int{1024, 16384, 65520} {
		f, _ := NewFFT(n)
		x := randomSignal(rand.New(rand.NewPCG(1, 1)), n)
		if a := testing.AllocsPerRun(20, func() { f.Transform(x) }); a != 0 {
			t.Errorf("n=%d (%T): %v allocations per transform", n, f, a)
		}
	}
}

func TestFFTBadLength(t *testing.T) {
	if _, err := NewFFT(0); err == nil {
		t.Error("NewFFT(0) succeeded")
	}
	f, _ := NewFFT(8)
	defer func() {
		if recover() == nil {
			t.Error("transform of the wrong length did not panic")
		}
	}()
	f.Transform(make([]complex128, 4))
}

// TestBitReversedTransform: the decimation-in-frequency form gives the same
// bins as Transform, stored at their bit-reversed index.
func TestBitReversedTransform(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for lg := 0; lg <= 16; lg++ { // past difLeaf, odd and even: depth-first blocks
		n := 1 << lg
		r := newRadix(n)
		x := randomSignal(rng, n)
		want := append([]complex128(nil), x...)
		r.Transform(want)
		got := append([]complex128(nil), x...)
		r.TransformBitReversed(got)
		rev := r.Rev()
		var e, m float64
		for k := range want {
			e = max(e, cmplx.Abs(got[rev[k]]-want[k]))
			m = max(m, cmplx.Abs(want[k]))
		}
		if e/cmp.Or(m, 1) > 1e-13 {
			t.Errorf("n=%d: bit-reversed transform differs by %.3g", n, e/m)
		}
		if a := testing.AllocsPerRun(5, func() { r.TransformBitReversed(got) }); a != 0 {
			t.Errorf("n=%d: %v allocations", n, a)
		}
	}
}
