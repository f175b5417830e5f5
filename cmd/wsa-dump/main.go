// Command wsa-dump prints a VRT packet stream one line per packet, for people
// (a tcpdump for VITA-49) and for scripts (--json, one object per line).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	ucli "github.com/urfave/cli/v3"

	"github.com/wsatools/wsa/internal/cli"
	"github.com/wsatools/wsa/pkg/vrt"
)

func main() {
	cmd := &ucli.Command{
		Name:      "wsa-dump",
		Usage:     "print a VITA-49 (VRT) packet stream, one line per packet",
		ArgsUsage: "[FILE]",
		Description: `Reads packets from FILE or stdin (bare VRT or VRL frames, detected
automatically) and prints index, byte offset, type, stream ID, packet count,
size, timestamp, and the decoded context fields or the sample count and
trailer flags. Exits non-zero on malformed input after printing everything
that decoded.

Examples:
   wsa-capture --sim --blocks 1 | wsa-dump
   wsa-dump --json capture.vrt | jq 'select(.type=="context") | .fields'
   wsa-dump --summary capture.vrt`,
		Flags: []ucli.Flag{
			&ucli.BoolFlag{Name: "json", Usage: "one JSON object per packet per line"},
			&ucli.BoolFlag{Name: "summary", Usage: "print only totals per stream (with --json: one JSON object)"},
			&ucli.BoolFlag{Name: "resync", Usage: "skip damaged input to the next plausible packet instead of stopping (counts what was skipped)"},
			&ucli.IntFlag{Name: "count", Aliases: []string{"n"}, Usage: "stop after N packets (0 = all)"},
		},
		Action: run,
	}
	cli.Run(cmd)
}

func run(ctx context.Context, cmd *ucli.Command) error {
	if cmd.Args().Len() > 1 {
		return cli.UsageError("expected at most one FILE, got %d arguments", cmd.Args().Len())
	}
	in, name, closeIn, err := cli.OpenInput(cmd.Args().First())
	if err != nil {
		return err
	}
	defer closeIn()
	out := bufio.NewWriterSize(os.Stdout, 256<<10)
	d := dumper{out: out, json: cmd.Bool("json"), summary: cmd.Bool("summary"), streams: map[uint32]*streamStats{}}
	// Lines go out whenever the input keeps us waiting, so a live stream is
	// shown as it comes and Ctrl-C loses nothing: stopped while waiting, we
	// exit at once (everything is printed); busy, the loop stops at the next
	// packet.
	ctx, signalled := cli.SignalContext(ctx)
	defer signalled()
	ir := &cli.IdleReader{R: in, Flush: out.Flush}
	defer ir.StopWhenIdle(ctx, func() {
		sig := cli.SignalCode(signalled())
		cli.Fatal("wsa-dump", interrupted(sig, d.packets), sig)
	})()
	d.ctxDone = ctx.Done()
	err = d.dump(ir, vrt.ReaderOptions{Resync: cmd.Bool("resync")}, int64(cmd.Int("count")))
	if ferr := out.Flush(); ferr != nil && err == nil && !cli.IsBrokenPipe(ferr) {
		err = cli.Exit(fmt.Errorf("write output: %w", ferr), cli.ExitFailure)
	}
	if sig := signalled(); sig != nil && (err == nil || errors.Is(err, context.Canceled)) {
		return cli.Exit(interrupted(cli.SignalCode(sig), d.packets), cli.SignalCode(sig))
	}
	if err != nil {
		var e *cli.ExitError
		if !errors.As(err, &e) {
			err = cli.Exit(fmt.Errorf("%s: %w", name, err), cli.ExitFailure)
		}
		return err
	}
	return nil
}

type streamStats struct {
	Stream      string  `json:"stream_id"`
	Packets     int64   `json:"packets"`
	Context     int64   `json:"context_packets"`
	Data        int64   `json:"data_packets"`
	Bytes       int64   `json:"bytes"`
	Samples     int64   `json:"samples"`
	CountGaps   int64   `json:"count_gaps"`
	FirstTime   float64 `json:"first_time,omitempty"`
	LastTime    float64 `json:"last_time,omitempty"`
	lastCount   int
	haveCount   bool
	contextErrs int64
}

