// Command wsa-capture drives a ThinkRF WSA4000 (or the built-in simulator)
// and writes the VITA-49 packets it sends to stdout or a file: the first
// block of every wsa pipeline.
package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"
	ucli "github.com/urfave/cli/v3"

	"github.com/wsatools/wsa/internal/cli"
	"github.com/wsatools/wsa/pkg/sweep"
	"github.com/wsatools/wsa/pkg/wsa"
	"github.com/wsatools/wsa/pkg/wsa/sim"
)

func main() {
	cli.Run(command())
}

func command() *ucli.Command {
	return &ucli.Command{
		Name:      "wsa-capture",
		Usage:     "capture VITA-49 packets from a WSA4000 or its simulator, or replay a recording",
		ArgsUsage: " ",
		Description: `Connects to a WSA4000 (--host or WSA_HOST) or starts the simulator
in-process (--sim, on loopback ports, through the same TCP client), applies
the settings given, runs one of three modes and writes the raw VRT packets
(context and data) to stdout or -o FILE:

  block  (default)  --blocks N captures of --ppb packets of --spp samples
  stream            --stream, --packets N or --duration D
  sweep             --sweep START:STOP with --rbw F or --bins N, --sweeps N

Settings not given are left as the device has them. A sweep is planned the
WSA4000 way (pyrf's planner, pkg/sweep): the FFT size, decimation, shift and
centre step follow from the range and the resolution, so that wsa-cal
--stitch can join the captures into one spectrum (docs/CAL.md). The output
starts with a capture description packet (device MODEL SERIAL HOST; for
sweeps also the sweep ID, stitched range and centres per pass, repeated
before every pass).

The acquisition lock is taken first; Close stops the device, flushes it and
releases the lock on every exit path. Ctrl-C keeps every complete packet and exits 130 (SIGTERM
143); a closed pipe (| head) ends cleanly with 0; no data for --timeout, a
lost connection or a device error exit 1 with one line on stderr.

Frequencies accept 2.412G, 2412M, 2.412e9. docs/DEVICE.md describes the
simulator's default scene, reference levels and faults.

Replay: --replay FILE plays a recording instead of a device: a VRT or VRL
file (as written by -o, with or without --vrl), a SigMF recording (NAME or
NAME.sigmf-meta) or - for stdin. The first pass is the recording byte for
byte (VRL frames removed); --loop N plays it N times (0: until Ctrl-C) as
one continuous capture (packet counts continue, time moves on);
--realtime paces packets at their recorded timestamps (--speed scales,
--max-gap caps the pause at a forward clock jump). Device flags are refused
with --replay. A damaged recording stops with its packet index and byte
offset after everything before it was written (exit 1).

SigMF: --sigmf NAME also writes the capture (device, --sim or --replay) as
NAME.sigmf-data (I14Q14 is ci16_be, stored as it arrives) and
NAME.sigmf-meta: one capture segment per block (per centre in a sweep, per
contiguous run in a stream) with centre frequency and UTC time, and the
reference level, RF and IF gain, decimation, antenna and preselect in the
"wsa" extension. With --sigmf and no -o, a terminal on stdout is not
refused: only the SigMF files are written.

Examples:
   wsa-capture --sim --freq 2.42G --spp 16384 --blocks 1 | wsa-dump
   wsa-capture --sim --sim-tone 2.412G:-30 --freq 2.4G -o block.vrt
   wsa-capture --host 192.168.1.50 --stream --duration 2s --decimation 16 -o iq.vrt
   wsa-capture --sim --sweep 2.4G:2.5G --rbw 100k --sweeps 1 | wsa-fft | wsa-cal --stitch
   wsa-capture --replay iq.vrt --realtime --loop 0 | wsa-fft | wsa-cal | wsa-plot
   wsa-capture --sim --blocks 10 --gain low --sigmf cap
   wsa-capture --replay cap | wsa-fft | wsa-cal | wsa-plot -o spectrum.png
   wsa-capture --discover`,
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "host", Sources: ucli.EnvVars("WSA_HOST"), Usage: "device `HOST` or HOST:SCPIPORT (VRT port = SCPI port − 1)"},
			&ucli.IntFlag{Name: "vrt-port", Usage: "VRT data `PORT` when it is not the SCPI port − 1 (a wsa-sim on free ports)"},
			&ucli.BoolFlag{Name: "sim", Usage: "use the built-in WSA4000 simulator (loopback, ephemeral ports)"},
			&ucli.BoolFlag{Name: "discover", Usage: "list WSA devices answering UDP discovery (port 18331) and exit; exit 1 if none"},

			&ucli.StringFlag{Name: "freq", Usage: "centre `FREQ` (0 to 10G)"},
			&ucli.StringFlag{Name: "fshift", Usage: "frequency shift `FREQ` (0 to 125M)"},
			&ucli.IntFlag{Name: "decimation", Usage: "decimation `D`: 1 (off) or 4 to 1023"},
			&ucli.StringFlag{Name: "gain", Usage: "RF gain: high, medium (med), low, vlow"},
			&ucli.IntFlag{Name: "ifgain", Usage: "IF gain in `DB` (-10 to 34)"},
			&ucli.IntFlag{Name: "antenna", Usage: "antenna port `N` (1 or 2)"},
			&ucli.BoolFlag{Name: "preselect", Usage: "preselect filter on (--preselect=false: off)"},

			&ucli.IntFlag{Name: "spp", Value: 4096, Usage: "samples per packet `N` (multiple of 16, up to 65520)"},
			&ucli.IntFlag{Name: "ppb", Value: 1, Usage: "packets per block `N`"},
			&ucli.IntFlag{Name: "blocks", Value: 1, Usage: "block mode: number of blocks `N`"},
			&ucli.BoolFlag{Name: "stream", Usage: "stream mode (until --packets, --duration or Ctrl-C)"},
			&ucli.Int64Flag{Name: "packets", Usage: "stream mode: stop after `N` data packets"},
			&ucli.DurationFlag{Name: "duration", Usage: "stream mode: stop after `D` of signal (sample time, e.g. 2s)"},
			&ucli.StringFlag{Name: "sweep", Usage: "sweep mode: `START:STOP` range, e.g. 2.4G:2.5G"},
			&ucli.StringFlag{Name: "rbw", Usage: "sweep: largest bin spacing `FREQ`: bins = (STOP − START)/FREQ (default 100k)"},
			&ucli.IntFlag{Name: "bins", Usage: "sweep: at least `N` bins over the range (instead of --rbw)"},
			&ucli.IntFlag{Name: "sweeps", Value: 1, Usage: "sweep: passes `N` (0 = until Ctrl-C)"},
			&ucli.Uint32Flag{Name: "id", Usage: "stream/sweep `ID` sent in an extension context packet (0 = random)"},

			&ucli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to `FILE` instead of stdout"},
			&ucli.BoolFlag{Name: "vrl", Usage: "wrap packets in VITA-49.1 VRL frames with CRC"},
			&ucli.DurationFlag{Name: "timeout", Value: 10 * time.Second, Usage: "longest wait to connect, for a reply, or for the next packet; exit 1 if no data came"},
			&ucli.BoolFlag{Name: "no-lock", Usage: "do not take the acquisition lock"},
			&ucli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress bar or summary"},
			&ucli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "log SCPI traffic and a summary on stderr"},

			&ucli.StringFlag{Name: "replay", Usage: "play the recording `FILE` (VRT, VRL, SigMF NAME or NAME.sigmf-meta; - = stdin) instead of a device"},
			&ucli.BoolFlag{Name: "realtime", Usage: "replay: pace packets at their recorded timestamps (default: as fast as possible)"},
			&ucli.Float64Flag{Name: "speed", Value: 1, Usage: "replay: --realtime pace factor `X` (2 = twice as fast)"},
			&ucli.IntFlag{Name: "loop", Value: 1, Usage: "replay: play the recording `N` times as one continuous capture (0 = until Ctrl-C)"},
			&ucli.DurationFlag{Name: "max-gap", Value: time.Second, Usage: "replay: longest --realtime pause `D` at a forward jump of the recorded clock"},
			&ucli.StringFlag{Name: "sigmf", Usage: "also record the capture as SigMF `NAME`.sigmf-data + NAME.sigmf-meta"},

			&ucli.StringSliceFlag{Name: "sim-tone", Usage: "simulator: a tone `FREQ:DBM` (repeatable; replaces the default scene)"},
			&ucli.StringSliceFlag{Name: "sim-band", Usage: "simulator: a wideband signal `CENTER:WIDTH:DBM` (repeatable)"},
			&ucli.StringSliceFlag{Name: "sim-fault", Usage: "simulator: inject a fault `SPEC`: " + sim.FaultHelp},
			&ucli.BoolFlag{Name: "sim-pace", Usage: "simulator: stream at the real sample rate instead of as fast as possible"},
			&ucli.Uint64Flag{Name: "sim-seed", Usage: "simulator: noise seed `N` for reproducible samples (0 = random)"},
		},
		Action: run,
	}
}

