package plot

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/wsatools/wsa/pkg/vrt"
)

// WaterfallOptions tune a waterfall image.
type WaterfallOptions struct {
	Width, Height int // pixels; default 1200×800
	// Colour scale limits in dB; each one not set is taken from the data:
	// the 1st percentile of the levels drawn (so a few empty or zeroed bins
	// do not wash out the noise floor) and their maximum (so the strongest
	// signal is never clipped), rounded out to whole dB.
	YMin, YMax       float64
	HasYMin, HasYMax bool
	Colormap         *Colormap // default viridis
	Rows             int       // rows kept per source (default 1000)
	History          History   // what happens when more frames than Rows come
	Title            string    // replaces the automatic title
}

// Waterfall collects frames as rows (time down, frequency across) and paints
// them with a colour bar. Memory is bounded by Rows × the image's data width
// per source, however long the input.
type Waterfall struct {
	opt  WaterfallOptions
	rows *RowStore
}

// Layout of the waterfall image, in pixels. The data width follows from the
// image width alone, so rows can be resampled to it as frames arrive.
const (
	wfLeft     = 74 // time labels
	wfRight    = 100
	wfTop      = 40 // two title lines
	wfBottom   = 46 // frequency labels and axis title
	wfBarGap   = 14
	wfBarWidth = 20
	wfPanelGap = 8
)

// Palette layout: levels first, then the drawing colours.
const (
	wfLevels  = 250
	idxWhite  = wfLevels
	idxBlack  = wfLevels + 1
	idxNoData = wfLevels + 2
)

// NewWaterfall returns an empty waterfall.
func NewWaterfall(opt WaterfallOptions) *Waterfall {
	if opt.Width <= 0 {
		opt.Width = 1200
	}
	if opt.Height <= 0 {
		opt.Height = 800
	}
	if opt.Colormap == nil {
		opt.Colormap = colormaps[DefaultColormap]
	}
	if opt.Rows <= 0 {
		opt.Rows = 1000
	}
	return &Waterfall{opt: opt, rows: NewRowStore(WaterfallColumns(opt.Width), opt.Rows, opt.History)}
}

// WaterfallColumns returns the data width of a waterfall image width px wide.
func WaterfallColumns(width int) int { return max(1, width-wfLeft-wfRight) }

// Add adds a frame as a row (or into a row, with KeepAll).
func (w *Waterfall) Add(f *Frame) { w.rows.Add(f) }

// Rows gives access to the stored rows.
func (w *Waterfall) Rows() *RowStore { return w.rows }

// WaterfallPanel is one source's part of the image.
type WaterfallPanel struct {
	Stream uint32
	Name   string
	Rect   image.Rectangle // pixels of the rows
	Rows   []Row           // as drawn, oldest (top) first
}

// WaterfallGeometry says where everything landed in a waterfall image.
type WaterfallGeometry struct {
	Width, Height int
	Panels        []WaterfallPanel
	XMin, XMax    float64 // Hz at the left edge of the first column and the right edge of the last
	Bar           image.Rectangle
	// LevelMin and LevelMax are the levels of the bar's bottom and top rows
	// (the ends of the colour map).
	LevelMin, LevelMax float64
	Palette            color.Palette
}

// X returns the pixel column (continuous) of hz.
func (g WaterfallGeometry) X(hz float64) float64 {
	p := g.Panels[0].Rect
	return float64(p.Min.X) + (hz-g.XMin)/(g.XMax-g.XMin)*float64(p.Dx())
}

// Render paints the waterfall as a PNG. Sources get one panel each, stacked
// top to bottom in order of appearance, sharing the frequency axis (the
// union of their ranges; columns a source has no data for are grey) and the
// colour scale.
func (w *Waterfall) Render(out io.Writer) (WaterfallGeometry, error) {
	img, g, err := w.Paint()
	if err != nil {
		return g, err
	}
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(out, img); err != nil {
		return g, fmt.Errorf("write png: %w", err)
	}
	return g, nil
}

