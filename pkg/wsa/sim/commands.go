package sim

import (
	"strconv"
	"strings"

	"github.com/wsatools/wsa/pkg/wsa"
)

// settings is the device state the SCPI commands set and query.
type settings struct {
	freq, fshift float64
	dec          int // 1 = off (0 is accepted on input and stored as 1)
	gain         wsa.Gain
	ifgain       int
	antenna      int
	preselect    bool
	trig         wsa.Trigger
	spp, ppb     int
}

// defaultSettings is the state after power-on and *RST (documented in
// docs/DEVICE.md): 2.4 GHz, no shift or decimation, high gain, IF gain 0,
// antenna 1, preselect off, no trigger, 1024 samples per packet, 1 packet.
func defaultSettings() settings {
	return settings{freq: 2.4e9, dec: 1, gain: wsa.GainHigh, antenna: 1,
		trig: wsa.Trigger{Type: wsa.TriggerNone, StartHz: 50e6, StopHz: 10e9, LevelDBm: -100},
		spp:  1024, ppb: 1}
}

type sweepState struct {
	entries    []wsa.SweepEntry
	edit       wsa.SweepEntry // the entry being built by :SWEEP:ENTRY:* commands
	iterations int
}

// newEntry is what :SWEEP:ENTRY:NEW starts from: the current device
// settings, one centre frequency, 100 MHz step, no dwell.
func (st settings) newEntry() wsa.SweepEntry {
	return wsa.SweepEntry{StartHz: st.freq, StopHz: st.freq, StepHz: 100e6, FShiftHz: st.fshift,
		Decimation: st.dec, Antenna: st.antenna, Gain: st.gain, IFGain: st.ifgain,
		SPP: st.spp, PPB: st.ppb, Trigger: st.trig}
}

type form uint8

const (
	setOnly form = 1 << iota
	queryOnly
	both = setOnly | queryOnly
)

// cmdSpec is one entry of the command table.
type cmdSpec struct {
	pattern string
	forms   form
	// lock: refused while another client holds the acquisition lock
	// (set forms only; :TRACE:BLOCK:DATA? counts as a set).
	lock  bool
	run   func(s *Sim, ss *session, c *command) (string, *scpiError)
	nodes []mnemonic
}

var table []*cmdSpec

func init() {
	for i := range commandTable {
		spec := &commandTable[i]
		spec.nodes = compileHeader(spec.pattern)
		table = append(table, spec)
	}
}

// lookup finds the command a parsed unit names, or nil. The query form
// must be allowed: "*IDN" without '?' is an undefined header.
func lookup(c *command) *cmdSpec {
	for _, spec := range table {
		if !matchHeader(spec.nodes, c.Words) {
			continue
		}
		if c.Query && spec.forms&queryOnly == 0 || !c.Query && spec.forms&setOnly == 0 {
			continue
		}
		return spec
	}
	return nil
}

func rangeErr(err error) *scpiError {
	if err == nil {
		return nil
	}
	return serr(ErrDataOutOfRange, "%v", err)
}

// busy refuses setting changes while a stream or sweep runs: the running
// capture would otherwise send data whose context no longer matches.
func (s *Sim) busy() *scpiError {
	if s.acq != nil && s.acq.kind != "BLOCK" {
		return serr(ErrSettingsConfl, "%s in progress; stop it first", strings.ToLower(s.acq.kind))
	}
	return nil
}

