package dsp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/wsatools/wsa/pkg/vrt"
	"github.com/wsatools/wsa/pkg/wsa"
	"github.com/wsatools/wsa/pkg/wsa/sim"
)

// simCapture captures from the in-process simulator over loopback, through
// the real client, and returns the raw VRT bytes as wsa-capture would
// write them: blocks × (context + ppb data packets). setup tunes the device.
func simCapture(t testing.TB, cfg sim.Config, setup func(context.Context, *wsa.Client) error, spp, ppb, blocks int) []byte {
	t.Helper()
	if cfg.Seed == 0 {
		cfg.Seed = 42
	}
	s, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := wsa.Dial(ctx, "127.0.0.1", wsa.WithPorts(portOf(s.SCPIAddr()), portOf(s.VRTAddr())))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if setup != nil {
		if err := setup(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	var out []byte
	for range blocks {
		if err := c.Capture(ctx, spp, ppb); err != nil {
			t.Fatal(err)
		}
		for got := 0; got < ppb; {
			p, err := c.ReadPacket(ctx)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, p.Raw...)
			if p.Type.IsData() {
				got++
			}
		}
	}
	return out
}

func portOf(addr string) int {
	_, p, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(p)
	return n
}

func tune(freq, fshift float64, dec int) func(context.Context, *wsa.Client) error {
	return func(ctx context.Context, c *wsa.Client) error {
		if err := c.SetFreq(ctx, freq); err != nil {
			return err
		}
		if err := c.SetFShift(ctx, fshift); err != nil {
			return err
		}
		return c.SetDecimation(ctx, dec)
	}
}

func oneTone(hz, dbm float64) sim.Config {
	return sim.Config{Scene: &sim.Scene{Tones: []sim.Tone{{FreqHz: hz, LevelDBm: dbm}}}}
}

// runStream runs a Stream over in and returns its output bytes.
func runStream(t testing.TB, cfg StreamConfig, in []byte) []byte {
	t.Helper()
	s, err := NewStream(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := s.Run(context.Background(), bytes.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// spectra decodes every spectrum in a stream (copies), in order.
func spectra(t testing.TB, b []byte) []vrt.Spectrum {
	t.Helper()
	r := vrt.NewReader(bytes.NewReader(b), vrt.ReaderOptions{})
	var dec vrt.SpectrumDecoder
	var out []vrt.Spectrum
	for {
		p, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		s, err := dec.Feed(p)
		if err != nil && !errors.Is(err, vrt.ErrNotSpectrum) {
			t.Fatal(err)
		}
		if s != nil {
			c := *s
			c.Bins = append([]float32(nil), s.Bins...)
			out = append(out, c)
		}
	}
}

// packets splits a stream into copies of its packets.
func packets(t testing.TB, b []byte) [][]byte {
	t.Helper()
	r := vrt.NewReader(bytes.NewReader(b), vrt.ReaderOptions{})
	var out [][]byte
	for {
		p, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, append([]byte(nil), p.Raw...))
	}
}

func decodePacket(t testing.TB, b []byte) *vrt.Packet {
	t.Helper()
	var p vrt.Packet
	if err := p.Decode(b); err != nil {
		t.Fatal(err)
	}
	return &p
}

// dataPackets returns the decoded I/Q of every data packet of a stream.
func iqOf(t testing.TB, b []byte) (i, q [][]float64) {
	t.Helper()
	for _, raw := range packets(t, b) {
		p := decodePacket(t, raw)
		if !p.Type.IsData() {
			continue
		}
		n := vrt.IQ16Count(p.Payload)
		a, c := make([]float64, n), make([]float64, n)
		decode(p.Payload, vrt.FormatI14Q14, kindIQ, a, c)
		i, q = append(i, a), append(q, c)
	}
	return i, q
}

// dbm returns bin k of a dBFS spectrum in dBm.
func dbm(s *vrt.Spectrum, k int) float64 {
	return float64(s.Bins[k]) + s.RefLevelDBm + RefLevelErrorDB
}

// binOf returns the bin nearest to frequency f.
func binOf(s *vrt.Spectrum, f float64) int {
	return int((f-s.StartHz)/s.StepHz + 0.5)
}

// lobePowerDBm is the power of a tone measured as the sum of the linear
// power of the ±k bins around bin c divided by the window's ENBW (Parseval):
// unlike the peak bin, it does not depend on where between bins the tone
// falls.
func lobePowerDBm(s *vrt.Spectrum, c, k int, enbw float64) float64 {
	var sum float64
	for j := max(0, c-k); j <= min(len(s.Bins)-1, c+k); j++ {
		sum += math.Pow(10, float64(s.Bins[j])/10)
	}
	return PowerDB(sum/enbw) + s.RefLevelDBm + RefLevelErrorDB
}

// sweepCapture runs one pass of a device sweep list on s and returns its
// packets (sweep ID, then context and one data packet per step).
func sweepCapture(t testing.TB, s *sim.Sim, start, stop, step float64, spp int, id uint32) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := wsa.Dial(ctx, "127.0.0.1", wsa.WithPorts(portOf(s.SCPIAddr()), portOf(s.VRTAddr())))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	e := wsa.DefaultSweepEntry()
	e.StartHz, e.StopHz, e.StepHz, e.SPP, e.PPB = start, stop, step, spp, 1
	for _, err := range []error{c.SweepClear(ctx), c.SweepAdd(ctx, e), c.SetSweepIterations(ctx, 1), c.SweepStart(ctx, id)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	var out []byte
	for got := 0; got < len(e.Steps()); {
		p, err := c.ReadPacket(ctx)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p.Raw...)
		if p.Type.IsData() {
			got++
		}
	}
	return out
}
