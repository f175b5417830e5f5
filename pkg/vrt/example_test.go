package vrt_test

import (
	"bytes"
	"fmt"
	"io"

	"github.com/wsatools/wsa/pkg/vrt"
)

// Read a stream, keep the latest context, and count samples per data packet.
func ExampleReader() {
	// A digitizer context packet (reference level −20 dBm) and one I14Q14 data packet.
	var in []byte
	in, _ = vrt.AppendContext(in, vrt.ContextHeader{Type: vrt.TypeContext, StreamID: vrt.StreamDigitizer,
		TSI: vrt.TSIUTC, TSF: vrt.TSFRealTime}, vrt.F(vrt.FieldRefLevel, -20))
	data := vrt.Packet{Header: vrt.Header{Type: vrt.TypeSignal, Indicators: vrt.IndTrailer, TSI: vrt.TSIUTC, TSF: vrt.TSFRealTime},
		StreamID: vrt.StreamI14Q14, Payload: vrt.AppendIQ16(nil, make([]int16, 256), make([]int16, 256)), Trailer: vrt.ThinkRFTrailer}
	in, _ = data.AppendTo(in)

	r := vrt.NewReader(bytes.NewReader(in), vrt.ReaderOptions{})
	var ctx vrt.Context
	var state vrt.State
	for {
		p, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		if p.Type.IsContext() {
			if err := ctx.Decode(p); err == nil {
				state.Update(&ctx)
			}
			continue
		}
		fmt.Printf("%d samples at reference level %v dBm, flags %v\n", vrt.SampleCount(p), state.RefLevelDBm, p.Trailer)
	}
	// Output: 256 samples at reference level -20 dBm, flags valid_data,reference_lock
}

// Write a spectrum as the suite's self-describing packets and read it back.
func ExampleSpectrumEncoder() {
	s := vrt.Spectrum{CenterHz: 2.412e9, StartHz: 2.412e9 - 1.5e3, StepHz: 1e3, Units: vrt.UnitsDBm,
		Window: "hann", Source: "example", Bins: []float32{-90, -30, -91}}
	var enc vrt.SpectrumEncoder
	b, _ := enc.Append(nil, &s)

	r := vrt.NewReader(bytes.NewReader(b), vrt.ReaderOptions{})
	var dec vrt.SpectrumDecoder
	for {
		p, err := r.Next()
		if err != nil {
			break
		}
		if sp, _ := dec.Feed(p); sp != nil {
			fmt.Printf("%s: %d bins from %.1f Hz, peak %v %v\n", sp.Source, len(sp.Bins), sp.StartHz, sp.Bins[1], sp.Units)
		}
	}
	// Output: example: 3 bins from 2411998500.0 Hz, peak -30 dBm
}

// Build a context packet with several fields and walk them back.
func ExampleAppendContext() {
	b, _ := vrt.AppendContext(nil, vrt.ContextHeader{Type: vrt.TypeContext, StreamID: vrt.StreamDigitizer, TSI: vrt.TSIUTC, TSF: vrt.TSFRealTime},
		vrt.F(vrt.FieldRefLevel, -20), vrt.F(vrt.FieldBandwidth, 125e6), vrt.F(vrt.FieldRFOffset, -1e6))
	var p vrt.Packet
	var c vrt.Context
	p.Decode(b)
	c.Decode(&p)
	for _, f := range c.Fields {
		v, _ := f.Float()
		fmt.Println(f.Spec.Name, v)
	}
	// Output:
	// bandwidth_hz 1.25e+08
	// rf_offset_hz -1e+06
	// reference_level_dbm -20
}
