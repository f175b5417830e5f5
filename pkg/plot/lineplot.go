package plot

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"strings"
	"time"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/wsatools/wsa/pkg/vrt"
)

// DPI of the PNG output: sizes are given in pixels and fonts in points, so
// this fixes how big text looks (96 is what screens assume).
const DPI = 96

// Image formats RenderLine writes.
const (
	FormatPNG = "png"
	FormatSVG = "svg"
)

// LineOptions tune a line plot.
type LineOptions struct {
	Width, Height int // pixels (PNG) or pixels at 96 DPI (SVG); default 1200×700
	// Level axis limits; each one not set is taken from the data.
	YMin, YMax       float64
	HasYMin, HasYMax bool
	// Peaks marks and labels the N highest peaks of each source's first trace.
	Peaks int
	// Title replaces the automatic title (centre, span, RBW, time, source).
	Title string
	// Names are legend names per stream ID (default DisplayNames of the sources).
	Names map[uint32]string
}

// Geometry says where data lands in the image: the data area in pixels and
// the values at its edges, so a test (or a script adding annotations) can
// find the pixel of a frequency and a level.
type Geometry struct {
	Width, Height int
	Data          image.Rectangle // data area in pixels
	XMin, XMax    float64         // Hz at the left and right edge of Data
	YMin, YMax    float64         // level at the bottom and top edge of Data
}

// X returns the pixel column (continuous: pixel i spans [i, i+1)) of hz.
func (g Geometry) X(hz float64) float64 {
	return float64(g.Data.Min.X) + (hz-g.XMin)/(g.XMax-g.XMin)*float64(g.Data.Dx())
}

// Y returns the pixel row of a level (rows grow downwards).
func (g Geometry) Y(level float64) float64 {
	return float64(g.Data.Max.Y) - (level-g.YMin)/(g.YMax-g.YMin)*float64(g.Data.Dy())
}

// Colours: Okabe & Ito's colour-blind-safe set (yellow left out: unreadable
// on white). One colour per source when there are several, else one per
// trace kind.
var palette = []color.RGBA{
	{0, 114, 178, 255},   // blue
	{213, 94, 0, 255},    // vermillion
	{0, 158, 115, 255},   // bluish green
	{204, 121, 167, 255}, // reddish purple
	{230, 159, 0, 255},   // orange
	{86, 180, 233, 255},  // sky blue
	{0, 0, 0, 255},       // black
}

// TraceColor returns the colour RenderLine uses for curve i of a plot: by
// trace kind (live blue, average green, max vermillion, min purple) when
// there is one source, by source otherwise.
func TraceColor(sourceIndex int, kind vrt.Trace, sources int) color.RGBA {
	if sources <= 1 {
		return [...]color.RGBA{palette[0], palette[2], palette[1], palette[3]}[kind&3]
	}
	return palette[sourceIndex%len(palette)]
}

// dashes per trace kind when colours tell sources apart.
var dashes = [4][]vg.Length{nil, {vg.Points(6), vg.Points(3)}, {vg.Points(2), vg.Points(2)}, {vg.Points(1), vg.Points(3)}}

var (
	sans     = font.Font{Typeface: "Liberation", Variant: "Sans"}
	sansBold = font.Font{Typeface: "Liberation", Variant: "Sans", Weight: xfont.WeightBold}
)

func pxToPt(px int) vg.Length { return vg.Length(float64(px) * 72 / DPI) }

