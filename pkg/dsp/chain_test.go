package dsp

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"

	godsp "github.com/mjibson/go-dsp/fft"

	"github.com/wsatools/wsa/pkg/vrt"
)

// pyrfChain is device-facts.md §5.2 written out step by step, the way
// pyrf's numpy code reads (means, sums, asin, a fresh window, go-dsp's FFT,
// fftshift, 20·log10(|X|/N), average of the neighbours in dB), as an
// independent reference for Plan.PowerIQ.
func pyrfChain(iIn, qIn []float64, window string, opt Options) []float64 {
	n := len(iIn)
	i := append([]float64(nil), iIn...)
	q := append([]float64(nil), qIn...)
	mean := func(x []float64) float64 {
		s := 0.0
		for _, v := range x {
			s += v
		}
		return s / float64(len(x))
	}
	if !opt.NoDCRemoval {
		mi, mq := mean(i), mean(q)
		for k := range i {
			i[k] -= mi
			q[k] -= mq
		}
	}
	if !opt.NoIQCorrection {
		var si, sq, siq float64
		for k := range i {
			si += i[k] * i[k]
			sq += q[k] * q[k]
			siq += i[k] * q[k]
		}
		ratio := math.Sqrt(si / sq)
		a2 := 2 * si / float64(n)
		var acc float64
		for k := range i {
			acc += ratio * i[k] * q[k] / a2
		}
		phi := -math.Asin(2 / float64(n) * acc)
		for k := range q {
			q[k] = (math.Sin(phi)*i[k] + ratio*q[k]) / math.Cos(phi)
		}
	}
	// Windows other than Hann are scaled to Hann's coherent gain (a0 = ½).
	w, _ := Window(window, n)
	spec, _ := LookupWindow(window)
	g := 0.5 / spec.Coeffs[0]
	z := make([]complex128, n)
	for k := range z {
		z[k] = complex(g*w[k]*i[k], g*w[k]*q[k])
	}
	x := godsp.FFT(z)
	db := make([]float64, n)
	for j := range db {
		db[j] = 20 * math.Log10(cmplx.Abs(x[(j-n/2+n)%n])/float64(n))
	}
	if !opt.NoCenterFix {
		db[n/2] = (db[n/2-1] + db[n/2+1]) / 2
	}
	return db
}

// impairedTone is a complex tone on a (possibly fractional) bin with DC
// offsets, Q gain and phase error like the simulator's, plus a little noise.
func impairedTone(n int, bin, amp float64, rng *rand.Rand) (i, q []float64) {
	i, q = make([]float64, n), make([]float64, n)
	ph := 1.5 * math.Pi / 180
	for k := range i {
		x := amp*math.Cos(2*math.Pi*bin*float64(k)/float64(n)) + 1e-4*rng.NormFloat64()
		y := amp*math.Sin(2*math.Pi*bin*float64(k)/float64(n)) + 1e-4*rng.NormFloat64()
		i[k] = x + 24.0/8192
		q[k] = 1.02*(math.Cos(ph)*y+math.Sin(ph)*x) - 16.0/8192
	}
	return i, q
}

// TestPowerIQMatchesPyrf: the fused, allocation-free chain equals pyrf's
// step-by-step formula for every combination of the options, at powers of
// two, an SPP that is not one, and an odd length.
func TestPowerIQMatchesPyrf(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	opts := []Options{{}, {NoDCRemoval: true}, {NoIQCorrection: true}, {NoCenterFix: true},
		{NoDCRemoval: true, NoIQCorrection: true, NoCenterFix: true}, {Window: "blackman-harris"}, {Window: "flattop"}}
	for _, n := range []int{4, 8, 16, 32, 1024, 2048, 1040, 4095} {
		i, q := impairedTone(n, float64(n)/7.3, 0.3, rng)
		for _, opt := range opts {
			p, err := NewPlan(n, false, opt)
			if err != nil {
				t.Fatal(err)
			}
			pow := make([]float64, p.Bins())
			p.PowerIQ(pow, i, q, false)
			want := pyrfChain(i, q, opt.Window, opt)
			for j := range want {
				got := 10 * math.Log10(pow[j])
				if math.Abs(got-want[j]) > 1e-6 {
					t.Fatalf("n=%d %+v: bin %d reads %.9f dB, pyrf's formula %.9f", n, opt, j, got, want[j])
				}
			}
		}
	}
}

func peakIndex(p []float64) int {
	k := 0
	for j, v := range p {
		if v > p[k] {
			k = j
		}
	}
	return k
}

