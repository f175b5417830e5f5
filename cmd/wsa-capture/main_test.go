package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsatools/wsa/internal/cli"
	"github.com/wsatools/wsa/pkg/vrt"
	"github.com/wsatools/wsa/pkg/wsa"
)

// runCapture runs the command in-process with output to a file and
// returns the decoded packets' stream IDs, data sample counts and context
// fields in order.
func runCapture(t *testing.T, args ...string) ([]vrt.Packet, error) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out.vrt")
	err := command().Run(context.Background(), append(append([]string{"wsa-capture"}, args...), "-o", out, "-q"))
	b, rerr := os.ReadFile(out)
	if rerr != nil {
		return nil, err
	}
	r := vrt.NewReader(bytes.NewReader(b), vrt.ReaderOptions{})
	var ps []vrt.Packet
	for {
		p, perr := r.Next()
		if perr == io.EOF {
			break
		}
		if perr != nil {
			t.Fatalf("output is not clean VRT: %v", perr)
		}
		var c vrt.Packet
		if err := c.Decode(append([]byte(nil), p.Raw...)); err != nil {
			t.Fatal(err)
		}
		ps = append(ps, c)
	}
	return ps, err
}

func field(t *testing.T, p vrt.Packet, s *vrt.FieldSpec) float64 {
	t.Helper()
	var q vrt.Packet
	if err := q.Decode(p.Raw); err != nil {
		t.Fatal(err)
	}
	var c vrt.Context
	if err := c.Decode(&q); err != nil {
		t.Fatal(err)
	}
	v, ok := c.Float(s)
	if !ok {
		t.Fatalf("packet lacks %s", s.Name)
	}
	return v
}

// captureInfo decodes the capture description packet p.
func captureInfo(t *testing.T, p vrt.Packet) vrt.CaptureInfo {
	t.Helper()
	ci, err := vrt.DecodeCaptureInfo(&p)
	if err != nil {
		t.Fatalf("packet is not a capture description: %v", err)
	}
	return ci
}

func TestBlockMode(t *testing.T) {
	ps, err := runCapture(t, "--sim", "--freq", "915M", "--decimation", "16", "--spp", "512", "--ppb", "2", "--blocks", "3")
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1+3*(4+2) {
		t.Fatalf("%d packets, want 19", len(ps))
	}
	// One capture description, naming the device, then the device's packets.
	ci := captureInfo(t, ps[0])
	if ci.HasSweep || !strings.HasPrefix(ci.Source, "WSA4000 ") || !strings.HasSuffix(ci.Source, " 127.0.0.1") ||
		len(strings.Fields(ci.Source)) != 3 || !ci.HasTime || ci.Timestamp != ps[1].Timestamp {
		t.Fatalf("capture description %+v", ci)
	}
	if f := field(t, ps[1], vrt.FieldRFFreq); f != 915e6 {
		t.Fatalf("rf_freq %v", f)
	}
	if bw := field(t, ps[2], vrt.FieldBandwidth); bw != 125e6/16 {
		t.Fatalf("bandwidth %v", bw)
	}
	for _, p := range ps[1:] {
		if vrt.IsCaptureInfo(&p) {
			t.Fatal("second capture description in a block capture")
		}
		if p.Type.IsData() && vrt.SampleCount(&p) != 512 {
			t.Fatalf("data packet with %d samples", vrt.SampleCount(&p))
		}
	}
}

func TestStreamDuration(t *testing.T) {
	// 1 ms at 125 MHz / 4 in 1024-sample packets: ⌈31250/1024⌉ = 31.
	ps, err := runCapture(t, "--sim", "--duration", "1ms", "--decimation", "4", "--spp", "1024", "--id", "5")
	if err != nil {
		t.Fatal(err)
	}
	data := 0
	for _, p := range ps {
		if p.Type.IsData() {
			data++
		}
	}
	if ci := captureInfo(t, ps[0]); ci.HasSweep || ci.Source == "" {
		t.Fatalf("capture description %+v", ci)
	}
	if data != 31 || field(t, ps[1], vrt.FieldStreamStartID) != 5 {
		t.Fatalf("%d data packets, first %v", data, ps[1].Type)
	}
}