// RenderLine draws curves as a line plot (format FormatPNG or FormatSVG) to
// w: frequency across in the unit that fits the span, level up in the
// curves' units, a grid, a legend naming every curve, peaks marked and
// labelled. Curves of several sources share the axes; their frequency
// ranges may differ. It returns where the data landed.
func RenderLine(w io.Writer, format string, curves []Curve, opt LineOptions) (Geometry, error) {
	if len(curves) == 0 {
		return Geometry{}, errors.New("nothing to plot: no spectra")
	}
	if opt.Width <= 0 {
		opt.Width = 1200
	}
	if opt.Height <= 0 {
		opt.Height = 700
	}
	p, err := buildLinePlot(curves, opt)
	if err != nil {
		return Geometry{}, err
	}
	wPt, hPt := pxToPt(opt.Width), pxToPt(opt.Height)
	var c vg.CanvasSizer
	var img *vgimg.Canvas
	var svg *vgsvg.Canvas
	switch format {
	case FormatPNG:
		img = vgimg.NewWith(vgimg.UseWH(wPt, hPt), vgimg.UseDPI(DPI))
		c = img
	case FormatSVG:
		svg = vgsvg.New(wPt, hPt)
		c = svg
	default:
		return Geometry{}, fmt.Errorf("line plot: unknown image format %q (want png or svg)", format)
	}
	dc := draw.New(c)
	p.Draw(dc)
	da := p.DataCanvas(dc)
	g := Geometry{Width: opt.Width, Height: opt.Height, XMin: p.X.Min, XMax: p.X.Max, YMin: p.Y.Min, YMax: p.Y.Max}
	toPx := func(l vg.Length) float64 { return float64(l) * DPI / 72 }
	g.Data = image.Rect(int(math.Round(toPx(da.Min.X))), int(math.Round(float64(opt.Height)-toPx(da.Max.Y))),
		int(math.Round(toPx(da.Max.X))), int(math.Round(float64(opt.Height)-toPx(da.Min.Y))))
	if img != nil {
		enc := png.Encoder{CompressionLevel: png.BestSpeed}
		if err := enc.Encode(w, img.Image()); err != nil {
			return g, fmt.Errorf("write png: %w", err)
		}
		return g, nil
	}
	if _, err := svg.WriteTo(w); err != nil {
		return g, fmt.Errorf("write svg: %w", err)
	}
	return g, nil
}

