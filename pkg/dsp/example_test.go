package dsp_test

import (
	"context"
	"fmt"
	"log"
	"net"
	"strconv"

	"github.com/wsatools/wsa/pkg/dsp"
	"github.com/wsatools/wsa/pkg/wsa"
	"github.com/wsatools/wsa/pkg/wsa/sim"
)

// Capture one block and read a tone's frequency and level in dBm. The
// device is the simulator on loopback (seeded, so the output is
// reproducible); against hardware it is wsa.Dial(ctx, "192.168.1.50").
func Example() {
	s, _ := sim.New(sim.Config{Seed: 1, Scene: &sim.Scene{Tones: []sim.Tone{{FreqHz: 2.412e9, LevelDBm: -30}}}})
	defer s.Close()
	ctx := context.Background()
	c, err := wsa.Dial(ctx, "127.0.0.1", wsa.WithPorts(port(s.SCPIAddr()), port(s.VRTAddr())))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	c.SetFreq(ctx, 2.41e9)                  // tune 2 MHz below the tone (DC removal deletes the centre bin)
	b, err := c.CaptureBlock(ctx, 16384, 1) // 16384 samples at 125 MHz: 7.6 kHz bins
	if err != nil {
		log.Fatal(err)
	}
	sp, _ := dsp.BlockSpectrum(b, dsp.Options{}) // pyrf's chain, bins in dBFS
	dsp.DBFSToDBm(sp.Bins, sp.RefLevelDBm)       // + reference level + 15.7678
	k := dsp.Peak(sp.Bins)
	fmt.Printf("%.2f MHz %.0f dBm (RBW %.1f kHz)\n", sp.FreqOf(k)/1e6, sp.Bins[k], sp.RBWHz/1e3)
	// Output: 2412.00 MHz -30 dBm (RBW 11.4 kHz)
}

func port(addr string) int {
	_, p, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(p)
	return n
}
