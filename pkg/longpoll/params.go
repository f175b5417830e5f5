package longpoll

import (
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Cursor names where a reader starts: the oldest packet the server still
// holds (the zero value), the next packet it will receive (Latest), or a
// sequence number (Seq).
type Cursor struct {
	kind uint8 // 0 oldest, 1 sequence, 2 latest
	seq  uint64
}

// Oldest and Latest are the symbolic cursors.
var (
	Oldest = Cursor{}
	Latest = Cursor{kind: 2}
)

// Seq returns the cursor of sequence number n.
func Seq(n uint64) Cursor { return Cursor{kind: 1, seq: n} }

// IsOldest reports whether c is Oldest.
func (c Cursor) IsOldest() bool { return c.kind == 0 }

// IsLatest reports whether c is Latest.
func (c Cursor) IsLatest() bool { return c.kind == 2 }

// Sequence returns the sequence number of a numeric cursor (false for Oldest and Latest).
func (c Cursor) Sequence() (uint64, bool) { return c.seq, c.kind == 1 }

func (c Cursor) String() string {
	switch c.kind {
	case 0:
		return "oldest"
	case 2:
		return "latest"
	}
	return strconv.FormatUint(c.seq, 10)
}

// ParseCursor accepts "oldest", "latest" or a decimal sequence number.
func ParseCursor(s string) (Cursor, error) {
	switch strings.ToLower(s) {
	case "oldest":
		return Oldest, nil
	case "latest":
		return Latest, nil
	}
	if s == "" || len(s) > 20 || strings.TrimLeft(s, "0123456789") != "" {
		return Cursor{}, fmt.Errorf("want oldest, latest or a sequence number, got %q", clip(s))
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return Cursor{}, fmt.Errorf("sequence number %q does not fit in 64 bits", clip(s))
	}
	return Seq(n), nil
}

// Limits bound the parameters a Handler accepts; zero fields take the defaults.
type Limits struct {
	DefaultWait     time.Duration // wait when the request names none (25 s)
	MaxWait         time.Duration // longest wait a request may ask for (30 s, below common proxy idle timeouts)
	DefaultMaxBytes int           // body size when the request names none (4 MiB)
	MaxBytes        int           // largest body a request may ask for (16 MiB)
	MaxPackets      int           // largest limit= (1 048 576)
}

// Default request limits.
const (
	DefaultWait     = 25 * time.Second
	MaxWait         = 30 * time.Second
	DefaultMaxBytes = 4 << 20
	MaxBytesLimit   = 16 << 20
	MaxPacketsLimit = 1 << 20
	maxQueryLen     = 2048
	maxClientIDLen  = 64
)

func (l Limits) withDefaults() Limits {
	if l.MaxWait <= 0 {
		l.MaxWait = MaxWait
	}
	if l.DefaultWait <= 0 {
		l.DefaultWait = min(DefaultWait, l.MaxWait)
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = MaxBytesLimit
	}
	if l.DefaultMaxBytes <= 0 {
		l.DefaultMaxBytes = min(DefaultMaxBytes, l.MaxBytes)
	}
	if l.MaxPackets <= 0 {
		l.MaxPackets = MaxPacketsLimit
	}
	return l
}

// StreamQuery is a parsed GET /stream request.
type StreamQuery struct {
	From     Cursor        // from=: oldest (default), latest or SEQ
	Wait     time.Duration // wait=: how long to hold the request when nothing is ready
	MaxBytes int           // max=: body size cap (at least one packet is always sent)
	Limit    int           // limit=: most packets in the body (0 = no limit)
	Client   string        // client=: the reader's name, for backpressure, lag and status
	Instance string        // instance=: the server instance the cursor belongs to
}

// ParamError is a request parameter the server refuses (HTTP 400).
type ParamError struct {
	Param  string
	Reason string
}

func (e *ParamError) Error() string {
	if e.Param == "" {
		return e.Reason
	}
	return e.Param + ": " + e.Reason
}

// ParseStreamQuery parses and bounds the query string of GET /stream. Every
// parameter is optional; unknown or repeated parameters, values out of range
// and malformed escapes are refused with a *ParamError naming the parameter.
func ParseStreamQuery(rawQuery string, lim Limits) (StreamQuery, error) {
	lim = lim.withDefaults()
	q := StreamQuery{From: Oldest, Wait: lim.DefaultWait, MaxBytes: lim.DefaultMaxBytes}
	if len(rawQuery) > maxQueryLen {
		return q, &ParamError{"", fmt.Sprintf("query string of %d bytes is over the %d-byte limit", len(rawQuery), maxQueryLen)}
	}
	vals, err := url.ParseQuery(rawQuery)
	if err != nil {
		return q, &ParamError{"", "malformed query string: " + clip(err.Error())}
	}
	for k, vs := range vals {
		if len(vs) != 1 {
			return q, &ParamError{clip(k), "given more than once"}
		}
		v := vs[0]
		switch k {
		case "from":
			c, err := ParseCursor(v)
			if err != nil {
				return q, &ParamError{k, err.Error()}
			}
			q.From = c
		case "wait":
			d, err := parseWait(v)
			if err != nil {
				return q, &ParamError{k, err.Error()}
			}
			if d > lim.MaxWait {
				return q, &ParamError{k, fmt.Sprintf("%v is longer than the %v limit", d, lim.MaxWait)}
			}
			q.Wait = d
		case "max":
			n, err := ParseSize(v)
			if err != nil {
				return q, &ParamError{k, err.Error()}
			}
			if n < 1 || n > int64(lim.MaxBytes) {
				return q, &ParamError{k, fmt.Sprintf("must be between 1 and %d bytes", lim.MaxBytes)}
			}
			q.MaxBytes = int(n)
		case "limit":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > lim.MaxPackets {
				return q, &ParamError{k, fmt.Sprintf("want a packet count between 1 and %d, got %q", lim.MaxPackets, clip(v))}
			}
			q.Limit = n
		case "client":
			if !validID(v, maxClientIDLen, true) {
				return q, &ParamError{k, fmt.Sprintf("want 1 to %d characters from A-Z a-z 0-9 . _ - :, got %q", maxClientIDLen, clip(v))}
			}
			q.Client = v
		case "instance":
			if !validID(v, 32, false) {
				return q, &ParamError{k, fmt.Sprintf("want the server's instance ID (1 to 32 lower-case hex digits), got %q", clip(v))}
			}
			q.Instance = v
		default:
			return q, &ParamError{clip(k), "unknown parameter (known: from, wait, max, limit, client, instance)"}
		}
	}
	return q, nil
}

// parseWait accepts a Go duration ("25s", "500ms") or a plain number of seconds.
func parseWait(s string) (time.Duration, error) {
	if s == "" || len(s) > 32 {
		return 0, fmt.Errorf("want a duration such as 25s, 500ms or 10, got %q", clip(s))
	}
	var d time.Duration
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if math.IsNaN(f) || f < 0 || f > 1e6 {
			return 0, fmt.Errorf("want a duration of 0 or more, got %q", clip(s))
		}
		d = time.Duration(f * float64(time.Second))
	} else {
		d, err = time.ParseDuration(s)
		if err != nil {
			return 0, fmt.Errorf("want a duration such as 25s, 500ms or 10, got %q", clip(s))
		}
	}
	if d < 0 {
		return 0, fmt.Errorf("want a duration of 0 or more, got %q", clip(s))
	}
	return d, nil
}

