package dsp

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"testing"

	"github.com/wsatools/wsa/pkg/vrt"
	"github.com/wsatools/wsa/pkg/wsa"
	"github.com/wsatools/wsa/pkg/wsa/sim"
)

// The tests in this file go through the simulator in-process over loopback
// and the real client, so the samples are the device model's (filters,
// noise, DC offset, I/Q imbalance, 14-bit quantisation), and through
// Stream, so context handling, frequencies and levels are wsa-fft's.

const toneHz, toneDBm = 2.412e9, -30.0

// TestToneLevelEveryWindowAndDecimation: the −30 dBm tone at 2.412 GHz
// reads −30 dBm ±1 dB (dBFS + RL + 15.7678, the RL taken from the
// spectrum's own context) at the right bin (±1), for every window, at
// decimation 1, 4 and 64. The centre is put an integer number of bins
// from the tone (rounded to the Hz the device accepts: at most 0.004 bins
// off), an eighth of the span below it, so the peak bin reads the level
// without scalloping. A second capture half a bin off the grid checks the
// level as main-lobe power / ENBW, which holds anywhere between bins and
// so checks the ENBW of each window against the simulator's physics too.
func TestToneLevelEveryWindowAndDecimation(t *testing.T) {
	const n = 16384
	for _, dec := range []int{1, 4, 64} {
		fs := 125e6 / float64(dec)
		step := fs / n
		m := -n / 8 // bins from the tone to the centre
		for _, grid := range []struct {
			name string
			frac float64
		}{{"on-grid", 0}, {"half-bin", 0.5}} {
			fc := math.Round(toneHz + (float64(-m)+grid.frac)*step)
			in := simCapture(t, oneTone(toneHz, toneDBm), tune(fc, 0, dec), n, 1, 1)
			for _, win := range WindowNames() {
				t.Run(fmt.Sprintf("dec%d/%s/%s", dec, grid.name, win), func(t *testing.T) {
					sp := spectra(t, runStream(t, StreamConfig{Options: Options{Window: win}}, in))
					if len(sp) != 1 {
						t.Fatalf("%d spectra, want 1", len(sp))
					}
					s := &sp[0]
					if s.Decimation != uint32(dec) || s.SampleRateHz != fs || len(s.Bins) != n || s.Window != win {
						t.Fatalf("decimation %d, rate %v, %d bins, window %q", s.Decimation, s.SampleRateHz, len(s.Bins), s.Window)
					}
					if !s.HasRefLevel {
						t.Fatal("no reference level in the spectrum's context")
					}
					want := binOf(s, toneHz)
					k := Peak(s.Bins)
					if k < want-1 || k > want+1 {
						t.Fatalf("peak at bin %d (%.6f GHz), want %d (2.412 GHz)", k, s.FreqOf(k)/1e9, want)
					}
					if grid.frac == 0 {
						if l := dbm(s, k); math.Abs(l-toneDBm) > 1 {
							t.Errorf("peak reads %.2f dBm, want −30 ±1", l)
						}
					}
					w, _ := Window(win, n)
					if l := lobePowerDBm(s, k, 20, ENBW(w)); math.Abs(l-toneDBm) > 1 {
						t.Errorf("main-lobe power %.2f dBm, want −30 ±1", l)
					}
				})
			}
		}
	}
}

// TestNearFullScaleTone: a tone 0.5 dB below the ADC's full scale (the
// largest the 14-bit samples hold without clipping; full scale is RL +
// 9.75 dBm) reads its level to a tenth of a dB: the level contract holds
// at the top of the range, not just at −30 dBm.
func TestNearFullScaleTone(t *testing.T) {
	const n = 16384
	rl := sim.RefLevel("high", 0)
	level := rl + 9.75 - 0.5
	step := 125e6 / n
	fc := math.Round(toneHz + 2048*step)
	in := simCapture(t, sim.Config{Impairments: &sim.NoImpairments, Scene: &sim.Scene{Tones: []sim.Tone{{FreqHz: toneHz, LevelDBm: level}}}},
		func(ctx context.Context, c *wsa.Client) error {
			if err := c.SetGain(ctx, "high"); err != nil {
				return err
			}
			return tune(fc, 0, 1)(ctx, c)
		}, n, 1, 1)
	s := spectra(t, runStream(t, StreamConfig{}, in))[0]
	if s.RefLevelDBm != rl {
		t.Fatalf("reference level %v, want %v", s.RefLevelDBm, rl)
	}
	k := Peak(s.Bins)
	if got := dbm(&s, k); math.Abs(got-level) > 0.1 {
		t.Errorf("near-full-scale tone reads %.3f dBm, want %.3f", got, level)
	}
	if got := float64(s.Bins[k]); math.Abs(got-(-6.02-0.5)) > 0.1 {
		t.Errorf("reads %.3f dBFS, want −6.52", got)
	}
}

// TestIQImageThroughSimulator: the simulator's I/Q imbalance puts an image
// of the tone at the mirrored frequency about 36 dB down; the correction
// (default) removes it into the noise, and --no-iq shows it.
func TestIQImageThroughSimulator(t *testing.T) {
	const n = 16384
	in := simCapture(t, oneTone(toneHz, toneDBm), tune(2.42e9, 0, 1), n, 1, 1)
	image := func(opt Options) float64 {
		s := spectra(t, runStream(t, StreamConfig{Options: opt}, in))[0]
		k := binOf(&s, toneHz)
		mirror := n - k
		peak := float64(s.Bins[Peak(s.Bins[k-2:k+3])+k-2])
		img := float64(s.Bins[Peak(s.Bins[mirror-2:mirror+3])+mirror-2])
		return peak - img
	}
	on, off := image(Options{}), image(Options{NoIQCorrection: true})
	t.Logf("image %.1f dB below the tone corrected, %.1f dB uncorrected", on, off)
	if off < 32 || off > 40 {
		t.Errorf("uncorrected image %.1f dB down, want about 36", off)
	}
	if on < 60 {
		t.Errorf("corrected image only %.1f dB down", on)
	}
}

