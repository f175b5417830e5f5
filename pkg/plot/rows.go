package plot

import (
	"fmt"
	"math"
	"time"

	"github.com/wsatools/wsa/pkg/vrt"
)

// History is the rule that bounds a waterfall's memory.
type History uint8

const (
	// KeepNewest keeps the newest Max rows, one per frame: a long input
	// shows its last Max frames.
	KeepNewest History = iota
	// KeepAll keeps the whole input in Max rows: when they are full,
	// neighbouring rows are merged pairwise (per-column maximum, so short
	// bursts stay visible) and each row from then on holds twice as many
	// frames.
	KeepAll
)

// ParseHistory accepts "newest" or "all".
func ParseHistory(s string) (History, error) {
	switch s {
	case "newest", "":
		return KeepNewest, nil
	case "all":
		return KeepAll, nil
	}
	return 0, fmt.Errorf("history %q: want newest or all", s)
}

func (h History) String() string {
	if h == KeepAll {
		return "all"
	}
	return "newest"
}

// Row is one waterfall row: a frame (or several merged) resampled to a
// fixed number of columns over [Lo, Hi] Hz. Column c covers
// [Lo + c·(Hi−Lo)/W, Lo + (c+1)·(Hi−Lo)/W) and holds the maximum of the bins
// whose centres fall in it (or the bin under its centre when bins are wider
// than columns); NaN means no data.
type Row struct {
	Time   time.Time // of the first frame in the row
	End    time.Time // of the last frame in the row
	Frames int
	Lo, Hi float64
	Values []float32
}

// RowStore keeps waterfall rows per source in bounded memory: Max rows of
// Width float32 each per source, whatever the length of the input.
type RowStore struct {
	Width int
	Max   int
	Mode  History
	src   map[uint32]*rowSource
	order []uint32
}

type rowSource struct {
	stream   uint32
	source   string
	units    vrt.Units
	rbw      float64
	center   float64
	hasTime  bool
	rows     []Row // KeepNewest: ring of len ≤ Max starting at head; KeepAll: in order
	head     int
	per      int  // KeepAll: frames per row
	acc      *Row // KeepAll: row being filled
	frames   int64
	lastTime time.Time
}

// NewRowStore returns a store of rows of width columns, at most max rows
// per source (max is rounded up to an even number for KeepAll).
func NewRowStore(width, max int, mode History) *RowStore {
	if width < 1 {
		width = 1
	}
	if max < 2 {
		max = 2
	}
	if mode == KeepAll && max%2 == 1 {
		max++
	}
	return &RowStore{Width: width, Max: max, Mode: mode, src: map[uint32]*rowSource{}}
}

// Add resamples a frame into a new row of its source (or into the row
// being filled, for KeepAll).
func (rs *RowStore) Add(f *Frame) {
	s := rs.src[f.StreamID]
	if s == nil {
		s = &rowSource{stream: f.StreamID, per: 1}
		rs.src[f.StreamID] = s
		rs.order = append(rs.order, f.StreamID)
	}
	s.source, s.units, s.rbw, s.center, s.hasTime = f.Source, f.Units, f.RBWHz, f.CenterHz, f.HasTime
	s.frames++
	s.lastTime = f.Time
	switch rs.Mode {
	case KeepAll:
		if s.acc != nil && (s.acc.Lo != f.Lo() || s.acc.Hi != f.Hi()) {
			rs.pushAll(s) // a new grid starts a new row
		}
		if s.acc == nil {
			s.acc = &Row{Time: f.Time, Lo: f.Lo(), Hi: f.Hi(), Values: make([]float32, rs.Width)}
			resampleFrame(f, s.acc.Lo, s.acc.Hi, s.acc.Values)
		} else {
			tmp := make([]float32, rs.Width)
			resampleFrame(f, s.acc.Lo, s.acc.Hi, tmp)
			maxInto(s.acc.Values, tmp)
		}
		s.acc.End = f.Time
		s.acc.Frames++
		if s.acc.Frames >= s.per {
			rs.pushAll(s)
		}
	default:
		var r *Row
		if len(s.rows) < rs.Max {
			s.rows = append(s.rows, Row{Values: make([]float32, rs.Width)})
			r = &s.rows[len(s.rows)-1]
		} else {
			r = &s.rows[s.head] // overwrite the oldest
			s.head = (s.head + 1) % len(s.rows)
		}
		r.Time, r.End, r.Frames, r.Lo, r.Hi = f.Time, f.Time, 1, f.Lo(), f.Hi()
		resampleFrame(f, r.Lo, r.Hi, r.Values)
	}
}

// pushAll appends the row being filled, merging pairs first when full.
func (rs *RowStore) pushAll(s *rowSource) {
	if s.acc == nil {
		return
	}
	if len(s.rows) == rs.Max {
		half := rs.Max / 2
		for i := 0; i < half; i++ {
			s.rows[i] = mergeRows(s.rows[2*i], s.rows[2*i+1], rs.Width)
		}
		clear(s.rows[half:])
		s.rows = s.rows[:half]
		s.per *= 2
	}
	s.rows = append(s.rows, *s.acc)
	s.acc = nil
}

