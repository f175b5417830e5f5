package plot_test

import (
	"bytes"
	"errors"
	"math"
	"testing"

	"github.com/wsatools/wsa/pkg/plot"
	"github.com/wsatools/wsa/pkg/plot/plottest"
	"github.com/wsatools/wsa/pkg/vrt"
)

// TestAssembler: single spectra are frames; sweep segments are laid side
// by side into one frame per pass, complete at the capture description's
// stop, or when the next pass starts, or at the end of the input.
func TestAssembler(t *testing.T) {
	sweep := plottest.Source{Name: "sw", StartHz: 2.4e9, StepHz: 1e5, Bins: 100, Steps: 4, SweepID: 9, Floor: -90}
	for _, tc := range []struct {
		name       string
		stream     []byte
		frames     int
		segments   int
		bins       int
		withInfo   bool
		lastClosed bool
	}{
		{"block spectra", plottest.Stream(5, wideband()), 5, 1, 4096, false, false},
		{"sweep with capture description", plottest.Stream(3*4, sweep), 3, 4, 400, true, false},
		{"sweep without description", stripInfo(t, plottest.Stream(3*4, sweep)), 3, 4, 400, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := plot.NewInput(bytes.NewReader(tc.stream))
			asm := plot.Assembler{Info: in.CaptureInfo}
			var got []*plot.Frame
			for {
				s, err := in.Next()
				if err != nil {
					break
				}
				st := asm.Add(s)
				if st.Closed != nil {
					got = append(got, st.Closed)
				}
				if st.Complete {
					got = append(got, st.Frame)
				}
			}
			flushed := asm.Flush()
			if tc.lastClosed != (len(flushed) == 1) {
				t.Errorf("%d frames left at the end", len(flushed))
			}
			got = append(got, flushed...)
			if len(got) != tc.frames {
				t.Fatalf("%d frames, want %d", len(got), tc.frames)
			}
			for i, f := range got {
				if len(f.Segments) != tc.segments || f.Bins() != tc.bins || !f.Complete {
					t.Errorf("frame %d: %d segments, %d bins, complete %v", i, len(f.Segments), f.Bins(), f.Complete)
				}
				for k := 1; k < len(f.Segments); k++ {
					if f.Segments[k].StartHz <= f.Segments[k-1].StopHz() {
						t.Errorf("frame %d: segment %d overlaps", i, k)
					}
				}
			}
		})
	}
}

// stripInfo drops the capture description packets from a stream.
func stripInfo(t *testing.T, b []byte) []byte {
	r := vrt.NewReader(bytes.NewReader(b), vrt.ReaderOptions{})
	var out []byte
	for {
		p, err := r.Next()
		if err != nil {
			return out
		}
		if !vrt.IsCaptureInfo(p) {
			out = append(out, p.Raw...)
		}
	}
}

// TestAssemblerOverlap: overlapping sweep segments are cropped so a pass
// increases in frequency, keeping the earlier segment's bins.
func TestAssemblerOverlap(t *testing.T) {
	var asm plot.Assembler
	mk := func(start float64, v float32) *vrt.Spectrum {
		b := make([]float32, 10)
		for i := range b {
			b[i] = v
		}
		return &vrt.Spectrum{StreamID: 5, StartHz: start, StepHz: 1, Bins: b, HasSweepID: true, SweepID: 1}
	}
	asm.Add(mk(0, -1))         // bins 0..9
	st := asm.Add(mk(7.2, -2)) // overlaps 0..9.5: keeps from 10.2
	if n := len(st.Frame.Segments); n != 2 {
		t.Fatalf("%d segments", n)
	}
	s := st.Frame.Segments[1]
	if math.Abs(s.StartHz-10.2) > 1e-9 || len(s.Bins) != 7 {
		t.Errorf("second segment starts %v with %d bins, want 10.2 with 7", s.StartHz, len(s.Bins))
	}
	st = asm.Add(mk(0, -3)) // back to the start: a new pass
	if st.Closed == nil || !st.Started {
		t.Error("a segment below the previous one did not start a new pass")
	}
}

