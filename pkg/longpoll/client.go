package longpoll

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wsatools/wsa/pkg/vrt"
)

// Backoff is capped exponential backoff with jitter: the n-th consecutive
// failure waits a random time between half and all of
// min(Max, Initial·Multiplier^n).
type Backoff struct {
	Initial    time.Duration // default 100 ms
	Max        time.Duration // default 5 s
	Multiplier float64       // default 2
}

func (b Backoff) withDefaults() Backoff {
	if b.Initial <= 0 {
		b.Initial = 100 * time.Millisecond
	}
	if b.Max <= 0 {
		b.Max = 5 * time.Second
	}
	b.Max = max(b.Max, b.Initial)
	if b.Multiplier < 1 {
		b.Multiplier = 2
	}
	return b
}

// Delay returns the wait after the n-th consecutive failure (n from 0);
// u is a uniform random number in [0, 1).
func (b Backoff) Delay(n int, u float64) time.Duration {
	b = b.withDefaults()
	d := float64(b.Initial)
	for i := 0; i < n && d < float64(b.Max); i++ {
		d *= b.Multiplier
	}
	d = min(d, float64(b.Max))
	return time.Duration(d/2 + u*d/2)
}

// ClientOptions configure a Source.
type ClientOptions struct {
	// HTTPClient is shared by all sources (keep-alive); default NewHTTPClient(nil).
	HTTPClient *http.Client
	// Token is sent as "Authorization: Bearer TOKEN".
	Token string
	// From is where a fresh source starts (default Oldest).
	From Cursor
	// Wait is the long-poll window asked of the server (default 25 s).
	Wait time.Duration
	// MaxBytes asks for at most this many bytes per answer (default 4 MiB).
	MaxBytes int
	// ClientID names this reader to the server (default: random); the
	// server holds packets for it under the block policy.
	ClientID string
	Backoff  Backoff
	// GiveUp ends retrying after this long without an answer (0: never).
	GiveUp time.Duration
	// Logf receives connection events (lost, reconnected, server restarted).
	Logf func(format string, args ...any)
}

// NewHTTPClient returns a client for long-polling: keep-alive, no
// transparent compression, dial and TLS handshake timeouts; per-request
// deadlines come from each request's context. tlsConf may be nil.
func NewHTTPClient(tlsConf *tls.Config) *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:     tlsConf,
		TLSHandshakeTimeout: 10 * time.Second,
		MaxIdleConns:        64,
		MaxIdleConnsPerHost: 8,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}}
}

// NewClientID returns a random client name ("pull-" and 12 hex digits).
func NewClientID() string {
	var b [6]byte
	rand.Read(b[:])
	return "pull-" + hex.EncodeToString(b[:])
}

// Gap is a run of packets a source will never deliver.
type Gap struct {
	Source   string // the URL as given
	Reason   string // "expired": the server dropped them before we read them; "restart": the server restarted
	Instance string // server instance the sequence numbers belong to
	From, To uint64 // sequence numbers [From, To) lost
	Lost     uint64 // To - From
	// AtLeast marks a lower bound: the old server may have read more input
	// after our last contact than it told us about.
	AtLeast bool
}

func (g Gap) String() string {
	n := fmt.Sprintf("%d", g.Lost)
	if g.AtLeast {
		n = "at least " + n
	}
	if g.Reason == "restart" {
		return fmt.Sprintf("%s: server restarted; lost %s packets of the old instance %s (seq %d-%d)", g.Source, n, g.Instance, g.From, g.To)
	}
	return fmt.Sprintf("%s: lost %s packets (seq %d-%d of instance %s): the server dropped them before they were read", g.Source, n, g.From, max(g.From, g.To-1), g.Instance)
}

// StatusError is an HTTP answer other than 200 or 410.
type StatusError struct {
	URL    string
	Code   int
	Reason string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s: HTTP %d: %s", e.URL, e.Code, e.Reason)
}

