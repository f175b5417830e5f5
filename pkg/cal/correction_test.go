package cal

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsatools/wsa/pkg/vrt"
)

func TestParseCorrection(t *testing.T) {
	good := []struct {
		name, text string
		freqs, db  []float64
	}{
		{"plain", "2.4e9,1.5\n2.5e9,2.5\n", []float64{2.4e9, 2.5e9}, []float64{1.5, 2.5}},
		{"header, comments, units, separators", "\ufeff# cable loss, measured 2024\nfrequency_hz,db\n\n2400M; 1.5  # at 2.4\n2.45G\t-2\n  2.5GHz   3dB\r\n",
			[]float64{2.4e9, 2.45e9, 2.5e9}, []float64{1.5, -2, 3}},
		{"one point", "1e9 , -20\n", []float64{1e9}, []float64{-20}},
		{"header of three words", "freq gain comment\n100M 0\n", []float64{100e6}, []float64{0}},
	}
	for _, tc := range good {
		c, err := ParseCorrection(strings.NewReader(tc.text), "x.csv")
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if len(c.Freqs) != len(tc.freqs) {
			t.Errorf("%s: %v %v", tc.name, c.Freqs, c.DB)
			continue
		}
		for i := range c.Freqs {
			if c.Freqs[i] != tc.freqs[i] || c.DB[i] != tc.db[i] {
				t.Errorf("%s: row %d = %v, %v", tc.name, i, c.Freqs[i], c.DB[i])
			}
		}
	}
	bad := []struct {
		name, text string
		line       int
		msg        string
	}{
		{"not a number", "f,db\n2.4e9,1\n2.5e9,abc\n", 3, `dB value "abc"`},
		{"bad frequency", "2.4e9,1\n2.5x9,1\n", 2, `frequency "2.5x9"`},
		{"three fields", "2.4e9,1\n2.5e9,1,7\n", 2, "want 2 fields"},
		{"one field", "2.4e9\n", 1, "want 2 fields"},
		{"second header", "f,db\ng,h\n", 2, "is not a number"},
		{"decreasing", "# c\n2.5e9,1\n\n2.4e9,1\n", 4, "not above the 2.5 GHz of line 2"},
		{"repeated", "2.4e9,1\n2.4e9,2\n", 2, "not above"},
		{"negative frequency", "-5,1\n", 1, "outside 0 to 1 THz"},
		{"huge dB", "1e9,1e6\n", 1, "beyond ±300 dB"},
		{"NaN", "1e9,NaN\n", 1, "not a number"},
		{"Inf", "1e9,+Inf\n", 1, "not a number"},
		{"long line", "1e9," + strings.Repeat("1", 5000) + "\n", 1, "longer than"},
	}
	for _, tc := range bad {
		_, err := ParseCorrection(strings.NewReader(tc.text), "cable.csv")
		var le *LineError
		if !errors.As(err, &le) || le.Line != tc.line || le.File != "cable.csv" || !strings.Contains(err.Error(), tc.msg) ||
			!strings.HasPrefix(err.Error(), "cable.csv:") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v; want cable.csv:%d: …%s…", tc.name, err, tc.line, tc.msg)
		}
	}
	for _, empty := range []string{"", "# nothing\n", "f,db\n"} {
		if _, err := ParseCorrection(strings.NewReader(empty), "e.csv"); err == nil || !strings.Contains(err.Error(), "e.csv") {
			t.Errorf("%q: %v", empty, err)
		}
	}
	if _, err := LoadCorrection(filepath.Join(t.TempDir(), "missing.csv")); err == nil || !strings.Contains(err.Error(), "missing.csv") {
		t.Errorf("missing file: %v", err)
	}
}

