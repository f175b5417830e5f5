package vrt

import "strings"

// Trailer is the last word of a data packet: indicator bits 19..8 paired
// with enable bits 31..20, plus an optional associated-context count.
type Trailer uint32

// Indicator bit numbers of the trailer (the enable bit is 12 above).
const (
	TrailerCalibratedTime = 19
	TrailerValidData      = 18
	TrailerReferenceLock  = 17
	TrailerAGC            = 16
	TrailerDetectedSignal = 15
	TrailerSpectralInv    = 14
	TrailerOverRange      = 13
	TrailerSampleLoss     = 12
)

var trailerNames = []struct {
	bit  uint
	name string
}{
	{TrailerCalibratedTime, "calibrated_time"},
	{TrailerValidData, "valid_data"},
	{TrailerReferenceLock, "reference_lock"},
	{TrailerAGC, "agc"},
	{TrailerDetectedSignal, "detected_signal"},
	{TrailerSpectralInv, "spectral_inversion"},
	{TrailerOverRange, "over_range"},
	{TrailerSampleLoss, "sample_loss"},
}

// With returns t with indicator bit set to v and its enable bit set.
func (t Trailer) With(bit uint, v bool) Trailer {
	t |= 1 << (bit + 12)
	if v {
		t |= 1 << bit
	} else {
		t &^= 1 << bit
	}
	return t
}

// Flag reports an indicator: value, and whether its enable bit says it is meaningful.
func (t Trailer) Flag(bit uint) (value, enabled bool) {
	return t&(1<<bit) != 0, t&(1<<(bit+12)) != 0
}

// Is reports whether an indicator is both enabled and set (pyrf's rule since 2014).
func (t Trailer) Is(bit uint) bool {
	v, e := t.Flag(bit)
	return v && e
}

// Flags returns the names of the indicators that are enabled and set.
func (t Trailer) Flags() []string {
	var out []string
	for _, n := range trailerNames {
		if t.Is(n.bit) {
			out = append(out, n.name)
		}
	}
	return out
}

// Map returns every enabled indicator by name with its value.
func (t Trailer) Map() map[string]bool {
	m := map[string]bool{}
	for _, n := range trailerNames {
		if v, e := t.Flag(n.bit); e {
			m[n.name] = v
		}
	}
	return m
}

// String lists the set flags, e.g. "valid_data,reference_lock".
func (t Trailer) String() string { return strings.Join(t.Flags(), ",") }

// ThinkRFTrailer is what a WSA sends on good data: valid data and reference
// lock, each with its enable bit (0x60060000).
const ThinkRFTrailer = Trailer(1<<(TrailerValidData+12) | 1<<TrailerValidData | 1<<(TrailerReferenceLock+12) | 1<<TrailerReferenceLock)
