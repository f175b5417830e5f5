package dsp

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/wsatools/wsa/pkg/vrt"
)

// Options choose the steps of the chain. The zero value is pyrf's WSA4000
// chain (device-facts.md §5.2): DC removal, classic I/Q imbalance
// correction, symmetric Hann window, FFT, fftshift, 20·log10(|X|/N),
// centre-bin fix.
type Options struct {
	// Window is a registry name (WindowNames); "" means DefaultWindow.
	Window string
	// NoDCRemoval keeps the mean of I and Q (step 1). Without DC removal
	// a zero-IF receiver's offset shows as a spike on the centre bin.
	NoDCRemoval bool
	// NoIQCorrection skips the classic I/Q imbalance correction (step 2),
	// leaving the image of every signal mirrored about the centre.
	NoIQCorrection bool
	// NoCenterFix leaves the centre (DC) bin as computed instead of the
	// geometric mean of its neighbours (step 6).
	NoCenterFix bool
	// ExactLog uses math.Log10 instead of PowerDB (a reference for
	// comparisons; the difference is below 1e-7 dB).
	ExactLog bool
	// NewFFT makes the transform of a given length; nil means NewFFT.
	// It lets benchmarks put another FFT (go-dsp's) under the same chain.
	NewFFT func(n int) (Transformer, error)
}

// Plan computes spectra of one length with one set of options. Making it
// computes the window and the FFT plan once; after that, every call
// reuses its buffers and allocates nothing. A Plan is not safe for
// concurrent use: give each goroutine its own.
type Plan struct {
	n     int
	real  bool
	opt   Options
	win   []float64
	enbw  float64
	fft   Transformer
	rad   *radix // the own FFT (fft itself), used in its bit-reversed form
	buf   []complex128
	chunk []float64 // DBIQ16's power scratch
	// Real transforms of even length run as an n/2-point complex FFT of the
	// even and odd samples; rtw holds e^(−2πik/n), k = 0…n/2.
	rtw  []complex128
	half bool
}

// NewPlan makes a plan for n-sample blocks: complex I/Q (real false, n bins
// from −fs/2 to fs/2 with DC at index n/2) or real samples (real true,
// n/2+1 bins from 0 to fs/2).
func NewPlan(n int, real bool, opt Options) (*Plan, error) {
	if n < 2 {
		return nil, fmt.Errorf("dsp: a spectrum needs at least 2 samples, got %d", n)
	}
	spec, err := LookupWindow(opt.Window)
	if err != nil {
		return nil, err
	}
	opt.Window = spec.Name
	p := &Plan{n: n, real: real, opt: opt, win: spec.Values(make([]float64, n))}
	p.enbw = ENBW(p.win)
	// Scale the window to Hann's coherent gain (a0 = ½): pyrf's calibration
	// (RL − 62.5 on Hann-weighted counts) assumes it, so with this every
	// window reads a tone at the same dBFS and dBm (docs/DSP.md).
	if g := HannGain / spec.Coeffs[0]; g != 1 {
		for k := range p.win {
			p.win[k] *= g
		}
	}
	mk := opt.NewFFT
	if mk == nil {
		mk = NewFFT
	}
	m := n
	if real && n%2 == 0 {
		p.half = true
		m = n / 2
		p.rtw = make([]complex128, m+1)
		for k := range p.rtw {
			s, c := math.Sincos(-2 * math.Pi * float64(k) / float64(n))
			p.rtw[k] = complex(c, s)
		}
	}
	if p.fft, err = mk(m); err != nil {
		return nil, err
	}
	if p.fft.Len() != m {
		return nil, fmt.Errorf("dsp: FFT plan has length %d, want %d", p.fft.Len(), m)
	}
	p.buf = make([]complex128, m)
	p.rad, _ = p.fft.(*radix)
	if !real {
		p.chunk = make([]float64, min(n, dbChunk))
	}
	return p, nil
}

// Len returns the number of samples per block.
func (p *Plan) Len() int { return p.n }