// TestFullScaleToneLevel is the level contract: a full-scale complex tone
// on a bin reads −6.02 dBFS (Hann's coherent gain ½; the symmetric window's
// (N−1)/N shows only in the fourth decimal) with every window, since all are
// scaled to Hann's gain, at bin N/2 + offset.
func TestFullScaleToneLevel(t *testing.T) {
	n := 16384
	for _, name := range WindowNames() {
		p, _ := NewPlan(n, false, Options{Window: name})
		w, _ := Window(name, n)
		for _, off := range []int{-3000, -1, 1, 5000} {
			i, q := make([]float64, n), make([]float64, n)
			for k := range i {
				s, c := math.Sincos(2 * math.Pi * float64(off*k) / float64(n))
				i[k], q[k] = c, s
			}
			pow := make([]float64, n)
			p.PowerIQ(pow, i, q, false)
			k := peakIndex(pow)
			if k != n/2+off {
				t.Fatalf("%s offset %d: peak at bin %d, want %d", name, off, k, n/2+off)
			}
			spec, _ := LookupWindow(name)
			want := 20 * math.Log10(CoherentGain(w)*HannGain/spec.Coeffs[0])
			if got := PowerDB(pow[k]); math.Abs(got-want) > 1e-6 {
				t.Errorf("%s offset %d: %.6f dBFS, want %.6f", name, off, got, want)
			}
			if got := PowerDB(pow[k]); math.Abs(got+6.0206) > 0.002 {
				t.Errorf("%s: full-scale tone %.4f dBFS, want −6.02", name, got)
			}
			// And in dBm: RL + 9.75 (device-facts.md §5.3).
			b := []float32{float32(PowerDB(pow[k]))}
			DBFSToDBm(b, -20)
			if math.Abs(float64(b[0])-(-20+9.75)) > 0.01 {
				t.Errorf("%s: full-scale tone at RL −20 reads %.3f dBm, want −10.25", name, b[0])
			}
		}
	}
}

// TestIQCorrectionSuppressesImage: the simulator's imbalance (Q gain 1.02,
// 1.5°) leaves an image about 36 dB down; the classic correction removes it
// to the noise.
func TestIQCorrectionSuppressesImage(t *testing.T) {
	n := 4096
	i, q := impairedTone(n, 500, 0.25, rand.New(rand.NewPCG(1, 1)))
	image := func(opt Options) float64 {
		p, _ := NewPlan(n, false, opt)
		pow := make([]float64, n)
		p.PowerIQ(pow, i, q, false)
		return PowerDB(pow[n/2+500]) - PowerDB(pow[n/2-500])
	}
	on, off := image(Options{}), image(Options{NoIQCorrection: true})
	t.Logf("image %.1f dB below the tone with the correction, %.1f dB without", on, off)
	if off < 30 || off > 42 {
		t.Errorf("uncorrected image %.1f dB below the tone, want about 36", off)
	}
	if on < 70 {
		t.Errorf("corrected image only %.1f dB below the tone", on)
	}
}

// TestDCRemovalAndCenterFix: a DC offset is a spike on the centre bin
// without DC removal; with it (and the centre fix), the centre bin is the
// geometric mean of its neighbours.
func TestDCRemovalAndCenterFix(t *testing.T) {
	n := 1024
	i, q := impairedTone(n, 100, 0.1, rand.New(rand.NewPCG(2, 2)))
	run := func(opt Options) []float64 {
		p, _ := NewPlan(n, false, opt)
		pow := make([]float64, n)
		p.PowerIQ(pow, i, q, false)
		return pow
	}
	raw := run(Options{NoDCRemoval: true, NoCenterFix: true})
	if d := PowerDB(raw[n/2]); d < -60 {
		t.Errorf("DC offset of 24/−16 counts reads %.1f dBFS without DC removal, want a spike (≈ −55)", d)
	}
	fixed := run(Options{})
	if math.Abs(fixed[n/2]-math.Sqrt(fixed[n/2-1]*fixed[n/2+1])) > 1e-15 {
		t.Errorf("centre bin %g is not the geometric mean of %g and %g", fixed[n/2], fixed[n/2-1], fixed[n/2+1])
	}
	nofix := run(Options{NoCenterFix: true})
	if PowerDB(nofix[n/2]) > PowerDB(raw[n/2])-40 {
		t.Errorf("DC removal left %.1f dBFS on the centre bin", PowerDB(nofix[n/2]))
	}
}

// TestInversionMirrors: with the spectral-inversion flag, a tone at +f
// reads at −f (bin n/2 − k), DC stays on n/2, for even and odd n.
func TestInversionMirrors(t *testing.T) {
	for _, n := range []int{1024, 1001} {
		p, _ := NewPlan(n, false, Options{})
		i, q := impairedTone(n, 123, 0.5, rand.New(rand.NewPCG(3, 3)))
		a, b := make([]float64, n), make([]float64, n)
		p.PowerIQ(a, i, q, false)
		p.PowerIQ(b, i, q, true)
		h := n / 2
		if ka, kb := peakIndex(a), peakIndex(b); ka != h+123 || kb != h-123 {
			t.Errorf("n=%d: peak %d upright, %d inverted; want %d and %d", n, ka, kb, h+123, h-123)
		}
		for j := range a {
			m := (2*h - j + n) % n
			if a[j] != b[m] {
				t.Fatalf("n=%d: bin %d upright %g != inverted bin %d %g", n, j, a[j], m, b[m])
			}
		}
	}
}

