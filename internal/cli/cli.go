// Package cli holds the small pieces every wsa-* command shares: parsing of
// frequencies and levels as people type them, the rule that binary never goes
// to a terminal, and a context that ends on Ctrl-C, SIGTERM or a broken pipe.
//
// Keeping them here means every tool accepts "2.412G" the same way and exits
// with the same codes, which matters to the bash scripts that chain them.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/term"
)

// Exit codes shared by all tools.
const (
	ExitOK        = 0
	ExitFailure   = 1
	ExitUsage     = 2
	ExitInterrupt = 130 // 128 + SIGINT, what shells report for Ctrl-C
)

// ParseFreq parses a frequency in Hz as people write it: "2412000000",
// "2.412e9", "2.412G", "2412M", "2412MHz", "100k", "100 kHz". Suffixes are
// case-insensitive except that a lone "m" means mega (nobody tunes in millihertz).
// Negative values are allowed (frequency shifts and offsets).
func ParseFreq(s string) (float64, error) {
	orig := s
	s = strings.TrimSpace(s)
	s = strings.ReplaceAll(s, " ", "")
	s = strings.ReplaceAll(s, "_", "")
	low := strings.ToLower(s)
	low = strings.TrimSuffix(low, "hz")
	mult := 1.0
	if n := len(low); n > 0 {
		switch low[n-1] {
		case 'k':
			mult, low = 1e3, low[:n-1]
		case 'm':
			mult, low = 1e6, low[:n-1]
		case 'g':
			mult, low = 1e9, low[:n-1]
		case 't':
			mult, low = 1e12, low[:n-1]
		}
	}
	if low == "" {
		return 0, fmt.Errorf("frequency %q: empty number", orig)
	}
	v, err := strconv.ParseFloat(low, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("frequency %q: want a number of Hz such as 2.412G, 2412M or 2.412e9", orig)
	}
	// The suffix can carry a number near the float64 limit over it.
	if v *= mult; math.IsInf(v, 0) {
		return 0, fmt.Errorf("frequency %q: too large", orig)
	}
	return v, nil
}

// ParseFreqRange parses "START:STOP" (each as ParseFreq) and checks START < STOP.
func ParseFreqRange(s string) (start, stop float64, err error) {
	a, b, ok := strings.Cut(s, ":")
	if !ok {
		return 0, 0, fmt.Errorf("range %q: want START:STOP, e.g. 2.4G:2.5G", s)
	}
	if start, err = ParseFreq(a); err != nil {
		return 0, 0, fmt.Errorf("range %q: %w", s, err)
	}
	if stop, err = ParseFreq(b); err != nil {
		return 0, 0, fmt.Errorf("range %q: %w", s, err)
	}
	if stop <= start {
		return 0, 0, fmt.Errorf("range %q: stop must be above start", s)
	}
	return start, stop, nil
}

// ParseTone parses "FREQ:DBM" such as "2.412G:-30" into Hz and dBm.
func ParseTone(s string) (hz, dbm float64, err error) {
	a, b, ok := strings.Cut(s, ":")
	if !ok {
		return 0, 0, fmt.Errorf("tone %q: want FREQ:DBM, e.g. 2.412G:-30", s)
	}
	if hz, err = ParseFreq(a); err != nil {
		return 0, 0, fmt.Errorf("tone %q: %w", s, err)
	}
	b = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(b)), "dbm")
	if dbm, err = strconv.ParseFloat(b, 64); err != nil || math.IsNaN(dbm) || math.IsInf(dbm, 0) {
		return 0, 0, fmt.Errorf("tone %q: level must be a number of dBm", s)
	}
	return hz, dbm, nil
}

// FormatFreq renders Hz with the unit that fits: "2.412 GHz", "150 kHz".
func FormatFreq(hz float64) string {
	a := math.Abs(hz)
	switch {
	case a >= 1e9:
		return trimFloat(hz/1e9) + " GHz"
	case a >= 1e6:
		return trimFloat(hz/1e6) + " MHz"
	case a >= 1e3:
		return trimFloat(hz/1e3) + " kHz"
	default:
		return trimFloat(hz) + " Hz"
	}
}

func trimFloat(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// IsTerminal reports whether f is a terminal.
func IsTerminal(f *os.File) bool {
	return f != nil && term.IsTerminal(int(f.Fd()))
}

// ErrTerminal is returned by RefuseTerminal.
var ErrTerminal = errors.New("refusing to write binary VRT packets to a terminal: redirect stdout (| wsa-dump, > file) or use -o FILE")

// RefuseTerminal returns ErrTerminal when w is an *os.File on a terminal.
// Binary on a terminal garbles it and helps nobody.
func RefuseTerminal(w io.Writer) error {
	if f, ok := w.(*os.File); ok && IsTerminal(f) {
		return ErrTerminal
	}
	return nil
}

// SignalContext returns a context cancelled on SIGINT or SIGTERM. The
// returned function reports which signal ended it (nil if none) and must be
// called to release the handler. SIGPIPE is left to Go's default for stdout
// (the write fails with EPIPE, see IsBrokenPipe), so a tool can finish cleanly.
func SignalContext(parent context.Context) (context.Context, func() os.Signal) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	var got os.Signal
	go func() {
		select {
		case s := <-ch:
			got = s
			cancel(fmt.Errorf("received %v", s))
		case <-done:
		}
	}()
	var stopped bool
	return ctx, func() os.Signal {
		if !stopped {
			stopped = true
			signal.Stop(ch)
			close(done)
		}
		return got
	}
}

// IsBrokenPipe reports whether err is a write to a closed pipe (the reader
// went away, as with `| head`). Tools treat that as a normal end.
func IsBrokenPipe(err error) bool {
	return errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
}

// ExitCodeFor maps an error to the shared exit codes: nil and broken pipes
// are success, a cancelled context after SIGINT/SIGTERM is ExitInterrupt.
func ExitCodeFor(err error, sig os.Signal) int {
	switch {
	case sig != nil:
		return ExitInterrupt
	case err == nil, IsBrokenPipe(err):
		return ExitOK
	default:
		return ExitFailure
	}
}

// Fatal prints "prog: err" on stderr as one line and exits with code.
func Fatal(prog string, err error, code int) {
	msg := strings.ReplaceAll(err.Error(), "\n", " ")
	fmt.Fprintf(os.Stderr, "%s: %s\n", prog, msg)
	os.Exit(code)
}
