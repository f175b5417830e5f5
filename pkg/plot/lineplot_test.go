package plot_test

import (
	"bytes"
	"image"
	"image/color"
	"math"
	"strings"
	"testing"

	"github.com/wsatools/wsa/pkg/plot"
	"github.com/wsatools/wsa/pkg/plot/plottest"
	"github.com/wsatools/wsa/pkg/vrt"
)

// TestLinePeakColumn: the apex of a tone's line is in the pixel column the
// plot's own data→pixel mapping gives for the tone frequency, and at the
// row of its level, for tones across the band and several image sizes.
func TestLinePeakColumn(t *testing.T) {
	for _, tc := range []struct {
		name          string
		toneHz, level float64
		w, h          int
	}{
		{"centre+10M", 2.43e9, -30, 1200, 700},
		{"low edge", 2.36e9, -40, 1200, 700},
		{"high edge", 2.48e9, -25, 800, 500},
		{"near centre, wide image", 2.4205e9, -35, 2400, 900},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := wideband(plottest.Tone{Hz: tc.toneHz, Level: tc.level})
			tr := plot.NewTraces(nil)
			for _, f := range frames(t, plottest.Stream(3, src)) {
				tr.Add(f)
			}
			var buf bytes.Buffer
			g, err := plot.RenderLine(&buf, plot.FormatPNG, tr.Curves(), plot.LineOptions{Width: tc.w, Height: tc.h})
			if err != nil {
				t.Fatal(err)
			}
			img := decodePNG(t, buf.Bytes())
			if b := img.Bounds(); b.Dx() != tc.w || b.Dy() != tc.h {
				t.Fatalf("image %v, want %dx%d", b, tc.w, tc.h)
			}
			// The bin the tone went into (its frequency on the grid).
			k := math.Round((tc.toneHz - src.StartHz) / src.StepHz)
			binHz := src.StartHz + k*src.StepHz
			wantX := int(math.Floor(g.X(binHz)))
			wantY := g.Y(tc.level)
			bestX, bestY := apex(img, g, plot.TraceColor(0, vrt.TraceLive, 1))
			if bestX < 0 {
				t.Fatal("no trace pixels found")
			}
			if d := bestX - wantX; d < -1 || d > 1 {
				t.Errorf("peak apex at column %d, mapping says %d (%.1f) for %.0f Hz", bestX, wantX, g.X(binHz), binHz)
			}
			if d := float64(bestY) - wantY; d < -2 || d > 2 {
				t.Errorf("peak apex at row %d, mapping says %.1f for %v dBm", bestY, wantY, tc.level)
			}
		})
	}
}

// TestLineSVGText: axes labels with the units of the packets, a title with
// centre, span, RBW, UTC time and source, tick labels, legend, peak labels.
func TestLineSVGText(t *testing.T) {
	for _, tc := range []struct {
		name  string
		units vrt.Units
		want  []string
	}{
		{"dBm", vrt.UnitsDBm, []string{"Level (dBm)", "-30.0 dBm"}},
		{"dBFS", vrt.UnitsDBFS, []string{"Level (dBFS)", "-30.0 dBFS"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := wideband(plottest.Tone{Hz: 2.43e9, Level: -30})
			src.Units = tc.units
			tr := plot.NewTraces([]vrt.Trace{vrt.TraceLive, vrt.TraceMax})
			for _, f := range frames(t, plottest.Stream(4, src)) {
				tr.Add(f)
			}
			var buf bytes.Buffer
			if _, err := plot.RenderLine(&buf, plot.FormatSVG, tr.Curves(), plot.LineOptions{Peaks: 1}); err != nil {
				t.Fatal(err)
			}
			svg := buf.String()
			want := append([]string{"<svg", "Frequency (MHz)", "centre 2.42 GHz", "span 125 MHz", "RBW 45.78 kHz",
				"2026-03-04 05:06:07.300 UTC", "WSA4000 TEST-1 10.0.0.1", "live", "max hold of 4", ">2400<", ">2440<",
				plot.FormatHzStep(src.Spectrum(0).FreqOf(2376), src.StepHz)}, tc.want...)
			for _, s := range want {
				if !strings.Contains(svg, s) {
					t.Errorf("SVG lacks %q", s)
				}
			}
		})
	}
}

