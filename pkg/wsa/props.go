package wsa

import (
	"fmt"
	"math"
	"strings"
)

// Gain is the RF front-end gain setting of a WSA4000 (:INPUT:GAIN:RF).
type Gain string

// The four quantised RF gain settings. The device reports a reference level
// per setting in its digitizer context; the simulator's table is in
// docs/DEVICE.md.
const (
	GainHigh   Gain = "high"
	GainMedium Gain = "medium"
	GainLow    Gain = "low"
	GainVLow   Gain = "vlow"
)

// Gains lists the RF gain settings from most to least sensitive.
var Gains = []Gain{GainHigh, GainMedium, GainLow, GainVLow}

// ParseGain accepts a gain as people and firmware spell it: "high",
// "medium" or "med" (the pyrf GUI sends "med" because some firmware
// rejected "medium"), "low", "vlow"; any case, surrounding blanks ignored.
func ParseGain(s string) (Gain, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "high":
		return GainHigh, nil
	case "medium", "med":
		return GainMedium, nil
	case "low":
		return GainLow, nil
	case "vlow":
		return GainVLow, nil
	}
	return "", fmt.Errorf("RF gain %q: want high, medium (med), low or vlow", s)
}

// TriggerType is the trigger engine mode (:TRIGGER:TYPE).
type TriggerType string

// Trigger types of the WSA4000.
const (
	TriggerNone  TriggerType = "NONE"
	TriggerLevel TriggerType = "LEVEL"
)

// ParseTriggerType accepts NONE or LEVEL in any case.
func ParseTriggerType(s string) (TriggerType, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "NONE":
		return TriggerNone, nil
	case "LEVEL":
		return TriggerLevel, nil
	}
	return "", fmt.Errorf("trigger type %q: want NONE or LEVEL", s)
}

// Trigger is the frequency-domain level trigger: with Type LEVEL, capture
// starts once a signal between StartHz and StopHz exceeds LevelDBm.
type Trigger struct {
	Type     TriggerType
	StartHz  float64
	StopHz   float64
	LevelDBm float64
}

// Properties are the limits of one device model. Every value the client
// sends is checked against them first, so a mistake is reported with the
// allowed range instead of surfacing later as a device error code, and the
// simulator enforces the same table (device-facts.md §4.1).
type Properties struct {
	Model string
	// Tuning: the centre frequency accepts MinFreq..MaxFreq; I/Q captures
	// are specified from MinTunable, and at or below RealBandMax the
	// device digitises the real signal directly (I only, the very low band).
	MinFreq, MaxFreq float64
	MinTunable       float64
	MaxTunable       float64
	RealBandMax      float64
	// FullBW is the complex sample rate at decimation 1; the span of a
	// capture is FullBW / decimation. UsableBW is the part of an
	// undecimated capture the vendor specifies; DecimatedUsable the
	// fraction of a decimated span.
	FullBW          float64
	UsableBW        float64
	DecimatedUsable float64
	DCOffsetBW      float64
	// Decimation is 1 (off) or MinDecimation..MaxDecimation.
	MinDecimation, MaxDecimation int
	MaxFShift                    float64
	MinIFGain, MaxIFGain         int
	// SPP must be a multiple of SPPMultiple in MinSPP..MaxSPP.
	MinSPP, MaxSPP, SPPMultiple int
	MaxPPB                      int
	Antennas                    int
	// Level trigger amplitude limits in dBm [inferred: pyrf states none].
	MinTriggerDBm, MaxTriggerDBm float64
	// DiscoveryVersion is the version word of the model's UDP discovery
	// response (1 for the WSA4000).
	DiscoveryVersion uint32
}

// WSA4000 holds the WSA4000 limits of device-facts.md §4.1. MinSPP and
// MaxPPB are not stated by pyrf; the values here are the smallest multiple
// of 16 and the largest 16-bit count, and are documented as [inferred].
var WSA4000 = Properties{
	Model:            "WSA4000",
	MinFreq:          0,
	MaxFreq:          10e9,
	MinTunable:       90e6,
	MaxTunable:       10e9,
	RealBandMax:      40e6,
	FullBW:           125e6,
	UsableBW:         90e6,
	DecimatedUsable:  0.5,
	DCOffsetBW:       240e3,
	MinDecimation:    4,
	MaxDecimation:    1023,
	MaxFShift:        125e6,
	MinIFGain:        -10,
	MaxIFGain:        34,
	MinSPP:           16,
	MaxSPP:           65520,
	SPPMultiple:      16,
	MaxPPB:           65535,
	Antennas:         2,
	MinTriggerDBm:    -150,
	MaxTriggerDBm:    30,
	DiscoveryVersion: 1,
}

