package dsp

import (
	"fmt"
	"math"
	"math/bits"

	"gonum.org/v1/gonum/dsp/fourier"
)

// Transformer is a forward DFT plan of one length: Transform replaces x
// (len(x) == Len()) by X[k] = Σ x[n]·e^(−2πi·k·n/N), unnormalised. Plans keep
// scratch state, so one plan must not be used by two goroutines at once.
type Transformer interface {
	Len() int
	Transform(x []complex128)
}

// NewFFT returns the plan the package uses for an n-point transform: the
// project's own radix-4/radix-2 FFT when n is a power of two (0 allocations,
// about 5× faster than go-dsp, docs/DSP.md), gonum's FFTPACK port otherwise
// (SPP is a multiple of 16, so 65520 and friends occur).
func NewFFT(n int) (Transformer, error) {
	if n < 1 {
		return nil, fmt.Errorf("dsp: FFT length %d must be at least 1", n)
	}
	if n&(n-1) == 0 {
		return newRadix(n), nil
	}
	return &gonumFFT{f: fourier.NewCmplxFFT(n)}, nil
}

// NewGonumFFT returns gonum's general FFT for any n (also powers of two), as
// a reference and for comparisons.
func NewGonumFFT(n int) (Transformer, error) {
	if n < 1 {
		return nil, fmt.Errorf("dsp: FFT length %d must be at least 1", n)
	}
	return &gonumFFT{f: fourier.NewCmplxFFT(n)}, nil
}

type gonumFFT struct{ f *fourier.CmplxFFT }

func (g *gonumFFT) Len() int { return g.f.Len() }

// Transform works in place (gonum documents dst == seq as safe) and does not
// allocate once the plan exists.
func (g *gonumFFT) Transform(x []complex128) { g.f.Coefficients(x, x) }

// radix is a power-of-two decimation-in-time FFT: a bit-reversal
// permutation, one radix-2 pass when log2(n) is odd, then radix-4 passes
// (two radix-2 stages fused, "radix-2²"), which halve the passes over memory
// and need 3 complex multiplications per 4 points instead of 4. Twiddles
// are computed once per plan with math.Sincos (no recurrence, so no error
// growth with n).
type radix struct {
	n     int
	rev   []uint32 // rev[k] is k with its log2(n) bits reversed
	swaps []uint32 // bit-reversal: pairs (a, b) with a < b, flattened
	odd   bool     // log2(n) odd: a radix-2 pass comes first
	// stages of the radix-4 passes, smallest first; tw holds, for each stage
	// with quarter length m, the twiddles W^j, W^2j, W^3j (W = e^(−2πi/4m))
	// for j = 0…m−1.
	stages []stage
	tw     []twiddle
}

type twiddle struct{ w1, w2, w3 complex128 }

type stage struct {
	m   int // quarter length: the pass combines four m-point DFTs
	off int // first twiddle of the stage in tw
}

func newRadix(n int) *radix {
	r := &radix{n: n, rev: []uint32{0}}
	if n <= 1 {
		return r
	}
	lg := bits.TrailingZeros(uint(n))
	r.rev = make([]uint32, n)
	for i := 0; i < n; i++ {
		j := int(bits.Reverse32(uint32(i)) >> (32 - lg))
		r.rev[i] = uint32(j)
		if i < j {
			r.swaps = append(r.swaps, uint32(i), uint32(j))
		}
	}
	m := 1
	if lg%2 == 1 {
		r.odd = true
		m = 2
	}
	for ; 4*m <= n; m *= 4 {
		r.stages = append(r.stages, stage{m: m, off: len(r.tw)})
		for j := 0; j < m; j++ {
			var w [3]complex128
			for p := range w {
				s, c := math.Sincos(-2 * math.Pi * float64((p+1)*j) / float64(4*m))
				w[p] = complex(c, s)
			}
			r.tw = append(r.tw, twiddle{w[0], w[1], w[2]})
		}
	}
	return r
}

func (r *radix) Len() int { return r.n }