// TestLineSeveralSources: each source of a merged stream is its own trace,
// named in the legend, with the number of sources in the title; two sources
// with the same name are told apart by stream ID.
func TestLineSeveralSources(t *testing.T) {
	a := wideband(plottest.Tone{Hz: 2.43e9, Level: -30})
	a.StreamID = 0x57530103
	b := a
	b.StreamID = 0x57530203
	b.StartHz += 30e6
	tr := plot.NewTraces(nil)
	for _, f := range frames(t, plottest.Stream(2, a, b)) {
		tr.Add(f)
	}
	if n := len(tr.Curves()); n != 2 {
		t.Fatalf("%d curves, want 2", n)
	}
	var buf bytes.Buffer
	g, err := plot.RenderLine(&buf, plot.FormatSVG, tr.Curves(), plot.LineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	svg := buf.String()
	for _, s := range []string{"2 sources", "WSA4000 TEST-1 10.0.0.1 [0x57530103]: live", "WSA4000 TEST-1 10.0.0.1 [0x57530203]: live"} {
		if !strings.Contains(svg, s) {
			t.Errorf("SVG lacks %q", s)
		}
	}
	// The axis spans both bands.
	if g.XMin > a.StartHz+1 || g.XMax < b.Spectrum(0).StopHz()-1 {
		t.Errorf("x axis %v..%v does not cover both sources", g.XMin, g.XMax)
	}
}

// TestLineFixedLevels: --ymin/--ymax are the axis ends exactly.
func TestLineFixedLevels(t *testing.T) {
	tr := plot.NewTraces(nil)
	for _, f := range frames(t, plottest.Stream(1, wideband())) {
		tr.Add(f)
	}
	g, err := plot.RenderLine(&bytes.Buffer{}, plot.FormatPNG, tr.Curves(), plot.LineOptions{YMin: -130, YMax: -10, HasYMin: true, HasYMax: true})
	if err != nil {
		t.Fatal(err)
	}
	if g.YMin != -130 || g.YMax != -10 {
		t.Errorf("level axis %v..%v, want -130..-10", g.YMin, g.YMax)
	}
	if _, err := plot.RenderLine(&bytes.Buffer{}, plot.FormatPNG, tr.Curves(), plot.LineOptions{YMin: -10, YMax: -20, HasYMin: true, HasYMax: true}); err == nil {
		t.Error("ymax below ymin accepted")
	}
}

// TestLineDecimationKeepsPeaks: a 1M-bin stitched sweep is drawn with at
// most two points per column, and a one-bin tone still reaches its level.
func TestLineDecimationKeepsPeaks(t *testing.T) {
	src := plottest.Source{Name: "wide", StartHz: 1e9, StepHz: 1e3, Bins: 1 << 20, Units: vrt.UnitsDBm, Floor: -100, Spread: 3,
		Tones: []plottest.Tone{{Hz: 1e9 + 123456e3, Level: -20}}}
	tr := plot.NewTraces(nil)
	for _, f := range frames(t, plottest.Stream(1, src)) {
		tr.Add(f)
	}
	var buf bytes.Buffer
	g, err := plot.RenderLine(&buf, plot.FormatPNG, tr.Curves(), plot.LineOptions{Width: 1000, Height: 500})
	if err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, buf.Bytes())
	x, top := apex(img, g, plot.TraceColor(0, vrt.TraceLive, 1))
	if d := float64(x) - g.X(1e9+123456e3); math.Abs(d) > 1.5 {
		t.Errorf("tone drawn at column %d, want %.1f", x, g.X(1e9+123456e3))
	}
	if d := float64(top) - g.Y(-20); math.Abs(d) > 2 {
		t.Errorf("tone drawn up to row %d, want %.1f", top, g.Y(-20))
	}
}

// apex returns the highest point of a vertical run of trace-coloured pixels
// (at least 6 rows tall) in the data area: the top of a tone's spike. The
// legend's thumbnail, a short horizontal line, does not qualify.
func apex(img image.Image, g plot.Geometry, col color.RGBA) (x, y int) {
	on := func(x, y int) bool {
		for dx := -1; dx <= 1; dx++ {
			if near(rgba(img.At(x+dx, y)), col) {
				return true
			}
		}
		return false
	}
	for y := g.Data.Min.Y; y < g.Data.Max.Y-6; y++ {
		for x := g.Data.Min.X; x < g.Data.Max.X; x++ {
			if !near(rgba(img.At(x, y)), col) {
				continue
			}
			run := true
			for dy := 1; dy <= 5 && run; dy++ {
				run = on(x, y+dy)
			}
			if run {
				return x, y
			}
		}
	}
	return -1, -1
}
