package longpoll

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/wsatools/wsa/pkg/vrt"
)

// packet returns a data packet (stream 0x90000003) whose payload starts with
// its index, padded to words extra bytes.
func packet(index uint64, extra int) []byte {
	pay := make([]byte, 8+extra&^3)
	binary.BigEndian.PutUint64(pay, index)
	for i := 8; i < len(pay); i++ {
		pay[i] = byte(index + uint64(i))
	}
	p := vrt.Packet{Header: vrt.Header{Type: vrt.TypeSignal}, StreamID: vrt.StreamI14Q14, Payload: pay}
	b, err := p.AppendTo(nil)
	if err != nil {
		panic(err)
	}
	return b
}

// stream returns n packets of mixed sizes (a few near the 256 KiB maximum).
func stream(n int, seed uint64) [][]byte {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([][]byte, n)
	for i := range out {
		extra := r.IntN(2048)
		if r.IntN(200) == 0 {
			extra = 200_000 + r.IntN(60_000)
		}
		out[i] = packet(uint64(i), extra)
	}
	return out
}

func join(pkts [][]byte) []byte { return bytes.Join(pkts, nil) }

// indexOf returns the index a packet() carries.
func indexOf(t testing.TB, b []byte) uint64 {
	var p vrt.Packet
	if err := p.Decode(b); err != nil || len(p.Payload) < 8 {
		t.Fatalf("not a test packet: %v", err)
	}
	return binary.BigEndian.Uint64(p.Payload)
}

// indices splits a stream into packets and returns their indices.
func indices(t testing.TB, b []byte) []uint64 {
	var out []uint64
	for off := 0; off < len(b); {
		n := vrt.SizeOf(b[off:])
		if n == 0 || off+n > len(b) {
			t.Fatalf("stream is not whole packets at byte %d", off)
		}
		out = append(out, indexOf(t, b[off:off+n]))
		off += n
	}
	return out
}

func sum(b []byte) [32]byte { return sha256.Sum256(b) }

// server runs h on a loopback listener (addr "" picks a port) until the test ends.
type server struct {
	srv  *http.Server
	addr string
	done chan struct{}
}

func serve(t testing.TB, addr string, h http.Handler) *server {
	t.Helper()
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var ln net.Listener
	var err error
	for i := 0; i < 100; i++ { // a port just closed may need a moment
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	s := &server{srv: NewServer(addr, h), addr: ln.Addr().String(), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		s.srv.Serve(ln)
	}()
	t.Cleanup(s.kill)
	return s
}

// kill closes the listener and every connection at once, like a crash.
func (s *server) kill() {
	s.srv.Close()
	<-s.done
}

func (s *server) url() string { return "http://" + s.addr }

// feed appends pkts to h in a goroutine, then closes the input if eof.
func feed(t testing.TB, ctx context.Context, h *Hub, pkts [][]byte, eof bool) <-chan error {
	ch := make(chan error, 1)
	go func() {
		for _, p := range pkts {
			if err := h.Append(ctx, p); err != nil {
				ch <- err
				return
			}
		}
		if eof {
			h.CloseInput(nil)
		}
		ch <- nil
	}()
	return ch
}

// until polls cond (a state change of another goroutine) and fails the test
// if it never comes true; the bound is a safety net, not a measurement.
func until(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// cutProxy forwards TCP to a backend and cuts each connection after it has
// carried cutAfter bytes back to the client (0: never), mid-answer.
type cutProxy struct {
	ln       net.Listener
	backend  string
	cutAfter int64
	mu       sync.Mutex
	cuts     int
	conns    map[net.Conn]bool
}

func newCutProxy(t testing.TB, backend string, cutAfter int64) *cutProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, backend: backend, cutAfter: cutAfter, conns: map[net.Conn]bool{}}
	go p.run()
	t.Cleanup(func() { ln.Close(); p.cutAll() })
	return p
}

func (p *cutProxy) url() string { return "http://" + p.ln.Addr().String() }

func (p *cutProxy) run() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.handle(c)
	}
}

func (p *cutProxy) handle(c net.Conn) {
	b, err := net.Dial("tcp", p.backend)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns[c], p.conns[b] = true, true
	p.mu.Unlock()
	go func() { io.Copy(b, c); b.Close() }()
	var w io.Writer = c
	if p.cutAfter > 0 {
		w = &limitWriter{w: c, left: p.cutAfter}
	}
	_, err = io.Copy(w, b)
	if errors.Is(err, errCut) {
		p.mu.Lock()
		p.cuts++
		p.mu.Unlock()
	}
	c.Close()
	b.Close()
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, b)
	p.mu.Unlock()
}

func (p *cutProxy) cutAll() {
	p.mu.Lock()
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
}

func (p *cutProxy) cutCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cuts
}

var errCut = errors.New("cut")

type limitWriter struct {
	w    io.Writer
	left int64
}

func (l *limitWriter) Write(b []byte) (int, error) {
	if int64(len(b)) > l.left {
		n, _ := l.w.Write(b[:l.left])
		l.left = 0
		return n, errCut
	}
	l.left -= int64(len(b))
	return l.w.Write(b)
}

// quickBackoff keeps reconnection tests short.
var quickBackoff = Backoff{Initial: time.Millisecond, Max: 20 * time.Millisecond}