// TestTraces: average is the mean power, max and min per bin, live the
// last; a new grid restarts them.
func TestTraces(t *testing.T) {
	mk := func(vals ...float32) *plot.Frame {
		return &plot.Frame{StreamID: 1, Source: "s", Segments: []plot.Segment{{StartHz: 0, StepHz: 1, Bins: vals}}}
	}
	tr := plot.NewTraces([]vrt.Trace{vrt.TraceLive, vrt.TraceAverage, vrt.TraceMax, vrt.TraceMin})
	tr.Add(mk(-10, -30))
	tr.Add(mk(-20, -30))
	want := map[vrt.Trace][]float64{
		vrt.TraceLive:    {-20, -30},
		vrt.TraceAverage: {10 * math.Log10((0.1+0.01)/2), -30},
		vrt.TraceMax:     {-10, -30},
		vrt.TraceMin:     {-20, -30},
	}
	for _, c := range tr.Curves() {
		for i, w := range want[c.Kind] {
			if got := float64(c.Segments[0].Bins[i]); math.Abs(got-w) > 1e-4 {
				t.Errorf("%v bin %d = %v, want %v", c.Kind, i, got, w)
			}
		}
	}
	if !tr.Add(mk(-1, -2, -3)) {
		t.Error("grid change not reported")
	}
	for _, c := range tr.Curves() {
		if c.Kind == vrt.TraceMax && c.Segments[0].Bins[0] != -1 {
			t.Errorf("max hold not restarted after the grid changed: %v", c.Segments[0].Bins)
		}
	}
}

// TestInputErrors: raw I/Q is refused with the wsa-fft hint; damage names
// the packet index and byte offset; what came before is delivered.
func TestInputErrors(t *testing.T) {
	good := plottest.Stream(2, wideband())
	for _, tc := range []struct {
		name    string
		stream  []byte
		spectra int
		index   int64
		offset  int64
		is      error
	}{
		{"raw iq", plottest.RawIQ(256), 0, 0, 0, plot.ErrRawIQ},
		{"truncated", append(append([]byte{}, good...), good[:40]...), 2, 6, int64(len(good)), vrt.ErrTruncated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := plot.NewInput(bytes.NewReader(tc.stream))
			n := 0
			var err error
			for {
				if _, err = in.Next(); err != nil {
					break
				}
				n++
			}
			var fe *vrt.FormatError
			if !errors.As(err, &fe) || !errors.Is(err, tc.is) {
				t.Fatalf("error %v, want a FormatError wrapping %v", err, tc.is)
			}
			if n != tc.spectra || fe.Index != tc.index || fe.Offset != tc.offset {
				t.Errorf("%d spectra, error at packet %d offset %d; want %d, %d, %d", n, fe.Index, fe.Offset, tc.spectra, tc.index, tc.offset)
			}
		})
	}
	// Raw I/Q after spectra is skipped and counted.
	in := plot.NewInput(bytes.NewReader(append(append([]byte{}, good...), plottest.RawIQ(64)...)))
	for {
		if _, err := in.Next(); err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("mixed stream: %v", err)
			}
			break
		}
	}
	if in.Skipped() != 1 || in.Spectra() != 2 {
		t.Errorf("mixed stream: %d spectra, %d skipped", in.Spectra(), in.Skipped())
	}
}

// TestAssemblerWideCaptures: the captures of a real unstitched sweep are
// wider than their step (the device's whole span around each centre) and
// overshoot the requested range. A pass ends after as many captures as the
// capture description announces, not when the first one happens to reach
// the stop, and is clipped to the requested range.
func TestAssemblerWideCaptures(t *testing.T) {
	info := vrt.CaptureInfo{HasSweep: true, SweepID: 7, SweepStartHz: 0, SweepStopHz: 300, SweepSteps: 3}
	asm := plot.Assembler{Info: func(uint32) (vrt.CaptureInfo, bool) { return info, true }}
	mk := func(start float64) *vrt.Spectrum {
		return &vrt.Spectrum{StreamID: 3, StartHz: start, StepHz: 1, Bins: make([]float32, 400), HasSweepID: true, SweepID: 7}
	}
	for pass := 0; pass < 2; pass++ {
		var st plot.Step
		for k, start := range []float64{-150, -50, 50} { // each 400 Hz wide, 100 Hz apart
			st = asm.Add(mk(start))
			if pass > 0 && k == 0 && st.Closed != nil {
				t.Fatal("the previous pass was still pending")
			}
			if done := k == 2; st.Complete != done {
				t.Fatalf("pass %d, capture %d: complete %v, want %v", pass, k, st.Complete, done)
			}
		}
		f := st.Frame
		if f.StartHz() != 0 || f.StopHz() != 300 || f.Bins() != 301 {
			t.Errorf("pass %d: %v to %v Hz, %d bins; want 0 to 300, 301", pass, f.StartHz(), f.StopHz(), f.Bins())
		}
	}
	if left := asm.Flush(); len(left) != 0 {
		t.Errorf("%d frames pending after complete passes", len(left))
	}
}
