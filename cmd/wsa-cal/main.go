// Command wsa-cal turns wsa-fft's spectra (dB full scale) into absolute dBm,
// applies correction tables, stitches sweeps into one spectrum and measures
// peaks, channel power and occupied bandwidth: the third block of
// `wsa-capture | wsa-fft | wsa-cal | wsa-plot`. The work is done by
// pkg/cal; this is flags and I/O.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v3"

	"github.com/wsatools/wsa/internal/cli"
	"github.com/wsatools/wsa/pkg/cal"
	"github.com/wsatools/wsa/pkg/vrt"
)

// ExitIncomplete is the exit status when every packet was processed but at
// least one sweep could not be stitched (each is reported on stderr).
const ExitIncomplete = 3

func main() {
	cli.Run(command())
}

func command() *ucli.Command {
	return &ucli.Command{
		Name:      "wsa-cal",
		Usage:     "calibrate spectra to dBm, apply corrections, stitch sweeps, measure",
		ArgsUsage: "[FILE]",
		Description: `Reads spectrum packets (from wsa-fft) from FILE or stdin and writes
calibrated spectrum packets to stdout; every other packet passes unchanged
and in order. docs/CAL.md has the details.

Conversion: dBm = dBFS + reference level + 15.7678 dB, pyrf's WSA4000
calibration. The reference level comes from the device context each
spectrum carries; --reflevel is used only for spectra without one, and a
spectrum with neither is an error. Spectra already in dBm are not converted
again.

--correction FILE (repeatable, summed): a table of "frequency, dB" rows
(2.4e9, 2400M or 2.4G; comma, semicolon, tab or space; # comments; an
optional header line). The dB value is ADDED to each bin, interpolated
linearly, held flat beyond the first and last rows: +3 for a cable losing
3 dB, -20 for a 20 dB preamp.

--stitch joins the spectra of each sweep pass into one spectrum with
uniform bins from exactly the sweep's start to its stop (the range comes
from the capture description wsa-capture writes, or --range). Each capture
gives only its usable bins (the analogue passband, away from DC). A pass
missing centres or bins, cut by the end of input or by a new sweep ID, is
reported on stderr and not written; the exit status is then 3.

Measurements, one JSON object per line on stderr (or --measure-out FILE),
each naming the spectrum (time, source, centre, range, sweep ID):
--peaks N, --channel START:STOP (repeatable), --obw PCT.

Exit status: 0 done (also when the reader of stdout went away, | head);
1 malformed input (one line naming the packet and byte offset, after
writing everything before it), raw I/Q input, no reference level, a bad
correction file or a write error; 2 usage; 3 incomplete sweeps with
--stitch; 130 Ctrl-C, 143 SIGTERM.

Examples:
   wsa-capture --sim --freq 2.42G --spp 16384 | wsa-fft | wsa-cal | wsa-plot -o spectrum.png
   wsa-capture --sim --sweep 2.4G:2.5G --rbw 100k | wsa-fft | wsa-cal --stitch --peaks 3 > sweep.vrt
   wsa-fft capture.vrt | wsa-cal --correction cable.csv --correction lna.csv --channel 2.427G:2.447G --obw 99
   wsa-fft old.vrt | wsa-cal --reflevel -30 --stitch --range 2.4G:2.5G --measure-out peaks.jsonl --peaks 1`,
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "reflevel", Usage: "reference level `DBM` for spectra whose stream carries none"},
			&ucli.StringSliceFlag{Name: "correction", Aliases: []string{"c"}, Usage: "add the correction table `FILE` (frequency, dB) to every bin (repeatable)"},
			&ucli.BoolFlag{Name: "stitch", Usage: "join the spectra of each sweep pass into one spectrum over the sweep's range"},
			&ucli.StringFlag{Name: "range", Usage: "with --stitch: the `START:STOP` range of each sweep (instead of the capture description's)"},
			&ucli.IntFlag{Name: "peaks", Usage: "measure the `N` highest peaks of every spectrum written"},
			&ucli.StringFlag{Name: "peak-sep", Usage: "minimum `FREQ` between two reported peaks (default 4 bins)"},
			&ucli.StringSliceFlag{Name: "channel", Usage: "measure the power in the channel `START:STOP` (repeatable)"},
			&ucli.StringFlag{Name: "obw", Usage: "measure the occupied bandwidth holding `PCT` % of the power (e.g. 99)"},
			&ucli.StringFlag{Name: "measure-out", Usage: "write the measurements to `FILE` instead of stderr"},
			&ucli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to `FILE` instead of stdout"},
			&ucli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "print a summary on stderr"},
		},
		Action: run,
	}
}