// Real reports whether the plan takes real samples.
func (p *Plan) Real() bool { return p.real }

// Bins returns the number of bins a spectrum has: n for complex samples,
// n/2+1 for real ones.
func (p *Plan) Bins() int {
	if p.real {
		return p.n/2 + 1
	}
	return p.n
}

// DCIndex returns the index of the 0 Hz bin relative to the tuned centre:
// n/2 (rounded down) for complex data, 0 for real data.
func (p *Plan) DCIndex() int {
	if p.real {
		return 0
	}
	return p.n / 2
}

// Window returns the window's name.
func (p *Plan) Window() string { return p.opt.Window }

// ENBW returns the equivalent noise bandwidth of the plan's window in bins
// (for this length); RBW = ENBW × fs/n.
func (p *Plan) ENBW() float64 { return p.enbw }

// Options returns the options the plan was made with.
func (p *Plan) Options() Options { return p.opt }

// PowerIQ computes the power spectrum of one block of complex samples
// (I and Q scaled to ±1.0 full scale, len n each) into dst (len Bins()):
// dst[j] = |X[k]/n|² for the bin j of frequency (j − n/2)·fs/n, low to high,
// after the chain's steps. With inverted set (the spectral-inversion
// trailer flag) the spectrum is mirrored about the centre frequency, so a
// tone at +f reads at −f. i and q are not modified.
func (p *Plan) PowerIQ(dst, i, q []float64, inverted bool) {
	n := p.n
	if p.real || len(i) != n || len(q) != n || len(dst) < n {
		panic(fmt.Sprintf("dsp: PowerIQ of length %d (real %v) given %d, %d samples and %d bins", n, p.real, len(i), len(q), len(dst)))
	}
	q = q[:len(i)]
	buf := p.buf[:len(i)]
	var s sums
	for k, a := range i {
		b := q[k]
		buf[k] = complex(a, b)
		s.i += a
		s.q += b
		s.ii += a * a
		s.qq += b * b
		s.iq += a * b
	}
	p.finishIQ(dst, &s, inverted)
}

// PowerIQ16 is PowerIQ for an I14Q14 payload as it comes off the wire (one
// big-endian word per sample, I in the high half, Q in the low, counts
// scaled by 2^-13), decoded in the same pass that sums: the stage's hot
// path.
func (p *Plan) PowerIQ16(dst []float64, payload []byte, inverted bool) {
	n := p.n
	if p.real || len(payload) < 4*n || len(dst) < n {
		panic(fmt.Sprintf("dsp: PowerIQ16 of length %d (real %v) given %d bytes and %d bins", n, p.real, len(payload), len(dst)))
	}
	s := p.loadIQ16(payload)
	p.finishIQ(dst, &s, inverted)
}

// loadIQ16 decodes an I14Q14 payload into p.buf and returns the sums.
func (p *Plan) loadIQ16(payload []byte) sums {
	n := p.n
	buf := p.buf[:n]
	b := payload[:4*n]
	// Two sets of accumulators, so consecutive samples do not wait on each
	// other's additions; the sums are of counts, scaled once at the end.
	var s, s2 sums
	k := 0
	for ; k+1 < n; k += 2 {
		w0 := binary.BigEndian.Uint32(b[4*k:])
		w1 := binary.BigEndian.Uint32(b[4*k+4:])
		x0, y0 := float64(int16(w0>>16)), float64(int16(w0))
		x1, y1 := float64(int16(w1>>16)), float64(int16(w1))
		buf[k] = complex(x0*vrt.ScaleI14, y0*vrt.ScaleI14)
		buf[k+1] = complex(x1*vrt.ScaleI14, y1*vrt.ScaleI14)
		s.i += x0
		s.q += y0
		s.ii += x0 * x0
		s.qq += y0 * y0
		s.iq += x0 * y0
		s2.i += x1
		s2.q += y1
		s2.ii += x1 * x1
		s2.qq += y1 * y1
		s2.iq += x1 * y1
	}
	if k < n {
		w0 := binary.BigEndian.Uint32(b[4*k:])
		x0, y0 := float64(int16(w0>>16)), float64(int16(w0))
		buf[k] = complex(x0*vrt.ScaleI14, y0*vrt.ScaleI14)
		s.i += x0
		s.q += y0
		s.ii += x0 * x0
		s.qq += y0 * y0
		s.iq += x0 * y0
	}
	const sc, sc2 = vrt.ScaleI14, vrt.ScaleI14 * vrt.ScaleI14
	return sums{(s.i + s2.i) * sc, (s.q + s2.q) * sc, (s.ii + s2.ii) * sc2, (s.qq + s2.qq) * sc2, (s.iq + s2.iq) * sc2}
}

