// Command wsa-fft turns the I/Q packets of a WSA capture into spectrum
// packets (dB full scale) with pyrf's WSA4000 chain, passing every other
// packet on unchanged: the second block of `wsa-capture | wsa-fft | wsa-cal`.
// The work is done by pkg/dsp's Stream; this is flags and I/O.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	ucli "github.com/urfave/cli/v3"

	"github.com/wsatools/wsa/internal/cli"
	"github.com/wsatools/wsa/pkg/dsp"
	"github.com/wsatools/wsa/pkg/vrt"
)

func main() {
	cli.Run(command())
}

// fftImpls are the FFTs --fft-impl can choose (hidden: for benchmarks that
// put another FFT under the same stage). A godsp entry is added by builds
// with -tags godsp.
var fftImpls = map[string]func(int) (dsp.Transformer, error){
	"own":   dsp.NewFFT,
	"gonum": dsp.NewGonumFFT,
}

func windowTable() string {
	var sb strings.Builder
	for _, name := range dsp.WindowNames() {
		w, _ := dsp.LookupWindow(name)
		fmt.Fprintf(&sb, "   %-16s ENBW %.2f bins  %s\n", name, w.ENBW(), w.About)
	}
	return strings.TrimRight(sb.String(), "\n")
}

func command() *ucli.Command {
	impls := make([]string, 0, len(fftImpls))
	for k := range fftImpls {
		impls = append(impls, k)
	}
	sort.Strings(impls)
	return &ucli.Command{
		Name:      "wsa-fft",
		Usage:     "turn WSA I/Q packets into spectrum packets (dB full scale)",
		ArgsUsage: "[FILE]",
		Description: `Reads VRT packets from FILE or stdin and writes to stdout: each I/Q data
packet becomes one spectrum (context + extension context + float32 bins, low
to high frequency, docs/FORMAT.md §3); every other packet, device context
included, is passed on unchanged and in order. The chain is pyrf's WSA4000
one: DC removal, classic I/Q imbalance correction, window, FFT, fftshift,
20·log10(|X|/N), centre-bin fix. Bins are dBFS: wsa-cal adds the reference
level + 15.7678 dB for dBm, and a full-scale tone reads −6.02 dBFS with any
window. Centre (rf_freq + rf_offset), sample rate (from the bandwidth),
reference level and sweep ID come from the device's context packets, the
source from the capture description. At or below 40 MHz (the WSA4000's
real-only band) and for I14/I24 streams the real path is used: I only,
bins 0 … fs/2. PSD8 packets pass as spectra; spectra pass unchanged.

--bins re-blocks consecutive samples across packets; a block never spans a
gap in time, a sample-loss flag or a context change, and partial blocks
are dropped, never zero-padded. --average and --hold combine spectra of a
stream on linear power; a retune starts afresh (the partial group is
written with its real count). docs/DSP.md has the details.

Windows (all scaled to Hann's coherent gain, so levels do not change):
` + windowTable() + `

Exit status: 0 at the end of input (also when the reader of stdout went
away, | head); 1 for malformed input (one line naming the packet and byte
offset, after writing everything before it) or a write error; 2 usage.

Examples:
   wsa-capture --sim --freq 2.42G --spp 16384 | wsa-fft | wsa-cal | wsa-plot -o spectrum.png
   wsa-capture --sim --stream --packets 1000 | wsa-fft --bins 4096 --overlap 50% --average 10 | wsa-dump
   wsa-fft --window flattop --hold max capture.vrt > maxhold.vrt
   wsa-capture --sim --sweep 2.4G:2.5G --rbw 100k | wsa-fft -j 2 | wsa-cal --stitch`,
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "window", Aliases: []string{"w"}, Value: dsp.DefaultWindow, Usage: "window `NAME`: " + strings.Join(dsp.WindowNames(), ", ")},
			&ucli.IntFlag{Name: "bins", Aliases: []string{"n"}, Usage: "FFT size `N`: re-block the samples of each stream into N-point FFTs (0: one FFT per packet)"},
			&ucli.StringFlag{Name: "overlap", Usage: "overlap `F` of consecutive --bins blocks, a fraction or percentage (0.5, 50%)"},
			&ucli.IntFlag{Name: "average", Aliases: []string{"a"}, Usage: "combine `N` consecutive spectra: mean of linear power (or --hold)"},
			&ucli.StringFlag{Name: "hold", Usage: "`max` or min hold instead of the mean; without --average a running hold over the stream"},
			&ucli.BoolFlag{Name: "no-dc", Usage: "keep the DC offset (no mean removal)"},
			&ucli.BoolFlag{Name: "no-iq", Usage: "no I/Q imbalance correction (shows the image of each signal)"},
			&ucli.BoolFlag{Name: "no-center-fix", Usage: "leave the centre (DC) bin as computed"},
			&ucli.IntFlag{Name: "jobs", Aliases: []string{"j"}, Value: 1, Usage: "compute FFTs on `N` goroutines (output order and bytes unchanged)"},
			&ucli.StringFlag{Name: "source", Usage: "name the spectra's source `NAME` (default: the capture description's)"},
			&ucli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to `FILE` instead of stdout"},
			&ucli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "print the settings and a summary on stderr"},
			&ucli.StringFlag{Name: "fft-impl", Value: "own", Hidden: true, Usage: "FFT under the chain: " + strings.Join(impls, ", ")},
			&ucli.BoolFlag{Name: "exact-log", Hidden: true, Usage: "math.Log10 instead of the polynomial log (reference)"},
		},
		Action: run,
	}
}

