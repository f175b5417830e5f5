package wsa_test

import (
	"context"
	"testing"

	"github.com/wsatools/wsa/pkg/vrt"
	"github.com/wsatools/wsa/pkg/wsa/sim"
)

// BenchmarkStream measures a stream from the simulator through TCP
// loopback into the client (ReadPacket), in MS/s of complex samples:
// 65520-sample packets at decimation 1, as fast as the client reads.
func BenchmarkStream(b *testing.B) {
	s := startSim(b, sim.Config{})
	c := dial(b, s)
	ctx := context.Background()
	if err := c.SetFreq(ctx, 2.42e9); err != nil {
		b.Fatal(err)
	}
	if err := c.SetSPP(ctx, 65520); err != nil {
		b.Fatal(err)
	}
	if err := c.StreamStart(ctx, 0); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	samples := 0
	for n := 0; n < b.N; {
		p, err := c.ReadPacket(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if p.Type.IsData() {
			samples += vrt.SampleCount(p)
			n++
		}
	}
	b.StopTimer()
	b.SetBytes(65520 * 4)
	b.ReportMetric(float64(samples)/b.Elapsed().Seconds()/1e6, "MS/s")
}
