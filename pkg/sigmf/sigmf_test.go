package sigmf

import (
	"bytes"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsatools/wsa/pkg/vrt"
)

// block appends what a WSA sends for one block: context then packets of n samples.
func block(t *testing.T, b []byte, freq float64, sec uint32, packets, n int, seed int16) []byte {
	t.Helper()
	ts := vrt.Timestamp{Int: sec}
	var err error
	h := func(id uint32) vrt.ContextHeader {
		return vrt.ContextHeader{Type: vrt.TypeContext, StreamID: id, TSI: vrt.TSIUTC, TSF: vrt.TSFRealTime, Timestamp: ts}
	}
	b, _ = vrt.AppendContext(b, h(vrt.StreamReceiver), vrt.F(vrt.FieldRFFreq, freq))
	b, _ = vrt.AppendContext(b, h(vrt.StreamDigitizer), vrt.F(vrt.FieldBandwidth, 125e6/4))
	b, _ = vrt.AppendContext(b, h(vrt.StreamDigitizer), vrt.F(vrt.FieldRefLevel, -20))
	rate := 125e6 / 4
	for k := 0; k < packets; k++ {
		i, q := make([]int16, n), make([]int16, n)
		for j := range i {
			i[j], q[j] = seed+int16(j), -seed-int16(k)
		}
		frac := uint64(float64(k*n) / rate * 1e12)
		p := vrt.Packet{Header: vrt.Header{Type: vrt.TypeSignal, Indicators: vrt.IndTrailer, TSI: vrt.TSIUTC, TSF: vrt.TSFRealTime, Count: uint8(k)},
			StreamID: vrt.StreamI14Q14, Timestamp: vrt.Timestamp{Int: sec, Frac: frac}, Payload: vrt.AppendIQ16(nil, i, q), Trailer: vrt.ThinkRFTrailer}
		if b, err = p.AppendTo(b); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

func record(t *testing.T, stream []byte, base string) []byte {
	t.Helper()
	rec, err := Create(base, Global{HW: "ThinkRF WSA4000 (simulated)", Description: "test"})
	if err != nil {
		t.Fatal(err)
	}
	r := vrt.NewReader(bytes.NewReader(stream), vrt.ReaderOptions{})
	var data []byte
	for {
		p, err := r.Next()
		if err != nil {
			break
		}
		if p.Type.IsData() {
			data = append(data, p.Payload...)
		}
		if err := rec.WritePacket(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	return data
}

func TestRecordAndPlay(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "cap")
	var stream []byte
	stream = block(t, stream, 2.412e9, 1764000000, 3, 256, 1)
	stream = block(t, stream, 2.437e9, 1764000001, 2, 256, 100)
	data := record(t, stream, base)

	raw, err := os.ReadFile(base + ".sigmf-meta")
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(raw); err != nil {
		t.Fatalf("written meta is not valid SigMF: %v\n%s", err, raw)
	}
	onDisk, _ := os.ReadFile(base + ".sigmf-data")
	if !bytes.Equal(onDisk, data) {
		t.Fatal("data file is not the I14Q14 payloads byte for byte (ci16_be needs no conversion)")
	}
	ds, err := Open(base)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha512.Sum512(onDisk)
	m := ds.Meta
	if m.Global.SHA512 != hex.EncodeToString(sum[:]) || ds.Verify() != nil {
		t.Fatal("sha512 wrong")
	}
	if m.Global.Datatype != "ci16_be" || m.Global.SampleRate != 31.25e6 || len(m.Captures) != 2 {
		t.Fatalf("global %+v, %d captures", m.Global, len(m.Captures))
	}
	c0, c1 := m.Captures[0], m.Captures[1]
	if c0.SampleStart != 0 || c0.Frequency != 2.412e9 || *c0.RefLevelDBm != -20 || c0.Decimation != 4 || c0.Datetime != "2025-11-24T16:00:00.000000000Z" {
		t.Fatalf("capture 0 %+v", c0)
	}
	if c1.SampleStart != 768 || c1.Frequency != 2.437e9 || c1.Datetime != "2025-11-24T16:00:01.000000000Z" {
		t.Fatalf("capture 1 %+v", c1)
	}
	// Play back: same samples, same context values, timestamps continuous.
	var ctx vrt.Context
	var st vrt.State
	var got []byte
	var freqs []float64
	var pkt vrt.Packet
	err = ds.Play(0, func(b []byte) error {
		if err := pkt.Decode(b); err != nil {
			return err
		}
		if pkt.Type.IsContext() {
			ctx.Decode(&pkt)
			st.Update(&ctx)
			return nil
		}
		if len(freqs) == 0 || freqs[len(freqs)-1] != st.RFFreqHz {
			freqs = append(freqs, st.RFFreqHz)
		}
		got = append(got, pkt.Payload...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) || len(freqs) != 2 || freqs[1] != 2.437e9 || st.RefLevelDBm != -20 || st.BandwidthHz != 31.25e6 {
		t.Fatalf("playback: %d bytes (want %d), freqs %v, state %+v", len(got), len(data), freqs, st)
	}
	// Corrupt the data: Verify notices.
	onDisk[10] ^= 1
	os.WriteFile(base+".sigmf-data", onDisk, 0o644)
	if ds.Verify() == nil {
		t.Fatal("corrupted data verified")
	}
}

func TestTimestampJumpStartsSegment(t *testing.T) {
	dir := t.TempDir()
	s := block(t, nil, 1e9, 100, 2, 128, 0)
	// A second run of data with no context in between but a 1 s jump.
	extra := block(t, nil, 1e9, 101, 1, 128, 0)
	r := vrt.NewReader(bytes.NewReader(extra), vrt.ReaderOptions{})
	for {
		p, err := r.Next()
		if err != nil {
			break
		}
		if p.Type.IsData() {
			s = append(s, p.Raw...)
		}
	}
	record(t, s, filepath.Join(dir, "j"))
	ds, err := Open(filepath.Join(dir, "j.sigmf-data"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Meta.Captures) != 2 || ds.Meta.Captures[1].SampleStart != 256 {
		t.Fatalf("captures %+v", ds.Meta.Captures)
	}
}

func TestValidateRejects(t *testing.T) {
	good := `{"global":{"core:datatype":"ci16_be","core:version":"1.2.0","core:extensions":[{"name":"wsa","version":"1.0.0","optional":true}],"wsa:spp":1},"captures":[{"core:sample_start":0,"core:datetime":"2026-11-24T00:00:00Z"}],"annotations":[]}`
	if err := Validate([]byte(good)); err != nil {
		t.Fatalf("good meta rejected: %v", err)
	}
	cases := map[string]string{
		"not json":             `{`,
		"no captures":          `{"global":{"core:datatype":"ci16_be","core:version":"1.2.0"},"annotations":[]}`,
		"bad datatype":         strings.Replace(good, "ci16_be", "ci14", 1),
		"no endianness":        strings.Replace(good, "ci16_be", "ci16", 1),
		"bad version":          strings.Replace(good, `"1.2.0"`, `"1.2"`, 1),
		"undeclared ns":        strings.Replace(good, `"wsa:spp":1`, `"foo:x":1`, 1),
		"no namespace":         strings.Replace(good, `"wsa:spp":1`, `"spp":1`, 1),
		"local datetime":       strings.Replace(good, "00:00:00Z", "00:00:00+01:00", 1),
		"unordered captures":   strings.Replace(good, `{"core:sample_start":0,`, `{"core:sample_start":5},{"core:sample_start":5,`, 1),
		"bad sha":              strings.Replace(good, `"wsa:spp":1`, `"core:sha512":"abc"`, 1),
		"bad extension decl":   strings.Replace(good, `,"optional":true`, ``, 1),
		"negative sample rate": strings.Replace(good, `"wsa:spp":1`, `"core:sample_rate":-1`, 1),
	}
	for name, meta := range cases {
		if err := Validate([]byte(meta)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzValidate(f *testing.F) {
	f.Add([]byte(`{"global":{"core:datatype":"ci16_be","core:version":"1.2.0"},"captures":[],"annotations":[]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if Validate(b) == nil {
			var m Meta
			if err := json.Unmarshal(b, &m); err != nil {
				// Valid SigMF that our struct cannot hold is acceptable only for type mismatches.
				return
			}
		}
	})
}

// TestSettingsSourceAndOffset: the settings a recording program hands over
// land in every segment started after them (SigMF values do not carry over),
// a capture description's source and sweep are kept and played back first,
// an rf_offset in the stream is recorded and played back, and the meta stays
// valid SigMF.
func TestSettingsSourceAndOffset(t *testing.T) {
	base := filepath.Join(t.TempDir(), "s")
	rec, err := Create(base, Global{Description: "settings"})
	if err != nil {
		t.Fatal(err)
	}
	ts := vrt.Timestamp{Int: 1764000000}
	desc, err := vrt.AppendCaptureInfo(nil, &vrt.CaptureInfo{Source: "WSA4000 SIM-000001 127.0.0.1", HasTime: true, Timestamp: ts,
		HasSweep: true, SweepID: 9, SweepStartHz: 2.4e9, SweepStopHz: 2.5e9, SweepSteps: 2}, 0)
	if err != nil {
		t.Fatal(err)
	}
	off, _ := vrt.AppendContext(nil, vrt.ContextHeader{Type: vrt.TypeContext, StreamID: vrt.StreamDigitizer, TSI: vrt.TSIUTC, TSF: vrt.TSFRealTime, Timestamp: ts},
		vrt.F(vrt.FieldRFOffset, -17090))
	stream := append(append(desc, off...), block(t, nil, 2.445e9, 1764000000, 1, 128, 1)...)
	stream = block(t, stream, 2.49e9, 1764000001, 1, 128, 2)
	ifg, on := 12.0, true
	rec.SetSettings(Settings{RFGain: "low", IFGainDB: &ifg, Antenna: 2, Preselect: &on})
	r := vrt.NewReader(bytes.NewReader(stream), vrt.ReaderOptions{})
	for {
		p, err := r.Next()
		if err != nil {
			break
		}
		if err := rec.WritePacket(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(base + ".sigmf-meta")
	if err := Validate(raw); err != nil {
		t.Fatalf("meta not valid: %v\n%s", err, raw)
	}
	ds, err := Open(base)
	if err != nil {
		t.Fatal(err)
	}
	g := ds.Meta.Global
	if g.Source != "WSA4000 SIM-000001 127.0.0.1" || g.HW != "ThinkRF WSA4000 SIM-000001" ||
		g.SweepStartHz != 2.4e9 || g.SweepStopHz != 2.5e9 || g.SweepSteps != 2 {
		t.Fatalf("global %+v", g)
	}
	if len(ds.Meta.Captures) != 2 {
		t.Fatalf("%d segments, want 2", len(ds.Meta.Captures))
	}
	for i, c := range ds.Meta.Captures {
		if c.RFGain != "low" || c.IFGainDB == nil || *c.IFGainDB != 12 || c.Antenna != 2 || c.Preselect == nil || !*c.Preselect ||
			c.RFOffsetHz == nil || *c.RFOffsetHz != -17090 {
			t.Fatalf("segment %d: %+v", i, c)
		}
	}
	// The raw JSON spells the extension keys in the declared namespace.
	for _, k := range []string{`"wsa:rf_gain": "low"`, `"wsa:if_gain_db": 12`, `"wsa:antenna": 2`, `"wsa:preselect": true`, `"wsa:rf_offset_hz": -17090`, `"wsa:source"`} {
		if !strings.Contains(string(raw), k) {
			t.Errorf("meta lacks %s", k)
		}
	}
	var c vrt.Context
	var st vrt.State
	var p vrt.Packet
	offsets, n := 0, 0
	err = ds.Play(0, func(b []byte) error {
		if err := p.Decode(b); err != nil || !p.Type.IsContext() {
			return err
		}
		if n++; n == 1 {
			// The capture description comes first, as wsa-capture writes it.
			ci, err := vrt.DecodeCaptureInfo(&p)
			if err != nil || ci.Source != g.Source || !ci.HasSweep || ci.SweepStartHz != 2.4e9 || ci.SweepStopHz != 2.5e9 ||
				ci.SweepSteps != 2 || !ci.HasTime || ci.Timestamp != ts {
				t.Errorf("first packet played: %+v, %v", ci, err)
			}
		}
		if err := c.Decode(&p); err != nil {
			return err
		}
		if _, ok := c.Get(vrt.FieldRFOffset); ok {
			offsets++
		}
		st.Update(&c)
		return nil
	})
	if err != nil || offsets != 2 || st.RFOffsetHz != -17090 {
		t.Fatalf("playback: %v, %d rf_offset packets, offset %v", err, offsets, st.RFOffsetHz)
	}
	// A recording told its hardware keeps it.
	rec2, _ := Create(filepath.Join(t.TempDir(), "h"), Global{})
	rec2.SetHardware("ThinkRF WSA4000 bench", "WSA4000", "B-7")
	var dp vrt.Packet
	dp.Decode(desc)
	rec2.WritePacket(&dp)
	if m := rec2.Meta(); m.Global.HW != "ThinkRF WSA4000 bench" || m.Global.Model != "WSA4000" || m.Global.Serial != "B-7" || m.Global.Source == "" {
		t.Fatalf("global %+v", m.Global)
	}
	rec2.Close()
}
