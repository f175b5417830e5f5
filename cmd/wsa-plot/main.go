// Command wsa-plot is the end of a wsa-tools pipeline: it reads the suite's
// spectrum packets (from wsa-fft or wsa-cal) and draws them as a line plot
// (PNG, SVG), a waterfall (PNG), rtl_power-style CSV or JSON lines for
// scripts, or a live view in the terminal.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gdamore/tcell/v2"
	ucli "github.com/urfave/cli/v3"

	"github.com/wsatools/wsa/internal/cli"
	"github.com/wsatools/wsa/pkg/plot"
	"github.com/wsatools/wsa/pkg/vrt"
)

const prog = "wsa-plot"

func main() { cli.Run(command()) }

func command() *ucli.Command {
	return &ucli.Command{
		Name:      prog,
		Usage:     "draw spectrum packets: line plot, waterfall, rtl_power CSV, JSON, live terminal view",
		ArgsUsage: "[FILE]",
		Description: `Reads spectrum packets (wsa-fft, wsa-cal; raw I/Q is refused with a hint)
from FILE or stdin and draws them. What comes out follows -o's extension
or --format:

  .png .svg         line plot: frequency across (Hz/kHz/MHz/GHz as fits),
                    level up (dBm or dBFS from the packets), title with centre,
                    span, RBW, time (UTC) and source; --trace picks live,
                    average, max, min (repeatable: several on one plot);
                    --peaks N labels the N highest peaks. Several sources in
                    the stream (wsa-pull merging servers) are separate traces.
  --waterfall .png  time down (oldest row at the top), frequency across,
                    colour bar in dB. Memory is bounded: --rows N keeps the
                    newest N rows (--history newest, default), or, with
                    --history all, keeps the whole input in N rows by merging
                    neighbouring rows (maximum per pixel). Without --ymin/--ymax
                    the colour scale runs from the 1st percentile to the
                    maximum of the levels drawn.
  .csv              rtl_power rows: date, time (UTC), Hz low, Hz high, Hz step,
                    samples, dB, dB, ... (one row per spectrum)
  .json             one object per spectrum per line: time, source, start_hz,
                    stop_hz, step_hz, units, rbw_hz, bins, ...

Without -o, a terminal on stdout gets the live view (trace and waterfall,
redrawn in place; keys from the terminal: q or Ctrl-C quits, space pauses,
up/down shift and +/- scale the levels, a resets them); a pipe or file gets
CSV (--waterfall: PNG). A line plot shows the last spectrum of each source
(or the traces asked for, computed over everything read); --once stops at
the first complete spectrum or sweep. Files are written under a temporary
name and renamed when complete. Malformed input: what came before is still
drawn, then one line naming the packet and byte offset, exit 1. Ctrl-C
draws what was read and exits 130. docs/PLOT.md has every detail.

Examples:
   wsa-capture --sim | wsa-fft | wsa-cal | wsa-plot --peaks 3 -o spectrum.png
   wsa-capture --sim --stream --duration 60s | wsa-fft | wsa-cal | wsa-plot --waterfall -o waterfall.png
   wsa-capture --sim --sweep 2.4G:2.5G --rbw 100k --sweeps 10 | wsa-fft | wsa-cal --stitch | wsa-plot --trace max --trace average -o sweep.svg
   wsa-pull http://a:8037 http://b:8037 | wsa-plot --format json | jq .source
   wsa-capture --sim --stream | wsa-fft | wsa-cal | wsa-plot          # live view in the terminal
   wsa-plot --format csv spectra.vrt > spectra.csv`,
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to `FILE` (format from its extension: .png .svg .csv .json); - is stdout"},
			&ucli.StringFlag{Name: "format", Aliases: []string{"f"}, Usage: "`FORMAT` png, svg, csv or json (instead of the extension, or for stdout)"},
			&ucli.BoolFlag{Name: "waterfall", Aliases: []string{"w"}, Usage: "draw a waterfall (PNG) instead of a line plot"},
			&ucli.StringSliceFlag{Name: "trace", Aliases: []string{"t"}, Usage: "`KIND` live, average, max or min; repeat for several on one plot (default live)"},
			&ucli.IntFlag{Name: "peaks", HideDefault: true, Usage: "mark and label the `N` highest peaks (line plots)"},
			&ucli.FloatFlag{Name: "ymin", HideDefault: true, Usage: "lowest level `DB` of the level axis or colour scale (default: from the data)"},
			&ucli.FloatFlag{Name: "ymax", HideDefault: true, Usage: "highest level `DB` of the level axis or colour scale (default: from the data)"},
			&ucli.IntFlag{Name: "width", HideDefault: true, Usage: "image width in `PIXELS` (line plot 1200, waterfall 1200)"},
			&ucli.IntFlag{Name: "height", HideDefault: true, Usage: "image height in `PIXELS` (line plot 700, waterfall 800)"},
			&ucli.IntFlag{Name: "rows", Value: 1000, Usage: "waterfall: rows kept per source, `N` (bounds memory)"},
			&ucli.StringFlag{Name: "history", Value: "newest", Usage: "waterfall: `RULE` newest (keep the newest --rows) or all (merge rows to keep the whole input)"},
			&ucli.StringFlag{Name: "colormap", Aliases: []string{"c"}, Value: plot.DefaultColormap, Usage: "waterfall colours: `NAME` viridis, magma or gray"},
			&ucli.BoolFlag{Name: "once", Aliases: []string{"1"}, Usage: "stop after the first complete spectrum (or sweep)"},
			&ucli.IntFlag{Name: "digits", Value: 2, Usage: "CSV: `N` decimals per level (rtl_power: 2; -1: exact float32)"},
			&ucli.StringFlag{Name: "title", Usage: "replace the automatic title with `TEXT`"},
			&ucli.StringFlag{Name: "geometry", Usage: "also write to `FILE` (JSON) where the data area is in the image and the values at its edges, for scripts that annotate or check pictures"},
		},
		Action: run,
	}
}