// Temporary reports whether retrying may help (5xx, 408, 429).
func (e *StatusError) Temporary() bool {
	return e.Code >= 500 || e.Code == http.StatusRequestTimeout || e.Code == http.StatusTooManyRequests
}

// SourceStats counts what a Source delivered and lost.
type SourceStats struct {
	URL         string
	Packets     uint64
	Bytes       uint64
	Gaps        int
	Lost        uint64
	LostAtLeast bool // Lost is a lower bound
	Restarts    int
	Reconnects  int
	// JoinedAt is the first sequence this source delivered when it started
	// from the oldest packet held and the server had already let earlier
	// ones go (drop policy, long-running server): not counted as lost.
	JoinedAt   uint64
	EOF        bool
	InputError string
}

// Source long-polls one wsa-serve URL, keeping its cursor across errors,
// network cuts and server restarts.
type Source struct {
	name       string
	base       url.URL
	opt        ClientOptions
	instance   string
	cursor     uint64
	positioned bool // cursor is a sequence number of instance
	lastEnd    uint64
	final      bool // the server said it was ending (EOF or shutdown) at last contact
	failures   int
	failSince  time.Time
	lastErr    string
	limited    bool
	remaining  int64 // packets still wanted when limited
	stats      SourceStats
}

// SetLimit makes the source ask for at most n more packets in all, so the
// server is never told a packet was read that the caller will not take
// (under the block policy the server keeps it for the next reader).
func (s *Source) SetLimit(n int64) { s.limited, s.remaining = true, n }

// Result is one answer: whole packets back to back, plus any gaps found
// before them.
type Result struct {
	Data        []byte
	Count       int
	First, Next uint64
	Instance    string
	EOF         bool   // the source's input ended and everything was delivered
	InputError  string // why the source's input ended, if it failed
	Gaps        []Gap
	closing     bool
}