// TestCorrectionInterpolation: linear between points, flat beyond the ends,
// and Apply adds the value at every bin's own frequency (the same as At).
func TestCorrectionInterpolation(t *testing.T) {
	c := &Correction{Freqs: []float64{1e9, 2e9, 4e9}, DB: []float64{1, 3, -1}}
	for _, tc := range []struct{ f, want float64 }{
		{0, 1}, {1e9, 1}, {1.5e9, 2}, {1.25e9, 1.5}, {2e9, 3}, {3e9, 1}, {3.5e9, 0}, {4e9, -1}, {9e9, -1},
	} {
		if got := c.At(tc.f); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("At(%v) = %v, want %v", tc.f, got, tc.want)
		}
	}
	s := &vrt.Spectrum{StartHz: 0.5e9, StepHz: 0.125e9, Bins: make([]float32, 33)} // 0.5 to 4.5 GHz
	for k := range s.Bins {
		s.Bins[k] = -50
	}
	c.Apply(s)
	for k, v := range s.Bins {
		if want := -50 + c.At(s.FreqOf(k)); math.Abs(float64(v)-want) > 1e-5 {
			t.Errorf("bin %d (%v Hz): %v, want %v", k, s.FreqOf(k), v, want)
		}
	}
	one := &Correction{Freqs: []float64{3e9}, DB: []float64{-20}}
	s.Bins[0] = 0
	one.Apply(s)
	if s.Bins[0] != -20 || one.At(1) != -20 || one.At(1e10) != -20 {
		t.Errorf("a one-point table is not a constant: %v", s.Bins[0])
	}
}

func TestLoadCorrection(t *testing.T) {
	path := filepath.Join(t.TempDir(), "preamp.csv")
	if err := os.WriteFile(path, []byte("# LNA, gain as a negative correction\n100M,-20.5\n6G,-18\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := LoadCorrection(path)
	if err != nil || c.Name != path || c.At(3.05e9) != -19.25 {
		t.Fatalf("%+v, %v", c, err)
	}
}

// FuzzParseCorrection: any input either fails with a one-line error naming
// the file and line, or gives a table whose rows are finite and strictly
// increasing and whose interpolation stays within the table's values and
// hits them at the points.
func FuzzParseCorrection(f *testing.F) {
	for _, seed := range []string{
		"2.4e9,1.5\n2.5e9,2.5\n", "frequency_hz,db\n2400M; 1.5 # c\n2.45G\t-2\n", "# x\n\n1e9 -20\n",
		"f,db\ng,h\n", "2.5e9,1\n2.4e9,1\n", "1e9,NaN\n", "\ufeff100k,0\r\n200k,1\r\n", ",,\n", "1e9,1e6\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		c, err := ParseCorrection(strings.NewReader(text), "fuzz.csv")
		if err != nil {
			if msg := err.Error(); !strings.HasPrefix(msg, "fuzz.csv") || strings.Contains(msg, "\n") {
				t.Fatalf("error %q does not name the file in one line", msg)
			}
			return
		}
		if len(c.Freqs) == 0 || len(c.Freqs) != len(c.DB) {
			t.Fatalf("table of %d/%d rows", len(c.Freqs), len(c.DB))
		}
		lo, hi := math.Inf(1), math.Inf(-1)
		for i := range c.Freqs {
			if math.IsNaN(c.Freqs[i]) || math.IsInf(c.DB[i], 0) || math.IsNaN(c.DB[i]) || (i > 0 && !(c.Freqs[i] > c.Freqs[i-1])) {
				t.Fatalf("row %d: %v, %v", i, c.Freqs[i], c.DB[i])
			}
			if got := c.At(c.Freqs[i]); got != c.DB[i] {
				t.Fatalf("At(%v) = %v, table says %v", c.Freqs[i], got, c.DB[i])
			}
			lo, hi = math.Min(lo, c.DB[i]), math.Max(hi, c.DB[i])
		}
		for i := 1; i < len(c.Freqs); i++ {
			mid := c.Freqs[i-1] + (c.Freqs[i]-c.Freqs[i-1])/2
			if v := c.At(mid); v < lo-1e-9 || v > hi+1e-9 {
				t.Fatalf("At(%v) = %v outside %v…%v", mid, v, lo, hi)
			}
		}
	})
}
