package dsp

import (
	"math"
	"testing"
)

// TestDBFSToDBm: the two forms of pyrf's calibration agree, and a full-scale
// complex tone under a Hann window (coherent gain 0.5, so |X|/N = 0.5 of full
// scale: −6.02 dBFS) reads RL + 9.75 dBm (device-facts.md §5.3).
func TestDBFSToDBm(t *testing.T) {
	for _, rl := range []float64{-30, -15, 0, 15} {
		dbfs := 20 * math.Log10(0.5)
		b := []float32{float32(dbfs)}
		DBFSToDBm(b, rl)
		counts := 20*math.Log10(8192*0.5) + rl - 62.5
		if math.Abs(float64(b[0])-counts) > 1e-4 {
			t.Errorf("RL %v: %v dBm, pyrf's counts formula gives %v", rl, b[0], counts)
		}
		if math.Abs(float64(b[0])-(rl+9.75)) > 0.01 {
			t.Errorf("RL %v: full-scale Hann tone reads %v dBm, want RL + 9.75", rl, b[0])
		}
	}
}