// Paint draws the waterfall into a new paletted image.
func (w *Waterfall) Paint() (*image.Paletted, WaterfallGeometry, error) {
	opt := w.opt
	ids := w.rows.Sources()
	g := WaterfallGeometry{Width: opt.Width, Height: opt.Height}
	if len(ids) == 0 {
		return nil, g, errors.New("nothing to plot: no spectra")
	}
	cols := w.rows.Width
	minH := wfTop + wfBottom + len(ids)*(lineH+wfPanelGap+4)
	if opt.Height < minH || cols < 16 {
		return nil, g, fmt.Errorf("waterfall: %d×%d is too small for %d source(s) (need at least %d×%d)",
			opt.Width, opt.Height, len(ids), wfLeft+wfRight+16, minH)
	}

	// Frequency range: union of the rows kept.
	lo, hi := math.Inf(1), math.Inf(-1)
	var first, last time.Time
	units := map[vrt.Units]bool{}
	allRows := make([][]Row, len(ids))
	for i, id := range ids {
		rows := w.rows.Rows(id)
		allRows[i] = rows
		for _, r := range rows {
			lo, hi = math.Min(lo, r.Lo), math.Max(hi, r.Hi)
			if first.IsZero() || r.Time.Before(first) {
				first = r.Time
			}
			if r.End.After(last) {
				last = r.End
			}
		}
		_, u, _, _ := w.rows.Meta(id)
		units[u] = true
	}
	g.XMin, g.XMax = lo, hi
	lmin, lmax := w.levels(allRows)
	g.LevelMin, g.LevelMax = lmin, lmax

	pal := make(color.Palette, 0, wfLevels+3)
	for _, c := range opt.Colormap.Levels(wfLevels) {
		pal = append(pal, c)
	}
	pal = append(pal, color.RGBA{255, 255, 255, 255}, color.RGBA{0, 0, 0, 255}, color.RGBA{128, 128, 128, 255})
	g.Palette = pal
	img := image.NewPaletted(image.Rect(0, 0, opt.Width, opt.Height), pal)
	fillRect(img, img.Rect, idxWhite)
	black := pal[idxBlack]

	// Panels.
	dataTop, dataBottom := wfTop, opt.Height-wfBottom
	label := 0
	if len(ids) > 1 {
		label = lineH + 2
	}
	ph := (dataBottom - dataTop - (len(ids)-1)*wfPanelGap - len(ids)*label) / len(ids)
	names := DisplayNames(ids, func(id uint32) string { s, _, _, _ := w.rows.Meta(id); return s })
	y := dataTop
	for i, id := range ids {
		if label > 0 {
			drawText(img, wfLeft, y, names[id], black)
			y += label
		}
		r := image.Rect(wfLeft, y, wfLeft+cols, y+ph)
		g.Panels = append(g.Panels, WaterfallPanel{Stream: id, Name: names[id], Rect: r, Rows: allRows[i]})
		w.paintPanel(img, r, allRows[i], lo, hi, lmin, lmax)
		strokeRect(img, r, idxBlack)
		w.timeAxis(img, r, allRows[i])
		y += ph + wfPanelGap
	}
	bottom := g.Panels[len(g.Panels)-1].Rect.Max.Y

	// Frequency axis under the last panel.
	unit := UnitForSpan(lo, hi)
	for _, t := range niceTicks(lo/unit.Scale, hi/unit.Scale, max(2, cols/110)) {
		x := int(math.Floor(g.X(t.V * unit.Scale)))
		if x < wfLeft || x >= wfLeft+cols {
			continue
		}
		n := 2
		if t.Label != "" {
			n = tickLen + 1
		}
		fillRect(img, image.Rect(x, bottom+1, x+1, bottom+1+n), idxBlack)
		if t.Label != "" {
			drawTextAligned(img, x, bottom+tickLen+3, t.Label, black, alignCenter)
		}
	}
	drawTextAligned(img, wfLeft+cols/2, bottom+tickLen+3+lineH+4, "Frequency ("+unit.Name+")", black, alignCenter)

	// Colour bar: its top row is the top of the map (LevelMax), its bottom
	// row the bottom (LevelMin).
	top := g.Panels[0].Rect.Min.Y
	bx := wfLeft + cols + wfBarGap
	g.Bar = image.Rect(bx, top, bx+wfBarWidth, bottom)
	bh := g.Bar.Dy()
	for yy := 0; yy < bh; yy++ {
		t := 1.0
		if bh > 1 {
			t = 1 - float64(yy)/float64(bh-1)
		}
		fillRect(img, image.Rect(bx, top+yy, bx+wfBarWidth, top+yy+1), uint8(math.Round(t*(wfLevels-1))))
	}
	strokeRect(img, g.Bar, idxBlack)
	for _, t := range niceTicks(lmin, lmax, max(2, bh/60)) {
		if t.Label == "" || t.V < lmin || t.V > lmax {
			continue
		}
		yy := top + int(math.Round((1-(t.V-lmin)/(lmax-lmin))*float64(bh-1)))
		fillRect(img, image.Rect(g.Bar.Max.X+1, yy, g.Bar.Max.X+1+tickLen, yy+1), idxBlack)
		drawText(img, g.Bar.Max.X+tickLen+3, yy-lineH/2, t.Label, black)
	}
	u := "dB"
	if len(units) == 1 {
		for k := range units {
			u = k.String()
		}
	}
	drawTextAligned(img, bx+wfBarWidth/2, top-lineH-3, u, black, alignCenter)

	// Title.
	t1, t2 := opt.Title, ""
	if t1 == "" {
		t1, t2 = w.title(ids, names, lo, hi, first, last)
	}
	drawTextAligned(img, opt.Width/2, 4, t1, black, alignCenter)
	if t2 != "" {
		drawTextAligned(img, opt.Width/2, 4+lineH+2, t2, black, alignCenter)
	}
	return img, g, nil
}