func buildLinePlot(curves []Curve, opt LineOptions) (*plot.Plot, error) {
	p := plot.New()
	p.Title.TextStyle.Font = font.From(sansBold, 11)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sans, 11)
		a.Tick.Label.Font = font.From(sans, 9)
	}
	p.Legend.TextStyle.Font = font.From(sans, 9)
	p.Legend.Top = true
	p.Legend.ThumbnailWidth = vg.Points(24)

	// Sources in order of appearance, names, units.
	var ids []uint32
	srcOf := map[uint32]string{}
	units := map[vrt.Units]bool{}
	for _, c := range curves {
		if _, ok := srcOf[c.StreamID]; !ok {
			ids = append(ids, c.StreamID)
			srcOf[c.StreamID] = c.Source
		}
		units[c.Units] = true
	}
	names := opt.Names
	if names == nil {
		names = DisplayNames(ids, func(id uint32) string { return srcOf[id] })
	}
	srcIndex := map[uint32]int{}
	for i, id := range ids {
		srcIndex[id] = i
	}

	// Axis ranges: frequency from the curves' first to last bins, levels
	// from the finite data (with room at the top for peak labels) unless fixed.
	xlo, xhi := math.Inf(1), math.Inf(-1)
	ylo, yhi := math.Inf(1), math.Inf(-1)
	for _, c := range curves {
		for _, s := range c.Segments {
			xlo = math.Min(xlo, s.StartHz)
			xhi = math.Max(xhi, s.StopHz())
			for _, v := range s.Bins {
				f := float64(v)
				if !math.IsNaN(f) && !math.IsInf(f, 0) {
					ylo, yhi = math.Min(ylo, f), math.Max(yhi, f)
				}
			}
		}
	}
	if xhi <= xlo { // one bin: show one step either side
		st := curves[0].Segments[0].StepHz
		xlo, xhi = xlo-st, xhi+st
	}
	if math.IsInf(ylo, 1) { // nothing finite
		ylo, yhi = -100, 0
	}
	if yhi-ylo < 1 {
		ylo, yhi = ylo-5, yhi+5
	}
	r := yhi - ylo
	ylo, yhi = ylo-0.05*r, yhi+0.15*r
	if opt.HasYMin {
		ylo = opt.YMin
	}
	if opt.HasYMax {
		yhi = opt.YMax
	}
	if !(yhi > ylo) {
		return nil, fmt.Errorf("level axis: ymax %v must be above ymin %v", yhi, ylo)
	}

	unit := UnitForSpan(xlo, xhi)
	p.X.Label.Text = "Frequency (" + unit.Name + ")"
	p.X.Tick.Marker = freqTicker{unit}
	p.Y.Label.Text = "Level (" + unitsLabel(units) + ")"
	p.Y.Tick.Marker = levelTicker{}
	if opt.Title != "" {
		p.Title.Text = opt.Title
	} else {
		p.Title.Text = lineTitle(curves, names, ids)
	}

	grid := plotter.NewGrid()
	grid.Vertical.Color = color.Gray{Y: 220}
	grid.Horizontal.Color = color.Gray{Y: 220}
	p.Add(grid)

	// Decimate to at most two points (min and max) per pixel column over the
	// common axis, which keeps every peak where it is and every noise
	// envelope as tall as it is.
	cols := max(opt.Width, 16)
	for _, c := range curves {
		col := TraceColor(srcIndex[c.StreamID], c.Kind, len(ids))
		style := draw.LineStyle{Color: col, Width: vg.Points(1)}
		if len(ids) > 1 {
			style.Dashes = dashes[c.Kind&3]
		}
		first := true
		for _, part := range linePieces(c.Segments, xlo, xhi, cols, ylo, yhi) {
			l, err := plotter.NewLine(part)
			if err != nil {
				return nil, fmt.Errorf("line plot: %w", err)
			}
			l.LineStyle = style
			p.Add(l)
			if first {
				name := c.Name()
				if len(ids) > 1 {
					name = names[c.StreamID] + ": " + name
				} else if len(curves) == 1 {
					name = names[c.StreamID]
				}
				p.Legend.Add(name, l)
				first = false
			}
		}
	}

	// Peaks of the first curve of each source.
	if opt.Peaks > 0 {
		done := map[uint32]bool{}
		var pts plotter.XYs
		var labels []string
		for _, c := range curves {
			if done[c.StreamID] {
				continue
			}
			done[c.StreamID] = true
			step := c.Segments[0].StepHz
			// Peaks at least a label's width apart (1/25 of the axis), so
			// the labels of one wide signal's ripples do not pile up.
			for _, pk := range FindPeaks(c.Segments, opt.Peaks, 3, math.Max(2*step, (xhi-xlo)/25)) {
				pts = append(pts, plotter.XY{X: pk.Hz, Y: pk.Level})
				labels = append(labels, fmt.Sprintf("%s\n%.1f %s", FormatHzStep(pk.Hz, step), pk.Level, c.Units))
			}
		}
		if len(pts) > 0 {
			sc, err := plotter.NewScatter(pts)
			if err != nil {
				return nil, fmt.Errorf("peaks: %w", err)
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: color.Black, Radius: vg.Points(3), Shape: draw.CircleGlyph{}}
			lb, err := plotter.NewLabels(plotter.XYLabels{XYs: pts, Labels: labels})
			if err != nil {
				return nil, fmt.Errorf("peaks: %w", err)
			}
			for i := range lb.TextStyle {
				lb.TextStyle[i].Font = font.From(sans, 8)
				lb.TextStyle[i].XAlign = draw.XCenter
				lb.TextStyle[i].YAlign = draw.YBottom
				lb.TextStyle[i].Color = color.Black
			}
			lb.Offset = vg.Point{Y: vg.Points(5)}
			p.Add(sc, lb)
		}
	}
	p.X.Min, p.X.Max = xlo, xhi
	p.Y.Min, p.Y.Max = ylo, yhi
	return p, nil
}

func unitsLabel(units map[vrt.Units]bool) string {
	if len(units) > 1 {
		return "dBm and dBFS mixed"
	}
	for u := range units {
		return u.String()
	}
	return "dB"
}

// lineTitle says what is plotted: centre, span and RBW of the band shown,
// the time of the newest spectrum (UTC) and who made it.
func lineTitle(curves []Curve, names map[uint32]string, ids []uint32) string {
	lo, hi := math.Inf(1), math.Inf(-1)
	centre := curves[0].CenterHz
	for _, c := range curves {
		lo, hi = math.Min(lo, c.Lo()), math.Max(hi, c.Hi())
		if c.CenterHz != centre {
			centre = 0
		}
	}
	// The tuned centre the packets name (bin N/2 of an FFT, half a bin
	// above the middle of the edges); the middle of the band otherwise.
	if centre < lo || centre > hi {
		centre = (lo + hi) / 2
	}
	var b strings.Builder
	fmt.Fprintf(&b, "centre %s · span %s · RBW %s", FormatHz(centre), FormatHzSig(hi-lo, 4), rbwText(curves))
	var t time.Time
	has := true
	for _, c := range curves {
		if c.Time.After(t) {
			t, has = c.Time, c.HasTime
		}
	}
	b.WriteString("\n")
	b.WriteString(timeText(t, has))
	if len(ids) == 1 {
		b.WriteString(" · " + names[ids[0]])
	} else {
		fmt.Fprintf(&b, " · %d sources", len(ids))
	}
	return b.String()
}