// The modes wsa-plot works in.
type mode int

const (
	modeLive mode = iota
	modeLine
	modeWaterfall
	modeTable
)

func (m mode) String() string {
	return [...]string{"the live view", "line plots", "--waterfall", "csv/json tables"}[m]
}

type config struct {
	mode     mode
	format   string // png, svg, csv, json ("" for live)
	output   string
	input    string
	traces   []vrt.Trace
	peaks    int
	once     bool
	digits   int
	line     plot.LineOptions
	wf       plot.WaterfallOptions
	colormap *plot.Colormap
	geometry string
}

var extFormats = map[string]string{".png": "png", ".svg": "svg", ".csv": "csv", ".json": "json", ".jsonl": "json", ".ndjson": "json"}

// flagModes says which modes each optional flag means something in; a flag
// given where it means nothing is a usage error, not silently ignored.
var flagModes = map[string][]mode{
	"trace":    {modeLine, modeLive},
	"peaks":    {modeLine},
	"ymin":     {modeLine, modeWaterfall, modeLive},
	"ymax":     {modeLine, modeWaterfall, modeLive},
	"width":    {modeLine, modeWaterfall},
	"height":   {modeLine, modeWaterfall},
	"rows":     {modeWaterfall},
	"history":  {modeWaterfall},
	"colormap": {modeWaterfall, modeLive},
	"digits":   {modeTable},
	"title":    {modeLine, modeWaterfall},
	"geometry": {modeLine, modeWaterfall},
}

