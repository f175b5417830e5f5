package wsa_test

import (
	"context"
	"fmt"
	"log"

	"github.com/wsatools/wsa/pkg/wsa"
	"github.com/wsatools/wsa/pkg/wsa/sim"
)

// Capture one block from a device and read its context. Here the device is
// the simulator on loopback; against hardware it is wsa.Dial(ctx, "192.168.1.50").
func ExampleClient_CaptureBlock() {
	s, _ := sim.New(sim.Config{Scene: &sim.Scene{Tones: []sim.Tone{{FreqHz: 2.412e9, LevelDBm: -30}}}})
	defer s.Close()
	ctx := context.Background()

	c, err := wsa.Dial(ctx, "127.0.0.1", wsa.WithPorts(portOf(s.SCPIAddr()), portOf(s.VRTAddr())))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close() // stops the device, flushes, releases the lock
	if err := c.Lock(ctx); err != nil {
		log.Fatal(err)
	}
	if err := c.SetFreq(ctx, 2.4e9); err != nil {
		log.Fatal(err)
	}
	b, err := c.CaptureBlock(ctx, 16384, 1)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d samples at %.3f GHz, %.0f MHz wide, reference level %.0f dBm\n",
		len(b.I), b.Context.RFFreqHz/1e9, b.Context.BandwidthHz/1e6, b.Context.RefLevelDBm)
	// Output: 16384 samples at 2.400 GHz, 125 MHz wide, reference level -30 dBm
}

// Find WSA devices on the local network (UDP broadcast to port 18331).
func ExampleDiscover() {
	s, _ := sim.New(sim.Config{DiscoveryAddr: "127.0.0.1:0"})
	defer s.Close()
	// Without Targets, Discover broadcasts on every interface.
	devs, err := wsa.Discover(context.Background(), wsa.DiscoverOptions{Targets: []string{s.DiscoveryAddr()}})
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range devs {
		fmt.Println(d.Model, d.Serial, d.Host)
	}
	// Output: WSA4000 SIM-000001 127.0.0.1
}
