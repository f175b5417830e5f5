package plot_test

import (
	"math"
	"testing"
	"time"

	"github.com/wsatools/wsa/pkg/plot"
)

func frameAt(i int, burst bool) *plot.Frame {
	bins := make([]float32, 64)
	for k := range bins {
		bins[k] = -100
	}
	if burst {
		bins[10] = -5
	}
	return &plot.Frame{StreamID: 1, Source: "s", Time: t0.Add(time.Duration(i) * time.Second), HasTime: true,
		Segments: []plot.Segment{{StartHz: 1e6, StepHz: 1e3, Bins: bins}}, Complete: true}
}

// TestRowStoreBounded: both memory rules keep at most Max rows per source
// however many frames come; newest keeps the last ones, all keeps the first
// and last times and every burst (maximum when merging).
func TestRowStoreBounded(t *testing.T) {
	for _, tc := range []struct {
		mode   plot.History
		frames int
	}{{plot.KeepNewest, 5}, {plot.KeepNewest, 1000}, {plot.KeepAll, 5}, {plot.KeepAll, 1000}, {plot.KeepAll, 1001}} {
		rs := plot.NewRowStore(32, 16, tc.mode)
		for i := 0; i < tc.frames; i++ {
			rs.Add(frameAt(i, i == 333))
		}
		rows := rs.Rows(1)
		if len(rows) > 16+1 || len(rows) == 0 {
			t.Fatalf("%v/%d: %d rows, want 1..17", tc.mode, tc.frames, len(rows))
		}
		last := rows[len(rows)-1]
		if !last.End.Equal(t0.Add(time.Duration(tc.frames-1) * time.Second)) {
			t.Errorf("%v/%d: newest row ends %v", tc.mode, tc.frames, last.End)
		}
		total := 0
		burst := false
		for i, r := range rows {
			total += r.Frames
			if i > 0 && r.Time.Before(rows[i-1].End) {
				t.Errorf("%v/%d: rows out of order at %d", tc.mode, tc.frames, i)
			}
			for _, v := range r.Values {
				burst = burst || v == -5
			}
		}
		switch tc.mode {
		case plot.KeepNewest:
			if want := min(tc.frames, 16); len(rows) != want || total != want {
				t.Errorf("newest/%d: %d rows of %d frames, want %d", tc.frames, len(rows), total, want)
			}
		case plot.KeepAll:
			if total != tc.frames {
				t.Errorf("all/%d: rows hold %d frames", tc.frames, total)
			}
			if !rows[0].Time.Equal(t0) {
				t.Errorf("all/%d: first row starts %v, want the first frame", tc.frames, rows[0].Time)
			}
			if tc.frames > 333 && !burst {
				t.Errorf("all/%d: the one-frame burst was lost in merging", tc.frames)
			}
		}
	}
}

// TestRowResample: a row holds the maximum of the bins in each column, and
// columns narrower than bins take the bin under them.
func TestRowResample(t *testing.T) {
	f := frameAt(0, true) // 64 bins, 1 kHz, burst in bin 10
	for _, width := range []int{8, 64, 500} {
		rs := plot.NewRowStore(width, 4, plot.KeepNewest)
		rs.Add(f)
		r := rs.Rows(1)[0]
		hits := 0
		for c, v := range r.Values {
			if math.IsNaN(float64(v)) {
				t.Fatalf("width %d: column %d has no data", width, c)
			}
			if v == -5 {
				hits++
				lo := r.Lo + float64(c)*(r.Hi-r.Lo)/float64(width)
				hi := lo + (r.Hi-r.Lo)/float64(width)
				if fb := f.Segments[0].FreqOf(10); fb < lo-500 || fb > hi+500 {
					t.Errorf("width %d: burst in column %d (%v..%v Hz), bin at %v", width, c, lo, hi, fb)
				}
			}
		}
		if hits == 0 {
			t.Errorf("width %d: burst lost", width)
		}
	}
}
