package sim

import (
	"net"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func newTestSim(t testing.TB) (*Sim, *session) {
	t.Helper()
	s, err := New(Config{Seed: 1, DataWait: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	a, b := net.Pipe()
	t.Cleanup(func() { b.Close() })
	ss := &session{id: 99, conn: a}
	s.mu.Lock()
	s.sessions[ss] = struct{}{}
	s.mu.Unlock()
	return s, ss
}

// The strings pyrf and other clients really send (device-facts.md §1):
// mixed case, optional leading colon, short forms, blank units, 'med',
// decimation 0, integer and exponent numbers, unit suffixes.
func TestSCPITolerances(t *testing.T) {
	s, ss := newTestSim(t)
	steps := []struct {
		send, reply string
		errCode     int // expected first error queue entry after the step (0 = none)
	}{
		{":*idn?", "ThinkRF,WSA4000,SIM-000001,2.5.3-sim", 0},
		{"*IDN?", "ThinkRF,WSA4000,SIM-000001,2.5.3-sim", 0},
		{":FREQ:CENTER 2450000000\n\n", "", 0},
		{"FREQ:CENTER?", "2450000000", 0},
		{":freq:center 2412000000", "", 0},
		{":Freq:Cent?", "2412000000", 0},
		{":SENSE:FREQUENCY:CENTER?", "2412000000", 0},
		{"FREQ:CENTER 2.45e9", "", 0},
		{":FREQ:CENTER?", "2450000000", 0},
		{"FREQ:CENT 2450 MHz", "", 0},
		{"FREQ:CENT?", "2450000000", 0},
		{":FREQ:SHIFT 125000", "", 0},
		{"FREQ:SHIFT?", "125000", 0},
		{":SENSE:DECIMATION 0", "", 0},
		{"SENSE:DECIMATION?", "1", 0},
		{"sens:dec 16", "", 0},
		{"DEC?", "16", 0},
		{":INPUT:GAIN:RF med", "", 0},
		{"INPUT:GAIN:RF?", "MEDIUM", 0},
		{"inp:gain:rf MEDIUM", "", 0},
		{"INP:GAIN:RF?", "MEDIUM", 0},
		{"inp:gain:rf VLow", "", 0},
		{"INPut:GAIN:RF?", "VLOW", 0},
		{":INPUT:GAIN:IF -10", "", 0},
		{":INPUT:GAIN:IF?", "-10", 0},
		{":INPUT:FILTER:PRESELECT 1", "", 0},
		{":INPUT:FILTER:PRESELECT?", "1", 0},
		{":INPUT:ANTENNA 2", "", 0},
		{":INPUT:ANTENNA?", "2", 0},
		{":TRIGGER:LEVEL 2400000000, 2500000000, -50", "", 0},
		{":TRIGGER:TYPE LEVEL", "", 0},
		{":TRIGGER:TYPE?", "LEVEL", 0},
		{":TRIGGER:LEVEL?", "2400000000,2500000000,-50", 0},
		{":TRIGGER:TYPE none", "", 0},
		{":TRACE:SPP 512\n", "", 0},
		{":TRACE:SPP?", "512", 0},
		{":TRACE:BLOCK:PACKETS 4\n", "", 0},
		{":TRACE:BLOCK:PACKETS?", "4", 0},
		{":SYSTEM:LOCK:REQUEST? ACQ\n", "1", 0},
		{":SYSTEM:LOCK:HAVE? ACQ\n", "1", 0},
		{":SYST:LOCK:REL acquisition", "", 0},
		{":SYSTEM:LOCK:HAVE? ACQ", "0", 0},
		{"SENSE:LOCK:RF?", "1", 0},
		{"SENSE:LOCK:REFERENCE?", "1", 0},
		{":SYST:CAPTURE:MODE?", "BLOCK", 0},
		{":TRACE:STREAM:STATUS?", "STOPPED", 0},
		{"*idn?; :freq:center?", "ThinkRF,WSA4000,SIM-000001,2.5.3-sim;2450000000", 0},
		{"   ", "", 0},
		{"", "", 0},
		{";;", "", 0},
		{":SYSTEM:ERROR?", `0,"No error"`, 0},
		{"SYST:ERR:NEXT?", `0,"No error"`, 0},
		{"*OPC?", "1", 0},
		// Errors, with their SCPI numbers.
		{"FREQ:CENTE?", "", -113},             // neither short nor long form
		{"FREQ:CENTERX 1", "", -113},          // unknown
		{"*IDN", "", -113},                    // query-only used as a set
		{"FREQ:CENTER", "", -109},             // missing parameter
		{"FREQ:CENTER 1, 2", "", -108},        // too many
		{"FREQ:CENTER abc", "", -104},         // not a number
		{"FREQ:CENTER 0x10", "", -104},        // no hex
		{"FREQ:CENTER 10000000001", "", -222}, // above 10 GHz
		{"SENSE:DECIMATION 2", "", -222},
		{"SENSE:DECIMATION 1024", "", -222},
		{"INPUT:GAIN:RF max", "", -224},
		{"INPUT:GAIN:IF 35", "", -222},
		{"INPUT:ANTENNA 3", "", -222},
		{"TRACE:SPP 1000", "", -222},
		{"TRACE:BLOCK:PACKETS 0", "", -222},
		{"FREQ:CENTER 1.5", "", 0}, // rounded to whole Hz, as %d formatting would
		{"SYSTEM:LOCK:REQUEST? FOO", "", -224},
		{"FREQ::CENTER 1", "", -102},
		{"FREQ:CENTER@ 1", "", -102},
		{"ABCDEFGHIJKLMNOP:X 1", "", -112},
		{":SWEEP:LIST:START", "", -221}, // empty list
	}
	for i, st := range steps {
		got := s.execLine(ss, strings.TrimRight(st.send, "\n"))
		// A line with blank units ("…\n\n") reaches execLine line by line.
		if got != st.reply {
			t.Errorf("step %d %q: reply %q, want %q", i, st.send, got, st.reply)
		}
		s.mu.Lock()
		var code int
		if len(ss.errs) > 0 {
			code = ss.errs[0].Code
		}
		ss.errs = nil
		s.mu.Unlock()
		if code != st.errCode {
			t.Errorf("step %d %q: error %d, want %d", i, st.send, code, st.errCode)
		}
	}
}

func TestErrorQueueOverflow(t *testing.T) {
	s, ss := newTestSim(t)
	for i := 0; i < 40; i++ {
		s.execLine(ss, "BOGUS")
	}
	var last string
	n := 0
	for {
		r := s.execLine(ss, "SYST:ERR?")
		if strings.HasPrefix(r, "0,") {
			break
		}
		last = r
		n++
	}
	if n != maxErrors || !strings.HasPrefix(last, "-350,") {
		t.Fatalf("%d entries, last %q; want %d ending in -350", n, last, maxErrors)
	}
}

func TestSweepEntryCommands(t *testing.T) {
	s, ss := newTestSim(t)
	for _, l := range []string{
		":sweep:entry:new",
		":sweep:entry:freq:center 2400000000, 2500000000",
		":sweep:entry:freq:step 50000000",
		":sweep:entry:freq:shift 1000",
		":sweep:entry:decimation 0",
		":sweep:entry:antenna 1",
		":sweep:entry:gain:rf med",
		":sweep:entry:gain:if 5",
		":sweep:entry:spp 2048",
		":sweep:entry:ppb 2",
		":sweep:entry:dwell 1,500",
		":sweep:entry:trigger:type level",
		":sweep:entry:trigger:level 2400000000, 2410000000, -60",
		":sweep:entry:save",
		":sweep:entry:new",
		":sweep:entry:save 1",
	} {
		if r := s.execLine(ss, l); r != "" {
			t.Fatalf("%q replied %q", l, r)
		}
		if len(ss.errs) > 0 {
			t.Fatalf("%q: %v", l, ss.errs[0].String())
		}
	}
	if r := s.execLine(ss, ":SWEEP:ENTRY:COUNT?"); r != "2" {
		t.Fatalf("count %q", r)
	}
	want := "2400000000,2500000000,50000000,1000,1,1,MEDIUM,5,2048,2,1,500,LEVEL,2400000000,2410000000,-60"
	if r := s.execLine(ss, ":sweep:entry:read? 2"); r != want {
		t.Fatalf("read 2:\n got %s\nwant %s", r, want)
	}
	if r := s.execLine(ss, ":sweep:entry:read? 3"); r != "" || len(ss.errs) != 1 || ss.errs[0].Code != -222 {
		t.Fatalf("read 3: %q %v", r, ss.errs)
	}
	ss.errs = nil
	s.execLine(ss, ":sweep:entry:del 1")
	if r := s.execLine(ss, ":SWEEP:ENTRY:COUNT?"); r != "1" {
		t.Fatalf("count after delete %q", r)
	}
	s.execLine(ss, ":sweep:entry:delete all")
	if r := s.execLine(ss, ":SWEEP:ENTRY:COUNT?"); r != "0" {
		t.Fatalf("count after delete all %q", r)
	}
	s.execLine(ss, ":sweep:list:iterations 5")
	if r := s.execLine(ss, ":sweep:list:iterations?"); r != "5" {
		t.Fatalf("iterations %q", r)
	}
}

func TestFaultKeyMustNameACommand(t *testing.T) {
	s, _ := newTestSim(t)
	if err := s.SetFaults(Faults{SCPIErrors: map[string]int{"NO:SUCH": -200}}); err == nil {
		t.Fatal("unknown command accepted as a fault key")
	}
	if err := s.SetFaults(Faults{SCPIErrors: map[string]int{":freq:center": -222}}); err != nil {
		t.Fatal(err)
	}
}

// FuzzSCPI feeds arbitrary lines to the command interpreter: it must never
// panic, answer at most one line, keep its error queue bounded, and always
// still answer *IDN? afterwards.
func FuzzSCPI(f *testing.F) {
	for _, seed := range []string{
		":*idn?", ":FREQ:CENTER 2450000000", "FREQ:CENTER?", ":SENSE:DECIMATION 0", "INP:GAIN:RF med",
		":TRIGGER:LEVEL 2400000000, 2500000000, -50", ":sweep:entry:new;:sweep:entry:save", ":sweep:entry:dwell 1,500",
		":TRACE:BLOCK:DATA?", ":TRACE:STREAM:START 7", ":TRACE:STREAM:STOP", ":sweep:list:start 3", "SYST:ERR?",
		"*RST", ":SYSTEM:LOCK:REQUEST? ACQ", "FREQ:CENTER 1e400", "FREQ:CENTER -0", "x;;y", "::", "*", "?",
	} {
		f.Add(seed)
	}
	s, ss := newTestSim(f)
	f.Fuzz(func(t *testing.T, line string) {
		if strings.ContainsAny(line, "\n") {
			return // the connection splits lines before the interpreter sees them
		}
		r := s.execLine(ss, line)
		if strings.ContainsAny(r, "\r\n") {
			t.Fatalf("reply %q spans lines", r)
		}
		if !utf8.ValidString(r) && utf8.ValidString(line) {
			t.Fatalf("reply %q is not UTF-8", r)
		}
		s.mu.Lock()
		if len(ss.errs) > maxErrors {
			t.Fatalf("error queue grew to %d", len(ss.errs))
		}
		s.abortLocked()
		s.mu.Unlock()
		if r := s.execLine(ss, "*IDN?"); !strings.HasPrefix(r, "ThinkRF,") {
			t.Fatalf("*IDN? after %q: %q", line, r)
		}
	})
}

func TestParseFault(t *testing.T) {
	var f Faults
	for _, s := range []string{"drop=5", "stall=3", "malformed=2", "refuse-lock", "unlocked", "scpi=FREQ:CENTER=-222", "scpi=:TRACE:BLOCK:DATA?=-200"} {
		if err := ParseFault(s, &f); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	want := Faults{DropVRTAfter: 5, StallAfter: 3, MalformedAfter: 2, RefuseLock: true, Unlocked: true,
		SCPIErrors: map[string]int{"FREQ:CENTER": -222, ":TRACE:BLOCK:DATA?": -200}}
	if f.DropVRTAfter != want.DropVRTAfter || f.StallAfter != want.StallAfter || f.MalformedAfter != want.MalformedAfter ||
		!f.RefuseLock || !f.Unlocked || len(f.SCPIErrors) != 2 || f.SCPIErrors["FREQ:CENTER"] != -222 {
		t.Fatalf("got %+v", f)
	}
	for _, bad := range []string{"drop", "drop=0", "drop=x", "stall=-1", "scpi=FREQ:CENTER", "scpi=NOPE=-1", "scpi=FREQ:CENTER=5", "explode"} {
		if err := ParseFault(bad, &Faults{}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
