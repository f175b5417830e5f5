package longpoll

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzHandler drives the real HTTP handler with arbitrary methods, paths,
// query strings, Authorization headers and declared body lengths against a
// hub holding 12 packets whose input has ended (so no request waits). Every
// answer must be a defined one: never a panic, never a 5xx; a 200 from
// /stream is whole packets, exactly those its sequence headers name; every
// error answer has the JSON body {"status":N,"error":"..."} and a
// one-line X-WSA-Error header.
func FuzzHandler(f *testing.F) {
	for _, s := range []struct{ method, path, query, auth string }{
		{"GET", "/stream", "", ""},
		{"GET", "/stream", "from=3&limit=2&client=a", "Bearer t"},
		{"GET", "/stream", "from=latest&wait=1s", ""},
		{"GET", "/stream", "from=99", ""},
		{"GET", "/stream", "from=0&instance=abc", ""},
		{"GET", "/stream", "max=1&from=oldest&client=x.y:z", ""},
		{"DELETE", "/stream", "client=a", ""},
		{"DELETE", "/stream", "", ""},
		{"POST", "/stream", "", ""},
		{"GET", "/status", "", ""},
		{"GET", "/metrics", "x=1", ""},
		{"GET", "/", "", "bearer t"},
		{"HEAD", "/nope", "%zz", "Basic x"},
		{"GET", "/stream", "wait=1e400&from=%ff", ""},
	} {
		f.Add(s.method, s.path, s.query, s.auth, false, int64(0), "")
		f.Add(s.method, s.path, s.query, s.auth, true, int64(0), "input: packet 3 at byte offset 99: truncated\nsecond line")
	}
	f.Add("GET", "/stream", "", "", false, int64(5), "")
	pkts := stream(12, 7)
	f.Fuzz(func(t *testing.T, method, path, query, auth string, token bool, bodyLen int64, inErr string) {
		hub := NewHub(HubOptions{BufferBytes: MinBufferBytes, Instance: "abc"})
		for _, p := range pkts {
			if err := hub.Append(context.Background(), p); err != nil {
				t.Fatal(err)
			}
		}
		var ie error
		if inErr != "" {
			ie = &ParamError{"input", inErr} // any error: its text goes into a header
		}
		hub.CloseInput(ie)
		opt := ServerOptions{}
		if token {
			opt.Token = "t"
		}
		h := NewHandler(hub, opt)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second) // a safety bound: nothing should wait
		defer cancel()
		req := (&http.Request{
			Method:        method,
			URL:           &url.URL{Path: path, RawQuery: query},
			Header:        http.Header{},
			ContentLength: bodyLen,
			RemoteAddr:    "192.0.2.1:1234",
			Proto:         "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		}).WithContext(ctx)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if ctx.Err() != nil {
			t.Fatalf("%s %s?%s waited for the safety bound", method, path, query)
		}
		code := rec.Code
		if code >= 500 {
			t.Fatalf("%s %s?%s: %d %s", method, path, query, code, rec.Body.String())
		}
		hd := rec.Header()
		if code >= 400 && code != http.StatusGone {
			var body struct {
				Status int    `json:"status"`
				Error  string `json:"error"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Status != code || body.Error == "" {
				t.Fatalf("%d answer body %q (%v)", code, rec.Body.String(), err)
			}
			if e := hd.Get(HeaderErrorReason); e == "" || strings.ContainsAny(e, "\r\n") {
				t.Fatalf("%d: %s header %q", code, HeaderErrorReason, e)
			}
			return
		}
		if code == http.StatusGone {
			if _, err := strconv.ParseUint(hd.Get(HeaderOldestSeq), 10, 64); err != nil {
				t.Fatalf("410 without an oldest sequence: %v", hd)
			}
			return
		}
		if code != http.StatusOK || path != "/stream" {
			return
		}
		if method == http.MethodDelete {
			t.Fatalf("DELETE answered 200 (want 204 or 400)")
		}
		first, e1 := strconv.ParseUint(hd.Get(HeaderFirstSeq), 10, 64)
		next, e2 := strconv.ParseUint(hd.Get(HeaderNextSeq), 10, 64)
		count, e3 := strconv.Atoi(hd.Get(HeaderCount))
		if e1 != nil || e2 != nil || e3 != nil || next < first || next-first != uint64(count) || next > uint64(len(pkts)) {
			t.Fatalf("sequence headers first %q next %q count %q", hd.Get(HeaderFirstSeq), hd.Get(HeaderNextSeq), hd.Get(HeaderCount))
		}
		if want := join(pkts[first:next]); !bytes.Equal(rec.Body.Bytes(), want) {
			t.Fatalf("body of %d bytes is not packets %d..%d (%d bytes)", rec.Body.Len(), first, next, len(want))
		}
		if e := hd.Get(HeaderInputError); strings.ContainsAny(e, "\r\n") {
			t.Fatalf("%s header %q spans lines", HeaderInputError, e)
		}
		if next == uint64(len(pkts)) && hd.Get(HeaderEOF) != "true" {
			t.Fatalf("answer reaching the end of an ended input without %s", HeaderEOF)
		}
	})
}
