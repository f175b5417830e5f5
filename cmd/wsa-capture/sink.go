package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	ucli "github.com/urfave/cli/v3"

	"github.com/wsatools/wsa/internal/cli"
	"github.com/wsatools/wsa/pkg/sigmf"
	"github.com/wsatools/wsa/pkg/vrt"
	"github.com/wsatools/wsa/pkg/wsa"
)

// packetWriter takes whole packets; the capture and replay loops write to it.
type packetWriter interface {
	WritePacket(b []byte) error
}

// sink is where the packets of a run go: the VRT output (stdout or -o
// FILE, bare or VRL) and, with --sigmf, a SigMF recording. At least one of
// the two is present. Errors of the VRT output come back as *outputError
// (a closed pipe is the normal end of `| head`); SigMF errors as they are.
type sink struct {
	w    *vrt.Writer     // nil: SigMF only
	file *os.File        // -o FILE, closed by close
	rec  *sigmf.Recorder // nil without --sigmf
	base string          // the recording's NAME
	pkt  vrt.Packet
}

// openSink opens the outputs the flags ask for, before anything touches a
// device or a recording: stdout is refused when it is a terminal, unless
// --sigmf gives the packets somewhere else to go (then only the SigMF files
// are written). description becomes core:description.
func openSink(cmd *ucli.Command, description string) (*sink, error) {
	s := &sink{}
	var out io.Writer
	if name := cmd.String("output"); name != "" && name != "-" {
		f, err := os.Create(name)
		if err != nil {
			return nil, cli.Exit(fmt.Errorf("output: %w", err), cli.ExitFailure)
		}
		s.file, out = f, cli.PacketOutput(f) // a full disk leaves whole packets
	} else if err := cli.RefuseTerminal(os.Stdout); err == nil {
		out = cli.PacketOutput(os.Stdout)
	} else if !cmd.IsSet("sigmf") || name == "-" {
		return nil, cli.UsageError("%v", err)
	}
	if out != nil {
		s.w = vrt.NewWriter(out, vrt.WriterOptions{VRL: cmd.Bool("vrl")})
	}
	if cmd.IsSet("sigmf") {
		base, err := sigmfBase(cmd.String("sigmf"))
		if err != nil {
			s.close()
			return nil, err
		}
		rec, err := sigmf.Create(base, sigmf.Global{Description: description, Recorder: "wsa-capture"})
		if err != nil {
			s.close()
			return nil, cli.Exit(err, cli.ExitFailure)
		}
		s.rec, s.base = rec, base
	}
	return s, nil
}

// sigmfBase is the recording NAME of --sigmf: NAME, NAME.sigmf-meta or
// NAME.sigmf-data all mean the pair NAME.sigmf-data + NAME.sigmf-meta.
func sigmfBase(name string) (string, error) {
	base := strings.TrimSuffix(strings.TrimSuffix(name, ".sigmf-meta"), ".sigmf-data")
	if base == "" || base == "-" || strings.HasSuffix(base, "/") {
		return "", cli.UsageError("--sigmf %q: want a recording NAME (NAME.sigmf-data and NAME.sigmf-meta are written)", name)
	}
	return base, nil
}

// WritePacket writes b to the VRT output, then to the SigMF recording.
func (s *sink) WritePacket(b []byte) error {
	if s.w != nil {
		if err := s.w.WritePacket(b); err != nil {
			return &outputError{err}
		}
	}
	if s.rec != nil {
		if err := s.pkt.Decode(b); err != nil {
			return fmt.Errorf("sigmf: %w", err)
		}
		if err := s.rec.WritePacket(&s.pkt); err != nil {
			if errors.Is(err, sigmf.ErrUnsupported) {
				return fmt.Errorf("--sigmf: %w (spectra and real-only data have no SigMF form here)", err)
			}
			return err
		}
	}
	return nil
}

// close flushes the VRT output and finishes the SigMF recording (its meta
// is written whatever ended the run, so a recording cut short by Ctrl-C
// or a failure is complete up to its last packet). It returns the first
// error.
func (s *sink) close() error {
	var err error
	if s.w != nil {
		if ferr := s.w.Flush(); ferr != nil {
			err = &outputError{ferr}
		}
	}
	if s.rec != nil {
		if cerr := s.rec.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}
	if s.file != nil {
		if cerr := s.file.Close(); cerr != nil && err == nil {
			err = &outputError{cerr}
		}
	}
	return err
}

// recordDevice tells the SigMF recording which device answered and the
// front-end settings in force: the sweep entry's for a sweep, otherwise
// what the device reports once the flags were applied (a setting not given
// on the command line is the device's own, so asking is the only way to
// know it). A query the device does not answer leaves that value out of
// the meta rather than failing the capture.
func (s *sink) recordDevice(ctx context.Context, c *wsa.Client, j *job) {
	if s.rec == nil {
		return
	}
	id := c.Identity()
	hw := strings.Join(strings.Fields(strings.Join([]string{id.Manufacturer, id.Model, id.Serial}, " ")), " ")
	if id.Firmware != "" {
		hw += ", firmware " + id.Firmware
	}
	s.rec.SetHardware(hw, id.Model, id.Serial)
	var st sigmf.Settings
	if j.mode == "sweep" {
		e := j.plan.Entry
		ifg := float64(e.IFGain)
		st.RFGain, st.IFGainDB, st.Antenna = string(e.Gain), &ifg, e.Antenna
	} else {
		if g, err := c.Gain(ctx); err == nil {
			st.RFGain = string(g)
		}
		if n, err := c.IFGain(ctx); err == nil {
			ifg := float64(n)
			st.IFGainDB = &ifg
		}
		if n, err := c.Antenna(ctx); err == nil {
			st.Antenna = n
		}
	}
	if on, err := c.Preselect(ctx); err == nil {
		st.Preselect = &on
	}
	s.rec.SetSettings(st)
}

// describe is the core:description of a device capture.
func (j *job) describe() string {
	switch j.mode {
	case "block":
		return fmt.Sprintf("wsa-capture block capture: %d block(s) of %d packet(s) of %d samples, one capture segment per block", j.blocks, j.ppb, j.spp)
	case "stream":
		return fmt.Sprintf("wsa-capture stream capture, %d samples per packet", j.spp)
	}
	passes := "until stopped"
	if j.sweeps > 0 {
		passes = fmt.Sprint(j.sweeps)
	}
	return fmt.Sprintf("wsa-capture sweep %s to %s: %d centres per pass, passes %s, one capture segment per centre",
		cli.FormatFreq(j.plan.StartHz), cli.FormatFreq(j.plan.StopHz), j.plan.Steps, passes)
}
