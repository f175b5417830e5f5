package sigmf

import (
	"bufio"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"github.com/wsatools/wsa/pkg/vrt"
)

// Dataset is an opened SigMF recording.
type Dataset struct {
	Base string
	Meta Meta
}

// Open reads and validates NAME.sigmf-meta (base may also end in
// ".sigmf-meta" or ".sigmf-data").
func Open(base string) (*Dataset, error) {
	base = strings.TrimSuffix(strings.TrimSuffix(base, ".sigmf-meta"), ".sigmf-data")
	raw, err := os.ReadFile(base + ".sigmf-meta")
	if err != nil {
		return nil, fmt.Errorf("sigmf: %w", err)
	}
	if err := Validate(raw); err != nil {
		return nil, fmt.Errorf("%s.sigmf-meta: %w", base, err)
	}
	var m Meta
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%s.sigmf-meta: %w", base, err)
	}
	if m.Global.Datatype != Datatype {
		return nil, fmt.Errorf("%s.sigmf-meta: datatype %q: only %q (WSA I14Q14) can be replayed", base, m.Global.Datatype, Datatype)
	}
	return &Dataset{Base: base, Meta: m}, nil
}

// Verify checks the data file against core:sha512 (when present).
func (d *Dataset) Verify() error {
	if d.Meta.Global.SHA512 == "" {
		return nil
	}
	f, err := os.Open(d.Base + ".sigmf-data")
	if err != nil {
		return fmt.Errorf("sigmf: %w", err)
	}
	defer f.Close()
	h := sha512.New()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("sigmf: %w", err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != d.Meta.Global.SHA512 {
		return fmt.Errorf("sigmf: %s.sigmf-data does not match its core:sha512", d.Base)
	}
	return nil
}

// Play emits the recording as the packets wsa-capture would have written: a
// capture description when the recording kept one, then for each capture
// segment the receiver (rf_freq), digitizer (bandwidth, rf_offset
// when recorded, reference level) and, when recorded, sweep-ID context
// packets, one field each, then I14Q14 data packets of spp samples stamped
// from the segment's datetime. emit receives each packet's bytes (valid
// during the call).
func (d *Dataset) Play(spp int, emit func(pkt []byte) error) error {
	if spp <= 0 {
		spp = d.Meta.Global.SPP
	}
	if spp <= 0 {
		spp = 1024
	}
	f, err := os.Open(d.Base + ".sigmf-data")
	if err != nil {
		return fmt.Errorf("sigmf: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("sigmf: %w", err)
	}
	total := uint64(st.Size() / 4)
	br := bufio.NewReaderSize(f, 256<<10)
	rate := d.Meta.Global.SampleRate
	if rate <= 0 {
		rate = FullBandwidthHz
	}
	var counts [8]uint8
	next := func(k int) uint8 { c := counts[k]; counts[k] = (c + 1) & 0xf; return c }
	buf := make([]byte, 0, 4*spp+64)
	payload := make([]byte, 4*spp)
	if err := d.playCaptureInfo(emit); err != nil {
		return err
	}
	for i, c := range d.Meta.Captures {
		end := total
		if i+1 < len(d.Meta.Captures) {
			end = min(d.Meta.Captures[i+1].SampleStart, total)
		}
		start := time.Unix(0, 0).UTC()
		if c.Datetime != "" {
			if t, err := ParseDatetime(c.Datetime); err == nil {
				start = t
			}
		}
		ts := vrt.TimestampOf(start)
		hdr := func(typ vrt.PacketType, id uint32, k int) vrt.ContextHeader {
			return vrt.ContextHeader{Type: typ, StreamID: id, Count: next(k), TSI: vrt.TSIUTC, TSF: vrt.TSFRealTime, Timestamp: ts}
		}
		var ctx []ctxPacket
		if c.SweepID != nil {
			ctx = append(ctx, struct {
				h vrt.ContextHeader
				f vrt.FieldValue
			}{hdr(vrt.TypeExtContext, vrt.StreamCustom, 0), vrt.F(vrt.FieldSweepID, float64(*c.SweepID))})
		}
		bw := c.BandwidthHz
		if bw <= 0 {
			bw = rate
		}
		ctx = append(ctx, ctxPacket{hdr(vrt.TypeContext, vrt.StreamReceiver, 1), vrt.F(vrt.FieldRFFreq, c.Frequency)})
		ctx = append(ctx, ctxPacket{hdr(vrt.TypeContext, vrt.StreamDigitizer, 2), vrt.F(vrt.FieldBandwidth, bw)})
		if c.RFOffsetHz != nil {
			ctx = append(ctx, ctxPacket{hdr(vrt.TypeContext, vrt.StreamDigitizer, 2), vrt.F(vrt.FieldRFOffset, *c.RFOffsetHz)})
		}
		if c.RefLevelDBm != nil {
			ctx = append(ctx, struct {
				h vrt.ContextHeader
				f vrt.FieldValue
			}{hdr(vrt.TypeContext, vrt.StreamDigitizer, 2), vrt.F(vrt.FieldRefLevel, *c.RefLevelDBm)})
		}
		for _, x := range ctx {
			if buf, err = vrt.AppendContext(buf[:0], x.h, x.f); err != nil {
				return fmt.Errorf("sigmf: capture %d: %w", i, err)
			}
			if err := emit(buf); err != nil {
				return err
			}
		}
		trailer := vrt.ThinkRFTrailer
		if c.Spectral {
			trailer = trailer.With(vrt.TrailerSpectralInv, true)
		}
		for s := c.SampleStart; s < end; {
			n := int(min(uint64(spp), end-s))
			if _, err := io.ReadFull(br, payload[:4*n]); err != nil {
				return fmt.Errorf("sigmf: %s.sigmf-data ends at sample %d, meta promises %d: %w", d.Base, s, total, err)
			}
			off := float64(s-c.SampleStart) / rate
			sec := math.Floor(off)
			pts := vrt.Timestamp{Int: ts.Int + uint32(sec), Frac: ts.Frac + uint64(math.Round((off-sec)*1e12))}
			if pts.Frac >= 1e12 {
				pts.Int++
				pts.Frac -= 1e12
			}
			p := vrt.Packet{Header: vrt.Header{Type: vrt.TypeSignal, Indicators: vrt.IndTrailer, TSI: vrt.TSIUTC, TSF: vrt.TSFRealTime, Count: next(3)},
				StreamID: vrt.StreamI14Q14, Timestamp: pts, Payload: payload[:4*n], Trailer: trailer}
			if buf, err = p.AppendTo(buf[:0]); err != nil {
				return err
			}
			if err := emit(buf); err != nil {
				return err
			}
			s += uint64(n)
		}
	}
	return nil
}

// playCaptureInfo emits a capture description first when the recording
// kept one (its source, its sweep), stamped with the first segment's time,
// as wsa-capture starts its output.
func (d *Dataset) playCaptureInfo(emit func([]byte) error) error {
	g := d.Meta.Global
	if g.Source == "" && g.SweepSteps == 0 {
		return nil
	}
	ci := vrt.CaptureInfo{Source: g.Source}
	if len(d.Meta.Captures) > 0 && d.Meta.Captures[0].Datetime != "" {
		if t, err := ParseDatetime(d.Meta.Captures[0].Datetime); err == nil {
			ci.Timestamp, ci.HasTime = vrt.TimestampOf(t), true
		}
	}
	if g.SweepSteps > 0 {
		ci.HasSweep, ci.SweepStartHz, ci.SweepStopHz, ci.SweepSteps = true, g.SweepStartHz, g.SweepStopHz, uint32(g.SweepSteps)
		for _, c := range d.Meta.Captures {
			if c.SweepID != nil {
				ci.SweepID = *c.SweepID
				break
			}
		}
	}
	b, err := vrt.AppendCaptureInfo(nil, &ci, 0)
	if err != nil {
		return fmt.Errorf("sigmf: capture description: %w", err)
	}
	return emit(b)
}

// ctxPacket is one single-field context packet to emit.
type ctxPacket struct {
	h vrt.ContextHeader
	f vrt.FieldValue
}
