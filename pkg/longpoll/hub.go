package longpoll

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wsatools/wsa/pkg/vrt"
)

// Policy says what a Hub does when its buffer is full.
type Policy uint8

const (
	// Block is lossless: the oldest packet is discarded only once every
	// known client has read it; until then Append waits, so backpressure
	// reaches the producer.
	Block Policy = iota
	// Drop keeps the input flowing: the oldest packets go, and a client
	// whose cursor they were is told exactly how many it lost (HTTP 410).
	Drop
)

func (p Policy) String() string {
	if p == Drop {
		return "drop"
	}
	return "block"
}

// ParsePolicy accepts "block" or "drop".
func ParsePolicy(s string) (Policy, error) {
	switch s {
	case "block":
		return Block, nil
	case "drop":
		return Drop, nil
	}
	return Block, fmt.Errorf("policy %q: want block (lossless backpressure) or drop (oldest packets go)", s)
}

// PacketOverhead is the bookkeeping each held packet costs on top of its
// bytes; it counts against HubOptions.BufferBytes.
const PacketOverhead = 32

// Buffer sizes.
const (
	DefaultBufferBytes = 64 << 20
	MinBufferBytes     = 64 << 10
	// DefaultClientTimeout is how long a client may stay away between
	// requests before it stops holding the buffer (Block) and stops
	// counting for the end of input.
	DefaultClientTimeout = 60 * time.Second
	DefaultMaxClients    = 1024
)

// HubOptions configure a Hub; the zero value is usable.
type HubOptions struct {
	// BufferBytes bounds the packets held (each costs its size plus
	// PacketOverhead). Default DefaultBufferBytes, minimum MinBufferBytes.
	// At least one packet is always held, however large.
	BufferBytes int64
	Policy      Policy
	// ClientTimeout: see DefaultClientTimeout.
	ClientTimeout time.Duration
	// MaxClients bounds the distinct client names remembered at once.
	MaxClients int
	// Instance names this buffer (default: 16 random hex digits). A client
	// holding a cursor of another instance is told its cursor is stale.
	Instance string
}

// Errors of the Hub.
var (
	ErrInputClosed    = errors.New("longpoll: input already ended")
	ErrShutdown       = errors.New("longpoll: hub is shutting down")
	ErrTooManyClients = errors.New("longpoll: too many clients")
)

// CursorError is a cursor the Hub cannot serve: older than the oldest packet
// held (Reason "expired"), beyond the newest (Reason "ahead"), or belonging
// to another server instance (Reason "instance"). HTTP answers it with 410.
type CursorError struct {
	Reason   string
	From     uint64 // the cursor asked for
	Oldest   uint64 // oldest sequence held
	End      uint64 // sequence the next input packet will get
	Instance string // this hub's instance
}

func (e *CursorError) Error() string {
	switch e.Reason {
	case "expired":
		return fmt.Sprintf("cursor %d expired: oldest packet held is %d (%d lost)", e.From, e.Oldest, e.Oldest-e.From)
	case "ahead":
		return fmt.Sprintf("cursor %d is beyond the end of the buffer (%d)", e.From, e.End)
	}
	return fmt.Sprintf("cursor belongs to another server instance (this is %s; oldest %d, end %d)", e.Instance, e.Oldest, e.End)
}

type chunk struct {
	buf  []byte
	live int          // entries pointing into buf (hub lock)
	refs atomic.Int32 // 1 for the hub while live or current, +1 per batch using it
}

type entry struct {
	c   *chunk
	off int32
	n   int32
	cum uint64 // input bytes before this packet
	sid uint32
	typ vrt.PacketType
}

type clientState struct {
	id          string
	remote      string
	cursor      uint64
	lastSeen    time.Time
	inflight    int
	done        bool // was sent the end of input
	requests    uint64
	sentPackets uint64
	sentBytes   uint64
}

