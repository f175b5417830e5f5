package main

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/wsatools/wsa/internal/cli"
	"github.com/wsatools/wsa/pkg/vrt"
)

// specFile writes packets to a temporary file: each item is a *vrt.Spectrum
// (encoded as its three packets) or raw packet bytes.
func specFile(t *testing.T, items ...any) string {
	t.Helper()
	var enc vrt.SpectrumEncoder
	var b []byte
	for _, it := range items {
		switch v := it.(type) {
		case *vrt.Spectrum:
			var err error
			if b, err = enc.Append(b, v); err != nil {
				t.Fatal(err)
			}
		case []byte:
			b = append(b, v...)
		}
	}
	path := filepath.Join(t.TempDir(), "in.vrt")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func dbfs(center float64, rl float64, hasRL bool, bins ...float32) *vrt.Spectrum {
	return &vrt.Spectrum{CenterHz: center, StartHz: center - float64(len(bins)/2)*1e6, StepHz: 1e6, RBWHz: 1.5e6,
		RefLevelDBm: rl, HasRefLevel: hasRL, Units: vrt.UnitsDBFS, Window: "hann", FFTSize: uint32(len(bins)),
		Source: "test", Timestamp: vrt.Timestamp{Int: 1700000000}, HasTime: true, Bins: bins}
}

// runCal runs the command in-process with output to a file; it returns the
// spectra written, the other packets' stream IDs in order, and the error.
func runCal(t *testing.T, args ...string) ([]vrt.Spectrum, []uint32, error) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out.vrt")
	err := command().Run(context.Background(), append(append([]string{"wsa-cal"}, args...), "-o", out))
	b, rerr := os.ReadFile(out)
	if rerr != nil {
		return nil, nil, err
	}
	var others []uint32
	r := vrt.NewReader(bytes.NewReader(b), vrt.ReaderOptions{})
	for {
		p, perr := r.Next()
		if perr != nil {
			break
		}
		if !vrt.IsSpectrum(p) && !vrt.IsSpectrumContext(p) {
			others = append(others, p.StreamID)
		}
	}
	return decodeSpectra(t, b), others, err
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *cli.ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	return cli.ExitUsage // urfave's own flag errors and cli.UsageError
}

// TestConvert: dBFS + RL + 15.7678 from each spectrum's own context, the
// fallback only where there is none, other packets passed on in order,
// dBm spectra untouched.
func TestConvert(t *testing.T) {
	devCtx, _ := vrt.AppendContext(nil, vrt.ContextHeader{Type: vrt.TypeContext, StreamID: vrt.StreamDigitizer}, vrt.F(vrt.FieldRefLevel, -30))
	dbm := &vrt.Spectrum{CenterHz: 1e9, StartHz: 1e9, StepHz: 1e3, Units: vrt.UnitsDBm, StreamID: vrt.StreamSpectrumBase | 9, Bins: []float32{-77.125, -12.5}}
	in := specFile(t, devCtx, dbfs(2.4e9, -30, true, -90, -6.0206, -90), dbfs(2.5e9, 0, false, -50, -40, -50), dbm)
	sp, others, err := runCal(t, "--reflevel", "-15", in)
	if err != nil {
		t.Fatal(err)
	}
	if len(sp) != 3 || len(others) != 1 || others[0] != vrt.StreamDigitizer {
		t.Fatalf("%d spectra, other packets %x", len(sp), others)
	}
	want := [][]float64{{-104.2322, -20.2528, -104.2322}, {-49.2322, -39.2322, -49.2322}, {-77.125, -12.5}}
	for i, s := range sp {
		if s.Units != vrt.UnitsDBm || (i < 2 && !s.HasRefLevel) {
			t.Errorf("spectrum %d: units %v", i, s.Units)
		}
		for k, w := range want[i] {
			if math.Abs(float64(s.Bins[k])-w) > 1e-3 {
				t.Errorf("spectrum %d bin %d: %v dBm, want %v", i, k, s.Bins[k], w)
			}
		}
	}
	if sp[1].RefLevelDBm != -15 || sp[0].RefLevelDBm != -30 || sp[0].Source != "test" || sp[0].Timestamp.Int != 1700000000 {
		t.Errorf("metadata %+v / %+v", sp[0], sp[1])
	}
}

func TestCorrectionFlag(t *testing.T) {
	dir := t.TempDir()
	cable := filepath.Join(dir, "cable.csv")
	lna := filepath.Join(dir, "lna.csv")
	os.WriteFile(cable, []byte("frequency_hz,db\n2.399e9,1\n2.401e9,3\n"), 0o644)
	os.WriteFile(lna, []byte("# preamp gain 20 dB\n1G, -20\n"), 0o644)
	in := specFile(t, dbfs(2.4e9, -30, true, -90, -90, -90)) // bins at 2.399, 2.4, 2.401 GHz
	sp, _, err := runCal(t, "--correction", cable, "-c", lna, in)
	if err != nil || len(sp) != 1 {
		t.Fatalf("%v", err)
	}
	for k, w := range []float64{1, 2, 3} {
		if got, want := float64(sp[0].Bins[k]), -90-30+15.7678+w-20; math.Abs(got-want) > 1e-3 {
			t.Errorf("bin %d: %v, want %v", k, got, want)
		}
	}
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("f,db\n2.4e9,1\n2.5e9,one\n"), 0o644)
	_, _, err = runCal(t, "--correction", bad, in)
	if exitCode(err) != 1 || !strings.Contains(err.Error(), "bad.csv:3: ") || strings.Contains(err.Error(), "\n") {
		t.Errorf("bad correction file: %v", err)
	}
}