func rbwText(curves []Curve) string {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, c := range curves {
		if c.RBWHz > 0 {
			lo, hi = math.Min(lo, c.RBWHz), math.Max(hi, c.RBWHz)
		}
	}
	switch {
	case math.IsInf(lo, 1):
		return "unknown"
	case hi-lo > 1e-6*hi:
		return FormatHzSig(lo, 4) + " to " + FormatHzSig(hi, 4)
	}
	return FormatHzSig(lo, 4)
}

func timeText(t time.Time, has bool) string {
	if t.IsZero() {
		return "time unknown"
	}
	s := t.UTC().Format("2006-01-02 15:04:05.000 UTC")
	if !has {
		s += " (read; no timestamp)"
	}
	return s
}

// linePieces turns segments into drawable point lists: decimated to at most
// a min and a max per column of [xlo, xhi] divided into cols, split where
// bins are NaN (a gap), with ±Inf drawn at the axis limits.
func linePieces(segs []Segment, xlo, xhi float64, cols int, ylo, yhi float64) []plotter.XYs {
	var out []plotter.XYs
	var cur plotter.XYs
	flush := func() {
		if len(cur) > 0 {
			out = append(out, cur)
			cur = nil
		}
	}
	n := 0
	for _, s := range segs {
		n += len(s.Bins)
	}
	decimate := n > 2*cols
	width := (xhi - xlo) / float64(cols)
	col := -1
	var minI, maxI struct {
		x, y float64
		ok   bool
	}
	emit := func() {
		if !minI.ok {
			return
		}
		if minI.x <= maxI.x {
			cur = append(cur, plotter.XY{X: minI.x, Y: minI.y})
			if maxI.x != minI.x {
				cur = append(cur, plotter.XY{X: maxI.x, Y: maxI.y})
			}
		} else {
			cur = append(cur, plotter.XY{X: maxI.x, Y: maxI.y}, plotter.XY{X: minI.x, Y: minI.y})
		}
		minI.ok, maxI.ok = false, false
	}
	for si, s := range segs {
		if si > 0 {
			// A gap between segments (cropped sweep steps do not leave one;
			// a missing step does) is not bridged by a line.
			prev := segs[si-1]
			if s.StartHz-prev.StopHz() > 1.5*math.Max(s.StepHz, prev.StepHz) {
				emit()
				flush()
			}
		}
		for k, b := range s.Bins {
			x := s.FreqOf(k)
			y := float64(b)
			switch {
			case math.IsNaN(y):
				emit()
				flush()
				continue
			case math.IsInf(y, -1):
				y = ylo
			case math.IsInf(y, 1):
				y = yhi
			}
			if !decimate {
				cur = append(cur, plotter.XY{X: x, Y: y})
				continue
			}
			c := int((x - xlo) / width)
			if c != col {
				emit()
				col = c
			}
			if !minI.ok || y < minI.y {
				minI.x, minI.y, minI.ok = x, y, true
			}
			if !maxI.ok || y > maxI.y {
				maxI.x, maxI.y, maxI.ok = x, y, true
			}
		}
	}
	emit()
	flush()
	return out
}

// freqTicker labels a frequency axis (values in Hz) in one unit.
type freqTicker struct{ u FreqUnit }

func (t freqTicker) Ticks(lo, hi float64) []plot.Tick {
	var out []plot.Tick
	for _, k := range niceTicks(lo/t.u.Scale, hi/t.u.Scale, 8) {
		out = append(out, plot.Tick{Value: k.V * t.u.Scale, Label: k.Label})
	}
	return out
}

// levelTicker labels a level axis in dB.
type levelTicker struct{}

func (levelTicker) Ticks(lo, hi float64) []plot.Tick {
	var out []plot.Tick
	for _, k := range niceTicks(lo, hi, 8) {
		out = append(out, plot.Tick{Value: k.V, Label: k.Label})
	}
	return out
}