// Hub is a bounded buffer of VRT packets numbered by a 64-bit sequence,
// fed by one producer (Append, ReadFrom) and read by any number of clients,
// each with its own cursor (Read). It allocates nothing per packet: packets
// are copied into large chunks that readers write from directly.
type Hub struct {
	opt       HubOptions
	chunkSize int
	start     time.Time

	mu      sync.Mutex
	ents    []entry // ring, length a power of two
	head, n int
	first   uint64 // sequence of ents[head]
	held    int64  // bytes + overhead of held packets
	heldRaw int64
	totalIn uint64
	cur     *chunk
	curUsed int
	wake    chan struct{} // closed on new input, end of input or shutdown
	space   chan struct{} // closed when a client moves on or leaves
	eof     bool
	inErr   error
	closing bool
	clients map[string]*clientState
	minCur  uint64 // smallest cursor of the known clients (valid if len(clients) > 0)
	ever    bool   // a named client was sent the end of input
	left    bool   // a named client said it reads no more (DELETE)
	evicted uint64
	dropped uint64 // evicted before a known client had read them
	blocks  uint64
	blocked time.Duration
	blockT0 time.Time
	rate    rateMeter
	sentPk  uint64
	sentBy  uint64

	freeMu sync.Mutex
	free   []*chunk
}

// NewHub returns an empty hub.
func NewHub(opt HubOptions) *Hub {
	if opt.BufferBytes <= 0 {
		opt.BufferBytes = DefaultBufferBytes
	}
	opt.BufferBytes = max(opt.BufferBytes, MinBufferBytes)
	if opt.ClientTimeout <= 0 {
		opt.ClientTimeout = DefaultClientTimeout
	}
	if opt.MaxClients <= 0 {
		opt.MaxClients = DefaultMaxClients
	}
	if opt.Instance == "" {
		var b [8]byte
		rand.Read(b[:])
		opt.Instance = hex.EncodeToString(b[:])
	}
	// Chunks hold whole packets (the largest is 262 140 bytes); small
	// buffers get small chunks so memory stays near BufferBytes.
	cs := 1 << 20
	if opt.BufferBytes < 8<<20 {
		cs = 256 << 10
	}
	return &Hub{opt: opt, chunkSize: cs, start: time.Now(), ents: make([]entry, 1024), clients: map[string]*clientState{}}
}

// Instance returns the hub's instance ID.
func (h *Hub) Instance() string { return h.opt.Instance }

// Options returns the options in effect (defaults filled in).
func (h *Hub) Options() HubOptions { return h.opt }

func (h *Hub) at(i int) *entry { return &h.ents[(h.head+i)&(len(h.ents)-1)] }

func (h *Hub) end() uint64 { return h.first + uint64(h.n) }