func parseConfig(cmd *ucli.Command, stdoutTerminal bool) (*config, error) {
	c := &config{output: cmd.String("output"), once: cmd.Bool("once"), digits: cmd.Int("digits"), peaks: cmd.Int("peaks")}
	if cmd.Args().Len() > 1 {
		return nil, cli.UsageError("expected at most one FILE, got %d arguments", cmd.Args().Len())
	}
	c.input = cmd.Args().First()
	c.geometry = cmd.String("geometry")
	format := strings.ToLower(strings.TrimSpace(cmd.String("format")))
	if format != "" {
		if _, ok := map[string]bool{"png": true, "svg": true, "csv": true, "json": true}[format]; !ok {
			return nil, cli.UsageError("--format %q: want png, svg, csv or json", cmd.String("format"))
		}
	}
	toStdout := c.output == "" || c.output == "-"
	if !toStdout {
		ext := strings.ToLower(filepath.Ext(c.output))
		byExt, known := extFormats[ext]
		switch {
		case format == "" && !known:
			return nil, cli.UsageError("cannot tell the format of %q from its extension: use --format png, svg, csv or json", c.output)
		case format == "":
			format = byExt
		case known && byExt != format:
			return nil, cli.UsageError("-o %s looks like %s but --format is %s", c.output, byExt, format)
		}
	}
	wf := cmd.Bool("waterfall")
	switch {
	case format == "" && toStdout && stdoutTerminal && c.output == "":
		c.mode = modeLive
	case format == "" && wf:
		format, c.mode = "png", modeWaterfall
	case format == "":
		format, c.mode = "csv", modeTable
	case format == "csv" || format == "json":
		c.mode = modeTable
		if wf {
			return nil, cli.UsageError("--waterfall draws an image: use -o FILE.png (a %s table is the same with or without it)", format)
		}
	case wf:
		c.mode = modeWaterfall
		if format != "png" {
			return nil, cli.UsageError("--waterfall writes PNG only, not %s", format)
		}
	default:
		c.mode = modeLine
	}
	c.format = format
	if c.mode != modeLive && c.mode != modeTable && toStdout && stdoutTerminal {
		return nil, cli.UsageError("refusing to write a %s image to a terminal: use -o FILE or redirect stdout", format)
	}
	for name, modes := range flagModes {
		if !cmd.IsSet(name) {
			continue
		}
		ok := false
		for _, m := range modes {
			ok = ok || m == c.mode
		}
		if !ok {
			what := c.mode.String()
			if c.mode == modeTable {
				what = c.format + " tables"
			}
			return nil, cli.UsageError("--%s does not apply to %s", name, what)
		}
	}
	if c.mode == modeTable && c.format == "json" && cmd.IsSet("digits") {
		return nil, cli.UsageError("--digits applies to csv; json always gives exact values")
	}

	var err error
	if c.traces, err = plot.ParseTraces(cmd.StringSlice("trace")); err != nil {
		return nil, cli.UsageError("--trace: %v", err)
	}
	if c.peaks < 0 || c.peaks > 100 {
		return nil, cli.UsageError("--peaks %d: want 0 to 100", c.peaks)
	}
	ymin, ymax := cmd.Float("ymin"), cmd.Float("ymax")
	hasMin, hasMax := cmd.IsSet("ymin"), cmd.IsSet("ymax")
	if hasMin && hasMax && !(ymax > ymin) {
		return nil, cli.UsageError("--ymax %v must be above --ymin %v", ymax, ymin)
	}
	w, h := cmd.Int("width"), cmd.Int("height")
	for _, d := range []struct {
		name string
		v    int
	}{{"width", w}, {"height", h}} {
		if cmd.IsSet(d.name) && (d.v < 200 || d.v > 20000) {
			return nil, cli.UsageError("--%s %d: want 200 to 20000 pixels", d.name, d.v)
		}
	}
	rows := cmd.Int("rows")
	if rows < 2 || rows > 100000 {
		return nil, cli.UsageError("--rows %d: want 2 to 100000", rows)
	}
	hist, err := plot.ParseHistory(cmd.String("history"))
	if err != nil {
		return nil, cli.UsageError("--history: %v", err)
	}
	if c.colormap, err = plot.ColormapByName(cmd.String("colormap")); err != nil {
		return nil, cli.UsageError("--colormap: %v", err)
	}
	if c.digits < -1 || c.digits > 9 {
		return nil, cli.UsageError("--digits %d: want -1 to 9", c.digits)
	}
	title := cmd.String("title")
	c.line = plot.LineOptions{Width: w, Height: h, YMin: ymin, YMax: ymax, HasYMin: hasMin, HasYMax: hasMax, Peaks: c.peaks, Title: title}
	c.wf = plot.WaterfallOptions{Width: w, Height: h, YMin: ymin, YMax: ymax, HasYMin: hasMin, HasYMax: hasMax,
		Colormap: c.colormap, Rows: rows, History: hist, Title: title}
	return c, nil
}

