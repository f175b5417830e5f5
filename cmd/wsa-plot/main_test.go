package main

import (
	"bytes"
	"flag"
	"fmt"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wsatools/wsa/pkg/plot/plottest"
	"github.com/wsatools/wsa/pkg/vrt"
)

var (
	bin    string // the wsa-plot binary under test
	gen    string // the specgen binary
	update = flag.Bool("update", false, "rewrite testdata/plot fixtures")
	t0     = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
)

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "wsa-plot-test")
	if err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "wsa-plot")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build wsa-plot: %v\n%s", err, out)
		os.Exit(1)
	}
	gen = filepath.Join(dir, "specgen")
	if out, err := exec.Command("go", "build", "-o", gen, "./internal/specgen").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build specgen: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func tone() plottest.Source {
	return plottest.Source{Name: "WSA4000 TEST-1 10.0.0.1", StartHz: 2.42e9 - 62.5e6, StepHz: 125e6 / 1024, Bins: 1024,
		Units: vrt.UnitsDBm, Floor: -100, Spread: 6, Tones: []plottest.Tone{{Hz: 2.43e9, Level: -30}}, Start: t0, Interval: 100 * time.Millisecond}
}

func sweep() plottest.Source {
	return plottest.Source{Name: "WSA4000 TEST-1 10.0.0.1", StartHz: 2.4e9, StepHz: 100e3, Bins: 250, Steps: 4, SweepID: 3,
		Units: vrt.UnitsDBm, Floor: -95, Spread: 4, Tones: []plottest.Tone{{Hz: 2.45e9, Level: -40}}, Start: t0, Interval: 50 * time.Millisecond}
}

type result struct {
	stdout, stderr string
	code           int
}

// runPlot runs wsa-plot with stdin and args in dir.
func runPlot(t *testing.T, dir string, stdin []byte, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(stdin)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{o.String(), e.String(), code}
}

// TestUsageErrors: contradictory or meaningless flags are one line on
// stderr and exit 2, before any input is read.
func TestUsageErrors(t *testing.T) {
	in := plottest.Stream(1, tone())
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--no-such-flag"}, "not defined"},
		{[]string{"-o", "x.dat"}, "cannot tell the format"},
		{[]string{"-o", "x.png", "--format", "csv"}, "looks like png"},
		{[]string{"--waterfall", "--format", "csv"}, "--waterfall draws an image"},
		{[]string{"--waterfall", "-o", "w.svg"}, "PNG only"},
		{[]string{"--format", "csv", "--peaks", "3"}, "--peaks does not apply to csv tables"},
		{[]string{"--format", "json", "--digits", "3"}, "--digits applies to csv"},
		{[]string{"--waterfall", "-o", "w.png", "--trace", "max"}, "--trace does not apply to --waterfall"},
		{[]string{"-o", "x.png", "--rows", "10"}, "--rows does not apply to line plots"},
		{[]string{"-o", "x.png", "--width", "10"}, "want 200 to 20000"},
		{[]string{"-o", "x.png", "--ymin", "-10", "--ymax", "-20"}, "must be above"},
		{[]string{"-o", "x.png", "--trace", "median"}, "unknown trace"},
		{[]string{"--waterfall", "-o", "w.png", "--colormap", "jet"}, "unknown colormap"},
		{[]string{"--waterfall", "-o", "w.png", "--history", "some"}, "want newest or all"},
		{[]string{"a.vrt", "b.vrt"}, "at most one FILE"},
	} {
		dir := t.TempDir()
		r := runPlot(t, dir, in, tc.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) || strings.Count(r.stderr, "\n") != 1 || r.stdout != "" {
			t.Errorf("%v: exit %d, stderr %q; want exit 2, one line containing %q", tc.args, r.code, r.stderr, tc.want)
		}
		if ents, _ := os.ReadDir(dir); len(ents) != 0 {
			t.Errorf("%v: left files %v", tc.args, ents)
		}
	}
}

