package longpoll

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/wsatools/wsa/pkg/vrt"
)

// pull runs Pull into a buffer.
func pull(t *testing.T, ctx context.Context, urls []string, opt PullOptions) ([]byte, Summary, error) {
	t.Helper()
	var out bytes.Buffer
	if opt.Backoff == (Backoff{}) {
		opt.Backoff = quickBackoff
	}
	s, err := Pull(ctx, &out, urls, opt)
	return out.Bytes(), s, err
}

// TestServePullByteExact: a long stream through a small lossless buffer
// arrives byte for byte.
func TestServePullByteExact(t *testing.T) {
	pkts := stream(6000, 10)
	in := join(pkts)
	h := NewHub(HubOptions{BufferBytes: 1 << 20})
	srv := serve(t, "", NewHandler(h, ServerOptions{}))
	done := feed(t, context.Background(), h, pkts, true)
	got, s, err := pull(t, context.Background(), []string{srv.url()}, PullOptions{ClientOptions: ClientOptions{MaxBytes: 256 << 10}})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if sum(got) != sum(in) {
		t.Fatalf("output (%d bytes) differs from input (%d bytes)", len(got), len(in))
	}
	if s.Packets != uint64(len(pkts)) || s.Gaps() != 0 || !s.Sources[0].EOF {
		t.Fatalf("summary %+v", s)
	}
	st := h.Status()
	if st.Blocks == 0 {
		t.Log("note: the input never had to wait for the client")
	}
	if !st.Drained {
		t.Error("server not drained after the client read to the end")
	}
}

// TestNetworkCutResume: connections cut in the middle of answers, again
// and again; the client resumes from its cursor and nothing is lost or
// duplicated.
func TestNetworkCutResume(t *testing.T) {
	pkts := stream(3000, 11)
	h := NewHub(HubOptions{BufferBytes: 2 << 20})
	srv := serve(t, "", NewHandler(h, ServerOptions{}))
	proxy := newCutProxy(t, srv.addr, 300_000)
	done := feed(t, context.Background(), h, pkts, true)
	got, s, err := pull(t, context.Background(), []string{proxy.url()}, PullOptions{ClientOptions: ClientOptions{MaxBytes: 128 << 10}})
	if err != nil {
		t.Fatal(err)
	}
	<-done
	if sum(got) != sum(join(pkts)) {
		t.Fatal("output differs from input")
	}
	if proxy.cutCount() < 3 || s.Sources[0].Reconnects == 0 && proxy.cutCount() == 0 {
		t.Fatalf("only %d cuts", proxy.cutCount())
	}
	if s.Gaps() != 0 {
		t.Fatalf("gaps after network cuts: %+v", s)
	}
}

