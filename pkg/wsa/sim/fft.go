package sim

import (
	"math"
	"math/bits"
)

// ifft is an in-place inverse DFT (with the 1/N factor) for power-of-two
// lengths. The simulator needs it only to synthesise wideband signals once
// per capture setting, so a plain radix-2 transform is enough and keeps the
// package free of the DSP packages it is used to test.
func ifft(x []complex128) {
	n := len(x)
	if n&(n-1) != 0 {
		panic("sim: ifft length is not a power of two")
	}
	shift := 64 - uint(bits.TrailingZeros(uint(n)))
	for i := 0; i < n; i++ {
		j := int(bits.Reverse64(uint64(i)) >> shift)
		if j > i {
			x[i], x[j] = x[j], x[i]
		}
	}
	// Twiddles e^{+j2πk/n} (inverse transform), computed once.
	tw := make([]complex128, n/2)
	for k := range tw {
		s, c := math.Sincos(2 * math.Pi * float64(k) / float64(n))
		tw[k] = complex(c, s)
	}
	for size := 2; size <= n; size <<= 1 {
		half := size / 2
		stride := n / size
		for start := 0; start < n; start += size {
			for k := 0; k < half; k++ {
				a, b := x[start+k], x[start+k+half]*tw[k*stride]
				x[start+k], x[start+k+half] = a+b, a-b
			}
		}
	}
	inv := complex(1/float64(n), 0)
	for i := range x {
		x[i] *= inv
	}
}