// TestDefaultsToCSV: a pipe on stdout and no -o gets rtl_power CSV, a
// pipe with --waterfall gets a PNG.
func TestDefaultsToCSV(t *testing.T) {
	r := runPlot(t, t.TempDir(), plottest.Stream(3, tone()))
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || len(lines) != 3 || !strings.HasPrefix(lines[0], "2026-03-04, 05:06:07, 2357500000, 2482500000, 122070.31, 1, ") {
		t.Fatalf("exit %d, stderr %q, stdout %q", r.code, r.stderr, r.stdout)
	}
	r = runPlot(t, t.TempDir(), plottest.Stream(3, tone()), "--waterfall")
	if _, err := png.Decode(strings.NewReader(r.stdout)); r.code != 0 || err != nil {
		t.Fatalf("waterfall to a pipe: exit %d (%s), png: %v", r.code, r.stderr, err)
	}
}

// TestSweepCSVStamps: rows of one sweep pass carry the pass's time, as
// rtl_power stamps every hop of a sweep alike; --once stops after a pass.
func TestSweepCSVStamps(t *testing.T) {
	sw := sweep()
	sw.Interval = 700 * time.Millisecond // steps cross second boundaries
	r := runPlot(t, t.TempDir(), plottest.Stream(8, sw), "--format", "csv")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || len(lines) != 8 {
		t.Fatalf("exit %d (%s): %d rows", r.code, r.stderr, len(lines))
	}
	stamp := func(l string) string { return l[:20] }
	for i := 1; i < 4; i++ {
		if stamp(lines[i]) != stamp(lines[0]) || stamp(lines[4+i]) != stamp(lines[4]) {
			t.Errorf("pass rows carry different stamps: %q %q", stamp(lines[i]), stamp(lines[0]))
		}
	}
	if stamp(lines[4]) == stamp(lines[0]) {
		t.Errorf("second pass has the first pass's stamp")
	}
	r = runPlot(t, t.TempDir(), plottest.Stream(8, sw), "--format", "csv", "--once")
	if n := strings.Count(r.stdout, "\n"); r.code != 0 || n != 4 {
		t.Errorf("--once: exit %d, %d rows, want one pass of 4", r.code, n)
	}
}

// TestRawIQRefused: raw device samples get one line pointing at wsa-fft,
// exit 1, and no file.
func TestRawIQRefused(t *testing.T) {
	dir := t.TempDir()
	r := runPlot(t, dir, plottest.RawIQ(512), "-o", "x.png")
	if r.code != 1 || !strings.Contains(r.stderr, "wsa-fft") || !strings.Contains(r.stderr, "packet 0 at byte offset 0") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("left files %v", ents)
	}
}

// TestMalformedStillDraws: damage after good spectra draws what was good,
// then fails with the packet index and byte offset.
func TestMalformedStillDraws(t *testing.T) {
	good := plottest.Stream(3, tone())
	bad := append(append([]byte{}, good...), good[:50]...)
	for _, tc := range []struct{ args []string }{{[]string{"-o", "x.png"}}, {[]string{"--waterfall", "-o", "x.png"}}, {[]string{"-o", "x.csv"}}} {
		dir := t.TempDir()
		r := runPlot(t, dir, bad, tc.args...)
		want := fmt.Sprintf("packet 9 at byte offset %d: truncated", len(good))
		if r.code != 1 || !strings.Contains(r.stderr, want) || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want 1 and %q", tc.args, r.code, r.stderr, want)
		}
		b, err := os.ReadFile(filepath.Join(dir, tc.args[len(tc.args)-1]))
		if err != nil {
			t.Fatalf("%v: good part not written: %v", tc.args, err)
		}
		if strings.HasSuffix(tc.args[len(tc.args)-1], ".png") {
			if _, err := png.Decode(bytes.NewReader(b)); err != nil {
				t.Errorf("%v: %v", tc.args, err)
			}
		} else if n := bytes.Count(b, []byte("\n")); n != 3 {
			t.Errorf("%v: %d rows, want the 3 good ones", tc.args, n)
		}
	}
}

// TestDiskFull: a write that fails says so and exits 1; no temporary file
// stays behind where a file output was asked for.
func TestDiskFull(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full on this system")
	}
	for _, args := range [][]string{{"-o", "/dev/full", "--format", "csv"}, {"-o", "/dev/full", "--format", "png"}, {"-o", "/dev/full", "--format", "json"}} {
		r := runPlot(t, t.TempDir(), plottest.Stream(20, tone()), args...)
		if r.code != 1 || !strings.Contains(r.stderr, "no space left on device") || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
	// No spectra: the file is not created at all, nor its temporary.
	dir := t.TempDir()
	r := runPlot(t, dir, nil, "-o", "empty.png")
	if ents, _ := os.ReadDir(dir); r.code != 1 || len(ents) != 0 || !strings.Contains(r.stderr, "no spectra") {
		t.Errorf("empty input: exit %d, %q, files %v", r.code, r.stderr, ents)
	}
}

