package cal

import (
	"fmt"
	"math"
	"sort"

	"github.com/wsatools/wsa/internal/cli"
	"github.com/wsatools/wsa/pkg/vrt"
)

// Peak is one spectral peak: the bin's centre frequency and level.
type Peak struct {
	FreqHz   float64 `json:"freq_hz"`
	LevelDBm float64 `json:"level_dbm"`
	Bin      int     `json:"bin"`
}

// DefaultPeakSeparationBins is the default minimum distance between two
// reported peaks, in bins: the width of a Hann window's main lobe (±2
// bins), so the shoulders of one tone are never a second peak.
const DefaultPeakSeparationBins = 4

// Peaks returns up to n peaks of s, highest first. A peak is a local
// maximum (at least its left neighbour, above its right one, the spectrum's
// ends counting as −∞); peaks closer than minSepHz to a higher one already
// chosen are skipped, so one signal is reported once. minSepHz ≤ 0 means
// DefaultPeakSeparationBins bins. NaN bins are never peaks.
func Peaks(s *vrt.Spectrum, n int, minSepHz float64) []Peak {
	if n <= 0 || len(s.Bins) == 0 {
		return nil
	}
	if minSepHz <= 0 {
		minSepHz = DefaultPeakSeparationBins * s.StepHz
	}
	b := s.Bins
	var cand []int
	for k := range b {
		v := b[k]
		if v != v {
			continue
		}
		left := k == 0 || !(b[k-1] > v)
		right := k == len(b)-1 || v > b[k+1] || b[k+1] != b[k+1]
		if left && right {
			cand = append(cand, k)
		}
	}
	sort.SliceStable(cand, func(i, j int) bool { return b[cand[i]] > b[cand[j]] })
	var out []Peak
	for _, k := range cand {
		f := s.FreqOf(k)
		ok := true
		for _, p := range out {
			if math.Abs(p.FreqHz-f) < minSepHz*(1-1e-9) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, Peak{FreqHz: f, LevelDBm: float64(b[k]), Bin: k})
			if len(out) == n {
				break
			}
		}
	}
	return out
}

// enbwBins is the equivalent noise bandwidth of s's bins in bins: RBW /
// step (1.5 for Hann), 1 when the spectrum does not say.
func enbwBins(s *vrt.Spectrum) float64 {
	if s.RBWHz > 0 && s.StepHz > 0 {
		return s.RBWHz / s.StepHz
	}
	return 1
}

// ChannelPower returns the power in dBm between startHz and stopHz:
// pyrf's 2019 form, 10·log10(Σ 10^(P[k]/10)) over the bins of the channel
// (device-facts.md §5.8), with two deliberate refinements: a bin that
// straddles an edge counts by the fraction inside, and the sum is divided
// by the bins' noise bandwidth in bins (RBW/step, 1.5 for Hann), so that a
// tone and a noise-like band both read their true power (pyrf's sum reads
// 1.76 dB high with a Hann window). The channel must lie within the
// spectrum (bin edges included).
func ChannelPower(s *vrt.Spectrum, startHz, stopHz float64) (float64, error) {
	if !(stopHz > startHz) {
		return 0, fmt.Errorf("channel %v to %v Hz is empty", startHz, stopHz)
	}
	if len(s.Bins) == 0 || !(s.StepHz > 0) {
		return 0, fmt.Errorf("spectrum has no bins")
	}
	step := s.StepHz
	lo, hi := s.StartHz-step/2, s.StopHz()+step/2
	if startHz < lo-1e-6*step || stopHz > hi+1e-6*step {
		return 0, fmt.Errorf("channel %s to %s is not within the spectrum (%s to %s)",
			cli.FormatFreq(startHz), cli.FormatFreq(stopHz), cli.FormatFreq(lo), cli.FormatFreq(hi))
	}
	k0 := max(0, int(math.Floor((startHz-lo)/step)))
	k1 := min(len(s.Bins)-1, int(math.Ceil((stopHz-lo)/step)))
	var sum float64
	for k := k0; k <= k1; k++ {
		a := lo + float64(k)*step
		w := (math.Min(a+step, stopHz) - math.Max(a, startHz)) / step
		if w > 0 {
			sum += w * math.Pow(10, float64(s.Bins[k])/10)
		}
	}
	return 10 * math.Log10(sum/enbwBins(s)), nil
}

// OBW is an occupied bandwidth measurement.
type OBW struct {
	Percent     float64 `json:"percent"`
	BandwidthHz float64 `json:"bandwidth_hz"`
	StartHz     float64 `json:"obw_start_hz"`
	StopHz      float64 `json:"obw_stop_hz"`
	CenterHz    float64 `json:"obw_center_hz"`
	TotalDBm    float64 `json:"total_power_dbm"`
}

// OccupiedBandwidth returns the band holding pct % of the spectrum's power,
// with (100 − pct)/2 % left out on each side (the usual analyzer
// definition): the cumulative linear power is walked from both ends, each
// bin's power spread evenly over its width, so the edges fall between bin
// centres. pyrf's version (device-facts.md §5.8) grows a window
// symmetrically around the middle bin and never counts bin m+1; that is
// not reproduced. pct ≥ 100 gives the whole span, as in pyrf.
func OccupiedBandwidth(s *vrt.Spectrum, pct float64) (OBW, error) {
	if !(pct > 0) || math.IsInf(pct, 0) {
		return OBW{}, fmt.Errorf("occupied bandwidth percentage %v must be above 0", pct)
	}
	n := len(s.Bins)
	if n == 0 || !(s.StepHz > 0) {
		return OBW{}, fmt.Errorf("spectrum has no bins")
	}
	step := s.StepHz
	lo := s.StartHz - step/2
	lin := make([]float64, n)
	var total float64
	for k, v := range s.Bins {
		if v == v {
			lin[k] = math.Pow(10, float64(v)/10)
		}
		total += lin[k]
	}
	o := OBW{Percent: pct, TotalDBm: 10 * math.Log10(total/enbwBins(s))}
	if pct >= 100 || total == 0 {
		o.StartHz, o.StopHz = lo, lo+float64(n)*step
	} else {
		tail := total * (1 - pct/100) / 2
		o.StartHz = lo + edgeFrom(lin, tail)*step
		rev := make([]float64, n)
		for k := range lin {
			rev[n-1-k] = lin[k]
		}
		o.StopHz = lo + (float64(n)-edgeFrom(rev, tail))*step
	}
	o.BandwidthHz = o.StopHz - o.StartHz
	o.CenterHz = (o.StartHz + o.StopHz) / 2
	return o, nil
}

// edgeFrom returns the position, in bins from the start of p, where the
// running sum of p reaches tail (linear within a bin).
func edgeFrom(p []float64, tail float64) float64 {
	var acc float64
	for k, v := range p {
		if acc+v >= tail {
			if v == 0 {
				return float64(k)
			}
			return float64(k) + (tail-acc)/v
		}
		acc += v
	}
	return float64(len(p))
}
