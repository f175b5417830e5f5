package sigmf

import (
	"bufio"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"github.com/wsatools/wsa/pkg/vrt"
)

// FullBandwidthHz is the WSA4000's undecimated complex sample rate.
const FullBandwidthHz = 125e6

// Recorder writes NAME.sigmf-data as I14Q14 packets arrive and NAME.sigmf-meta
// when closed. A new capture segment starts at every block boundary (context
// packets between data packets) and wherever timestamps jump.
type Recorder struct {
	base     string
	data     *os.File
	bw       *bufio.Writer
	sum      hash.Hash
	meta     Meta
	samples  uint64
	ctx      vrt.Context
	st       vrt.State
	newSeg   bool
	nextTime vrt.Timestamp // expected timestamp of the next data packet
	rate     float64
	closed   bool
	werr     error // the first failed write of samples: Close salvages
	// settings go into every segment started after SetSettings; hasOffset
	// says the stream has carried an rf_offset field.
	settings  Settings
	hasOffset bool
}

// Create starts a recording at base (".sigmf-data"/".sigmf-meta" are added).
// g supplies the descriptive global fields; datatype, version, sha512 and
// the extension declaration are filled in.
func Create(base string, g Global) (*Recorder, error) {
	f, err := os.Create(base + ".sigmf-data")
	if err != nil {
		return nil, fmt.Errorf("sigmf: %w", err)
	}
	g.Datatype, g.Version = Datatype, Version
	g.Extensions = []Extension{{Name: ExtensionName, Version: ExtensionVersion, Optional: true}}
	if g.Recorder == "" {
		g.Recorder = "wsa-tools"
	}
	r := &Recorder{base: base, data: f, bw: bufio.NewWriterSize(f, 256<<10), sum: sha512.New(), newSeg: true,
		meta: Meta{Global: g, Captures: []Capture{}, Annotations: []Annotation{}}}
	return r, nil
}

// Samples returns how many complex samples have been written.
func (r *Recorder) Samples() uint64 { return r.samples }

// ErrUnsupported is returned for data packets SigMF recording cannot hold.
var ErrUnsupported = errors.New("sigmf: only I14Q14 (complex 16-bit) data can be recorded")

// SetHardware fills in core:hw and the wsa model and serial once they are
// known: a capture program creates the recording before it connects (so a
// recording that cannot be written fails before the device is touched) and
// learns who answered afterwards.
func (r *Recorder) SetHardware(hw, model, serial string) {
	r.meta.Global.HW, r.meta.Global.Model, r.meta.Global.Serial = hw, model, serial
}

// captureInfo keeps what the first capture description says: the source
// and, for a sweep, its range and centres per pass.
func (r *Recorder) captureInfo(p *vrt.Packet) {
	ci, err := vrt.DecodeCaptureInfo(p)
	if err != nil {
		return
	}
	g := &r.meta.Global
	if g.Source == "" && ci.Source != "" {
		g.Source = ci.Source
		if f := strings.Fields(ci.Source); g.HW == "" && len(f) >= 2 {
			g.HW = "ThinkRF " + f[0] + " " + f[1] // MODEL SERIAL, not the host
		}
	}
	if g.SweepSteps == 0 && ci.HasSweep && ci.SweepSteps > 0 {
		g.SweepStartHz, g.SweepStopHz, g.SweepSteps = ci.SweepStartHz, ci.SweepStopHz, int(ci.SweepSteps)
	}
}

// SetSettings records s in every capture segment that starts after the
// call (SigMF values do not carry over between segments, so each segment
// holds its own copy).
func (r *Recorder) SetSettings(s Settings) { r.settings = s }

// WritePacket takes the next packet of a capture stream. A capture
// description (wsa-capture's own packet) names the source in the global
// wsa:source (and in core:hw when no hardware was given) and, for a sweep,
// the wsa:sweep_* range.
func (r *Recorder) WritePacket(p *vrt.Packet) error {
	if vrt.IsCaptureInfo(p) {
		r.captureInfo(p)
	}
	if p.Type.IsContext() {
		if err := r.ctx.Decode(p); err == nil {
			r.st.Update(&r.ctx)
			if _, ok := r.ctx.Get(vrt.FieldRFOffset); ok {
				r.hasOffset = true
			}
		}
		r.newSeg = true
		return nil
	}
	if !p.Type.IsData() {
		return nil
	}
	if vrt.FormatOf(p) != vrt.FormatI14Q14 {
		return ErrUnsupported
	}
	n := len(p.Payload) / 4
	if r.meta.Global.SPP == 0 {
		r.meta.Global.SPP = n // so playback reproduces the packet size
	}
	rate := FullBandwidthHz
	if r.st.HasBandwidth && r.st.BandwidthHz > 0 {
		rate = r.st.BandwidthHz
	}
	t := p.Timestamp
	if r.rate == 0 {
		r.rate = rate
		r.meta.Global.SampleRate = rate
	} else if math.Abs(rate-r.rate) > 1e-6*r.rate {
		return fmt.Errorf("sigmf: sample rate changed from %v to %v Hz mid-recording; SigMF holds one rate per file", r.rate, rate)
	}
	if r.newSeg || (p.TSI != vrt.TSINone && math.Abs(psBetween(r.nextTime, t)) > 1.5e12/rate) {
		r.startSegment(p, rate, t)
	}
	r.nextTime = addPS(t, float64(n)/rate*1e12)
	if r.werr != nil {
		return fmt.Errorf("sigmf: write data: %w", r.werr)
	}
	if _, err := r.bw.Write(p.Payload); err != nil {
		r.werr = err
		return fmt.Errorf("sigmf: write data: %w", err)
	}
	r.sum.Write(p.Payload)
	r.samples += uint64(n)
	return nil
}

