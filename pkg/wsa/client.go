// Package wsa drives a ThinkRF WSA4000-family spectrum analyzer over its
// two TCP connections: SCPI commands on port 37001 and VITA-49 (VRT)
// packets pushed by the device on port 37000 (device-facts.md §1, §3).
//
// The client is blocking and simple: every method takes a context, so
// Ctrl-C and timeouts reach the socket, and every value is checked against
// the model's Properties before anything is sent, so a bad argument is an
// error that names the allowed range, never a half-applied setting. No
// argument can smuggle a newline or a second command (';') onto the
// control connection.
//
// Close leaves the device as it found it: any capture this client started
// is stopped, buffered data is flushed and the acquisition lock released.
//
// The simulator in package sim speaks the same protocol on real sockets;
// docs/DEVICE.md describes both.
package wsa

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wsatools/wsa/pkg/vrt"
)

// Default ports of a WSA device.
const (
	SCPIPort = 37001
	VRTPort  = 37000
)

// Default timeouts. pyrf connects with an 8 s timeout (device-facts.md §1).
const (
	DefaultDialTimeout  = 8 * time.Second
	DefaultReplyTimeout = 5 * time.Second
)

// Option adjusts Dial.
type Option func(*options)

type options struct {
	scpiPort, vrtPort int
	dialTimeout       time.Duration
	replyTimeout      time.Duration
	noErrorCheck      bool
	logf              func(string, ...any)
}

// WithPorts sets the SCPI and VRT ports (the simulator uses ephemeral
// ones). A port of 0 keeps the default.
func WithPorts(scpi, vrt int) Option {
	return func(o *options) { o.scpiPort, o.vrtPort = scpi, vrt }
}

// WithTimeouts sets the connect timeout and the time a query may wait for
// its reply. Zero keeps a default.
func WithTimeouts(dial, reply time.Duration) Option {
	return func(o *options) {
		if dial > 0 {
			o.dialTimeout = dial
		}
		if reply > 0 {
			o.replyTimeout = reply
		}
	}
}

// WithoutErrorCheck stops the client from reading :SYSTEM:ERROR? after
// each setting. By default it does, so a rejected setting is an error
// naming the command; early WSA4000 firmware predates that query.
func WithoutErrorCheck() Option {
	return func(o *options) { o.noErrorCheck = true }
}

// WithLog receives one line per SCPI command sent and reply received.
func WithLog(logf func(format string, args ...any)) Option {
	return func(o *options) { o.logf = logf }
}

// Identity is the answer to *IDN?.
type Identity struct {
	Manufacturer, Model, Serial, Firmware string
}

// Client is a connection to one device. SCPI methods may be called from
// several goroutines (they are serialised); ReadPacket from one at a time.
type Client struct {
	opt   options
	host  string
	scpi  net.Conn
	rd    *bufio.Reader
	data  net.Conn
	props *Properties
	id    Identity

	mu       sync.Mutex // serialises SCPI exchanges
	broken   error      // the SCPI stream lost sync; only Close is possible
	locked   bool       // this client holds the acquisition lock
	started  bool       // this client started a capture since the last abort
	scpiWait deadlineWatch

	dmu      sync.Mutex // serialises ReadPacket
	fr       framer
	pkt      vrt.Packet
	dataErr  error
	dataWait deadlineWatch

	closeOnce sync.Once
	closeErr  error
}

// ErrLocked is returned by Lock when another client holds the
// acquisition lock.
var ErrLocked = errors.New("device is locked by another client (acquisition lock refused)")

// DeviceError is an entry of the device's error queue, reported after the
// command that caused it.
type DeviceError struct {
	Command string // the command after which the error was read
	Code    int
	Message string
}

func (e *DeviceError) Error() string {
	if e.Command == "" {
		return fmt.Sprintf("device error %d: %s", e.Code, e.Message)
	}
	return fmt.Sprintf("%s: device error %d: %s", e.Command, e.Code, e.Message)
}

