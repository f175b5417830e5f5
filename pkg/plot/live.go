package plot

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/gdamore/tcell/v2"

	"github.com/wsatools/wsa/pkg/vrt"
)

// LiveOptions tune the live terminal view.
type LiveOptions struct {
	Traces           []vrt.Trace // the first is filled, the others drawn as lines
	YMin, YMax       float64
	HasYMin, HasYMax bool
	Colormap         *Colormap
	// Stale is how long without data before the status line says it is
	// waiting, and for how long (default 1 s).
	Stale time.Duration
	// Refresh is the redraw period (default 100 ms): data faster than that
	// is folded in without redrawing for every spectrum.
	Refresh time.Duration
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
}

// Live is the live terminal view: a trace (filled when there is one
// curve), a short waterfall under it (newest row on top, flowing down), and
// status lines with source, centre, span, RBW, peak, update rate and how
// long it has been waiting for data. Add and End may be called from the
// goroutine reading the input while Run draws: the reader never waits for
// the screen, and the screen never waits for data.
type Live struct {
	opt LiveOptions

	mu       sync.Mutex
	traces   *Traces
	rows     *RowStore
	frames   int64
	arrivals []time.Time // of recent frames, for the rate
	started  time.Time
	lastData time.Time
	ended    bool
	endedAt  time.Time
	err      error
	paused   bool
	shift    float64 // level offset (arrow keys)
	zoom     float64 // range factor (+/-)
	warn     string
}

// Live waterfall history: rows kept and their resolution (columns are
// resampled to the terminal width when drawn).
const (
	liveRows = 256
	liveCols = 1024
)

// NewLive returns a view with no data yet.
func NewLive(opt LiveOptions) *Live {
	if opt.Colormap == nil {
		opt.Colormap = colormaps[DefaultColormap]
	}
	if opt.Stale <= 0 {
		opt.Stale = time.Second
	}
	if opt.Refresh <= 0 {
		opt.Refresh = 100 * time.Millisecond
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Live{opt: opt, traces: NewTraces(opt.Traces), rows: NewRowStore(liveCols, liveRows, KeepNewest),
		started: opt.Now(), zoom: 1}
}

// Add shows a new frame (unless paused: then it only counts).
func (l *Live) Add(f *Frame) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.opt.Now()
	l.lastData = now
	l.frames++
	l.arrivals = append(l.arrivals, now)
	if len(l.arrivals) > 64 {
		l.arrivals = l.arrivals[len(l.arrivals)-64:]
	}
	if l.paused {
		return
	}
	if l.traces.Add(f) {
		l.warn = "frequency grid changed: traces restarted"
	}
	l.rows.Add(f)
}

// End says the input ended (err nil) or failed; the view stays up, saying
// so, until the user quits.
func (l *Live) End(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ended, l.endedAt, l.err = true, l.opt.Now(), err
}

// Frames returns how many frames were added.
func (l *Live) Frames() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.frames
}

// Run draws on s until q, Esc or Ctrl-C (returns nil) or ctx ends (returns
// its error). It redraws every Refresh, on resize and on keys, so it keeps
// answering whatever the input does. The caller owns s (Init and Fini).
func (l *Live) Run(ctx context.Context, s tcell.Screen) error {
	events := make(chan tcell.Event, 32)
	quit := make(chan struct{})
	defer close(quit)
	go s.ChannelEvents(events, quit)
	tick := time.NewTicker(l.opt.Refresh)
	defer tick.Stop()
	s.HideCursor()
	l.Draw(s)
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev := <-events:
			switch ev := ev.(type) {
			case *tcell.EventKey:
				if l.key(ev) {
					return nil
				}
			case *tcell.EventResize:
				s.Sync()
			}
		case <-tick.C:
		}
		l.Draw(s)
	}
}

// key handles a key press; it returns true to quit.
func (l *Live) key(ev *tcell.EventKey) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch ev.Key() {
	case tcell.KeyCtrlC, tcell.KeyEscape:
		return true
	case tcell.KeyUp:
		l.shift += 5
	case tcell.KeyDown:
		l.shift -= 5
	case tcell.KeyRune:
		switch ev.Rune() {
		case 'q', 'Q':
			return true
		case ' ':
			l.paused = !l.paused
		case '+', '=':
			l.zoom = math.Max(l.zoom/1.5, 0.05)
		case '-', '_':
			l.zoom = math.Min(l.zoom*1.5, 20)
		case 'a', 'A':
			l.shift, l.zoom = 0, 1
		}
	}
	return false
}

// Colours of the view.
var (
	liveBase    = tcell.StyleDefault
	liveHeader  = tcell.StyleDefault.Reverse(true)
	liveDim     = tcell.StyleDefault.Foreground(tcell.ColorGray)
	liveWarn    = tcell.StyleDefault.Foreground(tcell.ColorYellow).Bold(true)
	liveErr     = tcell.StyleDefault.Foreground(tcell.ColorRed).Bold(true)
	liveMarker  = tcell.StyleDefault.Foreground(tcell.ColorRed).Bold(true)
	liveCurves  = []tcell.Color{tcell.ColorGreen, tcell.ColorAqua, tcell.ColorFuchsia, tcell.ColorYellow, tcell.ColorOrange, tcell.ColorSilver}
	liveMinSize = [2]int{40, 10}
)