func (r *Recorder) startSegment(p *vrt.Packet, rate float64, t vrt.Timestamp) {
	c := Capture{SampleStart: r.samples, BandwidthHz: rate, Decimation: int(math.Round(FullBandwidthHz / rate))}
	if c.Decimation <= 1 {
		c.Decimation = 1
	}
	if r.st.HasRFFreq {
		c.Frequency = r.st.RFFreqHz
	}
	if r.st.HasRefLevel {
		v := r.st.RefLevelDBm
		c.RefLevelDBm = &v
	}
	if r.st.HasSweepID {
		v := r.st.SweepID
		c.SweepID = &v
	}
	if r.hasOffset {
		v := r.st.RFOffsetHz
		c.RFOffsetHz = &v
	}
	s := r.settings
	c.RFGain, c.IFGainDB, c.Antenna, c.Preselect = s.RFGain, s.IFGainDB, s.Antenna, s.Preselect
	c.Spectral = p.HasTrailer() && p.Trailer.Is(vrt.TrailerSpectralInv)
	if p.TSI == vrt.TSIUTC {
		c.Datetime = p.Timestamp.Time().Format("2006-01-02T15:04:05.000000000Z")
	}
	// Two segments may not share a sample_start: the later one wins.
	if k := len(r.meta.Captures); k > 0 && r.meta.Captures[k-1].SampleStart == c.SampleStart {
		r.meta.Captures[k-1] = c
	} else {
		r.meta.Captures = append(r.meta.Captures, c)
	}
	r.newSeg = false
	r.nextTime = t
}

// Meta returns the meta document as it would be written now.
func (r *Recorder) Meta() Meta {
	m := r.meta
	m.Global.SHA512 = hex.EncodeToString(r.sum.Sum(nil))
	return m
}

// Close flushes the samples and writes the meta file (atomically, via a
// temporary file), so a recording cut short by Ctrl-C is still complete.
//
// When the samples could not all be written (a full disk), Close still
// leaves a recording that opens and verifies: the data file is cut back to
// the whole samples that reached it, core:sha512 is computed over exactly
// those, segments past the end are dropped, and if the meta file does not
// fit either, samples are given up from the end until it does. The write
// error is returned all the same.
func (r *Recorder) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	werr := r.werr
	if werr == nil {
		werr = r.bw.Flush()
	}
	if werr != nil {
		err := r.salvage(werr)
		r.data.Close()
		return err
	}
	if err := r.data.Close(); err != nil {
		return fmt.Errorf("sigmf: write data: %w", err)
	}
	return r.writeMeta()
}

func (r *Recorder) writeMeta() error {
	b, err := json.MarshalIndent(r.Meta(), "", "  ")
	if err != nil {
		return err
	}
	tmp := r.base + ".sigmf-meta.tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("sigmf: write meta: %w", err)
	}
	if err := os.Rename(tmp, r.base+".sigmf-meta"); err != nil {
		return fmt.Errorf("sigmf: write meta: %w", err)
	}
	return nil
}

// salvage makes the recording consistent after a failed write of samples
// and returns the error to report.
func (r *Recorder) salvage(werr error) error {
	st, err := r.data.Stat()
	if err != nil {
		return fmt.Errorf("sigmf: write data: %w", werr)
	}
	keep := st.Size() - st.Size()%4
	for {
		if err := r.cutTo(keep); err != nil {
			return fmt.Errorf("sigmf: write data: %w (and the recording could not be repaired: %v)", werr, err)
		}
		merr := r.writeMeta()
		if merr == nil {
			return fmt.Errorf("sigmf: write data: %w (the recording keeps the %d samples that fit)", werr, r.samples)
		}
		if keep == 0 {
			return fmt.Errorf("sigmf: write data: %w; %v", werr, merr)
		}
		// Make room for the meta file: give up samples from the end.
		keep = max(0, keep-(64<<10))
	}
}

// cutTo truncates the data file to n bytes (whole samples) and makes the
// checksum, the sample count and the segments describe exactly that.
func (r *Recorder) cutTo(n int64) error {
	if err := r.data.Truncate(n); err != nil {
		return err
	}
	if _, err := r.data.Seek(0, 0); err != nil {
		return err
	}
	r.sum.Reset()
	if _, err := io.CopyN(r.sum, r.data, n); err != nil {
		return err
	}
	r.samples = uint64(n / 4)
	caps := r.meta.Captures[:0]
	for _, c := range r.meta.Captures {
		if c.SampleStart < r.samples {
			caps = append(caps, c)
		}
	}
	r.meta.Captures = caps
	return nil
}

// ParseDatetime parses a capture's core:datetime.
func ParseDatetime(s string) (time.Time, error) { return time.Parse(time.RFC3339Nano, s) }

// psBetween returns b − a in picoseconds, exact for the offsets that matter.
func psBetween(a, b vrt.Timestamp) float64 {
	return float64(int64(b.Int)-int64(a.Int))*1e12 + (float64(b.Frac) - float64(a.Frac))
}

// addPS adds ps picoseconds (non-negative) to t.
func addPS(t vrt.Timestamp, ps float64) vrt.Timestamp {
	total := t.Frac + uint64(math.Round(ps))
	t.Int += uint32(total / 1e12)
	t.Frac = total % 1e12
	return t
}
