package longpoll

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// ContentType is the media type of a packet body: VITA-49 packets back to back.
const ContentType = "application/x-vita49"

// Response headers of GET /stream (docs/HTTP.md).
const (
	HeaderInstance    = "X-WSA-Instance"
	HeaderFirstSeq    = "X-WSA-First-Seq"
	HeaderNextSeq     = "X-WSA-Next-Seq"
	HeaderCount       = "X-WSA-Count"
	HeaderOldestSeq   = "X-WSA-Oldest-Seq"
	HeaderEndSeq      = "X-WSA-End-Seq"
	HeaderTypes       = "X-WSA-Packet-Types"
	HeaderStreamIDs   = "X-WSA-Stream-IDs"
	HeaderEOF         = "X-WSA-EOF"
	HeaderInputError  = "X-WSA-Input-Error"
	HeaderClosing     = "X-WSA-Closing"
	HeaderPolicy      = "X-WSA-Policy"
	HeaderDropped     = "X-WSA-Dropped"
	HeaderLost        = "X-WSA-Lost"
	HeaderErrorReason = "X-WSA-Error"
)

// ServerOptions configure a Handler.
type ServerOptions struct {
	// Token, if set, must come as "Authorization: Bearer TOKEN" on every request.
	Token string
	// MaxConcurrent bounds requests in progress (default 512); beyond it
	// the answer is 503 with Retry-After.
	MaxConcurrent int
	// Limits bound the request parameters.
	Limits Limits
	// WriteTimeout bounds sending one response body (default 30 s), so a
	// reader that stops reading cannot pin buffers.
	WriteTimeout time.Duration
	// Logf, if set, receives one line per refused or failed request.
	Logf func(format string, args ...any)
}

// DefaultMaxConcurrent is the default bound on requests in progress.
const DefaultMaxConcurrent = 512

// Handler serves a Hub over HTTP: GET /stream (packets), GET /status (JSON),
// GET /metrics (Prometheus text format), DELETE /stream?client=ID (leave).
type Handler struct {
	hub   *Hub
	opt   ServerOptions
	sem   chan struct{}
	codes [6]atomic.Uint64 // 200, 400, 401, 410, 503, other
	busy  atomic.Int64
}

// NewHandler returns the HTTP face of hub.
func NewHandler(hub *Hub, opt ServerOptions) *Handler {
	if opt.MaxConcurrent <= 0 {
		opt.MaxConcurrent = DefaultMaxConcurrent
	}
	if opt.WriteTimeout <= 0 {
		opt.WriteTimeout = 30 * time.Second
	}
	opt.Limits = opt.Limits.withDefaults()
	return &Handler{hub: hub, opt: opt, sem: make(chan struct{}, opt.MaxConcurrent)}
}

// NewServer returns an http.Server for h with the timeouts a long-poll
// server needs: a bound on reading request headers and on idle keep-alive
// connections, and no server-wide write timeout (each response sets its own
// deadline once its wait is over).
func NewServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       90 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          log.New(discard{}, "", 0),
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func (s *Handler) logf(format string, args ...any) {
	if s.opt.Logf != nil {
		s.opt.Logf(format, args...)
	}
}

func (s *Handler) count(code int) {
	i := 5
	switch code {
	case 200:
		i = 0
	case 400:
		i = 1
	case 401:
		i = 2
	case 410:
		i = 3
	case 503:
		i = 4
	}
	s.codes[i].Add(1)
}