// ParseURL accepts http(s)://host:port[/stream] or host:port (http). A
// path of "" or "/" means /stream.
func ParseURL(raw string) (url.URL, error) {
	s := raw
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return url.URL{}, fmt.Errorf("URL %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return url.URL{}, fmt.Errorf("URL %q: want http:// or https://", raw)
	}
	if u.Host == "" {
		return url.URL{}, fmt.Errorf("URL %q: no host", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return url.URL{}, fmt.Errorf("URL %q: give the server's address without parameters (use --from, --wait)", raw)
	}
	if u.User != nil {
		return url.URL{}, fmt.Errorf("URL %q: credentials in URLs are not supported (use --token)", raw)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/stream"
	}
	return *u, nil
}

// NewSource returns a source for rawURL (see ParseURL).
func NewSource(rawURL string, opt ClientOptions) (*Source, error) {
	u, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	if opt.HTTPClient == nil {
		opt.HTTPClient = NewHTTPClient(nil)
	}
	if opt.Wait <= 0 {
		opt.Wait = DefaultWait
	}
	if opt.MaxBytes <= 0 {
		opt.MaxBytes = DefaultMaxBytes
	}
	if opt.ClientID == "" {
		opt.ClientID = NewClientID()
	}
	opt.Backoff = opt.Backoff.withDefaults()
	return &Source{name: rawURL, base: u, opt: opt, stats: SourceStats{URL: rawURL}}, nil
}

// Name returns the URL as given.
func (s *Source) Name() string { return s.name }

// Stats returns what the source has delivered and lost so far.
func (s *Source) Stats() SourceStats { return s.stats }

// Cursor returns the server instance and the next sequence number to read
// (ok false before the first answer).
func (s *Source) Cursor() (instance string, next uint64, ok bool) {
	return s.instance, s.cursor, s.positioned
}

func (s *Source) logf(format string, args ...any) {
	if s.opt.Logf != nil {
		s.opt.Logf(format, args...)
	}
}

// Next returns the next packets, read into buf (grown if needed), as soon
// as the server has any; it also returns when the input ended (EOF) or
// packets were lost (Gaps). Network errors, server errors and restarts are
// retried with backoff, resuming from the cursor, so no packet is delivered
// twice and none still held by the server is skipped. It fails on ctx's end,
// on answers retrying cannot fix (wrong token, bad request: *StatusError) and
// after ClientOptions.GiveUp without an answer.
func (s *Source) Next(ctx context.Context, buf []byte) (Result, error) {
	for {
		if err := ctx.Err(); err != nil {
			return Result{}, err
		}
		res, err := s.once(ctx, buf)
		if err == nil && !res.closing {
			s.recovered()
			if res.Count > 0 || res.EOF || len(res.Gaps) > 0 {
				return res, nil
			}
			continue
		}
		if err == nil {
			err = fmt.Errorf("%s: server is shutting down", s.name)
		}
		var se *StatusError
		if ctx.Err() != nil {
			return Result{}, ctx.Err()
		}
		if errors.As(err, &se) && !se.Temporary() || errors.Is(err, errFatal) {
			return Result{}, err
		}
		if err := s.backoff(ctx, err); err != nil {
			return Result{}, err
		}
	}
}

var errFatal = errors.New("not retrying")

func (s *Source) recovered() {
	if s.failures > 0 {
		s.logf("%s: reconnected after %d failed attempts (%.1fs)", s.name, s.failures, time.Since(s.failSince).Seconds())
		s.stats.Reconnects++
	}
	s.failures, s.lastErr = 0, ""
}

func (s *Source) backoff(ctx context.Context, err error) error {
	if s.failures == 0 {
		s.failSince = time.Now()
	}
	if msg := err.Error(); msg != s.lastErr {
		s.logf("%v; retrying", err)
		s.lastErr = msg
	}
	if s.opt.GiveUp > 0 && time.Since(s.failSince) > s.opt.GiveUp {
		return fmt.Errorf("%s: giving up after %v without an answer: %w", s.name, s.opt.GiveUp, err)
	}
	d := s.opt.Backoff.Delay(s.failures, mrand.Float64())
	s.failures++
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Source) request(ctx context.Context, method string, q url.Values) (*http.Response, error) {
	u := s.base
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %w", s.name, errFatal, err)
	}
	if s.opt.Token != "" {
		req.Header.Set("Authorization", "Bearer "+s.opt.Token)
	}
	req.Header.Set("Accept", ContentType)
	resp, err := s.opt.HTTPClient.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("%s: %w", s.name, err)
	}
	return resp, nil
}

// drain reads what is left of a body (a little) so the connection is reused.
func drain(resp *http.Response) {
	io.CopyN(io.Discard, resp.Body, 64<<10)
	resp.Body.Close()
}