// sums are what DC removal and the I/Q correction need, from one pass.
type sums struct{ i, q, ii, qq, iq float64 }

// transformIQ runs steps 1-4 of the chain on the samples in p.buf whose
// sums are s: DC removal, I/Q correction, window, FFT. The own FFT leaves
// X in bit-reversed order (no permutation pass); powerRange reads it
// through the table.
func (p *Plan) transformIQ(s *sums) {
	n := p.n
	var mi, mq float64
	fn := float64(n)
	sii, sqq, siq := s.ii, s.qq, s.iq
	if !p.opt.NoDCRemoval {
		mi, mq = s.i/fn, s.q/fn
		sii -= fn * mi * mi
		sqq -= fn * mq * mq
		siq -= fn * mi * mq
	}
	// Classic correction (device-facts.md §5.2 step 2):
	// ratio = √(Si/Sq), s = ratio·Σ(I·Q)/Si ≈ sin φ,
	// Q′ = (ratio·Q − s·I)/√(1 − s²) = ca·Q − cb·I.
	ca, cb := 1.0, 0.0
	if !p.opt.NoIQCorrection && sii > 0 && sqq > 0 {
		ratio := math.Sqrt(sii / sqq)
		sn := ratio * siq / sii
		if sn > -1 && sn < 1 {
			c := math.Sqrt(1 - sn*sn)
			ca, cb = ratio/c, sn/c
		}
	}
	w := p.win[:n]
	buf := p.buf[:n]
	for k, z := range buf {
		a := real(z) - mi
		b := imag(z) - mq
		buf[k] = complex(w[k]*a, w[k]*(ca*b-cb*a))
	}
	if p.rad != nil {
		p.rad.TransformBitReversed(buf)
	} else {
		p.fft.Transform(buf)
	}
}

// finishIQ completes PowerIQ and PowerIQ16: the whole spectrum as power.
func (p *Plan) finishIQ(dst []float64, s *sums, inverted bool) {
	p.transformIQ(s)
	n := p.n
	out := dst[:n]
	p.powerRange(out, 0, inverted)
	if h := n / 2; !p.opt.NoCenterFix && n >= 3 {
		// pyrf averages the neighbours in dB: the geometric mean in power.
		out[h] = math.Sqrt(out[h-1] * out[h+1])
	}
}

// dbChunk is how many bins DBIQ16 holds as power at a time: small enough to
// stay in L1 next to the FFT's buffer.
const dbChunk = 512

// DBIQ16 is PowerIQ16 followed by PowerToDB, without the intermediate
// power array (the live path of wsa-fft: less memory traffic at large N).
// The centre fix is pyrf's mean of the neighbours in dB.
func (p *Plan) DBIQ16(dst []float32, payload []byte, inverted bool) {
	n := p.n
	if p.real || len(payload) < 4*n || len(dst) < n {
		panic(fmt.Sprintf("dsp: DBIQ16 of length %d (real %v) given %d bytes and %d bins", n, p.real, len(payload), len(dst)))
	}
	s := p.loadIQ16(payload)
	p.transformIQ(&s)
	out := dst[:n]
	for j0 := 0; j0 < n; j0 += dbChunk {
		c := p.chunk[:min(dbChunk, n-j0)]
		p.powerRange(c, j0, inverted)
		PowerToDB(out[j0:j0+len(c)], c, p.opt.ExactLog)
	}
	if h := n / 2; !p.opt.NoCenterFix && n >= 3 {
		out[h] = (out[h-1] + out[h+1]) / 2
	}
}

