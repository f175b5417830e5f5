package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"math/cmplx"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wsatools/wsa/pkg/dsp"
	"github.com/wsatools/wsa/pkg/sweep"
	"github.com/wsatools/wsa/pkg/vrt"
	"github.com/wsatools/wsa/pkg/wsa"
	"github.com/wsatools/wsa/pkg/wsa/sim"
)

// The tests in this file run the real pipeline in-process: the simulator
// over loopback and the real client (as wsa-capture), pkg/dsp's Stream (the
// engine of wsa-fft, default settings), and wsa-cal's process.

func portOf(addr string) int {
	_, p, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(p)
	return n
}

// simDevice starts a simulator with the scene (nil: default) and returns a
// connected client.
func simDevice(t *testing.T, scene *sim.Scene) (*wsa.Client, context.Context) {
	t.Helper()
	s, err := sim.New(sim.Config{Scene: scene, Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	c, err := wsa.Dial(ctx, "127.0.0.1", wsa.WithPorts(portOf(s.SCPIAddr()), portOf(s.VRTAddr())))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, ctx
}

// readData copies packets until n data packets have come; before each
// sweep ID packet it writes the capture description ci (as wsa-capture
// does), when ci is not nil.
func readData(t *testing.T, ctx context.Context, c *wsa.Client, n int, ci *vrt.CaptureInfo) []byte {
	t.Helper()
	var out []byte
	var cx vrt.Context
	count := uint8(0)
	for got := 0; got < n; {
		p, err := c.ReadPacket(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ci != nil && p.StreamID == vrt.StreamCustom && cx.Decode(p) == nil {
			if _, ok := cx.Get(vrt.FieldSweepID); ok {
				ci.Timestamp, ci.HasTime = p.Timestamp, true
				if out, err = vrt.AppendCaptureInfo(out, ci, count); err != nil {
					t.Fatal(err)
				}
				count++
			}
		}
		out = append(out, p.Raw...)
		if p.Type.IsData() {
			got++
		}
	}
	return out
}

// fft runs packets through pkg/dsp's Stream with wsa-fft's defaults.
func fft(t *testing.T, in []byte) []byte {
	t.Helper()
	st, err := dsp.NewStream(dsp.StreamConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := st.Run(context.Background(), bytes.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// calRun runs wsa-cal's processing and returns its packets, measurement
// lines and reports.
func calRun(t *testing.T, cfg config, in []byte) ([]vrt.Spectrum, []map[string]any, string, stats, error) {
	t.Helper()
	var out, meas, rep bytes.Buffer
	st, err := process(context.Background(), cfg, bytes.NewReader(in), &out, &meas, &rep)
	var ms []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(meas.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if jerr := json.Unmarshal([]byte(line), &m); jerr != nil {
			t.Fatalf("measurement line %q: %v", line, jerr)
		}
		ms = append(ms, m)
	}
	return decodeSpectra(t, out.Bytes()), ms, rep.String(), st, err
}

func decodeSpectra(t *testing.T, b []byte) []vrt.Spectrum {
	t.Helper()
	r := vrt.NewReader(bytes.NewReader(b), vrt.ReaderOptions{})
	var dec vrt.SpectrumDecoder
	var out []vrt.Spectrum
	for {
		p, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("output is not clean VRT: %v", err)
		}
		s, err := dec.Feed(p)
		if err != nil {
			t.Fatal(err)
		}
		if s != nil {
			c := *s
			c.Bins = append([]float32(nil), s.Bins...)
			out = append(out, c)
		}
	}
}

// pyrfDBm is an independent float64 implementation of pyrf's WSA4000
// chain on raw counts (device-facts.md §5.2): DC removal, classic I/Q
// correction, symmetric Hann, a direct DFT (no FFT), fftshift,
// 20·log10(|X|/N) + RL − 62.5, centre bin = mean of its neighbours in dB.
func pyrfDBm(iq16, qq16 []int16, rl float64) []float64 {
	n := len(iq16)
	i, q := make([]float64, n), make([]float64, n)
	var mi, mq float64
	for k := range i {
		i[k], q[k] = float64(iq16[k]), float64(qq16[k])
		mi += i[k]
		mq += q[k]
	}
	mi /= float64(n)
	mq /= float64(n)
	var si, sq, siq float64
	for k := range i {
		i[k] -= mi
		q[k] -= mq
		si += i[k] * i[k]
		sq += q[k] * q[k]
		siq += i[k] * q[k]
	}
	ratio := math.Sqrt(si / sq)
	s := ratio * siq / si
	z := make([]complex128, n)
	for k := range z {
		qc := (ratio*q[k] - s*i[k]) / math.Sqrt(1-s*s)
		w := 0.5 - 0.5*math.Cos(2*math.Pi*float64(k)/float64(n-1))
		z[k] = complex(w*i[k], w*qc)
	}
	tw := make([]complex128, n)
	for k := range tw {
		tw[k] = cmplx.Rect(1, -2*math.Pi*float64(k)/float64(n))
	}
	p := make([]float64, n)
	for j := range p {
		f := (j - n/2 + n) % n // fftshift: index n/2 is DC
		var x complex128
		for m, v := range z {
			x += v * tw[(f*m)%n]
		}
		p[j] = 20*math.Log10(cmplx.Abs(x)/float64(n)) + rl - 62.5
	}
	p[n/2] = (p[n/2-1] + p[n/2+1]) / 2
	return p
}

// TestPipelineMatchesPyrf: `wsa-fft | wsa-cal` reproduces pyrf's WSA4000
// result within 0.01 dB in every bin, on simulator data (default scene,
// receiver impairments on), at several settings.
func TestPipelineMatchesPyrf(t *testing.T) {
	cases := []struct {
		name   string
		freq   float64
		fshift float64
		dec    int
		gain   wsa.Gain
		ifgain int
		n      int
	}{
		{"2.42 GHz high gain 1024", 2.42e9, 0, 1, wsa.GainHigh, 0, 1024},
		{"2.44 GHz decimation 8 shift 3 MHz 4096", 2.44e9, 3e6, 8, wsa.GainHigh, 0, 4096},
		{"915 MHz low gain IF 5 dB 2048", 915e6, 0, 1, wsa.GainLow, 5, 2048},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, ctx := simDevice(t, nil)
			for _, err := range []error{c.SetFreq(ctx, tc.freq), c.SetFShift(ctx, tc.fshift), c.SetDecimation(ctx, tc.dec),
				c.SetGain(ctx, tc.gain), c.SetIFGain(ctx, tc.ifgain), c.Capture(ctx, tc.n, 1)} {
				if err != nil {
					t.Fatal(err)
				}
			}
			raw := readData(t, ctx, c, 1, nil)
			// The raw counts and reference level, read independently of dsp.
			var i, q []int16
			rl := math.NaN()
			r := vrt.NewReader(bytes.NewReader(raw), vrt.ReaderOptions{})
			for {
				p, err := r.Next()
				if err != nil {
					break
				}
				var cx vrt.Context
				if p.Type.IsContext() && cx.Decode(p) == nil {
					if v, ok := cx.Float(vrt.FieldRefLevel); ok {
						rl = v
					}
				}
				if p.Type.IsData() {
					i, q = make([]int16, tc.n), make([]int16, tc.n)
					vrt.DecodeIQ16(p.Payload, i, q)
				}
			}
			want := pyrfDBm(i, q, rl)
			sp, _, _, _, err := calRun(t, config{}, fft(t, raw))
			if err != nil || len(sp) != 1 {
				t.Fatalf("%d spectra, %v", len(sp), err)
			}
			s := sp[0]
			if s.Units != vrt.UnitsDBm || len(s.Bins) != tc.n || s.RefLevelDBm != rl {
				t.Fatalf("units %v, %d bins, RL %v (device %v)", s.Units, len(s.Bins), s.RefLevelDBm, rl)
			}
			worst, at := 0.0, 0
			for k, v := range s.Bins {
				if d := math.Abs(float64(v) - want[k]); d > worst {
					worst, at = d, k
				}
			}
			t.Logf("worst difference %.2g dB at bin %d (%.2f dBm)", worst, at, want[at])
			if worst > 0.01 {
				t.Errorf("bin %d: %.4f dBm, pyrf's formula %.4f dBm", at, s.Bins[at], want[at])
			}
		})
	}
}

// sweepCapture runs a sweep on the simulator as wsa-capture does: the
// pkg/sweep plan in the device's sweep list, a capture description before
// every pass.
func sweepCapture(t *testing.T, scene *sim.Scene, start, stop float64, bins, passes int) []byte {
	t.Helper()
	c, ctx := simDevice(t, scene)
	p := c.Properties()
	pl, err := sweep.New(p, start, stop, bins, sweep.Options{})
	if err != nil {
		t.Fatal(err)
	}
	base := wsa.DefaultSweepEntry()
	base.Gain = wsa.GainHigh
	e, n, err := pl.Entry(p, base)
	if err != nil {
		t.Fatal(err)
	}
	cs, ce := pl.Covered(p)
	ci := vrt.CaptureInfo{Source: "WSA4000 SIM 127.0.0.1", HasSweep: true, SweepID: 99, SweepStartHz: cs, SweepStopHz: ce, SweepSteps: uint32(n)}
	for _, err := range []error{c.SweepClear(ctx), c.SweepAdd(ctx, e), c.SetSweepIterations(ctx, passes), c.SweepStart(ctx, 99)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return readData(t, ctx, c, passes*n, &ci)
}

// peakAt returns the highest bin within ±3 bins of hz, and its frequency.
func peakAt(s *vrt.Spectrum, hz float64) (float64, float64) {
	best, at := math.Inf(-1), 0.0
	for k, v := range s.Bins {
		if f := s.FreqOf(k); math.Abs(f-hz) <= 3*s.StepHz && float64(v) > best {
			best, at = float64(v), f
		}
	}
	return best, at
}

// TestPipelineStitchedSweep: a 2.4-2.5 GHz sweep at 100 kHz (three
// captures), two passes, through the simulator, wsa-fft and wsa-cal
// --stitch: one spectrum per pass, bins uniform and exactly from 2.4 to
// 2.5 GHz; tones inside the range at their frequency (±1 bin) and level
// (±1 dB), including one in the first capture's filter roll-off and one at
// its DC (both taken from the next capture); a strong tone just outside the
// range absent; the measurements in JSON.
func TestPipelineStitchedSweep(t *testing.T) {
	bin := 125e6 / 2048
	onGrid := func(f float64) float64 { return math.Round(2.4e9 + math.Round((f-2.4e9)/bin)*bin) }
	tones := []sim.Tone{
		{FreqHz: 2.412e9, LevelDBm: -30},                // the default scene's reference tone, 0.39 bins off the grid
		{FreqHz: onGrid(2.495e9), LevelDBm: -40},        // 50 MHz above capture 0's LO: −5.7 dB in its roll-off
		{FreqHz: 2.445e9 - 17090, LevelDBm: -50},        // on capture 0's DC bin, which DC removal empties
		{FreqHz: 2.392e9, LevelDBm: -20},                // below the range, in capture 0's roll-off
		{FreqHz: onGrid(2.46e9) + bin/2, LevelDBm: -45}, // half-way between bins: Hann scalloping −1.42 dB
	}
	raw := sweepCapture(t, &sim.Scene{Tones: tones}, 2.4e9, 2.5e9, 1000, 2)
	cfg := config{stitch: true, peaks: 3, channels: [][2]float64{{2.41e9, 2.414e9}}, obw: 99}
	sp, ms, rep, st, err := calRun(t, cfg, fft(t, raw))
	if err != nil || rep != "" || st.Incomplete != 0 {
		t.Fatalf("%v; reports %q", err, rep)
	}
	if len(sp) != 2 {
		t.Fatalf("%d spectra, want one per pass", len(sp))
	}
	for pass, s := range sp {
		if s.StartHz != 2.4e9 || math.Abs(s.StopHz()-2.5e9) > 1e-3 || len(s.Bins) != 1639 || s.Units != vrt.UnitsDBm ||
			!s.HasSweepID || s.SweepID != 99 || s.Source != "WSA4000 SIM 127.0.0.1" || s.CenterHz != 2.45e9 {
			t.Fatalf("pass %d: %d bins %.3f…%.3f Hz by %.3f, %+v", pass, len(s.Bins), s.StartHz, s.StopHz(), s.StepHz, s)
		}
		for _, tc := range []struct {
			hz, dbm, tol float64
		}{{2.412e9, -30, 1}, {tones[1].FreqHz, -40, 1}, {tones[2].FreqHz, -50, 1}, {tones[4].FreqHz, -45 - 1.42, 0.3}} {
			lvl, at := peakAt(&s, tc.hz)
			t.Logf("pass %d: tone %.6f GHz expected %.2f dBm: %.2f dBm at %+.0f Hz", pass, tc.hz/1e9, tc.dbm, lvl, at-tc.hz)
			if math.Abs(at-tc.hz) > s.StepHz || math.Abs(lvl-tc.dbm) > tc.tol {
				t.Errorf("pass %d: tone %.6f GHz %v dBm reads %.2f dBm at %.6f GHz", pass, tc.hz/1e9, tc.dbm, lvl, at/1e9)
			}
		}
		// Nothing of the −20 dBm tone 8 MHz below the start: the first
		// 2 MHz are noise (−108 dBm per bin at high gain).
		for k := 0; s.FreqOf(k) < 2.402e9; k++ {
			if s.Bins[k] > -100 {
				t.Fatalf("pass %d: %.1f dBm at %.6f GHz: the tone below the range leaks in", pass, s.Bins[k], s.FreqOf(k)/1e9)
			}
		}
	}
	// Measurements: three per spectrum, naming it.
	if len(ms) != 6 {
		t.Fatalf("%d measurement lines: %v", len(ms), ms)
	}
	m := ms[0]
	pk := m["peaks"].([]any)[0].(map[string]any)
	if m["measurement"] != "peaks" || math.Abs(pk["freq_hz"].(float64)-2.412e9) > bin || math.Abs(pk["level_dbm"].(float64)+30) > 1 ||
		m["source"] != "WSA4000 SIM 127.0.0.1" || m["center_hz"] != 2.45e9 || m["sweep_id"] != 99.0 || !strings.HasSuffix(m["time"].(string), "Z") {
		t.Errorf("peaks %v", m)
	}
	if _, err := time.Parse(time.RFC3339Nano, m["time"].(string)); err != nil {
		t.Errorf("time: %v", err)
	}
	// The −30 dBm tone alone in a 4 MHz channel: its power, whatever the
	// scalloping (main-lobe power over the noise bandwidth).
	if m := ms[1]; m["measurement"] != "channel_power" || math.Abs(m["power_dbm"].(float64)+30) > 0.3 {
		t.Errorf("channel power %v", m)
	}
	if m := ms[2]; m["measurement"] != "obw" || m["bandwidth_hz"].(float64) <= 0 {
		t.Errorf("obw %v", m)
	}
}

// TestPipelineDecimatedSweep: pyrf's decimated plan (1 MHz in 4096 bins,
// two captures decimated by 64 and shifted by 44.5 MHz) stitched, with a
// tone in each capture at its level.
func TestPipelineDecimatedSweep(t *testing.T) {
	bin := 125e6 / 64 / 8192
	onGrid := func(f float64) float64 { return math.Round(2.4e9 + math.Round((f-2.4e9)/bin)*bin) }
	tones := []sim.Tone{{FreqHz: onGrid(2.4003e9), LevelDBm: -60}, {FreqHz: onGrid(2.4009e9), LevelDBm: -70}}
	raw := sweepCapture(t, &sim.Scene{Tones: tones}, 2.4e9, 2.401e9, 4096, 1)
	sp, _, rep, _, err := calRun(t, config{stitch: true}, fft(t, raw))
	if err != nil || rep != "" || len(sp) != 1 {
		t.Fatalf("%d spectra, %v, %q", len(sp), err, rep)
	}
	s := sp[0]
	if s.StartHz != 2.4e9 || math.Abs(s.StopHz()-2.401e9) > 1e-3 || s.Decimation != 64 {
		t.Fatalf("%d bins %v…%v, decimation %d", len(s.Bins), s.StartHz, s.StopHz(), s.Decimation)
	}
	for _, tn := range tones {
		lvl, at := peakAt(&s, tn.FreqHz)
		t.Logf("tone %.6f GHz %.2f dBm: %.2f dBm at %+.0f Hz", tn.FreqHz/1e9, tn.LevelDBm, lvl, at-tn.FreqHz)
		if math.Abs(at-tn.FreqHz) > s.StepHz || math.Abs(lvl-tn.LevelDBm) > 1 {
			t.Errorf("tone %v dBm at %v: %.2f dBm at %v", tn.LevelDBm, tn.FreqHz, lvl, at)
		}
	}
}

// TestPipelineIncomplete: a sweep cut short (the end of the capture lost)
// is reported, not written, and the complete pass before it is.
func TestPipelineIncomplete(t *testing.T) {
	spectra := fft(t, sweepCapture(t, nil, 2.4e9, 2.5e9, 1000, 2))
	// Cut the stream after the second pass's second spectrum.
	r := vrt.NewReader(bytes.NewReader(spectra), vrt.ReaderOptions{})
	seen, cut := 0, 0
	for {
		p, err := r.Next()
		if err != nil {
			t.Fatal("fewer than 5 spectra")
		}
		if vrt.IsSpectrum(p) {
			if seen++; seen == 5 {
				cut = int(r.Offset())
				break
			}
		}
	}
	sp, _, rep, st, err := calRun(t, config{stitch: true}, spectra[:cut])
	if err != nil || len(sp) != 1 || st.Incomplete != 1 ||
		!strings.Contains(rep, "incomplete sweep") || !strings.Contains(rep, "2 of 3 centres") || !strings.Contains(rep, "stream ended") {
		t.Fatalf("%d spectra, %v, report %q", len(sp), err, rep)
	}
	// Cut inside a packet: the same report, and the format error.
	sp, _, rep, _, err = calRun(t, config{stitch: true}, spectra[:cut-10])
	if err == nil || !strings.Contains(err.Error(), "byte offset") || len(sp) != 1 || !strings.Contains(rep, "incomplete sweep") {
		t.Fatalf("%d spectra, %v, report %q", len(sp), err, rep)
	}
}