// TestSweepMode: the device's sweep list comes from pkg/sweep's plan
// (2.4-2.5 GHz at 50 kHz = 2000 bins: pyrf's worked example, 3 centres
// from 2445 MHz, 4096 points, shift 17090 Hz), the entry carries the gain,
// and a capture description opens every pass.
func TestSweepMode(t *testing.T) {
	ps, err := runCapture(t, "--sim", "--sweep", "2.4G:2.5G", "--rbw", "50k", "--sweeps", "2", "--gain", "low", "--id", "3")
	if err != nil {
		t.Fatal(err)
	}
	var freqs, offsets []float64
	var descs []int
	data := 0
	for i, p := range ps {
		switch {
		case vrt.IsCaptureInfo(&p):
			ci := captureInfo(t, p)
			if !ci.HasSweep || ci.SweepID != 3 || ci.SweepStartHz != 2.4e9 || ci.SweepStopHz != 2.5e9 || ci.SweepSteps != 3 || ci.Source == "" {
				t.Fatalf("capture description %+v", ci)
			}
			// It precedes the device's sweep ID packet, with its timestamp.
			if i+1 >= len(ps) || field(t, ps[i+1], vrt.FieldSweepID) != 3 || ci.Timestamp != ps[i+1].Timestamp {
				t.Fatalf("capture description %d is not followed by the sweep ID packet", i)
			}
			descs = append(descs, i)
		case p.StreamID == vrt.StreamReceiver:
			freqs = append(freqs, field(t, p, vrt.FieldRFFreq))
		case p.StreamID == vrt.StreamDigitizer:
			var q vrt.Packet
			q.Decode(p.Raw)
			var c vrt.Context
			c.Decode(&q)
			if rl, ok := c.Float(vrt.FieldRefLevel); ok && rl != 0 {
				t.Fatalf("reference level %v, want 0 (low gain)", rl)
			}
			if off, ok := c.Float(vrt.FieldRFOffset); ok {
				offsets = append(offsets, off)
			}
		case p.Type.IsData():
			data++
			if n := vrt.SampleCount(&p); n != 4096 {
				t.Fatalf("data packet of %d samples, plan says 4096", n)
			}
		}
	}
	want := []float64{2445e6, 2445e6 + 44860840, 2445e6 + 2*44860840}
	if len(freqs) != 6 || data != 6 || len(descs) != 2 || descs[0] != 0 {
		t.Fatalf("centres %v, %d data packets, capture descriptions at %v", freqs, data, descs)
	}
	for i, f := range freqs {
		if f != want[i%3] || offsets[i] != -17090 {
			t.Fatalf("step %d at %v shift %v, want %v shift 17090", i, f, -offsets[i], want[i%3])
		}
	}
}

func TestSweepBins(t *testing.T) {
	// pyrf's decimated example through the command: 1 MHz in 4096 bins.
	ps, err := runCapture(t, "--sim", "--sweep", "2.4G:2.401G", "--bins", "4096", "--sim-tone", "2.4005G:-40")
	if err != nil {
		t.Fatal(err)
	}
	var freqs []float64
	for _, p := range ps {
		if p.StreamID == vrt.StreamReceiver {
			freqs = append(freqs, field(t, p, vrt.FieldRFFreq))
		}
		if p.StreamID == vrt.StreamDigitizer {
			if bw, ok := fieldOK(t, p, vrt.FieldBandwidth); ok && bw != 125e6/64 {
				t.Fatalf("bandwidth %v, plan decimates by 64", bw)
			}
		}
	}
	// 4194 bins of 238.4 Hz in runs of 4096: 2 centres 976562 Hz apart.
	if len(freqs) != 2 || freqs[0] != 2445e6 || freqs[1] != 2445e6+976563 {
		t.Fatalf("centres %v", freqs)
	}
}

func fieldOK(t *testing.T, p vrt.Packet, s *vrt.FieldSpec) (float64, bool) {
	t.Helper()
	var q vrt.Packet
	if err := q.Decode(p.Raw); err != nil {
		t.Fatal(err)
	}
	var c vrt.Context
	if err := c.Decode(&q); err != nil {
		t.Fatal(err)
	}
	return c.Float(s)
}

func TestFailuresAndUsage(t *testing.T) {
	cases := []struct {
		name string
		args []string
		code int
	}{
		{"stall", []string{"--sim", "--ppb", "4", "--sim-fault", "stall=3", "--timeout", "200ms"}, cli.ExitFailure},
		{"lock", []string{"--sim", "--sim-fault", "refuse-lock"}, cli.ExitFailure},
		{"out of range", []string{"--sim", "--ifgain", "40"}, cli.ExitFailure},
		{"sweep and stream", []string{"--sim", "--sweep", "1G:2G", "--packets", "3"}, cli.ExitUsage},
		{"rbw alone", []string{"--sim", "--rbw", "1k"}, cli.ExitUsage},
		{"bins alone", []string{"--sim", "--bins", "100"}, cli.ExitUsage},
		{"rbw and bins", []string{"--sim", "--sweep", "1G:2G", "--rbw", "1M", "--bins", "100"}, cli.ExitUsage},
		{"spp in a sweep", []string{"--sim", "--sweep", "1G:2G", "--spp", "1024"}, cli.ExitUsage},
		{"sweep too fine", []string{"--sim", "--sweep", "1G:1.000001G", "--rbw", "1"}, cli.ExitUsage},
		{"sweep below the IQ band", []string{"--sim", "--sweep", "1M:40M"}, cli.ExitUsage},
		{"spp", []string{"--sim", "--spp", "100"}, cli.ExitUsage},
		{"no device", []string{}, cli.ExitUsage},
		{"sweep with freq", []string{"--sim", "--sweep", "1G:2G", "--freq", "1G"}, cli.ExitUsage},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := runCapture(t, tc.args...)
			var ee *cli.ExitError
			if !errors.As(err, &ee) || ee.Code != tc.code {
				t.Fatalf("got %v, want exit %d", err, tc.code)
			}
		})
	}
}

