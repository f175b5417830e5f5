package wsa_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wsatools/wsa/pkg/vrt"
	"github.com/wsatools/wsa/pkg/wsa"
	"github.com/wsatools/wsa/pkg/wsa/sim"
)

// pkt is a decoded packet kept beyond the next ReadPacket.
type pkt struct {
	typ     vrt.PacketType
	stream  uint32
	count   uint8
	ts      vrt.Timestamp
	samples int
	trailer vrt.Trailer
	fields  map[string]float64
}

func readN(t *testing.T, c *wsa.Client, n int, dataOnlyCount bool) []pkt {
	t.Helper()
	ctx := tctx(t)
	var out []pkt
	data := 0
	for (dataOnlyCount && data < n) || (!dataOnlyCount && len(out) < n) {
		p, err := c.ReadPacket(ctx)
		if err != nil {
			t.Fatalf("after %d packets: %v", len(out), err)
		}
		k := pkt{typ: p.Type, stream: p.StreamID, count: p.Count, ts: p.Timestamp}
		if p.Type.IsContext() {
			var cx vrt.Context
			if err := cx.Decode(p); err != nil {
				t.Fatal(err)
			}
			if len(cx.Fields) != 1 {
				t.Fatalf("context packet with %d fields, want one per packet", len(cx.Fields))
			}
			k.fields = map[string]float64{}
			for _, f := range cx.Fields {
				v, _ := f.Float()
				k.fields[f.Spec.Name] = v
			}
		} else {
			k.samples = vrt.SampleCount(p)
			k.trailer = p.Trailer
			data++
		}
		out = append(out, k)
	}
	return out
}

// checkContext asserts the four single-field context packets that precede
// a block or sweep step.
func checkContext(t *testing.T, ps []pkt, freq, bw, fshift, rl float64) {
	t.Helper()
	want := []struct {
		stream uint32
		name   string
		v      float64
	}{
		{vrt.StreamReceiver, "rf_freq_hz", freq},
		{vrt.StreamDigitizer, "bandwidth_hz", bw},
		{vrt.StreamDigitizer, "rf_offset_hz", -fshift},
		{vrt.StreamDigitizer, "reference_level_dbm", rl},
	}
	for i, w := range want {
		p := ps[i]
		if p.typ != vrt.TypeContext || p.stream != w.stream {
			t.Fatalf("context %d: type %v stream %#x", i, p.typ, p.stream)
		}
		if v, ok := p.fields[w.name]; !ok || v != w.v {
			t.Fatalf("context %d: %v, want %s=%v", i, p.fields, w.name, w.v)
		}
	}
}

