package longpoll

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseStreamQuery(t *testing.T) {
	tests := []struct {
		query string
		want  StreamQuery
		bad   string // substring of the error, "" for success
	}{
		{"", StreamQuery{From: Oldest, Wait: DefaultWait, MaxBytes: DefaultMaxBytes}, ""},
		{"from=latest&wait=0", StreamQuery{From: Latest, MaxBytes: DefaultMaxBytes}, ""},
		{"from=123&wait=1.5&max=64k&limit=10&client=a.b-c_d:1&instance=00ff",
			StreamQuery{From: Seq(123), Wait: 1500 * time.Millisecond, MaxBytes: 64 << 10, Limit: 10, Client: "a.b-c_d:1", Instance: "00ff"}, ""},
		{"from=18446744073709551615&wait=500ms", StreamQuery{From: Seq(1<<64 - 1), Wait: 500 * time.Millisecond, MaxBytes: DefaultMaxBytes}, ""},
		{"wait=30s", StreamQuery{From: Oldest, Wait: 30 * time.Second, MaxBytes: DefaultMaxBytes}, ""},
		{"from=18446744073709551616", StreamQuery{}, "from: sequence number"},
		{"from=-1", StreamQuery{}, "from: want oldest"},
		{"from=1e3", StreamQuery{}, "from: want oldest"},
		{"wait=31s", StreamQuery{}, "longer than the 30s limit"},
		{"wait=-1s", StreamQuery{}, "wait: want a duration of 0 or more"},
		{"wait=NaN", StreamQuery{}, "wait:"},
		{"wait=forever", StreamQuery{}, "wait: want a duration"},
		{"max=0", StreamQuery{}, "max: must be between"},
		{"max=17M", StreamQuery{}, "max: must be between"},
		{"max=lots", StreamQuery{}, "max: size"},
		{"limit=0", StreamQuery{}, "limit:"},
		{"limit=2000000", StreamQuery{}, "limit:"},
		{"client=", StreamQuery{}, "client:"},
		{"client=" + strings.Repeat("x", 65), StreamQuery{}, "client:"},
		{"client=a%20b", StreamQuery{}, "client:"},
		{"instance=XYZ", StreamQuery{}, "instance:"},
		{"from=1&from=2", StreamQuery{}, "from: given more than once"},
		{"form=1", StreamQuery{}, "form: unknown parameter"},
		{"from=%zz", StreamQuery{}, "malformed query"},
		{strings.Repeat("a", 3000), StreamQuery{}, "over the 2048-byte limit"},
	}
	for _, tt := range tests {
		t.Run(tt.query[:min(len(tt.query), 40)], func(t *testing.T) {
			got, err := ParseStreamQuery(tt.query, Limits{})
			if tt.bad != "" {
				var pe *ParamError
				if err == nil || !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.bad) {
					t.Fatalf("error %v, want a ParamError containing %q", err, tt.bad)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"65536", 65536, true}, {"64k", 64 << 10, true}, {"64K", 64 << 10, true}, {"64M", 64 << 20, true},
		{"64MiB", 64 << 20, true}, {"64MB", 64 << 20, true}, {"1G", 1 << 30, true}, {"1.5M", 3 << 19, true},
		{"", 0, false}, {"-1", 0, false}, {"M", 0, false}, {"12X", 0, false}, {"1e9", 0, false}, {"9999999P", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		if (err == nil) != tt.ok || tt.ok && got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestCursorRoundTrip(t *testing.T) {
	for _, c := range []Cursor{Oldest, Latest, Seq(0), Seq(42), Seq(1<<64 - 1)} {
		got, err := ParseCursor(c.String())
		if err != nil || got != c {
			t.Errorf("ParseCursor(%q) = %v, %v", c.String(), got, err)
		}
	}
	if Oldest != (Cursor{}) {
		t.Error("the zero Cursor must be Oldest")
	}
}

func TestBackoffDelay(t *testing.T) {
	b := Backoff{Initial: 100 * time.Millisecond, Max: 2 * time.Second, Multiplier: 2}
	tests := []struct {
		n      int
		lo, hi time.Duration
	}{
		{0, 50 * time.Millisecond, 100 * time.Millisecond},
		{1, 100 * time.Millisecond, 200 * time.Millisecond},
		{3, 400 * time.Millisecond, 800 * time.Millisecond},
		{10, time.Second, 2 * time.Second},
		{1000, time.Second, 2 * time.Second},
	}
	for _, tt := range tests {
		if lo, hi := b.Delay(tt.n, 0), b.Delay(tt.n, 0.999999); lo != tt.lo || hi > tt.hi || hi < tt.hi-time.Millisecond {
			t.Errorf("Delay(%d) spans %v..%v, want %v..%v", tt.n, lo, hi, tt.lo, tt.hi)
		}
	}
}

// FuzzParseStreamQuery: any query string either parses into values within
// the limits or gives a ParamError; it never panics.
func FuzzParseStreamQuery(f *testing.F) {
	for _, s := range []string{"", "from=latest&wait=25s", "from=1&max=1M&limit=3&client=x&instance=ab",
		"wait=1e400", "max=1.5G", "from=%ff", "a=1;b=2", "wait=0.000000001", "max=0.5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseStreamQuery(s, Limits{})
		if err != nil {
			var pe *ParamError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not a ParamError", err)
			}
			if len(err.Error()) > 300 {
				t.Fatalf("error message of %d bytes", len(err.Error()))
			}
			return
		}
		if q.Wait < 0 || q.Wait > MaxWait || q.MaxBytes < 1 || q.MaxBytes > MaxBytesLimit ||
			q.Limit < 0 || q.Limit > MaxPacketsLimit || len(q.Client) > 64 || len(q.Instance) > 32 {
			t.Fatalf("out of bounds: %+v", q)
		}
	})
}