// PropertiesFor returns the limits for a model name as *IDN? reports it.
// Only the WSA4000 is described; other models get the WSA4000 table, which
// is a subset of what later models accept, so nothing out of range for
// them is ever sent.
func PropertiesFor(model string) *Properties {
	p := WSA4000
	if model != "" {
		p.Model = model
	}
	return &p
}

// RangeError says which setting was out of range and what is allowed.
// It is returned before anything is sent to the device.
type RangeError struct {
	Setting string
	Value   string
	Allowed string
}

func (e *RangeError) Error() string {
	return fmt.Sprintf("%s %s out of range (allowed: %s)", e.Setting, e.Value, e.Allowed)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func hz(v float64) string { return fmt.Sprintf("%.0f Hz", v) }

// hzValue formats a value a caller gave: whole Hz when it is a plain
// number, as it is otherwise (NaN, ±Inf, beyond float64 integers).
func hzValue(v float64) string {
	if finite(v) && math.Abs(v) < 1e18 {
		return hz(v)
	}
	return fmt.Sprint(v)
}

// CheckFreq validates a centre frequency in Hz.
func (p *Properties) CheckFreq(v float64) error {
	if !finite(v) || v < p.MinFreq || v > p.MaxFreq {
		return &RangeError{"centre frequency", hzValue(v), hz(p.MinFreq) + " to " + hz(p.MaxFreq)}
	}
	return nil
}

// CheckFShift validates a frequency shift in Hz.
func (p *Properties) CheckFShift(v float64) error {
	if !finite(v) || v < 0 || v > p.MaxFShift {
		return &RangeError{"frequency shift", hzValue(v), "0 to " + hz(p.MaxFShift)}
	}
	return nil
}

// CheckDecimation validates a decimation factor. 0 and 1 both mean "off"
// (the firmware quirk of device-facts.md §3.2).
func (p *Properties) CheckDecimation(d int) error {
	if d == 0 || d == 1 || (d >= p.MinDecimation && d <= p.MaxDecimation) {
		return nil
	}
	return &RangeError{"decimation", fmt.Sprint(d), fmt.Sprintf("1 (off) or %d to %d", p.MinDecimation, p.MaxDecimation)}
}

// CheckIFGain validates an IF gain in dB.
func (p *Properties) CheckIFGain(g int) error {
	if g < p.MinIFGain || g > p.MaxIFGain {
		return &RangeError{"IF gain", fmt.Sprint(g), fmt.Sprintf("%d to %d dB", p.MinIFGain, p.MaxIFGain)}
	}
	return nil
}

// CheckAntenna validates an antenna port number.
func (p *Properties) CheckAntenna(n int) error {
	if n < 1 || n > p.Antennas {
		return &RangeError{"antenna", fmt.Sprint(n), fmt.Sprintf("1 to %d", p.Antennas)}
	}
	return nil
}

// CheckSPP validates a samples-per-packet count.
func (p *Properties) CheckSPP(n int) error {
	if n < p.MinSPP || n > p.MaxSPP || n%p.SPPMultiple != 0 {
		return &RangeError{"samples per packet", fmt.Sprint(n), fmt.Sprintf("a multiple of %d from %d to %d", p.SPPMultiple, p.MinSPP, p.MaxSPP)}
	}
	return nil
}

// CheckPPB validates a packets-per-block count.
func (p *Properties) CheckPPB(n int) error {
	if n < 1 || n > p.MaxPPB {
		return &RangeError{"packets per block", fmt.Sprint(n), fmt.Sprintf("1 to %d", p.MaxPPB)}
	}
	return nil
}

// CheckGain validates an RF gain setting.
func (p *Properties) CheckGain(g Gain) error {
	for _, ok := range Gains {
		if g == ok {
			return nil
		}
	}
	return &RangeError{"RF gain", fmt.Sprintf("%q", string(g)), "high, medium, low, vlow"}
}

// CheckTrigger validates a trigger setting.
func (p *Properties) CheckTrigger(t Trigger) error {
	switch t.Type {
	case TriggerNone:
		return nil
	case TriggerLevel:
	default:
		return &RangeError{"trigger type", fmt.Sprintf("%q", string(t.Type)), "NONE or LEVEL"}
	}
	if err := p.CheckFreq(t.StartHz); err != nil {
		return &RangeError{"trigger start", fmt.Sprint(t.StartHz), hz(p.MinFreq) + " to " + hz(p.MaxFreq)}
	}
	if err := p.CheckFreq(t.StopHz); err != nil || t.StopHz <= t.StartHz {
		return &RangeError{"trigger stop", fmt.Sprint(t.StopHz), "above the start, up to " + hz(p.MaxFreq)}
	}
	if !finite(t.LevelDBm) || t.LevelDBm < p.MinTriggerDBm || t.LevelDBm > p.MaxTriggerDBm {
		return &RangeError{"trigger level", fmt.Sprint(t.LevelDBm), fmt.Sprintf("%g to %g dBm", p.MinTriggerDBm, p.MaxTriggerDBm)}
	}
	return nil
}

// SweepEntry is one entry of the device's sweep list: the device steps its
// centre frequency from StartHz to StopHz (both centres, inclusive) by StepHz
// and captures PPB packets of SPP samples at each step with these settings.
type SweepEntry struct {
	StartHz, StopHz, StepHz float64
	FShiftHz                float64
	Decimation              int // 0 or 1 = off
	Antenna                 int
	Gain                    Gain
	IFGain                  int
	SPP, PPB                int
	DwellS, DwellUS         int
	Trigger                 Trigger
}

// DefaultSweepEntry returns pyrf's SweepEntry defaults (device-facts.md
// §3.4): 2.4 GHz, 100 MHz step, antenna 1, vlow gain, SPP 1024, one packet.
func DefaultSweepEntry() SweepEntry {
	return SweepEntry{StartHz: 2.4e9, StopHz: 2.4e9, StepHz: 100e6, Antenna: 1, Gain: GainVLow,
		SPP: 1024, PPB: 1, Trigger: Trigger{Type: TriggerNone, StartHz: 50e6, StopHz: 10e9, LevelDBm: -100}}
}

// Steps returns the centre frequencies the entry visits, in order.
func (e SweepEntry) Steps() []float64 {
	if e.StepHz <= 0 || e.StopHz <= e.StartHz {
		return []float64{e.StartHz}
	}
	var out []float64
	for i := 0; ; i++ {
		f := e.StartHz + float64(i)*e.StepHz
		if f > e.StopHz+0.5 {
			break
		}
		out = append(out, f)
	}
	return out
}

// CheckSweepEntry validates every setting of a sweep entry.
func (p *Properties) CheckSweepEntry(e SweepEntry) error {
	for _, err := range []error{
		p.CheckFreq(e.StartHz), p.CheckFreq(e.StopHz), p.CheckFShift(e.FShiftHz),
		p.CheckDecimation(e.Decimation), p.CheckAntenna(e.Antenna), p.CheckGain(e.Gain),
		p.CheckIFGain(e.IFGain), p.CheckSPP(e.SPP), p.CheckPPB(e.PPB), p.CheckTrigger(e.Trigger),
	} {
		if err != nil {
			return fmt.Errorf("sweep entry: %w", err)
		}
	}
	if e.StopHz < e.StartHz {
		return &RangeError{"sweep stop", fmt.Sprint(e.StopHz), "at or above the start " + hz(e.StartHz)}
	}
	if !finite(e.StepHz) || e.StepHz < 0 || e.StepHz > p.MaxFreq || (e.StopHz > e.StartHz && e.StepHz == 0) {
		return &RangeError{"sweep step", fmt.Sprint(e.StepHz), "above 0 Hz when stop > start, at most " + hz(p.MaxFreq)}
	}
	if e.DwellS < 0 || e.DwellS > 3600 || e.DwellUS < 0 || e.DwellUS > 999999 {
		return &RangeError{"sweep dwell", fmt.Sprintf("%d,%d", e.DwellS, e.DwellUS), "0..3600 s, 0..999999 µs"}
	}
	return nil
}

// SampleRate returns the complex sample rate for a decimation setting.
func (p *Properties) SampleRate(decimation int) float64 {
	if decimation <= 1 {
		return p.FullBW
	}
	return p.FullBW / float64(decimation)
}

// RealBand reports whether a centre frequency lies in the very low band
// (0-40 MHz on the WSA4000) where only I carries the signal, digitised
// directly as a real signal covering 0 to FullBW/2 (device-facts.md §5.4).
func (p *Properties) RealBand(centerHz float64) bool {
	return centerHz <= p.RealBandMax
}