func run(ctx context.Context, cmd *ucli.Command) error {
	cfg, err := parseConfig(cmd, cli.IsTerminal(os.Stdout))
	if err != nil {
		return err
	}
	var in io.Reader = os.Stdin
	if cfg.input != "" && cfg.input != "-" {
		f, err := os.Open(cfg.input)
		if err != nil {
			return cli.Exit(fmt.Errorf("open input: %w", err), cli.ExitFailure)
		}
		defer f.Close()
		in = f
	} else if cli.IsTerminal(os.Stdin) {
		return cli.UsageError("no input: pipe spectrum packets in (wsa-capture --sim | wsa-fft | wsa-plot) or give FILE")
	}
	ctx, signalled := cli.SignalContext(ctx)
	defer signalled()
	var runErr error
	switch cfg.mode {
	case modeLive:
		runErr = runLive(ctx, cfg, in)
	case modeTable:
		runErr = runTable(ctx, cfg, in)
	default:
		runErr = runPicture(ctx, cfg, in)
	}
	if sig := signalled(); sig != nil {
		code := cli.ExitInterrupt
		if sig == syscall.SIGTERM {
			code = 128 + int(syscall.SIGTERM)
		}
		if runErr == nil || errors.Is(runErr, context.Canceled) {
			runErr = fmt.Errorf("interrupted by %v", sig)
		}
		return cli.Exit(runErr, code)
	}
	if runErr != nil {
		var ee *cli.ExitError
		if !errors.As(runErr, &ee) && !cli.IsBrokenPipe(runErr) {
			runErr = cli.Exit(runErr, cli.ExitFailure)
		}
	}
	return runErr
}

func warnf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, prog+": "+format+"\n", args...)
}

// reader runs the input in its own goroutine so that a signal can stop
// waiting for it: every spectrum is handled under mu, and once stopped is
// set nothing more is handled, so the caller can use what was gathered.
type reader struct {
	in      *plot.Input
	asm     plot.Assembler
	mu      sync.Mutex
	stopped bool
}

func newReader(r io.Reader) *reader {
	rd := &reader{in: plot.NewInput(r)}
	rd.asm.Info = rd.in.CaptureInfo
	return rd
}

// pump reads spectra and passes each to handle (under mu) until the input
// ends (nil), fails (the error), handle says stop or fails, or ctx ends
// (ctx's error). Afterwards handle is never called again.
func (rd *reader) pump(ctx context.Context, handle func(s *vrt.Spectrum, st plot.Step) (stop bool, err error)) error {
	done := make(chan error, 1)
	go func() {
		for {
			s, err := rd.in.Next()
			rd.mu.Lock()
			if rd.stopped {
				rd.mu.Unlock()
				return
			}
			if err != nil {
				rd.stopped = true
				rd.mu.Unlock()
				if err == io.EOF {
					err = nil
				}
				done <- err
				return
			}
			stop, herr := handle(s, rd.asm.Add(s))
			if stop || herr != nil {
				rd.stopped = true
				rd.mu.Unlock()
				done <- herr
				return
			}
			rd.mu.Unlock()
		}
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		rd.mu.Lock()
		rd.stopped = true
		rd.mu.Unlock()
		return ctx.Err()
	}
}

