package sim

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// SCPI error numbers the simulator queues (IEEE 488.2 / SCPI-99 standard
// codes; ThinkRF firmware uses the same set for these conditions).
const (
	ErrCommand         = -100
	ErrSyntax          = -102
	ErrDataType        = -104
	ErrParamNotAllowed = -108
	ErrMissingParam    = -109
	ErrHeaderTooLong   = -112
	ErrUndefinedHeader = -113
	ErrExecution       = -200
	ErrSettingsConfl   = -221
	ErrDataOutOfRange  = -222
	ErrIllegalParam    = -224
	ErrQueueOverflow   = -350
)

var errText = map[int]string{
	ErrCommand:         "Command error",
	ErrSyntax:          "Syntax error",
	ErrDataType:        "Data type error",
	ErrParamNotAllowed: "Parameter not allowed",
	ErrMissingParam:    "Missing parameter",
	ErrHeaderTooLong:   "Program mnemonic too long",
	ErrUndefinedHeader: "Undefined header",
	ErrExecution:       "Execution error",
	ErrSettingsConfl:   "Settings conflict",
	ErrDataOutOfRange:  "Data out of range",
	ErrIllegalParam:    "Illegal parameter value",
	ErrQueueOverflow:   "Queue overflow",
}

// scpiError is one entry of the :SYSTEM:ERROR? queue.
type scpiError struct {
	Code int
	Info string // optional detail after a semicolon, as SCPI allows
}

func (e *scpiError) Error() string { return e.String() }

// String renders the queue entry as the device answers it: <n>,"<text>".
func (e *scpiError) String() string {
	text := errText[e.Code]
	if text == "" {
		text = "Device-specific error"
	}
	if e.Info != "" {
		text += "; " + e.Info
	}
	return fmt.Sprintf("%d,%q", e.Code, strings.ReplaceAll(text, `"`, "'"))
}

func serr(code int, format string, args ...any) *scpiError {
	return &scpiError{Code: code, Info: fmt.Sprintf(format, args...)}
}

// mnemonic is one node of a command header in SCPI notation: the upper-case
// letters are the short form, the whole word the long form, and a node in
// brackets may be left out ("[SENSe]").
type mnemonic struct {
	short, long string
	optional    bool
}

func compileHeader(pattern string) []mnemonic {
	var out []mnemonic
	for _, w := range strings.Split(strings.TrimPrefix(pattern, ":"), ":") {
		m := mnemonic{}
		if strings.HasPrefix(w, "[") && strings.HasSuffix(w, "]") {
			m.optional = true
			w = w[1 : len(w)-1]
		}
		for _, r := range w {
			if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '*' {
				m.short += string(r)
			} else {
				break
			}
		}
		m.long = strings.ToUpper(w)
		out = append(out, m)
	}
	return out
}

// matchHeader reports whether the upper-cased words match the compiled
// pattern: each word must be a node's short or long form (SCPI accepts
// nothing in between), optional nodes may be skipped.
func matchHeader(pat []mnemonic, words []string) bool {
	if len(pat) == 0 {
		return len(words) == 0
	}
	if len(words) > 0 && (words[0] == pat[0].short || words[0] == pat[0].long) {
		if matchHeader(pat[1:], words[1:]) {
			return true
		}
	}
	return pat[0].optional && matchHeader(pat[1:], words)
}

// command is one parsed program message unit: a header split into words
// (upper case, no leading colon, no '?'), the query flag and the
// comma-separated arguments with blanks trimmed.
type command struct {
	Words []string
	Query bool
	Args  []string
	Text  string // the unit as received, for logs
}

// maxHeader bounds one mnemonic (SCPI allows 12 characters; longer input is
// an error, not something to search the table for).
const maxHeader = 12

// parseLine splits one received line into program message units. Blank
// lines and blank units are ignored (pyrf sends "\n\n"); a unit with a
// malformed header yields an error for the queue and the rest still run,
// as instruments do.
func parseLine(line string) ([]command, []*scpiError) {
	var cmds []command
	var errs []*scpiError
	for _, unit := range strings.Split(line, ";") {
		unit = strings.TrimSpace(unit)
		if unit == "" {
			continue
		}
		c, err := parseUnit(unit)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		cmds = append(cmds, c)
	}
	return cmds, errs
}

