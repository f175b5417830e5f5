package plot_test

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"testing"
	"time"

	"github.com/wsatools/wsa/pkg/plot"
	"github.com/wsatools/wsa/pkg/plot/plottest"
	"github.com/wsatools/wsa/pkg/vrt"
)

var t0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// wideband is a 125 MHz span around 2.42 GHz, 4096 bins, in dBm.
func wideband(tones ...plottest.Tone) plottest.Source {
	return plottest.Source{Name: "WSA4000 TEST-1 10.0.0.1", StartHz: 2.42e9 - 62.5e6, StepHz: 125e6 / 4096, Bins: 4096,
		Units: vrt.UnitsDBm, Floor: -100, Spread: 6, Tones: tones, Start: t0, Interval: 100 * time.Millisecond}
}

// frames reads a stream into complete frames, as wsa-plot does.
func frames(t testing.TB, stream []byte) []*plot.Frame {
	t.Helper()
	in := plot.NewInput(bytes.NewReader(stream))
	asm := plot.Assembler{Info: in.CaptureInfo}
	var out []*plot.Frame
	for {
		s, err := in.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		st := asm.Add(s)
		if st.Closed != nil {
			out = append(out, st.Closed)
		}
		if st.Complete {
			out = append(out, st.Frame)
		}
	}
	return append(out, asm.Flush()...)
}

func decodePNG(t testing.TB, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode png: %v", err)
	}
	return img
}

func rgba(c color.Color) color.RGBA {
	r, g, b, a := c.RGBA()
	return color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), uint8(a >> 8)}
}

// near reports whether a pixel is (a blend towards white of) colour c at
// half strength or more: the line's own pixels, anti-aliased.
func near(p, c color.RGBA) bool {
	// p = w + a(c − w) per channel, w = 255: solve a per channel and demand
	// agreement and a ≥ 0.5.
	var as []float64
	for _, ch := range [][2]uint8{{p.R, c.R}, {p.G, c.G}, {p.B, c.B}} {
		d := 255 - float64(ch[1])
		if d < 30 {
			continue
		}
		as = append(as, (255-float64(ch[0]))/d)
	}
	if len(as) == 0 {
		return false
	}
	for _, a := range as {
		if a < 0.5 || a > 1.15 || a-as[0] > 0.2 || as[0]-a > 0.2 {
			return false
		}
	}
	return true
}
