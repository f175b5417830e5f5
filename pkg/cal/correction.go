package cal

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/wsatools/wsa/internal/cli"
	"github.com/wsatools/wsa/pkg/vrt"
)

// Correction is a frequency-dependent correction in dB, from a table of
// (frequency, dB) points: linear interpolation in dB between points
// (frequency on a linear axis), the end values held flat beyond the first
// and last point. The value is ADDED to every bin: +3 for a cable that
// loses 3 dB, −20 for a 20 dB preamp, an antenna factor as the dB that
// takes the analyzer's reading to the quantity wanted.
type Correction struct {
	Name  string    // where it came from (file name), for messages
	Freqs []float64 // Hz, strictly increasing
	DB    []float64
}

// Limits of a correction file: generous, but a value outside them is a
// typo (a frequency in the wrong unit, a dB value in linear terms).
const (
	maxCorrectionHz   = 1e12
	maxCorrectionDB   = 300
	maxCorrectionRows = 1 << 20
	maxLineBytes      = 4096
)

// LineError is a bad row of a correction file: the file name and 1-based
// line number, as editors and compilers print them.
type LineError struct {
	File string
	Line int
	Msg  string
}

func (e *LineError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// LoadCorrection reads a correction table from a file (ParseCorrection).
func LoadCorrection(path string) (*Correction, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("correction: %w", err)
	}
	defer f.Close()
	return ParseCorrection(f, path)
}

// ParseCorrection reads a correction table. The format, one point per line:
//
//	# comment lines start with '#'; a '#' later on a line starts a comment too
//	frequency_hz,db          <- an optional header: a first row that is not numbers
//	2.4e9, 1.5               <- frequency, dB
//	2450M; 1.7               <- separators: comma, semicolon, tab or spaces
//	2.5G   1.9               <- frequencies as 2.5G, 2500M, 2500MHz or plain Hz
//
// Rows need exactly two fields, a frequency from 0 to 1 THz and a finite dB
// value within ±300, in strictly increasing frequency. Blank lines are
// ignored; at least one row is required. Every error names the file (name)
// and the line.
func ParseCorrection(r io.Reader, name string) (*Correction, error) {
	c := &Correction{Name: name}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1024), maxLineBytes)
	line := 0
	headerAllowed := true
	prevLine := 0
	bad := func(format string, a ...any) error {
		return &LineError{File: name, Line: line, Msg: fmt.Sprintf(format, a...)}
	}
	for sc.Scan() {
		line++
		text := sc.Text()
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = text[:i]
		}
		text = strings.TrimSpace(strings.TrimPrefix(text, "\ufeff"))
		if text == "" {
			continue
		}
		fields := strings.FieldsFunc(text, func(r rune) bool {
			return r == ',' || r == ';' || r == '\t' || r == ' ' || r == '\r'
		})
		if len(fields) != 2 {
			if headerAllowed && !looksNumeric(fields) {
				headerAllowed = false
				continue
			}
			return nil, bad("want 2 fields (frequency, dB), got %d in %q", len(fields), clip(text))
		}
		f, ferr := cli.ParseFreq(fields[0])
		d, derr := strconv.ParseFloat(strings.TrimSuffix(strings.ToLower(fields[1]), "db"), 64)
		if (ferr != nil || derr != nil) && headerAllowed && !looksNumeric(fields) {
			headerAllowed = false // "frequency_hz,db"
			continue
		}
		headerAllowed = false
		switch {
		case ferr != nil:
			return nil, bad("frequency %q is not a number of Hz (2.4e9, 2400M, 2.4G)", clip(fields[0]))
		case derr != nil || math.IsNaN(d) || math.IsInf(d, 0):
			return nil, bad("dB value %q is not a number", clip(fields[1]))
		case f < 0 || f > maxCorrectionHz:
			return nil, bad("frequency %s Hz is outside 0 to 1 THz", fields[0])
		case math.Abs(d) > maxCorrectionDB:
			return nil, bad("%g dB is beyond ±%d dB (a linear value?)", d, maxCorrectionDB)
		case len(c.Freqs) > 0 && f <= c.Freqs[len(c.Freqs)-1]:
			return nil, bad("frequency %s is not above the %s of line %d (rows must be in increasing frequency)",
				cli.FormatFreq(f), cli.FormatFreq(c.Freqs[len(c.Freqs)-1]), prevLine)
		case len(c.Freqs) >= maxCorrectionRows:
			return nil, bad("more than %d rows", maxCorrectionRows)
		}
		c.Freqs = append(c.Freqs, f)
		c.DB = append(c.DB, d)
		prevLine = line
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, &LineError{File: name, Line: line + 1, Msg: fmt.Sprintf("line longer than %d bytes", maxLineBytes)}
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(c.Freqs) == 0 {
		return nil, fmt.Errorf("%s: no (frequency, dB) rows", name)
	}
	return c, nil
}

// looksNumeric reports whether a row starts like data (a digit, sign or
// point), so that only a real header line is skipped, never a mistyped row.
func looksNumeric(fields []string) bool {
	if len(fields) == 0 || fields[0] == "" {
		return false
	}
	switch c := fields[0][0]; {
	case c >= '0' && c <= '9', c == '-', c == '+', c == '.':
		return true
	}
	return false
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// At returns the correction at f: linear between points, flat beyond the
// ends.
func (c *Correction) At(f float64) float64 {
	n := len(c.Freqs)
	switch {
	case n == 0:
		return 0
	case f <= c.Freqs[0]:
		return c.DB[0]
	case f >= c.Freqs[n-1]:
		return c.DB[n-1]
	}
	i := sort.SearchFloat64s(c.Freqs, f) // Freqs[i-1] < f <= Freqs[i]
	f0, f1 := c.Freqs[i-1], c.Freqs[i]
	t := (f - f0) / (f1 - f0)
	return c.DB[i-1] + t*(c.DB[i]-c.DB[i-1])
}

// Apply adds the correction to every bin of s, at the bin's frequency.
func (c *Correction) Apply(s *vrt.Spectrum) {
	n := len(c.Freqs)
	if n == 0 {
		return
	}
	i := 0 // first table point above the bin; bins rise, so it only moves up
	for k := range s.Bins {
		f := s.FreqOf(k)
		for i < n && c.Freqs[i] < f {
			i++
		}
		var d float64
		switch {
		case i == 0:
			d = c.DB[0]
		case i == n:
			d = c.DB[n-1]
		default:
			f0, f1 := c.Freqs[i-1], c.Freqs[i]
			d = c.DB[i-1] + (f-f0)/(f1-f0)*(c.DB[i]-c.DB[i-1])
		}
		s.Bins[k] += float32(d)
	}
}