// TestPowerRealMatchesRFFT: the real path (both the packed n/2-point form
// and the odd-length fallback) equals |rfft(w·(x − mean))|/n from go-dsp's
// real FFT, and a real tone of amplitude A reads 20·log10(A·cg/2) at its
// frequency (−12.04 dBFS for full scale under Hann: the simulator's
// "20·log10(A/4)").
func TestPowerRealMatchesRFFT(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for _, n := range []int{16, 1024, 1040, 999} {
		x := make([]float64, n)
		bin := n / 5
		for k := range x {
			x[k] = math.Cos(2*math.Pi*float64(bin*k)/float64(n)) + 0.01 + 1e-3*rng.NormFloat64()
		}
		for _, noDC := range []bool{false, true} {
			p, _ := NewPlan(n, true, Options{NoDCRemoval: noDC})
			if p.Bins() != n/2+1 {
				t.Fatalf("n=%d: %d bins", n, p.Bins())
			}
			pow := make([]float64, p.Bins())
			p.PowerReal(pow, x, false)
			w, _ := Window("hann", n)
			y := make([]float64, n)
			m := 0.0
			if !noDC {
				for _, v := range x {
					m += v / float64(n)
				}
			}
			for k := range y {
				y[k] = w[k] * (x[k] - m)
			}
			X := godsp.FFTReal(y)
			for k := range pow {
				want := math.Pow(cmplx.Abs(X[k])/float64(n), 2)
				if math.Abs(pow[k]-want) > 1e-12*(want+1e-12) && math.Abs(10*math.Log10(pow[k]/want)) > 1e-6 {
					t.Fatalf("n=%d noDC=%v: bin %d = %g, rfft %g", n, noDC, k, pow[k], want)
				}
			}
			if k := peakIndex(pow); k != bin {
				t.Errorf("n=%d: real tone at bin %d, want %d", n, k, bin)
			}
			if got, want := PowerDB(pow[bin]), 20*math.Log10(CoherentGain(w)/2); math.Abs(got-want) > 0.01 {
				t.Errorf("n=%d: full-scale real tone %.3f dBFS, want %.3f", n, got, want)
			}
			inv := make([]float64, p.Bins())
			p.PowerReal(inv, x, true)
			if k := peakIndex(inv); k != n/2-bin {
				t.Errorf("n=%d inverted: real tone at bin %d, want %d", n, k, n/2-bin)
			}
		}
	}
}

func TestPlanNoAllocs(t *testing.T) {
	n := 16384
	i, q := impairedTone(n, 100, 0.1, rand.New(rand.NewPCG(5, 5)))
	pc, _ := NewPlan(n, false, Options{})
	pr, _ := NewPlan(n, true, Options{})
	pow := make([]float64, n)
	db := make([]float32, n)
	payload := make([]byte, 4*n)
	if a := testing.AllocsPerRun(10, func() {
		pc.PowerIQ(pow, i, q, false)
		pc.PowerIQ16(pow, payload, true)
		pc.DBIQ16(db, payload, false)
		PowerToDB(db, pow, false)
		pr.PowerReal(pow[:pr.Bins()], i, true)
	}); a != 0 {
		t.Errorf("%v allocations per block", a)
	}
}

func TestNewPlanErrors(t *testing.T) {
	if _, err := NewPlan(1, false, Options{}); err == nil {
		t.Error("1-point plan accepted")
	}
	if _, err := NewPlan(64, false, Options{Window: "nope"}); err == nil {
		t.Error("unknown window accepted")
	}
}

// TestDBIQ16MatchesPower: the fused live path (wire format in, dB out, in
// chunks) gives the bins of PowerIQ16 + PowerToDB, across chunk borders,
// inverted or not, with pyrf's dB-mean centre fix equal to the geometric
// mean in power.
func TestDBIQ16MatchesPower(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	for _, n := range []int{8, 512, 1040, 4096, 4095} {
		fi, fq := impairedTone(n, float64(n)/5.5, 0.4, rng)
		i16, q16 := make([]int16, n), make([]int16, n)
		for k := range fi {
			i16[k], q16[k] = int16(math.Round(fi[k]*8192)), int16(math.Round(fq[k]*8192))
		}
		payload := vrt.AppendIQ16(nil, i16, q16)
		for _, inv := range []bool{false, true} {
			p, _ := NewPlan(n, false, Options{})
			pow := make([]float64, n)
			want := make([]float32, n)
			p.PowerIQ16(pow, payload, inv)
			PowerToDB(want, pow, false)
			got := make([]float32, n)
			p.DBIQ16(got, payload, inv)
			for k := range want {
				if math.Abs(float64(got[k]-want[k])) > 1e-4 {
					t.Fatalf("n=%d inverted=%v: bin %d %v dB, want %v", n, inv, k, got[k], want[k])
				}
			}
			// And PowerIQ16 is PowerIQ on the decoded samples.
			a, b := make([]float64, n), make([]float64, n)
			decode(payload, vrt.FormatI14Q14, kindIQ, a, b)
			ref := make([]float64, n)
			p.PowerIQ(ref, a, b, inv)
			for k := range ref {
				if math.Abs(ref[k]-pow[k]) > 1e-12*math.Max(ref[k], 1e-20) {
					t.Fatalf("n=%d: PowerIQ16 bin %d %g, PowerIQ %g", n, k, pow[k], ref[k])
				}
			}
		}
	}
}
