package dsp

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestPowerDBAccuracy measures the fast log against math.Log10 over the
// whole range a spectrum can take (300 dB below to 30 dB above full
// scale), with random mantissas and the worst points of the reduction
// (mantissa near √2, exact powers of two). The bound asked for is well under
// 0.01 dB; the series gives orders of magnitude less.
func TestPowerDBAccuracy(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var worst, at float64
	check := func(p float64) {
		got := PowerDB(p)
		want := 10 * math.Log10(p)
		if e := math.Abs(got - want); e > worst {
			worst, at = e, p
		}
	}
	for i := 0; i < 1_000_000; i++ {
		check(math.Pow(10, -29.9+33*rng.Float64()))
	}
	for e := -99; e <= 99; e++ {
		for _, m := range []float64{1, math.Sqrt2 * (1 - 1e-16), math.Sqrt2, math.Sqrt2 * (1 + 1e-16), 1.999999999, 0.7071} {
			check(m * math.Ldexp(1, e))
		}
	}
	t.Logf("max |PowerDB − 10·log10| = %.3g dB (at %g)", worst, at)
	if worst > 2e-6 {
		t.Errorf("max error %.3g dB at %g, want < 2e-6 dB", worst, at)
	}
}

func TestPowerDBSpecialValues(t *testing.T) {
	for _, c := range []struct{ p, want float64 }{
		{0, FloorDB}, {-1, FloorDB}, {1e-31, FloorDB}, {1, 0}, {0.25, -6.020599913279624}, {100, 20},
		{math.Inf(1), math.Inf(1)},
	} {
		if got := PowerDB(c.p); math.Abs(got-c.want) > 2e-6 && got != c.want {
			t.Errorf("PowerDB(%v) = %v, want %v", c.p, got, c.want)
		}
	}
	if v := PowerDB(math.NaN()); !math.IsNaN(v) {
		t.Errorf("PowerDB(NaN) = %v", v)
	}
	dst := make([]float32, 3)
	for _, exact := range []bool{false, true} {
		PowerToDB(dst, []float64{0, 1, 1e-3}, exact)
		if dst[0] != FloorDB || dst[1] != 0 || math.Abs(float64(dst[2])+30) > 1e-5 {
			t.Errorf("PowerToDB(exact=%v) = %v", exact, dst)
		}
	}
}

func BenchmarkPowerDB(b *testing.B) {
	p := make([]float64, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range p {
		p[i] = math.Pow(10, -15*rng.Float64())
	}
	dst := make([]float32, len(p))
	b.Run("fast", func(b *testing.B) {
		for b.Loop() {
			PowerToDB(dst, p, false)
		}
		msps(b, len(p))
	})
	b.Run("math.Log10", func(b *testing.B) {
		for b.Loop() {
			PowerToDB(dst, p, true)
		}
		msps(b, len(p))
	})
}