// TestInputErrors: one-line errors naming the packet and byte offset,
// everything before them written, exit 1.
func TestInputErrors(t *testing.T) {
	good := dbfs(2.4e9, -30, true, -90, -80, -90)
	var enc vrt.SpectrumEncoder
	one, _ := enc.Append(nil, good)
	iq := vrt.Packet{Header: vrt.Header{Type: vrt.TypeSignal, Indicators: vrt.IndTrailer, TSI: vrt.TSIUTC, TSF: vrt.TSFRealTime},
		StreamID: vrt.StreamI14Q14, Payload: vrt.AppendIQ16(nil, make([]int16, 16), make([]int16, 16)), Trailer: vrt.ThinkRFTrailer}
	raw, _ := iq.AppendTo(nil)
	two, _ := enc.Append(nil, good)

	cases := []struct {
		name  string
		in    string
		args  []string
		msg   string
		spect int
	}{
		{"raw I/Q", specFile(t, one, raw), nil, "packet 3 at byte offset " + strconv.Itoa(len(one)) + ": data packet is not a spectrum (raw I/Q or another format): put wsa-fft in front", 1},
		// The second spectrum's data packet (after its two context packets) is cut.
		{"truncated", specFile(t, one, two[:len(two)-7]), nil, "packet 5 at byte offset " + strconv.Itoa(len(one)+vrt.SizeOf(two)+vrt.SizeOf(two[vrt.SizeOf(two):])) + ": truncated", 1},
		{"no reference level", specFile(t, good, dbfs(2.5e9, 0, false, -1)), nil, "packet 5 at byte offset", 1},
		{"stitch without a range", specFile(t, good), []string{"--stitch"}, "no sweep range", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sp, _, err := runCal(t, append(tc.args, tc.in)...)
			if exitCode(err) != 1 || !strings.Contains(err.Error(), tc.msg) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("%v; want exit 1 with %q", err, tc.msg)
			}
			if len(sp) != tc.spect {
				t.Errorf("%d spectra written before the error, want %d", len(sp), tc.spect)
			}
		})
	}
	// The no-reference-level message says what to do.
	_, _, err := runCal(t, specFile(t, dbfs(2.5e9, 0, false, -1)))
	if err == nil || !strings.Contains(err.Error(), "--reflevel") {
		t.Errorf("%v", err)
	}
}

func TestUsage(t *testing.T) {
	in := specFile(t, dbfs(2.4e9, -30, true, -90))
	for _, args := range [][]string{
		{"--range", "2.4G:2.5G", in},
		{"--stitch", "--range", "2.5G:2.4G", in},
		{"--obw", "0", in},
		{"--obw", "101%", in},
		{"--peaks", "-1", in},
		{"--peak-sep", "100k", in},
		{"--channel", "2.4G", in},
		{"--reflevel", "loud", in},
		{"--measure-out", "x.jsonl", in},
		{in, in},
	} {
		if _, _, err := runCal(t, args...); exitCode(err) != cli.ExitUsage {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
}

// TestStitchExitStatus: an incomplete sweep makes the exit status 3; the
// complete one before it is written.
func TestStitchExitStatus(t *testing.T) {
	// A block capture's spectrum (no sweep) with --stitch and a range: its
	// usable band (±45 MHz around 2.445 GHz, less the DC bin) covers
	// 2.4-2.49 GHz: 2.49-2.5 GHz missing → incomplete, exit 3.
	s := &vrt.Spectrum{CenterHz: 2.445e9, StepHz: 125e6 / 256, Units: vrt.UnitsDBm, Bins: make([]float32, 256)}
	s.StartHz = s.CenterHz - 128*s.StepHz
	for k := range s.Bins {
		s.Bins[k] = -100
	}
	_, _, err := runCal(t, "--stitch", "--range", "2.4G:2.5G", specFile(t, s))
	if exitCode(err) != ExitIncomplete || !strings.Contains(err.Error(), "1 incomplete sweep") {
		t.Fatalf("%v", err)
	}
	sp, _, err := runCal(t, "--stitch", "--range", "2.41G:2.44G", specFile(t, s))
	if err != nil || len(sp) != 1 || sp[0].StartHz != 2.41e9 {
		t.Fatalf("%v", err)
	}
}

func TestMeasureOut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.jsonl")
	in := specFile(t, dbfs(2.4e9, -30, true, -90, -60, -90, -70, -90))
	if _, _, err := runCal(t, "--peaks", "2", "--peak-sep", "1.5M", "--channel", "2.3985G:2.4005G", "--obw", "99%", "--measure-out", path, in); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], `"measurement":"peaks"`) || !strings.Contains(lines[0], `"freq_hz":2399000000,"level_dbm":-74.2`) ||
		!strings.Contains(lines[0], `"freq_hz":2401000000`) || !strings.Contains(lines[0], `"time":"2023-11-14T22:13:20Z"`) ||
		!strings.Contains(lines[1], `"measurement":"channel_power"`) || !strings.Contains(lines[2], `"measurement":"obw"`) {
		t.Fatalf("%s", b)
	}
}
