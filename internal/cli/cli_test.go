package cli

import (
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseFreq(t *testing.T) {
	cases := []struct {
		in   string
		want float64
		err  bool
	}{
		{"2412000000", 2.412e9, false},
		{"2.412e9", 2.412e9, false},
		{"2.412G", 2.412e9, false},
		{"2412M", 2.412e9, false},
		{"2412MHz", 2.412e9, false},
		{"2412 mhz", 2.412e9, false},
		{"100k", 1e5, false},
		{"100 kHz", 1e5, false},
		{"-5M", -5e6, false},
		{"1_000", 1000, false},
		{"", 0, true},
		{"G", 0, true},
		{"abc", 0, true},
		{"NaN", 0, true},
		{"1e999", 0, true},
		{"1e306T", 0, true}, // finite, but not once the suffix is applied (found by FuzzParseFreq)
		{"-1e306G", 0, true},
		{"2.4G\n:FREQ:CENTER 0", 0, true},
	}
	for _, c := range cases {
		got, err := ParseFreq(c.in)
		if (err != nil) != c.err {
			t.Errorf("ParseFreq(%q) err = %v, want err=%v", c.in, err, c.err)
			continue
		}
		if !c.err && math.Abs(got-c.want) > 1e-3 {
			t.Errorf("ParseFreq(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestParseRangeAndTone(t *testing.T) {
	a, b, err := ParseFreqRange("2.4G:2.5G")
	if err != nil || a != 2.4e9 || b != 2.5e9 {
		t.Fatalf("ParseFreqRange = %v %v %v", a, b, err)
	}
	if _, _, err := ParseFreqRange("2.5G:2.4G"); err == nil {
		t.Fatal("inverted range accepted")
	}
	if _, _, err := ParseFreqRange("2.5G"); err == nil {
		t.Fatal("range without colon accepted")
	}
	hz, dbm, err := ParseTone("2.412G:-30")
	if err != nil || hz != 2.412e9 || dbm != -30 {
		t.Fatalf("ParseTone = %v %v %v", hz, dbm, err)
	}
	if _, _, err := ParseTone("2.412G:-30dBm"); err != nil {
		t.Fatalf("dBm suffix rejected: %v", err)
	}
	if _, _, err := ParseTone("2.412G:loud"); err == nil {
		t.Fatal("bad level accepted")
	}
}

func TestFormatFreq(t *testing.T) {
	for in, want := range map[float64]string{2.412e9: "2.412 GHz", 150e3: "150 kHz", 90e6: "90 MHz", 12: "12 Hz"} {
		if got := FormatFreq(in); got != want {
			t.Errorf("FormatFreq(%v) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParseFreq(f *testing.F) {
	for _, s := range []string{"2.4G", "100k", "1e9", "-3M", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseFreq(s)
		if err == nil && (math.IsNaN(v) || math.IsInf(v, 0)) {
			t.Fatalf("ParseFreq(%q) = %v without error", s, v)
		}
	})
}

// TestOpenInputOutput: FILE or stdin in, FILE or stdout out; a missing
// input file is a failure (exit 1) naming it, and what is written to an
// output file arrives there.
func TestOpenInputOutput(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "in.vrt")
	os.WriteFile(name, []byte("abcd"), 0o644)
	for _, arg := range []string{"", "-"} {
		if in, n, done, err := OpenInput(arg); err != nil || in != os.Stdin || n != "stdin" {
			t.Errorf("OpenInput(%q) = %v, %q, %v", arg, in, n, err)
		} else {
			done()
		}
	}
	in, n, done, err := OpenInput(name)
	if err != nil || n != name {
		t.Fatalf("OpenInput(file): %q, %v", n, err)
	}
	b, _ := io.ReadAll(in)
	done()
	if string(b) != "abcd" {
		t.Errorf("read %q", b)
	}
	_, _, _, err = OpenInput(filepath.Join(dir, "missing"))
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != ExitFailure || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing input: %v", err)
	}
	outName := filepath.Join(dir, "out.vrt")
	out, closeOut, err := OpenPacketOutput(outName)
	if err != nil {
		t.Fatal(err)
	}
	out.Write([]byte{0x10, 0, 0, 1})
	if err := closeOut(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(outName); len(b) != 4 {
		t.Errorf("output file holds %d bytes, want 4", len(b))
	}
	if _, _, err := OpenPacketOutput(filepath.Join(dir, "no", "such", "dir")); !errors.As(err, &ee) || ee.Code != ExitFailure {
		t.Errorf("uncreatable output: %v", err)
	}
}
