package dsp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"github.com/wsatools/wsa/pkg/vrt"
	"github.com/wsatools/wsa/pkg/wsa/sim"
)

// FuzzStream feeds arbitrary bytes to the whole stage (framing, context,
// every data format, re-blocking, averaging) inline and with workers. It
// must never panic; the two runs must write the same bytes and end the
// same way; and what they write must be a valid stream whose spectra
// decode.
func FuzzStream(f *testing.F) {
	f.Add(simCapture(f, sim.Config{}, tune(2.42e9, 1e6, 4), 64, 2, 1), uint8(0))
	f.Add(simCapture(f, sim.Config{}, tune(20e6, 0, 1), 32, 1, 1), uint8(1))
	b := newBuilder(f, 125e6).device(1e9, 31.25e6, 0, -30)
	b.data(vrt.StreamPSD8, make([]byte, 16), 16, vrt.ThinkRFTrailer)
	b.data(vrt.StreamI14, make([]byte, 32), 16, vrt.ThinkRFTrailer.With(vrt.TrailerSpectralInv, true))
	b.data(vrt.StreamI24, make([]byte, 64), 16, vrt.ThinkRFTrailer)
	f.Add(b.b, uint8(2))
	f.Fuzz(func(t *testing.T, in []byte, mode uint8) {
		cfg := StreamConfig{}
		switch mode % 4 {
		case 1:
			cfg.Bins, cfg.Overlap = 16, 0.5
		case 2:
			cfg.Average, cfg.Hold = 3, HoldMax
		case 3:
			cfg.Bins, cfg.Average = 8, 2
		}
		run := func(workers int) ([]byte, error) {
			c := cfg
			c.Workers = workers
			s, err := NewStream(c)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			err = s.Run(context.Background(), bytes.NewReader(in), &out)
			return out.Bytes(), err
		}
		out1, err1 := run(1)
		out2, err2 := run(3)
		if !bytes.Equal(out1, out2) || (err1 == nil) != (err2 == nil) {
			t.Fatalf("inline and 3 workers differ: %d/%d bytes, errors %v / %v", len(out1), len(out2), err1, err2)
		}
		if hasSpectra(in) {
			return // spectra of the input pass unchanged, valid or not
		}
		r := vrt.NewReader(bytes.NewReader(out1), vrt.ReaderOptions{})
		var dec vrt.SpectrumDecoder
		for {
			p, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("output is not a valid stream: %v", err)
			}
			if vrt.IsSpectrum(p) || vrt.IsSpectrumContext(p) {
				if _, err := dec.Feed(p); err != nil {
					t.Fatalf("spectrum does not decode: %v", err)
				}
			}
		}
	})
}

// hasSpectra reports whether a stream holds spectrum packets of its own.
func hasSpectra(b []byte) bool {
	r := vrt.NewReader(bytes.NewReader(b), vrt.ReaderOptions{})
	for {
		p, err := r.Next()
		if err != nil {
			return false
		}
		if vrt.IsSpectrum(p) || vrt.IsSpectrumContext(p) {
			return true
		}
	}
}