func freqFlag(cmd *ucli.Command, name string) (float64, bool, error) {
	if !cmd.IsSet(name) {
		return 0, false, nil
	}
	v, err := cli.ParseFreq(cmd.String(name))
	if err != nil {
		return 0, false, cli.UsageError("--%s: %v", name, err)
	}
	return v, true, nil
}

// sceneFromFlags builds the RF scene from --sim-tone and --sim-band, or nil for the
// default scene.
func sceneFromFlags(cmd *ucli.Command) (*sim.Scene, error) {
	sc, err := sim.SceneFromSpecs(cmd.StringSlice("sim-tone"), cmd.StringSlice("sim-band"))
	if err != nil {
		return nil, cli.UsageError("--sim-tone/--sim-band: %v", err)
	}
	return sc, nil
}

func run(ctx context.Context, cmd *ucli.Command) error {
	if cmd.Args().Len() > 0 {
		return cli.UsageError("unexpected argument %q", cmd.Args().First())
	}
	if err := checkReplayFlags(cmd); err != nil {
		return err
	}
	if cmd.IsSet("replay") {
		return runReplay(ctx, cmd)
	}
	if cmd.IsSet("sigmf") && cmd.Bool("discover") {
		return cli.UsageError("--sigmf records a capture, not --discover")
	}
	useSim, host := cmd.Bool("sim"), cmd.String("host")
	if cmd.Bool("discover") {
		return discover(ctx, cmd, useSim)
	}
	switch {
	case useSim && hostGiven(cmd) && host != "":
		return cli.UsageError("--sim and --host exclude each other")
	case !useSim && host == "":
		return cli.UsageError("no device: give --host HOST (or WSA_HOST), or --sim")
	}
	j, err := jobFromFlags(cmd)
	if err != nil {
		return err
	}
	logf := func(string, ...any) {}
	if cmd.Bool("verbose") {
		logf = func(f string, a ...any) { fmt.Fprintf(os.Stderr, "wsa-capture: "+f+"\n", a...) }
	}
	if j.mode == "sweep" {
		logf("sweep plan: %s", j.plan.describe())
		if (j.plan.StartHz != j.reqStart || j.plan.StopHz != j.reqStop) && !cmd.Bool("quiet") {
			fmt.Fprintf(os.Stderr, "wsa-capture: sweeping %s to %s of the %s to %s asked for (the WSA4000 sweeps I/Q from %s; centres stop at %s)\n",
				cli.FormatFreq(j.plan.StartHz), cli.FormatFreq(j.plan.StopHz), cli.FormatFreq(j.reqStart), cli.FormatFreq(j.reqStop),
				cli.FormatFreq(wsa.WSA4000.MinTunable-wsa.WSA4000.UsableBW/2), cli.FormatFreq(wsa.WSA4000.MaxTunable))
		}
	}

	// Output first: refusing a terminal must not touch the device.
	w, err := openSink(cmd, j.describe())
	if err != nil {
		return err
	}
	closed := false
	defer func() {
		if !closed {
			w.close()
		}
	}()

	ctx, signalled := cli.SignalContext(ctx)
	defer signalled()

	timeout := cmd.Duration("timeout")
	opts := []wsa.Option{wsa.WithTimeouts(timeout, timeout)}
	if p := cmd.Int("vrt-port"); p != 0 {
		if p < 0 || p > 65535 || useSim {
			return cli.UsageError("--vrt-port %d: want 1 to 65535, with --host", p)
		}
		scpiPort := wsa.SCPIPort
		if _, ps, err := net.SplitHostPort(host); err == nil {
			scpiPort, _ = strconv.Atoi(ps)
		}
		opts = append(opts, wsa.WithPorts(scpiPort, int(p)))
	}
	if cmd.Bool("verbose") {
		opts = append(opts, wsa.WithLog(logf))
	}
	if useSim {
		s, err := startSim(cmd)
		if err != nil {
			return err
		}
		defer s.Close()
		host = "127.0.0.1"
		opts = append(opts, wsa.WithPorts(portOf(s.SCPIAddr()), portOf(s.VRTAddr())))
		logf("simulator listening: SCPI %s, VRT %s", s.SCPIAddr(), s.VRTAddr())
	}
	c, err := wsa.Dial(ctx, host, opts...)
	if err != nil {
		return finish(err, signalled(), result{}, nil)
	}
	res, runErr := capture(ctx, cmd, c, j, w)
	closed = true
	if ferr := w.close(); ferr != nil && runErr == nil {
		runErr = ferr
	}
	cerr := c.Close()
	if cmd.Bool("verbose") || (!cmd.Bool("quiet") && cli.IsTerminal(os.Stderr)) {
		fmt.Fprintf(os.Stderr, "wsa-capture: %d packets (%d data, %d samples), %d bytes%s\n", res.Packets, res.Data, res.Samples, res.Bytes, sigmfNote(w))
	}
	return finish(runErr, signalled(), res, cerr)
}