func parseUnit(unit string) (command, *scpiError) {
	c := command{Text: unit}
	header, rest, _ := strings.Cut(unit, " ")
	if i := strings.IndexAny(header, "\t"); i >= 0 {
		header, rest = header[:i], header[i+1:]+" "+rest
	}
	header = strings.TrimPrefix(header, ":")
	if strings.HasSuffix(header, "?") {
		c.Query = true
		header = header[:len(header)-1]
	}
	if header == "" {
		return c, serr(ErrSyntax, "empty header")
	}
	for _, w := range strings.Split(header, ":") {
		if w == "" {
			return c, serr(ErrSyntax, "empty mnemonic in %q", clip(unit))
		}
		if len(w) > maxHeader {
			return c, serr(ErrHeaderTooLong, "%q", clip(w))
		}
		for i := 0; i < len(w); i++ {
			b := w[i]
			ok := b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '*' && i == 0 && len(c.Words) == 0
			if !ok {
				return c, serr(ErrSyntax, "invalid character in header %q", clip(unit))
			}
		}
		c.Words = append(c.Words, strings.ToUpper(w))
	}
	rest = strings.TrimSpace(rest)
	if rest != "" {
		for _, a := range strings.Split(rest, ",") {
			c.Args = append(c.Args, strings.TrimSpace(a))
		}
	}
	return c, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// Argument parsing. Values arrive as SCPI numeric program data: decimal,
// optional exponent, optional unit suffix for frequencies (HZ, KHZ, MHZ,
// GHZ; SCPI's MAHZ is mega too). pyrf always sends integers, other clients
// may not.

var freqSuffix = []struct {
	s string
	m float64
}{{"GHZ", 1e9}, {"MHZ", 1e6}, {"MAHZ", 1e6}, {"KHZ", 1e3}, {"HZ", 1}}

func parseNumber(arg string, units bool) (float64, *scpiError) {
	s := strings.ToUpper(strings.TrimSpace(arg))
	if s == "" {
		return 0, serr(ErrMissingParam, "")
	}
	mult := 1.0
	if units {
		for _, u := range freqSuffix {
			if strings.HasSuffix(s, u.s) {
				s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.s)), u.m
				break
			}
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || strings.ContainsAny(s, "xXpP_") {
		return 0, serr(ErrDataType, "%q is not a number", clip(arg))
	}
	return v * mult, nil
}

func parseFreqArg(arg string) (float64, *scpiError) {
	v, err := parseNumber(arg, true)
	if err != nil {
		return 0, err
	}
	return math.Round(v), nil
}

func parseIntArg(arg string) (int, *scpiError) {
	v, err := parseNumber(arg, false)
	if err != nil {
		return 0, err
	}
	if v != math.Trunc(v) || math.Abs(v) > 1<<40 {
		return 0, serr(ErrDataType, "%q is not an integer", clip(arg))
	}
	return int(v), nil
}

func parseBoolArg(arg string) (bool, *scpiError) {
	switch strings.ToUpper(strings.TrimSpace(arg)) {
	case "1", "ON":
		return true, nil
	case "0", "OFF":
		return false, nil
	case "":
		return false, serr(ErrMissingParam, "")
	}
	return false, serr(ErrDataType, "%q is not 0/1/ON/OFF", clip(arg))
}

// nargs checks the argument count of a command.
func nargs(c *command, min, max int) *scpiError {
	switch {
	case len(c.Args) < min:
		return serr(ErrMissingParam, "%s wants %d argument(s)", strings.Join(c.Words, ":"), min)
	case len(c.Args) > max:
		return serr(ErrParamNotAllowed, "%s takes at most %d argument(s)", strings.Join(c.Words, ":"), max)
	}
	for _, a := range c.Args {
		if a == "" {
			return serr(ErrSyntax, "empty argument")
		}
	}
	return nil
}

func fmtHz(v float64) string { return strconv.FormatFloat(math.Round(v), 'f', 0, 64) }