func (s *Source) once(ctx context.Context, buf []byte) (Result, error) {
	q := url.Values{}
	if s.positioned {
		q.Set("from", strconv.FormatUint(s.cursor, 10))
		q.Set("instance", s.instance)
	} else {
		q.Set("from", s.opt.From.String())
	}
	q.Set("wait", s.opt.Wait.String())
	q.Set("max", strconv.Itoa(s.opt.MaxBytes))
	q.Set("client", s.opt.ClientID)
	if s.limited {
		if s.remaining <= 0 {
			return Result{}, fmt.Errorf("%s: %w: packet limit reached", s.name, errFatal)
		}
		q.Set("limit", strconv.FormatInt(min(s.remaining, MaxPacketsLimit), 10))
	}
	rctx, cancel := context.WithTimeout(ctx, s.opt.Wait+30*time.Second)
	defer cancel()
	resp, err := s.request(rctx, http.MethodGet, q)
	if err != nil {
		return Result{}, err
	}
	defer drain(resp)
	inst := resp.Header.Get(HeaderInstance)
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusGone:
		return s.gone(resp)
	default:
		return Result{}, s.statusErr(resp)
	}
	if inst == "" {
		return Result{}, fmt.Errorf("%s: %w: the answer has no %s header: is this a wsa-serve address?", s.name, errFatal, HeaderInstance)
	}
	if s.positioned && inst != s.instance {
		// A server that ignored instance=: its numbers are another buffer's.
		return s.restarted(inst, 0), nil
	}
	h := resp.Header
	first, e1 := strconv.ParseUint(h.Get(HeaderFirstSeq), 10, 64)
	next, e2 := strconv.ParseUint(h.Get(HeaderNextSeq), 10, 64)
	count, e3 := strconv.Atoi(h.Get(HeaderCount))
	end, e4 := strconv.ParseUint(h.Get(HeaderEndSeq), 10, 64)
	if err := errors.Join(e1, e2, e3, e4); err != nil || count < 0 || next-first != uint64(count) {
		return Result{}, fmt.Errorf("%s: malformed answer headers (first %q next %q count %q)", s.name,
			h.Get(HeaderFirstSeq), h.Get(HeaderNextSeq), h.Get(HeaderCount))
	}
	if s.positioned && first != s.cursor {
		return Result{}, fmt.Errorf("%s: server answered from sequence %d, asked for %d", s.name, first, s.cursor)
	}
	limit := int64(s.opt.MaxBytes) + 1<<18
	if resp.ContentLength > limit {
		return Result{}, fmt.Errorf("%s: answer of %d bytes is over the %d asked for", s.name, resp.ContentLength, s.opt.MaxBytes)
	}
	data, err := readBody(resp, buf, limit)
	if err != nil {
		return Result{}, fmt.Errorf("%s: reading packets %d-%d: %w", s.name, first, next, err)
	}
	if n, err := countPackets(data); err != nil || n != count {
		return Result{}, fmt.Errorf("%s: answer does not hold %d whole packets (%d bytes, %d packets): %v", s.name, count, len(data), n, err)
	}
	if !s.positioned && s.opt.From.IsOldest() && first > 0 {
		// Not a gap of ours (we asked for the oldest held), but the stream
		// did not start here: say how much of it this reader never saw.
		s.stats.JoinedAt = first
		s.logf("%s: joined at seq %d of instance %s: the server no longer held the %d packets before it", s.name, first, inst, first)
	}
	// All or nothing: only a complete, checked answer moves the cursor.
	s.instance, s.cursor, s.positioned = inst, next, true
	s.lastEnd = end
	eof := h.Get(HeaderEOF) == "true"
	closing := h.Get(HeaderClosing) == "true"
	s.final = eof || closing
	s.stats.Packets += uint64(count)
	s.stats.Bytes += uint64(len(data))
	s.remaining -= int64(count)
	res := Result{Data: data, Count: count, First: first, Next: next, Instance: inst, EOF: eof, closing: closing && !eof && count == 0}
	if eof {
		res.InputError = h.Get(HeaderInputError)
		s.stats.EOF, s.stats.InputError = true, res.InputError
	}
	return res, nil
}

