package sweep_test

import (
	"fmt"

	"github.com/wsatools/wsa/pkg/sweep"
	"github.com/wsatools/wsa/pkg/wsa"
)

// Plan 2.4-2.5 GHz with 2000 bins on a WSA4000 (pyrf's worked example) and
// turn it into the device's sweep-list entry.
func ExampleNew() {
	p := wsa.PropertiesFor("WSA4000")
	pl, err := sweep.New(p, 2.4e9, 2.5e9, 2000, sweep.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	s := pl.Steps[0]
	fmt.Printf("%d points of %.2f Hz, fshift %.2f Hz\n", s.Points, s.BinHz, s.FShiftHz)
	fmt.Printf("keep bins %d…%d of each capture, %d bins in all\n", s.Skip, s.Skip+s.Run-1, s.Keep)

	base := wsa.DefaultSweepEntry()
	base.Gain = wsa.GainHigh
	e, n, err := pl.Entry(p, base)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d centres: %.0f to %.0f Hz by %.0f Hz, SPP %d\n", n, e.StartHz, e.StopHz, e.StepHz, e.SPP)
	// Output:
	// 4096 points of 30517.58 Hz, fshift 17089.84 Hz
	// keep bins 574…2043 of each capture, 3277 bins in all
	// 3 centres: 2445000000 to 2534721680 Hz by 44860840 Hz, SPP 4096
}

// The usable bins of a 1024-point WSA4000 capture (pyrf's example).
func ExampleUsableBins() {
	fmt.Println(sweep.UsableBins(wsa.PropertiesFor(""), 1024, 1, 0))
	// Output: [{143 367} {513 367}]
}
