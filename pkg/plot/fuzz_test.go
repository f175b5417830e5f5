package plot_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/wsatools/wsa/pkg/plot"
	"github.com/wsatools/wsa/pkg/plot/plottest"
	"github.com/wsatools/wsa/pkg/vrt"
)

// FuzzInput feeds arbitrary bytes through everything wsa-plot does with its
// input short of encoding an image: decoding, framing sweeps, traces, rows,
// peaks and both tables. Nothing may panic, and every error must be a
// FormatError (so the user gets a packet index and byte offset).
func FuzzInput(f *testing.F) {
	f.Add(plottest.Stream(2, wideband()))
	sw := plottest.Source{Name: "sw", StartHz: 1e9, StepHz: 1e4, Bins: 16, Steps: 3, SweepID: 2}
	f.Add(plottest.Stream(4, sw))
	f.Add(plottest.RawIQ(16))
	f.Add([]byte("VRLP\x00\x00\x00\x03"))
	f.Fuzz(func(t *testing.T, b []byte) {
		in := plot.NewInput(bytes.NewReader(b))
		asm := plot.Assembler{Info: in.CaptureInfo}
		tr := plot.NewTraces([]vrt.Trace{vrt.TraceLive, vrt.TraceAverage, vrt.TraceMax, vrt.TraceMin})
		rs := plot.NewRowStore(64, 8, plot.KeepAll)
		csv, js := plot.NewCSVWriter(io.Discard), plot.NewJSONWriter(io.Discard)
		add := func(fr *plot.Frame) {
			tr.Add(fr)
			rs.Add(fr)
		}
		for {
			s, err := in.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				if _, ok := err.(*vrt.FormatError); !ok {
					t.Fatalf("error %T %v is not a FormatError", err, err)
				}
				break
			}
			st := asm.Add(s)
			csv.Write(s, st.Frame.Time)
			js.Write(s, st.Frame.Time)
			if st.Closed != nil {
				add(st.Closed)
			}
			if st.Complete {
				add(st.Frame)
			}
		}
		for _, fr := range asm.Flush() {
			add(fr)
		}
		for _, c := range tr.Curves() {
			plot.FindPeaks(c.Segments, 3, 3, 0)
		}
	})
}
