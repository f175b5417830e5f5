package sim_test

import (
	"context"
	"math"
	"math/cmplx"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/wsatools/wsa/pkg/wsa"
	"github.com/wsatools/wsa/pkg/wsa/sim"
)

const testTimeout = 30 * time.Second

func startSim(t testing.TB, cfg sim.Config) *sim.Sim {
	t.Helper()
	if cfg.Seed == 0 {
		cfg.Seed = 7
	}
	s, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func port(addr string) int {
	_, p, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(p)
	return n
}

func tctx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

func dial(t testing.TB, s *sim.Sim, opts ...wsa.Option) *wsa.Client {
	t.Helper()
	opts = append([]wsa.Option{wsa.WithPorts(port(s.SCPIAddr()), port(s.VRTAddr())), wsa.WithTimeouts(testTimeout, testTimeout)}, opts...)
	c, err := wsa.Dial(tctx(t), "127.0.0.1", opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// fft is a plain recursive radix-2 DFT in float64: the reference the
// simulator's calibration is checked against, independent of every other
// package of the suite.
func fft(x []complex128) []complex128 {
	n := len(x)
	if n == 1 {
		return []complex128{x[0]}
	}
	even := make([]complex128, n/2)
	odd := make([]complex128, n/2)
	for i := 0; i < n/2; i++ {
		even[i], odd[i] = x[2*i], x[2*i+1]
	}
	e, o := fft(even), fft(odd)
	out := make([]complex128, n)
	for k := 0; k < n/2; k++ {
		t := cmplx.Rect(1, -2*math.Pi*float64(k)/float64(n)) * o[k]
		out[k], out[k+n/2] = e[k]+t, e[k]-t
	}
	return out
}

// spectrum is pyrf's WSA4000-era chain (device-facts.md §5.2): DC removal,
// classic I/Q correction (optional), symmetric Hann, DFT, fftshift, and
// P = 20·log10(|X|/N) + RL − 62.5. Index N/2 is the centre.
func spectrum(i, q []int16, rl float64, correct bool) []float64 {
	n := len(i)
	I, Q := make([]float64, n), make([]float64, n)
	var mi, mq float64
	for k := range i {
		I[k], Q[k] = float64(i[k]), float64(q[k])
		mi += I[k]
		mq += Q[k]
	}
	mi /= float64(n)
	mq /= float64(n)
	var si, sq, siq float64
	for k := range I {
		I[k] -= mi
		Q[k] -= mq
		si += I[k] * I[k]
		sq += Q[k] * Q[k]
		siq += I[k] * Q[k]
	}
	if correct {
		ratio := math.Sqrt(si / sq)
		s := ratio * siq / si
		for k := range Q {
			Q[k] = (ratio*Q[k] - s*I[k]) / math.Sqrt(1-s*s)
		}
	}
	x := make([]complex128, n)
	for k := range x {
		w := 0.5 - 0.5*math.Cos(2*math.Pi*float64(k)/float64(n-1))
		x[k] = complex(I[k]*w, Q[k]*w)
	}
	X := fft(x)
	p := make([]float64, n)
	for k := range X {
		p[(k+n/2)%n] = 20*math.Log10(cmplx.Abs(X[k])/float64(n)) + rl - 62.5
	}
	return p
}

// realSpectrum is the very-low-band chain (§5.4): I only, Hann, DFT, the
// bins above the centre covering 0 to half the sample rate.
func realSpectrum(i []int16, rl float64) []float64 {
	n := len(i)
	var m float64
	for _, v := range i {
		m += float64(v)
	}
	m /= float64(n)
	x := make([]complex128, n)
	for k := range x {
		w := 0.5 - 0.5*math.Cos(2*math.Pi*float64(k)/float64(n-1))
		x[k] = complex((float64(i[k])-m)*w, 0)
	}
	X := fft(x)
	p := make([]float64, n/2)
	for k := range p {
		p[k] = 20*math.Log10(cmplx.Abs(X[k])/float64(n)) + rl - 62.5
	}
	return p
}

func peak(p []float64, lo, hi int) (int, float64) {
	best := lo
	for k := lo; k < hi; k++ {
		if p[k] > p[best] {
			best = k
		}
	}
	return best, p[best]
}

// bandPower is the linear mean of the bins in dBm.
func meanPower(p []float64, lo, hi int) float64 {
	var s float64
	for k := lo; k < hi; k++ {
		s += math.Pow(10, p[k]/10)
	}
	return 10 * math.Log10(s/float64(hi-lo))
}

type capture struct {
	freq, fshift float64
	dec          int
	gain         wsa.Gain
	ifgain       int
	antenna      int
	spp, ppb     int
}

func captureBlock(t *testing.T, c *wsa.Client, cp capture) *wsa.Block {
	t.Helper()
	ctx := tctx(t)
	if cp.gain == "" {
		cp.gain = wsa.GainHigh
	}
	if cp.antenna == 0 {
		cp.antenna = 1
	}
	if cp.ppb == 0 {
		cp.ppb = 1
	}
	for _, err := range []error{c.SetFreq(ctx, cp.freq), c.SetFShift(ctx, cp.fshift), c.SetDecimation(ctx, cp.dec),
		c.SetGain(ctx, cp.gain), c.SetIFGain(ctx, cp.ifgain), c.SetAntenna(ctx, cp.antenna)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	b, err := c.CaptureBlock(ctx, cp.spp, cp.ppb)
	if err != nil {
		t.Fatal(err)
	}
	if !b.Context.HasRefLevel || !b.Context.HasRFFreq || !b.Context.HasBandwidth {
		t.Fatalf("context incomplete: %+v", b.Context)
	}
	return b
}

// The acceptance test of the issue: a tone at 2.412 GHz, −30 dBm, read
// through pyrf's formula, comes back at 2.412 GHz ±1 bin and −30 dBm ±1 dB,
// for several tunings, gains and decimations.
func TestToneRoundTrip(t *testing.T) {
	const f0, level = 2.412e9, -30.0
	sc := sim.Scene{Tones: []sim.Tone{{FreqHz: f0, LevelDBm: level}}}
	s := startSim(t, sim.Config{Scene: &sc})
	c := dial(t, s)
	cases := []struct {
		name string
		cp   capture
	}{
		// 2.412 GHz is 0.14 bin from a bin centre here: the acceptance case.
		{"tuned 2.40 GHz", capture{freq: 2.40e9, spp: 16384}},
		{"tuned 2.45 GHz, 4096 points", capture{freq: 2.45e9, spp: 4096}},
		{"tone below centre", capture{freq: 2.43e9, spp: 8192}},
		{"medium gain", capture{freq: 2.40e9, spp: 8192, gain: wsa.GainMedium}},
		{"low gain", capture{freq: 2.40e9, spp: 8192, gain: wsa.GainLow}},
		{"vlow gain", capture{freq: 2.40e9, spp: 8192, gain: wsa.GainVLow}},
		{"if gain +10", capture{freq: 2.40e9, spp: 8192, ifgain: 10}},
		{"if gain -10", capture{freq: 2.40e9, spp: 8192, ifgain: -10}},
		{"decimation 8", capture{freq: 2.41e9, spp: 8192, dec: 8}},
		{"decimation 64", capture{freq: 2.4117e9, spp: 16384, dec: 64}},
		{"fshift 5 MHz", capture{freq: 2.40e9, fshift: 5e6, spp: 8192}},
		{"two packets", capture{freq: 2.40e9, spp: 4096, ppb: 2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := captureBlock(t, c, tc.cp)
			n := len(b.I)
			rl := b.Context.RefLevelDBm
			fs := b.Context.BandwidthHz
			if want := 125e6 / float64(max(tc.cp.dec, 1)); fs != want {
				t.Fatalf("bandwidth %v, want %v", fs, want)
			}
			if b.Context.RFFreqHz != tc.cp.freq || b.Context.RFOffsetHz != -tc.cp.fshift {
				t.Fatalf("rf_freq %v rf_offset %v", b.Context.RFFreqHz, b.Context.RFOffsetHz)
			}
			p := spectrum(b.I, b.Q, rl, true)
			// Skip the DC region (the device's own offset lives there).
			k, lvl := peak(p, 0, n)
			bin := fs / float64(n)
			fk := b.Context.RFFreqHz + b.Context.RFOffsetHz + float64(k-n/2)*bin
			if math.Abs(fk-f0) > bin {
				t.Errorf("peak at %.0f Hz, want %.0f ±%.0f", fk, f0, bin)
			}
			// The peak bin reads the level less the Hann scalloping loss
			// for the tone's distance from the bin centre (up to 1.4 dB
			// half-way between bins); the main lobe's power, divided by
			// Hann's 1.5-bin noise bandwidth, is the tone's power wherever
			// it falls.
			d := (f0 - fk) / bin
			want := level + scallop(d)
			if math.Abs(lvl-want) > 0.5 {
				t.Errorf("peak %.2f dBm, want %.2f (%.1f dBm less %.2f dB scalloping) ±0.5", lvl, want, level, -scallop(d))
			}
			if math.Abs(d) < 0.25 && math.Abs(lvl-level) > 1 {
				t.Errorf("peak %.2f dBm, want %.1f ±1", lvl, level)
			}
			var sum float64
			for j := k - 4; j <= k+4; j++ {
				sum += math.Pow(10, p[j]/10)
			}
			if pw := 10 * math.Log10(sum/1.5); math.Abs(pw-level) > 0.5 {
				t.Errorf("tone power %.2f dBm, want %.1f ±0.5", pw, level)
			}
		})
	}
}

// scallop is the Hann window's gain (dB) for a tone d bins from a bin
// centre, relative to an on-bin tone.
func scallop(d float64) float64 {
	if math.Abs(d) < 1e-9 {
		return 0
	}
	x := math.Pi * d
	return 20 * math.Log10(math.Abs(math.Sin(x)/x/(1-d*d)))
}

// The noise floor follows the documented density: the mean power per bin
// is density + 10·log10(ENBW), ENBW = 1.5 bins for Hann.
func TestNoiseFloorDensity(t *testing.T) {
	s := startSim(t, sim.Config{Scene: &sim.Scene{}, Impairments: &sim.NoImpairments})
	c := dial(t, s)
	for _, g := range wsa.Gains {
		t.Run(string(g), func(t *testing.T) {
			b := captureBlock(t, c, capture{freq: 3e9, spp: 8192, gain: g})
			n := len(b.I)
			p := spectrum(b.I, b.Q, b.Context.RefLevelDBm, false)
			got := meanPower(p, n/8, n/2-8) // a signal-free stretch, clear of DC
			want := sim.GainTable[g].NoiseDBmHz + 10*math.Log10(1.5*125e6/float64(n))
			if math.Abs(got-want) > 1 {
				t.Fatalf("noise %.2f dBm per bin, want %.2f ±1", got, want)
			}
		})
	}
}

// A wideband signal's bins add up to its total power.
func TestBandPower(t *testing.T) {
	sc := sim.Scene{Bands: []sim.Band{{CenterHz: 2.437e9, WidthHz: 20e6, LevelDBm: -40}}}
	s := startSim(t, sim.Config{Scene: &sc, Impairments: &sim.NoImpairments})
	c := dial(t, s)
	b := captureBlock(t, c, capture{freq: 2.42e9, spp: 16384})
	n := len(b.I)
	p := spectrum(b.I, b.Q, b.Context.RefLevelDBm, false)
	bin := 125e6 / float64(n)
	lo := n/2 + int(math.Ceil((2.437e9-10e6-2.42e9)/bin))
	hi := n/2 + int(math.Floor((2.437e9+10e6-2.42e9)/bin))
	var sum float64
	for k := lo; k < hi; k++ {
		sum += math.Pow(10, p[k]/10)
	}
	total := 10*math.Log10(sum) - 10*math.Log10(1.5) // Hann ENBW counts each watt 1.5 times
	if math.Abs(total-(-40)) > 1 {
		t.Fatalf("band power %.2f dBm, want -40 ±1", total)
	}
	out := meanPower(p, n/2-int(30e6/bin), n/2-int(25e6/bin))
	if out > -100 {
		t.Fatalf("outside the band %.1f dBm per bin: the band leaks", out)
	}
}

// The receiver's DC offset and I/Q imbalance are visible without pyrf's
// correction and removed by it: the image of a tone drops well below the
// uncorrected level, the tone's own level stays.
func TestImpairmentsRemovedByClassicCorrection(t *testing.T) {
	sc := sim.Scene{Tones: []sim.Tone{{FreqHz: 2.412e9, LevelDBm: -30}}}
	s := startSim(t, sim.Config{Scene: &sc})
	c := dial(t, s)
	b := captureBlock(t, c, capture{freq: 2.40e9, spp: 16384})
	n := len(b.I)
	rl := b.Context.RefLevelDBm
	k, _ := peak(spectrum(b.I, b.Q, rl, true), 0, n)
	img := n - k // mirror of the tone around the centre bin n/2
	raw := spectrum(b.I, b.Q, rl, false)
	fixed := spectrum(b.I, b.Q, rl, true)
	if raw[img] < -80 {
		t.Fatalf("uncorrected image %.1f dBm: the imbalance is not there", raw[img])
	}
	if fixed[img] > raw[img]-20 {
		t.Fatalf("image %.1f dBm after correction vs %.1f before: not removed", fixed[img], raw[img])
	}
	// DC offset: the centre bin before DC removal.
	var mi, mq float64
	for j := range b.I {
		mi += float64(b.I[j])
		mq += float64(b.Q[j])
	}
	mi /= float64(n)
	mq /= float64(n)
	if math.Hypot(mi-sim.DefaultImpairments.DCI, mq-sim.DefaultImpairments.DCQ) > 3 {
		t.Fatalf("DC offset (%.1f, %.1f), want about (%v, %v)", mi, mq, sim.DefaultImpairments.DCI, sim.DefaultImpairments.DCQ)
	}
}

// 0-40 MHz is the real-only band: I carries the real signal, read with
// the I-only formula at its absolute frequency.
func TestRealBand(t *testing.T) {
	sc := sim.Scene{Tones: []sim.Tone{{FreqHz: 10e6, LevelDBm: -40}, {FreqHz: 2.412e9, LevelDBm: -30}}}
	s := startSim(t, sim.Config{Scene: &sc})
	c := dial(t, s)
	b := captureBlock(t, c, capture{freq: 20e6, spp: 8192})
	if b.Context.BandwidthHz != 62.5e6 {
		t.Fatalf("real band bandwidth %v, want 62.5 MHz", b.Context.BandwidthHz)
	}
	n := len(b.I)
	p := realSpectrum(b.I, b.Context.RefLevelDBm)
	bin := 125e6 / float64(n)
	k, lvl := peak(p, 2, len(p))
	if f := float64(k) * bin; math.Abs(f-10e6) > bin {
		t.Fatalf("peak at %.0f Hz, want 10 MHz", f)
	}
	if math.Abs(lvl-(-40)) > 1 {
		t.Fatalf("peak %.2f dBm, want -40 ±1", lvl)
	}
}

// Antenna 2 is terminated: no scene, only noise.
func TestAntenna2IsTerminated(t *testing.T) {
	sc := sim.Scene{Tones: []sim.Tone{{FreqHz: 2.412e9, LevelDBm: -30}}}
	s := startSim(t, sim.Config{Scene: &sc})
	c := dial(t, s)
	b := captureBlock(t, c, capture{freq: 2.40e9, spp: 8192, antenna: 2})
	p := spectrum(b.I, b.Q, b.Context.RefLevelDBm, true)
	if _, lvl := peak(p, 0, len(p)/2-10); lvl > -90 {
		t.Fatalf("antenna 2 shows a %.1f dBm signal", lvl)
	}
}

// A tone above full scale clips and the trailer says so.
func TestOverRangeFlag(t *testing.T) {
	sc := sim.Scene{Tones: []sim.Tone{{FreqHz: 2.412e9, LevelDBm: 0}}}
	s := startSim(t, sim.Config{Scene: &sc})
	c := dial(t, s)
	if b := captureBlock(t, c, capture{freq: 2.40e9, spp: 1024}); !b.OverRange {
		t.Fatal("0 dBm at high gain (full scale −20 dBm) did not flag over-range")
	}
	if b := captureBlock(t, c, capture{freq: 2.40e9, spp: 1024, gain: wsa.GainVLow}); b.OverRange {
		t.Fatal("0 dBm at vlow gain flagged over-range")
	}
}
