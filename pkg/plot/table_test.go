package plot_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wsatools/wsa/pkg/plot"
	"github.com/wsatools/wsa/pkg/plot/plottest"
	"github.com/wsatools/wsa/pkg/vrt"
)

// knownSpectra decodes a synthetic stream (two sources, one with NaN-free
// noise and tones) into copies.
func knownSpectra(t *testing.T) []vrt.Spectrum {
	a := wideband(plottest.Tone{Hz: 2.43e9, Level: -30.125})
	a.Bins = 300
	a.StepHz = 125e6 / 300
	b := a
	b.StreamID, b.Name, b.Units, b.Seed = 0x57530203, "other, \"quoted\"", vrt.UnitsDBFS, 7
	in := plot.NewInput(bytes.NewReader(plottest.Stream(5, a, b)))
	var out []vrt.Spectrum
	for {
		s, err := in.Next()
		if err != nil {
			break
		}
		c := *s
		c.Bins = append([]float32(nil), s.Bins...)
		out = append(out, c)
	}
	if len(out) != 10 {
		t.Fatalf("%d spectra", len(out))
	}
	return out
}

// TestCSVRoundTrip: rows parse back to the encoded bins (exactly with
// --digits -1, within half a hundredth with rtl_power's 2 decimals) and
// follow rtl_power's column meanings.
func TestCSVRoundTrip(t *testing.T) {
	spectra := knownSpectra(t)
	for _, digits := range []int{-1, 2, 4} {
		var buf bytes.Buffer
		w := plot.NewCSVWriter(&buf)
		w.Digits = digits
		for i := range spectra {
			if err := w.Write(&spectra[i], spectra[i].Timestamp.Time()); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(&buf)
		sc.Buffer(nil, 1<<20)
		i := 0
		tol := 0.0
		if digits >= 0 {
			tol = 0.5*math.Pow(10, -float64(digits)) + 2e-5 // plus float32 resolution near 100
		}
		for sc.Scan() {
			s := &spectra[i]
			f := strings.Split(sc.Text(), ", ")
			if len(f) != 6+len(s.Bins) {
				t.Fatalf("digits %d row %d: %d fields, want %d", digits, i, len(f), 6+len(s.Bins))
			}
			tm, err := time.Parse("2006-01-02 15:04:05", f[0]+" "+f[1])
			if err != nil || !tm.Equal(s.Timestamp.Time().Truncate(time.Second)) {
				t.Errorf("row %d: time %q %q (%v), want %v", i, f[0], f[1], err, s.Timestamp.Time())
			}
			lo, _ := strconv.ParseInt(f[2], 10, 64)
			hi, _ := strconv.ParseInt(f[3], 10, 64)
			step, _ := strconv.ParseFloat(f[4], 64)
			if lo != int64(math.Round(s.StartHz)) || hi != int64(math.Round(s.StartHz+float64(len(s.Bins))*s.StepHz)) ||
				math.Abs(step-s.StepHz) > 0.005 || f[5] != "1" {
				t.Errorf("row %d: Hz low/high/step/samples %s %s %s %s", i, f[2], f[3], f[4], f[5])
			}
			for k, v := range f[6:] {
				got, err := strconv.ParseFloat(v, 32)
				if err != nil || math.Abs(got-float64(s.Bins[k])) > tol {
					t.Fatalf("digits %d row %d bin %d: %q, encoded %v", digits, i, k, v, s.Bins[k])
				}
				if digits < 0 && float32(got) != s.Bins[k] {
					t.Fatalf("row %d bin %d: %q is not exactly %v", i, k, v, s.Bins[k])
				}
			}
			i++
		}
		if i != len(spectra) {
			t.Errorf("digits %d: %d rows, want %d", digits, i, len(spectra))
		}
	}
}

// TestJSONRoundTrip: one object per spectrum per line with the documented
// keys; bins come back as the exact float32 values.
func TestJSONRoundTrip(t *testing.T) {
	spectra := knownSpectra(t)
	var buf bytes.Buffer
	w := plot.NewJSONWriter(&buf)
	for i := range spectra {
		if err := w.Write(&spectra[i], time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != len(spectra) {
		t.Fatalf("%d lines, want %d", len(lines), len(spectra))
	}
	for i, line := range lines {
		var obj struct {
			Time     string     `json:"time"`
			Source   string     `json:"source"`
			StreamID string     `json:"stream_id"`
			StartHz  float64    `json:"start_hz"`
			StopHz   float64    `json:"stop_hz"`
			StepHz   float64    `json:"step_hz"`
			Units    string     `json:"units"`
			RBWHz    float64    `json:"rbw_hz"`
			Bins     []*float32 `json:"bins"`
		}
		if err := json.Unmarshal([]byte(line), &obj); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		s := &spectra[i]
		tm, err := time.Parse(time.RFC3339Nano, obj.Time)
		if err != nil || !tm.Equal(s.Timestamp.Time()) || !strings.HasSuffix(obj.Time, "Z") {
			t.Errorf("line %d: time %q, want %v in UTC", i, obj.Time, s.Timestamp.Time())
		}
		if obj.Source != s.Source || obj.StartHz != s.StartHz || obj.StopHz != s.StopHz() || obj.StepHz != s.StepHz ||
			obj.Units != s.Units.String() || obj.RBWHz != s.RBWHz {
			t.Errorf("line %d: %+v does not describe %+v", i, obj, s)
		}
		if len(obj.Bins) != len(s.Bins) {
			t.Fatalf("line %d: %d bins", i, len(obj.Bins))
		}
		for k, v := range obj.Bins {
			if v == nil || *v != s.Bins[k] {
				t.Fatalf("line %d bin %d: %v, encoded %v", i, k, v, s.Bins[k])
			}
		}
	}
}

// TestTablesNonFinite: NaN and infinities are nan/inf/-inf in CSV (Python
// reads them) and null in JSON.
func TestTablesNonFinite(t *testing.T) {
	s := &vrt.Spectrum{StartHz: 1e6, StepHz: 1e3, Bins: []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), -1}}
	var c, j bytes.Buffer
	cw, jw := plot.NewCSVWriter(&c), plot.NewJSONWriter(&j)
	cw.Write(s, t0)
	jw.Write(s, t0)
	cw.Flush()
	jw.Flush()
	if !strings.HasSuffix(c.String(), ", nan, inf, -inf, -1.00\n") {
		t.Errorf("csv %q", c.String())
	}
	if !strings.Contains(j.String(), `"bins":[null,null,null,-1]`) || !json.Valid(j.Bytes()) {
		t.Errorf("json %q", j.String())
	}
}
