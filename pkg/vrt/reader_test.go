package vrt

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// dataPacket builds a ThinkRF-style I14Q14 data packet with n samples.
func dataPacket(count uint8, n int, seed int16) []byte {
	i := make([]int16, n)
	q := make([]int16, n)
	for k := range i {
		i[k], q[k] = seed+int16(k), -seed-int16(k)
	}
	p := Packet{Header: Header{Type: TypeSignal, Indicators: IndTrailer, TSI: TSIUTC, TSF: TSFRealTime, Count: count},
		StreamID: StreamI14Q14, Timestamp: Timestamp{1700000000, uint64(count) * 1000}, Payload: AppendIQ16(nil, i, q), Trailer: ThinkRFTrailer}
	b, err := p.AppendTo(nil)
	if err != nil {
		panic(err)
	}
	return b
}

func stream(n int) ([]byte, [][]byte) {
	var all []byte
	var pk [][]byte
	for k := 0; k < n; k++ {
		var b []byte
		if k%3 == 0 {
			b = append([]byte(nil), goldenRefLevel...)
		} else {
			b = dataPacket(uint8(k%16), 8+k, int16(k))
		}
		pk = append(pk, b)
		all = append(all, b...)
	}
	return all, pk
}

func readAll(t *testing.T, r *Reader) ([][]byte, error) {
	t.Helper()
	var out [][]byte
	for {
		p, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, append([]byte(nil), p.Raw...))
	}
}

func TestReaderBareAndVRL(t *testing.T) {
	all, pk := stream(50)
	for _, tc := range []struct {
		name string
		in   func() []byte
	}{
		{"bare", func() []byte { return all }},
		{"vrl", func() []byte {
			var buf bytes.Buffer
			w := NewWriter(&buf, WriterOptions{VRL: true, FrameBytes: 300})
			w.Write(all)
			w.Flush()
			return buf.Bytes()
		}},
		{"mixed", func() []byte {
			var buf bytes.Buffer
			w := NewWriter(&buf, WriterOptions{VRL: true})
			half := 0
			for k := 0; k < 25; k++ {
				half += len(pk[k])
			}
			w.Write(all[:half])
			w.Flush()
			buf.Write(all[half:])
			return buf.Bytes()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in()
			// One byte at a time from the source must not matter.
			r := NewReader(iotest.OneByteReader(bytes.NewReader(in)), ReaderOptions{})
			got, err := readAll(t, r)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(pk) {
				t.Fatalf("%d packets, want %d", len(got), len(pk))
			}
			for k := range pk {
				if !bytes.Equal(got[k], pk[k]) {
					t.Fatalf("packet %d differs", k)
				}
			}
			if r.Stats().Bytes != int64(len(in)) {
				t.Fatalf("consumed %d of %d bytes", r.Stats().Bytes, len(in))
			}
		})
	}
}

func TestReaderErrors(t *testing.T) {
	all, pk := stream(6)
	off5 := int64(len(all) - len(pk[5]))
	var vrlBuf bytes.Buffer
	w := NewWriter(&vrlBuf, WriterOptions{VRL: true})
	w.Write(all)
	w.Flush()
	badCRC := append([]byte(nil), vrlBuf.Bytes()...)
	badCRC[len(badCRC)-1] ^= 1

	cases := []struct {
		name      string
		in        []byte
		cause     error
		delivered int
		offset    int64
	}{
		{"truncated last packet", all[:len(all)-3], ErrTruncated, 5, off5},
		{"stray bytes", append(append([]byte(nil), all...), 1, 2), ErrTruncated, 6, int64(len(all))},
		{"zero size", append(append([]byte(nil), all[:off5]...), 0x10, 0, 0, 0, 1, 2, 3, 4), ErrZeroSize, 5, off5},
		{"size below header", append(append([]byte(nil), all[:off5]...), words(0x1c600002, 0, 0, 0)...), ErrBadHeader, 5, off5},
		{"bad crc", badCRC, ErrBadCRC, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := NewReader(bytes.NewReader(c.in), ReaderOptions{})
			got, err := readAll(t, r)
			var fe *FormatError
			if !errors.As(err, &fe) || !errors.Is(err, c.cause) {
				t.Fatalf("err = %v, want %v", err, c.cause)
			}
			if len(got) != c.delivered || fe.Index != int64(c.delivered) || fe.Offset != c.offset {
				t.Fatalf("delivered %d, error index %d offset %d; want %d at %d (%v)", len(got), fe.Index, fe.Offset, c.delivered, c.offset, err)
			}
			for k := range got {
				if !bytes.Equal(got[k], pk[k]) {
					t.Fatalf("packet %d before the error differs", k)
				}
			}
			if _, err2 := r.Next(); err2 != err {
				t.Fatal("error is not sticky")
			}
		})
	}
}

