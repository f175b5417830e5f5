package plot

import (
	"math"
	"strconv"
	"strings"
)

// FreqUnit is how an axis shows frequencies: values are divided by Scale
// and labelled Name.
type FreqUnit struct {
	Scale float64
	Name  string
}

var freqUnits = []FreqUnit{{1, "Hz"}, {1e3, "kHz"}, {1e6, "MHz"}, {1e9, "GHz"}}

// UnitForSpan picks the unit that fits a span (2.4-2.5 GHz is shown in MHz,
// a 2 GHz sweep in GHz), moving to a larger unit when the labels would need
// more than five digits before the point (a 100 kHz span at 2.4 GHz is shown
// as 2419.95 MHz, not 2419950 kHz).
func UnitForSpan(lo, hi float64) FreqUnit {
	span := math.Abs(hi - lo)
	i := 0
	for i < len(freqUnits)-1 && span >= freqUnits[i+1].Scale {
		i++
	}
	top := math.Max(math.Abs(lo), math.Abs(hi))
	for i < len(freqUnits)-1 && top/freqUnits[i].Scale >= 1e5 {
		i++
	}
	return freqUnits[i]
}

// FormatHz renders a frequency with the unit that fits it and up to
// 7 significant digits, without trailing zeros: "2.42 GHz", "12.2 kHz".
func FormatHz(hz float64) string { return FormatHzSig(hz, 7) }

// FormatHzSig is FormatHz with sig significant digits.
func FormatHzSig(hz float64, sig int) string {
	a := math.Abs(hz)
	u := freqUnits[0]
	for _, c := range freqUnits {
		if a >= c.Scale {
			u = c
		}
	}
	return trimNum(strconv.FormatFloat(hz/u.Scale, 'f', sigDecimals(hz/u.Scale, sig), 64)) + " " + u.Name
}

// FormatHzStep renders hz with enough decimals to tell apart frequencies
// step Hz apart (peak labels: a bin must not round onto its neighbour).
func FormatHzStep(hz, step float64) string {
	a := math.Abs(hz)
	u := freqUnits[0]
	for _, c := range freqUnits {
		if a >= c.Scale {
			u = c
		}
	}
	d := 0
	if step > 0 {
		d = max(0, int(math.Ceil(-math.Log10(step/u.Scale)-1e-9)))
	}
	return strconv.FormatFloat(hz/u.Scale, 'f', min(d, 9), 64) + " " + u.Name
}

func sigDecimals(v float64, sig int) int {
	if v == 0 {
		return 0
	}
	d := sig - 1 - int(math.Floor(math.Log10(math.Abs(v))))
	return max(0, min(d, 12))
}

func trimNum(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// tick is one axis tick: a value and its label ("" for minor ticks).
type tick struct {
	V     float64
	Label string
}

// niceStep returns a step of 1, 2, 2.5 or 5 × 10^k close to span/n.
func niceStep(span float64, n int) float64 {
	if !(span > 0) || n < 1 {
		return 1
	}
	raw := span / float64(n)
	e := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*e >= raw {
			return m * e
		}
	}
	return 10 * e
}

// niceTicks returns labelled ticks at multiples of a nice step inside
// [lo, hi] (values in display units), aiming at about n of them, plus minor
// ticks between them. Labels carry just enough decimals for the step.
func niceTicks(lo, hi float64, n int) []tick {
	if hi < lo {
		lo, hi = hi, lo
	}
	step := niceStep(hi-lo, n)
	dec := max(0, int(math.Ceil(-math.Log10(step)-1e-9)))
	if m := step / math.Pow(10, math.Floor(math.Log10(step)+1e-9)); math.Abs(m-2.5) < 1e-9 {
		dec++ // 2.5, 0.25: one more digit
	}
	minor := step / 5
	var out []tick
	start := math.Ceil(lo/minor-1e-9) * minor
	for i := 0; ; i++ {
		v := start + float64(i)*minor
		if v > hi+minor*1e-9 || i > 10000 {
			break
		}
		k := v / step
		if math.Abs(k-math.Round(k)) < 1e-6 {
			v = math.Round(k) * step
			out = append(out, tick{V: v, Label: trimZero(strconv.FormatFloat(v, 'f', min(dec, 12), 64))})
		} else {
			out = append(out, tick{V: v})
		}
	}
	return out
}

func trimZero(s string) string {
	if s == "-0" || strings.TrimLeft(s, "-0.") == "" {
		return "0"
	}
	return s
}
