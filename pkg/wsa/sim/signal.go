package sim

import (
	"math"
	"math/cmplx"
	"math/rand/v2"

	"github.com/wsatools/wsa/pkg/wsa"
)

// Tone is a continuous-wave signal at the antenna.
type Tone struct {
	FreqHz   float64
	LevelDBm float64
}

// Band is a wideband signal: noise-like, flat over WidthHz around
// CenterHz, LevelDBm of total power (a Wi-Fi channel, say).
type Band struct {
	CenterHz, WidthHz float64
	LevelDBm          float64
}

// Scene is the RF environment at antenna 1. Antenna 2 is terminated: it
// sees only the receiver's own noise.
type Scene struct {
	Tones []Tone
	Bands []Band
}

// DefaultScene is what the simulator shows when no scene is given: a few
// tones across the WSA4000 range, one of them in the very low band, and a
// 20 MHz Wi-Fi-like channel. The list is in docs/DEVICE.md.
func DefaultScene() Scene {
	return Scene{
		Tones: []Tone{
			{10e6, -40},      // very low band (real-only digitisation)
			{100.1e6, -45},   // FM broadcast
			{433.92e6, -55},  // ISM 433
			{915e6, -50},     // ISM 915
			{1575.42e6, -70}, // GPS L1
			{2.412e9, -30},   // the reference tone of the tests
			{5.8e9, -40},     // ISM 5.8
			{9.5e9, -60},     // X band
		},
		Bands: []Band{{2.437e9, 20e6, -45}}, // Wi-Fi channel 6
	}
}

// Impairments are the analogue imperfections of a zero-IF receiver: a
// small DC offset on I and Q (counts) and an I/Q imbalance (Q's gain
// relative to I and its phase error), of the kind pyrf's classic
// correction (device-facts.md §5.2 steps 1-2) removes.
type Impairments struct {
	DCI, DCQ  float64
	QGain     float64
	QPhaseDeg float64
}

// DefaultImpairments: DC offset (+24, −16) counts, Q gain 1.02, phase
// error 1.5°, which leaves an image about 36 dB below a signal until
// corrected.
var DefaultImpairments = Impairments{DCI: 24, DCQ: -16, QGain: 1.02, QPhaseDeg: 1.5}

// NoImpairments is an ideal receiver.
var NoImpairments = Impairments{QGain: 1}

// GainCal is the calibration of one RF gain setting: the reference level
// the device reports in its digitizer context, and the receiver's input
// noise density.
type GainCal struct {
	RefLevelDBm float64
	NoiseDBmHz  float64
}

// GainTable is the simulator's reference level and noise per RF gain
// (pyrf holds no such table, device-facts.md §12.1; these are our
// documented choice). The IF gain shifts the reference level down by its
// value in dB, so levels in dBm stay right at any IF gain.
var GainTable = map[wsa.Gain]GainCal{
	wsa.GainHigh:   {-30, -158},
	wsa.GainMedium: {-15, -148},
	wsa.GainLow:    {0, -136},
	wsa.GainVLow:   {15, -122},
}

// RefLevel returns the reference level reported for an RF and IF gain.
func RefLevel(g wsa.Gain, ifgain int) float64 {
	return GainTable[g].RefLevelDBm - float64(ifgain)
}

// calOffset is ADC_DYNAMIC_RANGE + NOISEFLOOR_CALIBRATION: the constant of
// P = 20·log10(|X|/N) + RL − 62.5 (device-facts.md §5.2-5.3).
const calOffset = 62.5

// powerCounts returns the mean |z|² in counts² of a complex signal whose
// power is dbm at reference level rl: a complex tone of amplitude A has
// |X|/N = A/2 after a Hann window, so P = 20·log10(A/2) + RL − 62.5.
func powerCounts(dbm, rl float64) float64 {
	return 4 * math.Pow(10, (dbm-rl+calOffset)/10)
}

// capture is the set of settings one block, stream or sweep step uses.
type capture struct {
	freq, fshift float64
	dec          int
	gain         wsa.Gain
	ifgain       int
	antenna      int
	spp, ppb     int
	trig         wsa.Trigger
}

