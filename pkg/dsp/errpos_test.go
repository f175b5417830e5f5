package dsp

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/wsatools/wsa/pkg/vrt"
)

// TestEncodeErrorNamesPacket: a context whose values cannot be carried by a
// spectrum packet (here a centre beyond the ±8.8 THz the 64-bit/20-fraction
// field holds: what random bytes decoded as a context give) fails the run
// with the index and byte offset of the data packet that hit it, in both
// the inline and the parallel path, after every spectrum before it was
// written. (Before, the error said only "encoding spectrum: …".)
func TestEncodeErrorNamesPacket(t *testing.T) {
	i, q := make([]int16, 256), make([]int16, 256)
	for k := range i {
		i[k], q[k] = int16(k%9*40), int16(k%5*-30)
	}
	b := newBuilder(t, 125e6).device(2.4e9, 125e6, 0, -20)
	b.iq(i, q).iq(i, q)
	good := len(b.b)
	b.ctx(vrt.TypeContext, vrt.StreamReceiver, vrt.F(vrt.FieldRFFreq, 8e12))
	b.ctx(vrt.TypeContext, vrt.StreamDigitizer, vrt.F(vrt.FieldRFOffset, 8e12))
	bad := len(b.b)
	b.iq(i, q)
	in := b.b
	// The packet that fails: 4 contexts, 2 data, 2 contexts before it.
	want := fmt.Sprintf("packet 8 at byte offset %d: encoding spectrum: ", bad)
	ref := runStream(t, StreamConfig{}, in[:good])
	for _, workers := range []int{1, 2} {
		s, err := NewStream(StreamConfig{Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		err = s.Run(context.Background(), bytes.NewReader(in), &out)
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("workers %d: error %v, want it to start %q", workers, err, want)
		}
		// The spectra before, and the two contexts passed on.
		if !bytes.HasPrefix(out.Bytes(), ref) {
			t.Errorf("workers %d: the output does not start with the %d bytes written for the good part", workers, len(ref))
		}
	}
}
