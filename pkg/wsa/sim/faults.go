package sim

import (
	"fmt"
	"strconv"
	"strings"
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