// TestPlanSweep: wsa-capture's sweep entry is pkg/sweep's plan (pyrf's
// WSA4000-era planner, facts §6.1) with the front-end settings of the
// flags; ranges the WSA4000 cannot sweep are clamped (and the covered range
// says so) or refused.
func TestPlanSweep(t *testing.T) {
	p := wsa.PropertiesFor("")
	bin := func(points int) float64 { return 125e6 / float64(points) }
	cases := []struct {
		start, stop        float64
		bins               int
		spp, steps, dec    int
		first, fstep       float64
		coverFrom, coverTo float64
	}{
		{2.4e9, 2.5e9, 2000, 4096, 3, 1, 2445e6, math.Round(1470 * bin(4096)), 2.4e9, 2.5e9},
		// 100 kHz: 1000 bins → 2048 points, run ⌊(45 MHz − 120 kHz − fshift)/bin⌋ = 735.
		{2.4e9, 2.5e9, 1000, 2048, 3, 1, 2445e6, math.Round(735 * bin(2048)), 2.4e9, 2.5e9},
		// 10 MHz in 10 bins: the 128-point minimum, 45 bins per capture.
		{2.4e9, 2.41e9, 10, 128, 1, 1, 2445e6, math.Round(45 * bin(128)), 2.4e9, 2.41e9},
		// Starts at 45 MHz: 155 MHz in 200 bins → 256 points, run 91, 317 bins.
		{0, 200e6, 200, 256, 4, 1, 90e6, math.Round(91 * bin(256)), 45e6, 200e6},
		// Near 10 GHz the centres run out: two (9945 and 9988.9 MHz) keep
		// 90 bins, to 9986.9 MHz.
		{9.9e9, 10e9, 100, 128, 2, 1, 9945e6, math.Round(45 * bin(128)), 9.9e9, 9.9e9 + 89*bin(128)},
		// 1 MHz in 4096 bins decimates by 64 (pyrf's example).
		{2.4e9, 2.401e9, 4096, 8192, 2, 64, 2445e6, 976563, 2.4e9, 2.401e9},
	}
	for _, tc := range cases {
		base := wsa.DefaultSweepEntry()
		base.Gain, base.PPB = wsa.GainMedium, 2
		sp, err := planSweep(p, tc.start, tc.stop, tc.bins, base)
		if err != nil {
			t.Fatalf("%g-%g: %v", tc.start, tc.stop, err)
		}
		e := sp.Entry
		if e.SPP != tc.spp || sp.Steps != tc.steps || e.StartHz != tc.first || e.StepHz != tc.fstep || e.Decimation != tc.dec ||
			e.Gain != wsa.GainMedium || e.PPB != 2 || len(e.Steps()) != sp.Steps {
			t.Errorf("%g-%g %d bins: spp %d steps %d dec %d first %.0f step %.0f; want %d %d %d %.0f %.0f",
				tc.start, tc.stop, tc.bins, e.SPP, sp.Steps, e.Decimation, e.StartHz, e.StepHz, tc.spp, tc.steps, tc.dec, tc.first, tc.fstep)
		}
		if math.Abs(sp.StartHz-tc.coverFrom) > 1e-3 || math.Abs(sp.StopHz-tc.coverTo) > 1e-3 {
			t.Errorf("%g-%g: covers %v…%v, want %v…%v", tc.start, tc.stop, sp.StartHz, sp.StopHz, tc.coverFrom, tc.coverTo)
		}
	}
	if _, err := planSweep(p, 0, 40e6, 100, wsa.DefaultSweepEntry()); err == nil {
		t.Error("a sweep entirely in the very low band was accepted")
	}
	if _, err := planSweep(p, 2.4e9, 2.4e9+1e3, 1<<16, wsa.DefaultSweepEntry()); err == nil {
		t.Error("a plan needing more points than a packet holds was accepted")
	}
}