// levels returns the colour scale: fixed limits, or the data's 1st
// percentile and maximum rounded out to whole dB.
func (w *Waterfall) levels(all [][]Row) (float64, float64) {
	opt := w.opt
	lo, hi := opt.YMin, opt.YMax
	if !opt.HasYMin || !opt.HasYMax {
		dlo, dhi := percentileRange(all, 0.01)
		if !opt.HasYMin {
			lo = math.Floor(dlo)
		}
		if !opt.HasYMax {
			hi = math.Ceil(dhi)
		}
	}
	if !(hi > lo) {
		if opt.HasYMin && !opt.HasYMax {
			hi = lo + 10
		} else {
			lo = hi - 10
		}
	}
	return lo, hi
}

// percentileRange returns the p-quantile and the maximum of the finite
// values, by histogram (two passes, no copy of the data).
func percentileRange(all [][]Row, p float64) (float64, float64) {
	mn, mx := math.Inf(1), math.Inf(-1)
	n := 0
	for _, rows := range all {
		for _, r := range rows {
			for _, v := range r.Values {
				f := float64(v)
				if !math.IsNaN(f) && !math.IsInf(f, 0) {
					mn, mx = math.Min(mn, f), math.Max(mx, f)
					n++
				}
			}
		}
	}
	if n == 0 {
		return -100, 0
	}
	if mx-mn < 1e-9 {
		return mn, mx
	}
	const buckets = 4096
	var h [buckets]int
	scale := (buckets - 1) / (mx - mn)
	for _, rows := range all {
		for _, r := range rows {
			for _, v := range r.Values {
				f := float64(v)
				if !math.IsNaN(f) && !math.IsInf(f, 0) {
					h[int((f-mn)*scale)]++
				}
			}
		}
	}
	want := int(math.Ceil(p * float64(n)))
	sum := 0
	for i, c := range h {
		sum += c
		if sum >= want {
			return mn + float64(i)/scale, mx
		}
	}
	return mn, mx
}