func put(s tcell.Screen, x, y int, text string, st tcell.Style) int {
	w, _ := s.Size()
	for _, r := range text {
		if x >= w {
			break
		}
		if x >= 0 {
			s.SetContent(x, y, r, nil, st)
		}
		x++
	}
	return x
}

// Draw draws one picture of the current state on s and shows it.
func (l *Live) Draw(s tcell.Screen) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s.Clear()
	w, h := s.Size()
	now := l.opt.Now()
	if w < liveMinSize[0] || h < liveMinSize[1] {
		put(s, 0, 0, fmt.Sprintf("terminal too small (%dx%d, need %dx%d); q quits", w, h, liveMinSize[0], liveMinSize[1]), liveWarn)
		s.Show()
		return
	}
	curves := l.traces.Curves()
	ids := l.traces.Sources()

	// Header line 1: who, where, how fast.
	for x := 0; x < w; x++ {
		s.SetContent(x, 0, ' ', nil, liveHeader)
	}
	head := " wsa-plot"
	var lo, hi float64
	var units vrt.Units
	if len(curves) > 0 {
		lo, hi = math.Inf(1), math.Inf(-1)
		for _, c := range curves {
			lo, hi = math.Min(lo, c.Lo()), math.Max(hi, c.Hi())
		}
		units = curves[0].Units
		src := curves[0].Source
		if len(ids) > 1 {
			src = fmt.Sprintf("%d sources", len(ids))
		}
		centre := curves[0].CenterHz
		if len(ids) > 1 || centre < lo || centre > hi {
			centre = (lo + hi) / 2
		}
		head += fmt.Sprintf(" | %s | centre %s | span %s | RBW %s | %s", src, FormatHz(centre), FormatHzSig(hi-lo, 4),
			rbwText(curves), l.rate(now))
	}
	put(s, 0, 0, head, liveHeader)

	// Line 2: peak, time of the newest spectrum, status.
	x := 1
	var peak *Peak
	if len(curves) > 0 {
		if pk := FindPeaks(curves[0].Segments, 1, 0, 0); len(pk) > 0 {
			peak = &pk[0]
			x = put(s, x, 1, fmt.Sprintf("peak %s %.1f %s", FormatHzStep(peak.Hz, curves[0].Segments[0].StepHz), peak.Level, units), liveMarker)
		}
		x = put(s, x, 1, "  last "+curves[0].Time.UTC().Format("15:04:05.0")+" UTC  ", liveBase)
	}
	status, st := l.status(now)
	x = put(s, x, 1, status, st)
	if l.warn != "" {
		put(s, x+2, 1, l.warn, liveDim)
	}
	put(s, 0, h-1, " q quit  space pause  up/down shift  +/- range  a auto", liveDim)
	if len(curves) == 0 {
		s.Show()
		return
	}

	// Layout.
	const lw = 7
	pw := w - lw - 1
	avail := h - 3 - 1 // header, footer, frequency axis
	ht := max(3, avail*6/10)
	hw := avail - ht
	top := 2
	ylo, yhi := l.levelRange()

	// Level labels.
	for _, t := range niceTicks(ylo, yhi, max(2, ht/3)) {
		if t.Label == "" {
			continue
		}
		r := top + ht - 1 - int(math.Floor((t.V-ylo)/(yhi-ylo)*float64(ht)))
		if r >= top && r < top+ht {
			put(s, 0, r, fmt.Sprintf("%6s", t.Label), liveDim)
		}
	}
	put(s, 0, top, fmt.Sprintf("%6s", units.String()), liveDim)

	// Trace(s): filled when alone, lines otherwise.
	cols := make([]float32, pw)
	fill := len(curves) == 1
	for ci, c := range curves {
		resampleFrame(&Frame{Segments: c.Segments}, lo, hi, cols)
		style := liveBase.Foreground(liveCurves[ci%len(liveCurves)])
		for xi, v := range cols {
			if v != v {
				continue
			}
			hh := (float64(v) - ylo) / (yhi - ylo) * float64(2*ht)
			if fill {
				for r := 0; r < ht; r++ {
					ch := ' '
					switch {
					case hh >= float64(2*r+2):
						ch = '█'
					case hh >= float64(2*r+1):
						ch = '▄'
					}
					if ch != ' ' {
						s.SetContent(lw+xi, top+ht-1-r, ch, nil, style)
					}
				}
				continue
			}
			t := int(math.Floor(hh))
			if t < 0 || t >= 2*ht {
				continue
			}
			ch := '▄'
			if t%2 == 1 {
				ch = '▀'
			}
			s.SetContent(lw+xi, top+ht-1-t/2, ch, nil, style)
		}
	}
	if peak != nil {
		xi := int(math.Floor((peak.Hz - lo) / (hi - lo) * float64(pw)))
		hh := (peak.Level - ylo) / (yhi - ylo) * float64(ht)
		r := top + ht - 1 - int(math.Ceil(hh))
		if xi >= 0 && xi < pw {
			s.SetContent(lw+xi, max(top, min(r, top+ht-1)), '▼', nil, liveMarker)
		}
	}

	// Frequency axis.
	ay := top + ht
	unit := UnitForSpan(lo, hi)
	next := 0
	for _, t := range niceTicks(lo/unit.Scale, hi/unit.Scale, max(2, pw/14)) {
		if t.Label == "" {
			continue
		}
		xi := lw + int(math.Floor((t.V*unit.Scale-lo)/(hi-lo)*float64(pw)))
		x0 := xi - len(t.Label)/2
		if xi < lw || xi >= lw+pw || x0 < next {
			continue
		}
		next = put(s, max(x0, lw), ay, t.Label, liveBase) + 2
	}
	put(s, lw+pw-len(unit.Name), ay, unit.Name, liveDim)
	put(s, 0, ay, "  freq", liveDim)

	// Waterfall: newest on top, two rows per text line (upper half in the
	// foreground colour of '▀', lower half in its background).
	if hw > 0 && len(ids) > 0 {
		rows := l.rows.Rows(ids[0])
		put(s, 0, ay+1, "  time", liveDim)
		up := make([]float32, pw)
		down := make([]float32, pw)
		for r := 0; r < hw; r++ {
			i0 := len(rows) - 1 - 2*r
			i1 := i0 - 1
			if i0 < 0 {
				break
			}
			remapRow(rows[i0], lo, hi, up)
			nan := float32(math.NaN())
			if i1 >= 0 {
				remapRow(rows[i1], lo, hi, down)
			} else {
				for i := range down {
					down[i] = nan
				}
			}
			for xi := 0; xi < pw; xi++ {
				st := liveBase.Foreground(l.cellColor(up[xi], ylo, yhi)).Background(l.cellColor(down[xi], ylo, yhi))
				s.SetContent(lw+xi, ay+1+r, '▀', nil, st)
			}
		}
	}
	s.Show()
}