// Dial connects to the device at host: SCPI first, then VRT (pyrf's
// order), and reads its identity to pick the model's properties. host is
// "name" or "name:port"; a port there is the SCPI port and the VRT port
// defaults to one below it (37001/37000), unless WithPorts says otherwise.
func Dial(ctx context.Context, host string, opts ...Option) (*Client, error) {
	o := options{scpiPort: SCPIPort, vrtPort: VRTPort, dialTimeout: DefaultDialTimeout, replyTimeout: DefaultReplyTimeout}
	name := host
	if h, p, err := net.SplitHostPort(host); err == nil {
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > 65535 {
			return nil, fmt.Errorf("wsa: host %q: bad port", host)
		}
		name, o.scpiPort, o.vrtPort = h, n, n-1
	}
	for _, f := range opts {
		f(&o)
	}
	if name == "" {
		return nil, errors.New("wsa: no host given")
	}
	if strings.ContainsAny(name, " \t\r\n/") {
		return nil, fmt.Errorf("wsa: host %q is not a host name or address", host)
	}
	c := &Client{opt: o, host: name}
	d := net.Dialer{Timeout: o.dialTimeout}
	saddr := net.JoinHostPort(name, strconv.Itoa(o.scpiPort))
	var err error
	if c.scpi, err = d.DialContext(ctx, "tcp", saddr); err != nil {
		return nil, fmt.Errorf("wsa: connect SCPI %s: %w", saddr, err)
	}
	if tc, ok := c.scpi.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	c.rd = bufio.NewReaderSize(c.scpi, 64<<10)
	// Identify before opening the data connection: the round trip makes
	// sure the device registered this control connection first, which is
	// how it knows where to send our data.
	if c.id, err = c.ID(ctx); err != nil {
		c.scpi.Close()
		return nil, fmt.Errorf("wsa: %s: %w", saddr, err)
	}
	c.props = PropertiesFor(c.id.Model)
	vaddr := net.JoinHostPort(name, strconv.Itoa(o.vrtPort))
	if c.data, err = d.DialContext(ctx, "tcp", vaddr); err != nil {
		c.scpi.Close()
		return nil, fmt.Errorf("wsa: connect VRT %s: %w", vaddr, err)
	}
	c.fr = framer{r: c.data, buf: make([]byte, 1<<20)}
	c.logf("connected to %s (%s %s, firmware %s)", name, c.id.Model, c.id.Serial, c.id.Firmware)
	return c, nil
}

// Properties returns the limits of the connected model.
func (c *Client) Properties() *Properties { return c.props }

// Identity returns the *IDN? answer read when connecting.
func (c *Client) Identity() Identity { return c.id }

// Host returns the host name or address dialled.
func (c *Client) Host() string { return c.host }

func (c *Client) logf(format string, args ...any) {
	if c.opt.logf != nil {
		c.opt.logf(format, args...)
	}
}

// Close stops what this client started (abort), flushes the device's
// buffer, releases the acquisition lock if held, and closes both
// connections. It waits at most the reply timeout for the device to
// confirm. Safe to call more than once.
func (c *Client) Close() error {
	c.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), c.opt.replyTimeout)
		defer cancel()
		c.mu.Lock()
		var lines []string
		if c.started || c.locked {
			lines = append(lines, ":SYSTEM:ABORT", ":SYSTEM:FLUSH")
		}
		if c.locked {
			lines = append(lines, ":SYSTEM:LOCK:RELEASE ACQ")
		}
		if c.broken == nil && len(lines) > 0 {
			// *OPC? confirms the device has run the lines before we hang up.
			if _, err := c.exchangeLocked(ctx, lines, "*OPC?"); err != nil {
				c.closeErr = fmt.Errorf("wsa: leaving the device idle: %w", err)
			}
			c.started, c.locked = false, false
		}
		c.broken = errors.New("wsa: client closed")
		c.mu.Unlock()
		if c.data != nil {
			c.data.Close()
		}
		if err := c.scpi.Close(); err != nil && c.closeErr == nil {
			c.closeErr = fmt.Errorf("wsa: close: %w", err)
		}
	})
	return c.closeErr
}

// checkText rejects anything that could end a command early or start a
// second one: control characters (newline, carriage return, NUL…), ';'
// and non-ASCII bytes. It runs before anything is written.
func checkText(s string) error {
	if strings.TrimSpace(s) == "" {
		return errors.New("wsa: empty command")
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		switch {
		case b < 0x20 || b == 0x7f:
			return fmt.Errorf("wsa: command %q contains control character 0x%02x: refused (it could end the command and start another)", s, b)
		case b == ';':
			return fmt.Errorf("wsa: command %q contains ';': refused (it would start a second command)", s)
		case b >= 0x80:
			return fmt.Errorf("wsa: command %q contains a non-ASCII byte: refused", s)
		}
	}
	return nil
}

// ctxErr is ctx.Err(), also when the socket deadline (set from the
// context's deadline) fired a moment before the context's own timer.
func ctxErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return nil
}

// deadlineWatch makes a blocking socket operation end when its context
// does: a context.AfterFunc moves the connection's deadline to the past.
// The generation counter keeps a late callback from touching a later
// operation's deadline.
type deadlineWatch struct {
	mu  sync.Mutex
	gen atomic.Uint64
}

func (w *deadlineWatch) watch(ctx context.Context, conn net.Conn, limit time.Duration) (release func()) {
	deadline := time.Time{}
	if limit > 0 {
		deadline = time.Now().Add(limit)
	}
	if d, ok := ctx.Deadline(); ok && (deadline.IsZero() || d.Before(deadline)) {
		deadline = d
	}
	conn.SetDeadline(deadline)
	g := w.gen.Add(1)
	stop := context.AfterFunc(ctx, func() {
		w.mu.Lock()
		if w.gen.Load() == g {
			conn.SetDeadline(time.Unix(1, 0))
		}
		w.mu.Unlock()
	})
	return func() {
		stop()
		w.mu.Lock()
		w.gen.Add(1)
		w.mu.Unlock()
	}
}

