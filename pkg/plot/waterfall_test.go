package plot_test

import (
	"bytes"
	"math"
	"testing"
	"time"

	"github.com/wsatools/wsa/pkg/plot"
	"github.com/wsatools/wsa/pkg/plot/plottest"
)

// TestWaterfallColourBar: with --ymin/--ymax the colour bar runs exactly
// between them: its top row is the colormap's last colour, its bottom row
// the first, for every colormap; the tone (at ymax) lands in the column the
// geometry gives, painted with the top colour, and the noise below ymin
// with the bottom one.
func TestWaterfallColourBar(t *testing.T) {
	for _, name := range plot.ColormapNames() {
		t.Run(name, func(t *testing.T) {
			cm, err := plot.ColormapByName(name)
			if err != nil {
				t.Fatal(err)
			}
			src := wideband(plottest.Tone{Hz: 2.44e9, Level: -20})
			wf := plot.NewWaterfall(plot.WaterfallOptions{Colormap: cm, YMin: -90, YMax: -20, HasYMin: true, HasYMax: true})
			for _, f := range frames(t, plottest.Stream(50, src)) {
				wf.Add(f)
			}
			var buf bytes.Buffer
			g, err := wf.Render(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if g.LevelMin != -90 || g.LevelMax != -20 {
				t.Fatalf("colour scale %v..%v, want -90..-20", g.LevelMin, g.LevelMax)
			}
			img := decodePNG(t, buf.Bytes())
			lo, hi := cm.At(0), cm.At(1)
			mid := (g.Bar.Min.X + g.Bar.Max.X) / 2
			if c := rgba(img.At(mid, g.Bar.Min.Y)); c != hi {
				t.Errorf("bar top %v, want the colormap's end %v", c, hi)
			}
			if c := rgba(img.At(mid, g.Bar.Max.Y-1)); c != lo {
				t.Errorf("bar bottom %v, want the colormap's start %v", c, lo)
			}
			// Outside the bar is its frame, not a colour of the map.
			if c := rgba(img.At(mid, g.Bar.Min.Y-1)); c == hi {
				t.Errorf("bar extends above its top row")
			}
			p := g.Panels[0].Rect
			k := math.Round((2.44e9 - src.StartHz) / src.StepHz)
			x := int(math.Floor(g.X(src.StartHz + k*src.StepHz)))
			for _, y := range []int{p.Min.Y, (p.Min.Y + p.Max.Y) / 2, p.Max.Y - 1} {
				if c := rgba(img.At(x, y)); c != hi {
					t.Errorf("tone column %d row %d is %v, want %v", x, y, c, hi)
				}
				if c := rgba(img.At(x-40, y)); c != lo {
					t.Errorf("noise at column %d row %d is %v, want %v (below ymin)", x-40, y, c, lo)
				}
			}
		})
	}
}

// TestWaterfallAutoLevels: without limits the scale covers the noise floor
// (1st percentile, whole dB) and the strongest tone.
func TestWaterfallAutoLevels(t *testing.T) {
	wf := plot.NewWaterfall(plot.WaterfallOptions{})
	for _, f := range frames(t, plottest.Stream(20, wideband(plottest.Tone{Hz: 2.44e9, Level: -31.5}))) {
		wf.Add(f)
	}
	g, err := wf.Render(&bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if g.LevelMax != -31 {
		t.Errorf("top of scale %v, want -31 (tone -31.5 rounded up)", g.LevelMax)
	}
	if g.LevelMin < -104 || g.LevelMin > -101 {
		t.Errorf("bottom of scale %v, want about the noise floor's low end (-103)", g.LevelMin)
	}
}

// TestWaterfallTimeDown: rows go down in time: a tone that appears only in
// the later half of the input is in the lower half of the image.
func TestWaterfallTimeDown(t *testing.T) {
	quiet := wideband()
	loud := wideband(plottest.Tone{Hz: 2.44e9, Level: -20})
	var all []*plot.Frame
	for i, f := range frames(t, plottest.Stream(40, quiet)) {
		if i >= 20 {
			f = frames(t, plottest.Stream(1, loud))[0]
			f.Time = t0.Add(time.Duration(i) * time.Second)
		}
		all = append(all, f)
	}
	wf := plot.NewWaterfall(plot.WaterfallOptions{YMin: -90, YMax: -20, HasYMin: true, HasYMax: true, Height: 440})
	for _, f := range all {
		wf.Add(f)
	}
	img, g, err := wf.Paint()
	if err != nil {
		t.Fatal(err)
	}
	p := g.Panels[0].Rect
	x := int(math.Floor(g.X(loud.Spectrum(0).FreqOf(int(math.Round((2.44e9 - loud.StartHz) / loud.StepHz))))))
	top := img.ColorIndexAt(x, p.Min.Y+p.Dy()/4)
	bottom := img.ColorIndexAt(x, p.Min.Y+3*p.Dy()/4)
	if top != 0 || bottom == 0 {
		t.Errorf("tone column: upper quarter index %d (want 0, quiet), lower quarter %d (want loud)", top, bottom)
	}
}
