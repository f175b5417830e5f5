package cal_test

import (
	"fmt"
	"math"
	"strings"

	"github.com/wsatools/wsa/pkg/cal"
	"github.com/wsatools/wsa/pkg/sweep"
	"github.com/wsatools/wsa/pkg/vrt"
	"github.com/wsatools/wsa/pkg/wsa"
)

// Stitch the three captures of a 2.4-2.5 GHz sweep (planned by pkg/sweep)
// into one dBm spectrum and find its peak.
func ExampleStitcher() {
	p := wsa.PropertiesFor("")
	pl, _ := sweep.New(p, 2.4e9, 2.5e9, 1000, sweep.Options{})
	e, n, _ := pl.Entry(p, wsa.DefaultSweepEntry())

	st := &cal.Stitcher{}
	st.Describe(vrt.CaptureInfo{HasSweep: true, SweepID: 1, SweepStartHz: 2.4e9, SweepStopHz: 2.5e9, SweepSteps: uint32(n)})
	bin := p.FullBW / float64(e.SPP)
	for _, fc := range e.Steps() {
		// What wsa-fft makes of one capture: dBFS bins, DC at bin N/2 at
		// fc − fshift, the reference level from the device's context.
		s := &vrt.Spectrum{CenterHz: fc, StartHz: fc - e.FShiftHz - float64(e.SPP/2)*bin, StepHz: bin, RBWHz: 1.5 * bin,
			SweepID: 1, HasSweepID: true, Units: vrt.UnitsDBFS, RefLevelDBm: -30, HasRefLevel: true, Bins: make([]float32, e.SPP)}
		for k := range s.Bins {
			s.Bins[k] = -90
			if math.Abs(s.FreqOf(k)-2.412e9) < bin/2 {
				s.Bins[k] = -6 // a tone
			}
		}
		if err := cal.ToDBm(s, 0, false); err != nil {
			fmt.Println(err)
			return
		}
		if _, err := st.Add(s); err != nil {
			fmt.Println(err)
			return
		}
	}
	for _, d := range st.Close() {
		if d.Incomplete != nil {
			fmt.Println(d.Incomplete)
			continue
		}
		s := d.Spectrum
		pk := cal.Peaks(s, 1, 0)[0]
		fmt.Printf("%d bins, %.0f to %.0f Hz\n", len(s.Bins), s.StartHz, s.StopHz())
		fmt.Printf("peak %.2f MHz, %.1f dBm\n", pk.FreqHz/1e6, pk.LevelDBm)
	}
	// Output:
	// 1639 bins, 2400000000 to 2500000000 Hz
	// peak 2412.03 MHz, -20.2 dBm
}

// Apply a cable-loss table and measure the power in a channel.
func ExampleCorrection() {
	c, err := cal.ParseCorrection(strings.NewReader("# frequency, dB added\n2.4G, 2\n2.5G, 4\n"), "cable.csv")
	if err != nil {
		fmt.Println(err)
		return
	}
	s := &vrt.Spectrum{StartHz: 2.4e9, StepHz: 1e6, RBWHz: 1e6, Units: vrt.UnitsDBm, Bins: make([]float32, 101)}
	for k := range s.Bins {
		s.Bins[k] = -60
	}
	c.Apply(s)
	fmt.Printf("%.1f dBm at 2.45 GHz\n", s.Bins[50])
	pw, _ := cal.ChannelPower(s, 2.44e9, 2.46e9)
	fmt.Printf("channel power %.2f dBm\n", pw)
	// Output:
	// -57.0 dBm at 2.45 GHz
	// channel power -43.99 dBm
}