// Append copies one packet (exactly the bytes its header's size announces)
// into the buffer and gives it the next sequence number. When the buffer is
// full it discards the oldest packets (Drop) or waits until every client
// has read them (Block), returning ctx.Err() if ctx ends first. A hub has
// one producer: Append and ReadFrom must not run at the same time.
func (h *Hub) Append(ctx context.Context, pkt []byte) error {
	n := len(pkt)
	if n < 4 || vrt.SizeOf(pkt) != n {
		return fmt.Errorf("longpoll: Append: %d bytes are not one VRT packet", n)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.reserveLocked(ctx, n); err != nil {
		return err
	}
	if h.cur == nil || h.curUsed+n > len(h.cur.buf) {
		h.newChunkLocked(n, nil)
	}
	copy(h.cur.buf[h.curUsed:], pkt)
	h.pushLocked(n)
	return nil
}

// reserveLocked makes room for a packet of n bytes: it evicts old packets
// as the policy allows, or waits (Block) with the lock released.
func (h *Hub) reserveLocked(ctx context.Context, n int) error {
	cost := int64(n) + PacketOverhead
	for {
		if h.eof {
			return ErrInputClosed
		}
		if h.closing {
			return ErrShutdown
		}
		if h.n == 0 || h.held+cost <= h.opt.BufferBytes {
			h.unblockLocked()
			return nil
		}
		if h.opt.Policy == Drop {
			h.evictLocked()
			continue
		}
		now := time.Now()
		h.expireLocked(now)
		if len(h.clients) > 0 && h.first < h.minCur {
			h.evictLocked()
			continue
		}
		// Block: wait for the slowest client (or for a first one).
		if h.blockT0.IsZero() {
			h.blockT0 = now
			h.blocks++
		}
		ch := h.spaceLocked()
		h.mu.Unlock()
		t := time.NewTimer(time.Second) // clients may time out meanwhile
		var err error
		select {
		case <-ch:
		case <-t.C:
		case <-ctx.Done():
			err = ctx.Err()
		}
		t.Stop()
		h.mu.Lock()
		if err != nil {
			h.unblockLocked()
			return err
		}
	}
}

// pushLocked makes the n bytes at the current chunk's fill point the next
// packet and wakes the readers.
func (h *Hub) pushLocked(n int) {
	c := h.cur
	pkt := c.buf[h.curUsed : h.curUsed+n]
	typ := vrt.PacketType(pkt[0] >> 4)
	var sid uint32
	if typ.HasStreamID() && n >= 8 {
		sid = binary.BigEndian.Uint32(pkt[4:])
	}
	if h.n == len(h.ents) {
		h.growLocked()
	}
	*h.at(h.n) = entry{c: c, off: int32(h.curUsed), n: int32(n), cum: h.totalIn, sid: sid, typ: typ}
	h.n++
	c.live++
	h.curUsed += n
	h.held += int64(n) + PacketOverhead
	h.heldRaw += int64(n)
	h.totalIn += uint64(n)
	h.rate.add(time.Now(), n)
	h.wakeLocked()
}

func (h *Hub) unblockLocked() {
	if !h.blockT0.IsZero() {
		h.blocked += time.Since(h.blockT0)
		h.blockT0 = time.Time{}
	}
}

func (h *Hub) growLocked() {
	ents := make([]entry, 2*len(h.ents))
	for i := 0; i < h.n; i++ {
		ents[i] = *h.at(i)
	}
	h.ents, h.head = ents, 0
}

// newChunkLocked makes a fresh chunk current, able to hold n bytes, and
// copies keep (the start of a packet still being read) to its beginning.
func (h *Hub) newChunkLocked(n int, keep []byte) {
	var c *chunk
	h.freeMu.Lock()
	if k := len(h.free); k > 0 {
		c = h.free[k-1]
		h.free = h.free[:k-1]
	}
	h.freeMu.Unlock()
	if c == nil || len(c.buf) < n {
		c = &chunk{buf: make([]byte, max(h.chunkSize, n))}
	}
	c.live = 0
	c.refs.Store(1)
	copy(c.buf, keep)
	if old := h.cur; old != nil && old.live == 0 {
		h.release(old)
	}
	h.cur, h.curUsed = c, 0
}

// release drops one reference; the last one recycles the chunk.
func (h *Hub) release(c *chunk) {
	if c.refs.Add(-1) != 0 {
		return
	}
	h.freeMu.Lock()
	if len(h.free) < 4 {
		h.free = append(h.free, c)
	}
	h.freeMu.Unlock()
}

func (h *Hub) evictLocked() {
	e := h.at(0)
	c := e.c
	h.held -= int64(e.n) + PacketOverhead
	h.heldRaw -= int64(e.n)
	*e = entry{}
	h.head = (h.head + 1) & (len(h.ents) - 1)
	h.n--
	if len(h.clients) > 0 && h.first >= h.minCur {
		h.dropped++
	}
	h.first++
	h.evicted++
	c.live--
	if c.live == 0 && c != h.cur {
		h.release(c)
	}
}

func (h *Hub) wakeLocked() {
	if h.wake != nil {
		close(h.wake)
		h.wake = nil
	}
}

func (h *Hub) wakeChanLocked() chan struct{} {
	if h.wake == nil {
		h.wake = make(chan struct{})
	}
	return h.wake
}

func (h *Hub) spaceLocked() chan struct{} {
	if h.space == nil {
		h.space = make(chan struct{})
	}
	return h.space
}

func (h *Hub) signalSpaceLocked() {
	if h.space != nil {
		close(h.space)
		h.space = nil
	}
}

// CloseInput marks the end of input: readers get what is held, then the
// end-of-input mark. err, if not nil, is passed to readers as the reason the
// input stopped (a damaged stream, say).
func (h *Hub) CloseInput(err error) {
	h.mu.Lock()
	if !h.eof {
		h.eof, h.inErr = true, err
		h.wakeLocked()
		h.signalSpaceLocked()
	}
	h.mu.Unlock()
}

// Shutdown makes waiting and future reads answer at once with the
// Closing mark (clients retry elsewhere or later) and refuses further input.
func (h *Hub) Shutdown() {
	h.mu.Lock()
	h.closing = true
	h.wakeLocked()
	h.signalSpaceLocked()
	h.mu.Unlock()
}

// expireLocked forgets clients idle for longer than ClientTimeout.
func (h *Hub) expireLocked(now time.Time) {
	changed := false
	for id, c := range h.clients {
		if c.inflight == 0 && now.Sub(c.lastSeen) > h.opt.ClientTimeout {
			delete(h.clients, id)
			changed = true
		}
	}
	if changed {
		h.recomputeMinLocked()
	}
}

func (h *Hub) recomputeMinLocked() {
	first := true
	for _, c := range h.clients {
		if first || c.cursor < h.minCur {
			h.minCur, first = c.cursor, false
		}
	}
	h.signalSpaceLocked()
}

// Batch is one answer to Read: whole packets, back to back, plus what a
// client needs to continue. Write it with WriteTo, then call Release.
type Batch struct {
	Instance      string
	First, Next   uint64 // sequence of the first packet and the cursor to ask next
	Count         int
	Bytes         int
	Oldest, End   uint64 // buffer bounds when the batch was taken
	EOF           bool   // input ended and Next == End: nothing more will come
	InputError    string // why the input ended, if it failed
	Closing       bool   // the server is shutting down
	Policy        Policy
	Dropped       uint64 // packets dropped so far under the Drop policy before a client read them
	Types         []vrt.PacketType
	StreamIDs     []uint32 // distinct stream IDs, in order of first appearance (at most MaxListedStreams)
	MoreStreamIDs bool     // more distinct stream IDs than listed

	hub    *Hub
	client string
	parts  [][]byte
	refs   []*chunk
	done   bool
}

// MaxListedStreams bounds the stream IDs a Batch lists.
const MaxListedStreams = 16

// WriteTo writes the packets.
func (b *Batch) WriteTo(w io.Writer) (int64, error) {
	var n int64
	for _, p := range b.parts {
		k, err := w.Write(p)
		n += int64(k)
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// AppendTo appends the packets to dst.
func (b *Batch) AppendTo(dst []byte) []byte {
	for _, p := range b.parts {
		dst = append(dst, p...)
	}
	return dst
}

// Release returns the batch's buffers; delivered says whether the client got
// it (which counts it as sent and, with EOF, as having read to the end).
// Release may be called more than once.
func (b *Batch) Release(delivered bool) {
	if b.done || b.hub == nil {
		return
	}
	b.done = true
	for _, c := range b.refs {
		b.hub.release(c)
	}
	b.refs, b.parts = nil, nil
	b.hub.finish(b.client, b, delivered)
}

func (h *Hub) finish(client string, b *Batch, delivered bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if delivered {
		h.sentPk += uint64(b.Count)
		h.sentBy += uint64(b.Bytes)
	}
	if client == "" {
		return
	}
	c := h.clients[client]
	if c == nil {
		return
	}
	if c.inflight > 0 {
		c.inflight--
	}
	c.lastSeen = time.Now()
	if delivered {
		c.sentPackets += uint64(b.Count)
		c.sentBytes += uint64(b.Bytes)
		if b.EOF {
			c.done = true
			h.ever = true
			h.signalSpaceLocked()
		}
	}
}

// register notes a client's request: its cursor acknowledges every packet
// before it.
func (h *Hub) registerLocked(id, remote string, from uint64, now time.Time) error {
	c := h.clients[id]
	if c == nil {
		if len(h.clients) >= h.opt.MaxClients {
			h.expireLocked(now)
			if len(h.clients) >= h.opt.MaxClients {
				return ErrTooManyClients
			}
		}
		c = &clientState{id: id}
		h.clients[id] = c
	}
	c.remote = remote
	c.cursor = min(max(from, h.first), h.end())
	c.lastSeen = now
	c.inflight++
	c.requests++
	h.recomputeMinLocked()
	return nil
}

// Leave forgets a client at once (it will not read on), releasing what it
// held under the Block policy.
func (h *Hub) Leave(client string) {
	h.mu.Lock()
	if _, ok := h.clients[client]; ok {
		delete(h.clients, client)
		h.left = true
		h.recomputeMinLocked()
		h.signalSpaceLocked()
	}
	h.mu.Unlock()
}

// Read answers one long-poll: the packets from q.From on (at most q.MaxBytes,
// always at least one, and at most q.Limit if set) as soon as any are held,
// or an empty batch once q.Wait has passed, the input has ended (EOF set) or
// the hub shuts down (Closing set). A cursor the hub cannot serve gives a
// *CursorError. q.Client names the reader (empty: anonymous, which neither
// holds the buffer nor counts for the end of input); remote is noted for
// the status page. The caller must Release the batch.
func (h *Hub) Read(ctx context.Context, q StreamQuery, remote string) (*Batch, error) {
	now := time.Now()
	h.mu.Lock()
	defer h.mu.Unlock()
	if q.Instance != "" && q.Instance != h.opt.Instance {
		return nil, h.cursorErrLocked("instance", 0)
	}
	var from uint64
	switch {
	case q.From.IsOldest():
		from = h.first
	case q.From.IsLatest():
		from = h.end()
	default:
		from, _ = q.From.Sequence()
	}
	if q.Client != "" {
		if err := h.registerLocked(q.Client, remote, from, now); err != nil {
			return nil, err
		}
	}
	fail := func(err error) (*Batch, error) {
		if q.Client != "" {
			if c := h.clients[q.Client]; c != nil && c.inflight > 0 {
				c.inflight--
				c.lastSeen = time.Now()
			}
		}
		return nil, err
	}
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		if from < h.first {
			return fail(h.cursorErrLocked("expired", from))
		}
		if from > h.end() {
			return fail(h.cursorErrLocked("ahead", from))
		}
		if from < h.end() || h.eof || h.closing || q.Wait <= 0 {
			break
		}
		if timer == nil {
			timer = time.NewTimer(q.Wait)
		}
		ch := h.wakeChanLocked()
		h.mu.Unlock()
		var stop error
		select {
		case <-ch:
		case <-timer.C:
			stop = errWaitOver
		case <-ctx.Done():
			stop = ctx.Err()
		}
		h.mu.Lock()
		if stop == errWaitOver {
			if from < h.first {
				continue // report the loss rather than an empty answer
			}
			break
		}
		if stop != nil {
			return fail(fmt.Errorf("longpoll: waiting for packets: %w", stop))
		}
	}
	b := &Batch{hub: h, client: q.Client, Instance: h.opt.Instance, First: from, Oldest: h.first, End: h.end(),
		Closing: h.closing, Policy: h.opt.Policy, Dropped: h.dropped}
	var types uint8
	var last *chunk
	lastEnd := int32(-1)
	for i := int(from - h.first); i < h.n; i++ {
		e := h.at(i)
		if b.Count > 0 && (b.Bytes+int(e.n) > q.MaxBytes || q.Limit > 0 && b.Count >= q.Limit) {
			break
		}
		if e.c == last && e.off == lastEnd {
			k := len(b.parts) - 1
			p := b.parts[k]
			b.parts[k] = p[:len(p)+int(e.n)]
		} else {
			b.parts = append(b.parts, e.c.buf[e.off:e.off+e.n])
			if e.c != last {
				e.c.refs.Add(1)
				b.refs = append(b.refs, e.c)
			}
		}
		last, lastEnd = e.c, e.off+e.n
		b.Count++
		b.Bytes += int(e.n)
		if types&(1<<(e.typ&7)) == 0 {
			types |= 1 << (e.typ & 7)
		}
		if e.typ.HasStreamID() {
			b.addStream(e.sid)
		}
	}
	for t := 0; t < 8; t++ {
		if types&(1<<t) != 0 {
			b.Types = append(b.Types, vrt.PacketType(t))
		}
	}
	b.Next = from + uint64(b.Count)
	if h.eof && b.Next == h.end() {
		b.EOF = true
		if h.inErr != nil {
			b.InputError = h.inErr.Error()
		}
	}
	if q.Client == "" {
		b.client = ""
	}
	return b, nil
}

var errWaitOver = errors.New("wait over")

func (b *Batch) addStream(sid uint32) {
	for _, s := range b.StreamIDs {
		if s == sid {
			return
		}
	}
	if len(b.StreamIDs) < MaxListedStreams {
		b.StreamIDs = append(b.StreamIDs, sid)
	} else {
		b.MoreStreamIDs = true
	}
}

func (h *Hub) cursorErrLocked(reason string, from uint64) *CursorError {
	return &CursorError{Reason: reason, From: from, Oldest: h.first, End: h.end(), Instance: h.opt.Instance}
}

// Drained reports whether the input has ended, some client has read to its
// end or said it reads no more (a reader behind `| head`), and no other
// known client is still reading. A client that merely went quiet (a cut
// link) neither ends the stream nor holds it once it has timed out.
func (h *Hub) Drained() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.drainedLocked(time.Now())
}

func (h *Hub) drainedLocked(now time.Time) bool {
	if !h.eof || !(h.ever || h.left) {
		return false
	}
	h.expireLocked(now)
	end := h.end()
	for _, c := range h.clients {
		if !c.done && c.cursor != end {
			return false
		}
	}
	return true
}

// WaitDrained returns nil once Drained is true, or ctx.Err().
func (h *Hub) WaitDrained(ctx context.Context) error {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		h.mu.Lock()
		if h.drainedLocked(time.Now()) {
			h.mu.Unlock()
			return nil
		}
		ch := h.spaceLocked()
		h.mu.Unlock()
		select {
		case <-ch:
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// rateMeter counts input per wall-clock second over the last few seconds.
type rateMeter struct {
	sec [8]int64
	pk  [8]uint64
	by  [8]uint64
}

func (m *rateMeter) add(now time.Time, n int) {
	s := now.Unix()
	i := s & 7
	if m.sec[i] != s {
		m.sec[i], m.pk[i], m.by[i] = s, 0, 0
	}
	m.pk[i]++
	m.by[i] += uint64(n)
}

// rate averages the last complete seconds (up to 5).
func (m *rateMeter) rate(now time.Time, uptime time.Duration) (pk, by float64) {
	s := now.Unix()
	span := min(5, int64(uptime/time.Second))
	if span < 1 {
		return 0, 0
	}
	var p, b uint64
	for i := range m.sec {
		if d := s - m.sec[i]; d >= 1 && d <= span {
			p += m.pk[i]
			b += m.by[i]
		}
	}
	return float64(p) / float64(span), float64(b) / float64(span)
}
