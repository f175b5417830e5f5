package plot

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/wsatools/wsa/pkg/vrt"
)

// ParseTraces parses --trace values ("live", "average"/"avg", "max", "min";
// each value may also be a comma-separated list), keeping the order given and
// dropping repeats. No value means live.
func ParseTraces(values []string) ([]vrt.Trace, error) {
	var out []vrt.Trace
	seen := map[vrt.Trace]bool{}
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			t, err := vrt.ParseTrace(strings.TrimSpace(part))
			if err != nil {
				return nil, err
			}
			if !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	if len(out) == 0 {
		out = []vrt.Trace{vrt.TraceLive}
	}
	return out, nil
}

// Curve is one line to draw: one trace kind of one source.
type Curve struct {
	StreamID uint32
	Source   string
	Kind     vrt.Trace // live, average, max or min, as asked
	Input    vrt.Trace // what the input bins were (a max-hold input stays max-hold in "live")
	Units    vrt.Units
	Frames   int // frames the curve was computed over
	Segments []Segment
	// From the latest frame, for titles.
	Time     time.Time
	HasTime  bool
	RBWHz    float64
	CenterHz float64
}

// Name is the curve's legend text: the trace kind, with the input kind when
// that is not live ("live (max hold input)").
func (c *Curve) Name() string {
	n := c.Kind.String()
	switch c.Kind {
	case vrt.TraceAverage:
		n = fmt.Sprintf("average of %d", c.Frames)
	case vrt.TraceMax:
		n = fmt.Sprintf("max hold of %d", c.Frames)
	case vrt.TraceMin:
		n = fmt.Sprintf("min hold of %d", c.Frames)
	}
	if c.Input != vrt.TraceLive {
		n += " (input: " + c.Input.String() + ")"
	}
	return n
}

// Lo and Hi return the band edges of the curve.
func (c *Curve) Lo() float64 { return c.Segments[0].Lo() }

// Hi returns the upper band edge of the curve.
func (c *Curve) Hi() float64 { return c.Segments[len(c.Segments)-1].Hi() }

// Traces computes the requested trace kinds per source over the frames
// added: live is the latest frame, average the mean power (in linear units,
// then back to dB, so noise averages to its true mean power), max and min
// the per-bin holds. Memory is a few arrays per source, however long the
// input.
//
// When a source's frequency grid changes (retuned, other FFT size), its
// reductions restart from that frame: averaging bins of different
// frequencies would be meaningless. GridChanges counts how often that
// happened.
type Traces struct {
	kinds   []vrt.Trace
	sources map[uint32]*sourceTraces
	order   []uint32
}

type sourceTraces struct {
	last        *Frame
	n           int
	sum         []float64
	max, min    []float32
	gridChanges int
	frames      int
}

// NewTraces returns an accumulator for the given kinds (live if none).
func NewTraces(kinds []vrt.Trace) *Traces {
	if len(kinds) == 0 {
		kinds = []vrt.Trace{vrt.TraceLive}
	}
	return &Traces{kinds: kinds, sources: map[uint32]*sourceTraces{}}
}

// Kinds returns the trace kinds computed.
func (t *Traces) Kinds() []vrt.Trace { return t.kinds }

func (t *Traces) wants(k vrt.Trace) bool {
	for _, x := range t.kinds {
		if x == k {
			return true
		}
	}
	return false
}

// Add folds a frame into its source's traces. It returns true when the frame
// changed the source's frequency grid (the reductions restarted). The frame
// is kept as the source's live trace: do not modify it afterwards.
func (t *Traces) Add(f *Frame) (gridChanged bool) {
	st := t.sources[f.StreamID]
	if st == nil {
		st = &sourceTraces{}
		t.sources[f.StreamID] = st
		t.order = append(t.order, f.StreamID)
	}
	st.frames++
	if st.last != nil && !st.last.SameGrid(f) {
		gridChanged = true
		st.gridChanges++
		st.n = 0
	}
	st.last = f
	nb := f.Bins()
	if st.n == 0 {
		if t.wants(vrt.TraceAverage) {
			st.sum = resize(st.sum, nb)
			clear(st.sum)
		}
		if t.wants(vrt.TraceMax) {
			st.max = resize(st.max, nb)
			fill(st.max, float32(math.Inf(-1)))
		}
		if t.wants(vrt.TraceMin) {
			st.min = resize(st.min, nb)
			fill(st.min, float32(math.Inf(1)))
		}
	}
	st.n++
	i := 0
	for _, s := range f.Segments {
		for _, v := range s.Bins {
			if st.sum != nil {
				st.sum[i] += math.Pow(10, float64(v)/10)
			}
			if st.max != nil && v > st.max[i] {
				st.max[i] = v
			}
			if st.min != nil && v < st.min[i] {
				st.min[i] = v
			}
			i++
		}
	}
	return gridChanged
}

func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

func fill(s []float32, v float32) {
	for i := range s {
		s[i] = v
	}
}

// Sources returns the stream IDs seen, in order of first appearance.
func (t *Traces) Sources() []uint32 { return append([]uint32(nil), t.order...) }

// Last returns a source's latest frame.
func (t *Traces) Last(stream uint32) *Frame {
	if st := t.sources[stream]; st != nil {
		return st.last
	}
	return nil
}

// GridChanges returns how often a source's grid changed.
func (t *Traces) GridChanges(stream uint32) int {
	if st := t.sources[stream]; st != nil {
		return st.gridChanges
	}
	return 0
}

// Curves returns the curves to draw: for each source in order of
// appearance, one per requested kind, in the order asked.
func (t *Traces) Curves() []Curve {
	var out []Curve
	for _, id := range t.order {
		st := t.sources[id]
		f := st.last
		for _, k := range t.kinds {
			c := Curve{StreamID: id, Source: f.Source, Kind: k, Input: f.Trace, Units: f.Units, Frames: st.n,
				Time: f.Time, HasTime: f.HasTime, RBWHz: f.RBWHz, CenterHz: f.CenterHz}
			var flat []float32
			switch k {
			case vrt.TraceLive:
				c.Frames = 1
				c.Segments = f.Segments
				out = append(out, c)
				continue
			case vrt.TraceAverage:
				flat = make([]float32, len(st.sum))
				for i, s := range st.sum {
					flat[i] = float32(10 * math.Log10(s/float64(st.n)))
				}
			case vrt.TraceMax:
				flat = append([]float32(nil), st.max...)
			case vrt.TraceMin:
				flat = append([]float32(nil), st.min...)
			}
			i := 0
			for _, s := range f.Segments {
				c.Segments = append(c.Segments, Segment{StartHz: s.StartHz, StepHz: s.StepHz, Bins: flat[i : i+len(s.Bins)]})
				i += len(s.Bins)
			}
			out = append(out, c)
		}
	}
	return out
}

// DisplayNames returns a legend name per stream ID: the source, made unique
// with the stream ID when two streams share a source name (two servers
// running the same simulator, say).
func DisplayNames(ids []uint32, source func(uint32) string) map[uint32]string {
	count := map[string]int{}
	for _, id := range ids {
		count[source(id)]++
	}
	out := map[uint32]string{}
	for _, id := range ids {
		n := source(id)
		if count[n] > 1 {
			n = fmt.Sprintf("%s [0x%08x]", n, id)
		}
		out[id] = n
	}
	return out
}
