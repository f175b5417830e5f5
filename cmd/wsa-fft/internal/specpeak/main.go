// Command specpeak is a test helper for scripts/e2e/fft.sh: it reads the
// suite's spectrum packets on stdin and prints one line per spectrum with
// its description and its peak, so a shell script can check frequencies
// and levels without jq or float parsing. Not installed with the tools.
//
//	specpeak [-at FREQ_HZ] [-span HZ] < spectra.vrt
//
// Output fields (space-separated key=value): stream, bins, start_hz,
// step_hz, center_hz, trace, averages, units, decimation, sweep_id,
// source, peak_hz, peak_db (the bins' own unit), peak_dbm (dBFS +
// reference level + 15.7678 when the reference level is known, else "-").
// With -at, the peak is searched only within ±span of FREQ_HZ.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"

	"github.com/wsatools/wsa/pkg/dsp"
	"github.com/wsatools/wsa/pkg/vrt"
)

func main() {
	at := flag.Float64("at", math.NaN(), "search the peak near this frequency (Hz)")
	span := flag.Float64("span", 0, "half-width of the search around -at (Hz; 0: three bins)")
	flag.Parse()
	r := vrt.NewReader(os.Stdin, vrt.ReaderOptions{})
	var dec vrt.SpectrumDecoder
	for {
		p, err := r.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "specpeak:", err)
			os.Exit(1)
		}
		s, err := dec.Feed(p)
		if err != nil && !errors.Is(err, vrt.ErrNotSpectrum) {
			fmt.Fprintln(os.Stderr, "specpeak:", err)
			os.Exit(1)
		}
		if s == nil {
			continue
		}
		lo, hi := 0, len(s.Bins)-1
		if !math.IsNaN(*at) {
			w := *span
			if w == 0 {
				w = 3 * s.StepHz
			}
			lo = max(lo, int(math.Ceil((*at-w-s.StartHz)/s.StepHz)))
			hi = min(hi, int(math.Floor((*at+w-s.StartHz)/s.StepHz)))
		}
		if lo > hi {
			fmt.Fprintf(os.Stderr, "specpeak: %v Hz is outside the spectrum %v … %v Hz\n", *at, s.StartHz, s.StopHz())
			os.Exit(1)
		}
		k := lo + dsp.Peak(s.Bins[lo:hi+1])
		dbm := "-"
		if s.HasRefLevel && s.Units == vrt.UnitsDBFS {
			dbm = strconv.FormatFloat(float64(s.Bins[k])+s.RefLevelDBm+dsp.RefLevelErrorDB, 'f', 3, 64)
		} else if s.Units == vrt.UnitsDBm {
			dbm = strconv.FormatFloat(float64(s.Bins[k]), 'f', 3, 64)
		}
		sweep := "-"
		if s.HasSweepID {
			sweep = strconv.FormatUint(uint64(s.SweepID), 10)
		}
		src := s.Source
		if src == "" {
			src = "-"
		}
		fmt.Printf("stream=0x%08x bins=%d start_hz=%.3f step_hz=%.6f center_hz=%.0f trace=%s averages=%d units=%s decimation=%d sweep_id=%s source=%q peak_hz=%.1f peak_db=%.3f peak_dbm=%s\n",
			s.StreamID, len(s.Bins), s.StartHz, s.StepHz, s.CenterHz, s.Trace, s.Averages, s.Units, s.Decimation, sweep, src,
			s.FreqOf(k), s.Bins[k], dbm)
	}
}