// interrupted is the one line for a stop by a signal (exit code code).
func interrupted(code int, packets int64) error {
	what := "interrupted"
	if code == 143 {
		what = "terminated"
	}
	return fmt.Errorf("%s after %d packets", what, packets)
}

type dumper struct {
	ctxDone <-chan struct{} // the loop stops between packets once closed
	packets int64           // packets printed
	out     *bufio.Writer
	json    bool
	summary bool
	streams map[uint32]*streamStats
	ctx     vrt.Context
	bad     error
}

func (d *dumper) dump(in io.Reader, opt vrt.ReaderOptions, limit int64) error {
	r := vrt.NewReader(in, opt)
	var index int64
	for limit <= 0 || index < limit {
		select {
		case <-d.ctxDone:
			d.finish(r)
			return context.Canceled
		default:
		}
		off := r.Offset()
		p, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			d.finish(r)
			return err
		}
		// With VRL input the offset of a packet is inside its frame; report the
		// reader's view (the start of the frame or packet that carried it).
		if err := d.packet(index, off, p); err != nil {
			if cli.IsBrokenPipe(err) {
				return nil
			}
			return cli.Exit(fmt.Errorf("write output: %w", err), cli.ExitFailure)
		}
		index++
		d.packets = index
	}
	d.finish(r)
	return d.bad
}

func (d *dumper) stats(p *vrt.Packet) *streamStats {
	s := d.streams[p.StreamID]
	if s == nil {
		s = &streamStats{Stream: fmt.Sprintf("0x%08x", p.StreamID)}
		d.streams[p.StreamID] = s
	}
	s.Packets++
	s.Bytes += int64(len(p.Raw))
	// Packet counts are per stream and per kind (ThinkRF uses one stream per kind).
	if p.Type.IsData() {
		if s.haveCount && int(p.Count) != (s.lastCount+1)%16 {
			s.CountGaps++
		}
		s.lastCount, s.haveCount = int(p.Count), true
	}
	if p.TSI != vrt.TSINone {
		t := p.Timestamp.Seconds()
		if p.TSF != vrt.TSFRealTime {
			t = float64(p.Timestamp.Int)
		}
		if s.FirstTime == 0 {
			s.FirstTime = t
		}
		s.LastTime = t
	}
	return s
}

func (d *dumper) packet(index, off int64, p *vrt.Packet) error {
	st := d.stats(p)
	var fields []vrt.Field
	var ctxErr error
	if p.Type.IsContext() {
		st.Context++
		if ctxErr = d.ctx.Decode(p); ctxErr != nil {
			st.contextErrs++
			if d.bad == nil {
				d.bad = cli.Exit(fmt.Errorf("packet %d at byte offset %d: %w", index, off, ctxErr), cli.ExitFailure)
			}
		}
		fields = d.ctx.Fields
	} else if p.Type.IsData() {
		st.Data++
		st.Samples += int64(vrt.SampleCount(p))
	}
	if d.summary {
		return nil
	}
	if d.json {
		return d.jsonLine(index, off, p, fields, ctxErr)
	}
	return d.textLine(index, off, p, fields, ctxErr)
}

