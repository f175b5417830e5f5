package main

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsatools/wsa/internal/cli"
	"github.com/wsatools/wsa/pkg/vrt"
)

func TestParseOverlap(t *testing.T) {
	for _, c := range []struct {
		in   string
		want float64
		ok   bool
	}{
		{"0", 0, true}, {"0.5", 0.5, true}, {"50%", 0.5, true}, {" 75 % ", 0.75, true}, {"0.999", 0.999, true},
		{"1", 0, false}, {"100%", 0, false}, {"-0.1", 0, false}, {"half", 0, false}, {"", 0, false}, {"NaN", 0, false},
	} {
		got, err := parseOverlap(c.in)
		if (err == nil) != c.ok || c.ok && math.Abs(got-c.want) > 1e-12 {
			t.Errorf("parseOverlap(%q) = %v, %v; want %v ok=%v", c.in, got, err, c.want, c.ok)
		}
	}
}

// FuzzParseOverlap: whatever the text, an accepted overlap is a fraction in
// [0, 1), the only values the re-blocker can use.
func FuzzParseOverlap(f *testing.F) {
	for _, s := range []string{"0.5", "50%", "1e-3", "99.9%", "inf", "-0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseOverlap(s)
		if err == nil && !(v >= 0 && v < 1) {
			t.Fatalf("parseOverlap(%q) accepted %v", s, v)
		}
	})
}

// iqFile writes a small device stream: context and two I14Q14 packets.
func iqFile(t *testing.T) string {
	t.Helper()
	var b []byte
	var err error
	ts := vrt.Timestamp{Int: 1764000000}
	for _, f := range []vrt.FieldValue{vrt.F(vrt.FieldRFFreq, 2.4e9), vrt.F(vrt.FieldBandwidth, 125e6), vrt.F(vrt.FieldRefLevel, -20)} {
		id := vrt.StreamDigitizer
		if f.Spec == vrt.FieldRFFreq {
			id = vrt.StreamReceiver
		}
		if b, err = vrt.AppendContext(b, vrt.ContextHeader{Type: vrt.TypeContext, StreamID: id, TSI: vrt.TSIUTC, TSF: vrt.TSFRealTime, Timestamp: ts}, f); err != nil {
			t.Fatal(err)
		}
	}
	i, q := make([]int16, 256), make([]int16, 256)
	for k := range i {
		i[k], q[k] = int16(k%7*100), int16(k%5*-100)
	}
	for c := range 2 {
		p := vrt.Packet{Header: vrt.Header{Type: vrt.TypeSignal, Indicators: vrt.IndTrailer, TSI: vrt.TSIUTC, TSF: vrt.TSFRealTime, Count: uint8(c)},
			StreamID: vrt.StreamI14Q14, Timestamp: ts, Payload: vrt.AppendIQ16(nil, i, q), Trailer: vrt.ThinkRFTrailer}
		if b, err = p.AppendTo(b); err != nil {
			t.Fatal(err)
		}
	}
	name := filepath.Join(t.TempDir(), "iq.vrt")
	if err := os.WriteFile(name, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

func runCmd(args ...string) error {
	return command().Run(context.Background(), append([]string{"wsa-fft"}, args...))
}

func exitCode(err error) int {
	var ee *cli.ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	if err != nil {
		return cli.ExitFailure
	}
	return 0
}

// TestCommand runs the command in-process on a file: the flags reach the
// stream (window, average, source), and the output holds the spectra.
func TestCommand(t *testing.T) {
	in := iqFile(t)
	out := filepath.Join(t.TempDir(), "out.vrt")
	if err := runCmd("-o", out, "--window", "flattop", "--average", "2", "--source", "unit test", in); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	r := vrt.NewReader(bytes.NewReader(b), vrt.ReaderOptions{})
	var dec vrt.SpectrumDecoder
	var got []vrt.Spectrum
	for {
		p, err := r.Next()
		if err != nil {
			break
		}
		if s, _ := dec.Feed(p); s != nil {
			got = append(got, *s)
		}
	}
	if len(got) != 1 {
		t.Fatalf("%d spectra, want one average of 2", len(got))
	}
	s := got[0]
	if s.Window != "flattop" || s.Averages != 2 || s.Trace != vrt.TraceAverage || s.Source != "unit test" || s.RefLevelDBm != -20 || s.CenterHz != 2.4e9 {
		t.Errorf("spectrum %+v", s)
	}
}

// TestUsageErrors: bad flag values exit 2 with a message naming the flag.
func TestUsageErrors(t *testing.T) {
	in := iqFile(t)
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--window", "kaiser"}, "--window"},
		{[]string{"--overlap", "0.5"}, "--overlap needs --bins"},
		{[]string{"--bins", "1024", "--overlap", "100%"}, "--overlap"},
		{[]string{"--bins", "1"}, "--bins"},
		{[]string{"--average", "-3"}, "--average"},
		{[]string{"--hold", "median"}, "--hold"},
		{[]string{"-j", "0"}, "-j"},
		{[]string{"--fft-impl", "fftw"}, "--fft-impl"},
		{[]string{in, in}, "at most one FILE"},
	} {
		err := runCmd(append(c.args, "-o", os.DevNull)...)
		if exitCode(err) != cli.ExitUsage || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%v: exit %d, %v; want usage error mentioning %q", c.args, exitCode(err), err, c.msg)
		}
	}
}

// TestMalformedExit: damaged input exits 1 with the input name, packet
// index and byte offset; the spectra before it are written.
func TestMalformedExit(t *testing.T) {
	in := iqFile(t)
	b, _ := os.ReadFile(in)
	cut := filepath.Join(t.TempDir(), "cut.vrt")
	os.WriteFile(cut, b[:len(b)-10], 0o644)
	out := filepath.Join(t.TempDir(), "out.vrt")
	err := runCmd("-o", out, cut)
	if exitCode(err) != cli.ExitFailure || !strings.Contains(err.Error(), "cut.vrt: packet 4 at byte offset") {
		t.Fatalf("exit %d: %v", exitCode(err), err)
	}
	o, _ := os.ReadFile(out)
	n := 0
	r := vrt.NewReader(bytes.NewReader(o), vrt.ReaderOptions{})
	for {
		p, err := r.Next()
		if err != nil {
			break
		}
		if vrt.IsSpectrum(p) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d spectra before the damage, want 1", n)
	}
}
