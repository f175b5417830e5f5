package plot_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/wsatools/wsa/pkg/plot"
	"github.com/wsatools/wsa/pkg/plot/plottest"
	"github.com/wsatools/wsa/pkg/vrt"
)

// A stream of spectra (here synthetic; normally wsa-fft or wsa-cal output)
// read into frames, reduced to traces and drawn as a PNG line plot.
func ExampleRenderLine() {
	src := plottest.Source{Name: "demo", StartHz: 2.4e9, StepHz: 25e3, Bins: 4000, Units: vrt.UnitsDBm, Floor: -100,
		Tones: []plottest.Tone{{Hz: 2.45e9, Level: -30}}}
	in := plot.NewInput(bytes.NewReader(plottest.Stream(10, src)))
	asm := plot.Assembler{Info: in.CaptureInfo}
	traces := plot.NewTraces([]vrt.Trace{vrt.TraceLive, vrt.TraceMax})
	for {
		s, err := in.Next()
		if err != nil {
			break // io.EOF, or a *vrt.FormatError naming packet and offset
		}
		if st := asm.Add(s); st.Complete {
			traces.Add(st.Frame)
		}
	}
	g, err := plot.RenderLine(io.Discard, plot.FormatPNG, traces.Curves(), plot.LineOptions{Width: 800, Height: 400, Peaks: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(traces.Curves()), "curves;", "2.45 GHz is at pixel column", int(g.X(2.45e9)))
	// Output: 2 curves; 2.45 GHz is at pixel column 432
}

// A waterfall keeps at most Rows rows per source in memory; with
// History KeepAll it merges rows to cover the whole input.
func ExampleNewWaterfall() {
	src := plottest.Source{Name: "demo", StartHz: 100e6, StepHz: 10e3, Bins: 1000, Floor: -90,
		Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Interval: time.Second}
	wf := plot.NewWaterfall(plot.WaterfallOptions{Rows: 100, History: plot.KeepAll, YMin: -100, YMax: -40, HasYMin: true, HasYMax: true})
	in := plot.NewInput(bytes.NewReader(plottest.Stream(1000, src)))
	var asm plot.Assembler
	for {
		s, err := in.Next()
		if err != nil {
			break
		}
		if st := asm.Add(s); st.Complete {
			wf.Add(st.Frame)
		}
	}
	rows := wf.Rows().Rows(vrt.DefaultSpectrumStream)
	fmt.Println(len(rows), "rows of", wf.Rows().FramesPerRow(vrt.DefaultSpectrumStream), "spectra, from", rows[0].Time.Format(time.TimeOnly), "to", rows[len(rows)-1].End.Format(time.TimeOnly))
	g, _ := wf.Render(io.Discard)
	fmt.Println("colour bar from", g.LevelMin, "to", g.LevelMax, "dBm")
	// Output:
	// 64 rows of 16 spectra, from 00:00:00 to 00:16:39
	// colour bar from -100 to -40 dBm
}

// rtl_power CSV rows, one per spectrum.
func ExampleCSVWriter() {
	s := &vrt.Spectrum{StartHz: 88e6, StepHz: 500e3, Units: vrt.UnitsDBm, Averages: 10, Bins: []float32{-60.5, -42.25, -61}}
	w := plot.NewCSVWriter(os.Stdout)
	w.Write(s, time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC))
	w.Flush()
	// Output: 2026-05-06, 07:08:09, 88000000, 89500000, 500000.00, 10, -60.50, -42.25, -61.00
}

// JSON lines, one object per spectrum.
func ExampleJSONWriter() {
	s := &vrt.Spectrum{Source: "demo", StartHz: 88e6, StepHz: 500e3, RBWHz: 750e3, Units: vrt.UnitsDBm, Bins: []float32{-60.5, -42.25}}
	w := plot.NewJSONWriter(os.Stdout)
	w.Write(s, time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC))
	w.Flush()
	// Output: {"time":"2026-05-06T07:08:09Z","source":"demo","stream_id":"0x00000000","start_hz":88000000,"stop_hz":88500000,"step_hz":500000,"center_hz":0,"units":"dBm","rbw_hz":750000,"trace":"live","averages":0,"bins":[-60.5,-42.25]}
}

// Sweep segments (spectra with a sweep ID) are laid side by side into one
// frame per pass.
func ExampleAssembler() {
	sweep := plottest.Source{Name: "sweep", StartHz: 2.4e9, StepHz: 100e3, Bins: 250, Steps: 4, SweepID: 1}
	in := plot.NewInput(bytes.NewReader(plottest.Stream(8, sweep))) // two passes of 4 steps
	asm := plot.Assembler{Info: in.CaptureInfo}
	for {
		s, err := in.Next()
		if err != nil {
			break
		}
		if st := asm.Add(s); st.Complete {
			fmt.Println("pass:", len(st.Frame.Segments), "segments,", st.Frame.GridString())
		}
	}
	// Output:
	// pass: 4 segments, 2.4 GHz to 2.4999 GHz, 1000 bins
	// pass: 4 segments, 2.4 GHz to 2.4999 GHz, 1000 bins
}