// TestOnceClosesEarly: with --once wsa-plot stops reading a stream that
// never ends, writes the picture and exits 0.
func TestOnceClosesEarly(t *testing.T) {
	for _, args := range [][]string{{"--once", "-o", "x.png"}, {"--once", "--format", "csv"}} {
		dir := t.TempDir()
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		w, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { // an endless producer; it stops when the pipe breaks
			for i := 0; ; i++ {
				if _, err := w.Write(plottest.StreamRange(i, i+1, false, tone())); err != nil {
					return
				}
				time.Sleep(20 * time.Millisecond)
			}
		}()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%v: %v (%s)", args, err, errb.String())
			}
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("%v: did not stop after the first spectrum", args)
		}
		if args[1] == "--format" && strings.Count(out.String(), "\n") != 1 {
			t.Errorf("csv --once: %q", out.String())
		}
		if args[1] == "-o" {
			if _, err := os.Stat(filepath.Join(dir, "x.png")); err != nil {
				t.Errorf("--once -o x.png: %v", err)
			}
		}
	}
}

// TestInterruptDraws: Ctrl-C (SIGINT) while reading a live stream draws
// what was read and exits 130.
func TestInterruptDraws(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(bin, "--waterfall", "-o", "w.png")
	cmd.Dir = dir
	w, _ := cmd.StdinPipe()
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Write(plottest.Stream(20, tone())) // and keep the pipe open
	time.Sleep(500 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	w.Close()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 {
		t.Fatalf("exit %v (%s), want 130", err, errb.String())
	}
	f, err := os.Open(filepath.Join(dir, "w.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Error(err)
	}
}

// TestFixtures keeps testdata/plot (used by scripts/e2e/plot.sh) equal to
// what plottest makes; -update rewrites them.
func TestFixtures(t *testing.T) {
	fixtures := map[string][]byte{
		"tone.vrt":  plottest.Stream(5, tone()),
		"sweep.vrt": plottest.Stream(8, sweep()),
		"iq.vrt":    plottest.RawIQ(256),
	}
	for name, want := range fixtures {
		path := filepath.Join("..", "..", "testdata", "plot", name)
		if *update {
			os.MkdirAll(filepath.Dir(path), 0o755)
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is missing or stale (%v): go test ./cmd/wsa-plot -run TestFixtures -update", path, err)
		}
	}
}

// peakRSS runs specgen -n n | wsa-plot args and returns wsa-plot's peak
// resident set size (getrusage ru_maxrss, KiB) and run time.
func peakRSS(t *testing.T, n int, args ...string) (int64, time.Duration) {
	t.Helper()
	g := exec.Command(gen, "-n", fmt.Sprint(n), "-bins", "1024", "-rate", "10")
	p := exec.Command(bin, args...)
	p.Dir = t.TempDir()
	pipe, err := g.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.Stdin = pipe
	var errb bytes.Buffer
	p.Stderr = &errb
	start := time.Now()
	if err := g.Start(); err != nil {
		t.Fatal(err)
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	perr := p.Wait()
	g.Wait()
	d := time.Since(start)
	if perr != nil {
		t.Fatalf("%v: %v (%s)", args, perr, errb.String())
	}
	return p.ProcessState.SysUsage().(*syscall.Rusage).Maxrss, d
}

// TestWaterfallMemoryBounded: a 1-hour stream (36000 spectra of 1024 bins
// at 10 per second, 155 MB) draws a waterfall in the same peak memory as a
// 6-minute one, under both memory rules. docs/PLOT.md quotes the figures.
func TestWaterfallMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 170 MB through wsa-plot; skipped with -short")
	}
	for _, h := range []string{"newest", "all"} {
		small, ds := peakRSS(t, 3600, "--waterfall", "--history", h, "-o", "w.png")
		big, db := peakRSS(t, 36000, "--waterfall", "--history", h, "-o", "w.png")
		t.Logf("--history %s: 3600 spectra: peak RSS %d KiB in %v; 36000 spectra: %d KiB in %v", h, small, ds.Round(time.Millisecond), big, db.Round(time.Millisecond))
		if big > small*5/4+8192 {
			t.Errorf("--history %s: peak RSS grew from %d KiB to %d KiB with 10x the input", h, small, big)
		}
	}
}

// TestLiveViewInTmux runs the live view for real in a pseudo-terminal
// (tmux): data comes through a FIFO that stays open after the last
// spectrum, keys come from the terminal. It checks the trace and labels,
// the waiting time once data stops, and that q quits with exit 0 and the
// terminal settings restored.
func TestLiveViewInTmux(t *testing.T) {
	tmux, err := exec.LookPath("tmux")
	if err != nil {
		t.Skip("tmux is not installed: the live view's pseudo-terminal test needs it (apt-get install tmux)")
	}
	dir := t.TempDir()
	fifo := filepath.Join(dir, "in.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	sock := fmt.Sprintf("wsa-plot-test-%d", os.Getpid())
	tm := func(args ...string) string {
		out, err := exec.Command(tmux, append([]string{"-L", sock}, args...)...).CombinedOutput()
		if err != nil {
			t.Logf("tmux %v: %v %s", args, err, out)
		}
		return string(out)
	}
	defer tm("kill-server")
	script := fmt.Sprintf("stty -g > %[1]s/before; %[2]s < %[3]s; echo exit=$? > %[1]s/rc; stty -g > %[1]s/after; sleep 60",
		dir, bin, fifo)
	tm("new-session", "-d", "-x", "100", "-y", "30", "sh", "-c", script)
	w, err := os.OpenFile(fifo, os.O_WRONLY, 0) // blocks until wsa-plot opens it
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for i := 0; i < 10; i++ {
		w.Write(plottest.StreamRange(i, i+1, false, tone()))
		time.Sleep(50 * time.Millisecond)
	}
	wait := func(what string, ok func(string) bool) string {
		var screen string
		for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
			if screen = tm("capture-pane", "-p"); ok(screen) {
				return screen
			}
		}
		t.Fatalf("%s; screen:\n%s", what, screen)
		return ""
	}
	screen := wait("trace and labels not shown", func(s string) bool {
		return strings.Contains(s, "WSA4000 TEST-1 10.0.0.1") && strings.Contains(s, "peak 2.4300 GHz -30.0 dBm")
	})
	for _, want := range []string{"centre 2.42 GHz", "span 125 MHz", "█", "▼", "2400", "MHz", "q quit"} {
		if !strings.Contains(screen, want) {
			t.Errorf("live view lacks %q:\n%s", want, screen)
		}
	}
	waiting := regexp.MustCompile(`waiting for data: ([0-9.]+)s since the last spectrum`)
	screen = wait("no waiting time shown after data stopped", func(s string) bool {
		m := waiting.FindStringSubmatch(s)
		if m == nil {
			return false
		}
		secs, err := strconv.ParseFloat(m[1], 64)
		return err == nil && secs >= 3
	})
	// Still answering: a resize is followed.
	tm("resize-window", "-x", "80", "-y", "24")
	wait("resize not followed", func(s string) bool {
		lines := strings.Split(s, "\n")
		return len(lines) >= 24 && len([]rune(strings.TrimRight(lines[0], " "))) <= 80 && strings.Contains(lines[1], "waiting for data: ") &&
			strings.Contains(s, "q quit")
	})
	tm("send-keys", "q")
	var rc []byte
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if rc, _ = os.ReadFile(filepath.Join(dir, "rc")); len(rc) > 0 {
			break
		}
	}
	if strings.TrimSpace(string(rc)) != "exit=0" {
		t.Fatalf("q: %q, want exit=0", rc)
	}
	time.Sleep(300 * time.Millisecond)
	before, _ := os.ReadFile(filepath.Join(dir, "before"))
	after, _ := os.ReadFile(filepath.Join(dir, "after"))
	if len(before) == 0 || !bytes.Equal(before, after) {
		t.Errorf("terminal settings not restored: before %q after %q", before, after)
	}
	if s := tm("capture-pane", "-p"); strings.Contains(s, "q quit") {
		t.Errorf("the view is still on the screen after quitting:\n%s", s)
	}
}

var _ = io.Discard