// finish maps the outcome to the exit code: Ctrl-C 130, SIGTERM 143, a
// closed output pipe 0, anything else that went wrong 1.
func finish(err error, sig os.Signal, res result, closeErr error) error {
	switch {
	case sig == syscall.SIGTERM:
		return cli.Exit(fmt.Errorf("terminated after %d data packets", res.Data), 143)
	case sig != nil:
		return cli.Exit(fmt.Errorf("interrupted after %d data packets", res.Data), cli.ExitInterrupt)
	case err != nil && isOutput(err) && cli.IsBrokenPipe(err):
		return nil
	case err != nil:
		var ee *cli.ExitError
		if errors.As(err, &ee) {
			return err
		}
		if cli.IsBrokenPipe(err) {
			// A reset from the device is a failure, not the end of our
			// output: keep the message, drop the errno that cli.Run would
			// take for a closed stdout.
			err = errors.New(err.Error())
		}
		return cli.Exit(err, cli.ExitFailure)
	case closeErr != nil:
		return cli.Exit(closeErr, cli.ExitFailure)
	}
	return nil
}

func isOutput(err error) bool {
	var oe *outputError
	return errors.As(err, &oe)
}

func portOf(addr string) int {
	_, p, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(p)
	return n
}

func startSim(cmd *ucli.Command) (*sim.Sim, error) {
	sc, err := sceneFromFlags(cmd)
	if err != nil {
		return nil, err
	}
	var f sim.Faults
	for _, spec := range cmd.StringSlice("sim-fault") {
		if err := sim.ParseFault(spec, &f); err != nil {
			return nil, cli.UsageError("--sim-fault: %v", err)
		}
	}
	s, err := sim.New(sim.Config{Scene: sc, Faults: f, Pace: cmd.Bool("sim-pace"), Seed: cmd.Uint64("sim-seed")})
	if err != nil {
		return nil, cli.Exit(err, cli.ExitFailure)
	}
	return s, nil
}