func (d *dumper) jsonLine(index, off int64, p *vrt.Packet, fields []vrt.Field, ctxErr error) error {
	m := map[string]any{
		"index": index, "offset": off, "type": p.Type.String(), "count": p.Count, "size_words": p.Size,
		"tsi": p.Timestamp.Int, "tsf": p.Timestamp.Frac, "tsi_type": int(p.TSI), "tsf_type": int(p.TSF),
	}
	if p.Type.HasStreamID() {
		m["stream_id"] = fmt.Sprintf("0x%08x", p.StreamID)
	}
	if t, ok := p.Time(); ok && p.TSI == vrt.TSIUTC {
		m["time"] = t.Format("2006-01-02T15:04:05.000000000Z")
	}
	if p.ClassID {
		m["class_id"] = map[string]string{"oui": fmt.Sprintf("0x%06x", p.Class.OUI), "info_class": fmt.Sprintf("0x%04x", p.Class.InfoClass), "packet_class": fmt.Sprintf("0x%04x", p.Class.PacketClass)}
	}
	switch {
	case p.Type.IsContext():
		f := map[string]any{}
		for _, x := range fields {
			f[x.Spec.Name] = x.Value()
		}
		m["fields"] = f
		m["table"] = d.ctx.Table.String()
		if ctxErr != nil {
			m["error"] = ctxErr.Error()
		}
	case p.Type.IsData():
		m["samples"] = vrt.SampleCount(p)
		m["format"] = vrt.FormatOf(p).String()
		if p.HasTrailer() {
			m["trailer"] = p.Trailer.Map()
			m["trailer_word"] = fmt.Sprintf("0x%08x", uint32(p.Trailer))
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	_, err = d.out.Write(b)
	return err
}

func (d *dumper) textLine(index, off int64, p *vrt.Packet, fields []vrt.Field, ctxErr error) error {
	var sb strings.Builder
	fmt.Fprintf(&sb, "#%d @%d %s", index, off, p.Type)
	if p.Type.HasStreamID() {
		fmt.Fprintf(&sb, " stream=0x%08x", p.StreamID)
	}
	fmt.Fprintf(&sb, " count=%d size=%d", p.Count, p.Size)
	if p.TSI != vrt.TSINone || p.TSF != vrt.TSFNone {
		if p.TSF == vrt.TSFRealTime {
			fmt.Fprintf(&sb, " ts=%d.%012d", p.Timestamp.Int, p.Timestamp.Frac)
		} else {
			fmt.Fprintf(&sb, " ts=%d/%d", p.Timestamp.Int, p.Timestamp.Frac)
		}
	}
	switch {
	case p.Type.IsContext():
		for _, f := range fields {
			sb.WriteByte(' ')
			sb.WriteString(f.Spec.Name)
			sb.WriteByte('=')
			sb.WriteString(render(f.Value()))
		}
		if ctxErr != nil {
			fmt.Fprintf(&sb, " ERROR=%q", ctxErr.Error())
		}
	case p.Type.IsData():
		fmt.Fprintf(&sb, " samples=%d fmt=%s", vrt.SampleCount(p), vrt.FormatOf(p))
		if p.HasTrailer() {
			fmt.Fprintf(&sb, " trailer=%s", p.Trailer)
		}
	}
	sb.WriteByte('\n')
	_, err := d.out.WriteString(sb.String())
	return err
}

func render(v any) string {
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case string:
		if strings.ContainsAny(x, " \"=") {
			return strconv.Quote(x)
		}
		return x
	case bool:
		return strconv.FormatBool(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func (d *dumper) finish(r *vrt.Reader) {
	rs := r.Stats()
	if rs.Resyncs > 0 {
		fmt.Fprintf(os.Stderr, "wsa-dump: resynchronised %d times, skipped %d bytes\n", rs.Resyncs, rs.SkippedBytes)
	}
	if !d.summary {
		return
	}
	ids := make([]uint32, 0, len(d.streams))
	for id := range d.streams {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	if d.json {
		list := make([]*streamStats, 0, len(ids))
		for _, id := range ids {
			list = append(list, d.streams[id])
		}
		b, _ := json.Marshal(map[string]any{"packets": rs.Packets, "bytes": rs.Bytes, "vrl_frames": rs.Frames,
			"skipped_bytes": rs.SkippedBytes, "streams": list})
		d.out.Write(append(b, '\n'))
		return
	}
	fmt.Fprintf(d.out, "%d packets, %d bytes", rs.Packets, rs.Bytes)
	if rs.Frames > 0 {
		fmt.Fprintf(d.out, ", %d VRL frames", rs.Frames)
	}
	fmt.Fprintln(d.out)
	for _, id := range ids {
		s := d.streams[id]
		fmt.Fprintf(d.out, "stream %s: %d packets (%d context, %d data), %d bytes, %d samples, %d count gaps",
			s.Stream, s.Packets, s.Context, s.Data, s.Bytes, s.Samples, s.CountGaps)
		if s.LastTime > 0 {
			fmt.Fprintf(d.out, ", %.6f s", s.LastTime-s.FirstTime)
		}
		fmt.Fprintln(d.out)
	}
}