// TestRealBandTone: tuned into the 0-40 MHz band, the simulator digitises
// directly and reports bandwidth fs/2; the default scene's 10 MHz, −40 dBm
// tone then appears at 10 MHz (absolute frequency, bins 0 … 62.5 MHz) at
// its level, through the real-only path. Decimated by 4 (0 … 15.6 MHz,
// where the decimation filter is flat to 7.8 MHz) a 5 MHz tone is used.
func TestRealBandTone(t *testing.T) {
	const n = 16384
	for _, c := range []struct {
		dec  int
		cfg  sim.Config
		tone float64
	}{{1, sim.Config{}, 10e6}, {4, oneTone(5e6, -40), 5e6}} {
		dec := c.dec
		in := simCapture(t, c.cfg, tune(20e6, 0, dec), n, 1, 1)
		s := spectra(t, runStream(t, StreamConfig{}, in))[0]
		fs := 125e6 / float64(dec)
		if len(s.Bins) != n/2+1 || s.StartHz != 0 || s.StepHz != fs/n || s.Decimation != uint32(dec) || s.SampleRateHz != fs {
			t.Fatalf("dec %d: %d bins from %v step %v, decimation %d, rate %v", dec, len(s.Bins), s.StartHz, s.StepHz, s.Decimation, s.SampleRateHz)
		}
		if s.StopHz() != fs/2 {
			t.Errorf("last bin at %v, want fs/2", s.StopHz())
		}
		k := Peak(s.Bins)
		if f := s.FreqOf(k); math.Abs(f-c.tone) > s.StepHz {
			t.Errorf("dec %d: peak at %.4f MHz, want %v", dec, f/1e6, c.tone/1e6)
		}
		w, _ := Window("hann", n)
		if l := lobePowerDBm(&s, k, 20, ENBW(w)); math.Abs(l+40) > 1 {
			t.Errorf("dec %d: %v MHz tone reads %.2f dBm, want −40 ±1", dec, c.tone/1e6, l)
		}
	}
}

// TestRFOffsetPlacesBins: with a frequency shift the device reports
// rf_offset = −fshift, and the tone must still be found at its RF
// frequency: bins are placed around rf_freq + rf_offset.
func TestRFOffsetPlacesBins(t *testing.T) {
	const n = 16384
	in := simCapture(t, oneTone(toneHz, toneDBm), tune(2.42e9, 3e6, 1), n, 1, 1)
	s := spectra(t, runStream(t, StreamConfig{}, in))[0]
	if s.CenterHz != 2.42e9 {
		t.Errorf("centre %v", s.CenterHz)
	}
	if dc := s.FreqOf(n / 2); dc != 2.42e9-3e6 {
		t.Errorf("DC bin at %v, want rf_freq + rf_offset = 2.417 GHz", dc)
	}
	if f := s.FreqOf(Peak(s.Bins)); math.Abs(f-toneHz) > s.StepHz {
		t.Errorf("tone at %.6f GHz, want 2.412", f/1e9)
	}
}

// TestInvertedSpectrumFlipped: the same capture with the spectral-inversion
// trailer flag (indicator and enable) set on its data packets gives the
// mirror image: the tone at the mirrored bin, every bin mirrored about DC.
// The indicator without its enable bit changes nothing.
func TestInvertedSpectrumFlipped(t *testing.T) {
	const n = 4096
	in := simCapture(t, oneTone(toneHz, toneDBm), tune(2.42e9, 0, 1), n, 1, 1)
	flag := func(tr func(vrt.Trailer) vrt.Trailer) []byte {
		var out []byte
		for _, raw := range packets(t, in) {
			p := decodePacket(t, raw)
			if p.Type.IsData() {
				raw = append([]byte(nil), raw...)
				w := uint32(tr(p.Trailer))
				binary.BigEndian.PutUint32(raw[len(raw)-4:], w)
			}
			out = append(out, raw...)
		}
		return out
	}
	up := spectra(t, runStream(t, StreamConfig{}, in))[0]
	inv := spectra(t, runStream(t, StreamConfig{}, flag(func(t vrt.Trailer) vrt.Trailer { return t.With(vrt.TrailerSpectralInv, true) })))[0]
	noEnable := spectra(t, runStream(t, StreamConfig{}, flag(func(t vrt.Trailer) vrt.Trailer { return t | 1<<vrt.TrailerSpectralInv })))[0]
	ku, ki := Peak(up.Bins), Peak(inv.Bins)
	if ku != binOf(&up, toneHz) || ki != n-ku {
		t.Errorf("tone at bin %d upright, %d inverted; want %d and %d", ku, ki, binOf(&up, toneHz), n-ku)
	}
	for j := 1; j < n; j++ {
		if up.Bins[j] != inv.Bins[n-j] {
			t.Fatalf("bin %d upright %v != bin %d inverted %v", j, up.Bins[j], n-j, inv.Bins[n-j])
		}
	}
	for j := range up.Bins {
		if up.Bins[j] != noEnable.Bins[j] {
			t.Fatalf("indicator without enable bit changed bin %d", j)
		}
	}
}