// jobFromFlags resolves the mode and its limits, refusing contradictions
// (a usage error, exit 2) before anything connects.
func jobFromFlags(cmd *ucli.Command) (*job, error) {
	j := &job{spp: int(cmd.Int("spp")), ppb: int(cmd.Int("ppb")), blocks: int(cmd.Int("blocks")),
		packets: cmd.Int64("packets"), duration: cmd.Duration("duration"), sweeps: int(cmd.Int("sweeps")),
		id: cmd.Uint32("id"), timeout: cmd.Duration("timeout")}
	for j.id == 0 {
		j.id = rand.Uint32()
	}
	if j.timeout <= 0 {
		return nil, cli.UsageError("--timeout must be positive")
	}
	streaming := cmd.Bool("stream") || cmd.IsSet("packets") || cmd.IsSet("duration")
	sweeping := cmd.IsSet("sweep")
	switch {
	case streaming && sweeping:
		return nil, cli.UsageError("--sweep cannot be combined with --stream, --packets or --duration")
	case (cmd.IsSet("rbw") || cmd.IsSet("bins") || cmd.IsSet("sweeps")) && !sweeping:
		return nil, cli.UsageError("--rbw, --bins and --sweeps need --sweep START:STOP")
	case cmd.IsSet("rbw") && cmd.IsSet("bins"):
		return nil, cli.UsageError("--rbw and --bins both set the resolution: give one")
	case cmd.IsSet("spp") && sweeping:
		return nil, cli.UsageError("--spp is set by the sweep plan (use --rbw or --bins)")
	case cmd.IsSet("blocks") && (streaming || sweeping):
		return nil, cli.UsageError("--blocks is for block mode (no --stream/--sweep)")
	case j.packets < 0 || j.duration < 0 || j.sweeps < 0:
		return nil, cli.UsageError("--packets, --duration and --sweeps must not be negative")
	case j.blocks < 1:
		return nil, cli.UsageError("--blocks must be at least 1")
	}
	props := wsa.PropertiesFor("")
	if err := props.CheckSPP(j.spp); err != nil {
		return nil, cli.UsageError("--spp: %v", err)
	}
	if err := props.CheckPPB(j.ppb); err != nil {
		return nil, cli.UsageError("--ppb: %v", err)
	}
	switch {
	case streaming:
		j.mode = "stream"
	case sweeping:
		j.mode = "sweep"
		start, stop, err := cli.ParseFreqRange(cmd.String("sweep"))
		if err != nil {
			return nil, cli.UsageError("--sweep: %v", err)
		}
		bins := int(cmd.Int("bins"))
		if cmd.IsSet("bins") && bins < 1 {
			return nil, cli.UsageError("--bins must be at least 1")
		}
		if !cmd.IsSet("bins") {
			rbw := 100e3
			if v, ok, err := freqFlag(cmd, "rbw"); err != nil {
				return nil, err
			} else if ok {
				rbw = v
			}
			if bins, err = sweep.BinsForRBW(start, stop, rbw); err != nil {
				return nil, cli.UsageError("--rbw: %v", err)
			}
		}
		base, err := sweepBase(cmd, props)
		if err != nil {
			return nil, err
		}
		base.PPB = j.ppb
		if j.plan, err = planSweep(props, start, stop, bins, base); err != nil {
			return nil, cli.UsageError("--sweep: %v", err)
		}
		j.reqStart, j.reqStop = start, stop
	default:
		j.mode = "block"
	}
	return j, nil
}