// runPicture draws a line plot or a waterfall from the whole input (or its
// first complete frame with --once).
func runPicture(ctx context.Context, cfg *config, in io.Reader) error {
	rd := newReader(in)
	var traces *plot.Traces
	var wf *plot.Waterfall
	if cfg.mode == modeWaterfall {
		wf = plot.NewWaterfall(cfg.wf)
	} else {
		traces = plot.NewTraces(cfg.traces)
	}
	frames := 0
	gridWarnings := 0
	add := func(f *plot.Frame) {
		frames++
		if wf != nil {
			wf.Add(f)
			return
		}
		if traces.Add(f) && gridWarnings < 3 {
			gridWarnings++
			warnf("%s: frequency grid changed (now %s): traces restart from here", f.Source, f.GridString())
		}
	}
	onceDone := false
	err := rd.pump(ctx, func(s *vrt.Spectrum, st plot.Step) (bool, error) {
		if st.Closed != nil {
			add(st.Closed)
			if cfg.once {
				onceDone = true
				return true, nil
			}
		}
		if st.Complete {
			add(st.Frame)
			if cfg.once {
				onceDone = true
				return true, nil
			}
		}
		return false, nil
	})
	rd.mu.Lock()
	defer rd.mu.Unlock()
	if !onceDone {
		for _, f := range rd.asm.Flush() {
			if cfg.once && frames > 0 {
				break
			}
			if !f.Complete {
				warnf("%s: the input ended in the middle of a sweep pass (%s)", f.Source, f.GridString())
			}
			add(f)
		}
	}
	if n := rd.in.Skipped(); n > 0 {
		warnf("skipped %d data packets that were not spectra", n)
	}
	if frames == 0 {
		if err != nil {
			return err
		}
		return errors.New("no spectra in the input")
	}
	out, oerr := openOutput(cfg.output)
	if oerr != nil {
		return oerr
	}
	var rerr error
	var geom any
	if wf != nil {
		g, e := wf.Render(out.Writer())
		rerr, geom = e, waterfallGeometryJSON(g)
	} else {
		g, e := plot.RenderLine(out.Writer(), cfg.format, traces.Curves(), cfg.line)
		rerr, geom = e, lineGeometryJSON(g)
	}
	if rerr != nil {
		out.Abort()
		return fmt.Errorf("write %s: %w", out.name, unwrapPath(rerr))
	}
	if cerr := out.Commit(); cerr != nil {
		return cerr
	}
	if cfg.geometry != "" {
		if gerr := writeGeometry(cfg.geometry, geom); gerr != nil {
			return gerr
		}
	}
	return err
}

// runTable writes every spectrum as a CSV row or a JSON line as it comes.
func runTable(ctx context.Context, cfg *config, in io.Reader) error {
	out, err := openOutput(cfg.output)
	if err != nil {
		return err
	}
	var write func(s *vrt.Spectrum, t time.Time) error
	var flush func() error
	if cfg.format == "json" {
		j := plot.NewJSONWriter(out.Writer())
		write, flush = j.Write, j.Flush
	} else {
		c := plot.NewCSVWriter(out.Writer())
		c.Digits = cfg.digits
		write, flush = c.Write, c.Flush
	}
	rd := newReader(in)
	rows := 0
	rerr := rd.pump(ctx, func(s *vrt.Spectrum, st plot.Step) (bool, error) {
		if cfg.once && st.Closed != nil {
			return true, nil // the first pass is complete; s belongs to the next
		}
		if err := write(s, st.Frame.Time); err != nil {
			return true, err
		}
		rows++
		// Rows reach a pipe as they come (a live pipeline, tail -f).
		if out.final == "" {
			if err := flush(); err != nil {
				return true, err
			}
			if err := out.bw.Flush(); err != nil {
				return true, err
			}
		}
		return cfg.once && st.Complete, nil
	})
	rd.mu.Lock()
	defer rd.mu.Unlock()
	if n := rd.in.Skipped(); n > 0 {
		warnf("skipped %d data packets that were not spectra", n)
	}
	if rerr != nil && cli.IsBrokenPipe(rerr) {
		out.Abort()
		return nil
	}
	ferr := flush()
	if ferr != nil {
		out.Abort()
		if cli.IsBrokenPipe(ferr) {
			return nil
		}
		return fmt.Errorf("write %s: %w", out.name, unwrapPath(ferr))
	}
	if rows == 0 && rerr == nil && !errors.Is(ctx.Err(), context.Canceled) {
		out.Abort()
		return errors.New("no spectra in the input")
	}
	if cerr := out.Commit(); cerr != nil {
		if cli.IsBrokenPipe(cerr) {
			return nil
		}
		return cerr
	}
	if rerr != nil {
		var fe *vrt.FormatError
		if !errors.As(rerr, &fe) && !errors.Is(rerr, context.Canceled) {
			return fmt.Errorf("write %s: %w", out.name, unwrapPath(rerr))
		}
	}
	return rerr
}

