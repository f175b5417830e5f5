// Command wsa-sim runs the WSA4000 simulator as a network device: SCPI on
// TCP 37001, VRT on TCP 37000 and discovery on UDP 18331 by default, so
// any WSA client (wsa-capture --host, pyrf) can be tested without
// hardware.
package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"

	ucli "github.com/urfave/cli/v3"

	"github.com/wsatools/wsa/internal/cli"
	"github.com/wsatools/wsa/pkg/wsa"
	"github.com/wsatools/wsa/pkg/wsa/sim"
)

func main() {
	cli.Run(command())
}

func command() *ucli.Command {
	return &ucli.Command{
		Name:      "wsa-sim",
		Usage:     "run a simulated WSA4000 on the network (SCPI, VRT, discovery)",
		ArgsUsage: " ",
		Description: `Listens like a WSA4000: SCPI commands on --scpi-port, VRT data on
--vrt-port, UDP discovery on --discovery-port (0 for any port picks a free
one; -1 turns discovery off). Prints where it listens on stderr, one line
per address, then serves until Ctrl-C or SIGTERM (exit 0).

The RF scene is the default one (docs/DEVICE.md) unless --tone or --band
give one. --fault makes it misbehave on purpose for testing clients.

Examples:
   wsa-sim &  wsa-capture --host 127.0.0.1 --freq 2.42G | wsa-dump
   wsa-sim --scpi-port 0 --vrt-port 0 --tone 2.412G:-30 --tone 915M:-50
   wsa-sim --fault stall=100 --fault scpi=FREQ:CENTER=-222`,
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "listen", Value: "127.0.0.1", Usage: "`ADDRESS` to listen on (0.0.0.0: every interface)"},
			&ucli.IntFlag{Name: "scpi-port", Value: wsa.SCPIPort, Usage: "SCPI TCP `PORT` (0 = any free port)"},
			&ucli.IntFlag{Name: "vrt-port", Value: wsa.VRTPort, Usage: "VRT TCP `PORT` (0 = any free port)"},
			&ucli.IntFlag{Name: "discovery-port", Value: wsa.DiscoveryPort, Usage: "discovery UDP `PORT` (0 = any free port, -1 = off)"},
			&ucli.IntFlag{Name: "discovery-version", Value: 1, Usage: "discovery response version `V`: 1 (WSA4000) or 2 (model, serial, firmware)"},
			&ucli.StringSliceFlag{Name: "tone", Usage: "a tone `FREQ:DBM` (repeatable; replaces the default scene)"},
			&ucli.StringSliceFlag{Name: "band", Usage: "a wideband signal `CENTER:WIDTH:DBM` (repeatable)"},
			&ucli.BoolFlag{Name: "ideal", Usage: "no DC offset or I/Q imbalance"},
			&ucli.BoolFlag{Name: "pace", Value: true, Usage: "stream at the real sample rate (--pace=false: as fast as the client reads)"},
			&ucli.StringSliceFlag{Name: "fault", Usage: "inject a fault `SPEC`: " + sim.FaultHelp},
			&ucli.StringFlag{Name: "serial", Value: sim.DefaultIdentity.Serial, Usage: "serial `NUMBER` reported by *IDN? and discovery"},
			&ucli.Uint64Flag{Name: "seed", Usage: "noise seed `N` (0 = random)"},
			&ucli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "log connections and every SCPI command on stderr"},
		},
		Action: run,
	}
}

func run(ctx context.Context, cmd *ucli.Command) error {
	if cmd.Args().Len() > 0 {
		return cli.UsageError("unexpected argument %q", cmd.Args().First())
	}
	addr := func(flag string) (string, error) {
		p := cmd.Int(flag)
		if p < 0 || p > 65535 {
			return "", cli.UsageError("--%s %d: want 0 to 65535", flag, p)
		}
		return net.JoinHostPort(cmd.String("listen"), strconv.Itoa(int(p))), nil
	}
	scpi, err := addr("scpi-port")
	if err != nil {
		return err
	}
	vrtAddr, err := addr("vrt-port")
	if err != nil {
		return err
	}
	cfg := sim.Config{SCPIAddr: scpi, VRTAddr: vrtAddr, Pace: cmd.Bool("pace"), Seed: cmd.Uint64("seed")}
	if cmd.Int("discovery-port") >= 0 {
		if cfg.DiscoveryAddr, err = addr("discovery-port"); err != nil {
			return err
		}
	}
	switch v := cmd.Int("discovery-version"); v {
	case 1, 2:
		cfg.DiscoveryVersion = uint32(v)
	default:
		return cli.UsageError("--discovery-version %d: want 1 or 2", v)
	}
	cfg.Identity = sim.DefaultIdentity
	cfg.Identity.Serial = cmd.String("serial")
	if strings.ContainsAny(cfg.Identity.Serial, ",\r\n;") || cfg.Identity.Serial == "" {
		return cli.UsageError("--serial must be non-empty without commas, semicolons or newlines")
	}
	if cmd.Bool("ideal") {
		cfg.Impairments = &sim.NoImpairments
	}
	if cfg.Scene, err = scene(cmd); err != nil {
		return err
	}
	for _, spec := range cmd.StringSlice("fault") {
		if err := sim.ParseFault(spec, &cfg.Faults); err != nil {
			return cli.UsageError("--fault: %v", err)
		}
	}
	if cmd.Bool("verbose") {
		cfg.Logf = func(f string, a ...any) { fmt.Fprintf(os.Stderr, "wsa-sim: "+f+"\n", a...) }
	}
	ctx, signalled := cli.SignalContext(ctx)
	defer signalled()
	s, err := sim.New(cfg)
	if err != nil {
		return cli.Exit(err, cli.ExitFailure)
	}
	defer s.Close()
	fmt.Fprintf(os.Stderr, "wsa-sim: SCPI %s\nwsa-sim: VRT %s\n", s.SCPIAddr(), s.VRTAddr())
	if d := s.DiscoveryAddr(); d != "" {
		fmt.Fprintf(os.Stderr, "wsa-sim: discovery %s\n", d)
	}
	<-ctx.Done()
	fmt.Fprintln(os.Stderr, "wsa-sim: stopping")
	return nil
}

// scene builds the RF scene from --tone and --band, or nil for the
// default scene.
func scene(cmd *ucli.Command) (*sim.Scene, error) {
	sc, err := sim.SceneFromSpecs(cmd.StringSlice("tone"), cmd.StringSlice("band"))
	if err != nil {
		return nil, cli.UsageError("--tone/--band: %v", err)
	}
	return sc, nil
}