// sweepBase is the sweep entry's front-end settings from the flags (the
// device's sweep list carries its own, so they go there rather than to
// the device state).
func sweepBase(cmd *ucli.Command, props *wsa.Properties) (wsa.SweepEntry, error) {
	e := wsa.DefaultSweepEntry()
	e.Gain, e.Decimation = wsa.GainHigh, 1
	if cmd.IsSet("gain") {
		g, err := wsa.ParseGain(cmd.String("gain"))
		if err != nil {
			return e, cli.UsageError("--gain: %v", err)
		}
		e.Gain = g
	}
	if cmd.IsSet("ifgain") {
		e.IFGain = int(cmd.Int("ifgain"))
	}
	if cmd.IsSet("antenna") {
		e.Antenna = int(cmd.Int("antenna"))
	}
	if cmd.IsSet("decimation") || cmd.IsSet("fshift") || cmd.IsSet("freq") {
		return e, cli.UsageError("--freq, --fshift and --decimation are set by the sweep plan, not with --sweep")
	}
	return e, nil
}

// capture takes the lock, applies the settings and runs the job, with a
// progress bar on stderr when it is a terminal.
func capture(ctx context.Context, cmd *ucli.Command, c *wsa.Client, j *job, w *sink) (result, error) {
	if !cmd.Bool("no-lock") {
		if err := c.Lock(ctx); err != nil {
			return result{}, err
		}
	}
	if err := applySettings(ctx, cmd, c, j.mode == "sweep"); err != nil {
		return result{}, err
	}
	w.recordDevice(ctx, c, j)
	var prog progress
	if !cmd.Bool("quiet") && cli.IsTerminal(os.Stderr) {
		b := newBar(j.expected(), "capturing")
		defer b.done()
		prog = b
	}
	return j.run(ctx, c, w, prog)
}