// Transform computes the DFT of x in place.
func (r *radix) Transform(x []complex128) {
	n := r.n
	if len(x) != n {
		panic(fmt.Sprintf("dsp: FFT of length %d given %d values", n, len(x)))
	}
	sw := r.swaps
	for k := 0; k+1 < len(sw); k += 2 {
		a, b := sw[k], sw[k+1]
		x[a], x[b] = x[b], x[a]
	}
	if r.odd {
		for k := 0; k+1 < n; k += 2 {
			a, b := x[k], x[k+1]
			x[k], x[k+1] = a+b, a-b
		}
	}
	for _, st := range r.stages {
		m := st.m
		if m == 1 {
			// All twiddles are 1.
			for k := 0; k+3 < n; k += 4 {
				a, b, c, d := x[k], x[k+1], x[k+2], x[k+3]
				t0, t1, t2, t3 := a+b, a-b, c+d, c-d
				// −i·t3
				u := complex(imag(t3), -real(t3))
				x[k], x[k+1], x[k+2], x[k+3] = t0+t2, t1+u, t0-t2, t1-u
			}
			continue
		}
		tw := r.tw[st.off : st.off+m]
		for base := 0; base+4*m <= n; base += 4 * m {
			x0 := x[base : base+m]
			x1 := x[base+m : base+2*m][:len(x0)]
			x2 := x[base+2*m : base+3*m][:len(x0)]
			x3 := x[base+3*m : base+4*m][:len(x0)]
			tw := tw[:len(x0)]
			for j := range x0 {
				w := &tw[j]
				a := x0[j]
				b := w.w2 * x1[j]
				c := w.w1 * x2[j]
				d := w.w3 * x3[j]
				t0, t1 := a+b, a-b
				t2, t3 := c+d, c-d
				u := complex(imag(t3), -real(t3)) // −i·(c̃ − d̃)
				x0[j] = t0 + t2
				x1[j] = t1 + u
				x2[j] = t0 - t2
				x3[j] = t1 - u
			}
		}
	}
}

// TransformBitReversed computes the DFT of x in place but leaves it in
// bit-reversed order: X[k] ends up at x[Rev()[k]]. It is the transpose of
// Transform's flow graph (decimation in frequency: the radix-4 passes
// largest first, twiddles after the butterflies, then the radix-2 pass),
// so it needs no permutation pass; the chain reads the bins through Rev()
// while it shifts them, which at 16384 points saves a quarter of the FFT's
// time (a permutation is a pass of cache-unfriendly swaps).
func (r *radix) TransformBitReversed(x []complex128) {
	if len(x) != r.n {
		panic(fmt.Sprintf("dsp: FFT of length %d given %d values", r.n, len(x)))
	}
	if r.n > 1 {
		r.dif(x, len(r.stages)-1)
	}
}

// difLeaf is the block size (complex values) below which dif finishes a
// block stage by stage: 32 KiB, the size of L1.
const difLeaf = 2048

// dif runs stages s…0 (and the radix-2 pass) on x, whose length is the
// block size of stage s. Depth first: after the largest pass each quarter
// is finished on its own while it is still in cache, instead of every pass
// streaming the whole array (and the largest twiddle tables) through the
// caches again, which cost a third of the time at 16384 points.
func (r *radix) dif(x []complex128, s int) {
	if len(x) <= difLeaf || s < 1 {
		for ; s >= 0; s-- {
			difPass(x, r.stages[s], r.tw)
		}
		if r.odd {
			for k := 0; k+1 < len(x); k += 2 {
				a, b := x[k], x[k+1]
				x[k], x[k+1] = a+b, a-b
			}
		}
		return
	}
	difPass(x, r.stages[s], r.tw)
	q := len(x) / 4
	for i := 0; i < 4; i++ {
		r.dif(x[i*q:(i+1)*q], s-1)
	}
}

// difPass is one radix-4 decimation-in-frequency pass of stage st over
// every 4m-point block of x.
func difPass(x []complex128, st stage, tws []twiddle) {
	m, n := st.m, len(x)
	if m == 1 {
		for k := 0; k+3 < n; k += 4 {
			a, b, c, d := x[k], x[k+1], x[k+2], x[k+3]
			t0, t1, t2, t3 := a+c, a-c, b+d, b-d
			u := complex(imag(t3), -real(t3)) // −i·t3
			x[k], x[k+1], x[k+2], x[k+3] = t0+t2, t0-t2, t1+u, t1-u
		}
		return
	}
	tw := tws[st.off : st.off+m]
	for base := 0; base+4*m <= n; base += 4 * m {
		x0 := x[base : base+m]
		x1 := x[base+m : base+2*m][:len(x0)]
		x2 := x[base+2*m : base+3*m][:len(x0)]
		x3 := x[base+3*m : base+4*m][:len(x0)]
		tw := tw[:len(x0)]
		for j := range x0 {
			w := &tw[j]
			a, b, c, d := x0[j], x1[j], x2[j], x3[j]
			t0, t1 := a+c, a-c
			t2, t3 := b+d, b-d
			u := complex(imag(t3), -real(t3)) // −i·(b − d)
			x0[j] = t0 + t2
			x1[j] = (t0 - t2) * w.w2
			x2[j] = (t1 + u) * w.w1
			x3[j] = (t1 - u) * w.w3
		}
	}
}

// Rev returns the bit-reversal table of TransformBitReversed's output.
func (r *radix) Rev() []uint32 { return r.rev }