// parseOverlap accepts "0.5", "50%", "50 %".
func parseOverlap(s string) (float64, error) {
	t := strings.TrimSpace(s)
	pct := strings.HasSuffix(t, "%")
	t = strings.TrimSpace(strings.TrimSuffix(t, "%"))
	v, err := strconv.ParseFloat(t, 64)
	if err != nil {
		return 0, fmt.Errorf("overlap %q: want a fraction such as 0.5 or a percentage such as 50%%", s)
	}
	if pct {
		v /= 100
	}
	if !(v >= 0 && v < 1) {
		return 0, fmt.Errorf("overlap %q: must be at least 0 and below 1 (100%%)", s)
	}
	return v, nil
}

func config(cmd *ucli.Command) (dsp.StreamConfig, error) {
	cfg := dsp.StreamConfig{
		Options: dsp.Options{
			Window:         cmd.String("window"),
			NoDCRemoval:    cmd.Bool("no-dc"),
			NoIQCorrection: cmd.Bool("no-iq"),
			NoCenterFix:    cmd.Bool("no-center-fix"),
			ExactLog:       cmd.Bool("exact-log"),
		},
		Bins:    int(cmd.Int("bins")),
		Average: int(cmd.Int("average")),
		Source:  cmd.String("source"),
		Workers: int(cmd.Int("jobs")),
	}
	mk, ok := fftImpls[cmd.String("fft-impl")]
	if !ok {
		return cfg, cli.UsageError("--fft-impl %q: this build has %v", cmd.String("fft-impl"), keys(fftImpls))
	}
	cfg.NewFFT = mk
	if _, err := dsp.LookupWindow(cfg.Window); err != nil {
		return cfg, cli.UsageError("--window: %v", err)
	}
	if cmd.IsSet("overlap") {
		v, err := parseOverlap(cmd.String("overlap"))
		if err != nil {
			return cfg, cli.UsageError("--overlap: %v", err)
		}
		cfg.Overlap = v
	}
	h, err := dsp.ParseHold(cmd.String("hold"))
	if err != nil {
		return cfg, cli.UsageError("--hold: %v", err)
	}
	cfg.Hold = h
	switch {
	case cfg.Bins < 0 || cfg.Bins == 1 || cfg.Bins > dsp.MaxBins:
		return cfg, cli.UsageError("--bins %d: want 2 to %d (0: one FFT per packet)", cfg.Bins, dsp.MaxBins)
	case cfg.Overlap > 0 && cfg.Bins == 0:
		return cfg, cli.UsageError("--overlap needs --bins: without it each packet is one FFT and nothing overlaps")
	case cfg.Average < 0:
		return cfg, cli.UsageError("--average %d: want a count of at least 1", cfg.Average)
	case cfg.Workers < 1:
		return cfg, cli.UsageError("-j %d: want at least 1", cfg.Workers)
	}
	if err := cfg.Validate(); err != nil {
		return cfg, cli.UsageError("%v", err)
	}
	return cfg, nil
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func run(ctx context.Context, cmd *ucli.Command) error {
	if cmd.Args().Len() > 1 {
		return cli.UsageError("expected at most one FILE, got %d arguments", cmd.Args().Len())
	}
	cfg, err := config(cmd)
	if err != nil {
		return err
	}
	verbose := cmd.Bool("verbose")
	cfg.Logf = func(format string, args ...any) { fmt.Fprintf(os.Stderr, "wsa-fft: "+format+"\n", args...) }

	in, name, closeIn, err := cli.OpenInput(cmd.Args().First())
	if err != nil {
		return err
	}
	defer closeIn()
	out, closeOut, err := cli.OpenPacketOutput(cmd.String("output"))
	if err != nil {
		return err
	}

	st, err := dsp.NewStream(cfg)
	if err != nil {
		return cli.UsageError("%v", err)
	}
	if verbose {
		cfg.Logf("%s", cfg.String())
	}
	ctx, signalled := cli.SignalContext(ctx)
	defer signalled()
	// Run stops at the next packet after a signal. If the input is idle (an
	// upstream that does not close its end), do not wait for it: with one
	// job everything read is written (Run flushes before every read) once
	// the reader waits, so stop at once; the -j writer goroutine gets 2 s.
	stop := func() {
		// signalled() belongs to the main goroutine; the cause names the
		// signal ("received terminated").
		code, what := cli.ExitInterrupt, "interrupt"
		if c := context.Cause(ctx); c != nil && strings.Contains(c.Error(), syscall.SIGTERM.String()) {
			code, what = 143, syscall.SIGTERM.String()
		}
		cli.Fatal("wsa-fft", fmt.Errorf("stopped by %s", what), code)
	}
	ir := &cli.IdleReader{R: in}
	if cfg.Workers <= 1 {
		defer ir.StopWhenIdle(ctx, stop)()
	} else {
		done := make(chan struct{})
		defer close(done)
		go func() {
			select {
			case <-ctx.Done():
			case <-done:
				return
			}
			select {
			case <-time.After(2 * time.Second):
				stop()
			case <-done:
			}
		}()
	}
	start := time.Now()
	runErr := st.Run(ctx, ir, out)
	if cerr := closeOut(); cerr != nil && runErr == nil {
		runErr = &dsp.WriteError{Err: cerr}
	}
	if verbose {
		s := st.Stats()
		secs := time.Since(start).Seconds()
		cfg.Logf("%d packets: %d data (%d samples, %.1f MS/s) → %d spectra; %d passed on; %d samples dropped (partial blocks); %d packets too short; %d context packets not decoded",
			s.Packets, s.DataPackets, s.Samples, float64(s.Samples)/secs/1e6, s.Spectra, s.PassedOn, s.Dropped, s.Skipped, s.BadContext)
	}
	if sig := signalled(); sig != nil {
		return cli.Exit(fmt.Errorf("stopped by %v", sig), cli.SignalCode(sig))
	}
	var fe *vrt.FormatError
	var we *dsp.WriteError
	switch {
	case runErr == nil:
		return nil
	case errors.As(runErr, &we):
		return runErr // a broken pipe exits 0 in cli.Run
	case errors.As(runErr, &fe):
		return cli.Exit(fmt.Errorf("%s: %w", name, runErr), cli.ExitFailure)
	}
	return cli.Exit(fmt.Errorf("%s: %w", name, runErr), cli.ExitFailure)
}