func (st settings) capture() capture {
	return capture{freq: st.freq, fshift: st.fshift, dec: max(st.dec, 1), gain: st.gain, ifgain: st.ifgain,
		antenna: st.antenna, spp: st.spp, ppb: st.ppb, trig: st.trig}
}

func entryCapture(e wsa.SweepEntry, f float64) capture {
	return capture{freq: f, fshift: e.FShiftHz, dec: max(e.Decimation, 1), gain: e.Gain, ifgain: e.IFGain,
		antenna: e.Antenna, spp: e.SPP, ppb: e.PPB, trig: e.Trigger}
}

func (c capture) refLevel() float64 { return RefLevel(c.gain, c.ifgain) }

// passband models the receiver's filters. Zero-IF (I/Q): the analogue
// filter is flat over the usable bandwidth (±45 MHz) and falls linearly
// in dB to −20 dB at ±62.5 MHz; nothing beyond passes. The digital shift
// (fshift) wraps around the 125 MHz sample rate; the decimation filter is
// flat over DecimatedUsable of the decimated span and falls to −20 dB at
// its edge. Real band: flat to 40 MHz, −20 dB at 62.5 MHz.
type passband struct {
	p    *wsa.Properties
	c    capture
	fs   float64
	real bool
}

func newPassband(p *wsa.Properties, c capture) passband {
	return passband{p: p, c: c, fs: p.SampleRate(c.dec), real: p.RealBand(c.freq)}
}

// taper is 1 up to flat, then falls linearly in dB to edgeDB at edge.
func taper(x, flat, edge, edgeDB float64) float64 {
	x = math.Abs(x)
	if x <= flat {
		return 1
	}
	if x >= edge {
		return 0
	}
	return math.Pow(10, edgeDB*(x-flat)/(edge-flat)/20)
}

// response returns the amplitude gain for a signal at RF frequency f and
// the baseband frequency it lands on (for the real band, the frequency of
// the real signal); ok is false when it does not reach the samples.
func (pb passband) response(f float64) (gain, fd float64, ok bool) {
	full := pb.p.FullBW
	if pb.real {
		if f <= 0 || f >= pb.fs/2 {
			return 0, 0, false
		}
		g := taper(f, pb.p.RealBandMax, full/2, -20)
		if pb.c.dec > 1 {
			g *= taper(f, pb.p.DecimatedUsable*pb.fs/2, pb.fs/2, -20)
		}
		return g, f, g > 0
	}
	fa := f - pb.c.freq
	g := taper(fa, pb.p.UsableBW/2, full/2, -20)
	if g == 0 {
		return 0, 0, false
	}
	fd = math.Mod(fa+pb.c.fshift+full/2, full)
	if fd < 0 {
		fd += full
	}
	fd -= full / 2
	if pb.c.dec > 1 {
		g *= taper(fd, pb.p.DecimatedUsable*pb.fs/2, pb.fs/2, -20)
	}
	return g, fd, g > 0
}

type toneState struct {
	z, w complex128 // current phasor (amplitude included) and per-sample rotation
	amp  float64
}

// gen produces the int16 I/Q samples of one capture: the scene's signals
// mixed to baseband and shaped by the filters, scaled so that pyrf's dBm
// formula returns the scene's levels, plus receiver noise and impairments,
// quantised to 14 bits. Successive calls continue the same signal
// (phase-continuous), as a stream's packets are.
type gen struct {
	pb      passband
	rl      float64
	tones   []toneState
	band    []complex128 // periodic band-limited signal (nil: no band in span)
	bandPos int
	sigma   float64 // noise standard deviation per component
	imp     Impairments
	cosPh   float64
	sinPh   float64
	rng     *rand.Rand
	noise   noiseSrc
	re, im  []float64
	scene   *Scene
}

// bandTableLen is the period of the wideband signal: 2^17 samples (1 ms
// at 125 MHz), long enough that an FFT of one packet sees noise.
const bandTableLen = 1 << 17

