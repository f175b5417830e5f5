package cli

import (
	"context"
	"io"
	"syscall"
	"testing"
	"time"
)

func TestIdleReaderFlushesBeforeEveryRead(t *testing.T) {
	pr, pw := io.Pipe()
	flushes := 0
	r := &IdleReader{R: pr, Flush: func() error { flushes++; return nil }}
	go func() {
		pw.Write([]byte("ab"))
		pw.Write([]byte("c"))
		pw.Close()
	}()
	b, err := io.ReadAll(r)
	if err != nil || string(b) != "abc" {
		t.Fatalf("read %q, %v", b, err)
	}
	if flushes < 3 { // two reads with data, one that sees the end
		t.Fatalf("%d flushes for at least 3 reads", flushes)
	}
}

func TestIdleReaderFlushError(t *testing.T) {
	r := &IdleReader{R: io.LimitReader(nil, 0), Flush: func() error { return syscall.EPIPE }}
	r.Read(make([]byte, 1))
	if !IsBrokenPipe(r.FlushErr()) {
		t.Fatalf("FlushErr %v", r.FlushErr())
	}
}

// TestStopWhenIdle: a signal while the tool waits for input stops it at
// once, and the reading goroutine never goes on (so stop can finish the
// output without racing it), even when input arrives afterwards.
func TestStopWhenIdle(t *testing.T) {
	pr, pw := io.Pipe()
	r := &IdleReader{R: pr}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	defer r.StopWhenIdle(ctx, func() { close(stopped) })()
	returned := make(chan struct{})
	go func() {
		r.Read(make([]byte, 10))
		close(returned)
	}()
	for r.state.Load() != readerIdle {
		time.Sleep(time.Millisecond)
	}
	cancel()
	select {
	case <-stopped:
	case <-time.After(10 * time.Second): // a safety bound
		t.Fatal("not stopped while idle")
	}
	go pw.Write([]byte("late"))
	select {
	case <-returned:
		t.Fatal("the reader returned after stop took over")
	case <-time.After(50 * time.Millisecond):
	}
}

// TestStopWaitsWhileBusy: while the tool works (not in Read) stop is not
// called; it is once the tool comes back to read.
func TestStopWaitsWhileBusy(t *testing.T) {
	pr, pw := io.Pipe()
	r := &IdleReader{R: pr}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	defer r.StopWhenIdle(ctx, func() { close(stopped) })()
	go pw.Write([]byte("x"))
	if _, err := r.Read(make([]byte, 1)); err != nil { // now busy
		t.Fatal(err)
	}
	cancel()
	select {
	case <-stopped:
		t.Fatal("stopped while the tool was busy")
	case <-time.After(50 * time.Millisecond):
	}
	go r.Read(make([]byte, 1))
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("not stopped once back in Read")
	}
}

func TestStopWhenIdleCancelled(t *testing.T) {
	pr, _ := io.Pipe()
	r := &IdleReader{R: pr}
	ctx, cancel := context.WithCancel(context.Background())
	called := make(chan struct{})
	end := r.StopWhenIdle(ctx, func() { close(called) })
	end()
	end() // twice is harmless
	go r.Read(make([]byte, 1))
	cancel()
	select {
	case <-called:
		t.Fatal("stop called after the watch ended")
	case <-time.After(50 * time.Millisecond):
	}
}

func TestSignalCode(t *testing.T) {
	if SignalCode(syscall.SIGTERM) != 143 || SignalCode(syscall.SIGINT) != 130 {
		t.Fatal("signal codes")
	}
}
