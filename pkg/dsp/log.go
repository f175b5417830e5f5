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
// It is the fast form the stage uses: the exponent from the float's bits and
// ln of the mantissa m ∈ [√½, √2) by the series ln m = 2·atanh(t),
// t = (m−1)/(m+1), to t⁹ (|t| ≤ 0.172, so the first omitted term is below
// 1e-9). The error against math.Log10 is under 1e-7 dB
// (TestPowerDBAccuracy); math.Log10 costs more than the FFT itself at
// N = 1024 (perf-notes §3).
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
	// Branch-free reduction to m ∈ [√½, √2) (the trick of musl's log):
	// adding 2^52 − mantissa(√½) to the bits carries into the exponent
	// exactly when the mantissa is at least that of √2.
	const sqrtHalf = 0x3fe6a09e667f3bcd // bits of √½
	b := math.Float64bits(p) + (0x3ff0000000000000 - sqrtHalf)
	e := int64(b>>52) - 1023
	m := math.Float64frombits(b&(1<<52-1) + sqrtHalf)
	t := (m - 1) / (m + 1)
	t2 := t * t
	ln := 2 * t * (1 + t2*(1.0/3+t2*(1.0/5+t2*(1.0/7+t2*(1.0/9)))))
	return 10 * (float64(e)*log10of2 + ln*math.Log10E)
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
	for i, p := range pow {
		dst[i] = float32(PowerDB(p))
	}
}
