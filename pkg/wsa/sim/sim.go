package sim

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wsatools/wsa/pkg/wsa"
)

// Identity is what *IDN? and discovery report.
type Identity struct {
	Manufacturer, Model, Serial, Firmware string
}

// DefaultIdentity is the simulator's *IDN? answer.
var DefaultIdentity = Identity{"ThinkRF", "WSA4000", "SIM-000001", "2.5.3-sim"}

// Config describes one simulated device. The zero value is a WSA4000 on
// loopback ephemeral ports with the default scene and no discovery
// listener, which is what tests and `wsa-capture --sim` want.
type Config struct {
	// Listen addresses; "" means 127.0.0.1:0 for SCPI and VRT and no
	// discovery listener. A port of 0 picks a free port.
	SCPIAddr, VRTAddr, DiscoveryAddr string
	// DiscoveryVersion is the response version: 1 (WSA4000, serial only)
	// or 2 (model, serial, firmware). 0 uses the model's version (1).
	DiscoveryVersion uint32
	Identity         Identity
	// Scene is the RF environment at antenna 1; nil means DefaultScene().
	Scene *Scene
	// Impairments of the receiver; nil means DefaultImpairments.
	Impairments *Impairments
	// Pace streams and sweeps at the real sample rate (125 MHz /
	// decimation) instead of as fast as the client reads. When paced and
	// the client falls behind by more than the device buffer, packets are
	// dropped and the next one carries the sample-loss trailer flag.
	Pace bool
	// Faults to inject (see Faults); can be changed later with SetFaults.
	Faults Faults
	// DataWait bounds how long a capture waits for the client's VRT
	// connection to be accepted (default 2 s); without one the data is
	// discarded.
	DataWait time.Duration
	// Seed makes the noise reproducible; 0 picks one from the clock.
	Seed uint64
	// Logf, if set, receives one line per connection event and command.
	Logf func(format string, args ...any)
	// Now is the device clock (UTC); nil uses time.Now.
	Now func() time.Time
}

// Faults makes the simulator misbehave on purpose, so tests can check that
// clients and tools fail cleanly. Packet counts are per VRT connection
// and include context packets. Each fault's documented outcome is in
// docs/DEVICE.md.
type Faults struct {
	// DropVRTAfter closes the VRT connection after this many packets.
	DropVRTAfter int
	// StallAfter stops sending on the VRT connection after this many
	// packets while keeping it open (the client's timeout must fire).
	StallAfter int
	// MalformedAfter sends one malformed packet (a data header whose size
	// is too small for its own prologue) after this many packets.
	MalformedAfter int
	// RefuseLock answers 0 to every :SYSTEM:LOCK:REQUEST? ACQ.
	RefuseLock bool
	// SCPIErrors makes a command fail with an error number instead of
	// running: the key is any spelling of its header ("FREQ:CENTER",
	// ":TRACE:BLOCK:DATA?"), the value an SCPI error code such as -222.
	SCPIErrors map[string]int
	// Unlocked reports the RF and reference PLLs as unlocked and clears
	// the reference-lock trailer flag.
	Unlocked bool
}

// Sim is a running simulated WSA4000.
type Sim struct {
	cfg   Config
	props *wsa.Properties
	now   func() time.Time

	scpiLn, vrtLn net.Listener
	udp           net.PacketConn
	ctx           context.Context
	stop          context.CancelFunc
	wg            sync.WaitGroup

	faults  atomic.Pointer[compiledFaults]
	scene   atomic.Pointer[Scene]
	seedCtr atomic.Uint64

	mu       sync.Mutex
	changed  *sync.Cond // broadcast on any state change (for WaitIdle)
	set      settings
	sweep    sweepState
	lock     *session // holder of the acquisition lock
	sessions map[*session]struct{}
	data     []*dataConn // VRT connections, oldest first
	acq      *acquisition
	counts   [5]uint8 // packet counts per stream (index streamIndex)
	nextSess int
	stats    Stats
}

// Stats counts what the simulator did, for tests and logs.
type Stats struct {
	Commands    int64 // program message units executed
	Errors      int64 // entries pushed to error queues
	Packets     int64 // VRT packets written to sockets
	Bytes       int64 // VRT bytes written
	Dropped     int64 // packets dropped (paced mode, client too slow)
	Undelivered int64 // packets generated for a session without VRT connection
}

