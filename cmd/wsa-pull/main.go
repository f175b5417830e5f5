// Command wsa-pull reads VRT packet streams from one or more wsa-serve
// servers over HTTP long-poll and writes them to stdout, resuming after
// network cuts and server restarts without losing or repeating a packet the
// server still holds, and saying exactly what was lost when it could not.
// The protocol is in docs/HTTP.md; the logic is pkg/longpoll.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	ucli "github.com/urfave/cli/v3"

	"github.com/wsatools/wsa/internal/cli"
	"github.com/wsatools/wsa/pkg/longpoll"
)

// ExitGap is the exit code of --fail-on-gap when packets were lost.
const ExitGap = 3

func main() {
	cli.Run(&ucli.Command{
		Name:      "wsa-pull",
		Usage:     "read VRT packet streams from wsa-serve servers (HTTP long-poll) to stdout",
		ArgsUsage: "URL [URL...]",
		Description: `Long-polls each URL (http://host:port, https://..., or host:port) and writes
the packets to stdout, whole packets at a time. A lost connection or a
restarted server is retried with capped exponential backoff and jitter;
reading resumes from the last packet received, so nothing the server still
holds is lost or repeated. Packets a server no longer holds (--policy drop,
or a restart) are reported on stderr with their exact count; --fail-on-gap
makes that an error (exit 3). wsa-pull exits 0 when every server's input has
ended and everything was read, or after --count packets.

With several URLs the streams are merged packet by packet, and spectrum
streams (0x5753xxxx, from wsa-fft/wsa-cal) are tagged per source so that
downstream tools keep them apart: bits 15..8 of the stream ID become the
URL's position (0x57530003 from the 2nd URL becomes 0x57530203); see
docs/HTTP.md. Device streams (raw I/Q) cannot be tagged: merge spectra.

Examples:
   wsa-pull http://127.0.0.1:8037 | wsa-cal | wsa-plot -o spectrum.png
   wsa-pull --from latest --count 100 hostA:8037 | wsa-dump
   wsa-pull --token-file ~/.wsa-token --ca ca.pem https://a:8037 https://b:8037 | wsa-plot -o both.png
   wsa-pull --fail-on-gap http://a:8037 > capture.vrt || echo "capture incomplete"`,
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "from", Value: "oldest", Usage: "start at the oldest packet held, the latest (only new ones), or a sequence `NUMBER`"},
			&ucli.Int64Flag{Name: "count", Aliases: []string{"n"}, Usage: "stop after N packets in all (0: until every server's input ends)"},
			&ucli.BoolFlag{Name: "fail-on-gap", Usage: "exit 3 as soon as any packet is lost"},
			&ucli.StringFlag{Name: "tag", Value: "auto", Usage: "tag spectrum stream IDs per source: auto (when merging), on, off"},
			&ucli.StringFlag{Name: "token", Usage: "bearer `TOKEN` for servers started with --token", Sources: ucli.EnvVars("WSA_TOKEN")},
			&ucli.StringFlag{Name: "token-file", Usage: "read the bearer token from `FILE`"},
			&ucli.StringFlag{Name: "ca", Usage: "trust the server certificates signed by this PEM `FILE` (self-signed: the certificate itself)"},
			&ucli.BoolFlag{Name: "insecure", Usage: "accept any server certificate (tests only: the connection can be intercepted)"},
			&ucli.DurationFlag{Name: "wait", Value: longpoll.DefaultWait, Usage: "long-poll window asked of the server (at most 30s)"},
			&ucli.StringFlag{Name: "max-bytes", Value: "4M", Usage: "largest answer to ask for (`SIZE`, at most 16M)"},
			&ucli.DurationFlag{Name: "retry-max", Value: 5 * time.Second, Usage: "longest wait between reconnection attempts"},
			&ucli.DurationFlag{Name: "give-up", Usage: "fail after this long without reaching a server (0: keep trying)"},
			&ucli.StringFlag{Name: "client-id", Usage: "`NAME` given to the servers (default random); shown in their /status"},
			&ucli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "do not report reconnections (gaps are always reported)"},
		},
		Action: run,
	})
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "wsa-pull: "+format+"\n", args...)
}