// runLive shows the live view until the user quits. The screen takes the
// terminal (/dev/tty) for keys and drawing; data comes from in. Nothing is
// printed while the screen is up; warnings and errors come after it is
// restored.
func runLive(ctx context.Context, cfg *config, in io.Reader) error {
	screen, err := tcell.NewScreen()
	if err != nil {
		return fmt.Errorf("live view: %w", err)
	}
	if err := screen.Init(); err != nil {
		return fmt.Errorf("live view: %w", err)
	}
	view := plot.NewLive(plot.LiveOptions{Traces: cfg.traces, YMin: cfg.line.YMin, YMax: cfg.line.YMax,
		HasYMin: cfg.line.HasYMin, HasYMax: cfg.line.HasYMax, Colormap: cfg.colormap})
	rd := newReader(in)
	inputDone := make(chan error, 1)
	// Input that fails before showing anything (raw I/Q, garbage) leaves
	// the view at once: there is nothing to look at.
	uiCtx, cancelUI := context.WithCancelCause(ctx)
	defer cancelUI(nil)
	go func() {
		err := rd.pump(ctx, func(s *vrt.Spectrum, st plot.Step) (bool, error) {
			if st.Closed != nil {
				view.Add(st.Closed)
				if cfg.once {
					return true, nil
				}
			}
			if st.Complete {
				view.Add(st.Frame)
				return cfg.once, nil
			}
			return false, nil
		})
		rd.mu.Lock()
		if view.Frames() == 0 || !cfg.once {
			for _, f := range rd.asm.Flush() {
				view.Add(f)
			}
		}
		rd.mu.Unlock()
		view.End(err)
		inputDone <- err
		if err != nil && view.Frames() == 0 && !errors.Is(err, context.Canceled) {
			cancelUI(err)
		}
	}()
	uiErr := view.Run(uiCtx, screen)
	screen.Fini()
	if uiErr != nil {
		if cause := context.Cause(uiCtx); cause != nil && ctx.Err() == nil {
			return cause
		}
		return uiErr
	}
	select {
	case err := <-inputDone:
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
	default: // still reading: the user quit first, which is fine
	}
	return nil
}

func rectJSON(r image.Rectangle) map[string]int {
	return map[string]int{"x0": r.Min.X, "y0": r.Min.Y, "x1": r.Max.X, "y1": r.Max.Y}
}

// lineGeometryJSON: pixel x of f Hz is data.x0 + (f − x_min_hz)/(x_max_hz −
// x_min_hz)·(data.x1 − data.x0); pixel y of a level is data.y1 − (v −
// y_min)/(y_max − y_min)·(data.y1 − data.y0).
func lineGeometryJSON(g plot.Geometry) any {
	return map[string]any{"kind": "line", "width": g.Width, "height": g.Height, "data": rectJSON(g.Data),
		"x_min_hz": g.XMin, "x_max_hz": g.XMax, "y_min": g.YMin, "y_max": g.YMax}
}

func waterfallGeometryJSON(g plot.WaterfallGeometry) any {
	var panels []any
	for _, p := range g.Panels {
		panels = append(panels, map[string]any{"stream_id": fmt.Sprintf("0x%08x", p.Stream), "source": p.Name, "rows": len(p.Rows), "data": rectJSON(p.Rect)})
	}
	return map[string]any{"kind": "waterfall", "width": g.Width, "height": g.Height, "panels": panels,
		"x_min_hz": g.XMin, "x_max_hz": g.XMax, "bar": rectJSON(g.Bar), "level_min": g.LevelMin, "level_max": g.LevelMax}
}

func writeGeometry(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	out, err := openOutput(path)
	if err != nil {
		return err
	}
	if _, err := out.Write(append(b, '\n')); err != nil {
		out.Abort()
		return fmt.Errorf("write %s: %w", path, unwrapPath(err))
	}
	return out.Commit()
}