// configFrom resolves the flags; every mistake is a usage error (exit 2),
// except a correction file that cannot be read or has a bad row (exit 1,
// naming the file and line).
func configFrom(cmd *ucli.Command) (config, error) {
	var c config
	if cmd.IsSet("reflevel") {
		v, err := strconv.ParseFloat(strings.TrimSuffix(strings.ToLower(strings.TrimSpace(cmd.String("reflevel"))), "dbm"), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 200 {
			return c, cli.UsageError("--reflevel %q: want a level in dBm such as -30", cmd.String("reflevel"))
		}
		c.refLevel, c.haveRefLevel = v, true
	}
	c.stitch = cmd.Bool("stitch")
	if cmd.IsSet("range") {
		if !c.stitch {
			return c, cli.UsageError("--range is the range of a stitched sweep: it needs --stitch")
		}
		a, b, err := cli.ParseFreqRange(cmd.String("range"))
		if err != nil {
			return c, cli.UsageError("--range: %v", err)
		}
		c.rangeStart, c.rangeStop = a, b
	}
	c.peaks = int(cmd.Int("peaks"))
	if c.peaks < 0 || c.peaks > 10000 {
		return c, cli.UsageError("--peaks %d: want 1 to 10000", c.peaks)
	}
	if cmd.IsSet("peak-sep") {
		v, err := cli.ParseFreq(cmd.String("peak-sep"))
		if err != nil || v <= 0 {
			return c, cli.UsageError("--peak-sep %q: want a positive frequency such as 200k", cmd.String("peak-sep"))
		}
		if c.peaks == 0 {
			return c, cli.UsageError("--peak-sep needs --peaks N")
		}
		c.peakSepHz = v
	}
	for _, ch := range cmd.StringSlice("channel") {
		a, b, err := cli.ParseFreqRange(ch)
		if err != nil {
			return c, cli.UsageError("--channel: %v", err)
		}
		c.channels = append(c.channels, [2]float64{a, b})
	}
	if cmd.IsSet("obw") {
		t := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(cmd.String("obw")), "%"))
		v, err := strconv.ParseFloat(t, 64)
		if err != nil || !(v > 0 && v <= 100) {
			return c, cli.UsageError("--obw %q: want a percentage above 0, up to 100 (e.g. 99)", cmd.String("obw"))
		}
		c.obw = v
	}
	if cmd.IsSet("measure-out") && !c.measuring() {
		return c, cli.UsageError("--measure-out needs a measurement (--peaks, --channel or --obw)")
	}
	for _, f := range cmd.StringSlice("correction") {
		corr, err := cal.LoadCorrection(f)
		if err != nil {
			return c, cli.Exit(fmt.Errorf("--correction: %w", err), cli.ExitFailure)
		}
		c.corrections = append(c.corrections, corr)
	}
	return c, nil
}

func run(ctx context.Context, cmd *ucli.Command) error {
	if cmd.Args().Len() > 1 {
		return cli.UsageError("expected at most one FILE, got %d arguments", cmd.Args().Len())
	}
	cfg, err := configFrom(cmd)
	if err != nil {
		return err
	}
	in, name, closeIn, err := cli.OpenInput(cmd.Args().First())
	if err != nil {
		return err
	}
	defer closeIn()
	out, closeOut, err := cli.OpenPacketOutput(cmd.String("output"))
	if err != nil {
		return err
	}
	var measure io.Writer = os.Stderr
	if m := cmd.String("measure-out"); m != "" {
		f, err := os.Create(m)
		if err != nil {
			return cli.Exit(fmt.Errorf("--measure-out: %w", err), cli.ExitFailure)
		}
		defer f.Close()
		measure = f
	}

	ctx, signalled := cli.SignalContext(ctx)
	defer signalled()
	// process stops at the next packet after a signal. Waiting for input (an
	// upstream that does not close its end), everything read is already
	// written (process flushes before every read): stop at once.
	ir := &cli.IdleReader{R: in}
	defer ir.StopWhenIdle(ctx, func() {
		sig := signalled()
		cli.Fatal("wsa-cal", fmt.Errorf("stopped by %v", sig), cli.SignalCode(sig))
	})()
	start := time.Now()
	st, runErr := process(ctx, cfg, ir, out, measure, os.Stderr)
	if cerr := closeOut(); cerr != nil && runErr == nil {
		runErr = &writeError{cerr}
	}
	if cmd.Bool("verbose") {
		fmt.Fprintf(os.Stderr, "wsa-cal: %d packets in %.2f s: %d spectra in, %d out, %d incomplete sweeps, %d packets passed on, %d spectra skipped (no context)\n",
			st.Packets, time.Since(start).Seconds(), st.SpectraIn, st.SpectraOut, st.Incomplete, st.PassedOn, st.Skipped)
	}
	if sig := signalled(); sig != nil {
		return cli.Exit(fmt.Errorf("stopped by %v", sig), cli.SignalCode(sig))
	}
	var we *writeError
	switch {
	case runErr == nil && st.Incomplete > 0:
		return cli.Exit(fmt.Errorf("%d incomplete sweep(s) not written (reported above)", st.Incomplete), ExitIncomplete)
	case runErr == nil:
		return nil
	case errors.As(runErr, &we):
		if cli.IsBrokenPipe(runErr) {
			return nil // | head: the reader has what it wanted
		}
		return cli.Exit(runErr, cli.ExitFailure)
	case errors.Is(runErr, vrt.ErrNotSpectrum):
		return cli.Exit(fmt.Errorf("%s: %w", name, runErr), cli.ExitFailure)
	}
	return cli.Exit(fmt.Errorf("%s: %w", name, runErr), cli.ExitFailure)
}
