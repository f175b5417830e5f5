package longpoll

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// FuzzSourceAnswer is the other side of FuzzHandler: wsa-pull's decoding
// of a server's answer (status, X-WSA-* headers, body), as a broken or
// hostile server could send it. The client must never panic; an answer it
// accepts carries whole packets, as many as the headers say, and moves the
// cursor exactly to X-WSA-Next-Seq (or, for a 410, forward to the oldest
// sequence held, with the gap counted); anything else is an error and the
// cursor stays where it was.
func FuzzSourceAnswer(f *testing.F) {
	two := join([][]byte{packet(0, 4), packet(1, 40)})
	ok := "X-WSA-Instance: abc\nX-WSA-First-Seq: 5\nX-WSA-Next-Seq: 7\nX-WSA-Count: 2\nX-WSA-End-Seq: 7"
	f.Add(200, ok, two, true, uint64(5))
	f.Add(200, ok+"\nX-WSA-EOF: true\nX-WSA-Input-Error: packet 3 at byte offset 9: truncated", two, false, uint64(0))
	f.Add(200, ok, two[:len(two)-3], true, uint64(5))
	f.Add(200, strings.Replace(ok, "Count: 2", "Count: 3", 1), two, true, uint64(5))
	f.Add(200, "X-WSA-Instance: abc\nX-WSA-First-Seq: 0\nX-WSA-Next-Seq: 0\nX-WSA-Count: 0\nX-WSA-End-Seq: 0\nX-WSA-Closing: true", []byte{}, false, uint64(0))
	f.Add(410, "X-WSA-Instance: abc", []byte(`{"status":410,"reason":"expired","instance":"abc","oldest":9,"end":12,"from":5}`), true, uint64(5))
	f.Add(410, "", []byte(`{"reason":"instance","instance":"def","end":3}`), true, uint64(5))
	f.Add(410, "", []byte(`{"reason":"ahead","instance":"abc","end":3}`), false, uint64(0))
	f.Add(400, "X-WSA-Error: wait: too long", []byte(`{"status":400,"error":"wait: too long"}`), false, uint64(0))
	f.Add(503, "Retry-After: 1", []byte{}, true, uint64(1))
	f.Fuzz(func(t *testing.T, code int, headers string, body []byte, positioned bool, cursor uint64) {
		if code < 100 || code > 999 {
			code = 200
		}
		hdr := http.Header{}
		for _, line := range strings.Split(headers, "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok {
				hdr.Add(strings.TrimSpace(k), strings.TrimSpace(v))
			}
		}
		rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: code, Header: hdr, Body: io.NopCloser(bytes.NewReader(body)),
				ContentLength: int64(len(body)), Request: r}, nil
		})
		s, err := NewSource("http://192.0.2.1:8037", ClientOptions{HTTPClient: &http.Client{Transport: rt}, Wait: time.Second, MaxBytes: 1 << 20})
		if err != nil {
			t.Fatal(err)
		}
		if positioned {
			s.instance, s.cursor, s.positioned, s.lastEnd = "abc", cursor, true, cursor
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		before := s.cursor
		res, err := s.once(ctx, nil)
		if err != nil {
			if s.cursor != before || s.positioned != positioned {
				t.Fatalf("a refused answer moved the cursor %d -> %d", before, s.cursor)
			}
			return
		}
		if n, cerr := countPackets(res.Data); cerr != nil || n != res.Count {
			t.Fatalf("accepted %d bytes as %d packets: %d whole (%v)", len(res.Data), res.Count, n, cerr)
		}
		if res.Next-res.First != uint64(res.Count) {
			t.Fatalf("first %d next %d count %d", res.First, res.Next, res.Count)
		}
		switch {
		case code == http.StatusOK && !res.closing && res.Instance == s.instance && len(res.Gaps) == 0:
			if s.cursor != res.Next {
				t.Fatalf("cursor %d after an answer up to %d", s.cursor, res.Next)
			}
			if positioned && res.First != before {
				t.Fatalf("accepted an answer from %d for cursor %d", res.First, before)
			}
			if want := hdr.Get(HeaderNextSeq); strconv.FormatUint(res.Next, 10) != want {
				t.Fatalf("next %d, header said %q", res.Next, want)
			}
		case code == http.StatusGone:
			if res.Count != 0 {
				t.Fatalf("a 410 delivered %d packets", res.Count)
			}
			for _, g := range res.Gaps {
				if g.To < g.From || g.Lost != g.To-g.From && !g.AtLeast {
					t.Fatalf("gap %+v", g)
				}
			}
		}
	})
}