// Status is a snapshot of the device state, for tests that check that a
// client left the device idle and unlocked.
type Status struct {
	Capture   string // IDLE, BLOCK, STREAMING or SWEEPING
	Locked    bool
	Sessions  int
	DataConns int
	Queued    int // packets waiting in send queues
	Stats     Stats
}

type session struct {
	id     int
	conn   net.Conn
	remote string // remote IP, for pairing with a VRT connection
	errs   []scpiError
	data   *dataConn
	closed bool
}

// maxErrors is the error queue depth; further errors replace the last
// entry with -350 "Queue overflow", as SCPI prescribes.
const maxErrors = 32

func (ss *session) push(e *scpiError) {
	switch {
	case len(ss.errs) < maxErrors-1:
		ss.errs = append(ss.errs, *e)
	case len(ss.errs) == maxErrors-1:
		ss.errs = append(ss.errs, scpiError{Code: ErrQueueOverflow})
	}
}

// New starts a simulator: it listens on the configured addresses and
// serves until Close.
func New(cfg Config) (*Sim, error) {
	if cfg.SCPIAddr == "" {
		cfg.SCPIAddr = "127.0.0.1:0"
	}
	if cfg.VRTAddr == "" {
		cfg.VRTAddr = "127.0.0.1:0"
	}
	if cfg.Identity.Model == "" {
		cfg.Identity = DefaultIdentity
	}
	s := &Sim{cfg: cfg, props: wsa.PropertiesFor(cfg.Identity.Model), sessions: map[*session]struct{}{}}
	s.now = cfg.Now
	if s.now == nil {
		s.now = time.Now
	}
	if cfg.DiscoveryVersion == 0 {
		s.cfg.DiscoveryVersion = s.props.DiscoveryVersion
	}
	if s.cfg.Seed == 0 {
		s.cfg.Seed = uint64(time.Now().UnixNano())
	}
	s.changed = sync.NewCond(&s.mu)
	s.set = defaultSettings()
	s.sweep.iterations = 1
	sc := DefaultScene()
	if cfg.Scene != nil {
		sc = *cfg.Scene
	}
	s.scene.Store(&sc)
	if err := s.SetFaults(cfg.Faults); err != nil {
		return nil, err
	}
	s.ctx, s.stop = context.WithCancel(context.Background())
	var err error
	if s.scpiLn, err = net.Listen("tcp", cfg.SCPIAddr); err != nil {
		return nil, fmt.Errorf("sim: SCPI listener: %w", err)
	}
	if s.vrtLn, err = net.Listen("tcp", cfg.VRTAddr); err != nil {
		s.scpiLn.Close()
		return nil, fmt.Errorf("sim: VRT listener: %w", err)
	}
	if cfg.DiscoveryAddr != "" {
		if s.udp, err = net.ListenPacket("udp", cfg.DiscoveryAddr); err != nil {
			s.scpiLn.Close()
			s.vrtLn.Close()
			return nil, fmt.Errorf("sim: discovery listener: %w", err)
		}
		s.wg.Add(1)
		go s.serveDiscovery()
	}
	s.wg.Add(2)
	go s.acceptLoop(s.scpiLn, s.acceptSCPI)
	go s.acceptLoop(s.vrtLn, s.acceptVRT)
	return s, nil
}

// SCPIAddr is the address the SCPI listener is bound to.
func (s *Sim) SCPIAddr() string { return s.scpiLn.Addr().String() }

// VRTAddr is the address the VRT listener is bound to.
func (s *Sim) VRTAddr() string { return s.vrtLn.Addr().String() }

// DiscoveryAddr is the UDP discovery address, or "" when not listening.
func (s *Sim) DiscoveryAddr() string {
	if s.udp == nil {
		return ""
	}
	return s.udp.LocalAddr().String()
}

