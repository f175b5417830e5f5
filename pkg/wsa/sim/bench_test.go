package sim

import (
	"testing"

	"github.com/wsatools/wsa/pkg/wsa"
)

// BenchmarkGenerate measures sample synthesis alone (default scene at
// 2.42 GHz: one tone, the Wi-Fi band, noise, impairments) in MS/s.
func BenchmarkGenerate(b *testing.B) {
	sc := DefaultScene()
	c := capture{freq: 2.42e9, dec: 1, gain: wsa.GainHigh, antenna: 1, spp: 65520, ppb: 1}
	g := newGen(wsa.PropertiesFor(""), &sc, DefaultImpairments, c, 1)
	i, q := make([]int16, c.spp), make([]int16, c.spp)
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		g.fill(i, q)
	}
	b.ReportMetric(float64(b.N*c.spp)/b.Elapsed().Seconds()/1e6, "MS/s")
}
