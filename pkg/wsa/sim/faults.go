package sim

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/wsatools/wsa/internal/cli"
)

// FaultHelp describes the fault specs ParseFault accepts, for --help texts.
const FaultHelp = "drop=N (close the VRT connection after N packets), stall=N (stop sending after N packets), " +
	"malformed=N (a malformed packet after N), refuse-lock, unlocked (PLLs unlocked), " +
	"scpi=COMMAND=CODE (COMMAND fails with SCPI error CODE, e.g. scpi=FREQ:CENTER=-222)"

// ParseFault adds one fault given as text (see FaultHelp) to f, so
// command-line tools can inject the same faults as tests.
func ParseFault(spec string, f *Faults) error {
	key, val, hasVal := strings.Cut(strings.TrimSpace(spec), "=")
	n := func() (int, error) {
		v, err := strconv.Atoi(val)
		if !hasVal || err != nil || v < 1 {
			return 0, fmt.Errorf("fault %q: want %s=N with N ≥ 1", spec, key)
		}
		return v, nil
	}
	var err error
	switch strings.ToLower(key) {
	case "drop":
		f.DropVRTAfter, err = n()
	case "stall":
		f.StallAfter, err = n()
	case "malformed":
		f.MalformedAfter, err = n()
	case "refuse-lock":
		f.RefuseLock = true
	case "unlocked":
		f.Unlocked = true
	case "scpi":
		i := strings.LastIndex(val, "=")
		if i <= 0 {
			return fmt.Errorf("fault %q: want scpi=COMMAND=CODE", spec)
		}
		code, cerr := strconv.Atoi(val[i+1:])
		if cerr != nil || code >= 0 {
			return fmt.Errorf("fault %q: CODE must be a negative SCPI error number", spec)
		}
		c, perr := parseUnit(strings.TrimSpace(val[:i]))
		if perr != nil || lookup(&c) == nil {
			return fmt.Errorf("fault %q: %q is not a command of the simulator", spec, val[:i])
		}
		if f.SCPIErrors == nil {
			f.SCPIErrors = map[string]int{}
		}
		f.SCPIErrors[val[:i]] = code
	default:
		return fmt.Errorf("fault %q: unknown (want %s)", spec, FaultHelp)
	}
	return err
}

// NewBand checks and builds a wideband signal.
func NewBand(center, width, dbm float64) (Band, error) {
	if width <= 0 || center-width/2 < 0 {
		return Band{}, fmt.Errorf("band %g±%g Hz: width must be positive and the band above 0 Hz", center, width/2)
	}
	return Band{CenterHz: center, WidthHz: width, LevelDBm: dbm}, nil
}

// SceneFromSpecs builds a scene from command-line specs: tones "FREQ:DBM"
// and wideband signals "CENTER:WIDTH:DBM", frequencies as people type them
// (2.412G, 20M). No specs at all gives nil, meaning the default scene.
func SceneFromSpecs(tones, bands []string) (*Scene, error) {
	if len(tones) == 0 && len(bands) == 0 {
		return nil, nil
	}
	sc := &Scene{}
	for _, t := range tones {
		f, l, err := cli.ParseTone(t)
		if err != nil {
			return nil, err
		}
		sc.Tones = append(sc.Tones, Tone{FreqHz: f, LevelDBm: l})
	}
	for _, b := range bands {
		parts := strings.Split(b, ":")
		if len(parts) != 3 {
			return nil, fmt.Errorf("band %q: want CENTER:WIDTH:DBM, e.g. 2.437G:20M:-45", b)
		}
		c, err1 := cli.ParseFreq(parts[0])
		w, err2 := cli.ParseFreq(parts[1])
		l, err3 := strconv.ParseFloat(strings.TrimSuffix(strings.ToLower(strings.TrimSpace(parts[2])), "dbm"), 64)
		if err := errors.Join(err1, err2, err3); err != nil {
			return nil, fmt.Errorf("band %q: %w", b, err)
		}
		band, err := NewBand(c, w, l)
		if err != nil {
			return nil, err
		}
		sc.Bands = append(sc.Bands, band)
	}
	return sc, nil
}