// Close stops the simulator: listeners and every connection are closed and
// all goroutines have ended when it returns.
func (s *Sim) Close() error {
	s.stop()
	s.scpiLn.Close()
	s.vrtLn.Close()
	if s.udp != nil {
		s.udp.Close()
	}
	s.mu.Lock()
	for ss := range s.sessions {
		ss.conn.Close()
	}
	for _, d := range s.data {
		d.close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

// SetScene replaces the RF scene; captures started afterwards see it.
func (s *Sim) SetScene(sc Scene) { s.scene.Store(&sc) }

// Scene returns the current scene.
func (s *Sim) Scene() Scene { return *s.scene.Load() }

type compiledFaults struct {
	Faults
	scpi []compiledSCPIFault
}

type compiledSCPIFault struct {
	spec *cmdSpec
	code int
}

// SetFaults replaces the injected faults. New VRT packet counts start from
// each connection's packets so far. It fails if an SCPIErrors key names
// no command.
func (s *Sim) SetFaults(f Faults) error {
	cf := &compiledFaults{Faults: f}
	for k, code := range f.SCPIErrors {
		c, err := parseUnit(strings.TrimSpace(k))
		if err != nil {
			return fmt.Errorf("sim: fault %q: %v", k, err)
		}
		spec := lookup(&c)
		if spec == nil {
			return fmt.Errorf("sim: fault %q: no such command", k)
		}
		cf.scpi = append(cf.scpi, compiledSCPIFault{spec, code})
	}
	s.faults.Store(cf)
	return nil
}

// Status returns a snapshot of the device state.
func (s *Sim) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.statusLocked()
}

func (s *Sim) statusLocked() Status {
	st := Status{Capture: "IDLE", Locked: s.lock != nil, Sessions: len(s.sessions), DataConns: len(s.data), Stats: s.stats}
	if s.acq != nil {
		st.Capture = s.acq.kind
	}
	for _, d := range s.data {
		st.Queued += len(d.q)
	}
	return st
}

// WaitIdle waits until no capture runs, nobody holds the lock and no
// client is connected (SCPI or VRT), or ctx ends. Tests use it after a
// client went away to assert the device was left clean.
func (s *Sim) WaitIdle(ctx context.Context) (Status, error) {
	return s.Wait(ctx, func(st Status) bool {
		return st.Capture == "IDLE" && !st.Locked && st.Sessions == 0 && st.DataConns == 0
	})
}

// Wait waits until cond holds for the device status, or ctx ends.
func (s *Sim) Wait(ctx context.Context, cond func(Status) bool) (Status, error) {
	stop := context.AfterFunc(ctx, func() {
		s.mu.Lock()
		s.changed.Broadcast()
		s.mu.Unlock()
	})
	defer stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		st := s.statusLocked()
		if cond(st) {
			return st, nil
		}
		if ctx.Err() != nil {
			return st, fmt.Errorf("sim: waiting for the device: last status %+v: %w", st, ctx.Err())
		}
		s.changed.Wait()
	}
}

func (s *Sim) logf(format string, args ...any) {
	if s.cfg.Logf != nil {
		s.cfg.Logf(format, args...)
	}
}

// acceptLoop takes connections in the order the kernel completed them.
// accept registers each one before the next is taken (so pairing, below,
// sees connections in the order clients made them, however the goroutines
// are scheduled) and returns what serves it.
func (s *Sim) acceptLoop(ln net.Listener, accept func(net.Conn) func()) {
	defer s.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			if s.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			s.logf("accept: %v", err)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		serve := accept(c)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			serve()
		}()
	}
}

func remoteIP(c net.Conn) string {
	host, _, err := net.SplitHostPort(c.RemoteAddr().String())
	if err != nil {
		return c.RemoteAddr().String()
	}
	return host
}

// maxLine bounds one SCPI line; a longer line is discarded with an error.
const maxLine = 8192

func (s *Sim) acceptSCPI(conn net.Conn) func() {
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	s.mu.Lock()
	s.nextSess++
	ss := &session{id: s.nextSess, conn: conn, remote: remoteIP(conn)}
	s.sessions[ss] = struct{}{}
	// A VRT connection that arrived first is paired now.
	s.pairLocked(ss)
	s.changed.Broadcast()
	s.mu.Unlock()
	s.logf("scpi %d: connected from %s", ss.id, conn.RemoteAddr())
	return func() { s.serveSCPI(ss) }
}