// TestServerRestartBufferSurvives: the HTTP server is killed (all
// connections dropped) and restarted on the same address over the same
// buffer: the client resumes with nothing lost or duplicated.
func TestServerRestartBufferSurvives(t *testing.T) {
	pkts := stream(3000, 12)
	h := NewHub(HubOptions{BufferBytes: 1 << 20})
	handler := NewHandler(h, ServerOptions{})
	srv := serve(t, "", handler)
	addr := srv.addr
	var out syncBuffer
	result := make(chan error, 1)
	go func() {
		_, err := Pull(context.Background(), &out, []string{srv.url()}, PullOptions{ClientOptions: ClientOptions{MaxBytes: 64 << 10, Backoff: quickBackoff}})
		result <- err
	}()
	ctx := context.Background()
	for i, p := range pkts {
		if i == 1000 || i == 2000 {
			until(t, "the client to read some", func() bool { return out.Len() > 0 })
			srv.kill()
			srv = serve(t, addr, handler)
		}
		if err := h.Append(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	h.CloseInput(nil)
	if err := <-result; err != nil {
		t.Fatal(err)
	}
	if sum(out.Bytes()) != sum(join(pkts)) {
		t.Fatal("output differs from input after server restarts")
	}
}

// TestServerRestartFreshBuffer: the server goes away and a new one, with a
// new buffer that has already dropped its first packets, takes its place:
// the client notices the new instance and reports the exact loss. A server
// that said it was closing leaves nothing in doubt; after a crash the loss
// of the old instance is what it had announced beyond the client's cursor,
// reported as a lower bound.
func TestServerRestartFreshBuffer(t *testing.T) {
	tests := []struct {
		name     string
		graceful bool // the old server announced it was closing
		stalled  bool // the client had not read all the old server announced
	}{
		{"graceful", true, false},
		{"crash, all read", false, false},
		{"crash, client behind", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			old := stream(400, 13)
			h1 := NewHub(HubOptions{Policy: Drop})
			for _, p := range old {
				h1.Append(ctx, p)
			}
			srv := serve(t, "", NewHandler(h1, ServerOptions{}))
			addr := srv.addr
			w := &slowWriter{gate: make(chan struct{})}
			if !tt.stalled {
				close(w.gate)
			}
			var gaps []Gap
			result := make(chan Summary, 1)
			go func() {
				s, err := Pull(ctx, w, []string{srv.url()}, PullOptions{ClientOptions: ClientOptions{Backoff: quickBackoff, MaxBytes: 16 << 10},
					OnGap: func(g Gap) { gaps = append(gaps, g) }})
				if err != nil {
					t.Error(err)
				}
				result <- s
			}()
			client := func() ClientStatus {
				if st := h1.Status(); len(st.Clients) == 1 {
					return st.Clients[0]
				}
				return ClientStatus{}
			}
			if tt.stalled {
				// Two answers taken, the output stuck: the fetcher waits for a buffer.
				until(t, "the client to stall", func() bool { c := client(); return c.Requests == 2 && !c.Waiting })
			} else {
				until(t, "the client to read everything", func() bool { c := client(); return c.Cursor == 400 && c.Waiting })
			}
			if tt.graceful {
				h1.Shutdown()
				n := client().Requests
				until(t, "the client to hear that the server closes", func() bool { return client().Requests > n })
			}
			srv.kill()
			// The new server: 300 packets into a buffer that keeps about the last 60.
			h2 := NewHub(HubOptions{Policy: Drop, BufferBytes: MinBufferBytes})
			for i := 0; i < 300; i++ {
				h2.Append(ctx, packet(uint64(10000+i), 1000))
			}
			h2.CloseInput(nil)
			kept := h2.Status().OldestSeq
			serve(t, addr, NewHandler(h2, ServerOptions{}))
			if tt.stalled {
				close(w.gate)
			}
			s := <-result
			var restart, expired *Gap
			for i := range gaps {
				switch gaps[i].Reason {
				case "restart":
					restart = &gaps[i]
				case "expired":
					expired = &gaps[i]
				}
			}
			if expired == nil || expired.Lost != kept || expired.From != 0 || expired.To != kept || expired.Instance != h2.Instance() {
				t.Fatalf("new instance gap %+v, want %d lost of %s", expired, kept, h2.Instance())
			}
			// What arrived: the first m packets of the old server, then what
			// the new one still held, nothing else.
			idx := indices(t, w.out.Bytes())
			m := len(idx) - int(300-kept)
			for i, v := range idx {
				want := uint64(i)
				if i >= m {
					want = 10000 + kept + uint64(i-m)
				}
				if v != want {
					t.Fatalf("packet %d is index %d, want %d", i, v, want)
				}
			}
			unread := uint64(len(old) - m)
			switch {
			case tt.graceful:
				if restart != nil || unread != 0 {
					t.Errorf("graceful restart: gap %+v, %d unread", restart, unread)
				}
			case restart == nil:
				t.Fatal("crash restart not reported")
			case restart.Instance != h1.Instance() || !restart.AtLeast || restart.Lost != unread || restart.From != uint64(m):
				t.Errorf("restart gap %+v, want at least %d from %d", restart, unread, m)
			}
			if tt.stalled && unread == 0 {
				t.Error("the stalled client read everything")
			}
			if s.Sources[0].Lost != unread+kept || s.Sources[0].Restarts != 1 {
				t.Errorf("summary %+v", s.Sources[0])
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and polling readers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Len()
}

func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b.Bytes())
}

// slowWriter lets the test decide when each write completes.
type slowWriter struct {
	gate chan struct{}
	out  syncBuffer
}

func (w *slowWriter) Write(p []byte) (int, error) {
	<-w.gate
	return w.out.Write(p)
}

// TestSlowClientPolicies: a client that reads slower than the input under
// both policies. Block: the input waits and everything arrives. Drop: the
// input never waits and the client's output plus its reported gaps account
// for every packet exactly once, in order.
func TestSlowClientPolicies(t *testing.T) {
	for _, pol := range []Policy{Block, Drop} {
		t.Run(pol.String(), func(t *testing.T) {
			ctx := context.Background()
			pkts := stream(1500, 14)
			h := NewHub(HubOptions{BufferBytes: MinBufferBytes, Policy: pol})
			srv := serve(t, "", NewHandler(h, ServerOptions{}))
			w := &slowWriter{gate: make(chan struct{})}
			var gaps []Gap
			result := make(chan error, 1)
			go func() {
				_, err := Pull(ctx, w, []string{srv.url()}, PullOptions{ClientOptions: ClientOptions{MaxBytes: 16 << 10, Backoff: quickBackoff},
					OnGap: func(g Gap) { gaps = append(gaps, g) }})
				result <- err
			}()
			until(t, "the client to register", func() bool { return len(h.Status().Clients) == 1 })
			done := feed(t, ctx, h, pkts, true)
			if pol == Block {
				until(t, "the input to wait for the slow client", func() bool { return h.Status().InputBlocked })
			} else {
				if err := <-done; err != nil { // all input taken while the client is stuck
					t.Fatal(err)
				}
			}
			close(w.gate)
			if err := <-result; err != nil {
				t.Fatal(err)
			}
			if pol == Block {
				<-done
			}
			idx := indices(t, w.out.Bytes())
			st := h.Status()
			switch pol {
			case Block:
				if len(gaps) != 0 || sum(w.out.Bytes()) != sum(join(pkts)) {
					t.Fatalf("block: %d gaps, output equal %v", len(gaps), sum(w.out.Bytes()) == sum(join(pkts)))
				}
			case Drop:
				if st.Blocks != 0 || len(gaps) == 0 {
					t.Fatalf("drop: %d blocks, %d gaps", st.Blocks, len(gaps))
				}
				// Walk the sequence: each packet either arrived or is in a gap.
				k, lost := 0, uint64(0)
				for _, g := range gaps {
					lost += g.Lost
				}
				if uint64(len(idx))+lost != uint64(len(pkts)) {
					t.Fatalf("%d delivered + %d lost != %d sent", len(idx), lost, len(pkts))
				}
				gi := 0
				for seq := uint64(0); seq < uint64(len(pkts)); {
					if gi < len(gaps) && gaps[gi].From == seq {
						seq = gaps[gi].To
						gi++
						continue
					}
					if k >= len(idx) || idx[k] != seq {
						t.Fatalf("packet %d missing without a gap", seq)
					}
					k++
					seq++
				}
				// The server counts a packet dropped if the client had not
				// acknowledged it (asked past it); the client may have had it.
				if st.Dropped < lost {
					t.Errorf("server dropped %d, client lost %d", st.Dropped, lost)
				}
			}
		})
	}
}

// TestManyClients: 200 clients long-poll at once, each gets every packet,
// and memory stays bounded (no per-client copy of the data).
func TestManyClients(t *testing.T) {
	const clients = 200
	ctx := context.Background()
	h := NewHub(HubOptions{BufferBytes: 8 << 20})
	srv := serve(t, "", NewHandler(h, ServerOptions{}))
	pkts := stream(400, 15)
	want := sum(join(pkts))
	hc := NewHTTPClient(nil)
	hc.Transport.(*http.Transport).MaxIdleConnsPerHost = clients
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out bytes.Buffer
			_, err := Pull(ctx, &out, []string{srv.url()}, PullOptions{ClientOptions: ClientOptions{HTTPClient: hc,
				ClientID: fmt.Sprintf("c%03d", i), MaxBytes: 256 << 10, Backoff: quickBackoff}})
			if err == nil && sum(out.Bytes()) != want {
				err = fmt.Errorf("client %d: output differs", i)
			}
			errs <- err
		}()
	}
	until(t, "200 clients waiting at once", func() bool {
		n := 0
		for _, c := range h.Status().Clients {
			if c.Waiting {
				n++
			}
		}
		return n == clients
	})
	var during runtime.MemStats
	runtime.ReadMemStats(&during)
	for _, p := range pkts {
		if err := h.Append(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	h.CloseInput(nil)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if !h.Drained() {
		t.Error("not drained")
	}
	// 200 waiting requests cost connection buffers and goroutines, not data.
	perClient := (int64(during.HeapInuse) - int64(before.HeapInuse)) / clients
	t.Logf("heap per waiting client: %d bytes; %d goroutines", perClient, runtime.NumGoroutine())
	if perClient > 256<<10 {
		t.Errorf("each waiting client costs %d bytes of heap", perClient)
	}
}

// TestMergeTwoSources: spectra from two servers that both use the default
// spectrum stream ID come out of one Pull as two distinct streams, each
// with its own source, and every packet whole.
func TestMergeTwoSources(t *testing.T) {
	ctx := context.Background()
	var urls []string
	for _, name := range []string{"wsa-a", "wsa-b"} {
		h := NewHub(HubOptions{})
		var enc vrt.SpectrumEncoder
		var b []byte
		for k := 0; k < 50; k++ {
			bins := make([]float32, 512)
			bins[k] = -30
			b, _ = enc.Append(b, &vrt.Spectrum{CenterHz: 2.4e9, StartHz: 2.39e9, StepHz: 1e4, Source: name, Bins: bins})
		}
		if _, err := h.ReadFrom(ctx, bytes.NewReader(b)); err != nil {
			t.Fatal(err)
		}
		urls = append(urls, serve(t, "", NewHandler(h, ServerOptions{})).url())
	}
	got, _, err := pull(t, ctx, urls, PullOptions{ClientOptions: ClientOptions{MaxBytes: 10 << 10}})
	if err != nil {
		t.Fatal(err)
	}
	r := vrt.NewReader(bytes.NewReader(got), vrt.ReaderOptions{})
	var dec vrt.SpectrumDecoder
	seen := map[uint32]map[string]int{}
	for {
		p, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		s, err := dec.Feed(p)
		if err != nil {
			t.Fatal(err)
		}
		if s != nil {
			if seen[s.StreamID] == nil {
				seen[s.StreamID] = map[string]int{}
			}
			seen[s.StreamID][s.Source]++
		}
	}
	want := map[uint32]map[string]int{0x57530103: {"wsa-a": 50}, 0x57530203: {"wsa-b": 50}}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Fatalf("spectra per stream and source: %v, want %v", seen, want)
	}
}

func TestTagStreamID(t *testing.T) {
	tests := []struct {
		id   uint32
		k    int
		want uint32
		ok   bool
	}{
		{0x57530003, 1, 0x57530103, true},
		{0x57530003, 2, 0x57530203, true},
		{0x5753ff07, 3, 0x57530307, true},
		{vrt.StreamI14Q14, 1, vrt.StreamI14Q14, false},
		{0x57530003, 0, 0x57530003, false},
		{0x57530003, 256, 0x57530003, false},
	}
	for _, tt := range tests {
		if got, ok := TagStreamID(tt.id, tt.k); got != tt.want || ok != tt.ok {
			t.Errorf("TagStreamID(%#x, %d) = %#x, %v", tt.id, tt.k, got, ok)
		}
	}
}

// TestToken: without the right bearer token every endpoint answers 401 and
// the client gives up at once; with it, packets flow.
func TestToken(t *testing.T) {
	ctx := context.Background()
	h := NewHub(HubOptions{})
	h.Append(ctx, packet(0, 0))
	h.CloseInput(nil)
	srv := serve(t, "", NewHandler(h, ServerOptions{Token: "s3cret"}))
	for _, tok := range []string{"", "wrong", "s3cret-and-more"} {
		_, _, err := pull(t, ctx, []string{srv.url()}, PullOptions{ClientOptions: ClientOptions{Token: tok}})
		var se *StatusError
		if !errors.As(err, &se) || se.Code != http.StatusUnauthorized {
			t.Errorf("token %q: %v", tok, err)
		}
	}
	for _, path := range []string{"/stream", "/status", "/metrics", "/"} {
		resp, err := http.Get(srv.url() + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s without a token: %d", path, resp.StatusCode)
		}
	}
	got, _, err := pull(t, ctx, []string{srv.url()}, PullOptions{ClientOptions: ClientOptions{Token: "s3cret"}})
	if err != nil || !bytes.Equal(got, packet(0, 0)) {
		t.Fatalf("right token: %v", err)
	}
}

// TestTLS: HTTPS with a self-signed certificate, trusted through a CA pool.
func TestTLS(t *testing.T) {
	ctx := context.Background()
	h := NewHub(HubOptions{})
	pkts := stream(100, 16)
	feed(t, ctx, h, pkts, true)
	ts := httptest.NewUnstartedServer(NewHandler(h, ServerOptions{Token: "t"}))
	ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	ts.StartTLS()
	defer ts.Close()
	// Without trusting the certificate the client refuses (and would retry: give up fast).
	_, _, err := pull(t, ctx, []string{ts.URL}, PullOptions{ClientOptions: ClientOptions{Token: "t", GiveUp: 1}})
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("untrusted certificate: %v", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ts.Certificate())
	hc := NewHTTPClient(&tls.Config{RootCAs: pool})
	got, _, err := pull(t, ctx, []string{ts.URL}, PullOptions{ClientOptions: ClientOptions{HTTPClient: hc, Token: "t"}})
	if err != nil || sum(got) != sum(join(pkts)) {
		t.Fatalf("TLS pull: %v", err)
	}
}

// TestBadRequests: malformed requests get 400 with a reason, and a long
// poll in progress at the same time is not disturbed.
func TestBadRequests(t *testing.T) {
	ctx := context.Background()
	h := NewHub(HubOptions{})
	srv := serve(t, "", NewHandler(h, ServerOptions{}))
	waiting := make(chan []byte, 1)
	go func() {
		resp, err := http.Get(srv.url() + "/stream?from=latest&wait=30s&client=patient")
		if err != nil {
			t.Error(err)
			waiting <- nil
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		waiting <- b
	}()
	until(t, "the long poll", func() bool { st := h.Status(); return len(st.Clients) == 1 && st.Clients[0].Waiting })
	tests := []struct {
		method, target string
		code           int
		reason         string
	}{
		{"GET", "/stream?wait=1h", 400, "wait"},
		{"GET", "/stream?from=banana", 400, "from"},
		{"GET", "/stream?max=-5", 400, "max"},
		{"GET", "/stream?x=1", 400, "unknown parameter"},
		{"GET", "/stream?from=9", 410, "ahead"},
		{"POST", "/stream", 405, "GET"},
		{"DELETE", "/stream", 400, "client"},
		{"GET", "/nothing", 404, "endpoint"},
		{"GET", "/status?x", 400, "no parameters"},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, srv.url()+tt.target, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.code || !strings.Contains(string(body), tt.reason) {
			t.Errorf("%s %s: %d %s, want %d mentioning %q", tt.method, tt.target, resp.StatusCode, body, tt.code, tt.reason)
		}
	}
	// Garbage on the wire and a request with a body.
	for _, raw := range []string{"NOT HTTP AT ALL\r\n\r\n", "GET /stream HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
		"GET /stream?" + strings.Repeat("a", 20000) + " HTTP/1.1\r\nHost: x\r\n\r\n"} {
		c, err := net.Dial("tcp", srv.addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprint(c, raw)
		line, _ := bufio.NewReader(c).ReadString('\n')
		c.Close()
		if !strings.Contains(line, " 400 ") && !strings.Contains(line, " 431 ") {
			t.Errorf("raw %q: %q", raw[:min(len(raw), 20)], line)
		}
	}
	p := packet(1, 10)
	h.Append(ctx, p)
	if got := <-waiting; !bytes.Equal(got, p) {
		t.Fatal("the long poll in progress was disturbed")
	}
}

// TestMaxConcurrent: requests beyond the bound get 503 at once.
func TestMaxConcurrent(t *testing.T) {
	h := NewHub(HubOptions{})
	srv := serve(t, "", NewHandler(h, ServerOptions{MaxConcurrent: 2}))
	for i := 0; i < 2; i++ {
		go func() {
			resp, err := http.Get(srv.url() + "/stream?from=latest&wait=30s")
			if err == nil {
				resp.Body.Close()
			}
		}()
	}
	until(t, "two requests in flight", func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		return h.wake != nil
	})
	var resp *http.Response
	until(t, "a 503", func() bool {
		var err error
		resp, err = http.Get(srv.url() + "/status")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusServiceUnavailable
	})
	if resp.Header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	h.Shutdown()
}

// TestInputErrorPropagates: a damaged input stream ends the stream for the
// client after every good packet, and Pull reports the server's reason.
func TestInputErrorPropagates(t *testing.T) {
	ctx := context.Background()
	pkts := stream(20, 17)
	in := append(join(pkts), 0x10, 0, 0, 9, 1, 2) // a truncated packet
	h := NewHub(HubOptions{})
	if _, err := h.ReadFrom(ctx, bytes.NewReader(in)); err == nil {
		t.Fatal("ReadFrom accepted a truncated packet")
	}
	srv := serve(t, "", NewHandler(h, ServerOptions{}))
	got, _, err := pull(t, ctx, []string{srv.url()}, PullOptions{})
	if err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Fatalf("error %v", err)
	}
	if !bytes.Equal(got, join(pkts)) {
		t.Fatal("packets before the damage not delivered")
	}
}

// TestCountAndLeave: Count stops after exactly N packets and the client
// leaves, so a blocked input may go on.
func TestCountAndLeave(t *testing.T) {
	ctx := context.Background()
	h := NewHub(HubOptions{BufferBytes: MinBufferBytes})
	srv := serve(t, "", NewHandler(h, ServerOptions{}))
	pkts := stream(500, 18)
	done := feed(t, ctx, h, pkts, true)
	got, s, err := pull(t, ctx, []string{srv.url()}, PullOptions{Count: 123, ClientOptions: ClientOptions{MaxBytes: 1 << 20}})
	if err != nil || s.Packets != 123 || !bytes.Equal(got, join(pkts[:123])) {
		t.Fatalf("count: %v, %d packets", err, s.Packets)
	}
	if n := len(h.Status().Clients); n != 0 {
		t.Errorf("%d clients still known after leaving", n)
	}
	// Someone else reads the rest, so the input can finish.
	got, _, err = pull(t, ctx, []string{srv.url()}, PullOptions{ClientOptions: ClientOptions{From: Seq(123)}})
	if err != nil || !bytes.Equal(got, join(pkts[123:])) {
		t.Fatalf("rest: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestFailOnGap: the first loss ends Pull with ErrGap.
func TestFailOnGap(t *testing.T) {
	ctx := context.Background()
	h := NewHub(HubOptions{BufferBytes: MinBufferBytes, Policy: Drop})
	for _, p := range stream(1000, 19) {
		h.Append(ctx, p)
	}
	srv := serve(t, "", NewHandler(h, ServerOptions{}))
	_, _, err := pull(t, ctx, []string{srv.url()}, PullOptions{FailOnGap: true, ClientOptions: ClientOptions{From: Seq(0)}})
	if !errors.Is(err, ErrGap) {
		t.Fatalf("error %v, want ErrGap", err)
	}
}

// TestStatusAndMetrics checks the two monitoring endpoints.
func TestStatusAndMetrics(t *testing.T) {
	ctx := context.Background()
	h := NewHub(HubOptions{Policy: Drop})
	for _, p := range stream(10, 20) {
		h.Append(ctx, p)
	}
	srv := serve(t, "", NewHandler(h, ServerOptions{}))
	resp, err := http.Get(srv.url() + "/stream?from=3&limit=2&client=mon")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	for k, v := range map[string]string{HeaderFirstSeq: "3", HeaderNextSeq: "5", HeaderCount: "2", HeaderEndSeq: "10",
		HeaderOldestSeq: "0", HeaderTypes: "data", HeaderStreamIDs: "0x90000003", "Content-Type": ContentType,
		"X-Accel-Buffering": "no", HeaderInstance: h.Instance(), HeaderPolicy: "drop"} {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("header %s: %q, want %q", k, got, v)
		}
	}
	resp, err = http.Get(srv.url() + "/status")
	if err != nil {
		t.Fatal(err)
	}
	var st Status
	err = json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if err != nil || st.EndSeq != 10 || st.HeldPackets != 10 || len(st.Clients) != 1 || st.Clients[0].ID != "mon" ||
		st.Clients[0].Cursor != 3 || st.Clients[0].LagPackets != 7 || st.Policy != "drop" || st.Instance != h.Instance() {
		t.Fatalf("status %+v, %v", st, err)
	}
	resp, err = http.Get(srv.url() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"wsa_serve_input_packets_total 10\n", "wsa_serve_client_lag_packets{client=\"mon\"} 7\n",
		"# TYPE wsa_serve_buffer_bytes gauge\n", "wsa_serve_responses_total{code=\"200\"} "} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

// TestJoinedLate: a reader that asks for the oldest packet of a drop-policy
// server that already let packets go is told where it joined; that is not a
// gap of its own, and what it read plus where it joined is the whole input.
func TestJoinedLate(t *testing.T) {
	ctx := context.Background()
	h := NewHub(HubOptions{BufferBytes: MinBufferBytes, Policy: Drop})
	pkts := stream(1000, 21)
	for _, p := range pkts {
		h.Append(ctx, p)
	}
	h.CloseInput(nil)
	oldest := h.Status().OldestSeq
	if oldest == 0 {
		t.Fatal("the buffer let nothing go: the test needs a smaller buffer or more packets")
	}
	srv := serve(t, "", NewHandler(h, ServerOptions{}))
	var logged []string
	got, s, err := pull(t, ctx, []string{srv.url()}, PullOptions{FailOnGap: true, ClientOptions: ClientOptions{
		Logf: func(f string, a ...any) { logged = append(logged, fmt.Sprintf(f, a...)) }}})
	if err != nil {
		t.Fatal(err)
	}
	if src := s.Sources[0]; src.JoinedAt != oldest || src.Lost != 0 || src.Gaps != 0 {
		t.Errorf("joined at %d (want %d), %d lost in %d gaps", src.JoinedAt, oldest, src.Lost, src.Gaps)
	}
	if !bytes.Equal(got, join(pkts[oldest:])) {
		t.Error("output is not the packets from the oldest held on")
	}
	if want := fmt.Sprintf("joined at seq %d", oldest); len(logged) == 0 || !strings.Contains(strings.Join(logged, "\n"), want) {
		t.Errorf("log %q lacks %q", logged, want)
	}
}