// ParseSize parses a byte count as people write it: "65536", "64k", "64M",
// "1G", "64MiB", "64MB" (k, M and G are powers of 1024 in every spelling).
func ParseSize(s string) (int64, error) {
	orig := s
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 32 {
		return 0, fmt.Errorf("size %q: want a byte count such as 65536, 512k or 64M", clip(orig))
	}
	low := strings.ToLower(s)
	low = strings.TrimSuffix(low, "b")
	low = strings.TrimSuffix(low, "i")
	mult := int64(1)
	if n := len(low); n > 0 {
		switch low[n-1] {
		case 'k':
			mult, low = 1<<10, low[:n-1]
		case 'm':
			mult, low = 1<<20, low[:n-1]
		case 'g':
			mult, low = 1<<30, low[:n-1]
		case 't':
			mult, low = 1<<40, low[:n-1]
		}
	}
	if low == "" || strings.TrimLeft(low, "0123456789.") != "" {
		return 0, fmt.Errorf("size %q: want a byte count such as 65536, 512k or 64M", clip(orig))
	}
	f, err := strconv.ParseFloat(low, 64)
	if err != nil || f < 0 || f*float64(mult) > float64(1<<50) {
		return 0, fmt.Errorf("size %q: want a byte count between 0 and 1P", clip(orig))
	}
	return int64(f * float64(mult)), nil
}

func validID(s string, maxLen int, client bool) bool {
	if s == "" || len(s) > maxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f':
		case client && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '_' || c == '-' || c == ':'):
		default:
			return false
		}
	}
	return true
}

// clip keeps echoed user input short in error messages.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