func readBody(resp *http.Response, buf []byte, limit int64) ([]byte, error) {
	if n := resp.ContentLength; n >= 0 {
		if int64(cap(buf)) < n {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		_, err := io.ReadFull(resp.Body, buf)
		return buf, err
	}
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		k, err := resp.Body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+k]
		if int64(len(buf)) > limit {
			return nil, fmt.Errorf("answer is over %d bytes", limit)
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// countPackets checks that b is whole VRT packets back to back.
func countPackets(b []byte) (int, error) {
	n := 0
	for off := 0; off < len(b); n++ {
		if len(b)-off < 4 {
			return n, fmt.Errorf("%d stray bytes at the end", len(b)-off)
		}
		size := vrt.SizeOf(b[off:])
		if size == 0 || off+size > len(b) {
			return n, fmt.Errorf("packet %d at byte %d overruns the body", n, off)
		}
		off += size
	}
	return n, nil
}

func (s *Source) statusErr(resp *http.Response) error {
	reason := resp.Header.Get(HeaderErrorReason)
	if reason == "" {
		reason = http.StatusText(resp.StatusCode)
	}
	return &StatusError{URL: s.name, Code: resp.StatusCode, Reason: reason}
}

// gone handles a 410: the cursor expired (count the loss and move to the
// oldest packet held) or the server is another instance (a restart).
func (s *Source) gone(resp *http.Response) (Result, error) {
	var body struct {
		Reason   string `json:"reason"`
		Instance string `json:"instance"`
		Oldest   uint64 `json:"oldest"`
		End      uint64 `json:"end"`
		From     uint64 `json:"from"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&body); err != nil || body.Instance == "" {
		return Result{}, fmt.Errorf("%s: malformed 410 answer: %v", s.name, err)
	}
	switch {
	case body.Reason == "instance" || s.positioned && body.Instance != s.instance:
		return s.restarted(body.Instance, body.End), nil
	case body.Reason == "expired":
		from := body.From
		if s.positioned {
			from = s.cursor
		}
		if body.Oldest < from {
			return Result{}, fmt.Errorf("%s: malformed 410 answer: oldest %d is not past cursor %d", s.name, body.Oldest, from)
		}
		g := Gap{Source: s.name, Reason: "expired", Instance: body.Instance, From: from, To: body.Oldest, Lost: body.Oldest - from}
		s.instance, s.cursor, s.positioned, s.lastEnd, s.final = body.Instance, body.Oldest, true, body.End, false
		s.addGap(g)
		return Result{Instance: body.Instance, First: s.cursor, Next: s.cursor, Gaps: []Gap{g}}, nil
	case body.Reason == "ahead" && !s.positioned:
		return Result{}, fmt.Errorf("%s: %w: start sequence %s is beyond the server's newest packet (%d)", s.name, errFatal, s.opt.From, body.End)
	}
	return Result{}, fmt.Errorf("%s: %w: server refused cursor %d of its own instance (%s)", s.name, errFatal, s.cursor, body.Reason)
}

// restarted moves to a new server instance: what the old one held beyond
// our cursor is lost (exactly, if it told us it was ending; otherwise at
// least what it last said it held), and reading goes on from the new
// instance's first sequence (0; a 410 then says what it no longer holds).
func (s *Source) restarted(inst string, newEnd uint64) Result {
	var res Result
	if s.positioned {
		s.stats.Restarts++
		lost := uint64(0)
		if s.lastEnd > s.cursor {
			lost = s.lastEnd - s.cursor
		}
		if lost > 0 || !s.final {
			g := Gap{Source: s.name, Reason: "restart", Instance: s.instance, From: s.cursor, To: s.cursor + lost, Lost: lost, AtLeast: !s.final}
			s.addGap(g)
			res.Gaps = []Gap{g}
		} else {
			s.logf("%s: server restarted (instance %s, now %s); nothing of the old instance was lost", s.name, s.instance, inst)
		}
	}
	s.instance, s.cursor, s.positioned, s.lastEnd, s.final = inst, 0, true, newEnd, false
	res.Instance = inst
	return res
}

func (s *Source) addGap(g Gap) {
	s.stats.Gaps++
	s.stats.Lost += g.Lost
	s.stats.LostAtLeast = s.stats.LostAtLeast || g.AtLeast
}

// Leave tells the server this client reads no more, so it stops holding
// packets for it. Best effort: errors are returned but harmless.
func (s *Source) Leave(ctx context.Context) error {
	q := url.Values{}
	q.Set("client", s.opt.ClientID)
	resp, err := s.request(ctx, http.MethodDelete, q)
	if err != nil {
		return err
	}
	defer drain(resp)
	if resp.StatusCode/100 != 2 {
		return s.statusErr(resp)
	}
	return nil
}
