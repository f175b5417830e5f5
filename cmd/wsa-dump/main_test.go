package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/wsatools/wsa/pkg/vrt"
)

// simStream builds what a WSA4000 sends for one block capture (device-facts.md
// §13): custom sweep ID, receiver rffreq, digitizer bandwidth and reflevel,
// one field per context packet, then two I14Q14 data packets.
func simStream(t *testing.T) []byte {
	t.Helper()
	ts := vrt.Timestamp{Int: 1764000000, Frac: 250_000_000_000}
	h := func(typ vrt.PacketType, id uint32, count uint8) vrt.ContextHeader {
		return vrt.ContextHeader{Type: typ, StreamID: id, Count: count, TSI: vrt.TSIUTC, TSF: vrt.TSFRealTime, Timestamp: ts}
	}
	var b []byte
	var err error
	add := func(hd vrt.ContextHeader, f vrt.FieldValue) {
		if b, err = vrt.AppendContext(b, hd, f); err != nil {
			t.Fatal(err)
		}
	}
	add(h(vrt.TypeExtContext, vrt.StreamCustom, 0), vrt.F(vrt.FieldSweepID, 4242))
	add(h(vrt.TypeContext, vrt.StreamReceiver, 0), vrt.F(vrt.FieldRFFreq, 2.412e9))
	add(h(vrt.TypeContext, vrt.StreamDigitizer, 0), vrt.F(vrt.FieldBandwidth, 125e6/4))
	add(h(vrt.TypeContext, vrt.StreamDigitizer, 1), vrt.F(vrt.FieldRefLevel, -20))
	for k := 0; k < 2; k++ {
		p := vrt.Packet{Header: vrt.Header{Type: vrt.TypeSignal, Indicators: vrt.IndTrailer, TSI: vrt.TSIUTC, TSF: vrt.TSFRealTime, Count: uint8(k)},
			StreamID: vrt.StreamI14Q14, Timestamp: ts, Payload: vrt.AppendIQ16(nil, make([]int16, 1024), make([]int16, 1024)), Trailer: vrt.ThinkRFTrailer}
		if b, err = p.AppendTo(b); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

func dumpJSON(t *testing.T, in []byte) ([]map[string]any, error) {
	t.Helper()
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	d := dumper{out: w, json: true, streams: map[uint32]*streamStats{}}
	err := d.dump(bytes.NewReader(in), vrt.ReaderOptions{}, 0)
	w.Flush()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if e := json.Unmarshal([]byte(line), &m); e != nil {
			t.Fatalf("bad JSON line %q: %v", line, e)
		}
		out = append(out, m)
	}
	return out, err
}

func TestDumpJSONSimulatorFormat(t *testing.T) {
	lines, err := dumpJSON(t, simStream(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 6 {
		t.Fatalf("%d lines, want 6", len(lines))
	}
	want := []struct {
		typ, stream string
		field       string
		value       float64
	}{
		{"extcontext", "0x90000004", "sweep_id", 4242},
		{"context", "0x90000001", "rf_freq_hz", 2.412e9},
		{"context", "0x90000002", "bandwidth_hz", 31.25e6},
		{"context", "0x90000002", "reference_level_dbm", -20},
	}
	offset := 0.0
	for i, w := range want {
		l := lines[i]
		if l["type"] != w.typ || l["stream_id"] != w.stream || l["index"] != float64(i) || l["offset"] != offset {
			t.Errorf("line %d: %v", i, l)
		}
		fields := l["fields"].(map[string]any)
		if fields[w.field] != w.value || len(fields) != 1 {
			t.Errorf("line %d fields %v, want %s=%v", i, fields, w.field, w.value)
		}
		if l["tsi"] != 1764000000.0 || l["tsf"] != 250e9 || l["time"] != "2025-11-24T16:00:00.250000000Z" {
			t.Errorf("line %d time %v %v %v", i, l["tsi"], l["tsf"], l["time"])
		}
		offset += l["size_words"].(float64) * 4
	}
	for i := 4; i < 6; i++ {
		l := lines[i]
		tr := l["trailer"].(map[string]any)
		if l["type"] != "data" || l["samples"] != 1024.0 || l["size_words"] != 1030.0 || l["count"] != float64(i-4) ||
			tr["valid_data"] != true || tr["reference_lock"] != true || l["trailer_word"] != "0x60060000" {
			t.Errorf("data line %d: %v", i, l)
		}
	}
}

func TestDumpMalformedKeepsGood(t *testing.T) {
	in := simStream(t)
	cut := in[:len(in)-10]
	lines, err := dumpJSON(t, cut)
	var fe *vrt.FormatError
	if !errors.As(err, &fe) || !errors.Is(err, vrt.ErrTruncated) {
		t.Fatalf("err = %v", err)
	}
	if len(lines) != 5 || fe.Index != 5 {
		t.Fatalf("printed %d lines, error at packet %d; want 5 and 5", len(lines), fe.Index)
	}
}

func TestSummaryCountsGaps(t *testing.T) {
	in := simStream(t)
	// Duplicate the last data packet: its count repeats, one gap.
	last := in[len(in)-4120:]
	in = append(in, last...)
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	d := dumper{out: w, summary: true, streams: map[uint32]*streamStats{}}
	if err := d.dump(bytes.NewReader(in), vrt.ReaderOptions{}, 0); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	out := buf.String()
	if !strings.Contains(out, "7 packets") || !strings.Contains(out, "stream 0x90000003: 3 packets (0 context, 3 data), 12360 bytes, 3072 samples, 1 count gaps") {
		t.Fatalf("summary:\n%s", out)
	}
}
