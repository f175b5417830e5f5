package plot

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/wsatools/wsa/pkg/vrt"
)

// CSVWriter writes spectra as rtl_power CSV rows, so tools made for
// rtl_power (heatmap.py, plotsweep, spreadsheets) read them:
//
//	date, time, Hz low, Hz high, Hz step, samples, dB, dB, …
//
// with rtl_power's meanings: Hz low is the frequency of the first bin, Hz
// high = Hz low + bins × step (one step past the last bin; both whole Hz),
// Hz step the bin spacing, samples the number of spectra averaged into the
// row (1 for a live spectrum). Deliberate differences, all documented in
// docs/PLOT.md: date and time are UTC, not local time; a row has exactly one
// value per bin (rtl_power repeats the last one); values are dBm or dBFS as
// the input says, not rtl_power's uncalibrated dB.
type CSVWriter struct {
	w *bufio.Writer
	// Digits after the decimal point (rtl_power: 2); negative means as many
	// as needed to give back the exact float32.
	Digits int
	buf    []byte
}

// NewCSVWriter writes to w (buffered: call Flush).
func NewCSVWriter(w io.Writer) *CSVWriter {
	return &CSVWriter{w: bufio.NewWriterSize(w, 256<<10), Digits: 2}
}

// Write writes one row for s, stamped with t (whole seconds, UTC). Each
// sweep pass uses the time of its first spectrum for all its rows, as
// rtl_power stamps all hops of one sweep alike.
func (c *CSVWriter) Write(s *vrt.Spectrum, t time.Time) error {
	b := c.buf[:0]
	b = t.UTC().AppendFormat(b, "2006-01-02, 15:04:05")
	n := len(s.Bins)
	samples := s.Averages
	if samples == 0 {
		samples = 1
	}
	b = fmt.Appendf(b, ", %d, %d, %.2f, %d", int64(math.Round(s.StartHz)), int64(math.Round(s.StartHz+float64(n)*s.StepHz)), s.StepHz, samples)
	for _, v := range s.Bins {
		b = append(b, ", "...)
		b = appendLevel(b, v, c.Digits)
	}
	b = append(b, '\n')
	c.buf = b
	_, err := c.w.Write(b)
	return err
}

// appendLevel formats a level; non-finite values are written as "nan",
// "inf" or "-inf", which Python's float() reads (heatmap.py skips them).
func appendLevel(b []byte, v float32, digits int) []byte {
	f := float64(v)
	switch {
	case math.IsNaN(f):
		return append(b, "nan"...)
	case math.IsInf(f, 1):
		return append(b, "inf"...)
	case math.IsInf(f, -1):
		return append(b, "-inf"...)
	}
	if digits < 0 {
		return strconv.AppendFloat(b, f, 'g', -1, 32)
	}
	return strconv.AppendFloat(b, f, 'f', digits, 32)
}

// Flush writes buffered rows.
func (c *CSVWriter) Flush() error { return c.w.Flush() }

// JSONWriter writes one JSON object per spectrum per line:
//
//	{"time":"2026-01-02T03:04:05.123456789Z","source":"…","stream_id":"0x57530003",
//	 "start_hz":…,"stop_hz":…,"step_hz":…,"center_hz":…,"units":"dBm","rbw_hz":…,
//	 "trace":"live","averages":1,"sweep_id":7,"bins":[…]}
//
// stop_hz is the frequency of the last bin (start_hz + (n−1)·step_hz).
// Bins are the shortest decimals that give back the exact float32;
// non-finite bins are null (JSON has no NaN or infinity). sweep_id is
// present only when the spectrum has one.
type JSONWriter struct {
	w   *bufio.Writer
	buf []byte
}

// NewJSONWriter writes to w (buffered: call Flush).
func NewJSONWriter(w io.Writer) *JSONWriter {
	return &JSONWriter{w: bufio.NewWriterSize(w, 256<<10)}
}

// Write writes s as one line; t is the time used when s has no timestamp.
func (j *JSONWriter) Write(s *vrt.Spectrum, t time.Time) error {
	if s.HasTime {
		t = s.Timestamp.Time()
	}
	src, _ := json.Marshal(s.Source)
	b := j.buf[:0]
	b = append(b, `{"time":"`...)
	b = t.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","source":`...)
	b = append(b, src...)
	b = fmt.Appendf(b, `,"stream_id":"0x%08x","start_hz":`, s.StreamID)
	b = appendJSONFloat(b, s.StartHz)
	b = append(b, `,"stop_hz":`...)
	b = appendJSONFloat(b, s.StopHz())
	b = append(b, `,"step_hz":`...)
	b = appendJSONFloat(b, s.StepHz)
	b = append(b, `,"center_hz":`...)
	b = appendJSONFloat(b, s.CenterHz)
	b = fmt.Appendf(b, `,"units":%q,"rbw_hz":`, s.Units.String())
	b = appendJSONFloat(b, s.RBWHz)
	b = fmt.Appendf(b, `,"trace":%q,"averages":%d`, s.Trace.String(), s.Averages)
	if s.HasSweepID {
		b = fmt.Appendf(b, `,"sweep_id":%d`, s.SweepID)
	}
	b = append(b, `,"bins":[`...)
	for i, v := range s.Bins {
		if i > 0 {
			b = append(b, ',')
		}
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			b = append(b, "null"...)
		} else {
			b = strconv.AppendFloat(b, float64(v), 'g', -1, 32)
		}
	}
	b = append(b, "]}\n"...)
	j.buf = b
	_, err := j.w.Write(b)
	return err
}

func appendJSONFloat(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, v, 'f', -1, 64)
}

// Flush writes buffered lines.
func (j *JSONWriter) Flush() error { return j.w.Flush() }