func TestReaderResync(t *testing.T) {
	all, pk := stream(12)
	garbage := []byte("\x00\x00\x00\x00this is not a packet at all!!")
	cut := len(pk[0]) + len(pk[1]) + len(pk[2])
	in := append(append(append([]byte(nil), all[:cut]...), garbage...), all[cut:]...)
	// Without resync: error after 3 packets.
	if got, err := readAll(t, NewReader(bytes.NewReader(in), ReaderOptions{})); err == nil || len(got) != 3 {
		t.Fatalf("strict: %d packets, err %v", len(got), err)
	}
	r := NewReader(bytes.NewReader(in), ReaderOptions{Resync: true})
	got, err := readAll(t, r)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(pk) {
		t.Fatalf("resync delivered %d packets, want %d", len(got), len(pk))
	}
	st := r.Stats()
	if st.SkippedBytes != int64(len(garbage)) || st.Resyncs != 1 {
		t.Fatalf("skipped %d bytes in %d resyncs, want %d in 1", st.SkippedBytes, st.Resyncs, len(garbage))
	}
	// A frame with a bad CRC is dropped whole and counted.
	var buf bytes.Buffer
	w := NewWriter(&buf, WriterOptions{VRL: true})
	w.Write(all[:cut])
	w.Flush()
	frame := append([]byte(nil), buf.Bytes()...)
	frame[20] ^= 0xff
	in2 := append(frame, all[cut:]...)
	r2 := NewReader(bytes.NewReader(in2), ReaderOptions{Resync: true})
	got2, err := readAll(t, r2)
	if err != nil || len(got2) != len(pk)-3 || r2.Stats().SkippedBytes != int64(len(frame)) {
		t.Fatalf("bad-crc resync: %d packets, err %v, stats %+v", len(got2), err, r2.Stats())
	}
}

func TestWriterRejectsPartial(t *testing.T) {
	w := NewWriter(io.Discard, WriterOptions{})
	if err := w.WritePacket([]byte{0x10, 0, 0, 5}); err == nil {
		t.Fatal("short packet accepted")
	}
}

func FuzzReader(f *testing.F) {
	all, _ := stream(5)
	f.Add(all, false)
	var buf bytes.Buffer
	w := NewWriter(&buf, WriterOptions{VRL: true})
	w.Write(all)
	w.Flush()
	f.Add(buf.Bytes(), true)
	f.Add([]byte("VRLP\x00\x00\x00\x03VEND"), false)
	f.Add(goldenRefLevel, true)
	f.Fuzz(func(t *testing.T, in []byte, resync bool) {
		r := NewReader(bytes.NewReader(in), ReaderOptions{Resync: resync})
		var ctx Context
		var dec SpectrumDecoder
		for k := 0; k < 10000; k++ {
			p, err := r.Next()
			if err != nil {
				var fe *FormatError
				if err != io.EOF && !errors.As(err, &fe) {
					t.Fatalf("unexpected error type %T: %v", err, err)
				}
				return
			}
			if SizeOf(p.Raw) != len(p.Raw) {
				t.Fatalf("packet size %d vs raw %d", SizeOf(p.Raw), len(p.Raw))
			}
			// A delivered packet re-encodes to the same bytes.
			b, err := p.AppendTo(nil)
			if err != nil || !bytes.Equal(b, p.Raw) {
				t.Fatalf("re-encode: %v\n%x\n%x", err, b, p.Raw)
			}
			if p.Type.IsContext() {
				_ = ctx.Decode(p)
			}
			_, _ = dec.Feed(p)
		}
	})
}

func FuzzContext(f *testing.F) {
	f.Add(goldenRefLevel[20:], uint8(4), uint32(StreamDigitizer))
	f.Add(words(0x0000000E, 0x00000400, 0x80000000, 0x80000000, 1, 2, 3, 4, 5), uint8(4), uint32(1))
	f.Add(words(0x0B, 7, 1), uint8(5), uint32(StreamCustom))
	f.Fuzz(func(t *testing.T, payload []byte, typ uint8, stream uint32) {
		payload = payload[:len(payload)/4*4]
		p := Packet{Header: Header{Type: TypeContext, TSI: TSIUTC, TSF: TSFRealTime}, StreamID: stream, Payload: payload}
		if typ%2 == 1 {
			p.Type = TypeExtContext
		}
		b, err := p.AppendTo(nil)
		if err != nil {
			return
		}
		var q Packet
		if err := q.Decode(b); err != nil {
			t.Fatal(err)
		}
		var c Context
		if err := c.Decode(&q); err != nil || c.Table == TableOpaque {
			return
		}
		// A context that decodes re-encodes bit-exactly from its fields.
		for _, f := range c.Fields {
			_ = f.Value()
		}
		out, err := c.AppendTo(nil, ContextHeader{Type: q.Type, StreamID: q.StreamID, TSI: q.TSI, TSF: q.TSF, Timestamp: q.Timestamp})
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		if !bytes.Equal(out, b) {
			t.Fatalf("re-encode differs\n%x\n%x", out, b)
		}
	})
}