func run(ctx context.Context, cmd *ucli.Command) error {
	urls := cmd.Args().Slice()
	if len(urls) == 0 {
		return cli.UsageError("expected at least one URL, e.g. wsa-pull http://127.0.0.1:8037")
	}
	for _, u := range urls {
		if _, err := longpoll.ParseURL(u); err != nil {
			return cli.UsageError("%v", err)
		}
	}
	from, err := longpoll.ParseCursor(cmd.String("from"))
	if err != nil {
		return cli.UsageError("--from: %v", err)
	}
	tag, err := longpoll.ParseTagMode(cmd.String("tag"))
	if err != nil {
		return cli.UsageError("--tag: %v", err)
	}
	if tag != longpoll.TagOff && len(urls) > longpoll.MaxTaggedSources {
		return cli.UsageError("at most %d URLs can be merged with tagged streams", longpoll.MaxTaggedSources)
	}
	if cmd.Int64("count") < 0 {
		return cli.UsageError("--count must not be negative")
	}
	wait := cmd.Duration("wait")
	if wait <= 0 || wait > longpoll.MaxWait {
		return cli.UsageError("--wait %v: want more than 0 and at most %v", wait, longpoll.MaxWait)
	}
	maxBytes, err := longpoll.ParseSize(cmd.String("max-bytes"))
	if err != nil || maxBytes < 64<<10 || maxBytes > longpoll.MaxBytesLimit {
		return cli.UsageError("--max-bytes %s: want 64k to 16M", cmd.String("max-bytes"))
	}
	if id := cmd.String("client-id"); id != "" {
		if _, err := longpoll.ParseStreamQuery("client="+id, longpoll.Limits{}); err != nil {
			return cli.UsageError("--client-id: %v", err)
		}
	}
	if cmd.Duration("retry-max") <= 0 || cmd.Duration("give-up") < 0 {
		return cli.UsageError("--retry-max must be positive and --give-up not negative")
	}
	token, err := tokenFrom(cmd)
	if err != nil {
		return err
	}
	tlsConf, err := tlsFrom(cmd)
	if err != nil {
		return err
	}
	if err := cli.RefuseTerminal(os.Stdout); err != nil {
		return cli.UsageError("%v", err)
	}

	ctx, signalled := cli.SignalContext(ctx)
	defer signalled()
	opt := longpoll.PullOptions{
		ClientOptions: longpoll.ClientOptions{
			HTTPClient: longpoll.NewHTTPClient(tlsConf),
			Token:      token,
			From:       from,
			Wait:       wait,
			MaxBytes:   int(maxBytes),
			ClientID:   cmd.String("client-id"),
			Backoff:    longpoll.Backoff{Max: cmd.Duration("retry-max")},
			GiveUp:     cmd.Duration("give-up"),
		},
		Count:     cmd.Int64("count"),
		Tag:       tag,
		FailOnGap: cmd.Bool("fail-on-gap"),
		OnGap:     func(g longpoll.Gap) { logf("%v", g) },
	}
	if !cmd.Bool("quiet") {
		opt.Logf = logf
	}
	// cli.PacketOutput: a full disk leaves whole packets in a file.
	sum, err := longpoll.Pull(ctx, cli.PacketOutput(os.Stdout), urls, opt)
	if sum.Gaps() > 0 {
		summarize(sum)
	}
	var we *longpoll.WriteError
	switch sig := signalled(); {
	case sig == syscall.SIGTERM:
		return cli.Exit(fmt.Errorf("terminated after %d packets", sum.Packets), 143)
	case sig != nil:
		return cli.Exit(fmt.Errorf("interrupted after %d packets", sum.Packets), cli.ExitInterrupt)
	case err == nil:
		return nil
	case errors.As(err, &we) && cli.IsBrokenPipe(err):
		return nil // the reader went away (| head): a normal end
	case errors.Is(err, longpoll.ErrGap):
		return cli.Exit(errors.New(err.Error()), ExitGap)
	}
	// Keep the message but not the errno: a connection reset from a server
	// is a failure, not the end of our output.
	return cli.Exit(errors.New(err.Error()), cli.ExitFailure)
}

// summarize prints one line per source that lost packets.
func summarize(sum longpoll.Summary) {
	lost, atLeast := sum.Lost()
	more := ""
	if atLeast {
		more = "at least "
	}
	logf("summary: %d packets written, %d gaps, %s%d packets lost", sum.Packets, sum.Gaps(), more, lost)
	for _, s := range sum.Sources {
		if s.Gaps == 0 {
			continue
		}
		more = ""
		if s.LostAtLeast {
			more = "at least "
		}
		logf("  %s: %d packets, %d gaps, %s%d lost, %d server restarts", s.URL, s.Packets, s.Gaps, more, s.Lost, s.Restarts)
	}
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
	}
	if strings.ContainsAny(token, " \t\r\n") {
		return "", cli.UsageError("the token must not contain white space")
	}
	return token, nil
}

func tlsFrom(cmd *ucli.Command) (*tls.Config, error) {
	ca, insecure := cmd.String("ca"), cmd.Bool("insecure")
	if ca == "" && !insecure {
		return nil, nil
	}
	if ca != "" && insecure {
		return nil, cli.UsageError("--ca and --insecure: give one")
	}
	conf := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: insecure}
	if ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			return nil, cli.Exit(fmt.Errorf("--ca: %w", err), cli.ExitFailure)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, cli.Exit(fmt.Errorf("--ca %s: no PEM certificate in it", ca), cli.ExitFailure)
		}
		conf.RootCAs = pool
	}
	return conf, nil
}
