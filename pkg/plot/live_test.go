package plot_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"github.com/wsatools/wsa/pkg/plot"
	"github.com/wsatools/wsa/pkg/plot/plottest"
)

// fakeClock is a settable clock for the view's "waiting" status.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func screenText(s tcell.SimulationScreen) string {
	cells, w, h := s.GetContents()
	var b strings.Builder
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			r := ' '
			if rs := cells[y*w+x].Runes; len(rs) > 0 {
				r = rs[0]
			}
			b.WriteRune(r)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// TestLiveDraw: the view shows source, centre, span, peak and its marker,
// a trace and a waterfall, fits any size, and says how long it has been
// waiting once data stops.
func TestLiveDraw(t *testing.T) {
	clk := &fakeClock{t: t0}
	v := plot.NewLive(plot.LiveOptions{Now: clk.Now})
	s := tcell.NewSimulationScreen("UTF-8")
	if err := s.Init(); err != nil {
		t.Fatal(err)
	}
	defer s.Fini()
	s.SetSize(100, 30)
	v.Draw(s)
	if txt := screenText(s); !strings.Contains(txt, "waiting for data: 0s") {
		t.Errorf("empty view:\n%s", txt)
	}
	for _, f := range frames(t, plottest.Stream(10, wideband(plottest.Tone{Hz: 2.43e9, Level: -30}))) {
		clk.Add(100 * time.Millisecond)
		v.Add(f)
	}
	v.Draw(s)
	txt := screenText(s)
	for _, want := range []string{"WSA4000 TEST-1 10.0.0.1", "centre 2.42 GHz", "span 125 MHz", "peak 2.43001 GHz -30.0 dBm",
		"10.0/s", "live", "▼", "█", "▀", "2400", "MHz", "q quit"} {
		if !strings.Contains(txt, want) {
			t.Errorf("view lacks %q:\n%s", want, txt)
		}
	}
	clk.Add(7 * time.Second)
	v.Draw(s)
	if txt := screenText(s); !strings.Contains(txt, "waiting for data: 7s since the last spectrum") {
		t.Errorf("stalled view:\n%s", txt)
	}
	for _, size := range [][2]int{{40, 10}, {250, 80}, {20, 5}} {
		s.SetSize(size[0], size[1])
		v.Draw(s) // must not panic at any size
	}
	if txt := screenText(s); !strings.Contains(txt, "too small") {
		t.Errorf("tiny terminal:\n%s", txt)
	}
}

// TestLiveKeys: q quits Run with nil; the view keeps running without data.
func TestLiveKeys(t *testing.T) {
	for _, key := range []*tcell.EventKey{
		tcell.NewEventKey(tcell.KeyRune, 'q', 0),
		tcell.NewEventKey(tcell.KeyCtrlC, 0, 0),
		tcell.NewEventKey(tcell.KeyEscape, 0, 0),
	} {
		v := plot.NewLive(plot.LiveOptions{Refresh: 10 * time.Millisecond})
		s := tcell.NewSimulationScreen("UTF-8")
		if err := s.Init(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- v.Run(context.Background(), s) }()
		time.Sleep(50 * time.Millisecond) // several redraws with no data at all
		s.InjectKey(key.Key(), key.Rune(), key.Modifiers())
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("key %v: Run returned %v", key.Name(), err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("key %v did not quit", key.Name())
		}
		s.Fini()
	}
}
