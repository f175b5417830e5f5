package cal

import (
	"math"

	"github.com/wsatools/wsa/pkg/sweep"
	"github.com/wsatools/wsa/pkg/vrt"
	"github.com/wsatools/wsa/pkg/wsa"
)

// hannGain is the power response of a Hann-windowed DFT bin to a tone x
// bins away, relative to a tone on the bin: (sinc x / (1 − x²))².
func hannGain(x float64) float64 {
	x = math.Abs(x)
	var a float64
	switch {
	case x < 1e-9:
		a = 1
	case math.Abs(x-1) < 1e-9:
		a = 0.5
	default:
		a = math.Sin(math.Pi*x) / (math.Pi * x) / (1 - x*x)
	}
	return a * a
}

type tone struct{ hz, dbm float64 }

// taperDB is the simulator's filter shape in dB: flat to flat, falling
// linearly to edgeDB at edge, nothing beyond (−inf).
func taperDB(x, flat, edge, edgeDB float64) float64 {
	x = math.Abs(x)
	switch {
	case x <= flat:
		return 0
	case x >= edge:
		return math.Inf(-1)
	}
	return edgeDB * (x - flat) / (edge - flat)
}

// modelSpectrum builds the dBm spectrum a WSA4000 capture would give,
// analytically (no noise): tones through the analogue filter (flat over
// the usable band around the LO, −20 dB at ±FullBW/2) and the decimation
// filter, smeared by the Hann window, over a flat floor, and a large spike
// in the DC bin (the receiver's DC offset) that must never reach stitched
// output. Bins are laid out as wsa-fft does: DC at index N/2, at
// centre − fshift.
func modelSpectrum(p *wsa.Properties, fc, fshift float64, dec, points int, tones []tone, floorDBm float64) *vrt.Spectrum {
	fs := p.FullBW / float64(max(dec, 1))
	bin := fs / float64(points)
	dc := fc - fshift
	s := &vrt.Spectrum{StreamID: vrt.DefaultSpectrumStream, CenterHz: fc, StartHz: dc - float64(points/2)*bin, StepHz: bin,
		RBWHz: 1.5 * bin, SampleRateHz: fs, Decimation: uint32(max(dec, 1)), FFTSize: uint32(points), Window: "hann",
		Units: vrt.UnitsDBm, Averages: 1, Bins: make([]float32, points)}
	lin := make([]float64, points)
	for k := range lin {
		lin[k] = math.Pow(10, floorDBm/10)
	}
	for _, t := range tones {
		g := taperDB(t.hz-fc, p.UsableBW/2, p.FullBW/2, -20)
		if dec > 1 {
			g += taperDB(t.hz-dc, p.DecimatedUsable*fs/2, fs/2, -20)
		}
		if math.IsInf(g, -1) {
			continue
		}
		pos := (t.hz - s.StartHz) / bin
		for k := range lin {
			lin[k] += math.Pow(10, (t.dbm+g)/10) * hannGain(float64(k)-pos)
		}
	}
	for k := range lin {
		s.Bins[k] = float32(10 * math.Log10(lin[k]))
	}
	s.Bins[points/2] = 0 // DC offset spike, 0 dBm
	return s
}

// planSpectra returns the spectra of one pass of a pkg/sweep plan, with the
// centres and shift rounded to whole Hz as the device takes them.
func planSpectra(p *wsa.Properties, start, stop float64, bins int, tones []tone, floorDBm float64) (vrt.CaptureInfo, []*vrt.Spectrum) {
	pl, err := sweep.New(p, start, stop, bins, sweep.Options{})
	if err != nil {
		panic(err)
	}
	e, n, err := pl.Entry(p, wsa.DefaultSweepEntry())
	if err != nil {
		panic(err)
	}
	cs, ce := pl.Covered(p)
	ci := vrt.CaptureInfo{Source: "WSA4000 TEST-1 127.0.0.1", HasSweep: true, SweepID: 7, SweepStartHz: cs, SweepStopHz: ce, SweepSteps: uint32(n)}
	var out []*vrt.Spectrum
	for i, fc := range e.Steps() {
		s := modelSpectrum(p, fc, e.FShiftHz, max(e.Decimation, 1), e.SPP, tones, floorDBm)
		s.SweepID, s.HasSweepID, s.Source = 7, true, ci.Source
		s.Timestamp, s.HasTime = vrt.Timestamp{Int: 1700000000 + uint32(i), Frac: 5}, true
		out = append(out, s)
	}
	return ci, out
}