// fail answers with a JSON error body {"status":N,"error":"..."}.
func (s *Handler) fail(w http.ResponseWriter, r *http.Request, code int, msg string) {
	s.count(code)
	if code != http.StatusUnauthorized {
		s.logf("%s %s %s: %d %s", r.RemoteAddr, r.Method, clip(r.URL.Path), code, msg)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set(HeaderErrorReason, oneLine(msg))
	w.WriteHeader(code)
	b, _ := json.Marshal(map[string]any{"status": code, "error": msg})
	w.Write(append(b, '\n'))
}

func (s *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	select {
	case s.sem <- struct{}{}:
		defer func() { <-s.sem }()
	default:
		w.Header().Set("Retry-After", "1")
		s.fail(w, r, http.StatusServiceUnavailable, fmt.Sprintf("too many concurrent requests (limit %d)", s.opt.MaxConcurrent))
		return
	}
	s.busy.Add(1)
	defer s.busy.Add(-1)
	if s.opt.Token != "" && !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="wsa-serve"`)
		s.fail(w, r, http.StatusUnauthorized, "missing or wrong bearer token")
		return
	}
	if r.ContentLength > 0 || len(r.TransferEncoding) > 0 {
		s.fail(w, r, http.StatusBadRequest, "requests carry no body")
		return
	}
	switch r.URL.Path {
	case "/stream":
		switch r.Method {
		case http.MethodGet:
			s.stream(w, r)
		case http.MethodDelete:
			s.leave(w, r)
		default:
			w.Header().Set("Allow", "GET, DELETE")
			s.fail(w, r, http.StatusMethodNotAllowed, "use GET (or DELETE to leave)")
		}
	case "/status", "/metrics", "/":
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", "GET")
			s.fail(w, r, http.StatusMethodNotAllowed, "use GET")
			return
		}
		if r.URL.RawQuery != "" {
			s.fail(w, r, http.StatusBadRequest, "this endpoint takes no parameters")
			return
		}
		switch r.URL.Path {
		case "/status":
			s.status(w)
		case "/metrics":
			s.metrics(w)
		default:
			s.count(200)
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			fmt.Fprint(w, "wsa-serve: VITA-49 packets over HTTP long-poll (docs/HTTP.md)\n"+
				"GET /stream?from=oldest|latest|SEQ&wait=25s&max=4M&limit=N&client=NAME&instance=ID\n"+
				"GET /status   GET /metrics   DELETE /stream?client=NAME\n")
		}
	default:
		s.fail(w, r, http.StatusNotFound, "no such endpoint (try /stream, /status, /metrics)")
	}
}

func (s *Handler) authorized(r *http.Request) bool {
	got := r.Header.Get("Authorization")
	const prefix = "Bearer "
	if len(got) < len(prefix) || !strings.EqualFold(got[:len(prefix)], prefix) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(got[len(prefix):]), []byte(s.opt.Token)) == 1
}

func (s *Handler) stream(w http.ResponseWriter, r *http.Request) {
	q, err := ParseStreamQuery(r.URL.RawQuery, s.opt.Limits)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	b, err := s.hub.Read(r.Context(), q, r.RemoteAddr)
	if err != nil {
		var ce *CursorError
		switch {
		case errors.As(err, &ce):
			s.gone(w, r, ce)
		case errors.Is(err, ErrTooManyClients):
			w.Header().Set("Retry-After", "5")
			s.fail(w, r, http.StatusServiceUnavailable, fmt.Sprintf("too many clients (limit %d)", s.hub.opt.MaxClients))
		case r.Context().Err() != nil:
			s.count(0) // the client went away while waiting
		default:
			s.fail(w, r, http.StatusInternalServerError, err.Error())
		}
		return
	}
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set(HeaderInstance, b.Instance)
	h.Set(HeaderFirstSeq, strconv.FormatUint(b.First, 10))
	h.Set(HeaderNextSeq, strconv.FormatUint(b.Next, 10))
	h.Set(HeaderCount, strconv.Itoa(b.Count))
	h.Set(HeaderOldestSeq, strconv.FormatUint(b.Oldest, 10))
	h.Set(HeaderEndSeq, strconv.FormatUint(b.End, 10))
	h.Set(HeaderPolicy, b.Policy.String())
	h.Set(HeaderDropped, strconv.FormatUint(b.Dropped, 10))
	if len(b.Types) > 0 {
		t := make([]string, len(b.Types))
		for i, x := range b.Types {
			t[i] = x.String()
		}
		h.Set(HeaderTypes, strings.Join(t, ","))
	}
	if len(b.StreamIDs) > 0 {
		var sb strings.Builder
		for i, id := range b.StreamIDs {
			if i > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, "0x%08x", id)
		}
		if b.MoreStreamIDs {
			sb.WriteString(",...")
		}
		h.Set(HeaderStreamIDs, sb.String())
	}
	if b.EOF {
		h.Set(HeaderEOF, "true")
		if b.InputError != "" {
			h.Set(HeaderInputError, oneLine(b.InputError))
		}
	}
	if b.Closing {
		h.Set(HeaderClosing, "true")
	}
	h.Set("Content-Length", strconv.Itoa(b.Bytes))
	rc := http.NewResponseController(w)
	rc.SetWriteDeadline(time.Now().Add(s.opt.WriteTimeout))
	w.WriteHeader(http.StatusOK)
	_, err = b.WriteTo(w)
	if err == nil {
		err = rc.Flush()
	}
	b.Release(err == nil)
	s.count(200)
}

// gone answers a cursor the buffer cannot serve: 410 with the buffer bounds
// in headers and body.
func (s *Handler) gone(w http.ResponseWriter, r *http.Request, ce *CursorError) {
	s.count(410)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set(HeaderInstance, ce.Instance)
	h.Set(HeaderOldestSeq, strconv.FormatUint(ce.Oldest, 10))
	h.Set(HeaderEndSeq, strconv.FormatUint(ce.End, 10))
	h.Set(HeaderErrorReason, ce.Reason)
	body := map[string]any{"status": 410, "error": ce.Error(), "reason": ce.Reason, "instance": ce.Instance,
		"oldest": ce.Oldest, "end": ce.End}
	if ce.Reason != "instance" {
		body["from"] = ce.From
	}
	if ce.Reason == "expired" {
		h.Set(HeaderLost, strconv.FormatUint(ce.Oldest-ce.From, 10))
		body["lost"] = ce.Oldest - ce.From
	}
	w.WriteHeader(http.StatusGone)
	b, _ := json.Marshal(body)
	w.Write(append(b, '\n'))
}

func (s *Handler) leave(w http.ResponseWriter, r *http.Request) {
	q, err := ParseStreamQuery(r.URL.RawQuery, s.opt.Limits)
	if err == nil && q.Client == "" {
		err = &ParamError{"client", "DELETE needs the client name to forget"}
	}
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	s.hub.Leave(q.Client)
	s.count(200)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Handler) status(w http.ResponseWriter) {
	s.count(200)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(s.hub.Status())
}

func (s *Handler) metrics(w http.ResponseWriter) {
	s.count(200)
	st := s.hub.Status()
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	var b strings.Builder
	metric := func(name, typ, help string, v float64) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n%s %s\n", name, help, name, typ, name, strconv.FormatFloat(v, 'g', -1, 64))
	}
	bool01 := func(v bool) float64 {
		if v {
			return 1
		}
		return 0
	}
	metric("wsa_serve_input_packets_total", "counter", "Packets read from the input.", float64(st.InputPackets))
	metric("wsa_serve_input_bytes_total", "counter", "Packet bytes read from the input.", float64(st.InputBytes))
	metric("wsa_serve_input_blocked_seconds_total", "counter", "Time the input waited for slow clients (block policy).", st.BlockedSeconds)
	metric("wsa_serve_input_blocked", "gauge", "1 while the input waits for a slow client.", bool01(st.InputBlocked))
	metric("wsa_serve_eof", "gauge", "1 once the input has ended.", bool01(st.EOF))
	metric("wsa_serve_buffer_packets", "gauge", "Packets held.", float64(st.HeldPackets))
	metric("wsa_serve_buffer_bytes", "gauge", "Packet bytes held.", float64(st.HeldBytes))
	metric("wsa_serve_buffer_capacity_bytes", "gauge", "Buffer size (packet bytes plus bookkeeping).", float64(st.BufferBytes))
	metric("wsa_serve_oldest_seq", "gauge", "Sequence number of the oldest packet held.", float64(st.OldestSeq))
	metric("wsa_serve_end_seq", "gauge", "Sequence number the next input packet gets.", float64(st.EndSeq))
	metric("wsa_serve_evicted_packets_total", "counter", "Packets removed from the buffer.", float64(st.Evicted))
	metric("wsa_serve_dropped_packets_total", "counter", "Packets removed before every known client had read them (drop policy).", float64(st.Dropped))
	metric("wsa_serve_sent_packets_total", "counter", "Packets sent to clients.", float64(st.SentPackets))
	metric("wsa_serve_sent_bytes_total", "counter", "Packet bytes sent to clients.", float64(st.SentBytes))
	metric("wsa_serve_clients", "gauge", "Named clients known.", float64(len(st.Clients)))
	metric("wsa_serve_requests_in_flight", "gauge", "HTTP requests in progress (long polls included).", float64(s.busy.Load()))
	b.WriteString("# HELP wsa_serve_responses_total HTTP responses by status code.\n# TYPE wsa_serve_responses_total counter\n")
	for i, code := range []string{"200", "400", "401", "410", "503", "other"} {
		fmt.Fprintf(&b, "wsa_serve_responses_total{code=%q} %d\n", code, s.codes[i].Load())
	}
	b.WriteString("# HELP wsa_serve_client_lag_packets Packets held that a client has not read yet.\n# TYPE wsa_serve_client_lag_packets gauge\n")
	for _, c := range st.Clients {
		fmt.Fprintf(&b, "wsa_serve_client_lag_packets{client=%q} %d\n", c.ID, c.LagPackets)
	}
	b.WriteString("# HELP wsa_serve_client_lag_bytes Packet bytes held that a client has not read yet.\n# TYPE wsa_serve_client_lag_bytes gauge\n")
	for _, c := range st.Clients {
		fmt.Fprintf(&b, "wsa_serve_client_lag_bytes{client=%q} %d\n", c.ID, c.LagBytes)
	}
	w.Write([]byte(b.String()))
}

func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r > 0x7e {
			return ' '
		}
		return r
	}, s)
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}