func b01(v bool) string {
	if v {
		return "1"
	}
	return "0"
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// settingCmd builds a set/query command for one value of the device state.
func settingCmd(pattern string, get func(st *settings) string, set func(s *Sim, st *settings, arg string) *scpiError) cmdSpec {
	return cmdSpec{pattern: pattern, forms: both, lock: true, run: func(s *Sim, ss *session, c *command) (string, *scpiError) {
		if c.Query {
			if err := nargs(c, 0, 0); err != nil {
				return "", err
			}
			return get(&s.set), nil
		}
		if err := nargs(c, 1, 1); err != nil {
			return "", err
		}
		if err := s.busy(); err != nil {
			return "", err
		}
		return "", set(s, &s.set, c.Args[0])
	}}
}

// entryCmd builds a set command for one field of the sweep entry being edited.
func entryCmd(pattern string, min, max int, set func(s *Sim, e *wsa.SweepEntry, args []string) *scpiError) cmdSpec {
	return cmdSpec{pattern: pattern, forms: setOnly, lock: true, run: func(s *Sim, ss *session, c *command) (string, *scpiError) {
		if err := nargs(c, min, max); err != nil {
			return "", err
		}
		if err := s.busy(); err != nil {
			return "", err
		}
		return "", set(s, &s.sweep.edit, c.Args)
	}}
}

func setFreq(dst *float64, check func(float64) error) func(s *Sim, arg string) *scpiError {
	return func(s *Sim, arg string) *scpiError {
		v, err := parseFreqArg(arg)
		if err != nil {
			return err
		}
		if err := rangeErr(check(v)); err != nil {
			return err
		}
		*dst = v
		return nil
	}
}

func parseDecimation(s *Sim, arg string) (int, *scpiError) {
	d, err := parseIntArg(arg)
	if err != nil {
		return 0, err
	}
	if err := rangeErr(s.props.CheckDecimation(d)); err != nil {
		return 0, err
	}
	if d == 0 {
		d = 1 // firmware before 2.5.3 wrote "off" as 0 (device-facts.md §3.2)
	}
	return d, nil
}

func parseGain(arg string) (wsa.Gain, *scpiError) {
	g, err := wsa.ParseGain(arg)
	if err != nil {
		return "", serr(ErrIllegalParam, "%v", err)
	}
	return g, nil
}

func parseTrigLevel(s *Sim, args []string, t *wsa.Trigger) *scpiError {
	a, err := parseFreqArg(args[0])
	if err != nil {
		return err
	}
	b, err := parseFreqArg(args[1])
	if err != nil {
		return err
	}
	l, err := parseNumber(args[2], false)
	if err != nil {
		return err
	}
	n := wsa.Trigger{Type: wsa.TriggerLevel, StartHz: a, StopHz: b, LevelDBm: l}
	if err := rangeErr(s.props.CheckTrigger(n)); err != nil {
		return err
	}
	t.StartHz, t.StopHz, t.LevelDBm = a, b, l
	return nil
}

func parseTrigType(arg string) (wsa.TriggerType, *scpiError) {
	t, err := wsa.ParseTriggerType(arg)
	if err != nil {
		return "", serr(ErrIllegalParam, "%v", err)
	}
	return t, nil
}

func needACQ(c *command) *scpiError {
	if err := nargs(c, 1, 1); err != nil {
		return err
	}
	switch strings.ToUpper(c.Args[0]) {
	case "ACQ", "ACQUISITION":
		return nil
	}
	return serr(ErrIllegalParam, "lock %q: only ACQ exists", clip(c.Args[0]))
}

func parseID(c *command) (uint32, bool, *scpiError) {
	if err := nargs(c, 0, 1); err != nil {
		return 0, false, err
	}
	if len(c.Args) == 0 {
		return 0, false, nil
	}
	v, err := parseIntArg(c.Args[0])
	if err != nil {
		return 0, false, err
	}
	if v < 0 || v > 0xffffffff {
		return 0, false, serr(ErrDataOutOfRange, "ID %d: want 0 to 4294967295", v)
	}
	return uint32(v), v != 0, nil
}

func entryString(e wsa.SweepEntry) string {
	// SWEEP_SETTINGS order of device-facts.md §4.1.
	f := []string{fmtHz(e.StartHz), fmtHz(e.StopHz), fmtHz(e.StepHz), fmtHz(e.FShiftHz),
		strconv.Itoa(max(e.Decimation, 1)), strconv.Itoa(e.Antenna), strings.ToUpper(string(e.Gain)),
		strconv.Itoa(e.IFGain), strconv.Itoa(e.SPP), strconv.Itoa(e.PPB), strconv.Itoa(e.DwellS),
		strconv.Itoa(e.DwellUS), string(e.Trigger.Type), fmtHz(e.Trigger.StartHz), fmtHz(e.Trigger.StopHz),
		ftoa(e.Trigger.LevelDBm)}
	return strings.Join(f, ",")
}

// commandTable is the WSA4000 SCPI set of device-facts.md §3 plus the
// standard common commands. Patterns use SCPI notation: upper case is the
// short form, the whole word the long form, brackets an optional node.
var commandTable = []cmdSpec{
	// IEEE 488.2 common commands.
	{pattern: "*IDN", forms: queryOnly, run: func(s *Sim, ss *session, c *command) (string, *scpiError) {
		id := s.cfg.Identity
		return strings.Join([]string{id.Manufacturer, id.Model, id.Serial, id.Firmware}, ","), nargs(c, 0, 0)
	}},
	{pattern: "*RST", forms: setOnly, lock: true, run: func(s *Sim, ss *session, c *command) (string, *scpiError) {
		s.abortLocked()
		s.flushLocked(ss)
		s.set = defaultSettings()
		s.sweep = sweepState{iterations: 1}
		return "", nil
	}},
	{pattern: "*CLS", forms: setOnly, run: func(s *Sim, ss *session, c *command) (string, *scpiError) {
		ss.errs = nil
		return "", nil
	}},
	{pattern: "*OPC", forms: queryOnly, run: func(s *Sim, ss *session, c *command) (string, *scpiError) {
		return "1", nil
	}},

	// System.
	{pattern: "SYSTem:ABORt", forms: setOnly, lock: true, run: func(s *Sim, ss *session, c *command) (string, *scpiError) {
		s.abortLocked()
		return "", nil
	}},
	{pattern: "SYSTem:FLUSh", forms: setOnly, lock: true, run: func(s *Sim, ss *session, c *command) (string, *scpiError) {
		s.flushLocked(ss)
		return "", nil
	}},
	{pattern: "SWEep:FLUSh", forms: setOnly, lock: true, run: func(s *Sim, ss *session, c *command) (string, *scpiError) {
		s.flushLocked(ss)
		return "", nil
	}},
	{pattern: "SYSTem:LOCK:REQuest", forms: queryOnly, run: func(s *Sim, ss *session, c *command) (string, *scpiError) {
		if err := needACQ(c); err != nil {
			return "", err
		}
		return b01(s.requestLock(ss)), nil
	}},
	{pattern: "SYSTem:LOCK:HAVE", forms: queryOnly, run: func(s *Sim, ss *session, c *command) (string, *scpiError) {
		if err := needACQ(c); err != nil {
			return "", err
		}
		return b01(s.lock == ss), nil
	}},
	{pattern: "SYSTem:LOCK:RELease", forms: setOnly, run: func(s *Sim, ss *session, c *command) (string, *scpiError) {
		if err := needACQ(c); err != nil {
			return "", err
		}
		if s.lock == ss {
			s.lock = nil
		}
		return "", nil
	}},
	{pattern: "SYSTem:ERRor:[NEXT]", forms: queryOnly, run: func(s *Sim, ss *session, c *command) (string, *scpiError) {
		if len(ss.errs) == 0 {
			return `0,"No error"`, nil
		}
		e := ss.errs[0]
		ss.errs = ss.errs[1:]
		return e.String(), nil
	}},
	{pattern: "SYSTem:CAPTure:MODE", forms: queryOnly, run: func(s *Sim, ss *session, c *command) (string, *scpiError) {
		if s.acq != nil {
			return s.acq.kind, nil
		}
		return "BLOCK", nil
	}},
	{pattern: "[SENSe]:LOCK:RF", forms: queryOnly, run: func(s *Sim, ss *session, c *command) (string, *scpiError) {
		return b01(!s.faults.Load().Unlocked), nil
	}},
	{pattern: "[SENSe]:LOCK:REFerence", forms: queryOnly, run: func(s *Sim, ss *session, c *command) (string, *scpiError) {
		return b01(!s.faults.Load().Unlocked), nil
	}},

	// Tuning and front end.
	settingCmd("[SENSe]:FREQuency:CENTer", func(st *settings) string { return fmtHz(st.freq) },
		func(s *Sim, st *settings, a string) *scpiError { return setFreq(&st.freq, s.props.CheckFreq)(s, a) }),
	settingCmd("[SENSe]:FREQuency:SHIFt", func(st *settings) string { return fmtHz(st.fshift) },
		func(s *Sim, st *settings, a string) *scpiError { return setFreq(&st.fshift, s.props.CheckFShift)(s, a) }),
	settingCmd("[SENSe]:DECimation", func(st *settings) string { return strconv.Itoa(st.dec) },
		func(s *Sim, st *settings, a string) *scpiError {
			d, err := parseDecimation(s, a)
			if err == nil {
				st.dec = d
			}
			return err
		}),
	settingCmd("INPut:GAIN:RF", func(st *settings) string { return strings.ToUpper(string(st.gain)) },
		func(s *Sim, st *settings, a string) *scpiError {
			g, err := parseGain(a)
			if err == nil {
				st.gain = g
			}
			return err
		}),
	settingCmd("INPut:GAIN:IF", func(st *settings) string { return strconv.Itoa(st.ifgain) },
		func(s *Sim, st *settings, a string) *scpiError {
			g, err := parseIntArg(a)
			if err != nil {
				return err
			}
			if err := rangeErr(s.props.CheckIFGain(g)); err != nil {
				return err
			}
			st.ifgain = g
			return nil
		}),
	settingCmd("INPut:FILTer:PRESelect", func(st *settings) string { return b01(st.preselect) },
		func(s *Sim, st *settings, a string) *scpiError {
			v, err := parseBoolArg(a)
			if err == nil {
				st.preselect = v
			}
			return err
		}),
	settingCmd("INPut:ANTenna", func(st *settings) string { return strconv.Itoa(st.antenna) },
		func(s *Sim, st *settings, a string) *scpiError {
			n, err := parseIntArg(a)
			if err != nil {
				return err
			}
			if err := rangeErr(s.props.CheckAntenna(n)); err != nil {
				return err
			}
			st.antenna = n
			return nil
		}),
	settingCmd("TRIGger:TYPE", func(st *settings) string { return string(st.trig.Type) },
		func(s *Sim, st *settings, a string) *scpiError {
			t, err := parseTrigType(a)
			if err == nil {
				st.trig.Type = t
			}
			return err
		}),
	{pattern: "TRIGger:LEVel", forms: both, lock: true, run: func(s *Sim, ss *session, c *command) (string, *scpiError) {
		if c.Query {
			t := s.set.trig
			return fmtHz(t.StartHz) + "," + fmtHz(t.StopHz) + "," + ftoa(t.LevelDBm), nargs(c, 0, 0)
		}
		if err := nargs(c, 3, 3); err != nil {
			return "", err
		}
		if err := s.busy(); err != nil {
			return "", err
		}
		return "", parseTrigLevel(s, c.Args, &s.set.trig)
	}},

	// Capture.
	settingCmd("TRACe:SPP", func(st *settings) string { return strconv.Itoa(st.spp) },
		func(s *Sim, st *settings, a string) *scpiError {
			n, err := parseIntArg(a)
			if err != nil {
				return err
			}
			if err := rangeErr(s.props.CheckSPP(n)); err != nil {
				return err
			}
			st.spp = n
			return nil
		}),
	settingCmd("TRACe:BLOCk:PACKets", func(st *settings) string { return strconv.Itoa(st.ppb) },
		func(s *Sim, st *settings, a string) *scpiError {
			n, err := parseIntArg(a)
			if err != nil {
				return err
			}
			if err := rangeErr(s.props.CheckPPB(n)); err != nil {
				return err
			}
			st.ppb = n
			return nil
		}),
	{pattern: "TRACe:BLOCk:DATA", forms: queryOnly, lock: true, run: func(s *Sim, ss *session, c *command) (string, *scpiError) {
		if err := nargs(c, 0, 0); err != nil {
			return "", err
		}
		return "", s.startBlock(ss)
	}},
	{pattern: "TRACe:STReam:STARt", forms: setOnly, lock: true, run: func(s *Sim, ss *session, c *command) (string, *scpiError) {
		id, has, err := parseID(c)
		if err != nil {
			return "", err
		}
		return "", s.startStream(ss, id, has)
	}},
	{pattern: "TRACe:STReam:STOP", forms: setOnly, lock: true, run: func(s *Sim, ss *session, c *command) (string, *scpiError) {
		if s.acq != nil && s.acq.kind == "STREAMING" {
			s.abortLocked()
		}
		return "", nil
	}},
	{pattern: "TRACe:STReam:STATus", forms: queryOnly, run: func(s *Sim, ss *session, c *command) (string, *scpiError) {
		if s.acq != nil && s.acq.kind == "STREAMING" {
			return "RUNNING", nil
		}
		return "STOPPED", nil
	}},

	// Sweep list.
	{pattern: "SWEep:ENTRy:NEW", forms: setOnly, lock: true, run: func(s *Sim, ss *session, c *command) (string, *scpiError) {
		if err := s.busy(); err != nil {
			return "", err
		}
		s.sweep.edit = s.set.newEntry()
		return "", nargs(c, 0, 0)
	}},
	entryCmd("SWEep:ENTRy:FREQuency:CENTer", 2, 2, func(s *Sim, e *wsa.SweepEntry, a []string) *scpiError {
		f0, err := parseFreqArg(a[0])
		if err != nil {
			return err
		}
		f1, err := parseFreqArg(a[1])
		if err != nil {
			return err
		}
		if err := rangeErr(s.props.CheckFreq(f0)); err != nil {
			return err
		}
		if err := rangeErr(s.props.CheckFreq(f1)); err != nil {
			return err
		}
		if f1 < f0 {
			return serr(ErrDataOutOfRange, "stop %s Hz below start %s Hz", fmtHz(f1), fmtHz(f0))
		}
		e.StartHz, e.StopHz = f0, f1
		return nil
	}),
	entryCmd("SWEep:ENTRy:FREQuency:STEP", 1, 1, func(s *Sim, e *wsa.SweepEntry, a []string) *scpiError {
		v, err := parseFreqArg(a[0])
		if err != nil {
			return err
		}
		if v < 0 || v > s.props.MaxFreq {
			return serr(ErrDataOutOfRange, "step %s Hz", fmtHz(v))
		}
		e.StepHz = v
		return nil
	}),
	entryCmd("SWEep:ENTRy:FREQuency:SHIFt", 1, 1, func(s *Sim, e *wsa.SweepEntry, a []string) *scpiError {
		return setFreq(&e.FShiftHz, s.props.CheckFShift)(s, a[0])
	}),
	entryCmd("SWEep:ENTRy:DECimation", 1, 1, func(s *Sim, e *wsa.SweepEntry, a []string) *scpiError {
		d, err := parseDecimation(s, a[0])
		if err == nil {
			e.Decimation = d
		}
		return err
	}),
	entryCmd("SWEep:ENTRy:ANTenna", 1, 1, func(s *Sim, e *wsa.SweepEntry, a []string) *scpiError {
		n, err := parseIntArg(a[0])
		if err != nil {
			return err
		}
		if err := rangeErr(s.props.CheckAntenna(n)); err != nil {
			return err
		}
		e.Antenna = n
		return nil
	}),
	entryCmd("SWEep:ENTRy:GAIN:RF", 1, 1, func(s *Sim, e *wsa.SweepEntry, a []string) *scpiError {
		g, err := parseGain(a[0])
		if err == nil {
			e.Gain = g
		}
		return err
	}),
	entryCmd("SWEep:ENTRy:GAIN:IF", 1, 1, func(s *Sim, e *wsa.SweepEntry, a []string) *scpiError {
		g, err := parseIntArg(a[0])
		if err != nil {
			return err
		}
		if err := rangeErr(s.props.CheckIFGain(g)); err != nil {
			return err
		}
		e.IFGain = g
		return nil
	}),
	entryCmd("SWEep:ENTRy:SPP", 1, 1, func(s *Sim, e *wsa.SweepEntry, a []string) *scpiError {
		n, err := parseIntArg(a[0])
		if err != nil {
			return err
		}
		if err := rangeErr(s.props.CheckSPP(n)); err != nil {
			return err
		}
		e.SPP = n
		return nil
	}),
	entryCmd("SWEep:ENTRy:PPB", 1, 1, func(s *Sim, e *wsa.SweepEntry, a []string) *scpiError {
		n, err := parseIntArg(a[0])
		if err != nil {
			return err
		}
		if err := rangeErr(s.props.CheckPPB(n)); err != nil {
			return err
		}
		e.PPB = n
		return nil
	}),
	entryCmd("SWEep:ENTRy:DWELl", 1, 2, func(s *Sim, e *wsa.SweepEntry, a []string) *scpiError {
		sec, err := parseIntArg(a[0])
		if err != nil {
			return err
		}
		us := 0
		if len(a) > 1 {
			if us, err = parseIntArg(a[1]); err != nil {
				return err
			}
		}
		if sec < 0 || sec > 3600 || us < 0 || us > 999999 {
			return serr(ErrDataOutOfRange, "dwell %d s %d us", sec, us)
		}
		e.DwellS, e.DwellUS = sec, us
		return nil
	}),
	entryCmd("SWEep:ENTRy:TRIGger:TYPE", 1, 1, func(s *Sim, e *wsa.SweepEntry, a []string) *scpiError {
		t, err := parseTrigType(a[0])
		if err == nil {
			e.Trigger.Type = t
		}
		return err
	}),
	entryCmd("SWEep:ENTRy:TRIGger:LEVel", 3, 3, func(s *Sim, e *wsa.SweepEntry, a []string) *scpiError {
		return parseTrigLevel(s, a, &e.Trigger)
	}),
	entryCmd("SWEep:ENTRy:SAVE", 0, 1, func(s *Sim, e *wsa.SweepEntry, a []string) *scpiError {
		if err := rangeErr(s.props.CheckSweepEntry(*e)); err != nil {
			return err
		}
		if len(a) == 0 {
			s.sweep.entries = append(s.sweep.entries, *e)
			return nil
		}
		i, err := parseIntArg(a[0])
		if err != nil {
			return err
		}
		if i < 1 || i > len(s.sweep.entries)+1 {
			return serr(ErrDataOutOfRange, "index %d: list has %d entries", i, len(s.sweep.entries))
		}
		s.sweep.entries = append(s.sweep.entries[:i-1], append([]wsa.SweepEntry{*e}, s.sweep.entries[i-1:]...)...)
		return nil
	}),
	{pattern: "SWEep:ENTRy:READ", forms: queryOnly, run: func(s *Sim, ss *session, c *command) (string, *scpiError) {
		if err := nargs(c, 1, 1); err != nil {
			return "", err
		}
		i, err := parseIntArg(c.Args[0])
		if err != nil {
			return "", err
		}
		if i < 1 || i > len(s.sweep.entries) {
			return "", serr(ErrDataOutOfRange, "index %d: list has %d entries", i, len(s.sweep.entries))
		}
		return entryString(s.sweep.entries[i-1]), nil
	}},
	{pattern: "SWEep:ENTRy:COUNt", forms: queryOnly, run: func(s *Sim, ss *session, c *command) (string, *scpiError) {
		return strconv.Itoa(len(s.sweep.entries)), nargs(c, 0, 0)
	}},
	{pattern: "SWEep:ENTRy:DELete", forms: setOnly, lock: true, run: func(s *Sim, ss *session, c *command) (string, *scpiError) {
		if err := nargs(c, 1, 1); err != nil {
			return "", err
		}
		if err := s.busy(); err != nil {
			return "", err
		}
		if strings.EqualFold(c.Args[0], "ALL") {
			s.sweep.entries = nil
			return "", nil
		}
		i, err := parseIntArg(c.Args[0])
		if err != nil {
			return "", err
		}
		if i < 1 || i > len(s.sweep.entries) {
			return "", serr(ErrDataOutOfRange, "index %d: list has %d entries", i, len(s.sweep.entries))
		}
		s.sweep.entries = append(s.sweep.entries[:i-1], s.sweep.entries[i:]...)
		return "", nil
	}},
	{pattern: "SWEep:LIST:ITERations", forms: both, lock: true, run: func(s *Sim, ss *session, c *command) (string, *scpiError) {
		if c.Query {
			return strconv.Itoa(s.sweep.iterations), nargs(c, 0, 0)
		}
		if err := nargs(c, 1, 1); err != nil {
			return "", err
		}
		if err := s.busy(); err != nil {
			return "", err
		}
		n, err := parseIntArg(c.Args[0])
		if err != nil {
			return "", err
		}
		if n < 0 || n > 0x7fffffff {
			return "", serr(ErrDataOutOfRange, "iterations %d", n)
		}
		s.sweep.iterations = n
		return "", nil
	}},
	{pattern: "SWEep:LIST:STARt", forms: setOnly, lock: true, run: func(s *Sim, ss *session, c *command) (string, *scpiError) {
		id, has, err := parseID(c)
		if err != nil {
			return "", err
		}
		return "", s.startSweep(ss, id, has)
	}},
	{pattern: "SWEep:LIST:STOP", forms: setOnly, lock: true, run: func(s *Sim, ss *session, c *command) (string, *scpiError) {
		if s.acq != nil && s.acq.kind == "SWEEPING" {
			s.abortLocked()
		}
		return "", nil
	}},
	{pattern: "SWEep:LIST:STATus", forms: queryOnly, run: func(s *Sim, ss *session, c *command) (string, *scpiError) {
		if s.acq != nil && s.acq.kind == "SWEEPING" {
			return "RUNNING", nil
		}
		return "STOPPED", nil
	}},
}