// mergeRows combines two consecutive rows into one (maximum per column;
// over the union of their ranges when those differ).
func mergeRows(a, b Row, width int) Row {
	out := Row{Time: a.Time, End: b.End, Frames: a.Frames + b.Frames, Lo: math.Min(a.Lo, b.Lo), Hi: math.Max(a.Hi, b.Hi)}
	if a.Lo == b.Lo && a.Hi == b.Hi {
		out.Values = a.Values
		maxInto(out.Values, b.Values)
		return out
	}
	out.Values = make([]float32, width)
	remapRow(a, out.Lo, out.Hi, out.Values)
	tmp := make([]float32, width)
	remapRow(b, out.Lo, out.Hi, tmp)
	maxInto(out.Values, tmp)
	return out
}

// maxInto sets dst[i] to the larger of dst[i] and src[i], NaN counting as
// no data.
func maxInto(dst, src []float32) {
	for i, v := range src {
		if d := dst[i]; d != d || v > d {
			if v == v {
				dst[i] = v
			}
		}
	}
}

// Sources returns the stream IDs, in order of first appearance.
func (rs *RowStore) Sources() []uint32 { return append([]uint32(nil), rs.order...) }

// Rows returns a source's rows, oldest first (Values are shared with the
// store: do not modify them; they change with the next Add).
func (rs *RowStore) Rows(stream uint32) []Row {
	s := rs.src[stream]
	if s == nil {
		return nil
	}
	out := make([]Row, 0, len(s.rows)+1)
	out = append(out, s.rows[s.head:]...)
	out = append(out, s.rows[:s.head]...)
	if s.acc != nil {
		out = append(out, *s.acc)
	}
	return out
}

// Frames returns how many frames a source contributed.
func (rs *RowStore) Frames(stream uint32) int64 {
	if s := rs.src[stream]; s != nil {
		return s.frames
	}
	return 0
}

// FramesPerRow returns how many frames a full row of a source holds
// (always 1 for KeepNewest).
func (rs *RowStore) FramesPerRow(stream uint32) int {
	if s := rs.src[stream]; s != nil {
		return s.per
	}
	return 1
}

// Meta returns the source name, units, RBW and centre of a source's
// latest frame.
func (rs *RowStore) Meta(stream uint32) (source string, units vrt.Units, rbw, center float64) {
	s := rs.src[stream]
	if s == nil {
		return "", 0, 0, 0
	}
	return s.source, s.units, s.rbw, s.center
}

// resampleFrame paints f into dst, whose columns cover [lo, hi).
func resampleFrame(f *Frame, lo, hi float64, dst []float32) {
	nan := float32(math.NaN())
	for i := range dst {
		dst[i] = nan
	}
	w := float64(len(dst))
	scale := w / (hi - lo)
	for _, s := range f.Segments {
		for k, v := range s.Bins {
			c := int(math.Floor((s.FreqOf(k) - lo) * scale))
			if c < 0 || c >= len(dst) || v != v {
				continue
			}
			if d := dst[c]; d != d || v > d {
				dst[c] = v
			}
		}
	}
	// Columns narrower than bins get no bin centre: take the bin under
	// the column's centre.
	si := 0
	for c := range dst {
		if dst[c] == dst[c] {
			continue
		}
		fc := lo + (float64(c)+0.5)/scale
		for si < len(f.Segments)-1 && fc >= f.Segments[si].Hi() {
			si++
		}
		for j := si; j >= 0 && j >= si-1; j-- {
			s := f.Segments[j]
			k := int(math.Round((fc - s.StartHz) / s.StepHz))
			if fc >= s.Lo() && fc < s.Hi() && k >= 0 && k < len(s.Bins) {
				dst[c] = s.Bins[k]
				break
			}
		}
	}
}

// remapRow paints row r into dst covering [lo, hi): each column takes the
// maximum of the source columns it overlaps, so narrow signals survive a
// change of scale.
func remapRow(r Row, lo, hi float64, dst []float32) {
	nan := float32(math.NaN())
	w := float64(len(dst))
	sw := float64(len(r.Values))
	k := sw / (r.Hi - r.Lo) // source columns per Hz
	for c := range dst {
		f0 := lo + float64(c)*(hi-lo)/w
		f1 := lo + float64(c+1)*(hi-lo)/w
		a := int(math.Floor((f0 - r.Lo) * k))
		b := int(math.Ceil((f1 - r.Lo) * k))
		a, b = max(a, 0), min(b, len(r.Values))
		v := nan
		if a >= b {
			dst[c] = v
			continue
		}
		for _, x := range r.Values[a:b] {
			if x == x && (v != v || x > v) {
				v = x
			}
		}
		dst[c] = v
	}
}
