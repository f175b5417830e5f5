package cal

import (
	"errors"
	"fmt"
	"math"

	"github.com/wsatools/wsa/pkg/dsp"
	"github.com/wsatools/wsa/pkg/vrt"
)

// ErrNoRefLevel is returned by ToDBm for a dBFS spectrum that carries no
// reference level when no fallback was given: without it there is no way
// to know what full scale was in dBm.
var ErrNoRefLevel = errors.New("spectrum has no reference level (the device context did not carry one): give --reflevel DBM")

// ToDBm converts a dBFS spectrum to absolute dBm in place, with the
// reference level it carries, or fallbackDBm if it carries none and
// haveFallback is set (the level is then recorded in the spectrum, so the
// output says what was assumed). It uses pyrf's calibration (dsp.DBFSToDBm:
// dBm = dBFS + RL + 15.7678, which is 20·log10(|X_counts|/N) + RL − 62.5).
// A spectrum already in dBm is left as it is: a second wsa-cal in a
// pipeline must not add the reference level twice.
func ToDBm(s *vrt.Spectrum, fallbackDBm float64, haveFallback bool) error {
	if s.Units == vrt.UnitsDBm {
		return nil
	}
	if s.Units != vrt.UnitsDBFS {
		return fmt.Errorf("spectrum in unknown units %d", s.Units)
	}
	if !s.HasRefLevel {
		if !haveFallback {
			return ErrNoRefLevel
		}
		if math.IsNaN(fallbackDBm) || math.IsInf(fallbackDBm, 0) {
			return fmt.Errorf("reference level %v dBm is not a number", fallbackDBm)
		}
		s.RefLevelDBm, s.HasRefLevel = fallbackDBm, true
	}
	dsp.DBFSToDBm(s.Bins, s.RefLevelDBm)
	s.Units = vrt.UnitsDBm
	return nil
}
