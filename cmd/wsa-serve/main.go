// Command wsa-serve serves a VRT packet stream read on stdin to any number of
// HTTP long-poll clients (wsa-pull, curl, other languages), numbering every
// packet so that clients resume after a cut without losing or repeating one.
// The protocol is in docs/HTTP.md; the logic is pkg/longpoll.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"time"

	ucli "github.com/urfave/cli/v3"

	"github.com/wsatools/wsa/internal/cli"
	"github.com/wsatools/wsa/pkg/longpoll"
)

const defaultListen = "127.0.0.1:8037"

func main() {
	cli.Run(&ucli.Command{
		Name:      "wsa-serve",
		Usage:     "serve a VRT packet stream (stdin or FILE) to HTTP long-poll clients, lossless and resumable",
		ArgsUsage: "[FILE]",
		Description: `Every packet read gets a 64-bit sequence number and goes into a bounded
buffer. Clients ask for packets from a sequence number (GET /stream?from=SEQ)
and get them as soon as any are held; a client that reconnects asks from
where it stopped, so nothing is lost or repeated. When the slowest client is
a whole buffer behind, --policy block stops reading the input (backpressure
reaches the producer) and --policy drop discards the oldest packets (clients
are told exactly how many they lost). When the input ends and every client
has read to its end, wsa-serve exits 0. GET /status (JSON) and /metrics
(Prometheus) show sequences held, rate, clients and their lag.

Listens on loopback only unless --listen names another address; --token (or
WSA_TOKEN) requires "Authorization: Bearer TOKEN"; --tls-cert/--tls-key
serve HTTPS. The protocol is described in docs/HTTP.md.

Examples:
   wsa-capture --sim | wsa-fft | wsa-serve
   wsa-capture --host wsa1 | wsa-serve --listen :8037 --token-file ~/.wsa-token --policy drop --buffer 256M
   wsa-pull http://127.0.0.1:8037 | wsa-plot -o spectrum.png
   curl -s 'http://127.0.0.1:8037/stream?from=oldest&wait=5s' | wsa-dump`,
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "listen", Aliases: []string{"l"}, Value: defaultListen, Usage: "`ADDR`ESS to listen on (host:port; \":8037\" means every interface; port 0 picks a free one)"},
			&ucli.StringFlag{Name: "buffer", Aliases: []string{"b"}, Value: "64M", Usage: "buffer `SIZE` (k/M/G = 1024-based); each packet costs its size plus 32 bytes"},
			&ucli.StringFlag{Name: "policy", Aliases: []string{"p"}, Value: "block", Usage: "when the slowest client is a full buffer behind: block (stop reading input, lossless) or drop (discard oldest)"},
			&ucli.StringFlag{Name: "token", Usage: "require this bearer `TOKEN` on every request", Sources: ucli.EnvVars("WSA_TOKEN")},
			&ucli.StringFlag{Name: "token-file", Usage: "read the bearer token from `FILE` (keeps it out of ps)"},
			&ucli.StringFlag{Name: "tls-cert", Usage: "serve HTTPS with this certificate `FILE` (PEM; with --tls-key)"},
			&ucli.StringFlag{Name: "tls-key", Usage: "private key `FILE` for --tls-cert (PEM)"},
			&ucli.IntFlag{Name: "max-clients", Value: longpoll.DefaultMaxConcurrent, Usage: "most requests served at once (long polls included); more get 503"},
			&ucli.DurationFlag{Name: "client-timeout", Value: longpoll.DefaultClientTimeout, Usage: "forget a client after this long without a request (it then no longer holds the buffer)"},
			&ucli.DurationFlag{Name: "linger", Usage: "after the input ends, wait at most this long for clients to read to the end (0: as long as it takes)"},
			&ucli.StringFlag{Name: "addr-file", Usage: "write the address listened on (host:port) to `FILE` once listening (for --listen 127.0.0.1:0)"},
			&ucli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "log refused requests and clients' progress on stderr"},
			&ucli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "do not print the address on start"},
		},
		Action: run,
	})
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "wsa-serve: "+format+"\n", args...)
}

