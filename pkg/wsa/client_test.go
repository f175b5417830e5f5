package wsa_test

import (
	"context"
	"errors"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/wsatools/wsa/pkg/wsa"
	"github.com/wsatools/wsa/pkg/wsa/sim"
)

// testTimeout bounds every blocking step of a test so a hang fails
// instead of eating the suite's budget; nothing asserts on durations.
const testTimeout = 20 * time.Second

func startSim(t testing.TB, cfg sim.Config) *sim.Sim {
	t.Helper()
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	s, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func portOf(addr string) int {
	_, p, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(p)
	return n
}

func port(t testing.TB, addr string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return n
}

func dial(t testing.TB, s *sim.Sim, opts ...wsa.Option) *wsa.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	opts = append([]wsa.Option{wsa.WithPorts(port(t, s.SCPIAddr()), port(t, s.VRTAddr())),
		wsa.WithTimeouts(testTimeout, testTimeout)}, opts...)
	c, err := wsa.Dial(ctx, "127.0.0.1", opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func tctx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// waitIdle asserts that the simulator ends up with no capture, no lock and
// no connection.
func waitIdle(t testing.TB, s *sim.Sim) sim.Status {
	t.Helper()
	st, err := s.WaitIdle(tctx(t))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestIdentity(t *testing.T) {
	s := startSim(t, sim.Config{})
	c := dial(t, s)
	id := c.Identity()
	if id.Manufacturer != "ThinkRF" || id.Model != "WSA4000" || id.Serial == "" || id.Firmware == "" {
		t.Fatalf("identity %+v", id)
	}
	if c.Properties().MaxSPP != 65520 {
		t.Fatalf("properties %+v", c.Properties())
	}
}

// Every setting: set through the typed method, read back through the
// typed query, over real sockets.
func TestSettingsRoundTrip(t *testing.T) {
	s := startSim(t, sim.Config{})
	c := dial(t, s)
	ctx := tctx(t)
	type rt struct {
		name string
		set  func() error
		get  func() (any, error)
		want any
	}
	cases := []rt{
		{"freq", func() error { return c.SetFreq(ctx, 2.412e9) }, func() (any, error) { return c.Freq(ctx) }, 2.412e9},
		{"freq 0", func() error { return c.SetFreq(ctx, 0) }, func() (any, error) { return c.Freq(ctx) }, 0.0},
		{"freq max", func() error { return c.SetFreq(ctx, 10e9) }, func() (any, error) { return c.Freq(ctx) }, 10e9},
		{"fshift", func() error { return c.SetFShift(ctx, 1.5e6) }, func() (any, error) { return c.FShift(ctx) }, 1.5e6},
		{"decimation 4", func() error { return c.SetDecimation(ctx, 4) }, func() (any, error) { return c.Decimation(ctx) }, 4},
		{"decimation 1023", func() error { return c.SetDecimation(ctx, 1023) }, func() (any, error) { return c.Decimation(ctx) }, 1023},
		{"decimation off (1)", func() error { return c.SetDecimation(ctx, 1) }, func() (any, error) { return c.Decimation(ctx) }, 1},
		{"decimation off (0)", func() error { return c.SetDecimation(ctx, 0) }, func() (any, error) { return c.Decimation(ctx) }, 1},
		{"gain medium", func() error { return c.SetGain(ctx, wsa.GainMedium) }, func() (any, error) { return c.Gain(ctx) }, wsa.GainMedium},
		{"gain vlow", func() error { return c.SetGain(ctx, wsa.GainVLow) }, func() (any, error) { return c.Gain(ctx) }, wsa.GainVLow},
		{"gain low", func() error { return c.SetGain(ctx, wsa.GainLow) }, func() (any, error) { return c.Gain(ctx) }, wsa.GainLow},
		{"gain high", func() error { return c.SetGain(ctx, wsa.GainHigh) }, func() (any, error) { return c.Gain(ctx) }, wsa.GainHigh},
		{"gain med (raw)", func() error { return c.Command(ctx, "input:gain:rf med") }, func() (any, error) { return c.Gain(ctx) }, wsa.GainMedium},
		{"ifgain -10", func() error { return c.SetIFGain(ctx, -10) }, func() (any, error) { return c.IFGain(ctx) }, -10},
		{"ifgain 34", func() error { return c.SetIFGain(ctx, 34) }, func() (any, error) { return c.IFGain(ctx) }, 34},
		{"antenna 2", func() error { return c.SetAntenna(ctx, 2) }, func() (any, error) { return c.Antenna(ctx) }, 2},
		{"antenna 1", func() error { return c.SetAntenna(ctx, 1) }, func() (any, error) { return c.Antenna(ctx) }, 1},
		{"preselect on", func() error { return c.SetPreselect(ctx, true) }, func() (any, error) { return c.Preselect(ctx) }, true},
		{"preselect off", func() error { return c.SetPreselect(ctx, false) }, func() (any, error) { return c.Preselect(ctx) }, false},
		{"trigger level", func() error {
			return c.SetTrigger(ctx, wsa.Trigger{Type: wsa.TriggerLevel, StartHz: 2.4e9, StopHz: 2.5e9, LevelDBm: -50})
		}, func() (any, error) { return c.Trigger(ctx) }, wsa.Trigger{Type: wsa.TriggerLevel, StartHz: 2.4e9, StopHz: 2.5e9, LevelDBm: -50}},
		{"trigger none", func() error { return c.SetTrigger(ctx, wsa.Trigger{Type: wsa.TriggerNone}) },
			func() (any, error) { return c.Trigger(ctx) }, wsa.Trigger{Type: wsa.TriggerNone}},
		{"spp", func() error { return c.SetSPP(ctx, 65520) }, func() (any, error) { return c.SPP(ctx) }, 65520},
		{"ppb", func() error { return c.SetPPB(ctx, 7) }, func() (any, error) { return c.PPB(ctx) }, 7},
		{"iterations", func() error { return c.SetSweepIterations(ctx, 3) }, func() (any, error) { return c.SweepIterations(ctx) }, 3},
		{"iterations forever", func() error { return c.SetSweepIterations(ctx, 0) }, func() (any, error) { return c.SweepIterations(ctx) }, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.set(); err != nil {
				t.Fatalf("set: %v", err)
			}
			got, err := tc.get()
			if err != nil {
				t.Fatalf("get: %v", err)
			}
			if got != tc.want {
				t.Fatalf("got %v (%T), want %v (%T)", got, got, tc.want, tc.want)
			}
		})
	}
}

func TestQueries(t *testing.T) {
	s := startSim(t, sim.Config{})
	c := dial(t, s)
	ctx := tctx(t)
	if ok, err := c.RFLocked(ctx); err != nil || !ok {
		t.Fatalf("RF lock %v %v", ok, err)
	}
	if ok, err := c.RefLocked(ctx); err != nil || !ok {
		t.Fatalf("reference lock %v %v", ok, err)
	}
	if m, err := c.CaptureMode(ctx); err != nil || m != "BLOCK" {
		t.Fatalf("capture mode %q %v", m, err)
	}
	if r, err := c.StreamRunning(ctx); err != nil || r {
		t.Fatalf("stream running %v %v", r, err)
	}
	if r, err := c.SweepRunning(ctx); err != nil || r {
		t.Fatalf("sweep running %v %v", r, err)
	}
	if errs, err := c.Errors(ctx); err != nil || len(errs) != 0 {
		t.Fatalf("errors %v %v", errs, err)
	}
	if r, err := c.Query(ctx, "*OPC?"); err != nil || r != "1" {
		t.Fatalf("*OPC? %q %v", r, err)
	}
}

func TestResetRestoresDefaults(t *testing.T) {
	s := startSim(t, sim.Config{})
	c := dial(t, s)
	ctx := tctx(t)
	for _, err := range []error{c.SetFreq(ctx, 1e9), c.SetGain(ctx, wsa.GainLow), c.SetSPP(ctx, 256),
		c.SweepAdd(ctx, wsa.DefaultSweepEntry()), c.Reset(ctx)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	f, _ := c.Freq(ctx)
	g, _ := c.Gain(ctx)
	spp, _ := c.SPP(ctx)
	n, _ := c.SweepCount(ctx)
	if f != 2.4e9 || g != wsa.GainHigh || spp != 1024 || n != 0 {
		t.Fatalf("after *RST: freq %v gain %v spp %v entries %v", f, g, spp, n)
	}
}

// Values outside the model's range are refused before anything is sent.
func TestRangeChecksSendNothing(t *testing.T) {
	s := startSim(t, sim.Config{})
	c := dial(t, s)
	ctx := tctx(t)
	before := s.Status().Stats.Commands
	bad := []struct {
		name string
		err  error
	}{
		{"freq above 10 GHz", c.SetFreq(ctx, 10.5e9)},
		{"freq negative", c.SetFreq(ctx, -1)},
		{"fshift", c.SetFShift(ctx, 126e6)},
		{"decimation 2", c.SetDecimation(ctx, 2)},
		{"decimation 1024", c.SetDecimation(ctx, 1024)},
		{"ifgain", c.SetIFGain(ctx, 35)},
		{"antenna", c.SetAntenna(ctx, 3)},
		{"gain", c.SetGain(ctx, wsa.Gain("max"))},
		{"spp multiple", c.SetSPP(ctx, 1000)},
		{"spp max", c.SetSPP(ctx, 65536)},
		{"ppb", c.SetPPB(ctx, 0)},
		{"trigger", c.SetTrigger(ctx, wsa.Trigger{Type: wsa.TriggerLevel, StartHz: 2e9, StopHz: 1e9, LevelDBm: -50})},
		{"capture", c.Capture(ctx, 100, 1)},
		{"sweep entry", c.SweepAdd(ctx, wsa.SweepEntry{StartHz: 1e9, StopHz: 2e9, StepHz: 0, Antenna: 1, Gain: wsa.GainHigh, SPP: 1024, PPB: 1, Trigger: wsa.Trigger{Type: wsa.TriggerNone}})},
		{"iterations", c.SetSweepIterations(ctx, -1)},
	}
	for _, b := range bad {
		var re *wsa.RangeError
		if !errors.As(b.err, &re) {
			t.Errorf("%s: got %v, want a *RangeError", b.name, b.err)
		}
	}
	if after := s.Status().Stats.Commands; after != before {
		t.Fatalf("%d commands reached the device", after-before)
	}
}

// Nothing a caller passes can add a second command: newlines, carriage
// returns, other control characters and ';' are refused before sending.
func TestInjectionRefusedBeforeSending(t *testing.T) {
	s := startSim(t, sim.Config{})
	c := dial(t, s)
	ctx := tctx(t)
	before := s.Status().Stats.Commands
	for _, cmd := range []string{
		":FREQ:CENTER 2400000000\n*RST",
		":FREQ:CENTER 2400000000\r*RST",
		":FREQ:CENTER 2400000000;*RST",
		":FREQ:CENTER 2400000000\x00",
		"\n",
		"",
		":FREQ:CENTER 2400000000\u2028*RST",
	} {
		if err := c.Command(ctx, cmd); err == nil {
			t.Errorf("Command(%q) accepted", cmd)
		}
		if _, err := c.Query(ctx, cmd); err == nil {
			t.Errorf("Query(%q) accepted", cmd)
		}
	}
	if after := s.Status().Stats.Commands; after != before {
		t.Fatalf("%d commands reached the device", after-before)
	}
	// The connection is still in step.
	if f, err := c.Freq(ctx); err != nil || f != 2.4e9 {
		t.Fatalf("freq %v %v", f, err)
	}
}

func TestDeviceErrorsReported(t *testing.T) {
	s := startSim(t, sim.Config{})
	c := dial(t, s)
	ctx := tctx(t)
	err := c.Command(ctx, ":FREQ:CENTER 20000000000")
	var de *wsa.DeviceError
	if !errors.As(err, &de) || de.Code != -222 {
		t.Fatalf("got %v, want device error -222", err)
	}
	err = c.Command(ctx, ":NO:SUCH:COMMAND")
	if !errors.As(err, &de) || de.Code != -113 {
		t.Fatalf("got %v, want device error -113", err)
	}
	// With the error check off, errors stay queued for Errors().
	c2 := dial(t, s, wsa.WithoutErrorCheck())
	if err := c2.Command(ctx, ":INPUT:ANTENNA 9"); err != nil {
		t.Fatal(err)
	}
	if err := c2.Command(ctx, ":TRACE:SPP 17"); err != nil {
		t.Fatal(err)
	}
	errs, err := c2.Errors(ctx)
	if err != nil || len(errs) != 2 || errs[0].Code != -222 || errs[1].Code != -222 {
		t.Fatalf("errors %+v %v", errs, err)
	}
}

func TestLockContention(t *testing.T) {
	s := startSim(t, sim.Config{})
	a := dial(t, s)
	b := dial(t, s)
	ctx := tctx(t)
	if err := a.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.Lock(ctx); !errors.Is(err, wsa.ErrLocked) {
		t.Fatalf("second client: %v, want ErrLocked", err)
	}
	if have, _ := a.HaveLock(ctx); !have {
		t.Fatal("holder does not have the lock")
	}
	if have, _ := b.HaveLock(ctx); have {
		t.Fatal("other client has the lock")
	}
	// The other client can read but not change or capture.
	if _, err := b.Freq(ctx); err != nil {
		t.Fatal(err)
	}
	var de *wsa.DeviceError
	if err := b.SetFreq(ctx, 1e9); !errors.As(err, &de) || de.Code != -200 {
		t.Fatalf("set by non-holder: %v", err)
	}
	if err := b.Capture(ctx, 1024, 1); !errors.As(err, &de) || de.Code != -200 {
		t.Fatalf("capture by non-holder: %v", err)
	}
	// The holder captures; the other client's data connection gets nothing.
	blk, err := a.CaptureBlock(ctx, 1024, 2)
	if err != nil || len(blk.I) != 2048 {
		t.Fatalf("holder capture: %v", err)
	}
	// Release: now the other client gets it.
	if err := a.ReleaseLock(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.Lock(ctx); err != nil {
		t.Fatalf("after release: %v", err)
	}
	// Closing the holder's connection releases the lock too.
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.Lock(ctx); err != nil {
		t.Fatalf("after holder closed: %v", err)
	}
	a.Close()
	waitIdle(t, s)
}

// TestEachClientGetsItsOwnData: clients that connect one after another from
// one address each get their own data connection, however the simulator's
// goroutines happen to be scheduled (a VRT connection accepted late was once
// paired with the next client's session: TestLockContention then waited for
// data that went to the other client). Each client asks for a block of its
// own size and must get exactly that.
func TestEachClientGetsItsOwnData(t *testing.T) {
	s := startSim(t, sim.Config{})
	ctx := tctx(t)
	var cs []*wsa.Client
	for i := 0; i < 8; i++ {
		cs = append(cs, dial(t, s))
	}
	for round := 0; round < 2; round++ {
		for i, c := range cs {
			spp := 256 * (i + 1)
			blk, err := c.CaptureBlock(ctx, spp, 1)
			if err != nil || len(blk.I) != spp {
				t.Fatalf("round %d, client %d: %v (%d samples, want %d)", round, i, err, len(blk.I), spp)
			}
		}
	}
	for _, c := range cs {
		c.Close()
	}
	waitIdle(t, s)
}
