package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	ucli "github.com/urfave/cli/v3"

	"github.com/wsatools/wsa/internal/cli"
	"github.com/wsatools/wsa/pkg/replay"
	"github.com/wsatools/wsa/pkg/vrt"
)

// deviceFlags are the flags that choose, configure or drive a device; a
// replay plays the recording as it is, so none of them means anything
// with --replay.
var deviceFlags = []string{
	"host", "vrt-port", "sim", "discover",
	"freq", "fshift", "decimation", "gain", "ifgain", "antenna", "preselect",
	"spp", "ppb", "blocks", "stream", "packets", "duration", "sweep", "rbw", "bins", "sweeps", "id",
	"timeout", "no-lock",
	"sim-tone", "sim-band", "sim-fault", "sim-pace", "sim-seed",
}

// replayFlags only make sense with --replay.
var replayFlags = []string{"realtime", "speed", "loop", "max-gap"}

// checkReplayFlags refuses flags of the other mode, in one line: device
// flags with --replay, replay flags without it.
func checkReplayFlags(cmd *ucli.Command) error {
	if !cmd.IsSet("replay") {
		for _, n := range replayFlags {
			if cmd.IsSet(n) {
				return cli.UsageError("--%s needs --replay FILE", n)
			}
		}
		return nil
	}
	for _, n := range deviceFlags {
		if !cmd.IsSet(n) {
			continue
		}
		if n == "host" && !hostGiven(cmd) {
			continue
		}
		return cli.UsageError("--%s is a device flag: --replay plays the recording as it was captured", n)
	}
	return nil
}

// hostGiven reports whether --host was given on the command line. WSA_HOST
// in the environment names the usual device; it is not a request to use it
// for a run that asks for --sim or --replay. (urfave/cli counts a value
// from the environment as set, so the value is compared with it.)
func hostGiven(cmd *ucli.Command) bool {
	if !cmd.IsSet("host") {
		return false
	}
	env, ok := os.LookupEnv("WSA_HOST")
	return !ok || cmd.String("host") != env
}

// replayOptions resolves the replay flags (a usage error, exit 2, for
// contradictions) without touching the recording.
func replayOptions(cmd *ucli.Command) (replay.Options, error) {
	opt := replay.Options{Realtime: cmd.Bool("realtime"), Speed: cmd.Float64("speed"), MaxGap: cmd.Duration("max-gap"), Passes: int(cmd.Int("loop"))}
	switch {
	case (cmd.IsSet("speed") || cmd.IsSet("max-gap")) && !opt.Realtime:
		return opt, cli.UsageError("--speed and --max-gap pace the replay: they need --realtime")
	case opt.Speed <= 0:
		return opt, cli.UsageError("--speed %g: want a positive factor (2 = twice as fast)", opt.Speed)
	case opt.MaxGap <= 0:
		return opt, cli.UsageError("--max-gap %v: want a positive duration", opt.MaxGap)
	case opt.Passes < 0:
		return opt, cli.UsageError("--loop %d: want a number of passes (0 = until Ctrl-C)", opt.Passes)
	case opt.Passes != 1 && cmd.String("replay") == "-":
		return opt, cli.UsageError("--loop %d: stdin can be played only once (loop a file)", opt.Passes)
	}
	return opt, nil
}

// runReplay plays a recording (VRT, VRL, SigMF or stdin) to the outputs a
// device capture would write, so the downstream blocks cannot tell the
// difference: the first pass is the recording byte for byte, later passes
// continue counts and time (pkg/replay).
func runReplay(ctx context.Context, cmd *ucli.Command) error {
	opt, err := replayOptions(cmd)
	if err != nil {
		return err
	}
	name := cmd.String("replay")
	if name == "" {
		return cli.UsageError("--replay needs a FILE (VRT, VRL, SigMF NAME) or - for stdin")
	}
	src, err := replay.Open(name)
	if err != nil {
		return cli.Exit(err, cli.ExitFailure)
	}
	if err := checkClobber(cmd, name); err != nil {
		return err
	}
	s, err := openSink(cmd, "wsa-capture replay of "+src.Name())
	if err != nil {
		return err
	}
	ctx, signalled := cli.SignalContext(ctx)
	defer signalled()

	var prog *bar
	if !cmd.Bool("quiet") && cli.IsTerminal(os.Stderr) {
		prog = newBar(-1, "replaying")
	}
	var res result
	var p vrt.Packet
	_, runErr := replay.Play(ctx, src, func(b []byte) error {
		if err := s.WritePacket(b); err != nil {
			return err
		}
		res.Packets++
		res.Bytes += int64(len(b))
		isData := p.Decode(b) == nil && p.Type.IsData()
		if isData {
			res.Data++
			res.Samples += int64(vrt.SampleCount(&p))
		}
		if prog != nil {
			prog.packet(len(b), isData)
		}
		return nil
	}, opt)
	if prog != nil {
		prog.done()
	}
	if cerr := s.close(); cerr != nil && runErr == nil {
		runErr = cerr
	}
	if cmd.Bool("verbose") || (!cmd.Bool("quiet") && cli.IsTerminal(os.Stderr)) {
		fmt.Fprintf(os.Stderr, "wsa-capture: replayed %d packets (%d data, %d samples), %d bytes%s\n",
			res.Packets, res.Data, res.Samples, res.Bytes, sigmfNote(s))
	}
	return finish(runErr, signalled(), res, nil)
}

// checkClobber refuses outputs that are the recording being replayed:
// creating them would empty the file before it is read.
func checkClobber(cmd *ucli.Command, name string) error {
	if name == "-" {
		return nil
	}
	base := strings.TrimSuffix(strings.TrimSuffix(name, ".sigmf-meta"), ".sigmf-data")
	inputs := []string{name, base + ".sigmf-data", base + ".sigmf-meta"}
	outputs := map[string]string{"-o": cmd.String("output")}
	if cmd.IsSet("sigmf") {
		if b, err := sigmfBase(cmd.String("sigmf")); err == nil {
			outputs["--sigmf"] = b + ".sigmf-data"
			outputs["--sigmf "] = b + ".sigmf-meta"
		}
	}
	for flag, out := range outputs {
		if out == "" || out == "-" {
			continue
		}
		o, err := os.Stat(out)
		if err != nil {
			continue // does not exist yet: cannot be the input
		}
		for _, in := range inputs {
			if i, err := os.Stat(in); err == nil && os.SameFile(i, o) {
				return cli.UsageError("%s %s would overwrite the recording being replayed", strings.TrimSpace(flag), out)
			}
		}
	}
	return nil
}

// sigmfNote names the SigMF recording in the summary line.
func sigmfNote(s *sink) string {
	if s.rec == nil {
		return ""
	}
	return fmt.Sprintf("; SigMF %s.sigmf-data: %d samples in %d segments", s.base, s.rec.Samples(), len(s.rec.Meta().Captures))
}