func (l *Live) cellColor(v float32, lo, hi float64) tcell.Color {
	if v != v {
		return tcell.ColorReset
	}
	c := l.opt.Colormap.At((float64(v) - lo) / (hi - lo))
	return tcell.NewRGBColor(int32(c.R), int32(c.G), int32(c.B))
}

// levelRange returns the level axis: fixed, or the rows' 1st percentile to
// maximum rounded out to 5 dB, then shifted and zoomed by the keys.
func (l *Live) levelRange() (float64, float64) {
	lo, hi := l.opt.YMin, l.opt.YMax
	if !l.opt.HasYMin || !l.opt.HasYMax {
		var all [][]Row
		for _, id := range l.rows.Sources() {
			all = append(all, l.rows.Rows(id))
		}
		dlo, dhi := percentileRange(all, 0.01)
		if !l.opt.HasYMin {
			lo = 5 * math.Floor(dlo/5)
		}
		if !l.opt.HasYMax {
			hi = 5 * math.Ceil((dhi+1)/5)
		}
	}
	if !(hi > lo) {
		hi = lo + 10
	}
	mid, half := (lo+hi)/2+l.shift, (hi-lo)/2*l.zoom
	return mid - half, mid + half
}

// rate returns the update rate over the recent frames.
func (l *Live) rate(now time.Time) string {
	n := len(l.arrivals)
	if n < 2 {
		return fmt.Sprintf("%d spectra", l.frames)
	}
	span := now.Sub(l.arrivals[0])
	if span <= 0 {
		return fmt.Sprintf("%d spectra", l.frames)
	}
	return fmt.Sprintf("%.1f/s", float64(n-1)/span.Seconds())
}

// status says what the input is doing.
func (l *Live) status(now time.Time) (string, tcell.Style) {
	switch {
	case l.err != nil:
		msg := strings.ReplaceAll(l.err.Error(), "\n", " ")
		return "input error: " + msg, liveErr
	case l.ended:
		return fmt.Sprintf("input ended %s ago (%d spectra); q quits", roundDur(now.Sub(l.endedAt)), l.frames), liveWarn
	case l.paused:
		return "PAUSED (space resumes)", liveWarn
	case l.frames == 0:
		return fmt.Sprintf("waiting for data: %s", roundDur(now.Sub(l.started))), liveWarn
	case now.Sub(l.lastData) > l.opt.Stale:
		return fmt.Sprintf("waiting for data: %s since the last spectrum", roundDur(now.Sub(l.lastData))), liveWarn
	}
	return "live", liveBase
}

func roundDur(d time.Duration) string {
	if d < 10*time.Second {
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}
