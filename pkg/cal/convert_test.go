package cal

import (
	"errors"
	"math"
	"testing"

	"github.com/wsatools/wsa/pkg/vrt"
)

// TestToDBm: dBFS + RL + 15.7678 (pyrf's calibration), the stream's level
// before the fallback, the fallback recorded, no level an error, dBm left
// alone.
func TestToDBm(t *testing.T) {
	mk := func(units vrt.Units, rl float64, has bool) *vrt.Spectrum {
		return &vrt.Spectrum{Units: units, RefLevelDBm: rl, HasRefLevel: has, StepHz: 1, Bins: []float32{-6.0206, -100, 0}}
	}
	cases := []struct {
		name     string
		s        *vrt.Spectrum
		fallback float64
		haveFB   bool
		want     []float64
		err      error
	}{
		// A full-scale tone under Hann reads −6.02 dBFS = RL + 9.747 dBm (device-facts.md §5.3).
		{"stream level", mk(vrt.UnitsDBFS, -30, true), 0, false, []float64{-20.2528, -114.2322, -14.2322}, nil},
		{"stream level wins", mk(vrt.UnitsDBFS, 0, true), -30, true, []float64{9.7472, -84.2322, 15.7678}, nil},
		{"fallback", mk(vrt.UnitsDBFS, 0, false), 15, true, []float64{24.7472, -69.2322, 30.7678}, nil},
		{"no level", mk(vrt.UnitsDBFS, 0, false), 0, false, nil, ErrNoRefLevel},
		{"already dBm", mk(vrt.UnitsDBm, -30, true), 0, false, []float64{-6.0206, -100, 0}, nil},
	}
	for _, tc := range cases {
		err := ToDBm(tc.s, tc.fallback, tc.haveFB)
		if !errors.Is(err, tc.err) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.err)
			continue
		}
		if err != nil {
			if tc.s.Units != vrt.UnitsDBFS {
				t.Errorf("%s: units changed on error", tc.name)
			}
			continue
		}
		if tc.s.Units != vrt.UnitsDBm || !tc.s.HasRefLevel {
			t.Errorf("%s: units %v, reference level recorded %v", tc.name, tc.s.Units, tc.s.HasRefLevel)
		}
		for i, w := range tc.want {
			if math.Abs(float64(tc.s.Bins[i])-w) > 1e-3 {
				t.Errorf("%s: bin %d = %v, want %v", tc.name, i, tc.s.Bins[i], w)
			}
		}
	}
	if err := ToDBm(mk(vrt.UnitsDBFS, 0, false), math.NaN(), true); err == nil {
		t.Error("NaN fallback accepted")
	}
	if err := ToDBm(mk(7, 0, true), 0, false); err == nil {
		t.Error("unknown units accepted")
	}
}
