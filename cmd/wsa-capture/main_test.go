package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
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

func TestBlockMode(t *testing.T) {
	ps, err := runCapture(t, "--sim", "--freq", "915M", "--decimation", "16", "--spp", "512", "--ppb", "2", "--blocks", "3")
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 3*(4+2) {
		t.Fatalf("%d packets, want 18", len(ps))
	}
	if f := field(t, ps[0], vrt.FieldRFFreq); f != 915e6 {
		t.Fatalf("rf_freq %v", f)
	}
	if bw := field(t, ps[1], vrt.FieldBandwidth); bw != 125e6/16 {
		t.Fatalf("bandwidth %v", bw)
	}
	for _, p := range ps {
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
	if data != 31 || field(t, ps[0], vrt.FieldStreamStartID) != 5 {
		t.Fatalf("%d data packets, first %v", data, ps[0].Type)
	}
}

func TestSweepMode(t *testing.T) {
	ps, err := runCapture(t, "--sim", "--sweep", "2.4G:2.5G", "--rbw", "50k", "--sweeps", "1", "--gain", "low", "--id", "3")
	if err != nil {
		t.Fatal(err)
	}
	var freqs []float64
	for _, p := range ps {
		if p.StreamID == vrt.StreamReceiver {
			freqs = append(freqs, field(t, p, vrt.FieldRFFreq))
		}
		if p.StreamID == vrt.StreamDigitizer {
			var q vrt.Packet
			q.Decode(p.Raw)
			var c vrt.Context
			c.Decode(&q)
			if rl, ok := c.Float(vrt.FieldRefLevel); ok && rl != 0 {
				t.Fatalf("reference level %v, want 0 (low gain)", rl)
			}
		}
	}
	if len(freqs) != 3 || freqs[0] != 2.445e9 {
		t.Fatalf("steps %v", freqs)
	}
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

// The planner reproduces pyrf's worked example (facts §6.1): 2.4-2.5 GHz
// at 2000 bins (50 kHz) → 4096 points, first centre 2445 MHz, run 1470
// bins (step 1470 · 125 MHz/4096).
func TestPlanSweep(t *testing.T) {
	p := wsa.PropertiesFor("")
	cases := []struct {
		start, stop, rbw, step float64
		spp, steps             int
		first, fstep           float64
	}{
		{2.4e9, 2.5e9, 50e3, 0, 4096, 3, 2445e6, math.Round(1470 * 125e6 / 4096)},
		{2.4e9, 2.5e9, 100e3, 0, 2048, 3, 2445e6, math.Round(735 * 125e6 / 2048)},
		{2.4e9, 2.41e9, 1e6, 0, 256, 1, 2445e6, math.Round(91 * 125e6 / 256)},
		{1e9, 2e9, 0, 20e6, 1024, 50, 1045e6, 20e6},
		{0, 200e6, 1e6, 0, 256, 4, 90e6, math.Round(91 * 125e6 / 256)},      // starts at 45 MHz
		{9.9e9, 10e9, 1e6, 0, 256, 2, 9945e6, math.Round(91 * 125e6 / 256)}, // no centre above 10 GHz
	}
	for _, tc := range cases {
		sp, err := planSweep(p, tc.start, tc.stop, tc.rbw, tc.step, 1024, 1, wsa.DefaultSweepEntry())
		if err != nil {
			t.Fatal(err)
		}
		e := sp.Entry
		if e.SPP != tc.spp || sp.Steps != tc.steps || e.StartHz != tc.first || e.StepHz != tc.fstep {
			t.Errorf("%g-%g rbw %g step %g: spp %d steps %d first %.0f step %.0f; want %d %d %.0f %.0f",
				tc.start, tc.stop, tc.rbw, tc.step, e.SPP, sp.Steps, e.StartHz, e.StepHz, tc.spp, tc.steps, tc.first, tc.fstep)
		}
		// The used part of the last capture (below its DC) reaches the
		// stop, unless that would need a centre above 10 GHz.
		last := e.StartHz + float64(sp.Steps-1)*e.StepHz
		if last+e.StepHz <= p.MaxTunable && last-p.DCOffsetBW/2 < math.Min(tc.stop, p.MaxTunable)-p.DCOffsetBW {
			t.Errorf("%g-%g: last centre %.0f does not cover the stop", tc.start, tc.stop, last)
		}
	}
	if _, err := planSweep(p, 0, 40e6, 1e6, 0, 1024, 1, wsa.DefaultSweepEntry()); err == nil {
		t.Error("a sweep entirely in the very low band was accepted")
	}
}