// paintPanel paints rows (oldest first, at the top) into r: when there are
// more rows than pixel rows, each pixel row shows the maximum of the rows
// that fall on it; when fewer, rows are stretched.
func (w *Waterfall) paintPanel(img *image.Paletted, r image.Rectangle, rows []Row, lo, hi, lmin, lmax float64) {
	cols := r.Dx()
	fillRect(img, r, idxNoData)
	if len(rows) == 0 {
		return
	}
	line := make([]float32, cols)
	tmp := make([]float32, cols)
	nan := float32(math.NaN())
	k := (wfLevels - 1) / (lmax - lmin)
	for py := 0; py < r.Dy(); py++ {
		a := py * len(rows) / r.Dy()
		b := max(a+1, (py+1)*len(rows)/r.Dy())
		for i := range line {
			line[i] = nan
		}
		for _, row := range rows[a:b] {
			if row.Lo == lo && row.Hi == hi && len(row.Values) == cols {
				maxInto(line, row.Values)
			} else {
				remapRow(row, lo, hi, tmp)
				maxInto(line, tmp)
			}
		}
		pix := img.Pix[img.PixOffset(r.Min.X, r.Min.Y+py):]
		for x, v := range line {
			if v != v {
				pix[x] = idxNoData
				continue
			}
			t := math.Round((float64(v) - lmin) * k)
			switch {
			case t < 0:
				t = 0
			case t > wfLevels-1:
				t = wfLevels - 1
			}
			pix[x] = uint8(t)
		}
	}
}

// timeAxis labels a panel's rows with their UTC times, every ~50 pixels.
func (w *Waterfall) timeAxis(img *image.Paletted, r image.Rectangle, rows []Row) {
	if len(rows) == 0 {
		return
	}
	black := img.Palette[idxBlack]
	span := rows[len(rows)-1].End.Sub(rows[0].Time)
	layout := "15:04:05"
	if span < 20*time.Second {
		layout = "04:05.000"
	}
	step := 4 * lineH
	for py := 0; py < r.Dy(); py += step {
		if py+lineH/2 > r.Dy() {
			break
		}
		row := rows[py*len(rows)/r.Dy()]
		y := r.Min.Y + py
		fillRect(img, image.Rect(r.Min.X-1-tickLen, y, r.Min.X-1, y+1), idxBlack)
		drawTextAligned(img, r.Min.X-tickLen-3, max(y-lineH/2, r.Min.Y-2), row.Time.UTC().Format(layout), black, alignRight)
	}
	drawTextAligned(img, r.Min.X-tickLen-3, r.Min.Y-lineH-3, "UTC", black, alignRight)
}

func (w *Waterfall) title(ids []uint32, names map[uint32]string, lo, hi float64, first, last time.Time) (string, string) {
	var rbws []float64
	centre := 0.0
	for i, id := range ids {
		_, _, rbw, c := w.rows.Meta(id)
		if rbw > 0 {
			rbws = append(rbws, rbw)
		}
		if i == 0 {
			centre = c
		} else if c != centre {
			centre = 0
		}
	}
	if centre < lo || centre > hi {
		centre = (lo + hi) / 2
	}
	sort.Float64s(rbws)
	rbw := "unknown"
	if len(rbws) > 0 {
		rbw = FormatHzSig(rbws[0], 4)
		if rbws[len(rbws)-1]-rbws[0] > 1e-6*rbws[0] {
			rbw += " to " + FormatHzSig(rbws[len(rbws)-1], 4)
		}
	}
	t1 := fmt.Sprintf("centre %s  |  span %s  |  RBW %s", FormatHz(centre), FormatHzSig(hi-lo, 4), rbw)
	var b strings.Builder
	b.WriteString(first.UTC().Format("2006-01-02 15:04:05"))
	if last.Sub(first) >= 24*time.Hour || last.UTC().YearDay() != first.UTC().YearDay() {
		b.WriteString(" to " + last.UTC().Format("2006-01-02 15:04:05 UTC"))
	} else {
		b.WriteString(" to " + last.UTC().Format("15:04:05 UTC"))
	}
	var frames int64
	for _, id := range ids {
		frames += w.rows.Frames(id)
	}
	fmt.Fprintf(&b, "  |  %d spectra", frames)
	if w.opt.History == KeepAll {
		if per := w.rows.FramesPerRow(ids[0]); per > 1 {
			fmt.Fprintf(&b, ", up to %d per row", per)
		}
	} else if frames > int64(len(ids)*w.rows.Max) {
		fmt.Fprintf(&b, ", newest %d rows shown", w.rows.Max)
	}
	if len(ids) == 1 {
		b.WriteString("  |  " + names[ids[0]])
	} else {
		fmt.Fprintf(&b, "  |  %d sources", len(ids))
	}
	return t1, b.String()
}