func run(ctx context.Context, cmd *ucli.Command) error {
	if cmd.Args().Len() > 1 {
		return cli.UsageError("expected at most one FILE, got %d arguments", cmd.Args().Len())
	}
	size, err := longpoll.ParseSize(cmd.String("buffer"))
	if err != nil {
		return cli.UsageError("--buffer: %v", err)
	}
	if size < longpoll.MinBufferBytes {
		return cli.UsageError("--buffer %s: at least %d KiB", cmd.String("buffer"), longpoll.MinBufferBytes>>10)
	}
	policy, err := longpoll.ParsePolicy(cmd.String("policy"))
	if err != nil {
		return cli.UsageError("--policy: %v", err)
	}
	if n := cmd.Int("max-clients"); n < 1 || n > 100000 {
		return cli.UsageError("--max-clients %d: want 1 to 100000", n)
	}
	if cmd.Duration("client-timeout") <= 0 || cmd.Duration("linger") < 0 {
		return cli.UsageError("--client-timeout must be positive and --linger not negative")
	}
	token, err := tokenFrom(cmd)
	if err != nil {
		return err
	}
	certFile, keyFile := cmd.String("tls-cert"), cmd.String("tls-key")
	if (certFile == "") != (keyFile == "") {
		return cli.UsageError("--tls-cert and --tls-key go together")
	}
	var tlsConf *tls.Config
	if certFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return cli.Exit(fmt.Errorf("TLS certificate: %w", err), cli.ExitFailure)
		}
		tlsConf = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}

	in, name, closeIn, err := cli.OpenInput(cmd.Args().First())
	if err != nil {
		return err
	}
	defer closeIn()
	if in == os.Stdin && cli.IsTerminal(os.Stdin) {
		return cli.UsageError("stdin is a terminal: pipe packets in (wsa-capture ... | wsa-serve) or name a FILE")
	}

	addr := cmd.String("listen")
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return cli.Exit(fmt.Errorf("listen: %w", err), cli.ExitFailure)
	}
	if tlsConf != nil {
		ln = tls.NewListener(ln, tlsConf)
	}
	bound := ln.Addr().String()
	if !isLoopback(ln.Addr()) && token == "" {
		logf("warning: listening on %s without --token: anyone who can reach it can read the stream", bound)
	}
	if f := cmd.String("addr-file"); f != "" {
		if err := os.WriteFile(f, []byte(bound+"\n"), 0o644); err != nil {
			ln.Close()
			return cli.Exit(fmt.Errorf("--addr-file: %w", err), cli.ExitFailure)
		}
	}
	scheme := "http"
	if tlsConf != nil {
		scheme = "https"
	}
	if !cmd.Bool("quiet") {
		logf("serving %s on %s://%s/stream (policy %s, buffer %s)", name, scheme, bound, policy, cmd.String("buffer"))
	}

	hub := longpoll.NewHub(longpoll.HubOptions{BufferBytes: size, Policy: policy, ClientTimeout: cmd.Duration("client-timeout")})
	var reqLog func(string, ...any)
	if cmd.Bool("verbose") {
		reqLog = logf
	}
	srv := longpoll.NewServer(bound, longpoll.NewHandler(hub, longpoll.ServerOptions{Token: token, MaxConcurrent: int(cmd.Int("max-clients")), Logf: reqLog}))
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	ctx, signalled := cli.SignalContext(ctx)
	defer signalled()
	inErr := make(chan error, 1)
	go func() {
		_, err := hub.ReadFrom(ctx, in)
		inErr <- err
	}()

	var inputErr error
	select {
	case inputErr = <-inErr:
	case err := <-serveErr:
		return cli.Exit(fmt.Errorf("serve: %w", err), cli.ExitFailure)
	case <-ctx.Done():
	}
	if ctx.Err() != nil {
		return stop(srv, hub, signalled())
	}
	if inputErr != nil {
		logf("%s: %v (clients get every packet before it, then the end of the stream)", name, inputErr)
	}
	if cmd.Bool("verbose") {
		st := hub.Status()
		logf("input ended after %d packets; waiting for %d clients to read to the end", st.EndSeq, len(st.Clients))
	}
	dctx := ctx
	if l := cmd.Duration("linger"); l > 0 {
		var cancel context.CancelFunc
		dctx, cancel = context.WithTimeout(ctx, l)
		defer cancel()
	}
	select {
	case err := <-serveErr:
		return cli.Exit(fmt.Errorf("serve: %w", err), cli.ExitFailure)
	case err := <-waitDrained(dctx, hub):
		if ctx.Err() != nil {
			return stop(srv, hub, signalled())
		}
		if err != nil {
			st := hub.Status()
			logf("--linger %v over: exiting with %d clients not at the end", cmd.Duration("linger"), countBehind(st))
		}
	}
	hub.Shutdown()
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	srv.Shutdown(sctx)
	if inputErr != nil {
		return cli.Reported(cli.ExitFailure) // the error was reported when it happened
	}
	return nil
}

func waitDrained(ctx context.Context, hub *longpoll.Hub) <-chan error {
	ch := make(chan error, 1)
	go func() { ch <- hub.WaitDrained(ctx) }()
	return ch
}

func countBehind(st longpoll.Status) int {
	n := 0
	for _, c := range st.Clients {
		if !c.Done && c.Cursor != st.EndSeq {
			n++
		}
	}
	return n
}

// stop ends on a signal: waiting clients are answered at once with the
// closing mark and the final end sequence (so they can count exactly what
// they miss), then connections close.
func stop(srv *http.Server, hub *longpoll.Hub, sig os.Signal) error {
	hub.Shutdown()
	sctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	srv.Shutdown(sctx)
	if sig == syscall.SIGTERM {
		return cli.Exit(errors.New("terminated"), 143)
	}
	return cli.Exit(errors.New("interrupted"), cli.ExitInterrupt)
}

func tokenFrom(cmd *ucli.Command) (string, error) {
	token := cmd.String("token")
	if f := cmd.String("token-file"); f != "" {
		if cmd.IsSet("token") {
			return "", cli.UsageError("--token and --token-file: give one")
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return "", cli.Exit(fmt.Errorf("--token-file: %w", err), cli.ExitFailure)
		}
		token = strings.TrimSpace(string(b))
		if token == "" {
			return "", cli.UsageError("--token-file %s is empty", f)
		}
	}
	if strings.ContainsAny(token, " \t\r\n") {
		return "", cli.UsageError("the token must not contain white space")
	}
	return token, nil
}

func isLoopback(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}