func (s *Sim) serveSCPI(ss *session) {
	conn := ss.conn
	defer s.endSession(ss)

	r := bufio.NewReaderSize(conn, maxLine)
	for {
		line, err := r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// Discard the rest of an over-long line.
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = r.ReadSlice('\n')
			}
			s.mu.Lock()
			ss.push(serr(ErrCommand, "line longer than %d bytes", maxLine))
			s.stats.Errors++
			s.mu.Unlock()
			if err != nil {
				return
			}
			continue
		}
		if err != nil && (len(line) == 0 || err != io.EOF) {
			return
		}
		reply := s.execLine(ss, strings.TrimRight(string(line), "\r\n"))
		if reply != "" {
			// One write per reply, LF-terminated (device-facts.md §1, §12.2).
			if _, werr := conn.Write([]byte(reply + "\n")); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// endSession cleans up after a client's SCPI connection closed: its
// capture stops, queued data is dropped, the lock is released and its VRT
// connection is closed, so the device is idle for the next client.
func (s *Sim) endSession(ss *session) {
	ss.conn.Close()
	s.mu.Lock()
	ss.closed = true
	if s.acq != nil && s.acq.sess == ss {
		s.abortLocked()
	}
	if s.lock == ss {
		s.lock = nil
	}
	if ss.data != nil {
		ss.data.flush()
		ss.data.close()
	}
	delete(s.sessions, ss)
	s.changed.Broadcast()
	s.mu.Unlock()
	s.logf("scpi %d: closed", ss.id)
}

// execLine runs every program message unit of one line and returns the
// reply line ("" when no unit was a query with an answer). Several answers
// are joined with ';' as IEEE 488.2 prescribes.
func (s *Sim) execLine(ss *session, line string) string {
	cmds, perrs := parseLine(line)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range perrs {
		ss.push(e)
		s.stats.Errors++
	}
	var replies []string
	for i := range cmds {
		c := &cmds[i]
		s.stats.Commands++
		reply, err := s.exec(ss, c)
		if err != nil {
			s.logf("scpi %d: %s -> %s", ss.id, c.Text, err)
			ss.push(err)
			s.stats.Errors++
			continue
		}
		s.logf("scpi %d: %s", ss.id, c.Text)
		if c.Query && reply != "" {
			replies = append(replies, reply)
		}
	}
	s.changed.Broadcast()
	return strings.Join(replies, ";")
}

// exec runs one command with s.mu held.
func (s *Sim) exec(ss *session, c *command) (string, *scpiError) {
	spec := lookup(c)
	if spec == nil {
		return "", serr(ErrUndefinedHeader, "%q", clip(c.Text))
	}
	if f := s.faults.Load(); f != nil {
		for _, sf := range f.scpi {
			if sf.spec == spec {
				return "", &scpiError{Code: sf.code, Info: "injected fault"}
			}
		}
	}
	// Queries stay open to everybody; :TRACE:BLOCK:DATA? (query-only)
	// starts a capture and counts as a set.
	isSet := !c.Query || spec.forms == queryOnly
	if spec.lock && isSet && s.lock != nil && s.lock != ss {
		return "", serr(ErrExecution, "acquisition lock held by another client")
	}
	return spec.run(s, ss, c)
}

// Acquisition lock. The lock is exclusive; a client that holds it may
// request it again (answer 1).

func (s *Sim) requestLock(ss *session) bool {
	if f := s.faults.Load(); f != nil && f.RefuseLock {
		return false
	}
	if s.lock == nil || s.lock == ss {
		s.lock = ss
		return true
	}
	return false
}

// VRT data connections.

// dataConn is one client connection to the VRT port. Packets go through a
// bounded queue, which plays the role of the device's output buffer:
// :SYSTEM:FLUSH empties it.
type dataConn struct {
	s      *Sim
	conn   net.Conn
	remote string
	q      chan []byte
	done   chan struct{} // closed when the connection is gone
	once   sync.Once
	sent   int // packets written, for fault injection
	sess   *session
	// lossPending marks that packets were dropped since the last one sent
	// (paced mode): the next data packet carries the sample-loss flag.
	lossPending atomic.Bool
}

// queueDepth is the device's output buffer in packets.
const queueDepth = 64

func (d *dataConn) close() {
	d.once.Do(func() {
		close(d.done)
		d.conn.Close()
	})
}

// flush drops every queued packet.
func (d *dataConn) flush() {
	for {
		select {
		case b := <-d.q:
			putBuf(b)
		default:
			return
		}
	}
}

func (s *Sim) acceptVRT(conn net.Conn) func() {
	d := &dataConn{s: s, conn: conn, remote: remoteIP(conn), q: make(chan []byte, queueDepth), done: make(chan struct{})}
	s.mu.Lock()
	s.data = append(s.data, d)
	s.pairDataLocked(d)
	s.changed.Broadcast()
	s.mu.Unlock()
	s.logf("vrt: connected from %s", conn.RemoteAddr())
	return func() { s.serveVRT(d) }
}

func (s *Sim) serveVRT(d *dataConn) {
	conn := d.conn

	// The client never writes on this port; a read returning means it went away.
	go func() {
		io.Copy(io.Discard, conn)
		d.close()
	}()
	d.writeLoop()

	d.close()
	s.mu.Lock()
	for i, x := range s.data {
		if x == d {
			s.data = append(s.data[:i], s.data[i+1:]...)
			break
		}
	}
	if d.sess != nil {
		if s.acq != nil && s.acq.sess == d.sess {
			// Nobody to send to: the capture stops and the device goes idle.
			s.abortLocked()
		}
		if d.sess.data == d {
			d.sess.data = nil
		}
	}
	d.flush()
	s.changed.Broadcast()
	s.mu.Unlock()
	s.logf("vrt: closed (%d packets sent)", d.sent)
}

func (d *dataConn) writeLoop() {
	for {
		var b []byte
		select {
		case b = <-d.q:
		case <-d.done:
			return
		}
		f := d.s.faults.Load()
		if f.DropVRTAfter > 0 && d.sent >= f.DropVRTAfter {
			putBuf(b)
			d.s.logf("vrt: fault: dropping the connection after %d packets", d.sent)
			if tc, ok := d.conn.(*net.TCPConn); ok {
				tc.SetLinger(0)
			}
			return
		}
		if f.StallAfter > 0 && d.sent >= f.StallAfter {
			putBuf(b)
			d.s.logf("vrt: fault: stalling after %d packets", d.sent)
			<-d.done
			return
		}
		if f.MalformedAfter > 0 && d.sent == f.MalformedAfter {
			d.s.logf("vrt: fault: sending a malformed packet after %d packets", d.sent)
			// A data packet (type 1, trailer) whose size field says 2 words:
			// too small for its own stream ID, timestamps and trailer.
			bad := []byte{0x14, 0x60, 0x00, 0x02, 0x90, 0x00, 0x00, 0x03}
			if _, err := d.conn.Write(bad); err != nil {
				putBuf(b)
				return
			}
		}
		n, err := d.conn.Write(b)
		putBuf(b)
		d.sent++
		d.s.mu.Lock()
		d.s.stats.Packets++
		d.s.stats.Bytes += int64(n)
		d.s.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// Pairing: the device pushes a client's data on that client's VRT
// connection, but nothing on the wire says which SCPI connection a VRT
// connection belongs to. Clients open SCPI then VRT (pyrf's order), so
// connections from one address are paired first come, first served: a new
// VRT connection belongs to the oldest session from the same address that
// has none, and a VRT connection that arrives first waits for its session.

func (s *Sim) pairDataLocked(d *dataConn) {
	var best *session
	for ss := range s.sessions {
		if ss.data == nil && ss.remote == d.remote && !ss.closed && (best == nil || ss.id < best.id) {
			best = ss
		}
	}
	if best != nil {
		best.data, d.sess = d, best
	}
}

func (s *Sim) pairLocked(ss *session) {
	for _, d := range s.data {
		if d.sess == nil && d.remote == ss.remote {
			ss.data, d.sess = d, ss
			return
		}
	}
}

// sinkFor returns the session's VRT connection, pairing a waiting one if
// needed; nil if the client has none.
func (s *Sim) sinkFor(ss *session) *dataConn {
	if ss.data == nil {
		s.pairLocked(ss)
	}
	return ss.data
}

// Packet buffers are recycled: at full rate the simulator builds hundreds
// of megabytes a second.
var bufPool sync.Pool

func getBuf(n int) []byte {
	if v := bufPool.Get(); v != nil {
		b := *(v.(*[]byte))
		if cap(b) >= n {
			return b[:0]
		}
	}
	return make([]byte, 0, n)
}

func putBuf(b []byte) {
	if cap(b) < 1024 {
		return
	}
	bufPool.Put(&b)
}
