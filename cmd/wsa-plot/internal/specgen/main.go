// Command specgen writes a synthetic spectrum stream (the suite's spectrum
// packets, as wsa-fft/wsa-cal write them) with tones at known frequencies
// over a noise floor. It exists to test and measure wsa-plot without a
// device: `go run ./cmd/wsa-plot/internal/specgen -n 36000 | wsa-plot ...`.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/wsatools/wsa/internal/cli"
	"github.com/wsatools/wsa/pkg/plot/plottest"
	"github.com/wsatools/wsa/pkg/vrt"
)

func main() {
	n := flag.Int("n", 100, "spectra per source")
	bins := flag.Int("bins", 1024, "bins per spectrum")
	centre := flag.String("center", "2.42G", "centre frequency")
	span := flag.String("span", "125M", "span (bins × step)")
	tones := flag.String("tones", "2.43G:-30,2.45G:-50", "FREQ:LEVEL tones, comma separated")
	floor := flag.Float64("floor", -100, "noise floor level")
	spread := flag.Float64("spread", 10, "noise spread (dB, peak to peak)")
	rate := flag.Float64("rate", 10, "spectra per second (timestamps)")
	sources := flag.Int("sources", 1, "sources (stream IDs tagged as wsa-pull does: 0x57530103, 0x57530203, ...)")
	steps := flag.Int("steps", 1, "sweep: segments per pass (>1 makes an unstitched sweep with a capture description)")
	dbfs := flag.Bool("dbfs", false, "units dBFS instead of dBm")
	iq := flag.Bool("iq", false, "write one raw I/Q packet instead (what wsa-plot must refuse)")
	flag.Parse()
	out := bufio.NewWriterSize(os.Stdout, 1<<20)
	defer out.Flush()
	if *iq {
		out.Write(plottest.RawIQ(1024))
		return
	}
	c, err1 := cli.ParseFreq(*centre)
	sp, err2 := cli.ParseFreq(*span)
	if err1 != nil || err2 != nil || *bins < 1 || *steps < 1 {
		fmt.Fprintln(os.Stderr, "specgen: bad -center, -span, -bins or -steps")
		os.Exit(2)
	}
	var tl []plottest.Tone
	for _, t := range strings.Split(*tones, ",") {
		if t == "" {
			continue
		}
		hz, lvl, err := cli.ParseTone(t)
		if err != nil {
			fmt.Fprintln(os.Stderr, "specgen:", err)
			os.Exit(2)
		}
		tl = append(tl, plottest.Tone{Hz: hz, Level: lvl})
	}
	step := sp / float64(*bins**steps)
	units := vrt.UnitsDBm
	if *dbfs {
		units = vrt.UnitsDBFS
	}
	var srcs []plottest.Source
	for k := 0; k < *sources; k++ {
		id := vrt.DefaultSpectrumStream
		if *sources > 1 {
			id = id&^0xff00 | uint32(k+1)<<8
		}
		srcs = append(srcs, plottest.Source{
			StreamID: id, Name: fmt.Sprintf("specgen %d", k+1), StartHz: c - sp/2, StepHz: step, Bins: *bins,
			Units: units, Floor: *floor, Spread: *spread, Tones: tl, Seed: uint64(k),
			Start: time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC), Interval: time.Duration(float64(time.Second) / *rate),
			Steps: *steps, SweepID: 7,
		})
	}
	total := *n * *steps
	// Write in chunks so memory stays flat however long the stream.
	const chunk = 64
	for i := 0; i < total; i += chunk {
		m := min(chunk, total-i)
		if _, err := out.Write(plottest.StreamRange(i, i+m, i == 0, srcs...)); err != nil {
			os.Exit(0) // reader went away
		}
	}
}
