package dsp

import "math"

// FloorDB is what a bin without energy reads: a finite floor instead of
// −Inf, so averages, plots and text tools never meet an infinity. Real
// captures sit more than 100 dB above it (the 14-bit ADC alone leaves noise
// near −130 dBFS per bin even at 65520 points).
const FloorDB = -300

// floorPow is 10^(FloorDB/10).
const floorPow = 1e-30

// log10of2 is a literal: math.Log10(2) is a function call at run time, and
// was once the most expensive part of PowerDB.
const log10of2 = 0.30102999566398119521

// PowerDB returns 10·log10(p) (dB of a power ratio), FloorDB for p ≤ 1e-30.
// It is the fast form the stage uses (math.Log10 costs more than the FFT
// itself at N = 1024, perf-notes §3): the exponent from the float's bits,
// the mantissa reduced without a branch to m = 1 + f ∈ [√½, √2), and
// 10·log10(1 + f) = f·P(f) with P a degree-6 polynomial interpolating
// 10·log10(1 + f)/f at Chebyshev nodes of that interval (computed at
// start-up from math.Log1p). The error against 10·math.Log10 is below
// 2e-6 dB (TestPowerDBAccuracy), under the resolution of the float32 bins.
func PowerDB(p float64) float64 {
	if !(p > floorPow) { // also catches NaN
		if p != p {
			return p
		}
		return FloorDB
	}
	if p > math.MaxFloat64 {
		return p
	}
	return fastDB(p)
}

// logPoly holds P's coefficients, lowest order first.
var logPoly = chebyshevFit(func(f float64) float64 {
	if f == 0 {
		return 10 / math.Ln10
	}
	return 10 * math.Log1p(f) / math.Ln10 / f
}, math.Sqrt(0.5)-1, math.Sqrt2-1)

// fastDB is PowerDB for finite p > floorPow.
func fastDB(p float64) float64 {
	// Branch-free reduction to m ∈ [√½, √2) (the trick of musl's log):
	// adding 2^52 − mantissa(√½) to the bits carries into the exponent
	// exactly when the mantissa is at least that of √2.
	const sqrtHalf = 0x3fe6a09e667f3bcd // bits of √½
	b := math.Float64bits(p) + (0x3ff0000000000000 - sqrtHalf)
	e := int64(b>>52) - 1023
	f := math.Float64frombits(b&(1<<52-1)+sqrtHalf) - 1
	c := &logPoly
	f2 := f * f
	q := (c[0] + c[1]*f) + f2*((c[2]+c[3]*f)+f2*((c[4]+c[5]*f)+f2*c[6]))
	return float64(e)*(10*log10of2) + f*q
}

// chebyshevFit returns the monomial coefficients of the degree-6
// polynomial that interpolates g at the Chebyshev nodes of [a, b] (close
// to the best uniform approximation), by solving the 7×7 Vandermonde system
// with partial pivoting.
func chebyshevFit(g func(float64) float64, a, b float64) [7]float64 {
	const n = 7
	var m [n][n + 1]float64
	for i := 0; i < n; i++ {
		x := (a+b)/2 + (b-a)/2*math.Cos(math.Pi*(float64(i)+0.5)/n)
		p := 1.0
		for j := 0; j < n; j++ {
			m[i][j] = p
			p *= x
		}
		m[i][n] = g(x)
	}
	for c := 0; c < n; c++ {
		piv := c
		for r := c + 1; r < n; r++ {
			if math.Abs(m[r][c]) > math.Abs(m[piv][c]) {
				piv = r
			}
		}
		m[c], m[piv] = m[piv], m[c]
		for r := 0; r < n; r++ {
			if r != c {
				k := m[r][c] / m[c][c]
				for j := c; j <= n; j++ {
					m[r][j] -= k * m[c][j]
				}
			}
		}
	}
	var co [7]float64
	for i := range co {
		co[i] = m[i][n] / m[i][i]
	}
	return co
}

// PowerToDB converts power ratios to dB into dst (len(dst) ≥ len(pow)),
// with PowerDB, or with math.Log10 when exact is set (the reference).
func PowerToDB(dst []float32, pow []float64, exact bool) {
	dst = dst[:len(pow)]
	if exact {
		for i, p := range pow {
			if p > floorPow {
				dst[i] = float32(10 * math.Log10(p))
			} else {
				dst[i] = FloorDB
			}
		}
		return
	}
	// fastDB inlined by hand (too big for the compiler's inliner): a call
	// per bin costs a fifth of the conversion.
	const sqrtHalf = 0x3fe6a09e667f3bcd
	c := logPoly
	for i, p := range pow {
		if !(p > floorPow && p <= math.MaxFloat64) {
			dst[i] = float32(PowerDB(p))
			continue
		}
		b := math.Float64bits(p) + (0x3ff0000000000000 - sqrtHalf)
		e := int64(b>>52) - 1023
		f := math.Float64frombits(b&(1<<52-1)+sqrtHalf) - 1
		// Estrin's scheme: a shallower dependency chain than Horner's, so
		// more bins are in flight at once.
		f2 := f * f
		q := (c[0] + c[1]*f) + f2*((c[2]+c[3]*f)+f2*((c[4]+c[5]*f)+f2*c[6]))
		dst[i] = float32(float64(e)*(10*log10of2) + f*q)
	}
}