// applySettings sends only the settings given on the command line, so a
// capture never silently changes what it was not asked to change.
func applySettings(ctx context.Context, cmd *ucli.Command, c *wsa.Client, sweeping bool) error {
	if f, ok, err := freqFlag(cmd, "freq"); err != nil {
		return err
	} else if ok {
		if err := c.SetFreq(ctx, f); err != nil {
			return fmt.Errorf("--freq: %w", err)
		}
	}
	if f, ok, err := freqFlag(cmd, "fshift"); err != nil {
		return err
	} else if ok {
		if err := c.SetFShift(ctx, f); err != nil {
			return fmt.Errorf("--fshift: %w", err)
		}
	}
	if cmd.IsSet("decimation") {
		if err := c.SetDecimation(ctx, int(cmd.Int("decimation"))); err != nil {
			return fmt.Errorf("--decimation: %w", err)
		}
	}
	if cmd.IsSet("preselect") {
		if err := c.SetPreselect(ctx, cmd.Bool("preselect")); err != nil {
			return fmt.Errorf("--preselect: %w", err)
		}
	}
	if sweeping {
		return nil // gain, IF gain and antenna travel in the sweep entry
	}
	if cmd.IsSet("gain") {
		g, err := wsa.ParseGain(cmd.String("gain"))
		if err != nil {
			return cli.UsageError("--gain: %v", err)
		}
		if err := c.SetGain(ctx, g); err != nil {
			return fmt.Errorf("--gain: %w", err)
		}
	}
	if cmd.IsSet("ifgain") {
		if err := c.SetIFGain(ctx, int(cmd.Int("ifgain"))); err != nil {
			return fmt.Errorf("--ifgain: %w", err)
		}
	}
	if cmd.IsSet("antenna") {
		if err := c.SetAntenna(ctx, int(cmd.Int("antenna"))); err != nil {
			return fmt.Errorf("--antenna: %w", err)
		}
	}
	return nil
}

// bar is the progress display: data packets against the expected count
// (with ETA) or a spinner when the run is open-ended, bytes in the
// description.
type bar struct {
	pb    *progressbar.ProgressBar
	bytes int64
	last  time.Time
}

func newBar(total int64, what string) *bar {
	return &bar{pb: progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(os.Stderr),
		progressbar.OptionSetDescription(what),
		progressbar.OptionSetItsString("pkt"),
		progressbar.OptionShowIts(),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(total > 0),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish())}
}

func (b *bar) packet(n int, data bool) {
	b.bytes += int64(n)
	if data {
		b.pb.Add(1)
	}
	if now := time.Now(); now.Sub(b.last) > 200*time.Millisecond {
		b.last = now
		b.pb.Describe(fmt.Sprintf("%.1f MB", float64(b.bytes)/1e6))
	}
}

func (b *bar) done() {
	b.pb.Finish()
	b.pb.Exit()
}

// discover lists devices (with --sim: the in-process simulator's own
// discovery listener on loopback). No device found is a failure (exit 1),
// so scripts can test for a device.
func discover(ctx context.Context, cmd *ucli.Command, useSim bool) error {
	opt := wsa.DiscoverOptions{}
	if useSim {
		s, err := sim.New(sim.Config{DiscoveryAddr: "127.0.0.1:0"})
		if err != nil {
			return cli.Exit(err, cli.ExitFailure)
		}
		defer s.Close()
		opt.Targets = []string{s.DiscoveryAddr()}
	} else if h := cmd.String("host"); h != "" {
		if name, _, err := net.SplitHostPort(h); err == nil {
			h = name // the SCPI port is not the discovery port
		}
		opt.Targets = []string{h} // ask one device directly (unicast)
	}
	devs, err := wsa.Discover(ctx, opt)
	if err != nil {
		return cli.Exit(err, cli.ExitFailure)
	}
	for _, d := range devs {
		if _, err := fmt.Println(d); err != nil {
			return err
		}
	}
	if len(devs) == 0 {
		return cli.Exit(errors.New("no WSA device answered discovery"), cli.ExitFailure)
	}
	return nil
}