// exchangeLocked writes the lines (one write) and, if query is not empty,
// the query, and returns its reply with surrounding blanks trimmed. Any
// I/O failure leaves the stream out of step, so the client is marked
// broken. c.mu must be held.
func (c *Client) exchangeLocked(ctx context.Context, lines []string, query string) (string, error) {
	if c.broken != nil {
		return "", c.broken
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	var sb strings.Builder
	for _, l := range lines {
		sb.WriteString(l)
		sb.WriteByte('\n')
		c.logf("scpi> %s", l)
	}
	if query != "" {
		sb.WriteString(query)
		sb.WriteByte('\n')
		c.logf("scpi> %s", query)
	}
	release := c.scpiWait.watch(ctx, c.scpi, c.opt.replyTimeout)
	defer release()
	fail := func(what string, err error) (string, error) {
		if cerr := ctxErr(ctx); cerr != nil {
			err = fmt.Errorf("%w (%v)", cerr, err)
		}
		c.broken = fmt.Errorf("wsa: SCPI connection unusable after a failed %s: %w", what, err)
		return "", fmt.Errorf("wsa: %s: %w", what, err)
	}
	if _, err := io.WriteString(c.scpi, sb.String()); err != nil {
		return fail("write", err)
	}
	if query == "" {
		return "", nil
	}
	reply, err := c.rd.ReadString('\n')
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() && ctx.Err() == nil {
			err = fmt.Errorf("no reply to %q within %v: %w", query, c.opt.replyTimeout, err)
		}
		return fail("query", err)
	}
	reply = strings.TrimSpace(reply)
	c.logf("scpi< %s", reply)
	return reply, nil
}

// drainErrorsLocked reads :SYSTEM:ERROR? until the queue is empty and
// returns the first error as a *DeviceError (others are appended to its
// message). first is the reply already read, if any.
func (c *Client) drainErrorsLocked(ctx context.Context, cmd, first string) error {
	var errs []*DeviceError
	reply := first
	for i := 0; i < 64; i++ {
		if reply == "" {
			var err error
			if reply, err = c.exchangeLocked(ctx, nil, ":SYSTEM:ERROR?"); err != nil {
				return err
			}
		}
		de, err := parseErrorReply(reply)
		if err != nil {
			c.broken = fmt.Errorf("wsa: SCPI connection out of step: %w", err)
			return err
		}
		if de == nil {
			break
		}
		de.Command = cmd
		errs = append(errs, de)
		reply = ""
	}
	if len(errs) == 0 {
		return nil
	}
	for _, e := range errs[1:] {
		errs[0].Message += fmt.Sprintf("; then %d: %s", e.Code, e.Message)
	}
	return errs[0]
}

// parseErrorReply parses `<n>,"<text>"`; nil for 0.
func parseErrorReply(s string) (*DeviceError, error) {
	num, msg, _ := strings.Cut(s, ",")
	n, err := strconv.Atoi(strings.TrimSpace(num))
	if err != nil {
		return nil, fmt.Errorf("unexpected :SYSTEM:ERROR? reply %q", s)
	}
	if n == 0 {
		return nil, nil
	}
	return &DeviceError{Code: n, Message: strings.Trim(strings.TrimSpace(msg), `"`)}, nil
}

// set sends setting commands (one write) and, unless disabled, reads the
// error queue so a rejected setting is reported as a *DeviceError.
func (c *Client) set(ctx context.Context, lines ...string) error {
	for _, l := range lines {
		if err := checkText(l); err != nil {
			return err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.opt.noErrorCheck {
		_, err := c.exchangeLocked(ctx, lines, "")
		return err
	}
	reply, err := c.exchangeLocked(ctx, lines, ":SYSTEM:ERROR?")
	if err != nil {
		return err
	}
	return c.drainErrorsLocked(ctx, lines[len(lines)-1], reply)
}

// query sends one query and returns the trimmed reply.
func (c *Client) query(ctx context.Context, q string) (string, error) {
	if err := checkText(q); err != nil {
		return "", err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.exchangeLocked(ctx, nil, q)
}

// Command sends one raw SCPI command (for commands this package does not
// wrap) and reports device errors like the typed setters. The text is
// refused if it contains a newline, other control characters or ';'.
func (c *Client) Command(ctx context.Context, cmd string) error {
	return c.set(ctx, cmd)
}

// Query sends one raw SCPI query and returns its reply, trimmed. The same
// refusals as Command apply. A query the device does not answer times
// out and leaves the client unusable (the reply could still arrive).
func (c *Client) Query(ctx context.Context, q string) (string, error) {
	return c.query(ctx, q)
}

// Errors reads the device's error queue (:SYSTEM:ERROR? until 0).
func (c *Client) Errors(ctx context.Context) ([]DeviceError, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []DeviceError
	for i := 0; i < 64; i++ {
		reply, err := c.exchangeLocked(ctx, nil, ":SYSTEM:ERROR?")
		if err != nil {
			return out, err
		}
		de, err := parseErrorReply(reply)
		if err != nil {
			return out, err
		}
		if de == nil {
			break
		}
		out = append(out, *de)
	}
	return out, nil
}
