// Command wsa-sigmf converts between VRT captures and SigMF recordings:
// record turns an I14Q14 packet stream into NAME.sigmf-data + NAME.sigmf-meta,
// play turns a recording back into packets every wsa-* block accepts, and
// info prints and checks a recording.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	ucli "github.com/urfave/cli/v3"

	"github.com/wsatools/wsa/internal/cli"
	"github.com/wsatools/wsa/pkg/sigmf"
	"github.com/wsatools/wsa/pkg/vrt"
)

func main() {
	cli.Run(&ucli.Command{
		Name:  "wsa-sigmf",
		Usage: "convert WSA VRT captures to and from SigMF recordings",
		Description: `SigMF (sigmf.org) keeps samples in NAME.sigmf-data and their description in
NAME.sigmf-meta. WSA I14Q14 samples are SigMF "ci16_be" and are stored as
they arrive; each contiguous block becomes a capture segment with its centre
frequency and UTC time; the reference level, decimation and sweep ID go into
the "wsa" extension namespace.

Examples:
   wsa-capture --sim --blocks 10 | wsa-sigmf record -o cap
   wsa-sigmf info cap
   wsa-sigmf play cap | wsa-fft | wsa-cal | wsa-plot -o spectrum.png`,
		Commands: []*ucli.Command{
			{
				Name:      "record",
				Usage:     "write a VRT stream (FILE or stdin) as NAME.sigmf-data/.sigmf-meta",
				ArgsUsage: "[FILE]",
				Flags: []ucli.Flag{
					&ucli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "recording NAME (without extension)", Required: true},
					&ucli.StringFlag{Name: "description", Usage: "core:description"},
					&ucli.StringFlag{Name: "hw", Value: "ThinkRF WSA4000", Usage: "core:hw"},
					&ucli.StringFlag{Name: "author", Usage: "core:author"},
				},
				Action: record,
			},
			{
				Name:      "play",
				Usage:     "write a recording to stdout as VRT packets",
				ArgsUsage: "NAME",
				Flags: []ucli.Flag{
					&ucli.IntFlag{Name: "spp", Usage: "samples per data packet (default: as recorded, else 1024)"},
				},
				Action: play,
			},
			{
				Name:      "info",
				Usage:     "print a recording's segments and check its data against core:sha512",
				ArgsUsage: "NAME",
				Action:    info,
			},
		},
	})
}

func record(ctx context.Context, cmd *ucli.Command) error {
	in, _, closeIn, err := cli.OpenInput(cmd.Args().First())
	if err != nil {
		return err
	}
	defer closeIn()
	rec, err := sigmf.Create(cmd.String("output"), sigmf.Global{HW: cmd.String("hw"), Description: cmd.String("description"), Author: cmd.String("author")})
	if err != nil {
		return err
	}
	// Ctrl-C ends the recording like the end of the input: the meta is
	// written for every packet read. Waiting for input, that happens at
	// once (the reading goroutine is parked, so the recorder is ours).
	ctx, signalled := cli.SignalContext(ctx)
	defer signalled()
	report := func() {
		fmt.Fprintf(os.Stderr, "wsa-sigmf: wrote %d samples in %d segments to %s.sigmf-data\n", rec.Samples(), len(rec.Meta().Captures), cmd.String("output"))
	}
	ir := &cli.IdleReader{R: in}
	defer ir.StopWhenIdle(ctx, func() {
		sig := signalled()
		if err := rec.Close(); err != nil {
			cli.Fatal("wsa-sigmf", err, cli.ExitFailure)
		}
		report()
		cli.Fatal("wsa-sigmf", fmt.Errorf("stopped by %v", sig), cli.SignalCode(sig))
	})()
	r := vrt.NewReader(ir, vrt.ReaderOptions{})
	var readErr error
	for ctx.Err() == nil {
		p, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			readErr = err
			break
		}
		if err := rec.WritePacket(p); err != nil {
			readErr = fmt.Errorf("packet %d: %w", r.Stats().Packets-1, err)
			break
		}
	}
	// Whatever was good is kept: the meta is written even after an input error.
	if err := rec.Close(); err != nil {
		return err
	}
	report()
	if sig := signalled(); sig != nil {
		return cli.Exit(fmt.Errorf("stopped by %v", sig), cli.SignalCode(sig))
	}
	return readErr
}

func play(ctx context.Context, cmd *ucli.Command) error {
	if cmd.Args().Len() != 1 {
		return cli.UsageError("play needs one recording NAME")
	}
	if err := cli.RefuseTerminal(os.Stdout); err != nil {
		return err
	}
	ds, err := sigmf.Open(cmd.Args().First())
	if err != nil {
		return err
	}
	ctx, signalled := cli.SignalContext(ctx)
	defer signalled()
	w := vrt.NewWriter(cli.PacketOutput(os.Stdout), vrt.WriterOptions{})
	err = ds.Play(int(cmd.Int("spp")), func(b []byte) error {
		if ctx.Err() != nil {
			return ctx.Err() // Ctrl-C: stop between packets
		}
		return w.WritePacket(b)
	})
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	if sig := signalled(); sig != nil {
		return cli.Exit(fmt.Errorf("stopped by %v", sig), cli.SignalCode(sig))
	}
	return err
}

func info(ctx context.Context, cmd *ucli.Command) error {
	if cmd.Args().Len() != 1 {
		return cli.UsageError("info needs one recording NAME")
	}
	ds, err := sigmf.Open(cmd.Args().First())
	if err != nil {
		return err
	}
	g := ds.Meta.Global
	fmt.Printf("%s: %s, %s, %g S/s, SigMF %s\n", ds.Base, g.Datatype, g.HW, g.SampleRate, g.Version)
	for i, c := range ds.Meta.Captures {
		rl := "-"
		if c.RefLevelDBm != nil {
			rl = fmt.Sprintf("%g dBm", *c.RefLevelDBm)
		}
		fmt.Printf("  segment %d: sample %d, %s, %s, reference level %s, decimation %d\n", i, c.SampleStart, cli.FormatFreq(c.Frequency), c.Datetime, rl, c.Decimation)
	}
	if err := ds.Verify(); err != nil {
		return err
	}
	if g.SHA512 == "" {
		return errors.New("no core:sha512 to check the data against")
	}
	fmt.Println("  sha512 ok")
	return nil
}