func TestBlockCapturePackets(t *testing.T) {
	s := startSim(t, sim.Config{})
	c := dial(t, s)
	ctx := tctx(t)
	for _, err := range []error{c.SetFreq(ctx, 2.412e9), c.SetDecimation(ctx, 4), c.SetGain(ctx, wsa.GainLow),
		c.SetIFGain(ctx, 3), c.SetFShift(ctx, 1e6), c.Capture(ctx, 2048, 20)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	ps := readN(t, c, 20, true)
	if len(ps) != 24 {
		t.Fatalf("%d packets, want 4 context + 20 data", len(ps))
	}
	checkContext(t, ps, 2.412e9, 125e6/4, 1e6, sim.RefLevel(wsa.GainLow, 3))
	var prev vrt.Timestamp
	for i, p := range ps[4:] {
		if p.typ != vrt.TypeSignal || p.stream != vrt.StreamI14Q14 || p.samples != 2048 {
			t.Fatalf("data %d: %+v", i, p)
		}
		if p.trailer != vrt.ThinkRFTrailer {
			t.Fatalf("data %d trailer %#08x, want %#08x", i, uint32(p.trailer), uint32(vrt.ThinkRFTrailer))
		}
		if i > 0 {
			if p.count != (ps[4+i-1].count+1)&15 {
				t.Fatalf("data %d count %d after %d", i, p.count, ps[4+i-1].count)
			}
			// Contiguous in time: 2048 samples at 31.25 MHz = 65.536 µs.
			d := int64(p.ts.Int-prev.Int)*1e12 + int64(p.ts.Frac) - int64(prev.Frac)
			if d != 65_536_000 {
				t.Fatalf("data %d: %d ps after the previous packet, want 65536000", i, d)
			}
		}
		prev = p.ts
	}
	if mode, _ := c.CaptureMode(ctx); mode != "BLOCK" {
		t.Fatalf("mode %q", mode)
	}
}

func TestStream(t *testing.T) {
	s := startSim(t, sim.Config{})
	c := dial(t, s)
	ctx := tctx(t)
	if err := c.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.SetSPP(ctx, 1024); err != nil {
		t.Fatal(err)
	}
	if err := c.StreamStart(ctx, 0xabcdef); err != nil {
		t.Fatal(err)
	}
	if r, _ := c.StreamRunning(ctx); !r {
		t.Fatal("stream status not RUNNING")
	}
	if m, _ := c.CaptureMode(ctx); m != "STREAMING" {
		t.Fatalf("mode %q", m)
	}
	var de *wsa.DeviceError
	if err := c.SetFreq(ctx, 1e9); !errors.As(err, &de) || de.Code != -221 {
		t.Fatalf("retune while streaming: %v, want -221", err)
	}
	if err := c.Capture(ctx, 1024, 1); !errors.As(err, &de) || de.Code != -221 {
		t.Fatalf("block while streaming: %v, want -221", err)
	}
	ps := readN(t, c, 100, true)
	if p := ps[0]; p.typ != vrt.TypeExtContext || p.stream != vrt.StreamCustom || p.fields["stream_id"] != 0xabcdef {
		t.Fatalf("first packet %+v, want the stream ID context", p)
	}
	checkContext(t, ps[1:], 2.4e9, 125e6, 0, sim.RefLevel(wsa.GainHigh, 0))
	for i, p := range ps[5:] {
		if p.samples != 1024 || p.count != uint8(i&15) && i > 0 && p.count != (ps[5+i-1].count+1)&15 {
			t.Fatalf("data %d: %+v", i, p)
		}
	}
	if err := c.StreamStop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if r, _ := c.StreamRunning(ctx); r {
		t.Fatal("stream still RUNNING after stop")
	}
	c.Close()
	waitIdle(t, s)
}

func TestSweepList(t *testing.T) {
	s := startSim(t, sim.Config{})
	c := dial(t, s)
	ctx := tctx(t)
	e := wsa.DefaultSweepEntry()
	e.StartHz, e.StopHz, e.StepHz = 2.4e9, 2.5e9, 50e6
	e.Gain, e.SPP, e.PPB = wsa.GainMedium, 512, 2
	e2 := e
	e2.StartHz, e2.StopHz, e2.Decimation, e2.Gain = 5.8e9, 5.8e9, 16, wsa.GainHigh
	for _, err := range []error{c.Lock(ctx), c.SweepClear(ctx), c.SweepAdd(ctx, e), c.SweepAdd(ctx, e2), c.SetSweepIterations(ctx, 2)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := c.SweepRead(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	e.Decimation = 1 // "off" reads back as 1
	if got != e {
		t.Fatalf("entry 1 read back\n %+v\nwant %+v", got, e)
	}
	if err := c.SweepStart(ctx, 42); err != nil {
		t.Fatal(err)
	}
	// Per iteration: sweep ID context, then 3 + 1 steps of 4 context and 2 data packets.
	const perIter = 1 + 4*(4+2)
	ps := readN(t, c, 2*perIter, false)
	var freqs []float64
	for it := 0; it < 2; it++ {
		b := ps[it*perIter:]
		if b[0].typ != vrt.TypeExtContext || b[0].fields["sweep_id"] != 42 {
			t.Fatalf("iteration %d starts with %+v, want the sweep ID", it, b[0])
		}
		for step := 0; step < 4; step++ {
			sp := b[1+step*6:]
			bw, rl := 125e6, sim.RefLevel(wsa.GainMedium, 0)
			if step == 3 {
				bw, rl = 125e6/16, sim.RefLevel(wsa.GainHigh, 0)
			}
			f := sp[0].fields["rf_freq_hz"]
			checkContext(t, sp, f, bw, 0, rl)
			freqs = append(freqs, f)
			if sp[4].samples != 512 || sp[5].samples != 512 {
				t.Fatalf("step %d data %+v %+v", step, sp[4], sp[5])
			}
		}
	}
	want := []float64{2.4e9, 2.45e9, 2.5e9, 5.8e9, 2.4e9, 2.45e9, 2.5e9, 5.8e9}
	for i := range want {
		if freqs[i] != want[i] {
			t.Fatalf("step frequencies %v, want %v", freqs, want)
		}
	}
	// Two iterations, then the sweep ends by itself.
	if _, err := s.Wait(ctx, func(st sim.Status) bool { return st.Capture == "IDLE" }); err != nil {
		t.Fatal(err)
	}
	if r, _ := c.SweepRunning(ctx); r {
		t.Fatal("sweep still running after its iterations")
	}
}

func TestSweepForeverStops(t *testing.T) {
	s := startSim(t, sim.Config{})
	c := dial(t, s)
	ctx := tctx(t)
	e := wsa.DefaultSweepEntry()
	for _, err := range []error{c.Lock(ctx), c.SweepAdd(ctx, e), c.SetSweepIterations(ctx, 0), c.SweepStart(ctx, 0)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	readN(t, c, 50, true) // more than one pass of a one-step list
	if r, _ := c.SweepRunning(ctx); !r {
		t.Fatal("endless sweep not running")
	}
	if err := c.SweepStop(ctx); err != nil {
		t.Fatal(err)
	}
	if r, _ := c.SweepRunning(ctx); r {
		t.Fatal("sweep running after stop")
	}
	c.Close()
	waitIdle(t, s)
}

// Close stops a running stream, flushes and unlocks.
func TestCloseLeavesDeviceIdle(t *testing.T) {
	s := startSim(t, sim.Config{})
	c := dial(t, s)
	ctx := tctx(t)
	if err := c.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.StreamStart(ctx, 1); err != nil {
		t.Fatal(err)
	}
	readN(t, c, 3, true)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	// Close confirmed with *OPC? before hanging up: the device is already
	// idle and unlocked, not merely once it notices the disconnect.
	if st := s.Status(); st.Capture != "IDLE" || st.Locked {
		t.Fatalf("after Close: %+v", st)
	}
	waitIdle(t, s)
}

// A level trigger holds the capture until a signal in range exceeds the
// level; the default scene has −30 dBm at 2.412 GHz.
func TestLevelTrigger(t *testing.T) {
	s := startSim(t, sim.Config{})
	c := dial(t, s)
	ctx := tctx(t)
	if err := c.SetTrigger(ctx, wsa.Trigger{Type: wsa.TriggerLevel, StartHz: 2.41e9, StopHz: 2.415e9, LevelDBm: -40}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CaptureBlock(ctx, 1024, 1); err != nil {
		t.Fatalf("trigger below the tone: %v", err)
	}
	if err := c.SetTrigger(ctx, wsa.Trigger{Type: wsa.TriggerLevel, StartHz: 2.41e9, StopHz: 2.415e9, LevelDBm: -20}); err != nil {
		t.Fatal(err)
	}
	if err := c.Capture(ctx, 1024, 1); err != nil {
		t.Fatal(err)
	}
	// Nothing comes: the trigger waits. Any bound shows it; the outcome
	// does not depend on the machine's speed.
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if p, err := c.ReadPacket(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("trigger above the tone delivered %v, %v", p, err)
	}
	if err := c.Abort(ctx); err != nil {
		t.Fatal(err)
	}
	c.Close()
	waitIdle(t, s)
}

// Every injected fault gives its documented outcome, and the device is
// idle and unlocked once the client has closed.
func TestFaults(t *testing.T) {
	cases := []struct {
		name  string
		f     sim.Faults
		run   func(ctx context.Context, c *wsa.Client) error
		check func(t *testing.T, err error)
	}{
		{"drop VRT after 5 packets", sim.Faults{DropVRTAfter: 5},
			func(ctx context.Context, c *wsa.Client) error {
				b, err := c.CaptureBlock(ctx, 1024, 10)
				if b != nil && b.Packets != 1 {
					return errors.New("kept packets: wrong count")
				}
				return err
			},
			func(t *testing.T, err error) {
				if err == nil || !strings.Contains(err.Error(), "data connection") {
					t.Fatalf("got %v, want a lost data connection", err)
				}
			}},
		{"stall after 5 packets", sim.Faults{StallAfter: 5},
			func(ctx context.Context, c *wsa.Client) error {
				short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
				defer cancel()
				_, err := c.CaptureBlock(short, 1024, 10)
				return err
			},
			func(t *testing.T, err error) {
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("got %v, want a timeout", err)
				}
			}},
		{"malformed packet after 6", sim.Faults{MalformedAfter: 6},
			func(ctx context.Context, c *wsa.Client) error {
				_, err := c.CaptureBlock(ctx, 1024, 10)
				return err
			},
			func(t *testing.T, err error) {
				if err == nil || !strings.Contains(err.Error(), "malformed") {
					t.Fatalf("got %v, want a malformed packet error", err)
				}
			}},
		{"lock refused", sim.Faults{RefuseLock: true},
			func(ctx context.Context, c *wsa.Client) error { return c.Lock(ctx) },
			func(t *testing.T, err error) {
				if !errors.Is(err, wsa.ErrLocked) {
					t.Fatalf("got %v, want ErrLocked", err)
				}
			}},
		{"SCPI error on tuning", sim.Faults{SCPIErrors: map[string]int{"FREQ:CENTER": -222}},
			func(ctx context.Context, c *wsa.Client) error { return c.SetFreq(ctx, 1e9) },
			func(t *testing.T, err error) {
				var de *wsa.DeviceError
				if !errors.As(err, &de) || de.Code != -222 || !strings.Contains(de.Command, "FREQ:CENTER") {
					t.Fatalf("got %v, want device error -222 naming the command", err)
				}
			}},
		{"SCPI error on capture", sim.Faults{SCPIErrors: map[string]int{":trace:block:data?": -200}},
			func(ctx context.Context, c *wsa.Client) error { _, err := c.CaptureBlock(ctx, 1024, 1); return err },
			func(t *testing.T, err error) {
				var de *wsa.DeviceError
				if !errors.As(err, &de) || de.Code != -200 {
					t.Fatalf("got %v, want device error -200", err)
				}
			}},
		{"PLLs unlocked", sim.Faults{Unlocked: true},
			func(ctx context.Context, c *wsa.Client) error {
				if ok, _ := c.RefLocked(ctx); ok {
					return errors.New("reference reported locked")
				}
				if ok, _ := c.RFLocked(ctx); ok {
					return errors.New("RF reported locked")
				}
				b, err := c.CaptureBlock(ctx, 1024, 1)
				if err == nil && !b.Unlocked {
					return errors.New("trailer kept reference lock")
				}
				return err
			},
			func(t *testing.T, err error) {
				if err != nil {
					t.Fatal(err)
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := startSim(t, sim.Config{Faults: tc.f})
			c := dial(t, s)
			ctx := tctx(t)
			if !tc.f.RefuseLock {
				if err := c.Lock(ctx); err != nil {
					t.Fatal(err)
				}
			}
			tc.check(t, tc.run(ctx, c))
			c.Close()
			waitIdle(t, s)
		})
	}
}

func TestDiscovery(t *testing.T) {
	for _, v := range []uint32{1, 2} {
		s := startSim(t, sim.Config{DiscoveryAddr: "127.0.0.1:0", DiscoveryVersion: v})
		devs, err := wsa.Discover(tctx(t), wsa.DiscoverOptions{Targets: []string{s.DiscoveryAddr()}, Quiet: 500 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if len(devs) != 1 {
			t.Fatalf("version %d: %d devices", v, len(devs))
		}
		d := devs[0]
		wantFW := ""
		if v == 2 {
			wantFW = sim.DefaultIdentity.Firmware
		}
		if d.Model != "WSA4000" || d.Serial != sim.DefaultIdentity.Serial || d.Firmware != wantFW || d.Host != "127.0.0.1" || d.Version != v {
			t.Fatalf("version %d: %+v", v, d)
		}
	}
}

func TestDiscoveryResponseFormats(t *testing.T) {
	cases := []struct {
		name string
		b    []byte
		want wsa.Device
		bad  bool
	}{
		{"v1", wsa.EncodeDiscoveryResponse(1, "ignored", "A1234", "ignored"), wsa.Device{Model: "WSA4000", Serial: "A1234", Version: 1}, false},
		{"v2", wsa.EncodeDiscoveryResponse(2, "R5500-408", "171212-007", "1.5.0"), wsa.Device{Model: "R5500-408", Serial: "171212-007", Firmware: "1.5.0", Version: 2}, false},
		{"v1 without NUL", append([]byte{0x93, 0x31, 0x55, 0x55, 0, 0, 0, 1}, "XYZ"...), wsa.Device{Model: "WSA4000", Serial: "XYZ", Version: 1}, false},
		{"short header", []byte{1, 2, 3}, wsa.Device{}, true},
		{"v2 truncated", wsa.EncodeDiscoveryResponse(2, "M", "S", "F")[:30], wsa.Device{}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := wsa.ParseDiscoveryResponse(tc.b)
			if (err != nil) != tc.bad || d != tc.want {
				t.Fatalf("got %+v, %v", d, err)
			}
		})
	}
}