// powerRange writes |X[k]/n|² for the output bins j0 … j0+len(out)−1:
// fftshift puts X[(j − n/2) mod n] on bin j (DC on n/2), and inversion
// mirrors the offsets, X[(n/2 − j) mod n].
func (p *Plan) powerRange(out []float64, j0 int, inverted bool) {
	n, h := p.n, p.n/2
	buf := p.buf[:n]
	fn := float64(n)
	scale := 1 / (fn * fn)
	step, k := 1, j0-h
	if inverted {
		step, k = -1, h-j0
	}
	k %= n
	if k < 0 {
		k += n
	}
	if p.rad != nil {
		rev := p.rad.rev[:n]
		for i := range out {
			x := buf[rev[k]]
			out[i] = (real(x)*real(x) + imag(x)*imag(x)) * scale
			if k += step; k == n {
				k = 0
			} else if k < 0 {
				k = n - 1
			}
		}
		return
	}
	for i := range out {
		x := buf[k]
		out[i] = (real(x)*real(x) + imag(x)*imag(x)) * scale
		if k += step; k == n {
			k = 0
		} else if k < 0 {
			k = n - 1
		}
	}
}

// PowerReal computes the spectrum of one block of real samples (scaled to
// ±1.0, len n) into dst (len Bins() = n/2+1): dst[k] = |X[k]/n|² for
// frequency k·fs/n, k = 0…n/2 (numpy's rfft bins, normalised by n as pyrf
// 2.2+ does). DC removal applies unless disabled; there is no I/Q step and
// no centre fix. With inverted set the band is mirrored (k ↔ n/2 − k).
func (p *Plan) PowerReal(dst, x []float64, inverted bool) {
	n := p.n
	nb := n/2 + 1
	if len(x) != n || len(dst) < nb {
		panic(fmt.Sprintf("dsp: PowerReal of length %d given %d samples and %d bins", n, len(x), len(dst)))
	}
	x = x[:n]
	var m float64
	if !p.opt.NoDCRemoval {
		var s float64
		for _, v := range x {
			s += v
		}
		m = s / float64(n)
	}
	w := p.win[:n]
	buf := p.buf
	out := dst[:nb]
	fn := float64(n)
	scale := 1 / (fn * fn)
	put := func(k int, v float64) {
		if inverted {
			k = nb - 1 - k
		}
		out[k] = v
	}
	if !p.half {
		for k := range buf {
			buf[k] = complex(w[k]*(x[k]-m), 0)
		}
		p.fft.Transform(buf)
		for k := 0; k < nb; k++ {
			v := buf[k]
			put(k, (real(v)*real(v)+imag(v)*imag(v))*scale)
		}
		return
	}
	// Pack even samples into the real part and odd ones into the imaginary
	// part, transform n/2 points, then separate: with Z the packed DFT,
	// E[k] = (Z[k] + conj Z[h−k])/2, O[k] = (Z[k] − conj Z[h−k])/(2i),
	// X[k] = E[k] + e^(−2πik/n)·O[k].
	h := n / 2
	for k := range buf {
		buf[k] = complex(w[2*k]*(x[2*k]-m), w[2*k+1]*(x[2*k+1]-m))
	}
	p.fft.Transform(buf)
	tw := p.rtw
	for k := 0; k <= h; k++ {
		zk := buf[k%h]
		zc := buf[(h-k)%h]
		zc = complex(real(zc), -imag(zc))
		e := (zk + zc) * 0.5
		o := (zk - zc) * complex(0, -0.5)
		v := e + tw[k]*o
		put(k, (real(v)*real(v)+imag(v)*imag(v))*scale)
	}
}