func newGen(p *wsa.Properties, sc *Scene, imp Impairments, c capture, seed uint64) *gen {
	g := &gen{pb: newPassband(p, c), rl: c.refLevel(), imp: imp, scene: sc,
		rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	if g.imp.QGain == 0 {
		g.imp.QGain = 1
	}
	g.noise.x = g.rng.Uint64() | 1
	ph := g.imp.QPhaseDeg * math.Pi / 180
	g.cosPh, g.sinPh = math.Cos(ph), math.Sin(ph)
	if g.pb.real {
		// I/Q imbalance is a property of the zero-IF mixer, not of the
		// direct-sampling path.
		g.cosPh, g.sinPh, g.imp.QGain = 1, 0, 1
	}
	fs := g.pb.fs
	noise := GainTable[c.gain].NoiseDBmHz
	g.sigma = math.Sqrt(powerCounts(noise+10*math.Log10(fs), g.rl))
	if !g.pb.real {
		g.sigma /= math.Sqrt2 // complex noise: half the power on each component
	}
	if c.antenna != 1 {
		return g
	}
	for _, t := range sc.Tones {
		gain, fd, ok := g.pb.response(t.FreqHz)
		if !ok {
			continue
		}
		amp := math.Sqrt(powerCounts(t.LevelDBm, g.rl)) * gain
		phase := 2 * math.Pi * g.rng.Float64()
		g.tones = append(g.tones, toneState{z: cmplx.Rect(amp, phase), w: cmplx.Rect(1, 2*math.Pi*fd/fs), amp: amp})
	}
	g.buildBands(sc.Bands)
	return g
}

// buildBands synthesises all wideband signals in one periodic table, in
// the frequency domain: each bin inside a band gets a complex Gaussian
// value whose expected power is the band's power per bin times the
// filter response there, then one inverse FFT.
func (g *gen) buildBands(bands []Band) {
	if len(bands) == 0 {
		return
	}
	L := bandTableLen
	fs := g.pb.fs
	spec := make([]complex128, L)
	any := false
	for k := 0; k < L; k++ {
		fk := float64(k) * fs / float64(L)
		if k >= L/2 {
			if g.pb.real {
				continue // the real band's analytic signal has no negative frequencies
			}
			fk -= fs
		}
		var f float64
		if g.pb.real {
			f = fk
		} else {
			f = g.pb.c.freq - g.pb.c.fshift + fk
		}
		var p float64
		for _, b := range bands {
			if math.Abs(f-b.CenterHz) > b.WidthHz/2 {
				continue
			}
			gain, fd, ok := g.pb.response(f)
			if !ok || math.Abs(fd-fk) > fs/float64(L) {
				continue // aliased or outside the filters
			}
			p += powerCounts(b.LevelDBm, g.rl) / b.WidthHz * fs / float64(L) * gain * gain
		}
		if p > 0 {
			any = true
			a := float64(L) * math.Sqrt(p/2)
			spec[k] = complex(a*g.rng.NormFloat64(), a*g.rng.NormFloat64())
		}
	}
	if !any {
		return
	}
	ifft(spec)
	g.band = spec
	g.bandPos = g.rng.IntN(L)
}

// fill produces the next n samples into i and q and reports whether any
// sample clipped at the 14-bit limits.
func (g *gen) fill(i, q []int16) (overRange bool) {
	n := len(i)
	if cap(g.re) < n {
		g.re, g.im = make([]float64, n), make([]float64, n)
	}
	re, im := g.re[:n], g.im[:n]
	for k := range re {
		re[k], im[k] = 0, 0
	}
	for t := range g.tones {
		ts := &g.tones[t]
		z, w := ts.z, ts.w
		for k := 0; k < n; k++ {
			re[k] += real(z)
			im[k] += imag(z)
			z *= w
		}
		// Renormalise so rounding never changes the level over long streams.
		if a := cmplx.Abs(z); a > 0 {
			z *= complex(ts.amp/a, 0)
		}
		ts.z = z
	}
	if g.band != nil {
		L := len(g.band)
		pos := g.bandPos
		for k := 0; k < n; k++ {
			v := g.band[pos]
			re[k] += real(v)
			im[k] += imag(v)
			pos++
			if pos == L {
				pos = 0
			}
		}
		g.bandPos = pos
	}
	sigma := g.sigma
	if g.pb.real {
		// Direct sampling: I is the real signal (2·Re of the analytic
		// signal keeps the level of pyrf's I-only formula), Q carries
		// only noise.
		for k := 0; k < n; k++ {
			x := 2*re[k] + sigma*g.noise.next() + g.imp.DCI
			y := sigma*g.noise.next() + g.imp.DCQ
			var o1, o2 bool
			i[k], o1 = quantise(x)
			q[k], o2 = quantise(y)
			overRange = overRange || o1 || o2
		}
		return overRange
	}
	qg, c, s := g.imp.QGain, g.cosPh, g.sinPh
	for k := 0; k < n; k++ {
		x := re[k] + sigma*g.noise.next()
		y := im[k] + sigma*g.noise.next()
		// I/Q imbalance: Q = g·(cos φ·Q0 + sin φ·I0), then DC offsets.
		yq := qg*(c*y+s*x) + g.imp.DCQ
		var o1, o2 bool
		i[k], o1 = quantise(x + g.imp.DCI)
		q[k], o2 = quantise(yq)
		overRange = overRange || o1 || o2
	}
	return overRange
}

// quantise rounds to a 14-bit two's-complement count (half away from
// zero; math.Round is a slow software routine on baseline amd64).
func quantise(v float64) (int16, bool) {
	switch {
	case v >= 8191.5:
		return 8191, true
	case v <= -8192.5:
		return -8192, true
	case v >= 0:
		return int16(v + 0.5), false
	}
	return int16(v - 0.5), false
}

// normTable holds standard normal values drawn once; noise samples are
// picked from it by a fast generator. Independent draws from 65536 values
// are white and Gaussian to well past what an FFT of a packet can tell
// (tails end near 4.4σ), at a fraction of the cost of NormFloat64 per
// sample, which set the simulator's speed.
var normTable = func() []float64 {
	r := rand.New(rand.NewPCG(0x5753, 0x4000))
	t := make([]float64, 1<<16)
	var sum, sq float64
	for i := range t {
		t[i] = r.NormFloat64()
		sum += t[i]
		sq += t[i] * t[i]
	}
	// Exactly zero mean and unit variance, so levels do not depend on the draw.
	m := sum / float64(len(t))
	sd := math.Sqrt(sq/float64(len(t)) - m*m)
	for i := range t {
		t[i] = (t[i] - m) / sd
	}
	return t
}()

// noiseSrc is a xorshift64* generator yielding four table indices per step.
type noiseSrc struct {
	x    uint64
	bits uint64
	left int
}

func (n *noiseSrc) next() float64 {
	if n.left == 0 {
		n.x ^= n.x >> 12
		n.x ^= n.x << 25
		n.x ^= n.x >> 27
		n.bits = n.x * 0x2545F4914F6CDD1D
		n.left = 4
	}
	v := normTable[n.bits&0xffff]
	n.bits >>= 16
	n.left--
	return v
}

// triggered reports whether the level trigger t fires on this capture: a
// scene signal between its start and stop frequencies that reaches the
// samples at or above its level. The scene is static, so a trigger that
// does not fire at once never fires.
func (g *gen) triggered(t wsa.Trigger) bool {
	if t.Type != wsa.TriggerLevel {
		return true
	}
	if g.pb.c.antenna != 1 {
		return false
	}
	for _, tone := range g.scene.Tones {
		if tone.FreqHz < t.StartHz || tone.FreqHz > t.StopHz {
			continue
		}
		if gain, _, ok := g.pb.response(tone.FreqHz); ok && tone.LevelDBm+20*math.Log10(gain) >= t.LevelDBm {
			return true
		}
	}
	for _, b := range g.scene.Bands {
		if b.CenterHz+b.WidthHz/2 < t.StartHz || b.CenterHz-b.WidthHz/2 > t.StopHz {
			continue
		}
		if _, _, ok := g.pb.response(b.CenterHz); ok && b.LevelDBm >= t.LevelDBm {
			return true
		}
	}
	return false
}
